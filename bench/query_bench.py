"""Scorecard and breakdown queries on the rollups beside DuckDB on the raw snapshots.

Builds the national data set (`bench.national.generate`) in a fresh SQLite file (or the
PostgreSQL database given), loads the very same snapshot rows and outbox tables into an
in-memory DuckDB, and asks both the same questions:

- scorecard (final): every KPI after the last capture (Loa reads MetricLatest); DuckDB takes the
  newest value per (publication, metric) with `arg_max` and sums it per platform and metric;
- scorecard (mid-campaign, 01/12 12:00): Loa sums MetricDelta up to that day; DuckDB takes the
  newest value at or before that moment;
- breakdown of reach by unit, of the engagement rate by channel (over the publications reporting
  reach), and reach gained per day (DuckDB: `lag` over each series).

On PostgreSQL the tables are analyzed once the data set is built, as a running server's
autovacuum would soon after such a load (a fresh load has no statistics and the planner then
scans whole indexes).

Each question runs once to warm caches, then `--repeat` times; the best time counts. The ratio
is DuckDB's time over Loa's: above 1 means the rollups answer faster. Goal: at least 1 for the
scorecard. The scorecard reads the segment rollup (`campaigns.segments`), which metric pulls
(and the generator) rebuild after writing: its full rebuild is timed apart ("segment refresh",
once, beside no baseline), then the freshness check a scorecard makes on current rows, and the
scorecard times are steady state (that check included, as a user sees them); the same
scorecard through the per-publication rollups is printed for comparison.

    python -m bench.query_bench [--scale 1.0] [--seed 1] [--repeat 3] [--postgres-url URL]
"""

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import Engine, text
from sqlmodel import Session

from analytics_app.engine.breakdowns import breakdown
from analytics_app.engine.scorecard import scorecard
from bench.national import ZONE, build
from campaigns.db import make_engine
from campaigns.segments import ensure_segments, refresh_segments

FINAL = datetime(2026, 2, 1, tzinfo=ZONE)  # after every capture of the data set
MID = datetime(2025, 12, 1, 12, tzinfo=ZONE)

_LATEST_SQL = """
WITH latest AS (
  SELECT publication_id, metric, arg_max(value, captured_at) AS v
  FROM snap WHERE captured_at <= $as_of {metric_filter} GROUP BY ALL
)
"""
DUCK_SCORECARD = (
    _LATEST_SQL.format(metric_filter="")
    + """
SELECT c.platform, l.metric, sum(l.v) FROM latest l
JOIN pub p ON p.id = l.publication_id JOIN channel c ON c.id = p.channel_id
GROUP BY ALL
"""
)
DUCK_BY_UNIT = (
    _LATEST_SQL.format(metric_filter="AND metric = 'reach'")
    + """
SELECT u.key, sum(l.v) AS reach FROM latest l
JOIN pub p ON p.id = l.publication_id JOIN channel c ON c.id = p.channel_id
LEFT JOIN unit u ON u.id = c.unit_id
GROUP BY ALL ORDER BY reach DESC
"""
)
# Engagements over reach per channel, over the publications reporting reach by then.
DUCK_RATE_BY_CHANNEL = (
    _LATEST_SQL.format(
        metric_filter="AND metric IN ('reach', 'reactions', 'comments', 'shares', 'clicks')"
    )
    + """
SELECT c.key, sum(l.v) FILTER (WHERE l.metric <> 'reach')
    / nullif(sum(l.v) FILTER (WHERE l.metric = 'reach'), 0) AS rate
FROM latest l JOIN pub p ON p.id = l.publication_id JOIN channel c ON c.id = p.channel_id
WHERE l.publication_id IN (SELECT publication_id FROM latest WHERE metric = 'reach')
GROUP BY ALL ORDER BY rate DESC
"""
)
# Asia/Ho_Chi_Minh has no daylight saving: its day is the UTC time shifted by 7 hours.
DUCK_BY_DAY = """
SELECT CAST(captured_at + INTERVAL 7 HOUR AS DATE) AS day, sum(growth) FROM (
  SELECT captured_at, value - coalesce(lag(value) OVER (
    PARTITION BY publication_id ORDER BY captured_at), 0) AS growth
  FROM snap WHERE metric = 'reach'
) WHERE captured_at <= $as_of GROUP BY ALL ORDER BY day
"""


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    """Seconds of the fastest of `repeat` runs, after one warm-up run."""
    fn()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def load_duckdb(engine: Engine) -> duckdb.DuckDBPyConnection:
    """The same snapshot rows and outbox tables, copied into an in-memory DuckDB."""
    duck = duckdb.connect(":memory:")
    with engine.connect() as conn:
        frames = {
            "snap": "SELECT publication_id, metric, value, captured_at FROM metricsnapshot",
            "pub": "SELECT id, channel_id, content_id, state, published_at FROM publication",
            "channel": "SELECT id, platform, unit_id, key FROM channel",
            "unit": "SELECT id, key FROM unit",
        }
        for name, sql in frames.items():
            frame = pd.read_sql_query(text(sql), conn)
            for column in ("captured_at", "published_at"):
                if column in frame:
                    frame[column] = pd.to_datetime(frame[column], utc=True)
            duck.register("frame", frame)
            duck.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            duck.unregister("frame")
    return duck


def run(engine: Engine, scale: float, seed: int, repeat: int) -> list[tuple[str, float, float]]:
    info = build(engine, scale, seed)
    duck = load_duckdb(engine)
    count = duck.execute("SELECT count(*) FROM snap").fetchone()
    print(f"duckdb: {count[0] if count else 0:,} snapshot rows loaded")
    key = info.campaign_key
    # generate() left the segments current, as a metric pull does; a forced full rebuild shows
    # what the pull pays after its pass (nothing of it falls on the scorecard any more).
    with Session(engine) as s:
        report = refresh_segments(s, info.campaign_id)
        s.commit()
    print(
        f"segment refresh (full rebuild, paid by the pull): {report.seconds * 1000:.0f} ms "
        f"({report.segments} segments, {report.day_rows:,} day rows, "
        f"{report.latest_rows:,} latest rows, {report.days} days)"
    )
    if engine.dialect.name == "postgresql":
        # A running server's autovacuum analyzes tables this size within a minute of the load;
        # without statistics the planner guesses one row per table and scans whole indexes.
        began = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        print(f"analyze (steady state, as autovacuum): {time.perf_counter() - began:.1f} s")

    def freshness() -> object:
        with Session(engine) as s:
            return ensure_segments(s, info.campaign_id)

    print(f"freshness check (current rows): {best_of(repeat, freshness) * 1000:.2f} ms")

    def loa(fn: Callable[[Session], object]) -> Callable[[], object]:
        def go() -> object:
            with Session(engine) as s:
                return fn(s)

        return go

    def duck_q(sql: str, as_of: datetime) -> Callable[[], object]:
        return lambda: duck.execute(sql, {"as_of": as_of}).fetchall()

    questions: Sequence[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            "scorecard (final)",
            loa(lambda s: scorecard(s, key, FINAL)),
            duck_q(DUCK_SCORECARD, FINAL),
        ),
        (
            "scorecard (mid-campaign)",
            loa(lambda s: scorecard(s, key, MID)),
            duck_q(DUCK_SCORECARD, MID),
        ),
        (
            "scorecard (final, per pub.)",
            loa(lambda s: scorecard(s, key, FINAL, per_publication=True)),
            duck_q(DUCK_SCORECARD, FINAL),
        ),
        (
            "scorecard (mid, per pub.)",
            loa(lambda s: scorecard(s, key, MID, per_publication=True)),
            duck_q(DUCK_SCORECARD, MID),
        ),
        (
            "reach by unit (final)",
            loa(lambda s: breakdown(s, key, "reach", "unit", FINAL)),
            duck_q(DUCK_BY_UNIT, FINAL),
        ),
        (
            "reach by unit (mid-campaign)",
            loa(lambda s: breakdown(s, key, "reach", "unit", MID)),
            duck_q(DUCK_BY_UNIT, MID),
        ),
        (
            "engagement rate by channel (mid)",
            loa(lambda s: breakdown(s, key, "engagement_rate", "channel", MID)),
            duck_q(DUCK_RATE_BY_CHANNEL, MID),
        ),
        (
            "reach gained per day",
            loa(lambda s: breakdown(s, key, "reach", "day", FINAL)),
            duck_q(DUCK_BY_DAY, FINAL),
        ),
    ]
    results = []
    for name, ours, theirs in questions:
        results.append((name, best_of(repeat, ours), best_of(repeat, theirs)))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.query_bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", default=None, help="an empty, dedicated database")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres_url or f"sqlite:///{Path(tmp) / 'national.db'}"
        engine = make_engine(url)
        print(
            f"database: {engine.dialect.name}, sqlite {sqlite3.sqlite_version}, duckdb {duckdb.__version__}"
        )
        results = run(engine, args.scale, args.seed, args.repeat)
        engine.dispose()
    print(f"{'question':32} {'loa ms':>9} {'duckdb ms':>10} {'duckdb/loa':>11}")
    for name, ours, theirs in results:
        print(f"{name:32} {ours * 1000:9.1f} {theirs * 1000:10.1f} {theirs / ours:11.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
