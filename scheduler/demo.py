"""`loa demo`: the Action Month in about two minutes, against an in-process emulator.

A private home (`.loa/demo`, recreated each run), the emulator and Loa on one AcceleratedClock
starting 2025-11-14 17:00 UTC (midnight in Ha Noi before the launch), the reference campaign
imported, every channel connected with the emulator's accounts, everything approved by a
manager, then the real scheduler (dispatcher, hand-off) publishing as the emulated month goes
by, metrics pulled, and the scorecard printed.

At this speed one real second is hours of campaign time, so the demo widens the lease and the
grace period by the same factor: a call that takes 50 ms real is minutes of emulated time.
"""

import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from campaigns.db import make_engine, session_scope, upgrade
from campaigns.importer import import_campaign
from campaigns.models import Campaign, Channel, Publication
from campaigns.publications import approve
from campaigns.settings import Settings, get_settings
from connectors.emulator import Emulator
from connectors.emulator.clock import AcceleratedClock
from scheduler.credentials import store_credentials
from scheduler.dispatcher import RealConnectors
from scheduler.handoff import HandOff
from scheduler.worker import run_once

REFERENCE = Path(__file__).resolve().parents[1] / "campaigns" / "action_month_2025.yaml"
START = datetime(2025, 11, 14, 17, 0, tzinfo=UTC)
END = datetime(2025, 12, 15, 17, 0, tzinfo=UTC)  # midnight after the last day in Ha Noi
WORKER = "demo-worker"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class DemoResult:
    home: Path
    campaign: str
    states: dict[str, int]
    emulator_objects: int
    real_seconds: float
    speed: float
    metrics_pulled: int = 0
    scorecard: list[dict[str, Any]] = field(default_factory=list)


def speed_for(minutes: float) -> float:
    """Emulated seconds per real second so that the month lasts `minutes` of real time."""
    return (END - START).total_seconds() / (minutes * 60)


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Point every part of Loa that reads settings at the demo, and restore afterwards."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
        get_settings.cache_clear()


def connect_all(session: Session, emulator: Emulator) -> int:
    """Store the emulator's token for every channel of every campaign."""
    accounts = emulator.accounts
    pages = {p["id"]: p["access_token"] for p in accounts["facebook_pages"]}
    channels = {c["id"]: c["credentials"] for c in accounts["youtube_channels"]}
    connected = 0
    for channel in session.exec(select(Channel)).all():
        if channel.platform == "facebook" and channel.external_id in pages:
            secret = pages[channel.external_id]
        elif channel.platform == "youtube" and channel.external_id in channels:
            doc = channels[channel.external_id]
            secret = doc if isinstance(doc, str) else json.dumps(doc)
        else:
            continue
        store_credentials(session, channel.platform, channel.external_id, secret)
        connected += 1
    return connected


def state_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.exec(
            select(Publication.state, func.count()).group_by(col(Publication.state))
        ).all()
    return {str(state): int(n) for state, n in rows}


def _describe(counts: dict[str, int], now: datetime) -> str:
    local = now.astimezone(ZONE)
    done = Counter(counts)
    return (
        f"{local:%d/%m/%Y %H:%M} Ha Noi · published {done['published']} · "
        f"handed off {done['handed_off']} · failed {done['failed']} · "
        f"needs review {done['needs_review']} · missed {done['missed']}"
    )


def run_demo(
    home: Path,
    *,
    minutes: float = 2.0,
    speed: float | None = None,
    console: Console | None = None,
    campaign_file: Path = REFERENCE,
) -> DemoResult:
    """Run the whole demo in `home` (wiped first); returns what happened."""
    out = console or Console()
    speed = speed or speed_for(minutes)
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    clock = AcceleratedClock(START, speed)
    factor = max(speed, 1.0)
    emulator = Emulator(home / "emulator", clock=clock, token_lifetime_s=10**9)
    emulator.start()
    try:
        env = {
            **emulator.env,
            "LOA_HOME": str(home),
            "LOA_DATABASE_URL": f"sqlite:///{home / 'loa.db'}",
            # Scaled to the clock: a real 100 ms is minutes of emulated time.
            "LOA_LEASE_SECONDS": str(int(max(120, 60 * factor))),
            "LOA_GRACE_MINUTES": str(int(max(30, factor / 2))),
            "LOA_HTTP_TIMEOUT_S": "30",
        }
        with environment(env):
            return _run(home, clock, emulator, campaign_file, get_settings(), out, speed)
    finally:
        emulator.stop()


def _run(
    home: Path,
    clock: AcceleratedClock,
    emulator: Emulator,
    campaign_file: Path,
    settings: Settings,
    out: Console,
    speed: float,
) -> DemoResult:
    started = time.monotonic()
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    with session_scope(engine) as session:
        import_campaign(session, campaign_file, actor="demo-officer")
        campaign = session.exec(select(Campaign)).one()
        connected = connect_all(session, emulator)
    with session_scope(engine) as session:
        approved = approve(session, None, "demo-manager")
    out.print(
        f"Imported [bold]{campaign.key}[/], connected {connected} "
        f"channels, approved {approved} publications. Emulated clock x{speed:,.0f}."
    )
    connectors = RealConnectors(settings)
    handoff = HandOff(
        engine, settings, clock, connectors, WORKER, lease=timedelta(seconds=settings.lease_seconds)
    )
    total = sum(state_counts(engine).values())
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out, transient=False) as progress:
        task = progress.add_task("starting", total=total)
        while True:
            now = clock.now()
            handoff.run_all()
            run_once(engine, settings, clock, WORKER, connectors=connectors)
            counts = state_counts(engine)
            finished = sum(
                counts.get(s, 0)
                for s in ("published", "failed", "needs_review", "missed", "cancelled")
            )
            progress.update(task, completed=finished, description=_describe(counts, now))
            if now >= END:
                break
            time.sleep(0.05)
    metrics = _pull_metrics(engine, settings, clock, out)
    scores = _scorecard(engine, campaign.key, clock, out)
    counts = state_counts(engine)
    result = DemoResult(
        home=home,
        campaign=campaign.key,
        states=counts,
        emulator_objects=len(emulator.objects()),
        real_seconds=time.monotonic() - started,
        speed=speed,
        metrics_pulled=metrics,
        scorecard=scores,
    )
    engine.dispose()
    out.print(
        f"Done in {result.real_seconds:.0f} s: "
        + ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        + f"; {result.emulator_objects} objects on the emulator."
    )
    return result


def _pull_metrics(engine: Engine, settings: Settings, clock: AcceleratedClock, out: Console) -> int:
    from scheduler.metrics_jobs import pull_metrics

    # A backfill from the launch: every published item is measured once now.
    report = pull_metrics(engine, settings, clock, since=START.astimezone(ZONE).date())
    out.print(
        f"Metrics pulled: {report.items_measured} items measured, "
        f"{report.snapshots_written} snapshots, {report.daily_rows} daily Page/channel rows."
    )
    return int(report.snapshots_written)


def _scorecard(
    engine: Engine, campaign_key: str, clock: AcceleratedClock, out: Console
) -> list[dict[str, Any]]:
    from analytics_app.engine import scorecard
    from scheduler.cli.scorecard_cmd import render

    with Session(engine) as session:
        campaign = session.exec(select(Campaign).where(Campaign.key == campaign_key)).one()
        as_of = min(clock.now(), END)
        scores = scorecard(session, campaign_key, as_of)
        out.print(render(scores, campaign, as_of))
    return [s.to_json() for s in scores]
