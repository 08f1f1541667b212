"""`loa dashboard`: the app on the configured database, headless, on loopback unless sign-in is
configured."""

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from campaigns.accounts import hash_password
from campaigns.db import make_engine, upgrade
from campaigns.models import User
from campaigns.settings import get_settings
from scheduler.cli import app
from scheduler.cli import dashboard_cmd as dashboard

runner = CliRunner()


@pytest.fixture
def launched(loa_home: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What would have been started, instead of starting it."""
    upgrade(make_engine(get_settings().effective_database_url))
    calls: list[dict[str, Any]] = []

    def fake_call(args: list[str], env: dict[str, str]) -> int:
        calls.append({"args": args, "env": env})
        return 0

    monkeypatch.setattr(dashboard.subprocess, "call", fake_call)
    return calls


def option(args: list[str], name: str) -> str:
    return args[args.index(f"--{name}") + 1]


def test_runs_the_app_headless_on_loopback_with_the_same_database(
    launched: list[dict[str, Any]], loa_home: Path
) -> None:
    result = runner.invoke(app, ["dashboard", "--port", "8611"])
    assert result.exit_code == 0, result.output
    (call,) = launched
    args = call["args"]
    assert args[1:4] == ["-m", "streamlit", "run"]
    assert Path(args[4]) == dashboard.APP
    assert dashboard.APP.exists()
    assert option(args, "server.port") == "8611"
    assert option(args, "server.address") == "127.0.0.1"
    assert option(args, "server.headless") == "true"
    url = call["env"]["LOA_DATABASE_URL"]
    assert url == f"sqlite:///{(loa_home / 'loa.db').resolve()}"
    assert "http://127.0.0.1:8611" in result.output


def test_refuses_an_outside_address_while_no_user_is_registered(
    launched: list[dict[str, Any]],
) -> None:
    result = runner.invoke(app, ["dashboard", "--address", "0.0.0.0"])
    assert result.exit_code == 1
    assert "refusing to listen on 0.0.0.0" in str(result.exception) + result.output
    assert launched == []


def test_listens_beyond_loopback_once_sign_in_is_configured(
    launched: list[dict[str, Any]],
) -> None:
    with Session(make_engine(get_settings().effective_database_url)) as s:
        s.add(User(username="an", role="admin", password_hash=hash_password("a long password")))
        s.commit()
    result = runner.invoke(app, ["dashboard", "--address", "0.0.0.0", "--port", "8612"])
    assert result.exit_code == 0, result.output
    assert option(launched[0]["args"], "server.address") == "0.0.0.0"


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.5", False),
        ("dashboard.example.org", False),
    ],
)
def test_loopback(address: str, loopback: bool) -> None:
    assert dashboard.is_loopback(address) is loopback
