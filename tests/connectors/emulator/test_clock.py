"""Clocks: frozen moves only when told, accelerated runs faster, stepped jumps over idle time."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from connectors.emulator.clock import AcceleratedClock, FrozenClock, SteppedClock

START = datetime(2025, 11, 14, 17, 0, tzinfo=UTC)


def test_frozen_clock_moves_only_forward_when_told() -> None:
    clock = FrozenClock(START)
    assert clock.now() == START
    clock.advance(timedelta(hours=2))
    assert clock.now() == START + timedelta(hours=2)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(timedelta(seconds=-1))


def test_clocks_refuse_naive_times() -> None:
    with pytest.raises(ValueError, match="naive"):
        FrozenClock(datetime(2025, 11, 15))


def test_accelerated_clock_runs_faster_than_real_time() -> None:
    clock = AcceleratedClock(START, speed=3600)
    time.sleep(0.05)
    assert clock.now() - START >= timedelta(minutes=3)


def test_stepped_clock_runs_in_real_time_and_jumps_over_idle_time() -> None:
    clock = SteppedClock(START)
    time.sleep(0.02)
    elapsed = clock.now() - START
    assert timedelta(seconds=0.015) <= elapsed < timedelta(seconds=5)
    target = START + timedelta(days=3)
    assert clock.jump_to(target) == target
    assert target <= clock.now() < target + timedelta(seconds=5)
    # Jumping back is a no-op: emulated time never runs backwards.
    before = clock.now()
    clock.jump_to(START)
    assert clock.now() >= before
