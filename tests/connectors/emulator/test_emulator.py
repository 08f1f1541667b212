"""The Emulator handle: state files, settings, objects listing, control endpoints."""

import json
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from connectors.emulator import Emulator, FaultSpecError


def _control(emu: Emulator, name: str, body: dict[str, object] | None = None) -> requests.Response:
    url = emu.base_url + "_emulator/" + name
    if body is None:
        return requests.get(url, verify=str(emu.ca_file), timeout=5)
    return requests.post(url, json=body, verify=str(emu.ca_file), timeout=5)


def test_state_dir_holds_ca_accounts_and_env_only_owner_readable(emulator: Emulator) -> None:
    env_lines = emulator.env_file.read_text().splitlines()
    env = dict(line.split("=", 1) for line in env_lines)
    assert env["LOA_FACEBOOK_GRAPH_URL"] == emulator.base_url
    assert env["LOA_GOOGLE_TOKEN_URL"] == emulator.base_url + "token"
    assert Path(env["LOA_CA_BUNDLE"]) == emulator.ca_file
    assert set(env) >= {
        "LOA_FACEBOOK_API_VERSION",
        "LOA_FACEBOOK_APP_ID",
        "LOA_FACEBOOK_APP_SECRET",
        "LOA_YOUTUBE_API_URL",
        "LOA_YOUTUBE_ANALYTICS_URL",
    }
    for path in (emulator.env_file, emulator.accounts_file):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    accounts = json.loads(emulator.accounts_file.read_text())
    pages = accounts["facebook_pages"]
    assert [p["id"] for p in pages[:3]] == ["104251380000001", "104251380000002", "104251380000003"]
    assert len(pages) == 40
    assert all(p["access_token"].startswith("EAA") and p["name"] for p in pages)
    channel = accounts["youtube_channels"][0]
    assert channel["id"] == "UCvnGenderEquality0000001"
    assert channel["credentials"]["type"] == "authorized_user"
    assert channel["credentials"]["token_uri"] == emulator.base_url + "token"


def test_same_seed_gives_same_accounts(tmp_path: Path) -> None:
    with Emulator(tmp_path / "a", seed=3, pages=2, channels=1) as a:
        first = a.accounts
    with Emulator(tmp_path / "b", seed=3, pages=2, channels=1) as b:
        second = b.accounts
    with Emulator(tmp_path / "c", seed=4, pages=2, channels=1) as c:
        other = c.accounts
    strip = lambda acc: json.dumps(acc["facebook_pages"]) + acc["facebook_app"]["app_secret"]  # noqa: E731
    assert strip(first) == strip(second)
    assert strip(first) != strip(other)


def test_bad_fault_spec_is_refused_naming_the_rule(tmp_path: Path) -> None:
    with pytest.raises(FaultSpecError, match="explode"):
        Emulator(tmp_path, faults="5xx,explode:facebook")


def test_health_and_fault_control(emulator: Emulator) -> None:
    assert _control(emulator, "health").json()["ok"] is True
    assert _control(emulator, "faults", {"spec": "5xx:youtube#2"}).json() == {
        "spec": "5xx:youtube#2"
    }
    bad = _control(emulator, "faults", {"spec": "5xx@2"})
    assert bad.status_code == 400
    assert "5xx@2" in bad.json()["error"]


def test_clock_control_moves_only_a_frozen_clock(
    emulator: Emulator, frozen_emulator: Emulator
) -> None:
    assert _control(emulator, "clock", {"advance_s": 60}).status_code == 409
    before = frozen_emulator.clock.now()
    moved = _control(frozen_emulator, "clock", {"advance_s": 3600}).json()
    assert moved["now"] == (before + timedelta(hours=1)).isoformat()
    assert frozen_emulator.clock.now() == before + timedelta(hours=1)


def test_connector_config_points_at_the_emulator(emulator: Emulator) -> None:
    config = emulator.connector_config()
    assert config.facebook_graph_url == emulator.base_url
    assert config.ca_bundle == emulator.ca_file
    assert config.facebook_app_secret is not None
    assert config.facebook_app_secret.reveal() == emulator.accounts["facebook_app"]["app_secret"]
