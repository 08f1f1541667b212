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

Writes are bulk statements on the driver connection (multi-row INSERTs on SQLite, `COPY` on
PostgreSQL for the raw rows, `INSERT ... ON CONFLICT` for the rollups): national campaigns write
millions of snapshots and per-row ORM objects would dominate the cost.
"""

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from psycopg.errors import UniqueViolation
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
from campaigns.sqlite_bulk import flatten_columns, insert_flat, insert_rows
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


@dataclass(frozen=True, slots=True)  # slots: a backfill holds millions; reads are faster too
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
    the number of rows given. Raises UserError for a metric outside the vocabulary, a value
    that is not a finite number or a publication that does not exist, and ValueError for a
    naive capture time; nothing is written then. Runs in the session's transaction; the caller
    commits.
    """
    if not rows:
        return 0
    conn = session.connection()
    batch = _Batch.of(rows, _stored_form(conn))
    campaign_of, stored = _publications(conn, batch.publication_ids())
    series = batch.series()

    latest: list[tuple[Any, ...]] = []
    pending: list[tuple[Any, ...]] = []
    replayed_keys: set[Key] = set()
    earliest: dict[int, int] = {}  # publication -> its series' earliest first point
    for key, (first, last) in series.items():
        pid, metric = key
        prev = stored.get(key)
        if prev is not None and first[0] <= _micros(prev[1]):
            replayed_keys.add(key)
        latest.append((pid, metric, last[1], last[2]))
        pending.append((pid, metric, first[2], zone.key))
        if first[0] < earliest.get(pid, first[0] + 1):
            earliest[pid] = first[0]

    fresh, replayed = batch.split(replayed_keys)
    _insert_snapshots(conn, fresh, replayed)
    _upsert_latest(conn, latest)
    _mark_pending(conn, pending)
    # Last: the counter's row lock (PostgreSQL) is then held only for the commit's wait. The
    # days are this batch's: a series still pending from an earlier ingest left its own change
    # listed, with its day, and listing merges to the earlier day.
    since = {pid: _day(micros, zone) for pid, micros in earliest.items()}
    bump_publications(conn, since.keys(), since, campaign_of)
    return len(rows)


# One getter per column: five C-level passes cost a tenth of transposing per-row tuples.
_FIELDS = tuple(
    attrgetter(name)
    for name in ("publication_id", "metric", "captured_at", "value", "source_metric")
)
# A series' first or last point: (UTC microseconds, value, stored capture time).
Edge = tuple[int, float, Any]
# Each vocabulary metric's small code, so that a series is one int64 (publication x slots +
# code) for the column-wise sort; more slots than metrics, fixed so that codes never overflow.
_METRIC_CODE = {name: code for code, name in enumerate(sorted(TERMS))}
_SLOTS = 1 << 8
assert len(_METRIC_CODE) < _SLOTS


class _Batch:
    """The rows of one call as columns, checked, with each capture time in its stored form.

    Built column-wise (C-level `map`/`zip`, and NumPy for the sort by series and time) rather
    than with a Python loop per row: a national backfill passes millions of rows, and per-row
    Python was a third of the write's time.
    """

    def __init__(
        self,
        pids: list[int],
        metrics: list[str],
        micros: "np.ndarray[Any, np.dtype[np.int64]]",
        values: list[float],
        stored: list[Any],
        sources: list[str],
        series_ids: "np.ndarray[Any, np.dtype[np.int64]]",
    ) -> None:
        self.pids, self.metrics, self.values = pids, metrics, values
        self.stored, self.sources = stored, sources
        self.micros, self.series_ids = micros, series_ids  # one int64 per row, for sorting

    @classmethod
    def of(cls, rows: Sequence[SnapshotRow], stored_times: "StoredTimes") -> "_Batch":
        """`stored_times` gives the stored form of capture times (see `_stored_form`)."""
        n = len(rows)
        pids, metrics, times, values, sources = (list(map(f, rows)) for f in _FIELDS)
        try:
            codes = np.fromiter(map(_METRIC_CODE.__getitem__, metrics), np.int64, n)
        except KeyError:
            row = next(r for r in rows if r.metric not in _METRIC_CODE)
            raise UserError(
                f"unknown metric {row.metric!r} for publication {row.publication_id}"
            ) from None
        try:
            numbers = np.array(values, dtype=np.float64)
        except (TypeError, ValueError):
            numbers = np.full(n, np.nan)  # named below, row by row
        if not np.isfinite(numbers).all():
            row = next(r for r in rows if not _finite(r.value))
            raise UserError(
                f"metric {row.metric} of publication {row.publication_id} is not a number"
            )
        values = numbers.tolist()  # an int from a caller is stored as the float it is
        # A pull's rows share a handful of capture-time objects (a backfill's, one per capture
        # of a publication): convert each object once, by identity (the rows keep them alive).
        ids = np.array(list(map(id, times)), dtype=np.uint64)
        _, first, at = np.unique(ids, return_index=True, return_inverse=True)
        moments = [times[i] for i in first.tolist()]
        distinct_micros = _micros_of(moments)
        micros = distinct_micros[at]
        stored_of = stored_times(moments, distinct_micros)
        stored = list(map(stored_of.__getitem__, at.tolist()))
        series_ids = np.array(pids, dtype=np.int64) * _SLOTS + codes
        return cls(pids, metrics, micros, values, stored, sources, series_ids)

    def publication_ids(self) -> set[int]:
        return set(self.pids)

    def series(self) -> dict[Key, tuple[Edge, Edge]]:
        """(first point, last point) of each (publication, metric) series in the batch, the rows
        first deduplicated where several share a capture time (the last arrival kept)."""
        n = len(self.pids)
        order = np.lexsort((self.micros, self.series_ids))  # stable: ties keep arrival order
        ids, micros = self.series_ids[order], self.micros[order]
        starts_series = np.empty(n, dtype=bool)
        starts_series[0] = True
        np.not_equal(ids[1:], ids[:-1], out=starts_series[1:])
        repeated = ~starts_series[1:] & (micros[1:] == micros[:-1])  # row i same key as i + 1
        if repeated.any():
            kept = np.ones(n, dtype=bool)
            kept[:-1] = ~repeated
            self._keep(order[kept].tolist())
            return self.series()
        firsts = order[starts_series]
        lasts = order[np.append(np.flatnonzero(starts_series)[1:] - 1, n - 1)]
        return {
            (self.pids[f], self.metrics[f]): (self._edge(f), self._edge(last))
            for f, last in zip(firsts.tolist(), lasts.tolist(), strict=True)
        }

    def _edge(self, i: int) -> Edge:
        return (int(self.micros[i]), self.values[i], self.stored[i])

    def _keep(self, rows: list[int]) -> None:
        """Only `rows` (indices), in that order."""
        pick = itemgetter(*rows) if len(rows) > 1 else (lambda column: (column[rows[0]],))
        self.pids, self.metrics, self.values, self.stored, self.sources = (
            list(pick(column))
            for column in (self.pids, self.metrics, self.values, self.stored, self.sources)
        )
        self.micros, self.series_ids = self.micros[rows], self.series_ids[rows]

    def split(self, replayed: set[Key]) -> tuple["_Rows", list[tuple[Any, ...]]]:
        """Snapshot rows (publication, metric, stored time, value, source): those of series with
        nothing stored at or after their first point (a plain insert), and the others."""
        columns = (self.pids, self.metrics, self.stored, self.values, self.sources)
        if not replayed:
            return _Rows(columns), []
        fresh: list[tuple[Any, ...]] = []
        again: list[tuple[Any, ...]] = []
        for row in zip(*columns, strict=True):
            (again if (row[0], row[1]) in replayed else fresh).append(row)
        return _Rows(rows=fresh), again


class _Rows:
    """A batch's rows, kept as columns where they can be: row tuples are made one at a time as
    a writer reads them (COPY), or not at all (`flat`, SQLite's multi-row INSERT).

    A list of a batch's 20,000 tuples made the garbage collector walk the whole heap again and
    again while it was built (each tuple counts as an allocation until it is freed), a fifth
    of an ingest's time; a tuple read and dropped at once is freed before it counts.
    """

    def __init__(
        self,
        columns: tuple[Sequence[Any], ...] = (),
        rows: list[tuple[Any, ...]] | None = None,
    ) -> None:
        self._columns, self._rows = columns, rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        if self._rows is not None:
            return iter(self._rows)
        return zip(*self._columns, strict=True)

    def __len__(self) -> int:
        if self._rows is not None:
            return len(self._rows)
        return len(self._columns[0]) if self._columns else 0

    def flat(self) -> list[Any]:
        """The values row after row, for `sqlite_bulk.insert_flat`."""
        if self._rows is not None:
            return list(chain.from_iterable(self._rows))
        return flatten_columns(self._columns)


def _publications(
    conn: Connection, ids: set[int]
) -> tuple[dict[int, int], dict[Key, tuple[float, datetime]]]:
    """Each publication's campaign and its stored MetricLatest, in one query per 500 ids.

    Refuses the batch when a publication id is unknown: the snapshot table has no foreign key,
    so the ids are checked here, by the same read that finds their latest values."""
    pub = Publication.__table__  # type: ignore[attr-defined]
    query = select(
        pub.c.id, pub.c.campaign_id, LATEST.c.metric, LATEST.c.value, LATEST.c.captured_at
    ).outerjoin(LATEST, LATEST.c.publication_id == pub.c.id)
    wanted = sorted(ids)
    campaign_of: dict[int, int] = {}
    latest: dict[Key, tuple[float, datetime]] = {}
    for chunk in _chunks(wanted):
        for pid, campaign_id, metric, value, captured_at in conn.execute(
            query.where(pub.c.id.in_(chunk))
        ).all():
            campaign_of[pid] = campaign_id
            if metric is not None:
                latest[(pid, metric)] = (value, captured_at)
    missing = [pid for pid in wanted if pid not in campaign_of]
    if missing:
        shown = ", ".join(str(pid) for pid in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise UserError(f"snapshots for unknown publication ids: {shown}{more}")
    return campaign_of, latest


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    """UTC microseconds since the epoch; refuses a naive time. (`timestamp()` is exact here:
    it divides whole microseconds by 10**6, and microseconds of this era are below 2**53.)"""
    return round(ensure_aware(moment).timestamp() * 1_000_000)


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(value)
    except TypeError:
        return False


def _micros_of(moments: list[datetime]) -> "np.ndarray[Any, np.dtype[np.int64]]":
    """`_micros` of each, column-wise (`rint` rounds half to even, as `round` does)."""
    if None in list(map(datetime.utcoffset, moments)):
        ensure_aware(next(m for m in moments if m.utcoffset() is None))  # raises, naming it
    seconds = np.fromiter(map(datetime.timestamp, moments), np.float64, len(moments))
    return np.rint(seconds * 1_000_000).astype(np.int64)


def _day(micros: int, zone: ZoneInfo) -> date:
    return (_EPOCH + timedelta(microseconds=micros)).astimezone(zone).date()


# Distinct capture times and their UTC microseconds -> each one's stored form, in that order.
StoredTimes = Callable[[list[datetime], "np.ndarray[Any, np.dtype[np.int64]]"], list[Any]]


def _stored_form(conn: Connection) -> StoredTimes:
    """Capture times as SQLAlchemy binds them in any query: UTC text with microseconds on
    SQLite; on PostgreSQL the aware times themselves (the driver sends each as its UTC instant).

    On SQLite the text is the column type's own bind processing (`UTCDateTime`, then the
    dialect's), built here from the microseconds by NumPy in one pass; a test holds the two
    equal. (Not sqlite3's own conversion of a naive datetime: it drops ".000000" on whole
    seconds, text that equality and >= comparisons with bound times then miss.)
    """
    if conn.dialect.name == "postgresql":
        return lambda moments, micros: moments
    return _sqlite_text


def _sqlite_text(
    moments: list[datetime], micros: "np.ndarray[Any, np.dtype[np.int64]]"
) -> list[Any]:
    iso = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
    return [text.replace("T", " ", 1) for text in iso.tolist()]


def _chunks(values: Sequence[Any], size: int = _ID_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@contextmanager
def _raw_cursor(conn: Connection) -> Iterator[Any]:
    """A cursor of the driver connection, inside the session's transaction: bulk statements
    skip SQLAlchemy's per-row compilation and binding."""
    raw: Any = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


_SNAPSHOT_COLUMNS = "publication_id, metric, captured_at, value, source_metric"
_SNAPSHOT_TYPES = ["int4", "varchar", "timestamptz", "float8", "varchar"]


def _insert_snapshots(
    conn: Connection, fresh: "_Rows", replayed: Sequence[tuple[Any, ...]]
) -> None:
    """`fresh` rows are newer than anything stored for their series, so their keys are new: a
    plain bulk insert (COPY on PostgreSQL). `replayed` rows may repeat a stored key."""
    if fresh and conn.dialect.name == "postgresql":
        try:
            # A concurrent ingest of the same captures, not yet committed when this one read
            # MetricLatest, makes a key "new" here too; its commit then fails the COPY. The
            # savepoint keeps the transaction, and those rows take the upsert below instead.
            with conn.begin_nested():
                _copy_snapshots(conn, fresh)
        except UniqueViolation:
            replayed = [*replayed, *fresh]
    elif fresh:
        with _raw_cursor(conn) as cursor:
            insert_flat(
                cursor, f"INSERT INTO metricsnapshot ({_SNAPSHOT_COLUMNS})", 5, fresh.flat()
            )
    _bulk_upsert(
        conn,
        "metricsnapshot",
        (
            ("publication_id", "int4"),
            ("metric", "text"),
            ("captured_at", "timestamptz"),
            ("value", "float8"),
            ("source_metric", "text"),
        ),
        "ON CONFLICT (publication_id, metric, captured_at) DO UPDATE SET "
        "value = excluded.value, source_metric = excluded.source_metric",
        replayed,
    )


def _copy_snapshots(conn: Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    """COPY is PostgreSQL's bulk path: several times faster than multi-row INSERTs. Binary:
    formatting and parsing timestamps as text was most of a text COPY's cost."""
    raw: Any = conn.connection.driver_connection
    with (
        raw.cursor() as cursor,
        cursor.copy(
            f"COPY metricsnapshot ({_SNAPSHOT_COLUMNS}) FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.set_types(_SNAPSHOT_TYPES)
        for row in rows:
            copy.write_row(row)


def _upsert_latest(conn: Connection, latest: Sequence[tuple[Any, ...]]) -> None:
    _bulk_upsert(
        conn,
        "metriclatest",
        (
            ("publication_id", "int4"),
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
            ("publication_id", "int4"),
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

    SQLite: multi-row INSERTs (`sqlite_bulk`). PostgreSQL: the rows are copied in binary
    into a temporary table of the same columns, then one INSERT ... SELECT upserts them all
    (executemany runs one statement per row; `unnest` of array parameters spent most of its
    time building the arrays in Python).
    """
    if not rows:
        return
    names = ", ".join(name for name, _ in columns)
    if conn.dialect.name != "postgresql":
        with _raw_cursor(conn) as cursor:
            insert_rows(cursor, f"INSERT INTO {table} ({names})", len(columns), rows, on_conflict)
        return
    stage = f"loa_stage_{table}"
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
            f"({', '.join(f'{name} {pg_type}' for name, pg_type in columns)}) "
            "ON COMMIT DELETE ROWS"
        )
        with cursor.copy(f"COPY {stage} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([pg_type for _, pg_type in columns])
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} {on_conflict}")
        cursor.execute(f"DELETE FROM {stage}")


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

    Only the two snapshots around each moment are read: the last one before it and the first one
    at or after it, each a seek on the snapshot key (publication, metric, capture time), instead
    of every item's whole series (about 25 captures an item at national scale).
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
        targets = {pid: at + age for pid, at in published.items()}
        for pid, before_at, before, after_at, after in _around(conn, metric, targets):
            if after_at is None or after is None:
                continue  # no capture reaches that age yet
            points = [] if before_at is None or before is None else [(before_at, before)]
            points.append((after_at, after))
            value = _interpolate(published[pid], points, targets[pid])
            if value is not None:
                out[pid] = value
    return out


# Per listed (publication, moment): the last snapshot of the metric before the moment and the
# first at or after it, each a correlated `ORDER BY captured_at LIMIT 1`: an index seek on the
# primary key (publication, metric, capture time) on SQLite and PostgreSQL alike. The list is
# two arrays on PostgreSQL (a statement of 1,000 placeholders took longer to parse than to run)
# and a CTE on SQLite (it cannot name the columns of `FROM (VALUES ...) AS wanted (...)`).
_AROUND = "SELECT wanted.pid, " + ", ".join(
    f"(SELECT {col} FROM metricsnapshot WHERE publication_id = wanted.pid AND metric = {{p}} "
    f"AND captured_at {op} wanted.target ORDER BY captured_at {order} LIMIT 1)"
    for op, order in (("<", "DESC"), (">=", "ASC"))
    for col in ("captured_at", "value")
)
_AROUND_PG = (
    _AROUND.replace("{p}", "%s")
    + " FROM unnest(%s::int4[], %s::timestamptz[]) AS wanted(pid, target)"
)
_AROUND_SQLITE = "WITH wanted(pid, target) AS (VALUES {rows}) " + _AROUND.replace("{p}", "?")
_AROUND_SQLITE += " FROM wanted"


def _around(
    conn: Connection, metric: str, targets: dict[int, datetime]
) -> list[tuple[int, datetime | None, float | None, datetime | None, float | None]]:
    """Per publication: (id, time and value of its last `metric` snapshot before its target
    moment, time and value of the first at or after it); None where there is none.

    A statement on the driver connection: SQLAlchemy took ten times the database's own time to
    compile a VALUES list of 500 rows, at every call (the list is data, never a cached form)."""
    pids = list(targets)
    moments = list(targets.values())
    if conn.dialect.name == "postgresql":
        sql, params = _AROUND_PG, [*[metric] * 4, pids, moments]
    else:
        sql = _AROUND_SQLITE.replace("{rows}", ", ".join(["(?, ?)"] * len(pids)))
        stored = _stored_form(conn)(moments, _micros_of(moments))
        params = [*chain.from_iterable(zip(pids, stored, strict=True)), *[metric] * 4]
    with _raw_cursor(conn) as cursor:
        cursor.execute(sql, params)
        return [
            (pid, _aware(before_at), before, _aware(after_at), after)
            for pid, before_at, before, after_at, after in cursor.fetchall()
        ]


def _aware(stored: Any) -> datetime | None:
    """A capture time as read raw: UTC text on SQLite, an aware time on PostgreSQL."""
    if stored is None or isinstance(stored, datetime):
        return stored
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


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
