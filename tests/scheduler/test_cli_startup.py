"""`loa` starts fast because the heavy modules load only in the commands that need them.

Timing is the benchmark's job (bench/startup_bench.py); this test pins the cause, which does
not depend on how busy the machine is: building the whole command tree (what `loa --help`
does) imports none of the heavy modules.
"""

import json
import subprocess
import sys

from tests.conftest import REPO

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
