"""The scorecard against the hand campaign of tests/analytics_app/factories.py (numbers by hand).

The campaign runs 30 days from 15/11 00:00 (UTC+7). At 20/11 12:00 local 5.5 days have passed:
linear fraction 5.5 / 30 = 0.18333.
"""

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.engine import Status, scorecard
from analytics_app.engine.scorecard import KpiScore
from campaigns.errors import UserError
from tests.analytics_app.factories import add_kpi, build_hand, local

AS_OF = local(20, 11, 12)


def _scores(
    engine: Engine,
    kpis: list[tuple[str, str, float, dict[str, Any]]],
    as_of: datetime = AS_OF,
) -> dict[str, KpiScore]:
    hand = build_hand(engine)
    with Session(engine) as s:
        for key, metric, target, extra in kpis:
            add_kpi(s, hand.campaign_id, key, metric, target, **extra)
        s.commit()
        return {score.kpi: score for score in scorecard(s, "hand", as_of, on_time_minutes=5)}


def test_sum_metric_actual_percent_expected_projection_and_status(any_engine: Engine) -> None:
    by = _scores(any_engine, [("reach", "reach", 3000, {})])
    reach = by["reach"]
    # A 400 + B 250 (newest values; as_of is after the newest capture 20/11 10:00).
    assert reach.actual == pytest.approx(650)
    assert reach.percent == pytest.approx(650 / 3000 * 100)
    # Linear: 3000 × 5.5/30 = 550.
    assert reach.expected == pytest.approx(550)
    # Trend window 15/11..20/11 (the campaign is younger than 7 days): 5.5 days, growth 650;
    # 24.5 days remain: 650 + 650 / 5.5 × 24.5 = 3545.45.
    assert reach.projection == pytest.approx(650 + 650 / 5.5 * 24.5)
    assert reach.status == Status.ON_TRACK
    assert "550 expected" in reach.reason
    assert reach.as_of == AS_OF
    assert reach.data_as_of == local(20, 11, 10)


def test_key_date_pacing_expects_more_early_and_projection_rescues(any_engine: Engine) -> None:
    by = _scores(any_engine, [("reach-kd", "reach", 3000, {"pacing": "key_dates"})])
    score = by["reach-kd"]
    # Weights: 15/11 3, 16/11 2, 25/11 3, 26/11 2, 10/12 3, 11/12 2, 24 other days 1: total 39.
    # By 20/11 12:00: 3 + 2 + 1 + 1 + 1 + 0.5 = 8.5 → 3000 × 8.5/39 = 653.85 > 650.
    assert score.expected == pytest.approx(3000 * 8.5 / 39)
    assert score.actual is not None
    assert score.actual < score.expected
    # …but the projection (3545) reaches the target: on track, and the reason says why.
    assert score.status == Status.ON_TRACK
    assert "projects" in score.reason


def test_week_later_the_recent_pace_is_too_slow(any_engine: Engine) -> None:
    by = _scores(any_engine, [("reach", "reach", 3000, {})], as_of=local(25, 11, 12))
    score = by["reach"]
    # 10.5 days passed: expected 1050. Trend window 19/11..25/11 = 6.5 days, growth only A's
    # +100 on 20/11. Projection 650 + 100 / 6.5 × 19.5 = 950, 31.7 % of the target: behind.
    assert score.actual == pytest.approx(650)
    assert score.expected == pytest.approx(1050)
    assert score.projection == pytest.approx(950)
    assert score.status == Status.BEHIND
    assert "32%" in score.reason


def test_at_risk_between_80_and_100_percent(any_engine: Engine) -> None:
    by = _scores(any_engine, [("reach", "reach", 4000, {}), ("rate", "engagement_rate", 0.07, {})])
    # Target 4000: expected 4000 × 5.5/30 = 733.3 > 650; projection 3545.45 = 88.6 %: at risk.
    assert by["reach"].expected == pytest.approx(4000 * 5.5 / 30)
    assert by["reach"].status == Status.AT_RISK
    assert "89% of the target" in by["reach"].reason
    # A level: 40 / 650 = 0.0615 is 87.9 % of 0.07.
    assert by["rate"].status == Status.AT_RISK


def test_derived_metrics(any_engine: Engine) -> None:
    by = _scores(
        any_engine,
        [
            ("eng", "engagements", 1000, {}),
            ("rate", "engagement_rate", 0.05, {}),
            ("avd", "avg_view_duration_s", 100, {}),
        ],
    )
    # A 20+5+3+2, B 10, C 40 = 80.
    assert by["eng"].actual == pytest.approx(80)
    # Only publications reporting reach (A, B): (30 + 10) / 650 = 0.061538; ratio KPIs expect the
    # target throughout and project the current value.
    assert by["rate"].actual == pytest.approx(40 / 650)
    assert by["rate"].expected == pytest.approx(0.05)
    assert by["rate"].projection == pytest.approx(40 / 650)
    assert by["rate"].status == Status.ON_TRACK
    # C: 50 h × 3600 / 1500 views = 120 s.
    assert by["avd"].actual == pytest.approx(120)


def test_filters_narrow_by_unit_platform_kind_and_audience(any_engine: Engine) -> None:
    by = _scores(
        any_engine,
        [
            ("u2", "reach", 1, {"units": ["u2"]}),  # B only: 250
            ("youth", "reach", 1, {"audiences": ["youth", "men"]}),  # p1 → A (D unmeasured): 400
            ("photo", "reach", 1, {"content_kinds": ["photo"]}),  # p2 → B: 250
            ("yt", "views", 1, {"platforms": ["youtube"]}),  # C: 1500
            ("fb", "views", 1, {"platforms": ["facebook"]}),  # A: 500
        ],
    )
    assert by["u2"].actual == pytest.approx(250)
    assert by["youth"].actual == pytest.approx(400)
    assert by["photo"].actual == pytest.approx(250)
    assert by["yt"].actual == pytest.approx(1500)
    assert by["fb"].actual == pytest.approx(500)
    assert by["u2"].filters == {"units": ["u2"]}


def test_audience_shares_weighted_by_views(any_engine: Engine) -> None:
    by = _scores(
        any_engine,
        [
            ("fem-yt", "female_viewer_share", 0.55, {"platforms": ["youtube"]}),
            ("fem-all", "female_viewer_share", 0.55, {}),
            ("youth", "youth_viewer_share", 0.4, {"platforms": ["youtube"]}),
        ],
    )
    assert by["fem-yt"].actual == pytest.approx(0.6)
    # fb1 0.2 with views 500 (A), yt1 0.6 with 1500 (C); fb2 has no audience: (100+900)/2000.
    assert by["fem-all"].actual == pytest.approx(0.5)
    assert by["fem-all"].status == Status.AT_RISK  # 0.5 ≥ 0.8 × 0.55
    assert by["youth"].actual == pytest.approx(0.5)


def test_execution_kpis(any_engine: Engine) -> None:
    by = _scores(
        any_engine,
        [
            ("on-time", "on_time_rate", 0.95, {}),
            ("posts", "posts_published", 10, {}),
            ("clips", "clips_published", 1, {}),
            ("units", "active_units", 3, {}),
        ],
    )
    # Due by 20/11: A on time, B late (20 min), C on time, D failed → 2 / (3 + 1).
    assert by["on-time"].actual == pytest.approx(0.5)
    assert by["on-time"].status == Status.BEHIND
    # Posts, links, photos published: A, B; E still queued → projection 3.
    assert by["posts"].actual == 2
    assert by["posts"].projection == 3
    assert by["clips"].actual == 1
    assert by["clips"].status == Status.ON_TRACK
    # u1 (A, C) and u2 (B); u3 has no channel.
    assert by["units"].actual == 2


def test_execution_kpis_per_filter_and_moment(any_engine: Engine) -> None:
    hand = build_hand(any_engine)
    with Session(any_engine) as s:
        add_kpi(s, hand.campaign_id, "on-time", "on_time_rate", 0.95)
        add_kpi(s, hand.campaign_id, "fb-on-time", "on_time_rate", 0.95, platforms=["facebook"])
        add_kpi(s, hand.campaign_id, "yt-on-time", "on_time_rate", 0.95, platforms=["youtube"])
        add_kpi(s, hand.campaign_id, "fb-units", "active_units", 2, platforms=["facebook"])
        add_kpi(s, hand.campaign_id, "yt-units", "active_units", 2, platforms=["youtube"])
        s.commit()
        early = {
            x.kpi: x.actual for x in scorecard(s, "hand", local(16, 11, 12), on_time_minutes=5)
        }
        later = {x.kpi: x.actual for x in scorecard(s, "hand", AS_OF, on_time_minutes=5)}
    # Each filter counts its own publications, though the KPIs share one outbox query.
    # 20/11: facebook A on time, B late, D failed; youtube C on time.
    assert later["on-time"] == pytest.approx(0.5)
    assert later["fb-on-time"] == pytest.approx(1 / 3)
    assert later["yt-on-time"] == pytest.approx(1.0)
    assert (later["fb-units"], later["yt-units"]) == (2, 1)
    # The same questions asked of 16/11 12:00: only A (on time) and B (late) have fallen due.
    assert early["on-time"] == pytest.approx(0.5)
    assert early["fb-on-time"] == pytest.approx(0.5)
    assert early["yt-on-time"] is None
    assert (early["fb-units"], early["yt-units"]) == (2, 0)


def test_history_reads_daily_rollups(any_engine: Engine) -> None:
    by = _scores(any_engine, [("reach", "reach", 3000, {})], as_of=local(17, 11, 12))
    # As of 17/11 (before the newest capture): A 300 (15/11 +100, 16/11 +200) + B 50 = 350.
    assert by["reach"].actual == pytest.approx(350)


def test_retired_metric_is_named_in_the_reason(any_engine: Engine) -> None:
    by = _scores(any_engine, [("clicks", "clicks", 100, {}), ("reach", "reach", 3000, {})])
    # clicks were last captured 15/11 10:00; the other metrics of the same posts until 20/11.
    assert by["clicks"].actual == pytest.approx(2)
    assert "clicks has not been reported since 15/11/2025 10:00" in by["clicks"].reason
    assert by["clicks"].data_as_of == local(15, 11, 10)
    assert "not been reported" not in by["reach"].reason


def test_no_data_and_empty_campaign(any_engine: Engine) -> None:
    by = _scores(
        any_engine,
        [
            ("yt-shares", "shares", 10, {"platforms": ["youtube"]}),
            ("u3", "reach", 10, {"units": ["u3"]}),
        ],
    )
    assert by["yt-shares"].status == Status.NO_DATA
    assert by["yt-shares"].actual is None
    assert by["yt-shares"].percent is None
    assert "none reports shares" in by["yt-shares"].reason
    assert by["u3"].status == Status.NO_DATA
    assert "no publication matches" in by["u3"].reason


def test_campaign_without_metrics_or_publications(any_engine: Engine) -> None:
    build_hand(any_engine, with_metrics=False)
    with Session(any_engine) as s:
        from tests.analytics_app.factories import make_campaign

        empty = make_campaign(s, key="empty")
        assert empty.id is not None
        add_kpi(s, empty.id, "reach", "reach", 100)
        add_kpi(s, empty.id, "ot", "on_time_rate", 0.9)
        add_kpi(s, empty.id, "posts", "posts_published", 5)
        s.commit()
        scores = {x.kpi: x for x in scorecard(s, "empty", AS_OF, on_time_minutes=5)}
    assert scores["reach"].status == Status.NO_DATA
    assert scores["ot"].status == Status.NO_DATA
    assert scores["posts"].actual == 0
    assert scores["posts"].status == Status.BEHIND


def test_unknown_campaign_is_a_user_error(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s, pytest.raises(UserError, match="no campaign"):
        scorecard(s, "nope", AS_OF)
