"""`loa demo --no-serve` at high speed: the reference campaign goes out through injected faults,
each planned item exactly once on the emulator, with the weekly and final reports on disk."""

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import scheduler.demo
from scheduler.demo import DEFAULT_FAULTS, DemoResult, report_moments

runner = CliRunner()
SPEED = "576"  # the metric pass every 48 emulated hours: the month in a fraction of the default


def _matches(obj: dict[str, Any], external_id: str) -> bool:
    """A Facebook video's post is `<page>_<video>`; Loa keeps the video's id."""
    return external_id in (obj["id"], obj.get("media_id"), str(obj["id"]).rsplit("_", 1)[-1])


@pytest.fixture
def no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    # Printing six PDFs takes longer than the month; the workbooks and pages are the reports.
    monkeypatch.setenv("LOA_CHROMIUM_PATH", "/nonexistent/chromium")


def test_loa_demo_no_serve_publishes_every_item_once_and_writes_reports(
    loa_home: Path, no_pdf: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler.cli import app

    results: list[DemoResult] = []
    real = scheduler.demo.run_demo

    def keep(*args: Any, **kwargs: Any) -> DemoResult:
        results.append(real(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(scheduler.demo, "run_demo", keep)
    out = runner.invoke(app, ["demo", "--no-serve", "--speed", SPEED])

    assert out.exit_code == 0, out.output
    (result,) = results
    # Every planned item of the reference campaign went out, none stopped or waiting.
    assert result.states == {"published": 220}
    # Exactly once: each publication is one object on the emulator, and nothing else was made.
    assert len(result.objects) == len(result.published) == 220
    for pub_id, external_id in result.published.items():
        found = [o for o in result.objects if _matches(o, external_id)]
        assert len(found) == 1, (pub_id, external_id, found)
    # The faults happened and were recovered from (the default spec fires on a month's calls).
    assert result.troubles["reconciled"] + result.troubles["retried"] > 0
    # The refused token paused its channel with an alert; reconnected, its posts still went out.
    assert result.troubles["alerts"] >= 1
    assert "the admin reconnects it" in out.output
    # The weekly reports of every Monday and the final report, as the scheduler writes them.
    reports = result.home / "reports" / result.campaign
    weeks = sorted(p.name for p in reports.iterdir())
    assert weeks == ["2025-W46", "2025-W47", "2025-W48", "2025-W49", "2025-W50", "final"]
    for week in weeks:
        suffixes = Counter(p.suffix for p in (reports / week).iterdir())
        assert suffixes == {".xlsx": 1, ".html": 1}, week
    assert result.home == loa_home / "demo"
    # The sign-ins the dashboard asks for are printed.
    assert "quanly" in out.output
    assert "canbo" in out.output
    for person in result.people:
        assert person.password in out.output


def test_report_moments_are_mondays_at_eight_and_the_morning_after() -> None:
    from datetime import date

    moments = report_moments(date(2025, 11, 15), date(2025, 12, 15))
    local = [m.astimezone(scheduler.demo.ZONE) for m in moments]
    assert [f"{m:%a %d/%m %H:%M}" for m in local] == [
        "Mon 17/11 08:00",
        "Mon 24/11 08:00",
        "Mon 01/12 08:00",
        "Mon 08/12 08:00",
        "Mon 15/12 08:00",
        "Tue 16/12 08:00",
    ]
    assert DEFAULT_FAULTS  # the demo injects faults unless told otherwise
