"""The scorecard narrowed to one unit: each KPI counts only that unit's channels and is judged
against the unit's part of the target (the rule the app, the reports and `loa scorecard` share)."""

from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.engine import narrowed_scorecard, scorecard
from analytics_app.engine.scope import KpiFilter
from tests.analytics_app.factories import add_kpi, build_hand, local

UNITS = ("u1", "u2", "u3")


def test_unit_scope_counts_only_the_units_channels(sqlite_engine: Engine) -> None:
    hand = build_hand(sqlite_engine)
    with Session(sqlite_engine) as s:
        add_kpi(s, hand.campaign_id, "reach", "reach", 1000)
        add_kpi(s, hand.campaign_id, "u2-reach", "reach", 500, units=["u2"])
        s.commit()
        moment = local(21, 11)
        everyone = {x.kpi: x for x in scorecard(s, "hand", moment)}
        u1 = {x.kpi: x for x in scorecard(s, "hand", moment, unit="u1")}
        u2 = {x.kpi: x for x in scorecard(s, "hand", moment, unit="u2")}
        u3 = {x.kpi: x for x in scorecard(s, "hand", moment, unit="u3")}
    assert everyone["reach"].actual == 650  # A 400 (u1) + B 250 (u2)
    assert u1["reach"].actual == 400
    assert u2["reach"].actual == 250
    assert "u2-reach" not in u1  # a KPI naming only other units says nothing of u1
    assert u2["u2-reach"].actual == 250
    assert u3["reach"].actual is None  # u3 has no channel: no data, not 0
    assert u3["reach"].status == "no_data"


def test_a_unit_is_judged_against_its_planned_share_of_each_target(
    sqlite_engine: Engine,
) -> None:
    """u1 plans A, C, E (3 of the 5 publications), u2 plans B, D, u3 nothing: the reach target
    of 1,000 splits 600 / 400 / 0, and the parts add up to the campaign's. A rate keeps its
    target; a count of active units is capped at the one unit in scope."""
    hand = build_hand(sqlite_engine)
    with Session(sqlite_engine) as s:
        add_kpi(s, hand.campaign_id, "reach", "reach", 1000)
        add_kpi(s, hand.campaign_id, "u2-reach", "reach", 500, units=["u2"])
        add_kpi(s, hand.campaign_id, "rate", "engagement_rate", 0.05)
        add_kpi(s, hand.campaign_id, "active", "active_units", 3)
        s.commit()
        moment = local(21, 11)
        parts = {u: {x.kpi: x for x in scorecard(s, "hand", moment, unit=u)} for u in UNITS}
        facebook = narrowed_scorecard(s, "hand", moment, KpiFilter(platforms=("facebook",)))
    assert [parts[u]["reach"].target for u in UNITS] == [600, 400, 0]
    assert parts["u2"]["u2-reach"].target == 500  # the KPI is u2's own: its whole target
    assert parts["u1"]["reach"].percent == 400 / 600 * 100
    assert {parts[u]["rate"].target for u in UNITS} == {0.05}
    assert {parts[u]["active"].target for u in UNITS} == {1}
    # A platform is a part too: Facebook carries A, B, D, E (4 of 5).
    assert facebook.shares["reach"] == 0.8
    assert next(x for x in facebook.scores if x.kpi == "reach").target == 800
