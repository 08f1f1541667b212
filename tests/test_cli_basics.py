"""The command line as an operator scripts it: help, schema, user errors without tracebacks."""

import subprocess
import sys
from pathlib import Path


def loa(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", *args], cwd=cwd, capture_output=True, text=True
    )


def test_help_lists_commands(loa_home: Path) -> None:
    result = loa("--help", cwd=loa_home.parent)
    assert result.returncode == 0
    assert "db" in result.stdout


def test_db_upgrade_creates_sqlite_under_home(loa_home: Path) -> None:
    result = loa("db", "upgrade", cwd=loa_home.parent)
    assert result.returncode == 0, result.stderr
    assert (loa_home / "loa.db").exists()
