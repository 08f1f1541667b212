"""The default moment: the end of an ended campaign's last day, else now."""

from datetime import date, datetime

from analytics_app.engine.moment import default_as_of, default_last_day, end_of_day
from tests.analytics_app.factories import ZONE

STARTS, ENDS = date(2025, 11, 15), date(2025, 12, 15)


def test_an_ended_campaign_is_read_at_the_end_of_its_last_day() -> None:
    later = datetime(2026, 12, 6, 8, tzinfo=ZONE)
    assert default_as_of(ENDS, ZONE, later).isoformat() == "2025-12-15T23:59:59.999999+07:00"
    assert default_last_day(STARTS, ENDS, ZONE, later) == ENDS


def test_a_running_campaign_is_read_now() -> None:
    during = datetime(2025, 12, 1, 9, tzinfo=ZONE)
    assert default_as_of(ENDS, ZONE, during) == during
    assert default_last_day(STARTS, ENDS, ZONE, during) == date(2025, 12, 1)
    # The last evening, 23:30 local (16:30 UTC): still running, the day is the zone's.
    last_evening = datetime(2025, 12, 15, 23, 30, tzinfo=ZONE)
    assert default_as_of(ENDS, ZONE, last_evening) == last_evening
    assert default_last_day(STARTS, ENDS, ZONE, last_evening) == ENDS


def test_before_the_start_the_range_keeps_the_first_day() -> None:
    before = datetime(2025, 11, 1, tzinfo=ZONE)
    assert default_last_day(STARTS, ENDS, ZONE, before) == STARTS
    assert end_of_day(STARTS, ZONE) > before
