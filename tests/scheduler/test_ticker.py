"""The ticker wakes jobs in memory: periodic jobs, one-off wake-ups, installers of other parts."""

import threading
from datetime import timedelta

import pytest

from scheduler.ticker import Ticker, installers, register_installer


def test_periodic_job_and_wake_up_fire() -> None:
    ticker = Ticker()
    ticks: list[str] = []
    twice = threading.Event()
    woke = threading.Event()

    def tick() -> None:
        ticks.append("tick")
        if len(ticks) >= 2:
            twice.set()

    ticker.add_job(tick, 0.05, name="tick", run_now=True)
    ticker.wake_in(woke.set, timedelta(milliseconds=50), "wake")
    ticker.start()
    try:
        # Generous waits: a loaded CI machine may be slow, but both must happen.
        assert woke.wait(5)
        assert twice.wait(5)
        assert "tick" in ticker.job_names()
    finally:
        ticker.shutdown()


def test_a_wake_up_replaces_the_earlier_one() -> None:
    ticker = Ticker()
    fired: list[str] = []
    done = threading.Event()

    def fire(label: str) -> None:
        fired.append(label)
        done.set()

    ticker.wake_in(lambda: fire("late"), timedelta(hours=1), "next")
    ticker.wake_in(lambda: fire("soon"), timedelta(milliseconds=20), "next")
    ticker.start()
    try:
        assert done.wait(5)
    finally:
        ticker.shutdown()
    assert fired == ["soon"]


def test_installers_register_once() -> None:
    def install(ticker: Ticker, context: object) -> None:
        ticker.add_job(lambda: None, 60, name="other-part")

    register_installer(install)
    register_installer(install)
    try:
        assert installers().count(install) == 1
    finally:
        from scheduler import ticker as module

        module._INSTALLERS.remove(install)


def test_stopping_as_a_wake_up_fires_leaves_no_dying_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """APScheduler removes a fired one-off job while `shutdown` may already have marked it
    stopped; its thread then died with "no such job" (about four stops in ten, before)."""
    died: list[str] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: died.append(repr(args.exc_value)))
    for _ in range(100):
        ticker = Ticker()
        fired = threading.Event()
        ticker.wake_in(fired.set, timedelta(milliseconds=1), "next")
        ticker.start()
        assert fired.wait(5)
        ticker.shutdown()
    assert died == []
