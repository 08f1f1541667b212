"""Credentials in the vault per account, and the YouTube quota ledger in the database."""

import json
import threading
from datetime import date
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.errors import UserError
from campaigns.models import Channel, Credential
from connectors.vault import Vault
from scheduler.credentials import load_credentials, store_credentials
from scheduler.quota_store import DbQuotaStore


@pytest.fixture
def vault() -> Vault:
    return Vault(Fernet.generate_key())


def channel(platform: str = "youtube", account: str = "UCvnGenderEquality0000001") -> Channel:
    return Channel(campaign_id=1, key="ncfaw-yt", platform=platform, external_id=account, name="x")


def test_stored_encrypted_and_loaded_back(sqlite_engine: Engine, vault: Vault) -> None:
    with Session(sqlite_engine) as s:
        store_credentials(
            s, "facebook", "104251380000001", "EAAstoredtoken123456", "page_token", vault=vault
        )
        s.commit()
        row = s.exec(select(Credential)).one()
        assert b"EAAstoredtoken123456" not in row.ciphertext
        assert row.health == "unknown"
        creds = load_credentials(s, channel("facebook", "104251380000001"), vault=vault)
    assert creds.secret.reveal() == "EAAstoredtoken123456"
    assert creds.account_id == "104251380000001"


def test_reconnecting_keeps_a_refresh_token_the_new_grant_lacks(
    sqlite_engine: Engine, vault: Vault
) -> None:
    first = {
        "token": "ya29.old",
        "refresh_token": "1//keep-me",
        "client_id": "c",
        "client_secret": "s",
    }
    second = {"token": "ya29.new", "client_id": "c", "client_secret": "s"}
    with Session(sqlite_engine) as s:
        store_credentials(s, "youtube", "UCvnGenderEquality0000001", json.dumps(first), vault=vault)
        store_credentials(
            s, "youtube", "UCvnGenderEquality0000001", json.dumps(second), vault=vault
        )
        s.commit()
        assert len(s.exec(select(Credential)).all()) == 1
        doc = json.loads(load_credentials(s, channel(), vault=vault).secret.reveal())
    assert doc["token"] == "ya29.new"
    assert doc["refresh_token"] == "1//keep-me"


def test_a_new_refresh_token_replaces_the_old(sqlite_engine: Engine, vault: Vault) -> None:
    with Session(sqlite_engine) as s:
        store_credentials(s, "youtube", "UC1", json.dumps({"refresh_token": "1//old"}), vault=vault)
        store_credentials(s, "youtube", "UC1", json.dumps({"refresh_token": "1//new"}), vault=vault)
        doc = json.loads(load_credentials(s, channel(account="UC1"), vault=vault).secret.reveal())
    assert doc["refresh_token"] == "1//new"


def test_an_unconnected_channel_is_named(sqlite_engine: Engine, vault: Vault) -> None:
    with Session(sqlite_engine) as s, pytest.raises(UserError, match=r"ncfaw-yt .* not connected"):
        load_credentials(s, channel(), vault=vault)


def test_quota_store_never_overspends(any_engine: Engine) -> None:
    store = DbQuotaStore(any_engine)
    day = date(2025, 11, 20)
    results: list[bool] = []

    def spend() -> None:
        for _ in range(10):
            results.append(store.try_spend("proj", day, "uploads", 1, 25))

    threads = [threading.Thread(target=spend) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 25
    assert store.used("proj", day, "uploads") == 25
    assert store.used("proj", day, "units") == 0
    assert store.add("proj", day, "units", 7) == 7


def test_quota_store_days_are_separate(sqlite_engine: Engine) -> None:
    store = DbQuotaStore(sqlite_engine)
    assert store.try_spend("p", date(2025, 11, 20), "units", 10_000, 10_000)
    assert not store.try_spend("p", date(2025, 11, 20), "units", 1, 10_000)
    assert store.try_spend("p", date(2025, 11, 21), "units", 1, 10_000)


def test_ledger_on_the_database_refuses_before_calling(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from connectors.base import QuotaExhausted
    from connectors.youtube import QuotaLedger

    ledger = QuotaLedger(DbQuotaStore(sqlite_engine), daily_units=1)
    now = datetime(2025, 11, 20, 3, 0, tzinfo=UTC)
    ledger.spend("p", "videos.list", now)
    with pytest.raises(QuotaExhausted) as err:
        ledger.spend("p", "videos.list", now)
    assert err.value.reset_at == datetime(2025, 11, 20, 8, 0, tzinfo=UTC)
