"""A figure resting on YouTube Analytics is dated 48 hours before its capture (issue 15): those
numbers arrive that late, so the "as of" must not claim the capture time."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.engine import scorecard
from analytics_app.engine.scorecard import KpiScore
from tests.analytics_app.factories import add_kpi, build_hand, local

AS_OF = local(20, 11, 12)
CAPTURED = local(20, 11, 10)  # the hand campaign's newest capture


def _scores(engine: Engine, kpis: list[tuple[str, str, dict[str, Any]]]) -> dict[str, KpiScore]:
    hand = build_hand(engine)
    with Session(engine) as s:
        for key, metric, extra in kpis:
            add_kpi(s, hand.campaign_id, key, metric, 1, **extra)
        s.commit()
        return {k.kpi: k for k in scorecard(s, "hand", AS_OF, on_time_minutes=5)}


def test_youtube_analytics_figures_are_dated_48_hours_back(any_engine: Engine) -> None:
    by = _scores(
        any_engine,
        [
            ("watch", "watch_time_hours", {}),
            ("avd", "avg_view_duration_s", {}),
            ("yt-views", "views", {"platforms": ["youtube"]}),
            ("fb-shares", "shares", {"platforms": ["facebook"]}),
        ],
    )
    assert by["watch"].actual == pytest.approx(50)
    assert by["watch"].data_as_of == CAPTURED - timedelta(hours=48)
    assert "YouTube Analytics reports watch_time_hours 48 hours late" in by["watch"].reason
    assert "18/11/2025 10:00" in by["watch"].reason  # the moment it really counts up to
    assert by["avd"].data_as_of == CAPTURED - timedelta(hours=48)
    # Data API statistics are current; Facebook's numbers too.
    assert by["yt-views"].data_as_of == CAPTURED
    assert "YouTube Analytics" not in by["yt-views"].reason
    assert by["fb-shares"].actual == pytest.approx(3)  # A only
    assert by["fb-shares"].data_as_of == CAPTURED
    assert "YouTube Analytics" not in by["fb-shares"].reason
