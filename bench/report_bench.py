"""Weekly and final report generation on the national data set, beside openpyxl alone.

Builds the national data set (`bench.national.generate`) in a fresh SQLite file (or the
PostgreSQL database given), then times:

- Loa: `build_weekly` (week 2025-W48) and `build_final` — every section read from the objective
  engine (two scorecards, breakdowns by day, channel, unit and audience, six equal-age rankings,
  execution counts at three moments) — then the workbook and the self-contained page written;
  the PDF (headless Chromium) is timed apart with `--pdf`, as it costs the same whatever the data;
- baseline: the rows the report rests on read with one plain SQL statement (every publication
  with its channel, unit, content kind and latest reach, views and engagement parts) and written
  into a workbook with openpyxl alone, one row per publication: no rules, no charts, no page.

Each runs once to warm caches, then `--repeat` times; the best time counts. The ratio is Loa's
time over the baseline's: how many times a bare export Loa's report costs.

    python -m bench.report_bench [--scale 1.0] [--seed 1] [--repeat 1] [--pdf] [--postgres-url URL]
"""

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Engine, text
from sqlmodel import Session

from analytics_app.reports import IsoWeek, build_final, build_weekly
from analytics_app.reports.content import Report
from analytics_app.reports.html import write_html
from analytics_app.reports.pdf import chromium_missing, write_pdf
from analytics_app.reports.xlsx import write_xlsx
from bench.national import ZONE, build
from campaigns.db import make_engine

NOW = datetime(2026, 2, 1, tzinfo=ZONE)  # after every capture of the data set
WEEK = IsoWeek.parse("2025-W48")
CHROMIUM = "/usr/bin/chromium"

BASELINE_SQL = """
SELECT p.id, c.key, c.platform, u.key, ct.key, ct.kind, p.state, p.scheduled_at, p.published_at,
       sum(CASE WHEN l.metric = 'reach' THEN l.value END),
       sum(CASE WHEN l.metric = 'views' THEN l.value END),
       sum(CASE WHEN l.metric IN ('reactions', 'comments', 'shares', 'clicks') THEN l.value END)
FROM publication p
JOIN channel c ON c.id = p.channel_id
LEFT JOIN unit u ON u.id = c.unit_id
JOIN contentitem ct ON ct.id = p.content_id
LEFT JOIN metriclatest l ON l.publication_id = p.id
WHERE p.campaign_id = :cid
GROUP BY p.id, c.key, c.platform, u.key, ct.key, ct.kind, p.state, p.scheduled_at,
         p.published_at
ORDER BY p.id
"""
HEADERS = [
    "id",
    "channel",
    "platform",
    "unit",
    "content",
    "kind",
    "state",
    "scheduled_at",
    "published_at",
    "reach",
    "views",
    "engagements",
]


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    """Seconds of the fastest of `repeat` runs, after one warm-up run."""
    fn()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def baseline(engine: Engine, campaign_id: int, out: Path) -> int:
    """The report's rows read with one statement and written with openpyxl alone."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADERS)
    n = 0
    with engine.connect() as conn:
        for row in conn.execute(text(BASELINE_SQL), {"cid": campaign_id}):
            values = list(row)
            for i in (7, 8):  # Excel has no time zones
                if isinstance(values[i], datetime):
                    values[i] = values[i].replace(tzinfo=None)
            ws.append(values)
            n += 1
    wb.save(out)
    return n


def loa(engine: Engine, key: str, out: Path, kind: str) -> Report:
    with Session(engine) as s:
        if kind == "weekly":
            report = build_weekly(s, key, now=NOW, week=WEEK)
        else:
            report = build_final(s, key, now=NOW)
    write_xlsx(report, out / f"{report.stem}.xlsx")
    write_html(report, out / f"{report.stem}.html")
    return report


def run(
    engine: Engine, scale: float, seed: int, repeat: int, pdf: bool, out: Path
) -> list[tuple[str, float, float]]:
    info = build(engine, scale, seed)
    key = info.campaign_key
    rows = baseline(engine, info.campaign_id, out / "baseline.xlsx")
    print(f"baseline: {rows:,} rows per workbook")
    base = best_of(repeat, lambda: baseline(engine, info.campaign_id, out / "baseline.xlsx"))
    results = []
    for kind in ("weekly", "final"):
        ours = best_of(repeat, lambda kind=kind: loa(engine, key, out, kind))  # type: ignore[misc]
        results.append((f"{kind} report (xlsx + html)", ours, base))
        with Session(engine) as s:
            began = time.perf_counter()
            if kind == "weekly":
                build_weekly(s, key, now=NOW, week=WEEK)
            else:
                build_final(s, key, now=NOW)
            print(f"{kind}: reading the engine {time.perf_counter() - began:.2f} s of {ours:.2f} s")
    if pdf:
        why = chromium_missing(CHROMIUM)
        if why:
            print(why)
        else:
            report = loa(engine, key, out, "weekly")
            page = out / f"{report.stem}.html"
            began = time.perf_counter()
            write_pdf(page, out / f"{report.stem}.pdf", len(report.charts), CHROMIUM)
            print(f"weekly PDF (Chromium): {time.perf_counter() - began:.2f} s")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pdf", action="store_true", help="also time the PDF")
    parser.add_argument("--postgres-url", default=None, help="an empty, dedicated database")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres_url or f"sqlite:///{Path(tmp) / 'national.db'}"
        engine = make_engine(url)
        print(f"database: {engine.dialect.name}")
        results = run(engine, args.scale, args.seed, args.repeat, args.pdf, Path(tmp))
        engine.dispose()
    print(f"{'report':28} {'loa s':>8} {'openpyxl s':>11} {'loa/openpyxl':>13}")
    for name, ours, theirs in results:
        print(f"{name:28} {ours:8.2f} {theirs:11.2f} {ours / theirs:13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
