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

Freshness is exact and costs one primary-key read: every write that changes what the rows
summarise bumps the campaign's `RollupVersion` in its own transaction (`campaigns.rollup_version`),
and `SegmentState.version` is the version the rows were built from, read before the sources.
Metric pulls rebuild the campaigns they touched right after their pass (`refresh_stale`), so the
manager's scorecard normally finds the rows current; `ensure_segments` still rebuilds when they
are not (someone ingested without pulling), in a transaction of its own.
"""

import json
import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, delete, func, select, text
from sqlmodel import Session

from campaigns.models import MetricSegment, MetricSegmentDay, MetricSegmentLatest, SegmentState
from campaigns.rollup_version import VERSION, current_version
from campaigns.rollups import refresh_rollups
from campaigns.timeutil import utcnow

SEGMENT: Table = MetricSegment.__table__  # type: ignore[attr-defined]
SEGMENT_DAY: Table = MetricSegmentDay.__table__  # type: ignore[attr-defined]
SEGMENT_LATEST: Table = MetricSegmentLatest.__table__  # type: ignore[attr-defined]
STATE: Table = SegmentState.__table__  # type: ignore[attr-defined]

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
    version: int = 0  # the campaign's RollupVersion the rows were built from


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
    """Rebuild the campaign's segment rows from the daily and latest rollups (pending daily
    rollups are refreshed first) and record the version they were built from; runs in the
    session's transaction (the caller commits)."""
    began = time.perf_counter()
    refresh_rollups(session)
    conn = session.connection()
    _lock_state(conn, campaign_id)
    version = _rebuild_at_version(conn, campaign_id)
    count = _counter(conn, campaign_id)
    return RefreshReport(
        campaign_id,
        segments=count(SEGMENT),
        day_rows=count(SEGMENT_DAY),
        latest_rows=count(SEGMENT_LATEST),
        days=len(_stored_days(conn, campaign_id)),
        seconds=time.perf_counter() - began,
        version=version,
    )


def _rebuild_at_version(conn: Connection, campaign_id: int) -> int:
    # The version is read before the sources: a write committed meanwhile bumps it past the one
    # stored here, so the next reader rebuilds again instead of trusting rows that missed it.
    version = current_version(conn, campaign_id)
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
        .values(version=version, days=days, refreshed_at=utcnow())
    )
    return version


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
    """Create the campaign's state row if missing and lock it (PostgreSQL: two refreshes never
    rebuild the same campaign at once; SQLite has one writer anyway)."""
    exists = select(STATE.c.campaign_id).where(STATE.c.campaign_id == campaign_id)
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(
            pg_insert(STATE)
            .values(campaign_id=campaign_id, version=-1, days=[], refreshed_at=utcnow())
            .on_conflict_do_nothing()
        )
        conn.execute(exists.with_for_update())
        return
    if conn.execute(exists).first() is None:
        conn.execute(
            STATE.insert().values(
                campaign_id=campaign_id, version=-1, days=[], refreshed_at=utcnow()
            )
        )


def _freshness(conn: Connection, campaign_id: int) -> tuple[bool, Any]:
    """(whether the rows are current, the days they cover): two primary-key reads in one
    statement."""
    version = (
        select(VERSION.c.version).where(VERSION.c.campaign_id == campaign_id).scalar_subquery()
    )
    row = conn.execute(
        select(func.coalesce(version, 0), STATE.c.version, STATE.c.days).where(
            STATE.c.campaign_id == campaign_id
        )
    ).first()
    if row is None:
        return False, None
    return row[0] == row[1], row[2]


def _stored_days(conn: Connection, campaign_id: int) -> list[Any]:
    days = conn.execute(select(STATE.c.days).where(STATE.c.campaign_id == campaign_id)).scalar()
    if isinstance(days, str):  # some drivers hand JSON back as its text
        days = json.loads(days)
    return list(days or [])


def refresh_if_stale(session: Session, campaign_id: int) -> RefreshReport | None:
    """Rebuild the campaign's segment rows unless they are current; None when they were. Runs in
    the session's transaction (the caller commits). A refresh that waited for another one to
    the same campaign (PostgreSQL's state lock) finds the rows current and does nothing."""
    refresh_rollups(session)
    conn = session.connection()
    if _freshness(conn, campaign_id)[0]:
        return None
    _lock_state(conn, campaign_id)
    if _freshness(conn, campaign_id)[0]:
        return None
    return refresh_segments(session, campaign_id)


def refresh_stale(engine: Engine) -> list[RefreshReport]:
    """Rebuild every campaign whose segment rows are behind its `RollupVersion`, each in a short
    transaction of its own; what metric pulls run after their pass, off the readers' path."""
    with Session(engine) as session:
        refresh_rollups(session)  # bumps the campaigns whose daily rollups it changes
        session.commit()
        stale = (
            session.execute(
                select(VERSION.c.campaign_id)
                .outerjoin(STATE, STATE.c.campaign_id == VERSION.c.campaign_id)
                .where(func.coalesce(STATE.c.version, -1) != VERSION.c.version)
                .order_by(VERSION.c.campaign_id)
            )
            .scalars()
            .all()
        )
    reports = []
    for campaign_id in stale:
        with Session(engine) as session:
            report = refresh_if_stale(session, campaign_id)
            session.commit()
        if report is not None:
            reports.append(report)
    return reports


def _has_uncommitted_writes(session: Session) -> bool:
    """Whether the session's transaction has written anything (a second connection could
    neither see those rows nor, on SQLite, get the write lock while they are pending)."""
    if not session.in_transaction():
        return False
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # An xid is assigned on a transaction's first write, never for reads alone.
        return bool(
            conn.execute(text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")).scalar()
        )
    raw: Any = conn.connection.driver_connection
    return bool(getattr(raw, "in_transaction", False))  # sqlite3 opens one only to write


def ensure_segments(session: Session, campaign_id: int) -> "SegmentView":
    """The campaign's segment rollup, rebuilt first when a write changed its sources.

    Current rows cost one primary-key read. Stale ones are rebuilt and committed in a session of
    its own on the same engine: the caller's session is never committed behind its back. A
    session with uncommitted writes of its own gets the rebuild in its transaction instead
    (another connection would not see those writes), to keep or roll back with them.
    """
    current, days = _freshness(session.connection(), campaign_id)
    if not current:
        if _has_uncommitted_writes(session):
            refresh_if_stale(session, campaign_id)
        else:
            with Session(session.get_bind()) as own:
                refresh_if_stale(own, campaign_id)
                own.commit()
        days = _stored_days(session.connection(), campaign_id)
    if isinstance(days, str):  # a driver may hand JSON back as its text
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
