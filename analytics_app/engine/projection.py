"""Where a KPI will stand at the campaign's end if things go on as they go now.

Cumulative metrics: the average daily growth over the last `TREND_DAYS` (7) days, extrapolated
linearly to the end. A week rather than a least-squares fit over the whole series, because the
launch spike and the key dates bend the cumulative curve: the recent week says how the campaign
runs now, and a full week evens out the weekday rhythm of posting. Growth is read from the daily
rollup (MetricDelta), so the window is whole campaign-zone days: it starts at midnight six days
before `as_of`'s day (or at the campaign's start, if later) and ends at `as_of`; it is counted as
at least one day, so that the first hours of a campaign do not extrapolate wildly.

Execution counts: what is published plus what is still planned (the plan is the trend).
Ratio KPIs: the current value.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from analytics_app.engine.scope import CampaignWindow
from campaigns.timeutil import ensure_aware

TREND_DAYS = 7


@dataclass(frozen=True)
class TrendWindow:
    first_day: date
    last_day: date
    days: float  # length of the window in days (at least 1)


def trend_window(window: CampaignWindow, as_of: datetime) -> TrendWindow:
    moment = min(max(ensure_aware(as_of), window.starts), window.ends)
    last_day = min(window.local_day(moment), window.last_day)
    first_day = max(window.first_day, last_day - timedelta(days=TREND_DAYS - 1))
    span = (moment - window.midnight(first_day)).total_seconds() / 86400.0
    return TrendWindow(first_day, last_day, max(1.0, span))


def remaining_days(window: CampaignWindow, as_of: datetime) -> float:
    return max(0.0, (window.ends - ensure_aware(as_of)).total_seconds() / 86400.0)


def project_trend(
    actual: float, growth: float, trend: TrendWindow, window: CampaignWindow, as_of: datetime
) -> float:
    """`actual` plus the trend window's daily growth for every day left."""
    if ensure_aware(as_of) < window.starts:
        return actual
    return actual + growth / trend.days * remaining_days(window, as_of)
