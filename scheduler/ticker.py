"""APScheduler 3.11 as a ticker only: it wakes jobs, it stores nothing that matters.

The job store is in memory and never persistent (DESIGN.md principle 1): publications live in
the database, and a restarted `loa run` rebuilds its jobs from there. Other parts add their
periodic jobs with `Ticker.add_job(func, seconds)`, or register a `JobInstaller` that `loa run`
calls with the running ticker (hand-off, pre-flight, metric pulls, token health).
"""

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from campaigns.settings import Settings
from scheduler.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What a periodic job of another part needs to run inside `loa run`."""

    engine: Engine
    settings: Settings
    clock: Clock
    worker_id: str


JobInstaller = Callable[["Ticker", JobContext], None]
_INSTALLERS: list[JobInstaller] = []


def register_installer(installer: JobInstaller) -> JobInstaller:
    """Have `loa run` call `installer(ticker, context)` at start (usable as a decorator)."""
    if installer not in _INSTALLERS:
        _INSTALLERS.append(installer)
    return installer


def installers() -> list[JobInstaller]:
    return list(_INSTALLERS)


class Ticker:
    """A BackgroundScheduler with an in-memory job store; jobs never overlap themselves."""

    def __init__(self) -> None:
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )

    def add_job(
        self, func: Callable[[], object], seconds: float, *, name: str = "", run_now: bool = False
    ) -> str:
        """Run `func` every `seconds` (first run now when `run_now`); returns the job id."""
        job = self._scheduler.add_job(
            func,
            "interval",
            seconds=seconds,
            name=name or getattr(func, "__name__", "job"),
            next_run_time=datetime.now(UTC) if run_now else None,
        )
        return str(job.id)

    def wake_at(self, func: Callable[[], object], when: datetime, job_id: str) -> None:
        """Run `func` once at `when` (a real time), replacing an earlier wake-up of `job_id`."""
        self._scheduler.add_job(
            func, "date", run_date=max(when, datetime.now(UTC)), id=job_id, replace_existing=True
        )

    def wake_in(self, func: Callable[[], object], delay: timedelta, job_id: str) -> None:
        self.wake_at(func, datetime.now(UTC) + max(delay, timedelta(0)), job_id)

    def job_names(self) -> list[str]:
        return [str(job.name) for job in self._scheduler.get_jobs()]

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self, wait: bool = True) -> None:
        """Stop firing; with `wait`, let running jobs (an attempt in hand) finish first.

        APScheduler 3 marks itself stopped before it takes its job-store lock, so a pass that
        is just removing a fired wake-up finds "no such job" and its thread dies with a
        traceback (agronholm/apscheduler#104). Pausing first, then waiting for that lock, lets
        such a pass end before the scheduler is stopped."""
        if not self._scheduler.running:
            return
        self._scheduler.pause()
        with getattr(self._scheduler, "_jobstores_lock", contextlib.nullcontext()):
            pass
        self._scheduler.shutdown(wait=wait)
