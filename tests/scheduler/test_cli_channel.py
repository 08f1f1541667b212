"""`loa channel connect|list` against the emulator: verified, stored encrypted, never shown."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from campaigns.settings import get_settings
from connectors.emulator import Emulator
from scheduler.cli import app
from tests.scheduler.emulator_home import db_bytes, point_at

runner = CliRunner()


@pytest.fixture
def loa(loa_home: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A Loa home pointed at the emulator, with one campaign's Facebook and YouTube channels."""
    point_at(
        emulator,
        monkeypatch,
        [
            ("ncfaw-fb", "facebook", "104251380000001"),
            ("ncfaw-yt", "youtube", "UCvnGenderEquality0000001"),
            ("other-fb", "facebook", "104251380000002"),
        ],
    )
    yield loa_home
    get_settings.cache_clear()


def test_connect_facebook_stores_no_plain_token(
    loa: Path, emulator: Emulator, tmp_path: Path
) -> None:
    token = emulator.accounts["facebook_pages"][0]["access_token"]
    token_file = tmp_path / "page.json"
    token_file.write_text(json.dumps({"access_token": token}))
    result = runner.invoke(app, ["channel", "connect", "ncfaw-fb", "--token-file", str(token_file)])
    assert result.exit_code == 0, result.output
    assert "Connected ncfaw-fb" in result.output
    assert "health ok" in result.output
    assert token not in result.output
    assert token.encode() not in db_bytes()
    listing = runner.invoke(app, ["channel", "list"])
    assert listing.exit_code == 0, listing.output
    assert token not in listing.output
    listed = runner.invoke(app, ["channel", "list", "--json"])
    assert token not in listed.output
    rows = {row["channel"]: row for row in json.loads(listed.output)}
    assert rows["ncfaw-fb"]["connected"] is True
    assert rows["ncfaw-fb"]["health"] == "ok"
    assert rows["other-fb"]["connected"] is False


def test_connect_youtube_with_authorized_user_json(
    loa: Path, emulator: Emulator, tmp_path: Path
) -> None:
    doc = emulator.accounts["youtube_channels"][0]["credentials"]
    path = tmp_path / "authorized_user.json"
    path.write_text(json.dumps(doc))
    result = runner.invoke(
        app, ["channel", "connect", "ncfaw-yt", "--google-credentials", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "health ok" in result.output
    raw = db_bytes()
    assert doc["refresh_token"].encode() not in raw
    assert doc["client_secret"].encode() not in raw
    assert doc["refresh_token"] not in result.output


def test_a_refused_token_is_not_stored(loa: Path, tmp_path: Path) -> None:
    bad = "EAAnotarealtoken000000000000"
    path = tmp_path / "bad.txt"
    path.write_text(bad + "\n")
    result = runner.invoke(app, ["channel", "connect", "ncfaw-fb", "--token-file", str(path)])
    assert result.exit_code == 1
    assert bad not in result.output
    listing = runner.invoke(app, ["channel", "list"])
    assert "yes" not in listing.output


def test_no_verify_stores_with_unknown_health(loa: Path, tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("EAAunverifiedtoken12345")
    result = runner.invoke(
        app, ["channel", "connect", "ncfaw-fb", "--token-file", str(path), "--no-verify"]
    )
    assert result.exit_code == 0, result.output
    assert "health unknown" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["channel", "connect", "nope", "--token-file", "x"], "no channel 'nope'"),
        (["channel", "connect", "ncfaw-fb"], "exactly one of"),
        (["channel", "connect", "ncfaw-yt", "--token-file", "x"], "use --google-credentials"),
        (["channel", "connect", "ncfaw-fb", "--token-file", "missing.txt"], "cannot read"),
    ],
)
def test_bad_input_exits_1_with_a_message(loa: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in str(result.exception) + result.output


def test_auth_facebook_connects_the_pages_that_are_channels(
    loa: Path, emulator: Emulator, tmp_path: Path
) -> None:
    user_token = emulator.accounts["facebook_user"]["access_token"]
    path = tmp_path / "user.txt"
    path.write_text(user_token)
    result = runner.invoke(
        app, ["auth", "facebook", "--user-token-file", str(path)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Connected ncfaw-fb" in result.output
    assert "Connected other-fb" in result.output
    assert "Pages with no channel in Loa" in result.output
    assert user_token not in result.output
    raw = db_bytes()
    assert user_token.encode() not in raw
    for page in emulator.accounts["facebook_pages"][:2]:
        assert page["access_token"].encode() not in raw


def test_only_an_admin_connects_and_every_connection_is_audited(
    loa: Path, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlmodel import Session, create_engine, select

    from campaigns.accounts import setup_identity
    from campaigns.models import AuditLog
    from campaigns.users import add_user

    token = emulator.accounts["facebook_pages"][0]["access_token"]
    token_file = tmp_path / "page.txt"
    token_file.write_text(token)
    password = tmp_path / "pw"
    password.write_text("a long enough password\n")
    engine = create_engine(get_settings().effective_database_url)
    with Session(engine) as s:
        admin = add_user(s, setup_identity(), "an", "admin", password="a long enough password")
        from campaigns.accounts import identity_of

        add_user(s, identity_of(admin), "lan", "manager", password="a long enough password")
        s.commit()
    args = ["channel", "connect", "ncfaw-fb", "--token-file", str(token_file)]
    assert runner.invoke(app, ["login", "lan", "--password-file", str(password)]).exit_code == 0
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert "lan is manager: only admin may connect channels" in str(refused.exception)
    assert runner.invoke(app, ["login", "an", "--password-file", str(password)]).exit_code == 0
    assert runner.invoke(app, args).exit_code == 0
    with Session(engine) as s:
        audit = s.exec(select(AuditLog).where(AuditLog.action == "connect")).all()
    engine.dispose()
    assert [(a.actor, a.entity_id) for a in audit] == [("an", "ncfaw-fb")]
    assert token not in json.dumps([a.detail for a in audit])
