"""The Overview: the objective scorecard and the headline numbers with their weekly change.

The scorecard is the engine's: unnarrowed (every unit, no platform or audience chosen) the very
list `loa scorecard --json` prints; narrowed to a unit, a platform or an audience, the engine's
`narrowed_scorecard`, whose targets are the part's share of the campaign's (`engine.targets`,
the rule the reports follow too). KPIs the narrowing excludes (a YouTube KPI under a Facebook
filter) are listed apart.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from analytics_app.engine.execution import ExecutionFacts
from analytics_app.engine.groups import Grouping
from analytics_app.engine.kinds import ENGAGEMENT_PARTS
from analytics_app.engine.scope import CampaignWindow, KpiFilter, load_window
from analytics_app.engine.scorecard import KpiScore, narrowed_scorecard
from analytics_app.engine.segment_breakdowns import segment_breakdown
from analytics_app.engine.tables import CHANNEL, SEGMENT_LATEST
from analytics_app.services.filters import Scope
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
    """The scope's scorecard from the engine (the very list `loa scorecard --json` prints when
    nothing narrows it), with each KPI's share of its campaign target and the KPIs the
    narrowing excludes; only the chosen objective's KPIs when one is chosen."""
    narrowing = scope.kpi_filter() if scope.restricted else None
    result = narrowed_scorecard(session, scope.campaign, as_of, narrowing)
    scores = result.scores
    if scope.filters.objective:
        scores = [s for s in scores if s.objective == scope.filters.objective]
    return scores, result.shares, result.excluded


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
