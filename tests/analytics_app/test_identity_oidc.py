"""Sign-in through the organisation's account (OIDC, `st.login`): the provider's e-mail must be
a registered, active user's name, and that user's role and unit are what the app acts with.
The provider itself is Streamlit's; here `st.user` says who signed in there."""

from collections.abc import Iterator
from typing import Any

import pytest
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app import identity
from campaigns import users
from campaigns.access import Role
from campaigns.accounts import identity_of, setup_identity


@pytest.fixture
def registered(sqlite_engine: Engine) -> Iterator[Session]:
    with Session(sqlite_engine) as s:
        admin = setup_identity()
        users.add_user(s, admin, "an", "admin", password="admin-secret-1")
        boss = users.list_users(s)[0]
        users.add_user(
            s, identity_of(boss), "lan@example.gov.vn", "manager", organisation_only=True
        )
        users.add_user(
            s, identity_of(boss), "cu@example.gov.vn", "officer", password="cu-secret-123"
        )
        users.deactivate(s, identity_of(boss), "cu@example.gov.vn")
        s.commit()
        yield s


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """OIDC configured; `said["email"]` is who the provider says signed in (None: nobody)."""
    state: dict[str, Any] = {}
    said: dict[str, Any] = {"email": None}
    monkeypatch.setattr(identity, "oidc_configured", lambda: True)
    monkeypatch.setattr(st, "session_state", state)
    monkeypatch.setattr(st, "user", ProviderUser(said))
    said["state"] = state
    return said


class ProviderUser:
    """What `st.user` answers after `st.login()`: `is_logged_in` and the provider's claims,
    read when asked, as Streamlit's own proxy is."""

    def __init__(self, said: dict[str, Any]) -> None:
        self._said = said

    @property
    def is_logged_in(self) -> bool:
        return bool(self._said["email"])

    def get(self, key: str, default: Any = None) -> Any:
        return self._said["email"] if key == "email" else default


def test_a_registered_email_signs_in_with_its_role(
    registered: Session, provider: dict[str, Any]
) -> None:
    provider["email"] = "Lan@Example.gov.vn"  # providers do not keep one case
    who = identity._oidc_identity(registered)
    assert who is not None
    assert who.username == "lan@example.gov.vn"
    assert who.role == Role.MANAGER


def test_an_unregistered_or_inactive_email_is_refused_with_a_reason(
    registered: Session, provider: dict[str, Any]
) -> None:
    for email in ("la@example.gov.vn", "cu@example.gov.vn"):
        provider["state"].clear()
        provider["email"] = email
        assert identity._oidc_identity(registered) is None
        assert provider["state"]["signin_notice"] == "signin.oidc_unknown"


def test_nobody_signed_in_at_the_provider_is_nobody(
    registered: Session, provider: dict[str, Any]
) -> None:
    assert identity._oidc_identity(registered) is None
    assert "signin_notice" not in provider["state"]
