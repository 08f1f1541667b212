"""The ticker of `loa run`, compressed for the demo: the same installed jobs on emulated time.

`loa run` wakes its periodic jobs (metric pulls, reports, pre-flight, token health, quota
alerts, alert mail) on APScheduler's real-time intervals. The demo's month passes in minutes, so
it hands the very same installers this ticker instead: a job added every `seconds` runs every
`seconds * speed` of emulated time, whenever the demo's loop asks what is due.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.clock import Clock
from scheduler.ticker import Ticker


@dataclass
class _Job:
    name: str
    func: Callable[[], object]
    every: timedelta
    next_at: datetime


class EmulatedTicker(Ticker):
    """Runs installed jobs by an emulated clock; `speed` emulated seconds per ticker second."""

    def __init__(self, clock: Clock, speed: float, *, skip: frozenset[str] = frozenset()) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        super().__init__()
        self.clock = clock
        self.speed = speed
        self.skip = skip  # jobs the demo's loop runs itself
        self._jobs: dict[str, _Job] = {}

    def add_job(
        self, func: Callable[[], object], seconds: float, *, name: str = "", run_now: bool = False
    ) -> str:
        key = name or getattr(func, "__name__", "job")
        if key in self.skip:
            return key
        every = timedelta(seconds=seconds * self.speed)
        now = self.clock.now()
        self._jobs[key] = _Job(key, func, every, now if run_now else now + every)
        return key

    def job_names(self) -> list[str]:
        return list(self._jobs)

    def next_time(self) -> datetime | None:
        """When the next job falls due (emulated time), or None without jobs."""
        return min((job.next_at for job in self._jobs.values()), default=None)

    def run_due(self) -> list[str]:
        """Run every job due now, in the order installed; each next falls `every` later."""
        ran: list[str] = []
        for job in list(self._jobs.values()):
            if job.next_at <= self.clock.now():
                self._run(job)
                ran.append(job.name)
        return ran

    def run_now(self, name: str) -> None:
        """Run one job at once (a moment the demo knows it is due), then on its interval."""
        self._run(self._jobs[name])

    def _run(self, job: _Job) -> None:
        job.func()
        job.next_at = self.clock.now() + job.every

    def start(self) -> None:  # nothing runs by itself: the demo's loop drives the jobs
        return None

    def shutdown(self, wait: bool = True) -> None:
        return None
