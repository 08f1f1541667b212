"""The scheduler's sense of time, injectable so tests and the accelerated demo drive it.

Anything with `now() -> aware datetime` is a clock: `SystemClock` here, and the emulator's
`FrozenClock` / `AcceleratedClock` satisfy the same protocol.

Several workers on several hosts share one time: the database's. `DatabaseClock` reads the
server's clock (`clock_timestamp()` on PostgreSQL) and keeps the offset from the host's clock,
refreshed every few seconds, so leases, the reaper and due checks agree however far a host's
clock drifts: a host two minutes fast neither reaps others' calls in flight nor publishes
early. On SQLite the database lives on the one worker's host: its clock is the host's.
`LOA_TEST_CLOCK_SKEW_S` skews a worker's host clock (the chaos runs use it).
"""

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy import Engine, text


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware (UTC or any zone; callers convert)."""
        ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def utc_now(clock: Clock) -> datetime:
    """`clock.now()` in UTC; a naive value from a faulty clock is refused, not guessed."""
    value = clock.now()
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("the clock returned a naive datetime")
    return value.astimezone(UTC)


class SkewedClock:
    """The host clock off by `skew` (a host whose clock drifted); for tests and chaos runs."""

    def __init__(self, skew: timedelta) -> None:
        self.skew = skew

    def now(self) -> datetime:
        return datetime.now(UTC) + self.skew


def host_clock() -> Clock:
    """This host's clock, skewed when `LOA_TEST_CLOCK_SKEW_S` says so."""
    skew = float(os.environ.get("LOA_TEST_CLOCK_SKEW_S", "0") or 0)
    return SkewedClock(timedelta(seconds=skew)) if skew else SystemClock()


class DatabaseClock:
    """The database server's time: the host clock corrected by the offset last measured."""

    REFRESH_S = 10.0

    def __init__(self, engine: Engine, host: Clock | None = None) -> None:
        self.engine = engine
        self.host = host or SystemClock()
        self._offset = timedelta(0)
        self._measured = float("-inf")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        if time.monotonic() - self._measured > self.REFRESH_S:
            self._measure()
        return utc_now(self.host) + self._offset

    def _measure(self) -> None:
        with self._lock:
            if time.monotonic() - self._measured <= self.REFRESH_S:
                return
            try:
                before = utc_now(self.host)
                with self.engine.connect() as conn:
                    server = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
                after = utc_now(self.host)
            except Exception:  # the database unreachable: keep the last offset, try again soon
                self._measured = time.monotonic() - self.REFRESH_S + 1
                return
            if server.tzinfo is None:
                server = server.replace(tzinfo=UTC)
            self._offset = server - (before + (after - before) / 2)
            self._measured = time.monotonic()


def shared_clock(engine: Engine, host: Clock | None = None) -> Clock:
    """The clock workers on `engine` agree on: the database's on PostgreSQL, the host's on
    SQLite (one worker, on the database's host)."""
    host = host or host_clock()
    if engine.dialect.name == "sqlite":
        return host
    return DatabaseClock(engine, host)
