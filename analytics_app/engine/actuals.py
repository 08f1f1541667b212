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
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from analytics_app.engine.projection import TrendWindow
from analytics_app.engine.scope import CampaignWindow
from analytics_app.engine.tables import AUDIENCE, DELTA, LATEST, PUB
from campaigns.timeutil import ensure_aware

YOUTH_AGE_GROUPS: tuple[str, ...] = ("age13-17", "age18-24")
STALE_AFTER = timedelta(days=1)

Conditions = Sequence[ColumnElement[bool]]


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
    """Reads lifetime values of one campaign as of one moment from the rollups."""

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
        self._fresh: dict[str, dict[str, tuple[datetime, int]]] = {}

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

    def sums(
        self, metrics: Sequence[str], conds: Conditions, *, reporting: str | None = None
    ) -> dict[str, float]:
        """Σ value per metric over the publications `conds` keep (and, with `reporting`, only
        those that report that metric too)."""
        rows = self.value_rows(metrics).subquery()
        query = (
            select(rows.c.metric, func.sum(rows.c.value))
            .select_from(rows.join(PUB, PUB.c.id == rows.c.publication_id))
            .where(*conds)
            .group_by(rows.c.metric)
        )
        if reporting is not None:
            reporters = self.value_rows([reporting]).subquery()
            query = query.where(rows.c.publication_id.in_(select(reporters.c.publication_id)))
        return {m: float(v or 0.0) for m, v in self.session.execute(query)}

    def growth(self, metrics: Sequence[str], conds: Conditions, trend: TrendWindow) -> float:
        """Growth of the metrics' sum over the trend window's days (from MetricDelta)."""
        query = (
            select(func.coalesce(func.sum(DELTA.c.delta), 0.0))
            .select_from(DELTA.join(PUB, PUB.c.id == DELTA.c.publication_id))
            .where(
                DELTA.c.metric.in_(metrics),
                DELTA.c.day >= trend.first_day,
                DELTA.c.day <= trend.last_day,
                *conds,
            )
        )
        return float(self.session.execute(query).scalar() or 0.0)

    def _newest_per_metric(self, conds: Conditions) -> dict[str, tuple[datetime, int]]:
        """Newest capture and number of reporting publications per metric, once per filter."""
        key = str(and_(*conds).compile(compile_kwargs={"literal_binds": True}))
        if key not in self._fresh:
            query = (
                select(LATEST.c.metric, func.max(LATEST.c.captured_at), func.count())
                .select_from(LATEST.join(PUB, PUB.c.id == LATEST.c.publication_id))
                .where(*conds)
                .group_by(LATEST.c.metric)
            )
            self._fresh[key] = {m: (at, n) for m, at, n in self.session.execute(query)}
        return self._fresh[key]

    def freshness(self, metrics: Sequence[str], conds: Conditions) -> tuple[datetime | None, str]:
        """The newest capture of `metrics` for these publications, and a note when those
        metrics stopped arriving more than a day before the others (a retired metric)."""
        per_metric = self._newest_per_metric(conds)
        mine = [per_metric[m] for m in metrics if m in per_metric]
        if not mine:
            return None, ""
        newest = max(at for at, _ in mine)
        data_as_of = min(newest, self.as_of)
        horizon = min(max(at for at, _ in per_metric.values()), self.as_of)
        if horizon - newest <= STALE_AFTER:
            return data_as_of, ""
        last = newest.astimezone(self.window.zone).strftime("%d/%m/%Y %H:%M")
        # The most widely reported metric tells how many publications are measured at all.
        measured = max(n for _, n in per_metric.values())
        missing = measured - max(n for _, n in mine)
        also = (
            f"; {missing} of {measured} measured publications never reported it" if missing else ""
        )
        return data_as_of, (
            f"{', '.join(metrics)} has not been reported since {last} while other metrics have "
            f"(retired by the platform?): the actual counts only what was measured until then{also}"
        )


def measure_sum(
    reader: MetricReader, metrics: Sequence[str], conds: Conditions, trend: TrendWindow
) -> Measurement:
    """A sum metric, or a sum of several (engagements)."""
    sums = reader.sums(metrics, conds)
    if not sums:
        return Measurement(None, None, no_data_reason=_why_empty(reader, conds, metrics))
    data_as_of, note = reader.freshness(metrics, conds)
    return Measurement(
        sum(sums.values()),
        data_as_of,
        (note,) if note else (),
        recent_growth=reader.growth(metrics, conds, trend),
    )


def measure_ratio(
    reader: MetricReader,
    numerators: Sequence[str],
    denominator: str,
    reporting: str,
    conds: Conditions,
    scale: float = 1.0,
) -> Measurement:
    """Σ numerators × scale / Σ denominator over the publications that report `reporting`."""
    sums = reader.sums([*numerators, denominator], conds, reporting=reporting)
    below = sums.get(denominator, 0.0)
    if not sums or below == 0.0:
        reason = (
            _why_empty(reader, conds, [denominator])
            if not sums
            else f"no {denominator} measured yet"
        )
        return Measurement(None, None, no_data_reason=reason)
    above = sum(sums.get(m, 0.0) for m in numerators)
    data_as_of, note = reader.freshness([*numerators, denominator], conds)
    return Measurement(above * scale / below, data_as_of, (note,) if note else ())


def measure_audience_share(reader: MetricReader, metric: str, conds: Conditions) -> Measurement:
    """female_viewer_share or youth_viewer_share over the KPI's channels."""
    part = (
        AUDIENCE.c.gender == "female"
        if metric == "female_viewer_share"
        else AUDIENCE.c.age_group.in_(YOUTH_AGE_GROUPS)
    )
    channels = select(PUB.c.channel_id).where(*conds).distinct()
    newest = (
        select(AUDIENCE.c.channel_id, func.max(AUDIENCE.c.captured_at).label("at"))
        .where(
            AUDIENCE.c.publication_id.is_(None),
            AUDIENCE.c.captured_at <= reader.as_of,
            AUDIENCE.c.channel_id.in_(channels),
        )
        .group_by(AUDIENCE.c.channel_id)
        .subquery()
    )
    shares = reader.session.execute(
        select(
            AUDIENCE.c.channel_id,
            func.sum(case((part, AUDIENCE.c.share), else_=0.0)),
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
    per_channel = {cid: (p / w, at) for cid, p, w, at in shares if w}
    if not per_channel:
        return Measurement(None, None, no_data_reason="no audience breakdown measured yet")
    rows = reader.value_rows(["views"]).subquery()
    views = dict(
        reader.session.execute(
            select(PUB.c.channel_id, func.sum(rows.c.value))
            .select_from(rows.join(PUB, PUB.c.id == rows.c.publication_id))
            .where(*conds)
            .group_by(PUB.c.channel_id)
        ).all()
    )
    weights = {cid: float(views.get(cid) or 0.0) for cid in per_channel}
    if sum(weights.values()) == 0.0:
        weights = dict.fromkeys(per_channel, 1.0)
    total = sum(weights.values())
    value = sum(per_channel[cid][0] * w for cid, w in weights.items()) / total
    return Measurement(value, max(at for _, at in per_channel.values()))


def _why_empty(reader: MetricReader, conds: Conditions, metrics: Sequence[str]) -> str:
    planned = reader.session.execute(select(func.count()).select_from(PUB).where(*conds)).scalar()
    if not planned:
        return "no publication matches this KPI"
    published = reader.session.execute(
        select(func.count()).select_from(PUB).where(*conds, PUB.c.published_at.is_not(None))
    ).scalar()
    if not published:
        return f"none of the {planned} matching publications is published yet"
    return (
        f"{published} matching publications are published but none reports {', '.join(metrics)} yet"
    )
