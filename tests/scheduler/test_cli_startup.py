"""`loa` starts fast because the heavy modules load only in the commands that need them.

Timing is the benchmark's job (bench/startup_bench.py); these tests pin the cause, which does
not depend on how busy the machine is: building the whole command tree (what `loa --help`
does) imports none of the heavy modules, and `loa status` on the embedded database imports no
database layer at all.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine

from tests.conftest import REPO
from tests.scheduler.ops_data import make_world

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "psycopg",
    "openpyxl",
    "numpy",
    "pandas",
    "plotly",
    "streamlit",
    "googleapiclient",
    "facebook",
    "pydantic_settings",
    "connectors.emulator",
    "campaigns.models",
)

PROBE = """
import json, sys
import typer.main
from scheduler.cli import app
group = typer.main.get_command(app)
def walk(command):
    for sub in getattr(command, "commands", {}).values():
        walk(sub)
walk(group)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {h.split(".")[0] for h in HEAVY} and any(m == h or m.startswith(h + ".") for h in HEAVY))))
"""


def test_the_command_tree_loads_no_heavy_module() -> None:
    code = f"HEAVY = {HEAVY!r}\n" + PROBE
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []


def test_help_lists_every_command_without_the_database_layer() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "scheduler.cli", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    for name in ("status", "retry", "review", "scorecard", "report", "dashboard"):
        assert f"  {name} " in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert not imported & {"sqlalchemy", "openpyxl", "alembic", "numpy"}


def _status(folder: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`loa status` in `folder` (its LOA_HOME), with the modules it imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOA_")}
    env.update({"LOA_HOME": str(folder), "PYTHONPATH": str(REPO), "COLUMNS": "200"})
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "scheduler.cli", "status", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    return result, imported


def test_status_reads_the_embedded_database_without_sqlalchemy(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    # `loa status` is the command typed all day: plain SQL through sqlite3 (campaigns.reader),
    # no SQLAlchemy, SQLModel or models, which took most of its start-up time.
    make_world(sqlite_engine)
    sqlite_engine.dispose()
    result, imported = _status(tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    assert [c["key"] for c in json.loads(result.stdout)["channels"]] == ["ncfaw-fb", "ncfaw-yt"]
    assert "scheduler.status" in imported
    assert not imported & {"sqlalchemy", "sqlmodel", "campaigns.models", "campaigns.db", "alembic"}


def test_status_without_a_database_says_so_in_one_line(tmp_path: Path) -> None:
    result, imported = _status(tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if "import time:" not in line]
    assert lines == ["the database is empty: run `loa db upgrade` or `loa campaign import FILE`"]
    assert not (tmp_path / "loa.db").exists()  # a read does not leave an empty database behind
    assert "sqlalchemy" not in imported
