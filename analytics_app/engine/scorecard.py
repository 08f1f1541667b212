"""The objective scorecard: every KPI of a campaign with its actual, pacing, projection, status.

Every number carries its "as of": `as_of` is the moment asked about, `data_as_of` the newest
capture (or outbox state) the actual rests on.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from analytics_app.engine.actuals import (
    Measurement,
    MetricReader,
    measure_audience_share,
    measure_ratio,
    measure_sum,
)
from analytics_app.engine.execution import ExecutionCounts, execution_counts, measure_execution
from analytics_app.engine.kinds import ENGAGEMENT_PARTS, is_execution, is_ratio
from analytics_app.engine.pacing import campaign_key_dates, expected_value
from analytics_app.engine.projection import project_trend, trend_window
from analytics_app.engine.scope import KpiFilter, load_window, publication_conditions
from analytics_app.engine.status import judge
from campaigns.models import Kpi, Objective
from campaigns.settings import get_settings
from campaigns.timeutil import ensure_aware
from campaigns.vocabulary import AUDIENCE_SHARES


@dataclass(frozen=True)
class KpiScore:
    objective: str
    objective_title: str
    kpi: str
    metric: str
    target: float
    actual: float | None
    percent: float | None  # actual / target × 100
    expected: float
    projection: float | None
    status: str
    reason: str
    as_of: datetime
    data_as_of: datetime | None
    pacing: str = "linear"
    filters: dict[str, list[str]] = field(default_factory=dict)
    objective_title_en: str = ""

    def to_json(self) -> dict[str, Any]:
        """The operator contract's JSON object (times ISO 8601 with offset)."""
        return {
            "objective": self.objective,
            "objective_title": self.objective_title,
            "objective_title_en": self.objective_title_en,
            "kpi": self.kpi,
            "metric": self.metric,
            "target": self.target,
            "actual": self.actual,
            "percent": self.percent,
            "expected": self.expected,
            "projection": self.projection,
            "status": self.status,
            "reason": self.reason,
            "as_of": self.as_of.isoformat(),
            "data_as_of": self.data_as_of.isoformat() if self.data_as_of else None,
            "pacing": self.pacing,
            "filters": self.filters,
        }


def measure(
    session: Session,
    reader: MetricReader,
    metric: str,
    flt: KpiFilter,
    counts: "_CountsCache",
) -> Measurement:
    """The actual of one KPI metric under its filter."""
    conds = publication_conditions(session, reader.window.campaign_id, flt)
    trend = trend_window(reader.window, reader.as_of)
    if is_execution(metric):
        return measure_execution(metric, counts.get(flt, conds))
    if metric in AUDIENCE_SHARES:
        return measure_audience_share(reader, metric, conds)
    if metric == "engagements":
        return measure_sum(reader, ENGAGEMENT_PARTS, conds, trend)
    if metric == "engagement_rate":
        return measure_ratio(reader, ENGAGEMENT_PARTS, "reach", "reach", conds)
    if metric == "avg_view_duration_s":
        return measure_ratio(
            reader, ["watch_time_hours"], "video_views", "watch_time_hours", conds, 3600.0
        )
    return measure_sum(reader, [metric], conds, trend)


class _CountsCache:
    """Execution counts per filter: several KPIs often share one."""

    def __init__(self, session: Session, as_of: datetime, on_time_minutes: int) -> None:
        self.session, self.as_of, self.minutes = session, as_of, on_time_minutes
        self.cache: dict[KpiFilter, ExecutionCounts] = {}

    def get(self, flt: KpiFilter, conds: Any) -> ExecutionCounts:
        if flt not in self.cache:
            self.cache[flt] = execution_counts(self.session, conds, self.as_of, self.minutes)
        return self.cache[flt]


def scorecard(
    session: Session,
    campaign_key: str,
    as_of: datetime,
    *,
    on_time_minutes: int | None = None,
    key_dates: list[date] | None = None,
) -> list[KpiScore]:
    """Every KPI of the campaign, in the file's order of objectives and KPIs."""
    moment = ensure_aware(as_of)
    window = load_window(session, campaign_key)
    minutes = get_settings().on_time_minutes if on_time_minutes is None else on_time_minutes
    reader = MetricReader(session, window, moment)
    counts = _CountsCache(session, moment, minutes)
    days = campaign_key_dates(window) if key_dates is None else key_dates
    trend = trend_window(window, moment)
    rows = session.execute(
        select(Kpi, Objective)
        .join(Objective, Objective.id == Kpi.objective_id)  # type: ignore[arg-type]
        .where(Kpi.campaign_id == window.campaign_id)  # type: ignore[arg-type]
        .order_by(Objective.position, Objective.key, Kpi.position, Kpi.key)  # type: ignore[arg-type]
    ).all()
    scores: list[KpiScore] = []
    for kpi, objective in rows:
        flt = KpiFilter.of(kpi)
        m = measure(session, reader, kpi.metric, flt, counts)
        expected = expected_value(kpi.metric, kpi.target, kpi.pacing, window, moment, days)
        projection = _project(kpi.metric, m, trend, window, moment)
        verdict = judge(
            kpi.metric, kpi.target, m.value, expected, projection, no_data_reason=m.no_data_reason
        )
        reason = " ".join([verdict.reason, *(f"Note: {n}." for n in m.notes)])
        scores.append(
            KpiScore(
                objective=objective.key,
                objective_title=objective.title,
                objective_title_en=objective.title_en,
                kpi=kpi.key,
                metric=kpi.metric,
                target=kpi.target,
                actual=m.value,
                percent=(m.value / kpi.target * 100.0)
                if m.value is not None and kpi.target
                else None,
                expected=expected,
                projection=projection,
                status=str(verdict.status),
                reason=reason,
                as_of=moment,
                data_as_of=m.data_as_of,
                pacing=kpi.pacing,
                filters=flt.as_dict(),
            )
        )
    return scores


def _project(metric: str, m: Measurement, trend: Any, window: Any, as_of: datetime) -> float | None:
    if m.value is None:
        return None
    if is_ratio(metric):
        return m.value
    if m.still_planned is not None:
        return m.value + m.still_planned
    return project_trend(m.value, m.recent_growth or 0.0, trend, window, as_of)
