"""The objective scorecard: every KPI of a campaign with its actual, pacing, projection, status.

Every number carries its "as of": `as_of` is the moment asked about, `data_as_of` the newest
capture (or outbox state) the actual rests on.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from analytics_app.engine.actuals import (
    ChannelAudience,
    Measurement,
    channel_audiences,
    measure_audience_share,
    measure_ratio,
    measure_sum,
)
from analytics_app.engine.execution import ExecutionFacts, measure_execution
from analytics_app.engine.facts import MetricFacts, Pair
from analytics_app.engine.groups import Grouping
from analytics_app.engine.kinds import ENGAGEMENT_PARTS, is_execution, is_ratio
from analytics_app.engine.pacing import campaign_key_dates, expected_value
from analytics_app.engine.projection import TrendWindow, project_trend, trend_window
from analytics_app.engine.scope import (
    WINDOW_COLUMNS,
    CampaignWindow,
    KpiFilter,
    narrow,
    raise_unknown,
    window_of,
)
from analytics_app.engine.segment_facts import SegmentFacts, choose_place, supports
from analytics_app.engine.status import judge
from analytics_app.engine.targets import target_share
from campaigns.models import Campaign, Kpi, Objective
from campaigns.segments import ensure_segments
from campaigns.settings import get_settings
from campaigns.timeutil import ensure_aware
from campaigns.vocabulary import AUDIENCE_SHARES

# metric -> (numerators, denominator, the metric a publication must report, scale)
RATIOS: dict[str, tuple[tuple[str, ...], str, str, float]] = {
    "engagement_rate": (ENGAGEMENT_PARTS, "reach", "reach", 1.0),
    "avg_view_duration_s": (("watch_time_hours",), "video_views", "watch_time_hours", 3600.0),
}


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


# Execution KPIs that count posts and clips apart (the outbox counts then join content kinds).
KIND_COUNTS = ("posts_published", "clips_published")


def summed_metrics(metric: str) -> tuple[str, ...]:
    """The measured metrics a sum KPI adds up."""
    return ENGAGEMENT_PARTS if metric == "engagements" else (metric,)


class Measurer:
    """Reads everything the campaign's KPIs need in a fixed handful of grouped queries, then
    measures each KPI from those results."""

    def __init__(
        self,
        session: Session,
        window: CampaignWindow,
        as_of: datetime,
        on_time_minutes: int,
        kpis: list[tuple[str, KpiFilter]],
        per_publication: bool = False,
    ) -> None:
        metrics: set[str] = set()
        growth: set[str] = set()
        pairs: set[Pair] = set()
        audience = False
        for metric, _ in kpis:
            if is_execution(metric):
                continue
            if metric in AUDIENCE_SHARES:
                audience = True
                metrics.add("views")
            elif metric in RATIOS:
                nums, den, reporting, _ = RATIOS[metric]
                pairs.update((reporting, m) for m in (*nums, den))
            else:
                metrics.update(summed_metrics(metric))
                growth.update(summed_metrics(metric))
        filters = [flt for _, flt in kpis]
        grouping = Grouping(session, window.campaign_id, filters)
        self.trend = trend_window(window, as_of)
        self.facts: MetricFacts | SegmentFacts
        if per_publication or not supports(pairs):
            self.facts = MetricFacts(session, window, as_of, grouping, metrics, pairs, self.trend)
        else:
            view = ensure_segments(session, window.campaign_id)
            place = choose_place(filters, per_channel=audience)
            self.facts = SegmentFacts(
                session,
                window,
                as_of,
                grouping,
                metrics,
                pairs,
                growth,
                self.trend,
                view,
                place=place,
            )
        kinds = any(metric in KIND_COUNTS for metric, _ in kpis)
        self.execution = ExecutionFacts(
            session,
            window.campaign_id,
            grouping.with_kind() if kinds else grouping,
            as_of,
            on_time_minutes,
        )
        self.audiences: dict[int, ChannelAudience] = (
            channel_audiences(session, window.campaign_id, as_of) if audience else {}
        )

    def why_empty(self, flt: KpiFilter, metrics: Sequence[str]) -> str:
        counts = self.execution.total(flt)
        if not counts.all:
            return "no publication matches this KPI"
        if not counts.published_any:
            return f"none of the {counts.all} matching publications is published yet"
        return (
            f"{counts.published_any} matching publications are published but none reports "
            f"{', '.join(metrics)} yet"
        )

    def measure(self, metric: str, flt: KpiFilter) -> Measurement:
        """The actual of one KPI metric under its filter."""
        if is_execution(metric):
            return measure_execution(metric, self.execution.counts(flt))
        if metric in AUDIENCE_SHARES:
            return measure_audience_share(
                self.facts, flt, metric, self.audiences, self.execution.channels(flt)
            )
        if metric in RATIOS:
            nums, den, reporting, scale = RATIOS[metric]
            return measure_ratio(self.facts, flt, nums, den, reporting, self.why_empty, scale)
        return measure_sum(self.facts, flt, summed_metrics(metric), self.why_empty)


def _campaign_kpis(
    session: Session, campaign_key: str
) -> tuple[CampaignWindow, list[tuple[Kpi, Objective]]]:
    """The campaign's window and its KPIs with their objectives, in the file's order: one
    statement (each is a round trip, paid whatever the campaign's size)."""
    rows = session.execute(
        select(*WINDOW_COLUMNS, Kpi, Objective)
        .select_from(Campaign)
        .outerjoin(Kpi, Kpi.campaign_id == Campaign.id)  # type: ignore[arg-type]
        .outerjoin(Objective, Objective.id == Kpi.objective_id)  # type: ignore[arg-type]
        .where(Campaign.key == campaign_key)  # type: ignore[arg-type]
        .order_by(Objective.position, Objective.key, Kpi.position, Kpi.key)  # type: ignore[arg-type]
    ).all()
    if not rows:
        raise_unknown(session, campaign_key)
    width = len(WINDOW_COLUMNS)
    kpis = [(r[width], r[width + 1]) for r in rows if r[width] is not None]
    return window_of(rows[0]), [(k, o) for k, o in kpis if o is not None]


@dataclass(frozen=True)
class Narrowed:
    """A scorecard narrowed to a part (a unit, a platform, an audience): the scores judged
    against the part's targets, each KPI's share of its campaign target, and the KPIs the
    narrowing excludes (a YouTube KPI under a Facebook filter, a KPI naming other units)."""

    scores: list[KpiScore]
    shares: dict[str, float]
    excluded: list[str]


def scorecard(
    session: Session,
    campaign_key: str,
    as_of: datetime,
    *,
    on_time_minutes: int | None = None,
    key_dates: list[date] | None = None,
    per_publication: bool = False,
    unit: str | None = None,
) -> list[KpiScore]:
    """Every KPI of the campaign, in the file's order of objectives and KPIs.

    With `unit`, each KPI is narrowed to that unit's channels and judged against the unit's
    part of its target (`engine.targets`); KPIs naming only other units are left out.

    Metric KPIs are read from the segment rollup, refreshed first when its sources changed;
    `per_publication` reads the per-publication rollups instead (the reference the segment
    rollup is tested against, and slower at national scale)."""
    return narrowed_scorecard(
        session,
        campaign_key,
        as_of,
        None if unit is None else KpiFilter(units=(unit,)),
        on_time_minutes=on_time_minutes,
        key_dates=key_dates,
        per_publication=per_publication,
    ).scores


def narrowed_scorecard(
    session: Session,
    campaign_key: str,
    as_of: datetime,
    narrowing: KpiFilter | None,
    *,
    on_time_minutes: int | None = None,
    key_dates: list[date] | None = None,
    per_publication: bool = False,
) -> Narrowed:
    """Every KPI measured under its own filter and `narrowing` at once, judged against the
    part's share of its target (`engine.targets.target_share`); None: the whole campaign."""
    moment = ensure_aware(as_of)
    window, rows = _campaign_kpis(session, campaign_key)
    minutes = get_settings().on_time_minutes if on_time_minutes is None else on_time_minutes
    days = campaign_key_dates(window) if key_dates is None else key_dates
    kept: list[tuple[Kpi, Objective, KpiFilter, KpiFilter]] = []
    excluded: list[str] = []
    for kpi, objective in rows:
        own = KpiFilter.of(kpi)
        part = own if narrowing is None else narrow(own, narrowing)
        if part is None:
            excluded.append(kpi.key)
        else:
            kept.append((kpi, objective, own, part))
    wanted = [(kpi.metric, part) for kpi, _, _, part in kept]
    # The KPIs' own filters are counted too, for the planned share of each target.
    wanted += [(kpi.metric, own) for kpi, _, own, part in kept if own != part]
    measurer = Measurer(session, window, moment, minutes, wanted, per_publication)
    scores: list[KpiScore] = []
    shares: dict[str, float] = {}
    for kpi, objective, own, part in kept:
        share = target_share(measurer.execution, kpi.metric, own, part, kpi.target)
        target = kpi.target * share
        m = measurer.measure(kpi.metric, part)
        expected = expected_value(kpi.metric, target, kpi.pacing, window, moment, days)
        projection = _project(kpi.metric, m, measurer.trend, window, moment)
        verdict = judge(
            kpi.metric, target, m.value, expected, projection, no_data_reason=m.no_data_reason
        )
        shares[kpi.key] = share
        scores.append(
            KpiScore(
                objective=objective.key,
                objective_title=objective.title,
                objective_title_en=objective.title_en,
                kpi=kpi.key,
                metric=kpi.metric,
                target=target,
                actual=m.value,
                percent=(m.value / target * 100.0) if m.value is not None and target else None,
                expected=expected,
                projection=projection,
                status=str(verdict.status),
                reason=" ".join([verdict.reason, *(f"Note: {n}." for n in m.notes)]),
                as_of=moment,
                data_as_of=m.data_as_of,
                pacing=kpi.pacing,
                filters=part.as_dict(),
            )
        )
    return Narrowed(scores, shares, excluded)


def _project(
    metric: str, m: Measurement, trend: TrendWindow, window: CampaignWindow, as_of: datetime
) -> float | None:
    if m.value is None:
        return None
    if is_ratio(metric):
        return m.value
    if m.still_planned is not None:
        return m.value + m.still_planned
    return project_trend(m.value, m.recent_growth or 0.0, trend, window, as_of)
