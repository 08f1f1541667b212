"""The scheduler's sense of time, injectable so tests and the accelerated demo drive it.

Anything with `now() -> aware datetime` is a clock: `SystemClock` here, and the emulator's
`FrozenClock` / `AcceleratedClock` satisfy the same protocol.
"""

from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


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
