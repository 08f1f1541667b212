"""The ticker wakes jobs in memory: periodic jobs, one-off wake-ups, installers of other parts."""

import threading
from datetime import timedelta

from scheduler.ticker import Ticker, installers, register_installer


def test_periodic_job_and_wake_up_fire() -> None:
    ticker = Ticker()
    ticks: list[str] = []
    woke = threading.Event()
    ticker.add_job(lambda: ticks.append("tick"), 0.05, name="tick", run_now=True)
    ticker.wake_in(woke.set, timedelta(milliseconds=50), "wake")
    ticker.start()
    try:
        assert woke.wait(5)
        deadline = threading.Event()
        deadline.wait(0.3)
        assert len(ticks) >= 2
        assert "tick" in ticker.job_names()
    finally:
        ticker.shutdown()


def test_a_wake_up_replaces_the_earlier_one() -> None:
    ticker = Ticker()
    fired: list[str] = []
    ticker.wake_in(lambda: fired.append("late"), timedelta(hours=1), "next")
    ticker.wake_in(lambda: fired.append("soon"), timedelta(milliseconds=20), "next")
    ticker.start()
    try:
        threading.Event().wait(0.4)
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
