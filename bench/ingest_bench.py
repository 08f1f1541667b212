"""Snapshot ingestion beside bare baselines: the durable write, the rollup refresh, and both.

Loa's side, per chunk: `ingest_snapshots` (raw rows, MetricLatest, the pending-series list) and
its commit, then `refresh_rollups` (MetricDelta) and its commit in a transaction of its own, as
`pull_metrics` does. Both are timed apart and reported apart, and end to end.

SQLite: `sqlite3.executemany` of the same rows into a bare table (no index, no rollups, rows
already converted to tuples) in another file with the same pragmas. PostgreSQL (when one answers):
`COPY` of the same rows into a bare table. Only the writes and their commits are timed, in the
same chunks on both sides; generating the rows is not. Goal: at least half the raw rate.

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

import psycopg
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bench.national import ZONE, chunks, generate, rows
from campaigns.db import make_engine, upgrade
from campaigns.metrics_store import SnapshotRow, ingest_snapshots, refresh_rollups

DEFAULT_POSTGRES = os.environ.get(
    "LOA_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BARE_TABLE = (
    "CREATE TABLE bare (publication_id INTEGER, metric TEXT, value REAL, "
    "captured_at {ts}, source_metric TEXT)"
)


@dataclass(frozen=True)
class Result:
    engine: str
    rows: int
    ingest_seconds: float
    refresh_seconds: float
    baseline: str
    baseline_seconds: float

    def ratio(self, seconds: float) -> float:
        return self.baseline_seconds / seconds

    def lines(self) -> list[str]:
        ingest = self.ratio(self.ingest_seconds)
        both = self.ratio(self.ingest_seconds + self.refresh_seconds)
        verdict = "meets" if ingest >= 0.5 else "MISSES"
        return [
            f"{self.engine:10s} {self.rows:>10,d} rows  {self.baseline}"
            f" {self.rows / self.baseline_seconds:>11,.0f} rows/s ({self.baseline_seconds:.2f} s)",
            f"{self.engine:10s} ingest_snapshots {self.rows / self.ingest_seconds:>11,.0f} rows/s"
            f" ({self.ingest_seconds:.2f} s)  ratio {ingest:.2f} ({verdict} the 0.5 goal)",
            f"{self.engine:10s} refresh_rollups  {self.refresh_seconds:.2f} s",
            f"{self.engine:10s} end to end       "
            f"{self.rows / (self.ingest_seconds + self.refresh_seconds):>11,.0f} rows/s"
            f" ({self.ingest_seconds + self.refresh_seconds:.2f} s)  ratio {both:.2f}",
        ]


def _time_loa(engine: Engine, scale: float, seed: int) -> tuple[int, float, float]:
    info = generate(engine, scale, seed, snapshots=False)
    count, ingest, refresh = 0, 0.0, 0.0
    for chunk in chunks(rows(scale, seed, info.first_publication_id)):
        began = time.perf_counter()
        with Session(engine) as session:
            count += ingest_snapshots(session, chunk, ZONE)
            session.commit()
        middle = time.perf_counter()
        with Session(engine) as session:
            refresh_rollups(session)
            session.commit()
        ingest += middle - began
        refresh += time.perf_counter() - middle
    return count, ingest, refresh


def _sqlite_tuple(r: SnapshotRow) -> tuple[int, str, float, str, str]:
    at = r.captured_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return (r.publication_id, r.metric, r.value, at, r.source_metric)


def bench_sqlite(scale: float, seed: int, folder: Path) -> Result:
    engine = make_engine(f"sqlite:///{folder / 'loa.db'}")
    upgrade(engine)
    count, ingest, refresh = _time_loa(engine, scale, seed)
    engine.dispose()

    raw = sqlite3.connect(folder / "bare.db")
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
        raw.execute(f"PRAGMA {pragma}")
    raw.execute(BARE_TABLE.format(ts="TEXT"))
    raw.commit()
    baseline = 0.0
    for chunk in chunks(rows(scale, seed)):
        values = [_sqlite_tuple(r) for r in chunk]
        began = time.perf_counter()
        raw.executemany("INSERT INTO bare VALUES (?, ?, ?, ?, ?)", values)
        raw.commit()
        baseline += time.perf_counter() - began
    raw.close()
    return Result("sqlite", count, ingest, refresh, "executemany", baseline)


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


def bench_postgres(scale: float, seed: int, admin_url: str) -> Result:
    with _scratch_database(admin_url) as url:
        engine = make_engine(url)
        upgrade(engine)
        count, ingest, refresh = _time_loa(engine, scale, seed)
        engine.dispose()
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        baseline = 0.0
        with psycopg.connect(plain) as conn:
            conn.execute(BARE_TABLE.format(ts="TIMESTAMPTZ"))
            conn.commit()
            for chunk in chunks(rows(scale, seed)):
                values = [
                    (r.publication_id, r.metric, r.value, r.captured_at, r.source_metric)
                    for r in chunk
                ]
                began = time.perf_counter()
                with conn.cursor() as cur, cur.copy("COPY bare FROM STDIN") as copy:
                    for v in values:
                        copy.write_row(v)
                conn.commit()
                baseline += time.perf_counter() - began
    return Result("postgresql", count, ingest, refresh, "COPY", baseline)


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
