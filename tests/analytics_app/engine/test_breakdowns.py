"""Breakdowns of the hand campaign (tests/analytics_app/factories.py) as of 20/11 12:00 local."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.engine.breakdowns import breakdown
from analytics_app.engine.scope import KpiFilter
from bench.national import ZONE, generate
from campaigns.errors import UserError
from tests.analytics_app.factories import build_hand, local

AS_OF = local(20, 11, 12)


def _by(engine: Engine, metric: str, by: str, **kw: object) -> dict[str, float | None]:
    with Session(engine) as s:
        return {r.key: r.value for r in breakdown(s, "hand", metric, by, AS_OF, **kw)}  # type: ignore[arg-type]


def test_by_unit_channel_platform_kind(any_engine: Engine) -> None:
    build_hand(any_engine)
    # A (fb1, u1, post) 400; B (fb2, u2, photo) 250; u3 has nothing and is absent.
    assert _by(any_engine, "reach", "unit") == {"u1": 400, "u2": 250}
    assert _by(any_engine, "reach", "channel") == {"fb1": 400, "fb2": 250}
    assert _by(any_engine, "reach", "content_kind") == {"post": 400, "photo": 250}
    # Views: A 500 on Facebook, C 1500 on YouTube; largest first.
    with Session(any_engine) as s:
        rows = breakdown(s, "hand", "views", "platform", AS_OF)
    assert [(r.key, r.value, r.publications) for r in rows] == [
        ("youtube", 1500, 1),
        ("facebook", 500, 1),
    ]


def test_by_objective_and_audience_spread_over_the_items_lists(any_engine: Engine) -> None:
    build_hand(any_engine)
    # p1 [O1] (A 400), p2 [O1, O2] (B 250): B counts for both objectives.
    assert _by(any_engine, "reach", "objective") == {"O1": 650, "O2": 250}
    assert _by(any_engine, "reach", "audience") == {"youth": 400, "general": 250}


def test_by_day_is_the_growth_of_each_day_and_by_hour_the_local_posting_hour(
    any_engine: Engine,
) -> None:
    build_hand(any_engine)
    # A +100 (15/11), +200 (16/11), +100 (20/11); B +50 (16/11), +200 (18/11).
    assert _by(any_engine, "reach", "day") == {
        "2025-11-15": 100,
        "2025-11-16": 250,
        "2025-11-18": 200,
        "2025-11-20": 100,
    }
    # A out 08:02, C 19:01 local (01:02 and 12:01 UTC).
    assert _by(any_engine, "views", "hour") == {"08": 500, "19": 1500}


def test_rates_per_group_and_filters(any_engine: Engine) -> None:
    build_hand(any_engine)
    # fb1: A (20+5+3+2)/400; fb2: B 10/250; yt1 reports no reach and is left out.
    assert _by(any_engine, "engagement_rate", "channel") == {
        "fb1": pytest.approx(30 / 400),
        "fb2": pytest.approx(10 / 250),
    }
    assert _by(any_engine, "reach", "unit", flt=KpiFilter(units=("u2",))) == {"u2": 250}


def test_unknown_dimension_or_metric_is_a_user_error(sqlite_engine: Engine) -> None:
    build_hand(sqlite_engine)
    with Session(sqlite_engine) as s:
        with pytest.raises(UserError, match="cannot break down by"):
            breakdown(s, "hand", "reach", "weekday", AS_OF)
        with pytest.raises(UserError, match="on_time_rate cannot be broken down"):
            breakdown(s, "hand", "on_time_rate", "unit", AS_OF)


@pytest.mark.parametrize("by", ["unit", "channel", "platform", "content_kind", "audience", "day"])
def test_segment_breakdowns_equal_the_publication_rollups(any_engine: Engine, by: str) -> None:
    info = generate(any_engine, scale=0.004, seed=5)
    start = datetime(2025, 11, 15, tzinfo=ZONE)
    filters = [
        None,
        KpiFilter(platforms=("youtube",)),
        KpiFilter(units=("unit-01",), content_kinds=("post", "clip")),
        KpiFilter(audiences=("youth",)),
    ]
    with Session(any_engine) as s:
        for hours in (-5, 30, 24 * 9 + 5, 24 * 60):
            at = start + timedelta(hours=hours)
            for metric in (
                "reach",
                "views",
                "engagements",
                "engagement_rate",
                "avg_view_duration_s",
            ):
                for flt in filters:
                    ours = breakdown(s, info.campaign_key, metric, by, at, flt)
                    reference = breakdown(
                        s, info.campaign_key, metric, by, at, flt, per_publication=True
                    )
                    assert [(r.key, r.publications) for r in ours] == [
                        (r.key, r.publications) for r in reference
                    ], (metric, flt, at)
                    assert [r.value for r in ours] == pytest.approx(
                        [r.value for r in reference], rel=1e-9, abs=1e-9
                    ), (metric, flt, at)
