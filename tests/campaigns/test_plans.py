"""Plan expansion: one-offs, recurring slots, series, weekdays, key dates."""

from datetime import date, time
from zoneinfo import ZoneInfo

from campaigns.keydates import KEY_DATES, key_date_on, key_dates_between
from campaigns.loader import Every, PlanDoc, load_campaign
from campaigns.plans import expand, moments
from tests.conftest import EXAMPLE_CAMPAIGN

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def plan(**kw: object) -> PlanDoc:
    base: dict[str, object] = {
        "index": 0,
        "key": "p",
        "kind": "recurring",
        "content": ("a",),
        "channels": ("c",),
    }
    base.update(kw)
    return PlanDoc(**base)  # type: ignore[arg-type]


def test_example_series_lands_on_16_18_20_november() -> None:
    slots = [
        s for s in expand(load_campaign(EXAMPLE_CAMPAIGN)) if s.plan_key == "online-safety-tips"
    ]
    assert [
        (s.at.strftime("%d/%m %H:%M"), s.content) for s in slots if s.channel == "ncfaw-fb"
    ] == [
        ("16/11 20:00", "tip-01"),
        ("18/11 20:00", "tip-02"),
        ("20/11 20:00", "tip-03"),
    ]


def test_expansion_is_deterministic() -> None:
    assert expand(load_campaign(EXAMPLE_CAMPAIGN)) == expand(load_campaign(EXAMPLE_CAMPAIGN))


def test_hours_and_weekdays() -> None:
    p = plan(
        every=Every(6, "hours"),
        times=(time(6),),
        start=date(2025, 11, 17),
        until=date(2025, 11, 18),
        weekdays=(1,),  # Tuesdays only
    )
    # Steps continue from Monday 06:00 across midnight; only Tuesday's are kept.
    assert [m.strftime("%a %d %H:%M") for m in moments(p, HCM)] == [
        "Tue 18 00:00",
        "Tue 18 06:00",
        "Tue 18 12:00",
        "Tue 18 18:00",
    ]


def test_weeks_with_two_times() -> None:
    p = plan(
        every=Every(1, "weeks"),
        times=(time(8), time(19, 30)),
        start=date(2025, 11, 15),
        until=date(2025, 11, 29),
    )
    assert [m.strftime("%d/%m %H:%M") for m in moments(p, HCM)] == [
        "15/11 08:00",
        "15/11 19:30",
        "22/11 08:00",
        "22/11 19:30",
        "29/11 08:00",
        "29/11 19:30",
    ]


def test_key_dates_of_the_action_month() -> None:
    found = key_dates_between(date(2025, 11, 15), date(2025, 12, 15))
    assert [d for d, _ in found] == [
        date(2025, 11, 15),
        date(2025, 11, 25),
        date(2025, 12, 10),
        date(2025, 12, 15),
    ]
    assert len(KEY_DATES) == 4
    kd = key_date_on(date(2026, 11, 25))
    assert kd is not None
    assert "Violence against Women" in kd.name_en
    assert key_date_on(date(2025, 11, 26)) is None
