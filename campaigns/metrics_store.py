"""Storage of pulled numbers: raw snapshots and the rollups the scorecard reads.

A snapshot is a lifetime value as of its capture time. Two rollups are kept:

- `MetricLatest`: the newest value per (publication, metric), written with the snapshots. A
  capture older than the stored one (a late or replayed pull) never overwrites it.
- `MetricDelta`: growth per (publication, metric, day in the campaign's zone). The delta of a
  capture is its value minus the previous capture's value (0 before the first), added to the
  capture's day; the sum of deltas up to a day is the lifetime value as of the end of that day.
  `ingest_snapshots` lists the series it touched in `metricpending`, in the same transaction,
  and `campaigns.rollups.refresh_rollups` brings their deltas up to date (see there); writers
  run it right after their commit, and `record_snapshots` does both in one transaction.

Writes are bulk statements on the driver connection (`executemany` on SQLite, `COPY` on
PostgreSQL for the raw rows, `INSERT ... ON CONFLICT` for the rollups): national campaigns write
millions of snapshots and per-row ORM objects would dominate the cost.
"""

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from campaigns.errors import UserError
from campaigns.models import (
    AudienceSnapshot,
    ChannelDailyMetric,
    MetricDelta,
    MetricLatest,
    MetricSnapshot,
    Publication,
)
from campaigns.rollup_version import bump_publications
from campaigns.rollups import refresh_rollups
from campaigns.timeutil import ensure_aware
from campaigns.vocabulary import TERMS

# Bound parameters per statement stay well under SQLite's limit (32,766) and PostgreSQL's (65,535).
_ID_CHUNK = 500

SNAPSHOT: Table = MetricSnapshot.__table__  # type: ignore[attr-defined]
LATEST: Table = MetricLatest.__table__  # type: ignore[attr-defined]
DELTA: Table = MetricDelta.__table__  # type: ignore[attr-defined]
CHANNEL_DAILY: Table = ChannelDailyMetric.__table__  # type: ignore[attr-defined]
AUDIENCE: Table = AudienceSnapshot.__table__  # type: ignore[attr-defined]

Key = tuple[int, str]


@dataclass(frozen=True)
class SnapshotRow:
    """A lifetime value of one vocabulary metric of one publication, as of `captured_at`."""

    publication_id: int
    metric: str
    value: float
    captured_at: datetime
    source_metric: str = ""


@dataclass(frozen=True)
class ChannelDailyRow:
    """A Page's or channel's insight for one day (in the campaign's zone)."""

    channel_id: int
    day: date
    metric: str
    value: float
    captured_at: datetime
    source_metric: str = ""


@dataclass(frozen=True)
class AudienceRow:
    """Share (0-1) of a channel's or one publication's views by gender and age group."""

    channel_id: int
    gender: str
    age_group: str
    share: float
    captured_at: datetime
    publication_id: int | None = None


# --------------------------------------------------------------------------------------------
# Snapshots and rollups


def record_snapshots(session: Session, rows: Sequence[SnapshotRow], zone: ZoneInfo) -> int:
    """Write `rows` and bring both rollups up to date with them, in the session's transaction.

    `ingest_snapshots` then `refresh_rollups`: for callers that want the rollups current the
    moment their own commit lands. Bulk writers ingest chunk after chunk and refresh once.
    """
    written = ingest_snapshots(session, rows, zone)
    refresh_rollups(session)
    return written


def ingest_snapshots(session: Session, rows: Sequence[SnapshotRow], zone: ZoneInfo) -> int:
    """Write `rows` as snapshots, keep MetricLatest current, and list the touched series as
    pending for `refresh_rollups` (their MetricDelta rows are behind until it runs); bumps the
    campaigns' `RollupVersion` so their segment rollups are known stale.

    Days are taken in `zone` (the campaign's) by the refresh. A row that repeats a stored
    (publication, metric, capture time) replaces it; within `rows` the later one wins. Returns
    the number of rows given. Raises UserError for a metric outside the vocabulary or a value
    that is not a finite number, and ValueError for a naive capture time; nothing is written
    then. Runs in the session's transaction; the caller commits.
    """
    if not rows:
        return 0
    conn = session.connection()
    series, unordered = _group(rows, _moments(conn))
    stored = _load_latest(conn, series.keys())

    fresh: list[tuple[Any, ...]] = []  # snapshots after every stored one: a plain bulk insert
    replayed: list[tuple[Any, ...]] = []  # may repeat a stored key: an upsert
    latest: list[tuple[Any, ...]] = []
    pending: list[tuple[Any, ...]] = []
    for key, points in series.items():
        if key in unordered:
            points = _one_per_time(points)
        pid, metric = key
        prev = stored.get(key)
        target = replayed if prev is not None and points[0][0] <= _micros(prev[1]) else fresh
        target.extend([(pid, metric, p[2], p[1], p[3]) for p in points])
        first, last = points[0], points[-1]
        latest.append((pid, metric, last[1], last[2]))
        pending.append((pid, metric, first[2], zone.key))

    _insert_snapshots(conn, fresh, replayed)
    _upsert_latest(conn, latest)
    _mark_pending(conn, pending)
    # Last: the counter's row lock (PostgreSQL) is then held only for the commit's wait.
    bump_publications(conn, {pid for pid, _ in series})
    return len(rows)


# A point of a series: (UTC microseconds, value, stored capture time, source metric).
Point = tuple[int, float, Any, str]
Moment = tuple[int, Any]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNSET = object()
_MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    return (ensure_aware(moment) - _EPOCH) // _MICROSECOND


def _stored_time(conn: Connection) -> Callable[[datetime], Any]:
    """A capture time as the driver takes it: UTC text on SQLite, the aware value otherwise."""
    process = SNAPSHOT.c.captured_at.type.bind_processor(conn.dialect)
    as_text = conn.dialect.name != "postgresql"

    def stored(at: datetime) -> Any:
        value = process(at) if process is not None else at.astimezone(UTC)
        if isinstance(value, datetime) and as_text:
            # What sqlite3's default datetime adapter writes, done once here instead of per row.
            value = value.isoformat(" ")
        return value

    return stored


def _moments(conn: Connection) -> Callable[[datetime], Moment]:
    """What a capture time becomes: its order and its stored form.

    Computed once per distinct time by the caller: a pull's rows share a handful of capture times.
    """
    stored = _stored_time(conn)

    def moment(at: datetime) -> Moment:
        return _micros(at), stored(at)  # _micros refuses a naive time

    return moment


def _group(
    rows: Sequence[SnapshotRow], moment: Callable[[datetime], Moment]
) -> tuple[dict[Key, list[Point]], set[Key]]:
    """Check every row and group them by (publication, metric), in arrival order; also the
    series whose rows did not arrive in strictly increasing time (to be sorted and deduplicated).

    The per-row work is kept to attribute reads and one tuple: this loop runs millions of times
    in a national backfill. Capture times are looked up by identity first (the rows of one pull
    share the same objects; hashing an aware datetime asks its zone for the offset each time),
    and the cache holds each object, so an id is never reused within the call.
    """
    by_id: dict[int, tuple[datetime, Moment]] = {}
    by_value: dict[datetime, Moment] = {}
    series: dict[Key, list[Point]] = {}
    unordered: set[Key] = set()
    isfinite = math.isfinite
    last_at: object = _UNSET  # nothing a row can hold, so the first row is always looked up
    order, stored = 0, None
    for row in rows:
        at = row.captured_at
        if at is not last_at:  # runs of rows share one capture: most rows skip the lookups
            cached = by_id.get(id(at))
            if cached is None:
                found = by_value.get(at) if at.tzinfo is not None else None
                m = found if found is not None else moment(at)
                by_value[at] = m
                by_id[id(at)] = (at, m)
            else:
                m = cached[1]
            order, stored = m
            last_at = at
        metric = row.metric
        if metric not in TERMS:
            raise UserError(f"unknown metric {metric!r} for publication {row.publication_id}")
        value = row.value
        if not isfinite(value):
            raise UserError(f"metric {metric} of publication {row.publication_id} is not a number")
        key = (row.publication_id, metric)
        point = (order, value, stored, row.source_metric)
        found_series = series.get(key)
        if found_series is None:
            series[key] = [point]
        else:
            if found_series[-1][0] >= order:
                unordered.add(key)
            found_series.append(point)
    return series, unordered


def _one_per_time(points: list[Point]) -> list[Point]:
    """Points in time order, the last arrival kept where several share a capture time."""
    points.sort(key=itemgetter(0))  # stable: ties keep arrival order
    kept = [points[0]]
    for point in points[1:]:
        if point[0] == kept[-1][0]:
            kept[-1] = point
        else:
            kept.append(point)
    return kept


def _chunks(values: Sequence[Any], size: int = _ID_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _load_latest(conn: Connection, keys: Iterable[Key]) -> dict[Key, tuple[float, datetime]]:
    wanted = set(keys)
    ids = sorted({pid for pid, _ in wanted})
    found: dict[Key, tuple[float, datetime]] = {}
    for chunk in _chunks(ids):
        result = conn.execute(
            select(
                LATEST.c.publication_id, LATEST.c.metric, LATEST.c.value, LATEST.c.captured_at
            ).where(LATEST.c.publication_id.in_(chunk))
        )
        for pid, metric, value, captured_at in result:
            if (pid, metric) in wanted:
                found[(pid, metric)] = (value, captured_at)
    return found


def _raw_executemany(conn: Connection, sql: str, params: Sequence[tuple[Any, ...]]) -> None:
    """executemany on the driver cursor, inside the session's transaction; `?` placeholders.

    One prepared statement for the whole list: no per-row SQLAlchemy compilation or binding.
    """
    if not params:
        return
    if conn.dialect.name == "postgresql":
        sql = sql.replace("?", "%s")
    raw: Any = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


_SNAPSHOT_COLUMNS = "publication_id, metric, captured_at, value, source_metric"


def _insert_snapshots(
    conn: Connection, fresh: Sequence[tuple[Any, ...]], replayed: Sequence[tuple[Any, ...]]
) -> None:
    """`fresh` rows are newer than anything stored for their series, so their keys are new: a
    plain bulk insert (COPY on PostgreSQL). `replayed` rows may repeat a stored key."""
    if fresh and conn.dialect.name == "postgresql":
        raw: Any = conn.connection.driver_connection
        # COPY is PostgreSQL's bulk path: several times faster than multi-row INSERTs.
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY metricsnapshot ({_SNAPSHOT_COLUMNS}) FROM STDIN") as copy,
        ):
            for row in fresh:
                copy.write_row(row)
    else:
        _raw_executemany(
            conn, f"INSERT INTO metricsnapshot ({_SNAPSHOT_COLUMNS}) VALUES (?, ?, ?, ?, ?)", fresh
        )
    _bulk_upsert(
        conn,
        "metricsnapshot",
        (
            ("publication_id", "integer"),
            ("metric", "text"),
            ("captured_at", "timestamptz"),
            ("value", "float8"),
            ("source_metric", "text"),
        ),
        "ON CONFLICT (publication_id, metric, captured_at) DO UPDATE SET "
        "value = excluded.value, source_metric = excluded.source_metric",
        replayed,
    )


def _upsert_latest(conn: Connection, latest: Sequence[tuple[Any, ...]]) -> None:
    _bulk_upsert(
        conn,
        "metriclatest",
        (
            ("publication_id", "integer"),
            ("metric", "text"),
            ("value", "float8"),
            ("captured_at", "timestamptz"),
        ),
        "ON CONFLICT (publication_id, metric) DO UPDATE SET "
        "value = excluded.value, captured_at = excluded.captured_at "
        # A late or replayed older capture, or a concurrent writer's older one, never regresses.
        "WHERE metriclatest.captured_at <= excluded.captured_at",
        latest,
    )


def _mark_pending(conn: Connection, pending: Sequence[tuple[Any, ...]]) -> None:
    _bulk_upsert(
        conn,
        "metricpending",
        (
            ("publication_id", "integer"),
            ("metric", "text"),
            ("since", "timestamptz"),
            ("zone", "text"),
        ),
        "ON CONFLICT (publication_id, metric) DO UPDATE SET zone = excluded.zone, since = "
        "CASE WHEN excluded.since < metricpending.since "
        "THEN excluded.since ELSE metricpending.since END",
        pending,
    )


def _bulk_upsert(
    conn: Connection,
    table: str,
    columns: Sequence[tuple[str, str]],
    on_conflict: str,
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """INSERT ... ON CONFLICT of many rows, each key at most once in `rows`.

    SQLite: executemany of one prepared statement. PostgreSQL: one statement over `unnest` of
    one array per column; executemany there runs one statement per row (psycopg pipelines the
    round trips, but the server still plans and runs each), several times slower.
    """
    if not rows:
        return
    names = ", ".join(name for name, _ in columns)
    if conn.dialect.name != "postgresql":
        marks = ", ".join("?" for _ in columns)
        _raw_executemany(
            conn, f"INSERT INTO {table} ({names}) VALUES ({marks}) {on_conflict}", rows
        )
        return
    arrays = ", ".join(f"%s::{pg_type}[]" for _, pg_type in columns)
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {on_conflict}",
            [list(column) for column in zip(*rows, strict=True)],
        )


def _dialect_insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# --------------------------------------------------------------------------------------------
# Channel insights and audiences


def record_channel_daily(session: Session, rows: Sequence[ChannelDailyRow]) -> int:
    """Upsert daily Page/channel insights; a re-pulled day takes the newer capture's value."""
    if not rows:
        return 0
    newest: dict[tuple[int, str, date], ChannelDailyRow] = {}
    for row in rows:
        if not math.isfinite(row.value):
            raise UserError(f"daily {row.metric} of channel {row.channel_id} is not a number")
        ensure_aware(row.captured_at)
        key = (row.channel_id, row.metric, row.day)
        if key not in newest or newest[key].captured_at <= row.captured_at:
            newest[key] = row
    conn = session.connection()
    stmt = _dialect_insert(conn, CHANNEL_DAILY)
    stmt = stmt.on_conflict_do_update(
        index_elements=["channel_id", "metric", "day"],
        set_={
            "value": stmt.excluded.value,
            "captured_at": stmt.excluded.captured_at,
            "source_metric": stmt.excluded.source_metric,
        },
        where=CHANNEL_DAILY.c.captured_at <= stmt.excluded.captured_at,
    )
    conn.execute(
        stmt,
        [
            {
                "channel_id": r.channel_id,
                "day": r.day,
                "metric": r.metric,
                "value": r.value,
                "captured_at": r.captured_at,
                "source_metric": r.source_metric,
            }
            for r in newest.values()
        ],
    )
    return len(newest)


def record_audience(session: Session, rows: Sequence[AudienceRow]) -> int:
    """Store audience shares; rows of the same (channel, publication, capture) replace the old."""
    if not rows:
        return 0
    for row in rows:
        ensure_aware(row.captured_at)
        if not (math.isfinite(row.share) and 0.0 <= row.share <= 1.0):
            raise UserError(f"audience share of channel {row.channel_id} is not in 0-1")
    conn = session.connection()
    for channel_id, publication_id, captured_at in {
        (r.channel_id, r.publication_id, r.captured_at) for r in rows
    }:
        pub_filter = (
            AUDIENCE.c.publication_id.is_(None)
            if publication_id is None
            else AUDIENCE.c.publication_id == publication_id
        )
        conn.execute(
            delete(AUDIENCE).where(
                AUDIENCE.c.channel_id == channel_id,
                pub_filter,
                AUDIENCE.c.captured_at == captured_at,
            )
        )
    conn.execute(
        AUDIENCE.insert(),
        [
            {
                "channel_id": r.channel_id,
                "publication_id": r.publication_id,
                "captured_at": r.captured_at,
                "gender": r.gender,
                "age_group": r.age_group,
                "share": r.share,
            }
            for r in rows
        ],
    )
    return len(rows)


# --------------------------------------------------------------------------------------------
# Equal-age reading


def values_at_age(
    session: Session, publication_ids: Sequence[int], metric: str, age: timedelta
) -> dict[int, float]:
    """Lifetime value of `metric` at `published_at + age` for each publication that has one.

    Linear between the snapshots around that moment; before the first snapshot the line starts
    from 0 at `published_at` (lifetime counters start at zero). A publication that is not
    published, or whose last snapshot is younger than `age`, is left out: its value at that age
    is not known yet, and guessing it would rank a young post against older ones.
    """
    out: dict[int, float] = {}
    conn = session.connection()
    pub = Publication.__table__  # type: ignore[attr-defined]
    for chunk in _chunks(sorted(set(publication_ids))):
        published = {
            pid: at
            for pid, at in conn.execute(
                select(pub.c.id, pub.c.published_at).where(
                    pub.c.id.in_(chunk), pub.c.published_at.is_not(None)
                )
            )
        }
        if not published:
            continue
        series: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
        for pid, captured_at, value in conn.execute(
            select(SNAPSHOT.c.publication_id, SNAPSHOT.c.captured_at, SNAPSHOT.c.value)
            .where(SNAPSHOT.c.publication_id.in_(list(published)), SNAPSHOT.c.metric == metric)
            .order_by(SNAPSHOT.c.publication_id, SNAPSHOT.c.captured_at)
        ):
            series[pid].append((captured_at, value))
        for pid, points in series.items():
            value = _interpolate(published[pid], points, published[pid] + age)
            if value is not None:
                out[pid] = value
    return out


def value_at_age(
    session: Session, publication_id: int, metric: str, age: timedelta
) -> float | None:
    """One publication's value at an age (see `values_at_age`); None when not known yet."""
    return values_at_age(session, [publication_id], metric, age).get(publication_id)


def _interpolate(
    published_at: datetime, points: list[tuple[datetime, float]], target: datetime
) -> float | None:
    if not points or points[-1][0] < target:
        return None
    before: tuple[datetime, float] = (published_at, 0.0)
    for at, value in points:
        if at >= target:
            if at == target or at <= before[0]:
                return value
            span = (at - before[0]).total_seconds()
            share = (target - before[0]).total_seconds() / span
            return before[1] + (value - before[1]) * share
        before = (at, value)
    return None
