"""The demo's ticker runs the jobs `loa run` installs on emulated time, `speed` times slower."""

from scheduler.demo_ticker import EmulatedTicker


def test_emulated_ticker_runs_installed_jobs_on_scaled_intervals() -> None:
    from datetime import UTC, datetime, timedelta

    from connectors.emulator.clock import FrozenClock

    clock = FrozenClock(datetime(2025, 11, 15, tzinfo=UTC))
    ticker = EmulatedTicker(clock, speed=72, skip=frozenset({"handoff"}))
    ran: list[str] = []
    ticker.add_job(lambda: ran.append("metrics"), 300, name="metrics")
    ticker.add_job(lambda: ran.append("reports"), 300, name="reports", run_now=True)
    ticker.add_job(lambda: ran.append("handoff"), 60, name="handoff", run_now=True)
    assert ticker.job_names() == ["metrics", "reports"]
    assert ticker.run_due() == ["reports"]
    clock.advance(timedelta(hours=6))  # 300 s x 72
    assert ticker.run_due() == ["metrics", "reports"]
    assert ticker.next_time() == clock.now() + timedelta(hours=6)
    assert "handoff" not in ran
