"""The segment refresh a metric pull pays: incremental beside the full rebuild, same data, same run.

Builds the national data set (`bench.national.generate`) in a fresh SQLite file (or the empty
PostgreSQL database given). Each scenario then ingests one pull pass (`--publications` published
items, every metric of their platform, one capture each), brings the daily rollup up to date
(timed apart: the pass pays it either way), and times the segment refresh the pass runs
(`update_segments`, committed) and then a forced full rebuild of the same rows
(`refresh_segments`, rolled back), and checks that both wrote the same rows. Scenarios, in order:

- new day: a pass after every stored capture, on a day the campaign has no row on yet;
- same day: a second pass later that day (the usual pass);
- late: a pass whose captures fall on a busy day mid-campaign (08/12, before most series' newest
  captures), so every touched series changes from that day on.

    python -m bench.segment_bench [--scale 1.0] [--seed 1] [--publications 500] [--postgres-url URL]
"""

import argparse
import random
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session

from bench.national import FACEBOOK_METRICS, YOUTUBE_METRICS, ZONE, DatasetInfo, build
from campaigns.db import make_engine
from campaigns.metrics_store import SnapshotRow, ingest_snapshots
from campaigns.rollups import refresh_rollups
from campaigns.segments import RefreshReport, refresh_segments, segment_rows, update_segments

SCENARIOS = [
    ("new day", datetime(2026, 1, 10, 9, tzinfo=ZONE)),
    ("same day", datetime(2026, 1, 10, 15, tzinfo=ZONE)),
    ("late", datetime(2025, 12, 8, 15, tzinfo=ZONE)),
]


def pull(
    engine: Engine, info: DatasetInfo, count: int, at: datetime, seed: int
) -> list[SnapshotRow]:
    """One pass: `count` published items, each metric of their platform a bit above its newest
    value, captured at `at`."""
    with Session(engine) as s:
        newest = s.connection().execute(
            text(
                "SELECT l.publication_id, l.metric, l.value, c.platform FROM metriclatest l "
                "JOIN publication p ON p.id = l.publication_id "
                "JOIN channel c ON c.id = p.channel_id WHERE p.campaign_id = :cid"
            ),
            {"cid": info.campaign_id},
        )
        values: dict[int, dict[str, float]] = {}
        platform: dict[int, str] = {}
        for pid, metric, value, where in newest:
            values.setdefault(pid, {})[metric] = value
            platform[pid] = where
    chosen = random.Random(seed).sample(sorted(values), min(count, len(values)))
    rows = []
    for pid in chosen:
        metrics = YOUTUBE_METRICS if platform[pid] == "youtube" else FACEBOOK_METRICS
        for metric in metrics:
            value = values[pid].get(metric, 0.0)
            rows.append(SnapshotRow(pid, metric, float(round(value * 1.02 + 1)), at))
    return rows


def _close(values: Sequence[Any]) -> tuple[Any, ...]:
    """Sums to 9 significant digits: the two paths add the same values in another order."""
    return tuple(float(f"{v:.9g}") if isinstance(v, float) else str(v) for v in values)


def scenario(
    engine: Engine, info: DatasetInfo, name: str, at: datetime, count: int, seed: int
) -> tuple[str, float, RefreshReport, RefreshReport, bool]:
    rows = pull(engine, info, count, at, seed)
    with Session(engine) as s:
        ingest_snapshots(s, rows, ZONE)
        s.commit()
    with Session(engine) as s:
        began = time.perf_counter()
        refresh_rollups(s)
        s.commit()
        rollups = time.perf_counter() - began
    with Session(engine) as s:
        incremental = update_segments(s, info.campaign_id)
        s.commit()
    with Session(engine) as s:
        ours = segment_rows(s.connection(), info.campaign_id, _close)
        full = refresh_segments(s, info.campaign_id)
        same = ours == segment_rows(s.connection(), info.campaign_id, _close)
        s.rollback()
    return name, rollups, incremental, full, same


def run(engine: Engine, scale: float, seed: int, count: int) -> list[Any]:
    info = build(engine, scale, seed)
    return [
        scenario(engine, info, name, at, count, seed + n) for n, (name, at) in enumerate(SCENARIOS)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.segment_bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--publications", type=int, default=500, help="items per pull pass")
    parser.add_argument("--postgres-url", default=None, help="an empty, dedicated database")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres_url or f"sqlite:///{Path(tmp) / 'national.db'}"
        engine = make_engine(url)
        print(f"database: {engine.dialect.name}, sqlite {sqlite3.sqlite_version}")
        results = run(engine, args.scale, args.seed, args.publications)
        engine.dispose()
    print(
        f"{'pull pass':10} {'daily ms':>9} {'segments':>9} {'rows':>7} {'incr. ms':>9} "
        f"{'full ms':>9} {'full/incr.':>10}  same rows"
    )
    for name, rollups, inc, full, same in results:
        kind = "" if not inc.full else " (fell back to full)"
        print(
            f"{name:10} {rollups * 1000:9.0f} {inc.segments:9d} {inc.day_rows:7d} "
            f"{inc.seconds * 1000:9.0f} {full.seconds * 1000:9.0f} "
            f"{full.seconds / inc.seconds:10.1f}  {'yes' if same else 'NO'}{kind}"
        )
    return 0 if all(same for *_, same in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
