"""Publishing benchmark: N publications due in the same minute over 160 Pages, against the
emulator with 100 ms latency, published by 1 and by 4 `loa run` processes on PostgreSQL (each
with `--concurrency` attempts in flight), beside bare APScheduler with its default thread pool
firing the same calls as plain jobs (facebook-sdk, no database) in the same run.

Lateness is call start minus planned time (Loa: the attempt row's start, written just before
the call); throughput is publications per second from the first call start to the last end.
Worker CPU is the user and system time of the `loa run` processes, start-up included, per post.

    python -m bench.publish_bench [--count 2000] [--workers 1,4] [--concurrency 8] [--postgres URL]
"""

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import facebook
import requests
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from campaigns.db import make_engine, upgrade
from campaigns.models import Attempt, Campaign, Channel, ContentItem, Publication
from campaigns.settings import get_settings
from connectors.emulator import Emulator

PAGES = 160
# APScheduler 3.11's default executor: ThreadPoolExecutor(max_workers=10) (executors/pool.py).
APSCHEDULER_THREADS = 10
LATENCY_MS = 100
DEFAULT_PG = os.environ.get(
    "LOA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Run:
    label: str
    count: int
    lateness_s: list[float]
    seconds: float
    shares: str = ""  # attempts per worker: does every worker get a share of the minute?
    cpu_s: float = 0.0  # CPU time of the worker processes (0: not measured, the baseline)

    @property
    def p50(self) -> float:
        return statistics.median(self.lateness_s)

    @property
    def p99(self) -> float:
        ordered = sorted(self.lateness_s)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]

    @property
    def throughput(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


def fresh_database(admin_url: str) -> tuple[str, str]:
    name = f"loa_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def seed(url: str, emulator: Emulator, count: int, due: datetime) -> None:
    """One campaign, 160 connected Pages, `count` approved posts all due at `due`."""
    from scheduler.credentials import store_credentials

    engine = make_engine(url)
    upgrade(engine)
    tokens = {p["id"]: p["access_token"] for p in emulator.accounts["facebook_pages"]}
    with Session(engine) as s:
        campaign = Campaign(
            key="bench", name="bench", starts=date(2025, 1, 1), ends=date(2030, 1, 1)
        )
        s.add(campaign)
        s.flush()
        assert campaign.id is not None
        channels = [
            Channel(
                campaign_id=campaign.id,
                key=f"page-{n}",
                platform="facebook",
                external_id=f"10425138{n:07d}",
                name=f"Page {n}",
            )
            for n in range(1, PAGES + 1)
        ]
        contents = [
            ContentItem(campaign_id=campaign.id, key=f"post-{i}", kind="post", message=f"Bài {i}")
            for i in range(count)
        ]
        s.add_all(channels)
        s.add_all(contents)
        s.flush()
        for channel in channels:
            store_credentials(s, "facebook", channel.external_id, tokens[channel.external_id])
        for i, content in enumerate(contents):
            channel = channels[i % PAGES]
            assert content.id is not None
            assert channel.id is not None
            s.add(
                Publication(
                    campaign_id=campaign.id,
                    content_id=content.id,
                    channel_id=channel.id,
                    dedupe_key=f"bench|{i}",
                    slot_at=due,
                    scheduled_at=due,
                    state="approved",
                )
            )
        s.commit()
    engine.dispose()


def measure_loa(url: str, label: str, count: int, due: datetime, cpu_s: float) -> Run:
    engine = make_engine(url)
    with Session(engine) as s:
        rows = s.exec(
            select(
                Attempt.started_at, Attempt.ended_at, Publication.scheduled_at, Attempt.worker_id
            ).join(
                Publication,
                Publication.id == Attempt.publication_id,  # type: ignore[arg-type]
            )
        ).all()
    engine.dispose()
    starts = [r[0] for r in rows]
    ends = [r[1] for r in rows if r[1] is not None]
    lateness = [(started - scheduled).total_seconds() for started, _, scheduled, _ in rows]
    span = (max(ends) - min(starts)).total_seconds() if ends else 0.0
    per_worker = Counter(r[3] for r in rows)
    shares = " ".join(f"{w}={n}" for w, n in sorted(per_worker.items()))
    return Run(label, count, lateness, span, shares, cpu_s)


def run_workers(url: str, env: dict[str, str], workers: int) -> float:
    """Start `workers` `loa run` processes, stop them once every row is published, and return
    the CPU seconds they used (the benchmark's only child processes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scheduler.cli",
                "run",
                "--worker-id",
                f"bench-{k}",
                "--poll-seconds",
                "0.5",
            ],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for k in range(workers)
    ]
    engine = make_engine(url)
    try:
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                left = conn.execute(
                    text(
                        "SELECT count(*) FROM publication WHERE state NOT IN "
                        "('published','failed','needs_review','missed','cancelled')"
                    )
                ).scalar_one()
            if left == 0:
                break
            time.sleep(0.5)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)
        engine.dispose()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def loa_run(
    emulator: Emulator, admin_url: str, home: Path, workers: int, count: int, concurrency: int
) -> Run:
    name, url = fresh_database(admin_url)
    try:
        env = {**os.environ, **emulator.env, "LOA_HOME": str(home), "LOA_DATABASE_URL": url}
        env["LOA_CONCURRENCY"] = str(concurrency)
        os.environ.update({"LOA_HOME": str(home), "LOA_DATABASE_URL": url})
        get_settings.cache_clear()
        due = (datetime.now(UTC) + timedelta(seconds=20)).replace(microsecond=0)
        seed(url, emulator, count, due)
        wait = (due - datetime.now(UTC)).total_seconds() - 8
        if wait > 0:
            time.sleep(wait)  # start the workers shortly before the minute, as a daemon would be
        cpu_s = run_workers(url, env, workers)
        return measure_loa(url, f"loa run x{workers} ({concurrency} each)", count, due, cpu_s)
    finally:
        drop_database(admin_url, name)


def apscheduler_run(emulator: Emulator, count: int) -> Run:
    """The baseline: plain APScheduler date jobs on its default executor (a pool of 10
    threads), each one facebook-sdk call, no database."""
    tokens = {p["id"]: p["access_token"] for p in emulator.accounts["facebook_pages"]}
    pages = [f"10425138{n:07d}" for n in range(1, PAGES + 1)]
    facebook.FACEBOOK_GRAPH_URL = emulator.base_url
    local = threading.local()
    lateness: list[float] = []
    ends: list[float] = []
    starts: list[float] = []
    lock = threading.Lock()
    due = datetime.now(UTC) + timedelta(seconds=3)

    def graph(token: str) -> facebook.GraphAPI:
        if not hasattr(local, "session"):
            session = requests.Session()
            session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
            session.verify = str(emulator.ca_file)
            local.session = session
        api = facebook.GraphAPI(access_token=token, version="3.1", session=local.session)
        api.version = "v23.0"
        return api

    def post(i: int) -> None:
        start = time.time()
        page = pages[i % PAGES]
        graph(tokens[page]).put_object(page, "feed", message=f"APScheduler {i}")
        with lock:
            starts.append(start)
            ends.append(time.time())
            lateness.append(start - due.timestamp())

    scheduler = BackgroundScheduler(timezone=UTC)  # its default executor, untouched
    for i in range(count):
        scheduler.add_job(post, "date", run_date=due, args=[i], misfire_grace_time=3600)
    scheduler.start()
    while len(ends) < count:
        time.sleep(0.2)
    scheduler.shutdown()
    label = f"APScheduler ({APSCHEDULER_THREADS} threads)"
    return Run(label, count, lateness, max(ends) - min(starts))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.publish_bench", description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--workers", default="1,4", help="Comma-separated worker counts.")
    parser.add_argument("--concurrency", type=int, default=8, help="Attempts in flight per worker.")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="Admin URL of a PostgreSQL server.")
    args = parser.parse_args(argv)
    runs: list[Run] = []
    with (
        tempfile.TemporaryDirectory(prefix="loa-bench-") as tmp,
        Emulator(Path(tmp) / "emulator", pages=PAGES, latency_ms=LATENCY_MS) as emulator,
    ):
        baseline = apscheduler_run(emulator, args.count)
        emulator.reset()
        for workers in (int(w) for w in args.workers.split(",")):
            home = Path(tmp) / f"home{workers}"
            runs.append(
                loa_run(emulator, args.postgres, home, workers, args.count, args.concurrency)
            )
            emulator.reset()
    print(
        f"\nPublishing {args.count} posts due in one minute over {PAGES} Pages, {LATENCY_MS} ms latency"
    )
    print(
        f"{'run':<26}{'p50 late s':>12}{'p99 late s':>12}{'posts/s':>10}{'p99 ratio':>11}"
        f"{'rate ratio':>12}{'cpu ms/post':>13}"
    )
    for run in [baseline, *runs]:
        print(
            f"{run.label:<26}{run.p50:>12.2f}{run.p99:>12.2f}{run.throughput:>10.1f}"
            f"{run.p99 / baseline.p99 if baseline.p99 else 0:>11.2f}"
            f"{run.throughput / baseline.throughput if baseline.throughput else 0:>12.2f}"
            + (f"{1000 * run.cpu_s / run.count:>13.1f}" if run.cpu_s else f"{'-':>13}")
        )
    for run in runs:
        print(f"{run.label}: attempts per worker {run.shares}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
