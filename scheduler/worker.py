"""A worker: passes over the outbox (`run_once`) and the `loa run` daemon around them.

A pass: heartbeat, reap expired leases, mark publications missed past the grace period (unless
catching up), then claim and dispatch everything due now, `concurrency` attempts at a time on a
thread pool (each attempt keeps the dispatcher's order: attempt row committed before the call). The daemon runs
passes on the ticker: at each next due time, every few seconds as a safety net, the reaper every
lease/2. On SQLite exactly one worker may run: a second one is refused (an exclusive `flock` on
a lock file beside the database, released by the kernel even when the process is killed).
"""

import fcntl
import logging
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.db import is_sqlite, session_scope
from campaigns.errors import UserError
from campaigns.models import Worker
from campaigns.settings import Settings
from scheduler import outbox
from scheduler.channel_state import clear_expired_blocks
from scheduler.clock import Clock, utc_now
from scheduler.dispatcher import ConnectorFactory, Dispatcher, RealConnectors, crash_point
from scheduler.retry import RetryPolicy
from scheduler.ticker import JobContext, Ticker, installers

log = logging.getLogger(__name__)

BATCH = 10  # rows claimed per transaction at most: small, so other workers share the load
HEARTBEAT_S = 5.0  # how often a busy pass tells `loa status` it is alive
IDLE_CLAIM_S = 1.0  # how often a pass with idle threads looks for rows newly due


@dataclass
class PassReport:
    reaped: int = 0
    missed: int = 0
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    # The clock time of the pass's last claim: rows falling due after it were not looked at.
    swept_at: datetime | None = None

    def summary(self) -> str:
        parts = [f"{self.claimed} claimed"]
        parts += [f"{n} {label}" for label, n in sorted(self.outcomes.items())]
        if self.reaped:
            parts.append(f"{self.reaped} expired leases reaped")
        if self.missed:
            parts.append(f"{self.missed} missed")
        return ", ".join(parts)


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def effective_lease(settings: Settings) -> timedelta:
    """The lease covers the gap between two renewals of the lease keeper's heartbeat (a third of
    it) with room for a slow database, not a whole call: a call is renewed while it runs
    however long it takes (`scheduler.lease`). The floor of two client timeouts keeps a renewal
    that waits on a stalled connection from outliving the lease."""
    return timedelta(seconds=max(settings.lease_seconds, 2 * settings.http_timeout_s + 2))


def heartbeat(session: Session, worker_id: str, now: datetime, *, stopped: bool = False) -> None:
    row = session.get(Worker, worker_id)
    if row is None:
        row = Worker(
            id=worker_id,
            host=socket.gethostname(),
            pid=os.getpid(),
            started_at=now,
            heartbeat_at=now,
        )
    row.heartbeat_at = now
    row.stopped_at = now if stopped else None
    session.add(row)


def run_once(
    engine: Engine,
    settings: Settings,
    clock: Clock,
    worker_id: str,
    *,
    connectors: ConnectorFactory | None = None,
    catch_up: bool = False,
    stop: threading.Event | None = None,
    policy: RetryPolicy | None = None,
    batch: int = BATCH,
    concurrency: int | None = None,
) -> PassReport:
    """One pass: reap, mark missed, then dispatch everything due now with up to `concurrency`
    attempts in flight (default: the setting); stops early on `stop`."""
    report = PassReport()
    lease = effective_lease(settings)
    dispatcher = Dispatcher(
        engine,
        connectors or RealConnectors(settings, engine, clock),
        clock,
        worker_id,
        policy or RetryPolicy.from_settings(settings),
        lease,
    )
    with session_scope(engine) as session:
        now = utc_now(clock)
        heartbeat(session, worker_id, now)
        clear_expired_blocks(session, now)
    with session_scope(engine) as session:
        report.reaped = len(outbox.reap_expired(session, utc_now(clock)))
    if not catch_up:
        with session_scope(engine) as session:
            grace = timedelta(minutes=settings.grace_minutes)
            report.missed = len(outbox.mark_missed(session, utc_now(clock), grace))
    _dispatch_due(
        dispatcher, report, stop or threading.Event(), batch, concurrency or settings.concurrency
    )
    return report


def _dispatch_due(
    dispatcher: Dispatcher, report: PassReport, stop: threading.Event, batch: int, slots: int
) -> None:
    """Claim only as many rows as there are free threads, so every claimed row starts at once
    (its lease is not spent waiting in a queue) and other workers share the minute's load.

    A claim is one transaction that ranks every due row: it is made when half the threads are
    free (or none is busy), not after every attempt, and again only after a second's wait
    once a claim came back short (nothing more was due)."""
    engine, clock, worker_id = dispatcher.engine, dispatcher.clock, dispatcher.worker_id
    lease = dispatcher.lease
    half = max(1, slots // 2)

    def attempt(publication_id: int, holder: str) -> str:
        if stop.is_set():  # stopping: a claim not yet attempted goes back, due at once
            with session_scope(engine) as session:
                outbox.release(session, [publication_id], holder, utc_now(clock))
            return "released"
        return dispatcher.attempt(publication_id, holder)

    inflight: dict[Future[str], int] = {}
    beat = time.monotonic()
    claimed_at, short = float("-inf"), False  # the last claim: when, and whether it ran dry
    with ThreadPoolExecutor(slots, thread_name_prefix=f"dispatch-{worker_id}") as pool:
        while True:
            free = slots - len(inflight)
            overdue = time.monotonic() - claimed_at >= IDLE_CLAIM_S
            if (
                free
                and not stop.is_set()
                and (not inflight or overdue or (free >= half and not short))
            ):
                want = min(batch, free)
                report.swept_at = utc_now(clock)
                holder = outbox.new_holder(worker_id)  # this claim's owner, no other's
                with session_scope(engine) as session:
                    ids = outbox.claim_ids(session, holder, report.swept_at, want, lease)
                claimed_at, short = time.monotonic(), len(ids) < want
                if ids:
                    report.claimed += len(ids)
                    crash_point("after_claim")
                    inflight.update({pool.submit(attempt, pid, holder): pid for pid in ids})
            if not inflight:
                break
            # Some threads idle: look again every second, so rows falling due beside a long
            # upload do not wait for it; otherwise claim again when enough threads free.
            idle = len(inflight) < slots and not stop.is_set()
            done, _ = wait(
                inflight, timeout=IDLE_CLAIM_S if idle else None, return_when=FIRST_COMPLETED
            )
            for future in done:
                publication_id = inflight.pop(future)
                report.outcomes[_outcome(future, publication_id)] += 1
            if time.monotonic() - beat > HEARTBEAT_S:
                beat = time.monotonic()
                with session_scope(engine) as session:
                    heartbeat(session, worker_id, utc_now(clock))
    with session_scope(engine) as session:
        heartbeat(session, worker_id, utc_now(clock))


def _outcome(future: "Future[str]", publication_id: int) -> str:
    """The attempt's label; an attempt that crashed leaves its claim for the reaper."""
    try:
        return future.result()
    except Exception:
        log.exception(
            "publication %s: the attempt failed; its lease will be reaped", publication_id
        )
        return "error"


# -- one worker on SQLite ------------------------------------------------------------------


def _lock_path(engine: Engine) -> Path | None:
    database = engine.url.database
    if not is_sqlite(engine) or not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".worker.lock")


@contextmanager
def single_worker_guard(engine: Engine, clock: Clock) -> Iterator[None]:
    """On SQLite: hold the one-worker lock, and free claims a killed predecessor left behind."""
    path = _lock_path(engine)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"another `loa run` is already working on {engine.url.database}; SQLite allows "
                "one worker. Stop it first, or use PostgreSQL (LOA_DATABASE_URL) for several."
            ) from None
        # Holding the lock proves no other worker is alive: every claim is an orphan.
        with session_scope(engine) as session:
            outbox.reap_expired(session, utc_now(clock), orphans=True)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# -- the daemon ----------------------------------------------------------------------------


class Daemon:
    """`loa run`: passes on the ticker until `stop` is set; the attempts in hand always end."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        clock: Clock,
        worker_id: str,
        *,
        connectors: ConnectorFactory | None = None,
        catch_up: bool = False,
        poll_seconds: float = 5.0,
        concurrency: int | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.worker_id = worker_id
        self.connectors = connectors or RealConnectors(settings, engine, clock)
        self.catch_up = catch_up
        self.poll_seconds = poll_seconds
        self.concurrency = concurrency or settings.concurrency
        self.stop = threading.Event()
        self.ticker = Ticker()
        self.passes = 0
        self.totals = PassReport()
        self._busy = threading.Lock()

    def run_pass(self) -> None:
        if self.stop.is_set() or not self._busy.acquire(blocking=False):
            return
        try:
            report = run_once(
                self.engine,
                self.settings,
                self.clock,
                self.worker_id,
                connectors=self.connectors,
                catch_up=self.catch_up and self.passes == 0,
                stop=self.stop,
                concurrency=self.concurrency,
            )
            self.passes += 1
            self._add(report)
            if report.claimed or report.missed:
                log.info("pass %d: %s", self.passes, report.summary())
        except Exception:  # the daemon must outlive a bad pass; the next one retries
            log.exception("dispatch pass failed")
            return
        finally:
            self._busy.release()
        # Only once the lock is free: a wake-up due at once must not find this pass still busy.
        try:
            self._wake_at_next_due(report.swept_at)
        except Exception:
            log.exception("scheduling the next dispatch pass failed")

    def reap(self) -> None:
        try:
            with session_scope(self.engine) as session:
                outbox.reap_expired(session, utc_now(self.clock))
        except Exception:
            log.exception("reaper failed")

    def _add(self, report: PassReport) -> None:
        self.totals.claimed += report.claimed
        self.totals.reaped += report.reaped
        self.totals.missed += report.missed
        self.totals.outcomes.update(report.outcomes)

    def _wake_at_next_due(self, swept_at: datetime | None) -> None:
        """Wake at the next due time after the pass's last claim. A row that fell due between
        that claim and now (a slow pass, or a wake-up dropped because this pass was busy) gets a
        pass at once rather than waiting for the poll."""
        with Session(self.engine) as session:
            now = utc_now(self.clock)
            due = outbox.next_due(session, after=swept_at or now)
        if due is not None and not self.stop.is_set():
            self.ticker.wake_in(self.run_pass, due - now, "dispatch-next-due")

    def run(self) -> PassReport:
        """Run until `self.stop` is set (signal handlers set it); returns the totals."""
        with session_scope(self.engine) as session:
            heartbeat(session, self.worker_id, utc_now(self.clock))
        lease = effective_lease(self.settings)
        self.ticker.add_job(self.run_pass, self.poll_seconds, name="dispatch", run_now=True)
        self.ticker.add_job(self.reap, lease.total_seconds() / 2, name="reaper")
        context = JobContext(self.engine, self.settings, self.clock, self.worker_id)
        for install in installers():
            install(self.ticker, context)
        self.ticker.start()
        try:
            while not self.stop.wait(0.5):
                pass
        finally:
            self.ticker.shutdown(wait=True)
            with session_scope(self.engine) as session:
                heartbeat(session, self.worker_id, utc_now(self.clock), stopped=True)
        return self.totals
