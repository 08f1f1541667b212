"""The Overview: the objective scorecard and the headline numbers with their weekly change.

Unnarrowed (every unit, no platform or audience chosen) the scorecard is the engine's
`scorecard(...)` itself, the very list `loa scorecard --json` prints. Narrowed to a unit, a
platform or an audience, every KPI is measured on its own filter and the narrowing together, and
its target becomes the narrowed part's share of the campaign target: the share of the KPI's
planned publications that fall in the narrowing (rates and shares keep their target; a count of
active units is capped at the units in scope). KPIs the narrowing excludes (a YouTube KPI under a
Facebook filter) are listed apart.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from analytics_app.engine.execution import ExecutionFacts
from analytics_app.engine.groups import Grouping
from analytics_app.engine.kinds import ENGAGEMENT_PARTS, is_ratio
from analytics_app.engine.pacing import campaign_key_dates, expected_value
from analytics_app.engine.scope import CampaignWindow, KpiFilter, load_window
from analytics_app.engine.scorecard import (
    KpiScore,
    Measurer,
    _campaign_kpis,
    _project,
    scorecard,
)
from analytics_app.engine.segment_breakdowns import segment_breakdown
from analytics_app.engine.status import judge
from analytics_app.engine.tables import CHANNEL, SEGMENT_LATEST
from analytics_app.services.filters import Scope, narrow
from campaigns.settings import get_settings
from campaigns.timeutil import ensure_aware

HEADLINE_METRICS: tuple[str, ...] = ("reach", "views", "engagements", "watch_time_hours")
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Headline:
    """A headline number now and a week earlier, per platform; None: not available (the
    platform, or every platform, reports nothing of it)."""

    metric: str
    value: float | None
    previous: float | None
    per_platform: dict[str, float | None]
    as_of: datetime
    data_as_of: datetime | None

    @property
    def change(self) -> float | None:
        """Relative change against a week earlier (None when there is nothing to compare)."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / self.previous


@dataclass(frozen=True)
class Overview:
    campaign: str
    as_of: datetime
    scores: list[KpiScore]
    # KPI key -> the share of the campaign target this view's target is (1.0 unnarrowed)
    target_shares: dict[str, float] = field(default_factory=dict)
    excluded: list[str] = field(default_factory=list)  # KPIs outside the narrowing
    headlines: list[Headline] = field(default_factory=list)
    narrowed: bool = False


def overview(session: Session, scope: Scope, as_of: datetime) -> Overview:
    """The scorecard and headlines of the scope's campaign as of a moment."""
    moment = ensure_aware(as_of)
    extra = scope.kpi_filter()
    scores, shares, excluded = scores_for(session, scope, moment)
    return Overview(
        campaign=scope.campaign,
        as_of=moment,
        scores=scores,
        target_shares=shares,
        excluded=excluded,
        headlines=headlines(session, scope.campaign, moment, extra),
        narrowed=scope.restricted,
    )


def scores_for(
    session: Session, scope: Scope, as_of: datetime
) -> tuple[list[KpiScore], dict[str, float], list[str]]:
    """The scope's scorecard: the engine's own when nothing narrows it, else
    `scoped_scorecard`; only the chosen objective's KPIs when one is chosen."""
    if scope.restricted:
        scores, shares, excluded = scoped_scorecard(
            session, scope.campaign, as_of, scope.kpi_filter()
        )
    else:
        scores = scorecard(session, scope.campaign, as_of)
        shares, excluded = {s.kpi: 1.0 for s in scores}, []
    if scope.filters.objective:
        scores = [s for s in scores if s.objective == scope.filters.objective]
    return scores, shares, excluded


def scoped_scorecard(
    session: Session, campaign_key: str, as_of: datetime, extra: KpiFilter
) -> tuple[list[KpiScore], dict[str, float], list[str]]:
    """Every KPI measured under its own filter and `extra` at once, against its share of the
    target; and the KPIs `extra` excludes."""
    moment = ensure_aware(as_of)
    window, rows = _campaign_kpis(session, campaign_key)
    kept = []
    excluded: list[str] = []
    for kpi, objective in rows:
        own = KpiFilter.of(kpi)
        both = narrow(own, extra)
        if both is None:
            excluded.append(kpi.key)
        else:
            kept.append((kpi, objective, own, both))
    minutes = get_settings().on_time_minutes
    days = campaign_key_dates(window)
    wanted = [(kpi.metric, both) for kpi, _, _, both in kept]
    # The KPIs' own filters are counted too, for the planned share of each target.
    counted = wanted + [(kpi.metric, own) for kpi, _, own, _ in kept]
    measurer = Measurer(session, window, moment, minutes, counted)
    scores: list[KpiScore] = []
    shares: dict[str, float] = {}
    for kpi, objective, own, both in kept:
        share = _target_share(measurer, kpi.metric, own, both, kpi.target)
        target = kpi.target * share
        m = measurer.measure(kpi.metric, both)
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
                filters=both.as_dict(),
            )
        )
    return scores, shares, excluded


def _target_share(
    measurer: Measurer, metric: str, own: KpiFilter, both: KpiFilter, target: float
) -> float:
    """The narrowed part's share of a KPI's target."""
    if is_ratio(metric) or own == both:
        return 1.0
    if metric == "active_units":
        if not both.units or not target:
            return 1.0
        return min(target, float(len(both.units))) / target
    planned = measurer.execution.total(own).planned
    if not planned:
        return 0.0
    return measurer.execution.total(both).planned / planned


def headlines(
    session: Session, campaign_key: str, as_of: datetime, extra: KpiFilter
) -> list[Headline]:
    """Reach, views, engagements, watch time and published items, now and a week earlier,
    per platform of the campaign."""
    window = load_window(session, campaign_key)
    platforms = sorted(
        session.execute(
            select(CHANNEL.c.platform).where(CHANNEL.c.campaign_id == window.campaign_id).distinct()
        ).scalars()
    )
    if extra.platforms:
        platforms = [p for p in platforms if p in extra.platforms]
    newest = dict(
        session.execute(
            select(SEGMENT_LATEST.c.metric, func.max(SEGMENT_LATEST.c.newest))
            .where(SEGMENT_LATEST.c.campaign_id == window.campaign_id)
            .group_by(SEGMENT_LATEST.c.metric)
        ).all()
    )
    now = _per_platform(session, window, as_of, extra, platforms)
    before = _per_platform(session, window, as_of - WEEK, extra, platforms)
    out: list[Headline] = []
    for metric in HEADLINE_METRICS:
        parts = _parts(metric)
        seen = [ensure_aware(newest[p]) for p in parts if newest.get(p) is not None]
        data_as_of = min(max(seen), as_of) if seen else None
        out.append(
            Headline(
                metric=metric,
                value=_total(now[metric]),
                previous=_total(before[metric]),
                per_platform=now[metric],
                as_of=as_of,
                data_as_of=data_as_of,
            )
        )
    out.append(_published(session, window.campaign_id, as_of, extra))
    return out


def _parts(metric: str) -> tuple[str, ...]:
    return ENGAGEMENT_PARTS if metric == "engagements" else (metric,)


def _per_platform(
    session: Session,
    window: CampaignWindow,
    as_of: datetime,
    extra: KpiFilter,
    platforms: list[str],
) -> dict[str, dict[str, float | None]]:
    """Every headline metric per platform, None where no publication of the platform reports
    it: one segment read for all of them (what `breakdown(..., "platform")` reads per metric)."""
    wanted = sorted({p for m in HEADLINE_METRICS for p in _parts(m)})
    grouped, _ = segment_breakdown(session, window, wanted, None, "platform", as_of, extra)
    out: dict[str, dict[str, float | None]] = {}
    for metric in HEADLINE_METRICS:
        values: dict[str, float | None] = {}
        for platform in platforms:
            sums = grouped.get(platform, {})
            found = [sums[p] for p in _parts(metric) if p in sums]
            values[platform] = sum(found) if found else None
        out[metric] = values
    return out


def _total(values: dict[str, float | None]) -> float | None:
    known = [v for v in values.values() if v is not None]
    return sum(known) if known else None


def _published(session: Session, campaign_id: int, as_of: datetime, extra: KpiFilter) -> Headline:
    minutes = get_settings().on_time_minutes
    grouping = Grouping(session, campaign_id, [extra])
    now = ExecutionFacts(session, campaign_id, grouping, as_of, minutes)
    before = ExecutionFacts(session, campaign_id, grouping, as_of - WEEK, minutes)
    per_platform: dict[str, float | None] = {}
    for platform in sorted({c.platform for c in grouping.channels.values()}):
        if extra.platforms and platform not in extra.platforms:
            continue
        flt = replace(extra, platforms=(platform,))
        per_platform[platform] = float(now.counts(flt).published)
    return Headline(
        metric="posts_published",
        value=float(now.counts(extra).published),
        previous=float(before.counts(extra).published),
        per_platform=per_platform,
        as_of=as_of,
        data_as_of=as_of,
    )
