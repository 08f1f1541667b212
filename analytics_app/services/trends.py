"""Trends: a metric's daily growth over the campaign, split by platform, unit or content kind,
with the Action Month's key dates to mark on the time axis."""

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlmodel import Session

from analytics_app.engine.breakdowns import breakdown
from analytics_app.engine.scope import KpiFilter, load_window
from analytics_app.services.filters import Scope
from campaigns.keydates import key_dates_between
from campaigns.timeutil import ensure_aware

TREND_METRICS: tuple[str, ...] = ("reach", "views", "engagements", "watch_time_hours")
SPLITS: tuple[str, ...] = ("platform", "unit", "content_kind")
MAX_SERIES = 8  # the largest groups; more lines than this cannot be read


@dataclass(frozen=True)
class Series:
    label: str
    days: tuple[date, ...]
    daily: tuple[float, ...]  # growth gained on each day (campaign zone)
    cumulative: tuple[float, ...]  # running total from the campaign's first day


@dataclass(frozen=True)
class KeyDay:
    day: date
    name: str
    name_en: str


@dataclass(frozen=True)
class Trends:
    metric: str
    split: str
    series: list[Series]
    key_days: list[KeyDay]
    first_day: date
    last_day: date
    as_of: datetime
    left_out: int  # groups beyond MAX_SERIES, not drawn


def trends(session: Session, scope: Scope, metric: str, split: str, as_of: datetime) -> Trends:
    """Daily growth of `metric` per group of `split` (the largest `MAX_SERIES` groups)."""
    moment = ensure_aware(as_of)
    window = load_window(session, scope.campaign)
    base = scope.kpi_filter()
    groups = [
        r.key
        for r in breakdown(session, scope.campaign, metric, split, moment, base)
        if r.publications and r.key
    ]
    shown = groups[:MAX_SERIES]
    first = max(window.first_day, scope.filters.start or window.first_day)
    last = min(window.last_day, scope.filters.end or window.last_day, window.local_day(moment))
    series = [
        _series(session, scope.campaign, metric, moment, _narrow(base, split, g), g, first, last)
        for g in shown
    ]
    key_days = [
        KeyDay(d, k.name, k.name_en)
        for d, k in key_dates_between(window.first_day, window.last_day)
    ]
    return Trends(metric, split, series, key_days, first, last, moment, len(groups) - len(shown))


def _narrow(base: KpiFilter, split: str, group: str) -> KpiFilter:
    if split == "platform":
        return replace(base, platforms=(group,))
    if split == "unit":
        return replace(base, units=(group,))
    return replace(base, content_kinds=(group,))


def _series(
    session: Session,
    campaign: str,
    metric: str,
    as_of: datetime,
    flt: KpiFilter,
    label: str,
    first: date,
    last: date,
) -> Series:
    rows = breakdown(session, campaign, metric, "day", as_of, flt)
    running = 0.0
    days: list[date] = []
    daily: list[float] = []
    cumulative: list[float] = []
    for row in rows:
        day = date.fromisoformat(row.key)
        value = float(row.value or 0.0)
        running += value
        if first <= day <= last:
            days.append(day)
            daily.append(value)
            cumulative.append(running)
    return Series(label, tuple(days), tuple(daily), tuple(cumulative))
