"""`loa metrics pull` as an operator runs it: summary, bad dates, unknown campaigns."""

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from campaigns.db import make_engine, upgrade
from campaigns.models import MeasurementPlan, PublicationState
from tests.scheduler.ops_data import add_publication, make_world

AT = datetime(2025, 11, 25, 2, 0, tzinfo=UTC)  # 09:00 in Ha Noi


def loa(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", *args], cwd=cwd, capture_output=True, text=True
    )


def _upgraded(home: Path) -> None:
    engine = make_engine(f"sqlite:///{home / 'loa.db'}")
    upgrade(engine)
    engine.dispose()


def test_pull_with_nothing_published_reports_zero(loa_home: Path) -> None:
    _upgraded(loa_home)
    result = loa("metrics", "pull", cwd=loa_home.parent)
    assert result.returncode == 0, result.stderr
    assert "0 items measured of 0 published, 0 snapshots written" in result.stdout
    # Nothing measured is never the last word: it says when numbers will come.
    assert "numbers come with the first pull after a post goes out" in result.stdout


def test_bad_since_and_unknown_campaign_exit_1_without_traceback(loa_home: Path) -> None:
    _upgraded(loa_home)
    bad = loa("metrics", "pull", "--since", "15/11/2025", cwd=loa_home.parent)
    assert bad.returncode == 1
    assert "not a date" in bad.stderr
    assert "Traceback" not in bad.stderr
    unknown = loa("metrics", "pull", "--campaign", "no-such", cwd=loa_home.parent)
    assert unknown.returncode == 1
    assert "no campaign with key 'no-such'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_a_manual_pull_measures_what_is_published_and_says_when_numbers_are_next_due(
    loa_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By hand, every published item is measured now (not only what the decaying schedule has
    due); `--due-only` is the scheduler's pass. Then the next measuring point, local time."""
    import scheduler.metrics_jobs
    from scheduler.cli import app
    from scheduler.metrics_jobs import PullReport

    _upgraded(loa_home)
    engine = make_engine(f"sqlite:///{loa_home / 'loa.db'}")
    world = make_world(engine)
    pub = add_publication(
        engine, world, "post", "fb", AT, PublicationState.PUBLISHED, external_id="1_2"
    )
    assert pub.id is not None
    with Session(engine) as s:
        s.add(MeasurementPlan(publication_id=pub.id, next_due_at=AT + timedelta(hours=1)))
        s.commit()
    engine.dispose()
    asked: list[date | None] = []

    def fake_pull(*_args: object, since: date | None = None, **_kw: object) -> PullReport:
        asked.append(since)
        return PullReport(due=1, items_measured=1, snapshots_written=4)

    monkeypatch.setattr(scheduler.metrics_jobs, "pull_metrics", fake_pull)
    runner = CliRunner()
    now = runner.invoke(app, ["metrics", "pull"])
    assert now.exit_code == 0, now.output
    assert asked == [date(2000, 1, 1)]  # everything published, whatever is due
    assert "1 item measured of 1 published, 4 snapshots written" in now.output
    assert "Next numbers due 25/11/2025 10:00 (Asia/Ho_Chi_Minh)" in now.output
    due = runner.invoke(app, ["metrics", "pull", "--due-only"])
    assert due.exit_code == 0, due.output
    assert asked[-1] is None
    assert "1 item measured of 1 due" in due.output
