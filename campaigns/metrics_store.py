"""Storage of pulled numbers: raw snapshots and the rollups the scorecard reads, written together.

A snapshot is a lifetime value as of its capture time. Two rollups are kept in the same
transaction, so readers never see one without the other:

- `MetricLatest`: the newest value per (publication, metric). A capture older than the stored one
  (a late or replayed pull) never overwrites it.
- `MetricDelta`: growth per (publication, metric, day in the campaign's zone). The delta of a
  capture is its value minus the previous capture's value (0 before the first), added to the
  capture's day; the sum of deltas up to a day is the lifetime value as of the end of that day.

Writes are bulk statements on the driver connection (`executemany` on SQLite, `COPY` on
PostgreSQL for the raw rows, `INSERT ... ON CONFLICT` for the rollups): national campaigns write
millions of snapshots and per-row ORM objects would dominate the cost.
"""

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, and_, delete, or_, select, tuple_
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
    """Write `rows` as snapshots and bring MetricLatest and MetricDelta up to date with them.

    Days are taken in `zone` (the campaign's). Returns the number of snapshots written. Raises
    UserError for a metric outside the vocabulary or a value that is not a finite number, and
    ValueError for a naive capture time. Runs in the session's transaction; the caller commits.
    """
    if not rows:
        return 0
    _check(rows)
    conn = session.connection()
    by_key: dict[Key, list[SnapshotRow]] = defaultdict(list)
    for row in rows:
        by_key[(row.publication_id, row.metric)].append(row)
    stored = _load_latest(conn, by_key.keys())

    deltas: dict[tuple[int, str, date], float] = defaultdict(float)
    latest: dict[Key, tuple[float, datetime]] = {}
    rebuild: list[Key] = []
    days: dict[datetime, date] = {}
    for key, items in by_key.items():
        items.sort(key=lambda r: r.captured_at)  # stable: ties keep arrival order
        prev = stored.get(key)
        if prev is not None and items[0].captured_at <= prev[1]:
            rebuild.append(key)  # arrives before a stored capture: the series is recomputed
            continue
        previous = prev[0] if prev is not None else 0.0
        for item in items:
            day = days.get(item.captured_at)
            if day is None:
                day = days[item.captured_at] = _day(item.captured_at, zone)
            deltas[(key[0], key[1], day)] += item.value - previous
            previous = item.value
        latest[key] = (items[-1].value, items[-1].captured_at)

    _insert_snapshots(conn, rows)
    if rebuild:
        _rebuild(conn, rebuild, zone, deltas, latest)
    _add_deltas(conn, deltas)
    _upsert_latest(conn, latest)
    return len(rows)


def _check(rows: Sequence[SnapshotRow]) -> None:
    for row in rows:
        if row.metric not in TERMS:
            raise UserError(f"unknown metric {row.metric!r} for publication {row.publication_id}")
        if not math.isfinite(row.value):
            raise UserError(
                f"metric {row.metric} of publication {row.publication_id} is not a number"
            )
        ensure_aware(row.captured_at)


def _day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


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


def _datetime_binder(conn: Connection) -> Callable[[datetime], Any]:
    """How the dialect stores a UTCDateTime value (SQLite: a UTC text; PostgreSQL: as is).

    Memoised: the rows of one pull share a handful of capture times, and converting each row's
    time again was the largest Python cost of a bulk write.
    """
    process = SNAPSHOT.c.captured_at.type.bind_processor(conn.dialect)
    if process is None:
        return lambda value: ensure_aware(value).astimezone(UTC)
    cache: dict[datetime, Any] = {}

    def bind(value: datetime) -> Any:
        found = cache.get(value)
        if found is None:
            found = process(value)
            if isinstance(found, datetime):
                # What sqlite3's default adapter would write, done once per distinct time.
                found = found.isoformat(" ")
            cache[value] = found
        return found

    return bind


def _raw_executemany(conn: Connection, sql: str, params: Iterable[tuple[Any, ...]]) -> None:
    """executemany on the driver cursor, inside the session's transaction; `?` placeholders."""
    if conn.dialect.name == "postgresql":
        sql = sql.replace("?", "%s")
    raw: Any = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


def _insert_snapshots(conn: Connection, rows: Sequence[SnapshotRow]) -> None:
    columns = "publication_id, metric, value, captured_at, source_metric"
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.driver_connection
        # COPY is PostgreSQL's bulk path: several times faster than multi-row INSERTs.
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY metricsnapshot ({columns}) FROM STDIN") as copy,
        ):
            for r in rows:
                copy.write_row(
                    (r.publication_id, r.metric, r.value, r.captured_at, r.source_metric)
                )
        return
    bind = _datetime_binder(conn)
    _raw_executemany(
        conn,
        f"INSERT INTO metricsnapshot ({columns}) VALUES (?, ?, ?, ?, ?)",
        ((r.publication_id, r.metric, r.value, bind(r.captured_at), r.source_metric) for r in rows),
    )


def _rebuild(
    conn: Connection,
    keys: list[Key],
    zone: ZoneInfo,
    deltas: dict[tuple[int, str, date], float],
    latest: dict[Key, tuple[float, datetime]],
) -> None:
    """Recompute the rollups of series that received a capture older than their newest one."""
    for chunk in _chunks(keys, 200):
        key_filter = tuple_(SNAPSHOT.c.publication_id, SNAPSHOT.c.metric).in_(list(chunk))
        series: dict[Key, list[tuple[float, datetime]]] = defaultdict(list)
        result = conn.execute(
            select(
                SNAPSHOT.c.publication_id,
                SNAPSHOT.c.metric,
                SNAPSHOT.c.value,
                SNAPSHOT.c.captured_at,
            )
            .where(key_filter)
            .order_by(SNAPSHOT.c.captured_at, SNAPSHOT.c.id)
        )
        for pid, metric, value, captured_at in result:
            series[(pid, metric)].append((value, captured_at))
        conn.execute(
            delete(DELTA).where(
                or_(*(and_(DELTA.c.publication_id == p, DELTA.c.metric == m) for p, m in chunk))
            )
        )
        for key, points in series.items():
            previous = 0.0
            for value, captured_at in points:
                deltas[(key[0], key[1], _day(captured_at, zone))] += value - previous
                previous = value
            latest[key] = points[-1]


def _add_deltas(conn: Connection, deltas: dict[tuple[int, str, date], float]) -> None:
    as_day: Callable[[date], Any] = (
        (lambda d: d) if conn.dialect.name == "postgresql" else date.isoformat
    )
    _raw_executemany(
        conn,
        "INSERT INTO metricdelta (publication_id, metric, day, delta) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (publication_id, metric, day) "
        "DO UPDATE SET delta = metricdelta.delta + excluded.delta",
        (
            (pid, metric, as_day(day), delta)
            for (pid, metric, day), delta in deltas.items()
            if delta != 0.0  # no growth changes no sum: the row is not worth writing
        ),
    )


def _upsert_latest(conn: Connection, latest: dict[Key, tuple[float, datetime]]) -> None:
    bind = _datetime_binder(conn)
    _raw_executemany(
        conn,
        "INSERT INTO metriclatest (publication_id, metric, value, captured_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (publication_id, metric) DO UPDATE SET "
        "value = excluded.value, captured_at = excluded.captured_at "
        # A concurrent writer with a newer capture keeps its value.
        "WHERE metriclatest.captured_at <= excluded.captured_at",
        (
            (pid, metric, value, bind(captured_at))
            for (pid, metric), (value, captured_at) in latest.items()
        ),
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
            .order_by(SNAPSHOT.c.publication_id, SNAPSHOT.c.captured_at, SNAPSHOT.c.id)
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
