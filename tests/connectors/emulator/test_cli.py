"""`loa emulator` serves until SIGTERM and prints where its files are, never a token."""

import json
import signal
import subprocess
import sys
from pathlib import Path

import requests


def test_loa_emulator_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "emu"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from scheduler.cli import main; main()",
            "emulator",
            "--port",
            "0",
            "--state-dir",
            str(state),
            "--pages",
            "3",
            "--channels",
            "2",
            "--seed",
            "11",
            "--platform",
            "unverified_project=true",
            "--platform",
            "analytics_delay_hours=72",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        base_url = first.split("at ", 1)[1].strip()
        second = proc.stdout.readline()
        assert str(state / "emulator.env") in second
        health = requests.get(
            base_url + "_emulator/health", verify=str(state / "ca.pem"), timeout=5
        )
        assert health.json()["ok"] is True
        switches = requests.get(
            base_url + "_emulator/platform", verify=str(state / "ca.pem"), timeout=5
        ).json()
        assert switches["unverified_project"] is True
        assert switches["analytics_delay_hours"] == 72.0
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    accounts = json.loads((state / "accounts.json").read_text())
    printed = first + second + out + err
    for pg in accounts["facebook_pages"]:
        assert pg["access_token"] not in printed


def test_bad_fault_spec_exits_1_with_the_rule(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from scheduler.cli import main; main()",
            "emulator",
            "--state-dir",
            str(tmp_path),
            "--faults",
            "5xx,bogus",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 1
    assert "bogus" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_bad_platform_switch_exits_1_naming_it(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from scheduler.cli import main; main()",
            "emulator",
            "--state-dir",
            str(tmp_path),
            "--platform",
            "unverified=true",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 1
    assert "unknown platform switch 'unverified'" in proc.stderr
    assert "Traceback" not in proc.stderr
