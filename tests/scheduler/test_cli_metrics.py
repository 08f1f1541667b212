"""`loa metrics pull` as an operator runs it: summary, bad dates, unknown campaigns."""

import subprocess
import sys
from pathlib import Path

from campaigns.db import make_engine, upgrade


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
