"""The scorecard narrowed to one unit: each KPI counts only that unit's channels."""

from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.engine import scorecard
from tests.analytics_app.factories import add_kpi, build_hand, local


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
