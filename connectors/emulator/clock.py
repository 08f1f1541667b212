"""Clocks the emulator (and Loa, in the demo) read time from.

Every clock answers `now()` with an aware UTC datetime. The frozen clock moves only when told to;
the accelerated clock runs `speed` emulated seconds per real second from `start`, so a month-long
campaign plays out in minutes.
"""

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} given to a clock")
    return value.astimezone(UTC)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FrozenClock:
    """A clock that stands still until advanced or set; for tests that drive time."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("a clock does not run backwards")
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> datetime:
        with self._lock:
            self._now = _aware(when)
            return self._now

    def __repr__(self) -> str:
        return f"FrozenClock({self.now().isoformat()})"


class AcceleratedClock:
    """Emulated time that runs `speed` times faster than real time, starting at `start`."""

    def __init__(self, start: datetime, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.start = _aware(start)
        self.speed = speed
        self._origin = time.monotonic()

    def now(self) -> datetime:
        elapsed = time.monotonic() - self._origin
        return self.start + timedelta(seconds=elapsed * self.speed)

    def __repr__(self) -> str:
        return f"AcceleratedClock(start={self.start.isoformat()}, speed={self.speed})"


class SteppedClock:
    """Emulated time that runs at real speed while work is in hand and jumps ahead when idle.

    A simulation clock for the demo: the month plays out in as long as the work takes, yet a
    publication dispatched at its minute is late by only the real seconds it took, as it would be.
    """

    def __init__(self, start: datetime) -> None:
        self._base = _aware(start)
        self._mark = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._base + timedelta(seconds=time.monotonic() - self._mark)

    def jump_to(self, when: datetime) -> datetime:
        """Skip idle time up to `when`; a time already passed leaves the clock as it is."""
        target = _aware(when)
        with self._lock:
            current = self._base + timedelta(seconds=time.monotonic() - self._mark)
            if target > current:
                self._base, self._mark = target, time.monotonic()
            return max(target, current)

    def __repr__(self) -> str:
        return f"SteppedClock({self.now().isoformat()})"
