"""`loa channel connect|list` against the emulator: verified, stored encrypted, never shown."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from campaigns.db import make_engine, upgrade
from campaigns.models import Campaign, Channel
from campaigns.settings import get_settings
from connectors.emulator import Emulator
from scheduler.cli import app

runner = CliRunner()


@pytest.fixture
def loa(loa_home: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A Loa home pointed at the emulator, with one campaign's Facebook and YouTube channels."""
    for key, value in emulator.env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    engine = make_engine(get_settings().effective_database_url)
    upgrade(engine)
    from datetime import date

    with Session(engine) as s:
        camp = Campaign(key="am-2025", name="x", starts=date(2025, 11, 15), ends=date(2025, 12, 15))
        s.add(camp)
        s.flush()
        assert camp.id is not None
        s.add(
            Channel(
                campaign_id=camp.id,
                key="ncfaw-fb",
                platform="facebook",
                external_id="104251380000001",
                name="p",
            )
        )
        s.add(
            Channel(
                campaign_id=camp.id,
                key="ncfaw-yt",
                platform="youtube",
                external_id="UCvnGenderEquality0000001",
                name="c",
            )
        )
        s.add(
            Channel(
                campaign_id=camp.id,
                key="other-fb",
                platform="facebook",
                external_id="104251380000002",
                name="q",
            )
        )
        s.commit()
    engine.dispose()
    yield loa_home
    get_settings.cache_clear()


def db_bytes() -> bytes:
    url = get_settings().effective_database_url
    path = Path(url.removeprefix("sqlite:///"))
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


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
