"""Set-based refresh of the daily-growth rollup (MetricDelta) from the raw snapshots.

Ingestion writes snapshots and MetricLatest, and lists every series it touched in
`metricpending` with its earliest new capture, all in one transaction. `refresh_rollups` claims
those rows and, for each series, recomputes the growth of every campaign-zone day from the day of
that capture on, in SQL: the growth of a capture is its value minus the previous capture's
(`LAG` over the series, 0 before the first), summed per day; the old rows of those days are
replaced. The rows before that day are untouched and already sum to the lifetime value as of
the previous capture, so the invariant (Σ deltas up to a day == lifetime value at that day's
end) holds after every refresh, for late and replayed captures alike.

Recomputing instead of adding makes a refresh idempotent, and claiming the pending rows in the
refresh's own transaction makes it safe after a crash: until a refresh commits, the series stay
listed (the watermark), and the rollups are behind, never wrong.
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, delete, func, select, text
from sqlmodel import Session

from campaigns.models import MetricPending, MetricSnapshot
from campaigns.rollup_version import bump_publications

PENDING: Table = MetricPending.__table__  # type: ignore[attr-defined]
_CAPTURED: Any = MetricSnapshot.__table__.c.captured_at.type  # type: ignore[attr-defined]

# The claimed series, in a temporary table so that each step is one statement over all of them.
_WORK_SQLITE = (
    "CREATE TEMP TABLE IF NOT EXISTS loa_refresh (publication_id INTEGER NOT NULL, "
    "metric TEXT NOT NULL, day0 TEXT NOT NULL, from_at TEXT NOT NULL, zone TEXT NOT NULL, "
    "PRIMARY KEY (publication_id, metric)) WITHOUT ROWID"
)
_WORK_POSTGRES = (
    "CREATE TEMP TABLE IF NOT EXISTS loa_refresh (publication_id integer NOT NULL, "
    "metric text NOT NULL, day0 date NOT NULL, from_at timestamptz NOT NULL, zone text NOT NULL, "
    "PRIMARY KEY (publication_id, metric)) ON COMMIT DELETE ROWS"
)

# Each series' window starts at its last capture before day0 (or day0's first instant), so the
# first growth inside day0 subtracts the right value; that earlier capture's own row falls before
# day0 and is filtered out. Computed once per series, into the work table, before the join: as a
# correlated subquery in the join it ran once per snapshot row read (25 times per series).
_BOUND = """
UPDATE loa_refresh SET from_at = COALESCE(
    (SELECT MAX(b.captured_at) FROM metricsnapshot b
     WHERE b.publication_id = loa_refresh.publication_id AND b.metric = loa_refresh.metric
       AND b.captured_at < loa_refresh.from_at),
    from_at)
"""
# Growth per (series, day) from day0 on. LATERAL: one primary-key range scan per claimed series
# (the planner otherwise hashed the whole snapshot table when its statistics lagged a backfill).
# OFFSET 0 keeps the subquery from being flattened into a plain join, which let the planner
# hash all 3 million snapshots again at national scale (543 ms a refresh instead of 76 ms).
_RECOMPUTE = """
INSERT INTO metricdelta (publication_id, metric, day, delta)
SELECT publication_id, metric, day, SUM(growth)
FROM (
    SELECT r.publication_id, r.metric, r.day0, {day} AS day,
           s.value - LAG(s.value, 1, 0.0) OVER (
               PARTITION BY r.publication_id, r.metric ORDER BY s.captured_at
           ) AS growth
    FROM loa_refresh r
    CROSS JOIN LATERAL (
        SELECT captured_at, value FROM metricsnapshot
        WHERE publication_id = r.publication_id AND metric = r.metric
          AND captured_at >= r.from_at
        OFFSET 0
    ) AS s
) AS g
WHERE day >= day0
GROUP BY publication_id, metric, day
HAVING SUM(growth) <> 0
"""
# SQLite: the same window read in key order (the primary key's), summed per day in Python,
# where a zone's day is a cached lookup; a per-row SQL function and the GROUP BY sort cost more.
# CROSS JOIN fixes SQLite's join order: the claimed series outside, the snapshot key inside
# (without statistics on the temporary table the planner scans every snapshot instead).
_SERIES_SQLITE = """
SELECT s.publication_id, s.metric, s.captured_at, s.value, r.day0, r.zone
FROM loa_refresh r
CROSS JOIN metricsnapshot s ON s.publication_id = r.publication_id AND s.metric = r.metric
WHERE s.captured_at >= r.from_at
ORDER BY s.publication_id, s.metric, s.captured_at
"""
_DAY = "(s.captured_at AT TIME ZONE r.zone)::date"

_FORGET_SQLITE = """
DELETE FROM metricdelta WHERE (publication_id, metric, day) IN (
    SELECT d.publication_id, d.metric, d.day FROM loa_refresh r
    CROSS JOIN metricdelta d ON d.publication_id = r.publication_id AND d.metric = r.metric
    WHERE d.day >= r.day0)
"""
_FORGET_POSTGRES = """
DELETE FROM metricdelta d USING loa_refresh r
WHERE d.publication_id = r.publication_id AND d.metric = r.metric AND d.day >= r.day0
"""


def refresh_rollups(session: Session) -> int:
    """Bring MetricDelta up to date with every pending series; returns how many were refreshed.

    Runs in the session's transaction (the caller commits); running it again with nothing
    pending changes nothing. Concurrent ingestion is safe: a series claimed here is locked
    (PostgreSQL row locks, SQLite's single writer) until the commit, and a capture written
    meanwhile lists its series again for the next refresh. On PostgreSQL a series another
    transaction holds (an ingest not committed yet, or another refresh) is skipped, not waited
    for: it stays listed for the refresh that follows that ingest, or is that refresh's.
    """
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    claimed = _claim(conn)
    if not claimed:
        return 0
    work = _work_rows(conn, claimed)
    raw: Any = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        if postgres:
            cursor.execute(_WORK_POSTGRES)
            cursor.execute(
                "INSERT INTO loa_refresh SELECT * FROM unnest("
                "%s::integer[], %s::text[], %s::date[], %s::timestamptz[], %s::text[])",
                [list(column) for column in zip(*work, strict=True)],
            )
            cursor.execute("ANALYZE loa_refresh")  # a temporary table has no statistics
            cursor.execute(_BOUND)
            cursor.execute(_FORGET_POSTGRES)
            # The estimate of a series' snapshots since day0 is loose (statistics cannot say how
            # many of a series' captures fall after one moment), and past jit_above_cost the
            # server compiled this statement first: 200 ms of a 270 ms refresh at national scale.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(_RECOMPUTE.format(day=_DAY))
            cursor.execute("DELETE FROM loa_refresh")
        else:
            cursor.execute(_WORK_SQLITE)
            cursor.execute("DELETE FROM temp.loa_refresh")
            cursor.executemany("INSERT INTO temp.loa_refresh VALUES (?, ?, ?, ?, ?)", work)
            cursor.execute(_BOUND)
            cursor.execute(_FORGET_SQLITE)
            # Streamed: the points are read as the growths are written (SQLite reads one table
            # while a second statement writes another). Fetching them all first built a list of
            # tens of thousands of tuples per refresh, and the garbage collector walked the
            # heap over and over while it grew: a quarter of a refresh's time. executemany, not
            # `sqlite_bulk`'s multi-row INSERTs: measured side by side on a quarter-scale load,
            # those made this refresh slower (4.2 s against 3.5 s), where the rows already are
            # tuples and arrive one at a time from the reader.
            reader = raw.cursor()
            try:
                cursor.executemany(
                    "INSERT INTO metricdelta (publication_id, metric, day, delta) "
                    "VALUES (?, ?, ?, ?)",
                    _growth_by_day(reader.execute(_SERIES_SQLITE)),
                )
            finally:
                reader.close()
            cursor.execute("DELETE FROM temp.loa_refresh")
    finally:
        cursor.close()
    bump_publications(conn, {row[0] for row in claimed})  # MetricDelta changed: segments too
    if postgres:
        analyze_if_never(conn, _FILLED)
    return len(claimed)


# The tables a first backfill fills, which every later refresh and scorecard reads by key.
_FILLED = ("metricsnapshot", "metriclatest", "metricdelta")


def analyze_if_never(conn: Connection, tables: Sequence[str]) -> None:
    """ANALYZE those of `tables` PostgreSQL has no statistics for yet (`reltuples` -1: never
    vacuumed or analyzed), within the connection's transaction.

    A first backfill fills them within minutes; until autovacuum's first pass (never, where it
    is off) the planner takes them for empty and scans whole indexes for lookups of a few hundred
    publications (a segment refresh after a pull: about 730 ms -> 480 ms at national scale).
    Checking costs one catalogue read; each table is analyzed once.
    """
    names = list(tables)
    unknown = (
        conn.execute(
            text(
                "SELECT name FROM unnest(CAST(:names AS text[])) AS name "
                "JOIN pg_class ON pg_class.oid = to_regclass(name) WHERE pg_class.reltuples < 0"
            ),
            {"names": names},
        )
        .scalars()
        .all()
    )
    if unknown:
        conn.execute(text(f"ANALYZE {', '.join(sorted(unknown))}"))


def _claim(conn: Connection) -> list[Any]:
    """Remove the pending series this transaction refreshes and return them.

    A write first: it takes SQLite's write lock, so nothing commits between claim and recompute.
    On PostgreSQL the rows are locked with SKIP LOCKED: a plain DELETE of every row waited for
    the rows an ingest had upserted while holding those it had already deleted, and an ingest
    upserting two of them in the other order deadlocked with it (as did two refreshes waiting
    on two such ingests).
    """
    returned = (PENDING.c.publication_id, PENDING.c.metric, PENDING.c.since, PENDING.c.zone)
    if conn.dialect.name != "postgresql":
        return list(conn.execute(delete(PENDING).returning(*returned)).all())
    free = (
        select(PENDING.c.publication_id, PENDING.c.metric)
        .with_for_update(skip_locked=True)
        .subquery()
    )
    claim = (
        delete(PENDING)
        .where(
            PENDING.c.publication_id == free.c.publication_id,
            PENDING.c.metric == free.c.metric,
        )
        .returning(*returned)
    )
    return list(conn.execute(claim).all())


def pending_series(session: Session) -> int:
    """How many series await a refresh (0 when the rollups are current)."""
    return int(session.connection().execute(select(func.count()).select_from(PENDING)).scalar_one())


def _work_rows(conn: Connection, claimed: Sequence[Any]) -> list[tuple[Any, ...]]:
    """(publication, metric, first day to recompute, that day's first instant, zone) per series,
    in the forms the driver stores: ISO text on SQLite, date and aware time on PostgreSQL."""
    # The dialect's processor: the text SQLAlchemy binds (and ingestion stores) on SQLite.
    process = _CAPTURED.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    postgres = conn.dialect.name == "postgresql"
    rows: list[tuple[Any, ...]] = []
    for pid, metric, since, zone_key in claimed:
        zone = _zone(zone_key)
        day0 = since.astimezone(zone).date()
        start = datetime.combine(day0, time(0), zone).astimezone(UTC)
        if postgres:
            rows.append((pid, metric, day0, start, zone_key))
        else:
            stored = process(start) if process is not None else start
            text = stored.isoformat(" ") if isinstance(stored, datetime) else stored
            rows.append((pid, metric, day0.isoformat(), text, zone_key))
    return rows


@lru_cache(maxsize=64)
def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


@lru_cache(maxsize=65536)
def _day_and_end(minute: str, zone_key: str) -> tuple[str, str]:
    """The zone's day of a stored UTC minute ('YYYY-MM-DD HH:MM'), as ISO text, and that day's
    end (the next midnight in the zone) as stored UTC text ('YYYY-MM-DD HH:MM:SS.ffffff').

    Cached per minute: zone offsets change on minute boundaries, and a refresh sees a handful of
    distinct minutes per day against hundreds of thousands of rows.
    """
    zone = _zone(zone_key)
    local = datetime.fromisoformat(minute).replace(tzinfo=UTC).astimezone(zone)
    end = datetime.combine(local.date() + timedelta(days=1), time(0), zone).astimezone(UTC)
    return local.date().isoformat(), end.replace(tzinfo=None).isoformat(" ", "microseconds")


def _growth_by_day(points: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """(publication, metric, day, growth) from points in (series, time) order, for the days
    from each series' day0 on; days without growth are left out, as they change no sum.

    Stored times are fixed-width UTC text, so a point is still on the current day while its text
    sorts before that day's end: one string comparison per point, the day looked up only when a
    series or a day begins (per point, the lookup was a third of a refresh's Python).
    """
    series_pid: int | None = None
    series_metric = ""
    previous = growth = 0.0
    day = start = until = ""
    for pid, metric, captured_at, value, day0, zone in points:
        if pid != series_pid or metric != series_metric:
            if series_pid is not None and growth != 0.0 and day >= start:
                yield (series_pid, series_metric, day, growth)
            series_pid, series_metric, start, previous, growth = pid, metric, day0, 0.0, 0.0
            day, until = _day_and_end(captured_at[:16], zone)
        elif captured_at >= until:
            if growth != 0.0 and day >= start:
                yield (series_pid, series_metric, day, growth)
            day, until = _day_and_end(captured_at[:16], zone)
            growth = 0.0
        growth += value - previous
        previous = value
    if series_pid is not None and growth != 0.0 and day >= start:
        yield (series_pid, series_metric, day, growth)
