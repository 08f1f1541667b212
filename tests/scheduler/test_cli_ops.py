"""`loa status` and `loa alerts` as an operator scripts them."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.db import make_engine, upgrade
from campaigns.models import AlertKind
from campaigns.settings import Settings
from scheduler.alerts import raise_alert
from scheduler.clock import SystemClock
from tests.conftest import REPO
from tests.scheduler.ops_data import add_publication, make_world


def loa(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def seeded(loa_home: Path) -> int:
    engine = make_engine(f"sqlite:///{loa_home / 'loa.db'}")
    upgrade(engine)
    world = make_world(engine)
    pub = add_publication(engine, world, "post", "fb", datetime(2030, 11, 16, 13, 0, tzinfo=UTC))
    with Session(engine) as s:
        alert = raise_alert(s, AlertKind.FAILED, "publication failed", dedupe="failed:1")
        s.commit()
        assert alert is not None
        assert alert.id is not None
        alert_id = alert.id
    engine.dispose()
    assert pub.id is not None
    return alert_id


def test_alerts_list_json_and_resolve(loa_home: Path) -> None:
    alert_id = seeded(loa_home)
    cwd = loa_home.parent

    listed = loa("alerts", "--json", cwd=cwd)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["kind"], r["message"]) for r in rows] == [
        (alert_id, "failed", "publication failed")
    ]
    assert rows[0]["created_at"].endswith("+07:00")

    table = loa("alerts", cwd=cwd)
    assert table.returncode == 0
    assert "publication failed" in table.stdout

    resolved = loa("alerts", "resolve", str(alert_id), cwd=cwd)
    assert resolved.returncode == 0, resolved.stderr
    assert json.loads(loa("alerts", "--json", cwd=cwd).stdout) == []
    assert len(json.loads(loa("alerts", "--all", "--json", cwd=cwd).stdout)) == 1


def test_resolving_an_unknown_alert_exits_1_without_traceback(loa_home: Path) -> None:
    seeded(loa_home)
    result = loa("alerts", "resolve", "999", cwd=loa_home.parent)
    assert result.returncode == 1
    assert "no alert with id 999" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_json_and_table(loa_home: Path) -> None:
    seeded(loa_home)
    cwd = loa_home.parent
    result = loa("status", "--json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["queue"]["approved"] == 1
    assert data["open_alerts"] == 1
    assert data["next_due"][0]["scheduled_at"] == "2030-11-16T20:00:00+07:00"
    assert {c["key"] for c in data["channels"]} == {"ncfaw-fb", "ncfaw-yt"}

    table = loa("status", cwd=cwd)
    assert table.returncode == 0, table.stderr
    assert "ncfaw-fb" in table.stdout
    assert "Open alerts: 1" in table.stdout

    missing = loa("status", "--campaign", "nope", cwd=cwd)
    assert missing.returncode == 1
    assert "no campaign with key 'nope'" in missing.stderr


def test_loa_run_installs_the_periphery_jobs(sqlite_engine: Engine, tmp_path: Path) -> None:
    import importlib

    from scheduler.cli.run_cmd import JOB_MODULES  # what `loa run` imports before it starts
    from scheduler.ticker import JobContext, Ticker, installers

    for name in JOB_MODULES:
        importlib.import_module(name)

    ticker = Ticker()
    context = JobContext(sqlite_engine, Settings(home=tmp_path), SystemClock(), "w1")
    for install in installers():
        install(ticker, context)
    assert {"handoff", "preflight", "token-health", "quota-plan", "alert-mail", "metrics"} <= set(
        ticker.job_names()
    )
