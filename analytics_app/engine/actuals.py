"""KPI actuals from the metric rollups, as of a moment.

Definitions (each written once, here):

- A sum metric (reach, views, reactions, ...) is the sum over the KPI's publications of each one's
  lifetime value as of `as_of`. When `as_of` is at or after the campaign's newest capture, that is
  `MetricLatest`; for an earlier moment it is the sum of `MetricDelta` (growth per campaign-zone
  day) up to `as_of`'s day, so the growth of that whole day counts.
- engagements = reactions + comments + shares + clicks.
- engagement_rate = engagements / reach, both over the publications that report reach (YouTube
  reports no reach: counting its likes over Facebook's reach would inflate the rate); None when
  reach is 0.
- avg_view_duration_s = watch time (s) / video views, over the publications reporting watch time.
- female_viewer_share, youth_viewer_share: per channel the newest channel-level audience snapshot
  at or before `as_of` (female: gender `female`; youth: age groups 13-17 and 18-24, as a share of
  all the snapshot's shares), averaged over the KPI's channels weighted by each channel's views
  of the KPI's publications (equal weights while no channel has views).

A metric that stopped arriving while others still do (the platform retired it mid-campaign) is
named in the notes with the date of its last capture: its sum then stops at that date.

A figure that includes YouTube Analytics measures (watch time, YouTube shares, engaged views) is
dated 48 hours before its newest capture, since those numbers arrive that late
(`campaigns.analytics_delay`), and says so in its notes.

The numbers come from `facts.MetricFacts` (grouped once per scorecard); this module only applies
the definitions to a KPI's filter.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from analytics_app.engine.facts import MetricFacts
from analytics_app.engine.scope import CampaignWindow, KpiFilter
from analytics_app.engine.segment_facts import SegmentFacts
from analytics_app.engine.tables import AUDIENCE, CHANNEL, DELTA, LATEST, PUB
from campaigns.analytics_delay import delay_for
from campaigns.timeutil import ensure_aware

YOUTH_AGE_GROUPS: tuple[str, ...] = ("age13-17", "age18-24")
STALE_AFTER = timedelta(days=1)

WhyEmpty = Callable[[KpiFilter, Sequence[str]], str]
Facts = MetricFacts | SegmentFacts  # the same answers, from either rollup


@dataclass(frozen=True)
class Measurement:
    """A KPI's actual value and what it rests on."""

    value: float | None
    data_as_of: datetime | None  # the newest capture the value includes
    notes: tuple[str, ...] = ()
    recent_growth: float | None = None  # growth over the trend window (cumulative metrics)
    still_planned: float | None = None  # execution counts: what the plan still holds
    no_data_reason: str = "nothing measured yet"


class MetricReader:
    """Reads lifetime values of one campaign as of one moment from the rollups (breakdowns)."""

    def __init__(self, session: Session, window: CampaignWindow, as_of: datetime) -> None:
        self.session = session
        self.window = window
        self.as_of = ensure_aware(as_of)
        self.day = window.local_day(self.as_of)
        self.newest: datetime | None = session.execute(
            select(func.max(LATEST.c.captured_at))
            .select_from(LATEST.join(PUB, PUB.c.id == LATEST.c.publication_id))
            .where(PUB.c.campaign_id == window.campaign_id)
        ).scalar()
        self.from_latest = self.newest is None or self.as_of >= self.newest

    def value_rows(self, metrics: Sequence[str]) -> Select:
        """Rows (publication_id, metric, value) whose sum per publication is its lifetime value
        as of `as_of`: one MetricLatest row, or the MetricDelta rows up to `as_of`'s day."""
        if self.from_latest:
            return select(
                LATEST.c.publication_id, LATEST.c.metric, LATEST.c.value.label("value")
            ).where(LATEST.c.metric.in_(metrics))
        return select(DELTA.c.publication_id, DELTA.c.metric, DELTA.c.delta.label("value")).where(
            DELTA.c.metric.in_(metrics), DELTA.c.day <= self.day
        )


def freshness(facts: Facts, flt: KpiFilter, metrics: Sequence[str]) -> tuple[datetime | None, str]:
    """The newest capture of `metrics` for the filter's publications, and a note when those
    metrics stopped arriving more than a day before the others (a retired metric)."""
    per_metric = facts.newest_per_metric(flt)
    mine = [per_metric[m] for m in metrics if m in per_metric]
    if not mine:
        return None, ""
    newest = max(at for at, _ in mine)
    data_as_of, lag_note = _delayed(facts, flt, metrics, min(newest, facts.as_of))
    horizon = min(max(at for at, _ in per_metric.values()), facts.as_of)
    if horizon - newest <= STALE_AFTER:
        return data_as_of, lag_note
    last = newest.astimezone(facts.window.zone).strftime("%d/%m/%Y %H:%M")
    # The most widely reported metric tells how many publications are measured at all.
    measured = max(n for _, n in per_metric.values())
    missing = measured - max(n for _, n in mine)
    also = f"; {missing} of {measured} measured publications never reported it" if missing else ""
    retired = (
        f"{', '.join(metrics)} has not been reported since {last} while other metrics have "
        f"(retired by the platform?): the actual counts only what was measured until then{also}"
    )
    return data_as_of, "; ".join(n for n in (retired, lag_note) if n)


def _delayed(
    facts: Facts, flt: KpiFilter, metrics: Sequence[str], data_as_of: datetime
) -> tuple[datetime, str]:
    """`data_as_of` moved back by the delay of any platform whose late numbers the figure
    includes (a channel of that platform within the filter), with a note saying so."""
    platforms = {
        c.platform
        for c in facts.grouping.channels.values()
        if (not flt.platforms or c.platform in flt.platforms)
        and (not flt.units or c.unit_key in flt.units)
    }
    lag = max((delay_for(p, tuple(metrics)) for p in platforms), default=timedelta(0))
    if not lag:
        return data_as_of, ""
    moved = data_as_of - lag
    when = moved.astimezone(facts.window.zone).strftime("%d/%m/%Y %H:%M")
    hours = int(lag.total_seconds() // 3600)
    return moved, (
        f"YouTube Analytics reports {', '.join(metrics)} {hours} hours late or more: the "
        f"YouTube part counts what happened until about {when}"
    )


def measure_sum(
    facts: Facts, flt: KpiFilter, metrics: Sequence[str], why_empty: WhyEmpty
) -> Measurement:
    """A sum metric, or a sum of several (engagements)."""
    sums = facts.sums(flt, metrics)
    if not sums:
        return Measurement(None, None, no_data_reason=why_empty(flt, metrics))
    data_as_of, note = freshness(facts, flt, metrics)
    return Measurement(
        sum(sums.values()),
        data_as_of,
        (note,) if note else (),
        recent_growth=facts.growth(flt, metrics),
    )


def measure_ratio(
    facts: Facts,
    flt: KpiFilter,
    numerators: Sequence[str],
    denominator: str,
    reporting: str,
    why_empty: WhyEmpty,
    scale: float = 1.0,
) -> Measurement:
    """Σ numerators × scale / Σ denominator over the publications that report `reporting`."""
    sums = facts.sums(flt, [*numerators, denominator], reporting)
    below = sums.get(denominator, 0.0)
    if not sums or below == 0.0:
        reason = why_empty(flt, [denominator]) if not sums else f"no {denominator} measured yet"
        return Measurement(None, None, no_data_reason=reason)
    above = sum(sums.get(m, 0.0) for m in numerators)
    data_as_of, note = freshness(facts, flt, [*numerators, denominator])
    return Measurement(above * scale / below, data_as_of, (note,) if note else ())


@dataclass(frozen=True)
class ChannelAudience:
    """A channel's newest channel-level audience snapshot at or before `as_of`."""

    female: float  # Σ shares of gender `female`
    youth: float  # Σ shares of the youth age groups
    total: float  # Σ of all the snapshot's shares
    captured_at: datetime


def channel_audiences(
    session: Session, campaign_id: int, as_of: datetime
) -> dict[int, ChannelAudience]:
    """Every campaign channel's newest audience snapshot, in one query."""
    moment = ensure_aware(as_of)
    channels = select(CHANNEL.c.id).where(CHANNEL.c.campaign_id == campaign_id)
    newest = (
        select(AUDIENCE.c.channel_id, func.max(AUDIENCE.c.captured_at).label("at"))
        .where(
            AUDIENCE.c.publication_id.is_(None),
            AUDIENCE.c.captured_at <= moment,
            AUDIENCE.c.channel_id.in_(channels),
        )
        .group_by(AUDIENCE.c.channel_id)
        .subquery()
    )
    rows = session.execute(
        select(
            AUDIENCE.c.channel_id,
            func.sum(case((AUDIENCE.c.gender == "female", AUDIENCE.c.share), else_=0.0)),
            func.sum(
                case((AUDIENCE.c.age_group.in_(YOUTH_AGE_GROUPS), AUDIENCE.c.share), else_=0.0)
            ),
            func.sum(AUDIENCE.c.share),
            func.max(AUDIENCE.c.captured_at),
        )
        .select_from(
            AUDIENCE.join(
                newest,
                and_(
                    AUDIENCE.c.channel_id == newest.c.channel_id,
                    AUDIENCE.c.captured_at == newest.c.at,
                ),
            )
        )
        .where(AUDIENCE.c.publication_id.is_(None))
        .group_by(AUDIENCE.c.channel_id)
    ).all()
    return {
        cid: ChannelAudience(float(f or 0.0), float(y or 0.0), float(w or 0.0), ensure_aware(at))
        for cid, f, y, w, at in rows
    }


def measure_audience_share(
    facts: Facts,
    flt: KpiFilter,
    metric: str,
    audiences: dict[int, ChannelAudience],
    channels: set[int],
) -> Measurement:
    """female_viewer_share or youth_viewer_share over the KPI's channels (`channels`: those
    carrying at least one of the KPI's publications)."""
    per_channel = {
        cid: ((a.female if metric == "female_viewer_share" else a.youth) / a.total, a.captured_at)
        for cid, a in audiences.items()
        if cid in channels and a.total
    }
    if not per_channel:
        return Measurement(None, None, no_data_reason="no audience breakdown measured yet")
    views = facts.per_channel(flt, "views")
    weights = {cid: float(views.get(cid) or 0.0) for cid in per_channel}
    if sum(weights.values()) == 0.0:
        weights = dict.fromkeys(per_channel, 1.0)
    total = sum(weights.values())
    value = sum(per_channel[cid][0] * w for cid, w in weights.items()) / total
    return Measurement(value, max(at for _, at in per_channel.values()))
