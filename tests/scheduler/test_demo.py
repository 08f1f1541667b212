"""`loa demo` at very high speed: the reference campaign goes out, once each, on the emulator."""

from pathlib import Path

from rich.console import Console

from scheduler.demo import run_demo


def test_demo_publishes_the_month_once_each(loa_home: Path) -> None:
    console = Console(record=True, width=160)
    result = run_demo(loa_home / "demo", console=console)

    done = sum(result.states.values())
    assert done > 100  # the reference campaign's month
    # Every publication went out, or stopped with a reason; none is still waiting.
    assert set(result.states) <= {"published", "failed", "needs_review", "missed", "cancelled"}
    assert result.states.get("published", 0) >= 0.95 * done
    # Exactly once: one emulator object per publication published.
    assert result.emulator_objects == result.states["published"]
    assert result.scorecard
    assert {"objective", "kpi", "status"} <= set(result.scorecard[0])
    text = console.export_text()
    assert "published" in text
    assert "Done in" in text
