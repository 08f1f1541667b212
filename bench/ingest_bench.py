"""Snapshot ingestion beside bare baselines: the durable write, the rollup refresh, and both.

Loa's side, per chunk: `ingest_snapshots` (raw rows, MetricLatest, the pending-series list) and
its commit, then `refresh_rollups` (MetricDelta) and its commit in a transaction of its own, as
`pull_metrics` does. Both are timed apart and reported apart, and end to end.

SQLite: `sqlite3.executemany` of the same rows into a bare table (no index, no rollups, rows
already converted to tuples) in another file with the same pragmas, and into a table with the
snapshot table's key (what storing them at all costs, Loa's work around it left out). Loa
itself writes multi-row INSERTs (`campaigns.sqlite_bulk`), faster than `executemany`; the same
statements into a bare table are printed too, for reference (no verdict: the goal is set
against `executemany`), so that what Loa spends around the raw write stays visible.
PostgreSQL (when one answers): `COPY` of the same rows into a bare table, twice: in psycopg's
default text format and in binary (what Loa itself uses; text formatting and parsing of
timestamps is most of a text COPY), and in binary into a table with the snapshot table's key.
Only the writes and their commits are timed, in the same chunks on both sides; generating the
rows is not. Goal: at least half the raw rate; the verdict is printed against each baseline
but the reference one.

    python -m bench.ingest_bench [--scale 0.25] [--postgres-url URL | --no-postgres]
"""

import argparse
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bench.national import ZONE, chunks, generate, rows
from campaigns.db import SQLITE_PRAGMAS, make_engine, upgrade
from campaigns.metrics_store import SnapshotRow, ingest_snapshots, refresh_rollups
from campaigns.sqlite_bulk import insert_rows

DEFAULT_POSTGRES = os.environ.get(
    "LOA_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BARE_TABLE = (
    "CREATE TABLE {name} (publication_id INTEGER, metric TEXT, value {real}, "
    "captured_at {ts}, source_metric TEXT)"
)
# The same columns under the snapshot table's key (a capture repeated must replace, not add), so
# that the share of the gap the key itself costs is measured beside what Loa does around it.
KEYED_TABLE = (
    "CREATE TABLE {name} (publication_id INTEGER, metric TEXT, value {real}, "
    "captured_at {ts}, source_metric TEXT, PRIMARY KEY (publication_id, metric, captured_at))"
    "{without_rowid}"
)


@dataclass(frozen=True)
class Result:
    engine: str
    rows: int
    ingest_seconds: float
    refresh_seconds: float
    baselines: tuple[tuple[str, float], ...]  # (name, seconds)
    references: tuple[str, ...] = ()  # baselines shown for reference, with no verdict

    def lines(self) -> list[str]:
        out = [
            f"{self.engine:10s} {self.rows:>10,d} rows  {name:19s}"
            f" {self.rows / seconds:>11,.0f} rows/s ({seconds:.2f} s)"
            for name, seconds in self.baselines
        ]
        total = self.ingest_seconds + self.refresh_seconds
        for label, seconds in (("ingest_snapshots", self.ingest_seconds), ("end to end", total)):
            ratios = "  ".join(f"{base / seconds:.2f} of {name}" for name, base in self.baselines)
            out.append(
                f"{self.engine:10s} {label:16s} {self.rows / seconds:>11,.0f} rows/s"
                f" ({seconds:.2f} s)  ratio {ratios}"
            )
            if label == "ingest_snapshots":
                out.append(f"{self.engine:10s} refresh_rollups  {self.refresh_seconds:.2f} s")
        for name, base in self.baselines:
            if name in self.references:
                continue
            goal = base / self.ingest_seconds
            out.append(
                f"{self.engine:10s} ingestion {'meets' if goal >= 0.5 else 'MISSES'} the 0.5 goal"
                f" against {name} ({goal:.2f})"
            )
        return out


MULTIROW = "multi-row INSERT"


class _Loa:
    """Loa's side, one chunk at a time: ingest and commit, then refresh and commit."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rows = 0
        self.ingest = 0.0
        self.refresh = 0.0

    def write(self, chunk: list[SnapshotRow]) -> None:
        began = time.perf_counter()
        with Session(self.engine) as session:
            self.rows += ingest_snapshots(session, chunk, ZONE)
            session.commit()
        middle = time.perf_counter()
        with Session(self.engine) as session:
            refresh_rollups(session)
            session.commit()
        self.ingest += middle - began
        self.refresh += time.perf_counter() - middle


def _interleaved(scale: float, seed: int, first_id: int, loa: _Loa, *bases: Any) -> None:
    """Chunk after chunk, each baseline writes it, then Loa: a load that comes and goes on a
    shared machine falls on both sides alike instead of on whichever ran in its minute."""
    base_rows = chunks(rows(scale, seed))
    for chunk in chunks(rows(scale, seed, first_id)):
        same = next(base_rows)
        for base in bases:
            base.write(same)
        loa.write(chunk)


def _sqlite_tuple(r: SnapshotRow) -> tuple[int, str, float, str, str]:
    at = r.captured_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return (r.publication_id, r.metric, r.value, at, r.source_metric)


class _RawSqlite:
    """`sqlite3.executemany` of ready tuples into a bare table (or, `keyed`, one with the
    snapshot table's key, WITHOUT ROWID as Loa's), in a file with Loa's pragmas; `multirow`:
    the same tuples in Loa's multi-row INSERTs instead."""

    def __init__(self, path: Path, *, keyed: bool = False, multirow: bool = False) -> None:
        self.multirow = multirow
        self.raw = sqlite3.connect(path)
        for pragma in SQLITE_PRAGMAS:
            self.raw.execute(f"PRAGMA {pragma}")
        shape = KEYED_TABLE if keyed else BARE_TABLE
        self.raw.execute(
            shape.format(name="t", real="REAL", ts="TEXT", without_rowid=" WITHOUT ROWID")
        )
        self.raw.commit()
        self.seconds = 0.0

    def write(self, chunk: list[SnapshotRow]) -> None:
        values = [_sqlite_tuple(r) for r in chunk]
        began = time.perf_counter()
        if self.multirow:
            cursor = self.raw.cursor()
            insert_rows(cursor, "INSERT INTO t", 5, values)
            cursor.close()
        else:
            self.raw.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", values)
        self.raw.commit()
        self.seconds += time.perf_counter() - began

    def checkpoint(self) -> None:
        began = time.perf_counter()
        self.raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.seconds += time.perf_counter() - began
        self.raw.close()


def bench_sqlite(scale: float, seed: int, folder: Path) -> Result:
    engine = make_engine(f"sqlite:///{folder / 'loa.db'}")
    upgrade(engine)
    info = generate(engine, scale, seed, snapshots=False)
    loa, bare = _Loa(engine), _RawSqlite(folder / "bare.db")
    keyed = _RawSqlite(folder / "keyed.db", keyed=True)
    multirow = _RawSqlite(folder / "multirow.db", multirow=True)
    _interleaved(scale, seed, info.first_publication_id, loa, bare, keyed, multirow)
    # What is still in each WAL is written back to its database, timed on both sides (Loa's
    # holds the rollups' pages too; counted against ingestion, the stricter choice).
    for base in (bare, keyed, multirow):
        base.checkpoint()
    began = time.perf_counter()
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    loa.ingest += time.perf_counter() - began
    engine.dispose()
    baselines = (
        ("executemany", bare.seconds),
        ("keyed executemany", keyed.seconds),
        (MULTIROW, multirow.seconds),
    )
    return Result("sqlite", loa.rows, loa.ingest, loa.refresh, baselines, (MULTIROW,))


@contextmanager
def _scratch_database(admin_url: str) -> Iterator[str]:
    name = f"loa_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class _Copy:
    """COPY of the same rows into a bare table: psycopg's default (text) or binary format."""

    def __init__(self, conn: psycopg.Connection[Any], *, binary: bool, keyed: bool = False) -> None:
        self.conn, self.binary = conn, binary
        self.table = ("keyed_" if keyed else "bare_") + ("binary" if binary else "text")
        shape = KEYED_TABLE if keyed else BARE_TABLE
        conn.execute(
            shape.format(
                name=self.table, real="DOUBLE PRECISION", ts="TIMESTAMPTZ", without_rowid=""
            )
        )
        conn.commit()
        self.statement = f"COPY {self.table} FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
        self.seconds = 0.0

    def write(self, chunk: list[SnapshotRow]) -> None:
        values = [
            (r.publication_id, r.metric, r.value, r.captured_at, r.source_metric) for r in chunk
        ]
        began = time.perf_counter()
        with self.conn.cursor() as cur, cur.copy(self.statement) as copy:
            if self.binary:
                copy.set_types(["int4", "text", "float8", "timestamptz", "text"])
            for v in values:
                copy.write_row(v)
        self.conn.commit()
        self.seconds += time.perf_counter() - began


def bench_postgres(scale: float, seed: int, admin_url: str) -> Result:
    with _scratch_database(admin_url) as url:
        engine = make_engine(url)
        upgrade(engine)
        info = generate(engine, scale, seed, snapshots=False)
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(plain) as conn:
            loa = _Loa(engine)
            text_copy, binary_copy = _Copy(conn, binary=False), _Copy(conn, binary=True)
            keyed_copy = _Copy(conn, binary=True, keyed=True)
            _interleaved(
                scale, seed, info.first_publication_id, loa, text_copy, binary_copy, keyed_copy
            )
        engine.dispose()
    baselines = (
        ("COPY (text)", text_copy.seconds),
        ("COPY (binary)", binary_copy.seconds),
        ("keyed COPY (binary)", keyed_copy.seconds),
    )
    return Result("postgresql", loa.rows, loa.ingest, loa.refresh, baselines)


def _postgres_answers(url: str) -> bool:
    try:
        probe = create_engine(url, connect_args={"connect_timeout": 3})
        with probe.connect() as conn:
            conn.execute(text("select 1"))
        probe.dispose()
    except Exception:  # no server: the PostgreSQL half is skipped, with a note
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=0.25, help="1.0 = 3.8 M snapshot rows")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    print(f"Snapshot ingestion, scale {args.scale} (seed {args.seed})")
    results = []
    with tempfile.TemporaryDirectory(prefix="loa-ingest-") as folder:
        results.append(bench_sqlite(args.scale, args.seed, Path(folder)))
        print("\n".join(results[-1].lines()), flush=True)
    if args.no_postgres:
        pass
    elif _postgres_answers(args.postgres_url):
        results.append(bench_postgres(args.scale, args.seed, args.postgres_url))
        print("\n".join(results[-1].lines()), flush=True)
    else:
        print("postgresql: skipped (no server answers at --postgres-url)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
