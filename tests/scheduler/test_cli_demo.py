"""`loa demo`'s own command line: a bad fault spec is refused before anything runs, and the
dashboard it serves stops with it."""

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scheduler.cli import demo_cmd

runner = CliRunner()


def test_a_bad_fault_spec_is_a_clear_error(loa_home: Path) -> None:
    from scheduler.cli import app

    out = runner.invoke(app, ["demo", "--no-serve", "--faults", "flood@2"])
    assert out.exit_code == 1
    assert "--faults" in out.output
    assert "flood" in out.output
    assert not (loa_home / "demo").exists()


def test_sigterm_stops_the_served_dashboard_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "child.pid"
    child = f"import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    monkeypatch.setattr(
        demo_cmd, "streamlit_command", lambda port, address: [sys.executable, "-c", child]
    )

    def terminate_when_started() -> None:
        deadline = time.monotonic() + 20
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=terminate_when_started, daemon=True).start()
    before = signal.getsignal(signal.SIGTERM)
    started = time.monotonic()
    assert demo_cmd.serve({"LOA_HOME": str(tmp_path)}, 8599) == 0
    assert time.monotonic() - started < 30
    pid = int(marker.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the app's process is gone, not orphaned
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is put back
