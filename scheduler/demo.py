"""`loa demo`: the whole Action Month on the real product, against an in-process emulator.

A private home (`.loa/demo`, recreated each run) on the embedded default (SQLite), the emulator
and Loa on one SteppedClock starting 2025-11-14 17:00 UTC (midnight in Ha Noi before the
launch), the reference campaign imported, every channel connected with the emulator's accounts,
the demo's people registered, everything approved by the manager; then the scheduler of
`loa run` (hand-off, dispatcher, and every periodic job its installers add: metric pulls,
weekly and final reports, pre-flight, token health, quota alerts) working through the month
while the emulator injects faults (`--faults`, a realistic share by default).

The clock runs at real speed while there is work and jumps to the next due publication, retry,
hand-off confirmation or periodic job when there is none, so a publication is late by the real
seconds its call took (as it would be in production) while the month takes only as long as the
work does. The periodic jobs run on the ticker's intervals multiplied by `speed`.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, or_
from sqlmodel import Session, col, func, select

from campaigns.access import Identity
from campaigns.accounts import identity_of, setup_identity
from campaigns.db import make_engine, session_scope, upgrade
from campaigns.importer import import_campaign
from campaigns.models import (
    Alert,
    Attempt,
    AttemptOutcome,
    Campaign,
    Channel,
    MetricSnapshot,
    Publication,
    PublicationState,
    RateLimitBlock,
    ReportDelivery,
    Role,
)
from campaigns.publications import approve
from campaigns.settings import Settings, get_settings
from campaigns.users import add_user
from connectors.emulator import Emulator
from connectors.emulator.clock import SteppedClock
from scheduler.credentials import store_credentials
from scheduler.demo_ticker import EmulatedTicker
from scheduler.dispatcher import RealConnectors
from scheduler.handoff import CONFIRM_AFTER, HandOff
from scheduler.report_jobs import SEND_HOUR
from scheduler.ticker import JobContext, installers
from scheduler.worker import run_once

REFERENCE = Path(__file__).resolve().parents[1] / "campaigns" / "action_month_2025.yaml"
START = datetime(2025, 11, 14, 17, 0, tzinfo=UTC)
END = datetime(2025, 12, 15, 17, 0, tzinfo=UTC)  # midnight after the last day in Ha Noi
MIDWAY = datetime(2025, 11, 30, 17, 0, tzinfo=UTC)  # 1 December in Ha Noi: a manager's check-in
WORKER = "demo-worker"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# Emulated seconds per second of the ticker: `loa run` pulls metrics every 5 minutes, so the
# demo pulls every 6 emulated hours at the default.
DEFAULT_SPEED = 72.0
# What a month on the real platforms brings, at a rate that shows every recovery: server errors
# on reads (retried), creates whose answer is lost after the post was made or that landed before
# a 5xx (reconciled: the post is found and adopted, never re-posted blind), slow reads, and one
# token refused (the channel pauses with an alert until the admin reconnects it).
# Rate limits and quota refusals hold a Page or channel back until they lift, which can take a
# post past its grace period (`missed`, with an alert): add them with `--faults` to see that.
DEFAULT_FAULTS = (
    "5xx:read@0.02,drop:publish@0.02,5xx_after:publish@0.01,timeout:read@0.002,"
    "token_expired:publish#1"
)
EMULATOR_TIMEOUT_S = 2.0  # a `timeout` fault holds the call this long, then drops it
LOOP_RUNS = frozenset({"handoff"})  # the demo's loop runs the hand-off at every wake itself
POLL = timedelta(minutes=1)  # due rows handed back are tried again this much later


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
    objects: list[dict[str, Any]] = field(default_factory=list)  # the emulator's, at the end
    published: dict[int, str] = field(default_factory=dict)  # publication id -> platform id
    troubles: dict[str, int] = field(default_factory=dict)  # retries, reconciled, alerts
    reports: list[Path] = field(default_factory=list)  # every report file written
    database_url: str = ""


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


def _secret(channel: Channel, accounts: dict[str, Any]) -> str | None:
    """The emulator's token (or authorized-user JSON) for a channel's account, if it has one."""
    if channel.platform == "facebook":
        pages = {p["id"]: p["access_token"] for p in accounts["facebook_pages"]}
        return pages.get(channel.external_id)
    if channel.platform == "youtube":
        channels = {c["id"]: c["credentials"] for c in accounts["youtube_channels"]}
        doc = channels.get(channel.external_id)
        return doc if doc is None or isinstance(doc, str) else json.dumps(doc)
    return None


def connect_all(session: Session, emulator: Emulator) -> int:
    """Store the emulator's token for every channel of every campaign."""
    connected = 0
    for channel in session.exec(select(Channel)).all():
        secret = _secret(channel, emulator.accounts)
        if secret is not None:
            store_credentials(session, channel.platform, channel.external_id, secret)
            connected += 1
    return connected


def reconnect_paused(engine: Engine, emulator: Emulator) -> list[str]:
    """What the admin does on a `channel_paused` alert: connect the channel again (as
    `loa channel connect` stores a token), which resumes it; its publications then go out."""
    reconnected: list[str] = []
    with session_scope(engine) as session:
        for channel in session.exec(select(Channel).where(col(Channel.paused).is_(True))).all():
            secret = _secret(channel, emulator.accounts)
            if secret is not None:
                store_credentials(session, channel.platform, channel.external_id, secret)
                reconnected.append(channel.key)
    return reconnected


def state_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.exec(
            select(Publication.state, func.count()).group_by(col(Publication.state))
        ).all()
    return {str(state): int(n) for state, n in rows}


RETRIED = (AttemptOutcome.RETRY, AttemptOutcome.RATE_LIMITED, AttemptOutcome.QUOTA)
RECONCILED = (AttemptOutcome.RECONCILED_FOUND, AttemptOutcome.RECONCILED_ABSENT)


def trouble_counts(engine: Engine) -> dict[str, int]:
    """The recoveries so far: attempts retried, unknown outcomes reconciled, alerts raised."""
    with Session(engine) as session:
        rows = session.exec(
            select(Attempt.outcome, func.count()).group_by(col(Attempt.outcome))
        ).all()
        alerts = session.exec(select(func.count()).select_from(Alert)).one()
    outcomes = {str(outcome): int(n) for outcome, n in rows}
    return {
        "retried": sum(outcomes.get(o, 0) for o in RETRIED),
        "reconciled": sum(outcomes.get(o, 0) for o in RECONCILED),
        "alerts": int(alerts),
    }


def _trouble_words(troubles: dict[str, int]) -> list[str]:
    return [
        f"{n} {'alert' if label == 'alerts' and n == 1 else label}"
        for label, n in troubles.items()
        if n
    ]


def _describe(counts: dict[str, int], troubles: dict[str, int], now: datetime) -> str:
    local = now.astimezone(ZONE)
    done = Counter(counts)
    # Troubles only when there are some: the line stays short enough for its bar.
    parts = [f"{local:%d/%m %H:%M}", f"{done['published']} published"]
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
    parts += _trouble_words(troubles)
    return " · ".join(parts)


def report_moments(first: date, last: date) -> list[datetime]:
    """When the scheduler's report job has something new: every Monday 08:00 (campaign zone)
    after a week of the campaign, and the morning after its last day (the final report)."""
    monday = first - timedelta(days=first.weekday()) + timedelta(days=7)
    moments = []
    while monday <= last + timedelta(days=1):
        moments.append(datetime.combine(monday, SEND_HOUR, tzinfo=ZONE))
        monday += timedelta(days=7)
    moments.append(datetime.combine(last + timedelta(days=1), SEND_HOUR, tzinfo=ZONE))
    return sorted({m.astimezone(UTC) for m in moments})


def run_demo(
    home: Path,
    *,
    console: Console | None = None,
    campaign_file: Path = REFERENCE,
    seed: int = 7,
    faults: str = DEFAULT_FAULTS,
    speed: float = DEFAULT_SPEED,
) -> DemoResult:
    """Run the whole demo in `home` (wiped first); returns what happened."""
    out = console or Console()
    if speed <= 0:
        raise ValueError("speed must be positive")
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    clock = SteppedClock(START)
    emulator = Emulator(
        home / "emulator",
        clock=clock,
        seed=seed,
        faults=faults,
        timeout_s=EMULATOR_TIMEOUT_S,
        token_lifetime_s=10**9,
    )
    emulator.start()
    try:
        env = {
            **emulator.env,
            "LOA_HOME": str(home),
            "LOA_DATABASE_URL": f"sqlite:///{home / 'loa.db'}",
        }
        with environment(env):
            result = _run(clock, emulator, campaign_file, get_settings(), out, speed)
        result.database_url = env["LOA_DATABASE_URL"]
        return result
    finally:
        emulator.stop()


def next_event(engine: Engine, after: datetime, wake: datetime) -> datetime:
    """The next moment anything is due: a publication, a retry, a hand-off to confirm, a
    block lifting, or `wake` (the next periodic job or report)."""
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
        # Rows due but handed back (their channel blocked or busy when claimed): the daemon's
        # poll is their safety net, so it is the demo's too.
        waiting = session.exec(
            select(func.count())
            .select_from(Publication)
            .where(
                col(Publication.state).in_(ready),
                Publication.scheduled_at <= after,
                or_(
                    col(Publication.next_attempt_at).is_(None),
                    col(Publication.next_attempt_at) <= after,
                ),
            )
        ).one()
        # A rate limit or quota block holds due rows back until it lifts.
        lifted = session.exec(
            select(func.min(RateLimitBlock.until)).where(RateLimitBlock.until > after)
        ).one()
    confirm = handed + CONFIRM_AFTER if handed is not None else None
    poll = after + POLL if waiting else None
    return min(t for t in (due, retry, confirm, lifted, poll, wake) if t is not None)


def _run(
    clock: SteppedClock,
    emulator: Emulator,
    campaign_file: Path,
    settings: Settings,
    out: Console,
    speed: float,
) -> DemoResult:
    # Importing registers the periodic jobs `loa run` installs (report_jobs: at the top).
    import scheduler.ops_jobs  # noqa: F401

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
    ticker = EmulatedTicker(clock, speed, skip=LOOP_RUNS)
    context = JobContext(engine, settings, clock, WORKER)
    for install in installers():
        install(ticker, context)
    moments = report_moments(campaign.starts, campaign.ends)
    finish = moments[-1]  # the final report's morning
    total = sum(state_counts(engine).values())
    handed_off: set[int] = set()
    midway_shown = False
    shown: set[int] = set()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(bar_width=12),
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
            for key in reconnect_paused(engine, emulator):
                progress.console.print(
                    f"Channel {key} was paused (its token refused): the admin reconnects it."
                )
            ran = ticker.run_due()
            if moments and clock.now() >= moments[0]:
                # Monday 08:00: the report job finds the week just ended (and at last the final).
                while moments and clock.now() >= moments[0]:
                    moments.pop(0)
                if "reports" not in ran:
                    ticker.run_now("reports")
                _print_reports(engine, shown, progress.console)
            counts = state_counts(engine)
            finished = sum(
                counts.get(s, 0)
                for s in ("published", "failed", "needs_review", "missed", "cancelled")
            )
            description = _describe(counts, trouble_counts(engine), now)
            progress.update(task, completed=finished, description=description)
            if now >= MIDWAY and not midway_shown:
                # Halfway, pacing and projection say more than totals: show the live scorecard.
                progress.console.print("[bold]Midway check-in[/]: the scorecard as of now")
                _scorecard(engine, campaign.key, clock, progress.console, reasons=False)
                midway_shown = True
            if now >= finish and not moments:
                break
            wakes = [t for t in (ticker.next_time(), finish) if t is not None]
            wakes += moments[:1] + ([] if midway_shown else [MIDWAY])
            clock.jump_to(next_event(engine, clock.now(), min(wakes)))
    with Session(engine) as session:
        snapshots = session.exec(select(func.count()).select_from(MetricSnapshot)).one()
    out.print(f"Metrics pulled through the month: {snapshots:,} snapshots.")
    _calendar(engine, campaign.key, out)
    scores = _scorecard(engine, campaign.key, clock, out)
    counts = state_counts(engine)
    with Session(engine) as session:
        published = {
            int(p.id): str(p.external_id)
            for p in session.exec(
                select(Publication).where(Publication.state == PublicationState.PUBLISHED)
            )
            if p.id is not None
        }
        reports = [
            settings.home / name
            for row in session.exec(select(ReportDelivery))
            for name in row.files
        ]
    objects = emulator.objects()
    troubles = trouble_counts(engine)
    result = DemoResult(
        people=people,
        home=settings.home,
        campaign=campaign.key,
        states=counts,
        emulator_objects=len(objects),
        real_seconds=time.monotonic() - started,
        handed_off=len(handed_off),
        metrics_pulled=int(snapshots),
        scorecard=scores,
        objects=objects,
        published=published,
        troubles=troubles,
        reports=reports,
    )
    engine.dispose()
    out.print(
        f"Done in {result.real_seconds:.0f} s: "
        + ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        + f" ({result.handed_off} through the platforms' own scheduling); "
        + f"{result.emulator_objects} objects on the emulator; "
        + ", ".join(_trouble_words(troubles) or ["no fault to recover from"])
        + f"; {len(reports)} report files in {settings.home / 'reports'}."
    )
    return result


def _print_reports(engine: Engine, shown: set[int], out: Console) -> None:
    """Say which reports the job has written since last asked (`shown`: those already said)."""
    with Session(engine) as session:
        rows = session.exec(select(ReportDelivery).order_by(col(ReportDelivery.id))).all()
    for row in rows:
        if row.id is None or row.id in shown:
            continue
        shown.add(row.id)
        kinds = ", ".join(sorted(Path(f).suffix.lstrip(".") for f in row.files))
        where = Path(row.files[0]).parent if row.files else Path("reports")
        note = f" ({row.error})" if row.error else ""
        out.print(f"Report [bold]{row.period}[/] written: {kinds} in {where}{note}")


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
        table, *why = render(scores, campaign, as_of).renderables
        out.print(table)
        if reasons:
            out.print(*why)
    return [s.to_json() for s in scores]
