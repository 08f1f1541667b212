"""Pacing curves and trend windows, by hand on a 30-day campaign (15/11 - 14/12, UTC+7)."""

from datetime import date, timedelta

import pytest

from analytics_app.engine.pacing import expected_value, key_date_fraction, linear_fraction
from analytics_app.engine.projection import project_trend, trend_window
from analytics_app.engine.scope import CampaignWindow
from analytics_app.engine.status import Status, fmt, judge
from tests.analytics_app.factories import ZONE, local

WINDOW = CampaignWindow(1, "hand", ZONE, date(2025, 11, 15), date(2025, 12, 14))
KEYS = [date(2025, 11, 15), date(2025, 11, 25), date(2025, 12, 10)]


def test_linear_is_the_share_of_time_elapsed_and_clamped() -> None:
    assert linear_fraction(WINDOW, local(14, 11, 12)) == 0.0
    assert linear_fraction(WINDOW, local(30, 11)) == pytest.approx(15 / 30)
    assert linear_fraction(WINDOW, local(20, 12)) == 1.0


def test_key_dates_weigh_more_on_and_after_them() -> None:
    # Total weight 39 (see the scorecard tests). The launch day alone: 3/39 at its end.
    assert key_date_fraction(WINDOW, local(16, 11), KEYS) == pytest.approx(3 / 39)
    assert key_date_fraction(WINDOW, local(16, 11), KEYS) > linear_fraction(WINDOW, local(16, 11))
    # By 25/11 00:00: 3 + 2 + 8 ordinary days = 13; by 27/11 00:00: + 3 + 2 = 18.
    assert key_date_fraction(WINDOW, local(25, 11), KEYS) == pytest.approx(13 / 39)
    assert key_date_fraction(WINDOW, local(27, 11), KEYS) == pytest.approx(18 / 39)
    assert key_date_fraction(WINDOW, local(15, 12), KEYS) == 1.0


def test_ratio_kpis_expect_the_target_all_along() -> None:
    assert expected_value("on_time_rate", 0.95, "linear", WINDOW, local(16, 11)) == 0.95
    assert expected_value("reach", 3000, "linear", WINDOW, local(30, 11)) == pytest.approx(1500)


def test_trend_window_is_the_last_seven_days_at_least_one_day_long() -> None:
    late = trend_window(WINDOW, local(25, 11, 12))
    assert (late.first_day, late.last_day) == (date(2025, 11, 19), date(2025, 11, 25))
    assert late.days == pytest.approx(6.5)
    first_hours = trend_window(WINDOW, local(15, 11, 2))
    assert first_hours.days == 1.0
    # 100 gained over 6.5 days, 19.5 days left: +300.
    assert project_trend(650, 100, late, WINDOW, local(25, 11, 12)) == pytest.approx(950)
    after = local(14, 12) + timedelta(days=2)
    assert project_trend(650, 100, trend_window(WINDOW, after), WINDOW, after) == 650


def test_status_thresholds() -> None:
    assert judge("reach", 100, 50, 40, 100).status == Status.ON_TRACK
    # Ahead of the pacing curve but projected short of the target: not on track.
    assert judge("reach", 100, 50, 40, 60).status == Status.AT_RISK
    assert judge("reach", 100, 30, 40, 100).status == Status.ON_TRACK
    assert judge("reach", 100, 30, 40, 80).status == Status.AT_RISK
    assert judge("reach", 100, 30, 40, 79.9).status == Status.BEHIND
    assert judge("reach", 100, None, 40, None).status == Status.NO_DATA
    assert "55.0 %" in judge("female_viewer_share", 0.55, 0.5, 0.55, 0.5).reason


def test_ahead_of_the_curve_but_projected_short_is_at_risk() -> None:
    """Actual 3, projection 3, target 5 (issue 17): the scorecard must not say on track."""
    verdict = judge("posts_published", 5, 3, 3, 3)
    assert verdict.status == Status.AT_RISK
    assert "projects only 3 (60% of the target of 5)" in verdict.reason


def test_figures_carry_whole_counts_and_units() -> None:
    assert fmt(7.74, "posts_published") == "8"
    assert fmt(56.77, "reach") == "57"
    assert fmt(6000, "watch_time_hours") == "6,000 h"
    assert fmt(42.54, "avg_view_duration_s") == "42.5 s"
    assert fmt(0.5512, "engagement_rate") == "55.1 %"
