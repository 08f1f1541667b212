"""The segment rollup (`campaigns.models.segments`): its set-based refresh and its freshness.

`refresh_segments` rebuilds one campaign's segment rows from MetricDelta and MetricLatest in a
handful of INSERT ... SELECT ... GROUP BY statements:

1. segments: the distinct (channel, content kind, audience list) of the campaign's publications;
2. latest: MetricLatest summed per segment and metric, with the newest capture and the number of
   publications; per basis b (see `BASES`), the same over the publications that report b;
3. days: MetricDelta summed per segment, metric and day, made dense over the campaign's days and
   turned into running totals with a window SUM. Under a basis b a publication's growth counts
   from the day it reports b (the later of the growth's day and b's first day), so that the
   running total as of day d is exactly the sum over the publications reporting b by d.

`ensure_segments` refreshes only when `signature` (a few aggregates over the sources, cheap
next to the queries it saves) differs from the stored one; readers call it first and the rows
are never stale: every capture changes MetricLatest, every daily rollup change that MetricLatest
does not see (a late, older capture) goes through `metricpending` and adds or replaces deltas.
"""

import json
import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    literal,
    select,
    text,
)
from sqlmodel import Session

from campaigns.models import (
    ContentItem,
    MetricDelta,
    MetricLatest,
    MetricPending,
    MetricSegment,
    MetricSegmentDay,
    MetricSegmentLatest,
    Publication,
    SegmentState,
)
from campaigns.rollups import refresh_rollups
from campaigns.timeutil import utcnow

SEGMENT: Table = MetricSegment.__table__  # type: ignore[attr-defined]
SEGMENT_DAY: Table = MetricSegmentDay.__table__  # type: ignore[attr-defined]
SEGMENT_LATEST: Table = MetricSegmentLatest.__table__  # type: ignore[attr-defined]
STATE: Table = SegmentState.__table__  # type: ignore[attr-defined]
_PUB: Table = Publication.__table__  # type: ignore[attr-defined]
_CONTENT: Table = ContentItem.__table__  # type: ignore[attr-defined]
_LATEST: Table = MetricLatest.__table__  # type: ignore[attr-defined]
_DELTA: Table = MetricDelta.__table__  # type: ignore[attr-defined]
_PENDING: Table = MetricPending.__table__  # type: ignore[attr-defined]

# basis -> the metrics summed over the publications reporting it: the ratio KPIs' parts
# (engagement rate over the publications reporting reach, average view duration over those
# reporting watch time). "" (every publication) holds every metric.
BASES: dict[str, tuple[str, ...]] = {
    "reach": ("reactions", "comments", "shares", "clicks", "reach"),
    "watch_time_hours": ("watch_time_hours", "video_views"),
}


@dataclass(frozen=True)
class RefreshReport:
    campaign_id: int
    segments: int
    day_rows: int
    latest_rows: int
    days: int
    seconds: float


# Each publication of the campaign with its segment, in a temporary table keyed by publication
# (every later statement joins it); JSON has no equality on PostgreSQL, its text has.
_PUB_SEGMENT_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS loa_segpub (pub INTEGER PRIMARY KEY, seg INTEGER NOT NULL)"
)
_PUB_SEGMENT = """
INSERT INTO loa_segpub (pub, seg)
SELECT p.id, s.id
FROM publication p
JOIN contentitem c ON c.id = p.content_id
JOIN metricsegment s ON s.campaign_id = p.campaign_id AND s.channel_id = p.channel_id
    AND s.content_kind = c.kind
    AND s.audience_key = COALESCE(CAST(c.audiences AS TEXT), '[]')
WHERE p.campaign_id = :cid
"""

_SEGMENTS = """
INSERT INTO metricsegment (campaign_id, channel_id, content_kind, audience_key)
SELECT DISTINCT p.campaign_id, p.channel_id, c.kind, COALESCE(CAST(c.audiences AS TEXT), '[]')
FROM publication p JOIN contentitem c ON c.id = p.content_id
WHERE p.campaign_id = :cid
"""

_LATEST_ALL = """
INSERT INTO metricsegmentlatest
    (campaign_id, basis, metric, segment_id, total, publications, newest)
SELECT :cid, '', l.metric, ps.seg, SUM(l.value), COUNT(*), MAX(l.captured_at)
FROM loa_segpub ps JOIN metriclatest l ON l.publication_id = ps.pub
GROUP BY l.metric, ps.seg
"""

_LATEST_BASIS = """
INSERT INTO metricsegmentlatest
    (campaign_id, basis, metric, segment_id, total, publications, newest)
SELECT :cid, :basis, l.metric, ps.seg, SUM(l.value), COUNT(*), MAX(l.captured_at)
FROM loa_segpub ps
JOIN metriclatest l ON l.publication_id = ps.pub
JOIN metriclatest r ON r.publication_id = l.publication_id AND r.metric = :basis
WHERE l.metric IN :metrics
GROUP BY l.metric, ps.seg
"""

# Contributions (segment, metric, day, added, entered, growth, growing). Without a basis the
# day a delta counts from is its own; `entered` marks a series' first delta (it starts
# reporting). Under a basis it counts from the later of its day and the basis' first day, while
# the day's growth stays on its own day.
_CONTRIB_ALL = """
SELECT ps.seg, d.metric, d.day AS day, d.delta AS added,
       CASE WHEN d.day = MIN(d.day) OVER (PARTITION BY d.publication_id, d.metric)
            THEN 1 ELSE 0 END AS entered,
       d.delta AS growth, 1 AS growing
FROM loa_segpub ps JOIN metricdelta d ON d.publication_id = ps.pub
"""
_CONTRIB_BASIS = """
SELECT seg, metric, CASE WHEN day > first_b THEN day ELSE first_b END AS day, delta AS added,
       CASE WHEN day = first_m THEN 1 ELSE 0 END AS entered, 0.0 AS growth, 0 AS growing
FROM based
UNION ALL
SELECT seg, metric, day, 0.0, 0, delta, 1 FROM based
"""
_BASED = """
firsts AS (
    SELECT d.publication_id AS pub, MIN(d.day) AS first_b
    FROM loa_segpub ps JOIN metricdelta d ON d.publication_id = ps.pub
    WHERE d.metric = :basis
    GROUP BY d.publication_id
),
based AS (
    SELECT ps.seg, d.metric, d.day, d.delta, f.first_b,
           MIN(d.day) OVER (PARTITION BY d.publication_id, d.metric) AS first_m
    FROM loa_segpub ps
    JOIN firsts f ON f.pub = ps.pub
    JOIN metricdelta d ON d.publication_id = ps.pub
    WHERE d.metric IN :metrics
)"""

_DAYS = """
sparse AS (
    SELECT seg, metric, day, SUM(added) AS added, SUM(entered) AS entered,
           SUM(growth) AS growth, SUM(growing) AS growing
    FROM contrib GROUP BY seg, metric, day
),
series AS (SELECT seg, metric, MIN(day) AS start FROM sparse GROUP BY seg, metric),
days AS (SELECT DISTINCT day FROM sparse),
dense AS (
    SELECT se.seg, se.metric, dy.day,
           COALESCE(sp.added, 0.0) AS added, COALESCE(sp.entered, 0) AS entered,
           COALESCE(sp.growth, 0.0) AS growth, COALESCE(sp.growing, 0) AS growing
    FROM series se
    JOIN days dy ON dy.day >= se.start
    LEFT JOIN sparse sp ON sp.seg = se.seg AND sp.metric = se.metric AND sp.day = dy.day
)
INSERT INTO metricsegmentday
    (campaign_id, metric, basis, day, segment_id, total, publications, growth, growing)
SELECT :cid, metric, :basis, day, seg,
       SUM(added) OVER w, SUM(entered) OVER w, growth, growing
FROM dense
WINDOW w AS (PARTITION BY seg, metric ORDER BY day ROWS UNBOUNDED PRECEDING)
"""


def _days_statement(basis: str) -> Any:
    if not basis:
        sql = f"WITH contrib AS ({_CONTRIB_ALL}),{_DAYS}"
        return text(sql)
    sql = f"WITH {_BASED},\ncontrib AS ({_CONTRIB_BASIS}),{_DAYS}"
    return text(sql).bindparams(bindparam("metrics", expanding=True))


def refresh_segments(session: Session, campaign_id: int) -> RefreshReport:
    """Rebuild the campaign's segment rows from the daily and latest rollups and record the
    sources' signature; runs in the session's transaction (the caller commits)."""
    began = time.perf_counter()
    conn = session.connection()
    _lock_state(conn, campaign_id)
    signature = source_signature(session, campaign_id)
    _rebuild(conn, campaign_id)
    days = [
        d if isinstance(d, str) else d.isoformat()
        for d in conn.execute(
            select(SEGMENT_DAY.c.day)
            .where(SEGMENT_DAY.c.campaign_id == campaign_id)
            .distinct()
            .order_by(SEGMENT_DAY.c.day)
        ).scalars()
    ]
    conn.execute(
        STATE.update()
        .where(STATE.c.campaign_id == campaign_id)
        .values(signature=signature, days=days, refreshed_at=utcnow())
    )
    count = _counter(conn, campaign_id)
    return RefreshReport(
        campaign_id,
        segments=count(SEGMENT),
        day_rows=count(SEGMENT_DAY),
        latest_rows=count(SEGMENT_LATEST),
        days=len(days),
        seconds=time.perf_counter() - began,
    )


def _counter(conn: Connection, campaign_id: int) -> Any:
    def count(table: Table) -> int:
        query = select(func.count()).select_from(table).where(table.c.campaign_id == campaign_id)
        return int(conn.execute(query).scalar() or 0)

    return count


def _rebuild(conn: Connection, campaign_id: int) -> None:
    for table in (SEGMENT_DAY, SEGMENT_LATEST, SEGMENT):
        conn.execute(delete(table).where(table.c.campaign_id == campaign_id))
    cid = {"cid": campaign_id}
    conn.execute(text(_SEGMENTS), cid)
    conn.execute(text(_PUB_SEGMENT_TABLE))
    conn.execute(text("DELETE FROM loa_segpub"))
    conn.execute(text(_PUB_SEGMENT), cid)
    if conn.dialect.name == "postgresql":
        conn.execute(text("ANALYZE loa_segpub"))  # a temporary table has no statistics
    conn.execute(text(_LATEST_ALL), cid)
    conn.execute(_days_statement(""), {**cid, "basis": ""})
    for basis, metrics in BASES.items():
        params = {**cid, "basis": basis, "metrics": list(metrics)}
        conn.execute(text(_LATEST_BASIS).bindparams(bindparam("metrics", expanding=True)), params)
        conn.execute(_days_statement(basis), params)
    conn.execute(text("DELETE FROM loa_segpub"))


def _lock_state(conn: Connection, campaign_id: int) -> None:
    """Create the campaign's state row if missing and lock it (PostgreSQL: two readers never
    rebuild the same campaign at once; SQLite has one writer anyway)."""
    exists = select(STATE.c.campaign_id).where(STATE.c.campaign_id == campaign_id)
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(
            pg_insert(STATE)
            .values(campaign_id=campaign_id, signature="", days=[], refreshed_at=utcnow())
            .on_conflict_do_nothing()
        )
        conn.execute(exists.with_for_update())
        return
    if conn.execute(exists).first() is None:
        conn.execute(
            STATE.insert().values(
                campaign_id=campaign_id, signature="", days=[], refreshed_at=utcnow()
            )
        )


def _signature_query(campaign_id: int) -> Any:
    """One statement: the sources' fingerprint (see `source_signature`), the pending series and
    the stored state, so a current rollup costs a single round trip."""
    latest = select(
        func.count(), func.sum(_LATEST.c.value), func.max(_LATEST.c.captured_at)
    ).subquery()
    members = (
        select(
            func.count().label("n"),
            func.sum(_PUB.c.channel_id).label("channels"),
            func.sum(func.length(_CONTENT.c.kind)).label("kinds"),
            func.sum(func.length(func.coalesce(cast(_CONTENT.c.audiences, Text), ""))).label(
                "audiences"
            ),
        )
        .select_from(_PUB.join(_CONTENT, _CONTENT.c.id == _PUB.c.content_id))
        .where(_PUB.c.campaign_id == campaign_id)
        .subquery()
    )
    state = select(STATE.c.signature, STATE.c.days).where(STATE.c.campaign_id == campaign_id)
    return select(
        *latest.c,
        select(func.count()).select_from(_DELTA).scalar_subquery(),
        *members.c,
        select(func.count()).select_from(_PENDING).scalar_subquery(),
        state.with_only_columns(STATE.c.signature).scalar_subquery(),
        state.with_only_columns(STATE.c.days).scalar_subquery(),
    ).select_from(latest.join(members, literal(True)))


def _fingerprint(row: Any) -> str:
    count, total, newest, deltas, *members = row[:8]
    stamp = newest.isoformat() if isinstance(newest, datetime) else str(newest)
    return json.dumps(
        [str(count), repr(float(total or 0.0)), stamp, str(deltas), *map(str, members)]
    )


def source_signature(session: Session, campaign_id: int) -> str:
    """A fingerprint of everything the campaign's segment rows derive from.

    MetricLatest (rows, sum of values, newest capture) changes with every capture; MetricDelta's
    row count with every change of the daily rollup that MetricLatest does not see (a late,
    older capture: until the daily rollup is refreshed it is pending, see `ensure_segments`);
    the campaign's publications and their items' kinds and audiences with the segments.
    Whole-table aggregates, no join on the rollups: a scan of the newest values and a B-tree
    count.
    """
    return _fingerprint(session.connection().execute(_signature_query(campaign_id)).one())


def ensure_segments(session: Session, campaign_id: int) -> "SegmentView":
    """The campaign's segment rollup, rebuilt first when its sources changed (and committed,
    so the next reader finds it current). Daily rollups still pending are refreshed first."""
    row = session.connection().execute(_signature_query(campaign_id)).one()
    if row[8]:
        refresh_rollups(session)
        session.commit()
        row = session.connection().execute(_signature_query(campaign_id)).one()
    days = row[10]
    if row[9] != _fingerprint(row):
        refresh_segments(session, campaign_id)
        session.commit()
        days = (
            session.connection()
            .execute(select(STATE.c.days).where(STATE.c.campaign_id == campaign_id))
            .scalar()
        )
    if isinstance(days, str):  # a scalar subquery hands JSON back as its text
        days = json.loads(days)
    return SegmentView(campaign_id, [date.fromisoformat(d) for d in days or []])


@dataclass(frozen=True)
class SegmentView:
    """A current segment rollup: the days its day rows cover, in order."""

    campaign_id: int
    days: list[date]

    def row_day(self, day: date) -> date | None:
        """The stored day whose running totals hold as of the end of `day` (the last covered
        day at or before it); None before the first."""
        at = bisect_right(self.days, day)
        return self.days[at - 1] if at else None
