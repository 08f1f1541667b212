"""The daemon around the passes, the one-worker rule on SQLite, and `loa run` itself."""

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.db import make_engine, upgrade
from campaigns.errors import UserError
from campaigns.models import PublicationState, Worker
from scheduler import worker as worker_module
from scheduler.clock import SystemClock
from scheduler.worker import Daemon, PassReport, single_worker_guard
from tests.scheduler import factories as f
from tests.scheduler.fakes import Rig, TestClock

S = PublicationState


def test_daemon_publishes_at_each_due_time_and_stops_cleanly(sqlite_engine: Engine) -> None:
    rig = Rig(sqlite_engine)
    now = datetime.now(UTC)
    ids = f.grid(
        sqlite_engine,
        [("fb", "facebook", "p1")],
        [now - timedelta(seconds=5), now + timedelta(seconds=1)],
    )
    daemon = Daemon(
        sqlite_engine, rig.settings, SystemClock(), "d1", connectors=rig.connectors, poll_seconds=30
    )
    _run_until_published(daemon, rig, ids[1])
    # The second one went out at its own time, woken by the due-time job, not the 30 s poll.
    assert [rig.pub(i).state for i in ids] == [S.PUBLISHED, S.PUBLISHED]
    [attempt] = rig.attempts(ids[1])
    assert 0 <= attempt.evidence["lateness_s"] < 5
    with Session(sqlite_engine) as session:
        worker = session.get(Worker, "d1")
        assert worker is not None
        assert worker.stopped_at is not None


def test_a_row_falling_due_as_a_pass_ends_gets_a_pass_at_once(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second row falls due after the first pass's last claim but before it ends (a slow
    machine): it must go out at once, not wait for the 30 s poll."""
    start = datetime.now(UTC)
    clock = TestClock(start)
    rig = Rig(sqlite_engine, clock=clock)
    ids = f.grid(
        sqlite_engine,
        [("fb", "facebook", "p1")],
        [start - timedelta(seconds=5), start + timedelta(seconds=1)],
    )
    real_run_once = worker_module.run_once
    passes: list[PassReport] = []

    def slow_end(*args: Any, **kwargs: Any) -> PassReport:
        report = real_run_once(*args, **kwargs)
        if not passes:
            clock.advance(timedelta(seconds=2))  # past the second row's due time
        passes.append(report)
        return report

    monkeypatch.setattr(worker_module, "run_once", slow_end)
    daemon = Daemon(
        sqlite_engine, rig.settings, clock, "d1", connectors=rig.connectors, poll_seconds=30
    )
    _run_until_published(daemon, rig, ids[1])
    assert [rig.pub(i).state for i in ids] == [S.PUBLISHED, S.PUBLISHED]
    assert [p.claimed for p in passes[:2]] == [1, 1]


def _run_until_published(daemon: Daemon, rig: Rig, publication_id: int) -> None:
    """Run the daemon in a thread until the publication is out (10 s at most), then stop it."""
    thread = threading.Thread(target=daemon.run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and rig.pub(publication_id).state != S.PUBLISHED:
            time.sleep(0.05)
    finally:
        daemon.stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_second_worker_on_sqlite_is_refused(sqlite_engine: Engine) -> None:
    with (
        single_worker_guard(sqlite_engine, SystemClock()),
        pytest.raises(UserError, match="SQLite allows one worker"),
        single_worker_guard(sqlite_engine, SystemClock()),
    ):
        pass  # pragma: no cover
    with single_worker_guard(sqlite_engine, SystemClock()):
        pass  # released when the first one ended


def _loa(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "LOA_HOME": str(home), **env}
    full.pop("LOA_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=home.parent,
        timeout=60,
    )


def test_loa_run_once_exits_zero_and_a_second_run_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    engine = make_engine(f"sqlite:///{home / 'loa.db'}")
    upgrade(engine)
    done = _loa(["run", "--once", "--worker-id", "cli-1"], home)
    assert done.returncode == 0, done.stderr
    assert "cli-1: 0 claimed" in done.stdout
    with single_worker_guard(engine, SystemClock()):
        refused = _loa(["run", "--once"], home)
    assert refused.returncode == 1
    assert "SQLite allows one worker" in refused.stderr
    assert "Traceback" not in refused.stderr
    engine.dispose()
