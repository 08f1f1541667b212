"""The daily token check: health and expiry stored, alerts 7 days ahead, blips ignored."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.models import Alert, Credential
from campaigns.settings import Settings
from connectors.base import AuthRevoked, TokenHealth, TransientError
from scheduler.token_health import check_tokens
from tests.scheduler.ops_data import FakeConnectors, make_world

NOW = datetime(2025, 11, 20, 0, 0, tzinfo=UTC)


class Frozen:
    def now(self) -> datetime:
        return NOW


def connect(engine: Engine, platform: str, account: str) -> None:
    with Session(engine) as s:
        s.add(Credential(platform=platform, account_id=account, ciphertext=b"x"))
        s.commit()


def creds(engine: Engine) -> dict[str, Credential]:
    with Session(engine) as s:
        return {c.platform: c for c in s.exec(select(Credential)).all()}


def test_expiring_token_is_stored_and_alerted_once(sqlite_engine: Engine, tmp_path: Path) -> None:
    make_world(sqlite_engine)
    connect(sqlite_engine, "facebook", "104251380000001")
    connect(sqlite_engine, "youtube", "UCvnGenderEquality0000001")
    connectors = FakeConnectors()
    connectors.publishers["facebook"].health = TokenHealth(
        valid=True, expires_at=NOW + timedelta(days=5), scopes=("pages_manage_posts",)
    )
    connectors.publishers["youtube"].health = TokenHealth(
        valid=True, expires_at=NOW + timedelta(days=30), scopes=("youtube.upload",)
    )
    settings = Settings(home=tmp_path)

    reports = check_tokens(sqlite_engine, settings, Frozen(), connectors)
    assert sorted((r.platform, r.health) for r in reports) == [
        ("facebook", "expiring"),
        ("youtube", "ok"),
    ]
    stored = creds(sqlite_engine)
    assert stored["facebook"].health_detail == "expires in 5 day(s)"
    assert stored["facebook"].expires_at == NOW + timedelta(days=5)
    assert stored["youtube"].scopes == ["youtube.upload"]
    assert stored["youtube"].checked_at == NOW

    check_tokens(sqlite_engine, settings, Frozen(), connectors)
    with Session(sqlite_engine) as s:
        alerts = s.exec(select(Alert)).all()
    assert [(a.kind, a.severity) for a in alerts] == [("token_expiring", "warning")]
    assert "loa channel connect ncfaw-fb" in alerts[0].message


def test_revoked_token_is_critical_and_a_blip_changes_nothing(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    make_world(sqlite_engine)
    connect(sqlite_engine, "facebook", "104251380000001")
    connectors = FakeConnectors()
    facebook = connectors.publishers["facebook"]
    settings = Settings(home=tmp_path)

    facebook.errors["check_token"] = TransientError("timeout", platform="facebook")
    assert [r.health for r in check_tokens(sqlite_engine, settings, Frozen(), connectors)] == [
        "unknown"
    ]
    assert creds(sqlite_engine)["facebook"].checked_at is None

    facebook.errors["check_token"] = AuthRevoked("Error validating access token", code="190")
    assert [r.health for r in check_tokens(sqlite_engine, settings, Frozen(), connectors)] == [
        "revoked"
    ]
    with Session(sqlite_engine) as s:
        alert = s.exec(select(Alert)).one()
    assert alert.severity == "critical"
    assert "is revoked" in alert.message
