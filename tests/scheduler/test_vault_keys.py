"""The vault key on several hosts: no host makes a key of its own once tokens are stored, a key
file is whole or absent, and `loa vault rotate` re-encrypts every token, safely if cut short."""

import os
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from campaigns.db import make_engine, upgrade
from campaigns.models import Channel
from campaigns.settings import get_settings
from connectors.vault import KEY_FILE, NEW_KEY_FILE, VaultError, load_or_create_key, write_key
from scheduler.cli import app
from scheduler.credentials import _vault, load_credentials, store_credentials, vault_for

runner = CliRunner()


def _fresh() -> None:
    get_settings.cache_clear()
    _vault.cache_clear()


def _db(loa_home: Path) -> None:
    engine = make_engine(f"sqlite:///{loa_home / 'loa.db'}")
    upgrade(engine)
    with Session(engine) as session:
        store_credentials(session, "facebook", "104251380000001", "EAAG-page-token")
        session.commit()
    engine.dispose()


def test_a_second_host_without_the_key_refuses_to_make_its_own(loa_home: Path) -> None:
    _fresh()
    _db(loa_home)
    (loa_home / KEY_FILE).unlink()  # host B: same database, no key
    _fresh()
    with pytest.raises(Exception, match="already holds tokens stored under another key"):
        vault_for()
    assert not (loa_home / KEY_FILE).exists()


def test_the_key_file_is_written_whole_and_never_replaced(tmp_path: Path) -> None:
    write_key(tmp_path / KEY_FILE, b"first")
    with pytest.raises(FileExistsError):
        write_key(tmp_path / KEY_FILE, b"second")
    assert (tmp_path / KEY_FILE).read_bytes() == b"first\n"
    assert oct((tmp_path / KEY_FILE).stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]  # no temporary file left
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / KEY_FILE).write_bytes(b"")  # what a crash mid-write used to leave
    with pytest.raises(VaultError, match="empty"):
        load_or_create_key(tmp_path / "empty", None)


def _channel() -> Channel:
    return Channel(
        campaign_id=1, key="fb", platform="facebook", external_id="104251380000001", name="fb"
    )


def test_rotate_re_encrypts_every_token_under_a_new_key(loa_home: Path) -> None:
    _fresh()
    _db(loa_home)
    old_key = (loa_home / KEY_FILE).read_bytes()
    result = runner.invoke(app, ["vault", "rotate"])
    assert result.exit_code == 0, result.output
    assert "1 tokens re-encrypted" in result.output
    assert (loa_home / KEY_FILE).read_bytes() != old_key
    assert not (loa_home / NEW_KEY_FILE).exists()
    os.remove(loa_home / "secret.key.old")
    _fresh()
    engine = make_engine(f"sqlite:///{loa_home / 'loa.db'}")
    with Session(engine) as session:
        creds = load_credentials(session, _channel())
    assert creds.secret.reveal() == "EAAG-page-token"
    engine.dispose()


def test_a_rotation_cut_short_leaves_every_token_readable(loa_home: Path) -> None:
    _fresh()
    _db(loa_home)
    # Cut after the tokens were re-encrypted, before the new key replaced the old one.
    assert runner.invoke(app, ["vault", "rotate"]).exit_code == 0
    os.replace(loa_home / KEY_FILE, loa_home / NEW_KEY_FILE)
    os.replace(loa_home / "secret.key.old", loa_home / KEY_FILE)
    _fresh()
    engine = make_engine(f"sqlite:///{loa_home / 'loa.db'}")
    with Session(engine) as session:
        assert load_credentials(session, _channel()).secret.reveal() == "EAAG-page-token"
    engine.dispose()
    _fresh()
    assert runner.invoke(app, ["vault", "rotate"]).exit_code == 0  # finishes it
    assert not (loa_home / NEW_KEY_FILE).exists()
