"""`loa demo`: the Action Month against an in-process emulator, in about a minute.

A private home (`.loa/demo`, recreated each run), the emulator and Loa on one SteppedClock
starting 2025-11-14 17:00 UTC (midnight in Ha Noi before the launch), the reference campaign
imported, every channel connected with the emulator's accounts, everything approved by a
manager, then the real scheduler (hand-off, dispatcher, metric pulls) working through the month.

The clock runs at real speed while there is work and jumps to the next due publication or
metric pull when there is none, so a publication is late by the real seconds its call took (as it
would be in production) while the month takes only as long as the work does.
"""

import json
import os
import secrets
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

from campaigns.access import Identity
from campaigns.accounts import identity_of, setup_identity
from campaigns.db import make_engine, session_scope, upgrade
from campaigns.importer import import_campaign
from campaigns.models import Campaign, Channel, Publication, PublicationState, Role
from campaigns.publications import approve
from campaigns.settings import Settings, get_settings
from campaigns.users import add_user
from connectors.emulator import Emulator
from connectors.emulator.clock import SteppedClock
from scheduler.credentials import store_credentials
from scheduler.dispatcher import RealConnectors
from scheduler.handoff import CONFIRM_AFTER, HandOff
from scheduler.worker import run_once

REFERENCE = Path(__file__).resolve().parents[1] / "campaigns" / "action_month_2025.yaml"
START = datetime(2025, 11, 14, 17, 0, tzinfo=UTC)
END = datetime(2025, 12, 15, 17, 0, tzinfo=UTC)  # midnight after the last day in Ha Noi
MIDWAY = datetime(2025, 11, 30, 17, 0, tzinfo=UTC)  # 1 December in Ha Noi: a manager's check-in
WORKER = "demo-worker"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
METRICS_EVERY = timedelta(hours=6)  # emulated time between metric pulls


@dataclass(frozen=True)
class DemoPerson:
    """A demo sign-in, printed for the person trying Loa (the demo's database is throwaway)."""

    identity: Identity
    password: str


# The demo's people: an admin, a manager for every unit, an officer of Ha Noi.
DEMO_PEOPLE = (
    ("admin", Role.ADMIN, None, "Quản trị"),
    ("quanly", Role.MANAGER, None, "Nguyễn Thị Quản Lý"),
    ("canbo", Role.OFFICER, "ha-noi", "Trần Văn Cán Bộ"),
)


def register_people(session: Session) -> list[DemoPerson]:
    """Register the demo's people with fresh passwords (the first, an admin, at setup)."""
    people: list[DemoPerson] = []
    acting = setup_identity()
    for username, role, unit, name in DEMO_PEOPLE:
        password = secrets.token_urlsafe(9)
        user = add_user(
            session,
            acting,
            username,
            role.value,
            display_name=name,
            unit_key=unit,
            password=password,
        )
        person = DemoPerson(identity_of(user), password)
        people.append(person)
        if role == Role.ADMIN:
            acting = person.identity
    return people


@dataclass
class DemoResult:
    home: Path
    campaign: str
    states: dict[str, int]
    emulator_objects: int
    real_seconds: float
    handed_off: int = 0
    metrics_pulled: int = 0
    people: list[DemoPerson] = field(default_factory=list)
    scorecard: list[dict[str, Any]] = field(default_factory=list)


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
    # Troubles only when there are some: the line then fits an 80-column terminal with its bar.
    parts = [f"{local:%d/%m %H:%M} Ha Noi", f"{done['published']} published"]
    parts += [f"{done['handed_off']} handed off"] if done["handed_off"] else []
    parts += [
        f"{done[state]} {label}"
        for state, label in (
            ("failed", "failed"),
            ("needs_review", "to review"),
            ("missed", "missed"),
        )
        if done[state]
    ]
    return " · ".join(parts)


def run_demo(
    home: Path,
    *,
    console: Console | None = None,
    campaign_file: Path = REFERENCE,
) -> DemoResult:
    """Run the whole demo in `home` (wiped first); returns what happened."""
    out = console or Console()
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    clock = SteppedClock(START)
    emulator = Emulator(home / "emulator", clock=clock, token_lifetime_s=10**9)
    emulator.start()
    try:
        env = {
            **emulator.env,
            "LOA_HOME": str(home),
            "LOA_DATABASE_URL": f"sqlite:///{home / 'loa.db'}",
        }
        with environment(env):
            return _run(home, clock, emulator, campaign_file, get_settings(), out)
    finally:
        emulator.stop()


def next_event(engine: Engine, after: datetime, next_pull: datetime) -> datetime:
    """The next moment anything is due: a publication, a retry, a hand-off to confirm, a pull."""
    ready = (PublicationState.APPROVED, PublicationState.QUEUED, PublicationState.RETRY_WAIT)
    with Session(engine) as session:
        due = session.exec(
            select(func.min(Publication.scheduled_at)).where(
                col(Publication.state).in_(ready), Publication.scheduled_at > after
            )
        ).one()
        retry = session.exec(
            select(func.min(Publication.next_attempt_at)).where(
                col(Publication.state).in_(ready), col(Publication.next_attempt_at) > after
            )
        ).one()
        handed = session.exec(
            select(func.min(Publication.scheduled_at)).where(
                Publication.state == PublicationState.HANDED_OFF,
                Publication.scheduled_at > after - CONFIRM_AFTER,
            )
        ).one()
    confirm = handed + CONFIRM_AFTER if handed is not None else None
    return min(t for t in (due, retry, confirm, next_pull, END) if t is not None)


def _run(
    home: Path,
    clock: SteppedClock,
    emulator: Emulator,
    campaign_file: Path,
    settings: Settings,
    out: Console,
) -> DemoResult:
    from scheduler.metrics_jobs import pull_metrics

    started = time.monotonic()
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    with session_scope(engine) as session:
        import_campaign(session, campaign_file, identity=setup_identity())
        campaign = session.exec(select(Campaign)).one()
        connected = connect_all(session, emulator)
        people = register_people(session)
    manager = next(p.identity for p in people if p.identity.role == Role.MANAGER)
    with session_scope(engine) as session:
        approved = approve(session, None, manager)
    out.print(
        f"Imported [bold]{campaign.key}[/], connected {connected} channels, "
        f"approved {approved} publications; the month begins."
    )
    _calendar(engine, campaign.key, out)
    connectors = RealConnectors(settings, engine, clock)
    handoff = HandOff(
        engine, settings, clock, connectors, WORKER, lease=timedelta(seconds=settings.lease_seconds)
    )
    total = sum(state_counts(engine).values())
    handed_off: set[int] = set()
    snapshots = 0
    next_pull = START + METRICS_EVERY
    midway_shown = False
    columns = (
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out, transient=False) as progress:
        task = progress.add_task("starting", total=total)
        while True:
            now = clock.now()
            for pub_id, outcome in handoff.run_all().get("hand_off", {}).items():
                if outcome == "handed_off":
                    handed_off.add(pub_id)
            run_once(engine, settings, clock, WORKER, connectors=connectors)
            if clock.now() >= next_pull:
                snapshots += pull_metrics(engine, settings, clock).snapshots_written
                next_pull = clock.now() + METRICS_EVERY
            counts = state_counts(engine)
            finished = sum(
                counts.get(s, 0)
                for s in ("published", "failed", "needs_review", "missed", "cancelled")
            )
            progress.update(task, completed=finished, description=_describe(counts, now))
            if now >= MIDWAY and not midway_shown:
                # Halfway, pacing and projection say more than totals: show the live scorecard.
                progress.console.print("[bold]Midway check-in[/]: the scorecard as of now")
                _scorecard(engine, campaign.key, clock, progress.console, reasons=False)
                midway_shown = True
            if now >= END:
                break
            wake = next_pull if midway_shown else min(next_pull, MIDWAY)
            clock.jump_to(next_event(engine, clock.now(), wake))
    snapshots += pull_metrics(engine, settings, clock).snapshots_written
    out.print(f"Metrics pulled through the month: {snapshots:,} snapshots.")
    _calendar(engine, campaign.key, out)
    scores = _scorecard(engine, campaign.key, clock, out)
    counts = state_counts(engine)
    result = DemoResult(
        people=people,
        home=home,
        campaign=campaign.key,
        states=counts,
        emulator_objects=len(emulator.objects()),
        real_seconds=time.monotonic() - started,
        handed_off=len(handed_off),
        metrics_pulled=snapshots,
        scorecard=scores,
    )
    engine.dispose()
    out.print(
        f"Done in {result.real_seconds:.0f} s: "
        + ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        + f" ({result.handed_off} through the platforms' own scheduling); "
        + f"{result.emulator_objects} objects on the emulator."
    )
    return result


def _calendar(engine: Engine, campaign_key: str, out: Console) -> None:
    """The month at a glance, as `loa plan show --grid` draws it."""
    from campaigns.calendar_view import bounds, build
    from campaigns.publications import list_publications
    from scheduler.cli.campaign_cmd import render_grid

    with Session(engine) as session:
        campaign = session.exec(select(Campaign).where(Campaign.key == campaign_key)).one()
        span = (campaign.starts, campaign.ends)
        lo, hi = bounds(*span, ZoneInfo(campaign.timezone))
        views = list_publications(session, campaign=campaign_key, start=lo, end=hi)
    for table in render_grid(build(campaign_key, *span, views, span)):
        out.print(table)


def _scorecard(
    engine: Engine, campaign_key: str, clock: SteppedClock, out: Console, *, reasons: bool = True
) -> list[dict[str, Any]]:
    from analytics_app.engine import scorecard
    from scheduler.cli.scorecard_cmd import render

    with Session(engine) as session:
        campaign = session.exec(select(Campaign).where(Campaign.key == campaign_key)).one()
        as_of = min(clock.now(), END)
        scores = scorecard(session, campaign_key, as_of)
        table, why = render(scores, campaign, as_of).renderables
        out.print(table)
        if reasons:
            out.print(why)
    return [s.to_json() for s in scores]
