"""The segment rollup (`campaigns.models.segments`): its refresh, in full or incremental, and its
freshness.

`refresh_segments` rebuilds one campaign's segment rows from MetricDelta and MetricLatest in a
handful of INSERT ... SELECT ... GROUP BY statements:

1. segments: the distinct (channel, content kind, audience list) of the campaign's publications,
   and each publication's segment (`segmentmember`) and first day per basis (`segmentreporting`);
2. latest: MetricLatest summed per segment and metric, with the newest capture and the number of
   publications; per basis b (see `BASES`), the same over the publications that report b;
3. days: MetricDelta summed per segment, metric and day, made dense over the campaign's days (the
   days it has any MetricDelta row on, the same for every basis) and turned into running totals
   with a window SUM. Under a basis b a publication's growth counts from the day it reports b
   (the later of the growth's day and b's first day), so that the running total as of day d is
   exactly the sum over the publications reporting b by d.

`update_segments` (what `refresh_if_stale`, `refresh_stale` and `ensure_segments` run) recomputes
only the segments of the publications whose changes `campaigns.rollup_version` listed, from each
one's first changed day on (`campaigns.segment_changes`), and falls back to the full rebuild when
the segments themselves changed (an import), for a campaign never built, or when the changes
reach back far enough that a rebuild costs the same.

Freshness is exact and costs one primary-key read: every write that changes what the rows
summarise bumps the campaign's `RollupVersion` in its own transaction (`campaigns.rollup_version`),
and `SegmentState.version` is the version the rows were built from, read before the sources.
Metric pulls refresh the campaigns they touched right after their pass (`refresh_stale`), so the
manager's scorecard normally finds the rows current; `ensure_segments` still refreshes when they
are not (someone ingested without pulling), in a transaction of its own. The listed changes a
refresh applies are removed in its transaction: after a crash the rows are behind, never wrong.
"""

import json
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, func, select, text
from sqlmodel import Session

from campaigns.models import MetricSegment, MetricSegmentDay, MetricSegmentLatest, SegmentState
from campaigns.rollup_version import VERSION, claim_changes, current_version, forget_changes
from campaigns.rollups import refresh_rollups
from campaigns.segment_changes import BASES, apply_changes
from campaigns.timeutil import utcnow

SEGMENT: Table = MetricSegment.__table__  # type: ignore[attr-defined]
SEGMENT_DAY: Table = MetricSegmentDay.__table__  # type: ignore[attr-defined]
SEGMENT_LATEST: Table = MetricSegmentLatest.__table__  # type: ignore[attr-defined]
STATE: Table = SegmentState.__table__  # type: ignore[attr-defined]

# BASES: basis -> the metrics summed over the publications reporting it: the ratio KPIs' parts
# (engagement rate over the publications reporting reach, average view duration over those
# reporting watch time). "" (every publication) holds every metric.


@dataclass(frozen=True)
class RefreshReport:
    """One refresh: what it wrote (every row of the campaign when `full`), the days the rows
    cover, and the campaign's RollupVersion they were built from."""

    campaign_id: int
    segments: int
    day_rows: int
    latest_rows: int
    days: int
    seconds: float
    version: int = 0
    full: bool = True


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
based AS (
    SELECT ps.seg, d.metric, d.day, d.delta, f.since AS first_b,
           MIN(d.day) OVER (PARTITION BY d.publication_id, d.metric) AS first_m
    FROM loa_segpub ps
    JOIN segmentreporting f ON f.publication_id = ps.pub AND f.basis = :basis
    JOIN metricdelta d ON d.publication_id = ps.pub
    WHERE d.metric IN :metrics
)"""
# Each publication's first day of each basis metric: under the basis it counts from that day.
_REPORTING = """
INSERT INTO segmentreporting (publication_id, basis, since)
SELECT d.publication_id, d.metric, MIN(d.day)
FROM loa_segpub ps JOIN metricdelta d ON d.publication_id = ps.pub
WHERE d.metric IN :bases
GROUP BY d.publication_id, d.metric
"""
_MEMBERS = """
INSERT INTO segmentmember (publication_id, campaign_id, segment_id)
SELECT pub, :cid, seg FROM loa_segpub
"""
# The campaign's days: those of its rows without a basis (every MetricDelta row's day). The
# basis rows are made dense over the same days, so that every stored day has every series' row.
_DAY_SET = "SELECT DISTINCT day FROM metricsegmentday WHERE campaign_id = :cid AND basis = ''"

_DAYS = """
sparse AS (
    SELECT seg, metric, day, SUM(added) AS added, SUM(entered) AS entered,
           SUM(growth) AS growth, SUM(growing) AS growing
    FROM contrib GROUP BY seg, metric, day
),
series AS (SELECT seg, metric, MIN(day) AS start FROM sparse GROUP BY seg, metric),
days AS ({days}),
dense AS (
    SELECT se.seg, se.metric, dy.day,
           COALESCE(sp.added, 0.0) AS added, COALESCE(sp.entered, 0) AS entered,
           COALESCE(sp.growth, 0.0) AS growth, COALESCE(sp.growing, 0) AS growing
    FROM series se
    JOIN days dy ON dy.day >= se.start
    LEFT JOIN sparse sp ON sp.seg = se.seg AND sp.metric = se.metric AND sp.day = dy.day
)
SELECT :cid, metric, :basis, day, seg,
       SUM(added) OVER w, SUM(entered) OVER w, growth, growing
FROM dense
WINDOW w AS (PARTITION BY seg, metric ORDER BY day ROWS UNBOUNDED PRECEDING)
ORDER BY metric, day, seg
"""


# INSERT first, then WITH: sqlite3 reports the rows written only for a statement that starts so.
_DAY_ROWS = """INSERT INTO metricsegmentday
    (campaign_id, metric, basis, day, segment_id, total, publications, growth, growing)
"""


def _days_statement(basis: str) -> Any:
    if not basis:
        days = _DAYS.format(days="SELECT DISTINCT day FROM sparse")
        return text(f"{_DAY_ROWS}WITH contrib AS ({_CONTRIB_ALL}),{days}")
    days = _DAYS.format(days=_DAY_SET)
    sql = f"{_DAY_ROWS}WITH {_BASED},\ncontrib AS ({_CONTRIB_BASIS}),{days}"
    return text(sql).bindparams(bindparam("metrics", expanding=True))


def refresh_segments(session: Session, campaign_id: int) -> RefreshReport:
    """Rebuild the campaign's segment rows in full from the daily and latest rollups (pending
    daily rollups are refreshed first) and record the version they were built from; runs in the
    session's transaction (the caller commits)."""
    began = time.perf_counter()
    refresh_rollups(session)
    return _refresh(session.connection(), campaign_id, began, incremental=False)


def update_segments(session: Session, campaign_id: int) -> RefreshReport:
    """Bring the campaign's segment rows up to date: only the segments its listed changes
    touched when that can be done, else in full (see the module's docstring); runs in the
    session's transaction (the caller commits)."""
    began = time.perf_counter()
    refresh_rollups(session)
    return _refresh(session.connection(), campaign_id, began, incremental=True)


def _refresh(conn: Connection, campaign_id: int, began: float, incremental: bool) -> RefreshReport:
    _lock_state(conn, campaign_id)
    # The version is read before the changes and the sources: a write committed meanwhile bumps
    # it past the one stored here, so the next reader refreshes again instead of trusting rows
    # that missed it (its change stays listed, or was applied here: either way nothing is lost).
    version, built = _versions(conn, campaign_id)
    changes = claim_changes(conn, campaign_id)
    applied = None
    if incremental and built is not None and built >= 0 and not changes.whole:
        stored = [_as_date(d) for d in _stored_days(conn, campaign_id)]
        applied = apply_changes(conn, campaign_id, changes, stored)
    if applied is None:
        segments, day_rows, latest_rows, days = _rebuild(conn, campaign_id)
    else:
        segments, day_rows, latest_rows = applied.segments, applied.day_rows, applied.latest_rows
        days = applied.days
    forget_changes(conn, campaign_id, changes)
    conn.execute(
        STATE.update()
        .where(STATE.c.campaign_id == campaign_id)
        .values(version=version, days=[d.isoformat() for d in days], refreshed_at=utcnow())
    )
    return RefreshReport(
        campaign_id,
        segments=segments,
        day_rows=day_rows,
        latest_rows=latest_rows,
        days=len(days),
        seconds=time.perf_counter() - began,
        version=version,
        full=applied is None,
    )


def _versions(conn: Connection, campaign_id: int) -> tuple[int, int | None]:
    """(the campaign's RollupVersion, the one its rows were built from; None before any)."""
    current = (
        select(VERSION.c.version).where(VERSION.c.campaign_id == campaign_id).scalar_subquery()
    )
    row = conn.execute(
        select(func.coalesce(current, 0), STATE.c.version).where(STATE.c.campaign_id == campaign_id)
    ).first()
    if row is None:
        return current_version(conn, campaign_id), None
    return int(row[0]), row[1]


def _rebuild(conn: Connection, campaign_id: int) -> tuple[int, int, int, list[date]]:
    """Every segment row of the campaign; (segments, day rows, latest rows, days)."""
    cid = {"cid": campaign_id}
    for sql in (
        "DELETE FROM metricsegmentday WHERE campaign_id = :cid",
        "DELETE FROM metricsegmentlatest WHERE campaign_id = :cid",
        "DELETE FROM segmentreporting WHERE publication_id IN "
        "(SELECT publication_id FROM segmentmember WHERE campaign_id = :cid)",
        "DELETE FROM segmentmember WHERE campaign_id = :cid",
        "DELETE FROM metricsegment WHERE campaign_id = :cid",
    ):
        conn.execute(text(sql), cid)
    segments = conn.execute(text(_SEGMENTS), cid).rowcount
    conn.execute(text(_PUB_SEGMENT_TABLE))  # emptied at the end (or by a rollback)
    conn.execute(text(_PUB_SEGMENT), cid)
    if conn.dialect.name == "postgresql":
        conn.execute(text("ANALYZE loa_segpub"))  # a temporary table has no statistics
    conn.execute(text(_MEMBERS), cid)
    conn.execute(
        text(_REPORTING).bindparams(bindparam("bases", expanding=True)), {"bases": list(BASES)}
    )
    latest_rows = conn.execute(text(_LATEST_ALL), cid).rowcount
    day_rows = conn.execute(_days_statement(""), {**cid, "basis": ""}).rowcount
    for basis, metrics in BASES.items():
        params = {**cid, "basis": basis, "metrics": list(metrics)}
        latest = text(_LATEST_BASIS).bindparams(bindparam("metrics", expanding=True))
        latest_rows += conn.execute(latest, params).rowcount
        day_rows += conn.execute(_days_statement(basis), params).rowcount
    days = sorted(_as_date(d) for (d,) in conn.execute(text(_DAY_SET), cid))
    conn.execute(text("DELETE FROM loa_segpub"))
    if conn.dialect.name == "postgresql":
        # Every row is new: without fresh statistics (autovacuum comes minutes later) the
        # planner scanned whole indexes of them, and the next scorecard took 2-3 times longer.
        # The incremental refresh joins the members by campaign: without statistics the planner
        # took a campaign's 20,000 members for ~100 and nested-looped them (2.3 s -> 0.7 s).
        conn.execute(
            text(
                "ANALYZE metricsegment, metricsegmentday, metricsegmentlatest, segmentmember, "
                "segmentreporting"
            )
        )
    return segments, day_rows, latest_rows, days


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


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
    """Bring the campaign's segment rows up to date (`update_segments`) unless they are current;
    None when they were. Runs in the session's transaction (the caller commits). A refresh that
    waited for another one to the same campaign (PostgreSQL's state lock) finds the rows current
    and does nothing."""
    began = time.perf_counter()
    # Once per transaction, before any lock of this module's: a second claim of the pending
    # daily rollups behind the state lock could wait for an ingest that waits for this one.
    refresh_rollups(session)
    conn = session.connection()
    if _freshness(conn, campaign_id)[0]:
        return None
    _lock_state(conn, campaign_id)
    if _freshness(conn, campaign_id)[0]:
        return None
    return _refresh(conn, campaign_id, began, incremental=True)


def refresh_stale(engine: Engine) -> list[RefreshReport]:
    """Refresh every campaign whose segment rows are behind its `RollupVersion` (incrementally
    where it can), each in a short transaction of its own; what metric pulls run after their pass, off the readers' path."""
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
    """The campaign's segment rollup, refreshed first when a write changed its sources.

    Current rows cost one primary-key read. Stale ones are refreshed and committed in a session of
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


def segment_rows(
    conn: Connection,
    campaign_id: int,
    values: Callable[[Sequence[Any]], tuple[Any, ...]] = tuple,
) -> dict[str, Any]:
    """The campaign's segment rows keyed by segment key rather than id (ids differ between
    rebuilds), each row's values passed through `values`: what a check compares after an
    incremental refresh and a full rebuild of the same data."""
    key = "s.channel_id, s.content_kind, s.audience_key"
    days = conn.execute(
        text(
            f"SELECT {key}, d.metric, d.basis, d.day, d.total, d.publications, d.growth, "
            "d.growing FROM metricsegmentday d JOIN metricsegment s ON s.id = d.segment_id "
            "WHERE d.campaign_id = :cid"
        ),
        {"cid": campaign_id},
    )
    latest = conn.execute(
        text(
            f"SELECT {key}, l.basis, l.metric, l.total, l.publications, l.newest "
            "FROM metricsegmentlatest l JOIN metricsegment s ON s.id = l.segment_id "
            "WHERE l.campaign_id = :cid"
        ),
        {"cid": campaign_id},
    )
    state = conn.execute(
        text("SELECT days FROM segmentstate WHERE campaign_id = :cid"), {"cid": campaign_id}
    ).scalar()
    return {
        "days": {tuple(str(v) for v in r[:6]): values(r[6:]) for r in days},
        "latest": {tuple(str(v) for v in r[:5]): values(r[5:]) for r in latest},
        "state": state,
    }
