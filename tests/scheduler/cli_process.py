"""`loa` run as an officer runs it: a fresh process in a folder, with that folder's LOA_HOME."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def loa(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`loa ARGS` in `folder`, 80 columns wide, no input; no LOA_ setting of the test run leaks
    in (a database URL or a session token would point the command elsewhere)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOA_")}
    env.update({"LOA_HOME": str(folder / ".loa"), "PYTHONPATH": str(REPO), "COLUMNS": "80"})
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
