"""What a failing `loa` command prints: one line with the next step, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from campaigns.errors import UserError
from campaigns.settings import Settings
from connectors.base import AuthExpired, PermissionDenied
from scheduler.cli.errors import explain, log_bug
from tests.conftest import REPO


def sql_error(statement: str) -> OperationalError:
    engine = create_engine("sqlite://")
    with engine.connect() as connection, pytest.raises(OperationalError) as caught:
        connection.execute(text(statement))
    return caught.value


def test_a_database_without_tables_says_to_upgrade() -> None:
    line = explain(sql_error("SELECT * FROM campaign"))
    assert line is not None
    assert "has no tables yet: run `loa db upgrade`" in line
    assert "\n" not in line


def test_an_old_schema_says_to_upgrade() -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE campaign (id INTEGER)"))
    with engine.connect() as connection, pytest.raises(OperationalError) as caught:
        connection.execute(text("SELECT key FROM campaign"))
    assert "older than this version of Loa" in (explain(caught.value) or "")


def test_platform_errors_come_with_advice() -> None:
    expired = AuthExpired("Error validating access token", platform="facebook", code="190")
    assert explain(expired) == (
        "Facebook answered: Error validating access token — token expired or revoked: an "
        "admin runs `loa channel connect KEY`"
    )
    denied = PermissionDenied("forbidden", platform="youtube", code="forbidden")
    assert "loa auth youtube" in (explain(denied) or "")


def test_settings_and_files_and_user_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(timezone="Mars/Base")
    assert (explain(caught.value) or "").startswith("settings: LOA_TIMEZONE: ")
    assert explain(UserError("no campaign 'x'")) == "no campaign 'x'"
    missing = FileNotFoundError(2, "No such file or directory", "plan.xlsx")
    assert explain(missing) == "plan.xlsx: No such file or directory"


def test_a_bug_is_logged_for_whoever_fixes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOA_HOME", str(tmp_path / ".loa"))
    with pytest.raises(KeyError) as caught:
        raise KeyError("slot")
    assert explain(caught.value) is None
    line = log_bug(caught.value)
    assert line.startswith("Loa hit an unexpected problem (KeyError: 'slot')")
    assert str(tmp_path / ".loa" / "errors.log") in line
    logged = (tmp_path / ".loa" / "errors.log").read_text()
    assert "Traceback (most recent call last)" in logged
    assert "KeyError: 'slot'" in logged


def test_settings_errors_from_the_command_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOA_")}
    env.update(
        {"LOA_HOME": str(tmp_path / ".loa"), "LOA_TIMEZONE": "Mars/Base", "PYTHONPATH": str(REPO)}
    )
    result = subprocess.run(
        [sys.executable, "-m", "scheduler.cli", "status"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "settings: LOA_TIMEZONE: Value error, unknown time zone 'Mars/Base' "
        "(fix it in the environment or loa.toml)"
    ]


def test_a_bug_logs_no_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.redact import register_secret

    monkeypatch.setenv("LOA_HOME", str(tmp_path / ".loa"))
    register_secret("EAAsecretPageToken1234567890")
    line = log_bug(RuntimeError("GET /me?access_token=EAAsecretPageToken1234567890 failed"))
    logged = (tmp_path / ".loa" / "errors.log").read_text()
    assert "EAAsecretPageToken1234567890" not in logged
    assert "EAAsecretPageToken1234567890" not in line
