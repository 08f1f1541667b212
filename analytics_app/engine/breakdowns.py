"""A metric broken down by unit, channel, platform, content kind, objective, audience, day or
hour of day, as of a moment, aggregated in the database from the rollups.

- unit, channel, platform, content_kind: each publication's lifetime value as of `as_of`
  (see `actuals.MetricReader`), summed per group.
- objective, audience: summed per content item in SQL, then spread over the item's objectives or
  audiences (content items are few); an item serving two objectives counts for both, so these
  groups may add up to more than the total.
- day: the growth gained on each campaign-zone day (MetricDelta), not the running total.
- hour: by the local hour of day the item was published (when do posts do best?).

Ratios (engagement_rate, avg_view_duration_s) are computed per group from the group's sums, over
the publications that report the denominator's source, as in the scorecard.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from analytics_app.engine.actuals import MetricReader
from analytics_app.engine.kinds import ENGAGEMENT_PARTS
from analytics_app.engine.scope import KpiFilter, load_window, publication_conditions
from analytics_app.engine.segment_breakdowns import answers, segment_breakdown
from analytics_app.engine.sqlutil import utc_hour
from analytics_app.engine.tables import CHANNEL, CONTENT, DELTA, PUB, UNIT
from campaigns.errors import UserError
from campaigns.timeutil import ensure_aware
from campaigns.vocabulary import MEASURES

DIMENSIONS: tuple[str, ...] = (
    "unit",
    "channel",
    "platform",
    "content_kind",
    "objective",
    "audience",
    "day",
    "hour",
)

# metric -> (numerator metrics, denominator metric, the metric a publication must report, scale)
_RATIOS: dict[str, tuple[tuple[str, ...], str, str, float]] = {
    "engagement_rate": (ENGAGEMENT_PARTS, "reach", "reach", 1.0),
    "avg_view_duration_s": (("watch_time_hours",), "video_views", "watch_time_hours", 3600.0),
}


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    value: float | None  # None: a ratio whose denominator is 0
    publications: int  # publications contributing (for day: those that grew that day)
    as_of: datetime


def _parts(metric: str) -> tuple[tuple[str, ...], str | None]:
    if metric in _RATIOS:
        nums, den, reporting, _ = _RATIOS[metric]
        return (*nums, den), reporting
    if metric == "engagements":
        return ENGAGEMENT_PARTS, None
    if metric in MEASURES:
        return (metric,), None
    raise UserError(
        f"{metric} cannot be broken down (use a measured metric, engagements or a rate)"
    )


def _value(metric: str, sums: dict[str, float]) -> float | None:
    if metric in _RATIOS:
        nums, den, _, scale = _RATIOS[metric]
        below = sums.get(den, 0.0)
        return sum(sums.get(m, 0.0) for m in nums) * scale / below if below else None
    return sum(sums.values())


def breakdown(
    session: Session,
    campaign_key: str,
    metric: str,
    by: str,
    as_of: datetime,
    flt: KpiFilter | None = None,
    *,
    per_publication: bool = False,
) -> list[BreakdownRow]:
    """`metric` per group of `by` (one of DIMENSIONS), largest first (day and hour in order).

    Groups that are segment attributes (unit, channel, platform, content kind, audience) and
    days are read from the segment rollup (`segment_breakdowns`), refreshed first when its
    sources changed; objective and hour of day, and `per_publication`, from the per-publication
    rollups (the reference the segment answers are tested against)."""
    if by not in DIMENSIONS:
        raise UserError(f"cannot break down by {by!r}; choose one of {', '.join(DIMENSIONS)}")
    moment = ensure_aware(as_of)
    window = load_window(session, campaign_key)
    metrics, reporting = _parts(metric)
    if not per_publication and answers(by, metrics, reporting):
        grouped, counts = segment_breakdown(
            session, window, metrics, reporting, by, moment, flt or KpiFilter()
        )
    else:
        reader = MetricReader(session, window, moment)
        conds = publication_conditions(session, window.campaign_id, flt or KpiFilter())
        if by == "day":
            grouped, counts = _by_day(reader, metrics, conds, reporting)
        else:
            grouped, counts = _by_publication_group(reader, metrics, conds, reporting, by)
    rows = [BreakdownRow(k, _value(metric, v), counts[k], moment) for k, v in grouped.items()]
    if by in ("day", "hour"):
        return sorted(rows, key=lambda r: r.key)
    return sorted(rows, key=lambda r: (-(r.value or 0.0), r.key))


Grouped = tuple[dict[str, dict[str, float]], dict[str, int]]


def _by_publication_group(
    reader: MetricReader,
    metrics: Sequence[str],
    conds: Sequence[ColumnElement[bool]],
    reporting: str | None,
    by: str,
) -> Grouped:
    dialect = reader.session.get_bind().dialect.name
    keys: dict[str, ColumnElement[Any]] = {
        "unit": func.coalesce(UNIT.c.key, ""),
        "channel": CHANNEL.c.key,
        "platform": CHANNEL.c.platform,
        "content_kind": CONTENT.c.kind,
        "objective": CONTENT.c.id,
        "audience": CONTENT.c.id,
        "hour": utc_hour(dialect, PUB.c.published_at),
    }
    key = keys[by].label("k")
    rows = reader.value_rows(metrics).subquery()
    joined = (
        rows.join(PUB, PUB.c.id == rows.c.publication_id)
        .join(CHANNEL, CHANNEL.c.id == PUB.c.channel_id)
        .outerjoin(UNIT, UNIT.c.id == CHANNEL.c.unit_id)
        .join(CONTENT, CONTENT.c.id == PUB.c.content_id)
    )
    query = (
        select(key, rows.c.metric, func.sum(rows.c.value), func.count(distinct(PUB.c.id)))
        .select_from(joined)
        .where(*conds)
        .group_by(key, rows.c.metric)
    )
    if reporting is not None:
        reporters = reader.value_rows([reporting]).subquery()
        query = query.where(rows.c.publication_id.in_(select(reporters.c.publication_id)))
    if by == "hour":
        query = query.where(PUB.c.published_at.is_not(None))
    grouped: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    pubs_per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    labels = _labeller(reader, by)
    for raw_key, m, total, pubs in reader.session.execute(query):
        for label in labels(raw_key):
            grouped[label][m] += float(total or 0.0)
            pubs_per[label][m] += int(pubs)
    # A publication counted under several metrics is one publication: the largest count holds.
    return grouped, {label: max(per.values()) for label, per in pubs_per.items()}


def _labeller(reader: MetricReader, by: str) -> Any:
    """Turns a SQL group key into the group labels it counts for."""
    if by in ("objective", "audience"):
        column = CONTENT.c.objectives if by == "objective" else CONTENT.c.audiences
        lists = dict(
            reader.session.execute(
                select(CONTENT.c.id, column).where(
                    CONTENT.c.campaign_id == reader.window.campaign_id
                )
            ).all()
        )
        return lambda content_id: list(lists.get(content_id) or ["(none)"])
    if by == "hour":
        zone = reader.window.zone

        def local_hour(text: str) -> list[str]:
            moment = datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=UTC)
            return [f"{moment.astimezone(zone).hour:02d}"]

        return local_hour
    return lambda key: [str(key)]


def _by_day(
    reader: MetricReader,
    metrics: Sequence[str],
    conds: Sequence[ColumnElement[bool]],
    reporting: str | None,
) -> Grouped:
    query = (
        select(DELTA.c.day, DELTA.c.metric, func.sum(DELTA.c.delta), func.count(distinct(PUB.c.id)))
        .select_from(DELTA.join(PUB, PUB.c.id == DELTA.c.publication_id))
        .where(DELTA.c.metric.in_(metrics), DELTA.c.day <= reader.day, *conds)
        .group_by(DELTA.c.day, DELTA.c.metric)
    )
    if reporting is not None:
        reporters = select(DELTA.c.publication_id).where(DELTA.c.metric == reporting)
        query = query.where(DELTA.c.publication_id.in_(reporters))
    grouped: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, int] = defaultdict(int)
    for day, m, total, pubs in reader.session.execute(query):
        label = day.isoformat()
        grouped[label][m] += float(total or 0.0)
        counts[label] = max(counts[label], int(pubs))
    return grouped, counts
