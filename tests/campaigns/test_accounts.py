"""Passwords, sign-in and sessions: only hashes are stored, sessions end."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.accounts import (
    SignInFailed,
    authenticate,
    identity_for_token,
    open_login,
    revoke,
    setup_identity,
)
from campaigns.errors import UserError
from campaigns.models import LoginSession, Role, User
from campaigns.users import add_user

PASSWORD = "mật khẩu đủ dài"


def _admin(s: Session) -> None:
    add_user(s, setup_identity(), "an", "admin", password=PASSWORD)
    s.commit()


def test_passwords_are_hashed_with_argon2_and_checked(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        _admin(s)
        user = s.exec(select(User)).one()
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert authenticate(s, "an", PASSWORD).role == Role.ADMIN
        for name, password in (("an", "wrong password!"), ("nobody", PASSWORD)):
            with pytest.raises(SignInFailed, match=r"^wrong name or password$"):
                authenticate(s, name, password)
        with pytest.raises(UserError, match="at least 10 characters"):
            add_user(s, authenticate(s, "an", PASSWORD), "lan", "officer", password="short")


def test_sessions_store_only_a_hash_expire_and_revoke(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        _admin(s)
        identity = authenticate(s, "an", PASSWORD)
        token = open_login(s, identity)
        expired = open_login(s, identity, ttl=timedelta(seconds=-1))
        s.commit()
        stored = [row.token_hash for row in s.exec(select(LoginSession))]
        assert token not in stored
        assert len(stored) == 2
        assert identity_for_token(s, token).username == "an"
        with pytest.raises(SignInFailed, match="expired"):
            identity_for_token(s, expired)
        assert revoke(s, token)
        s.commit()
        with pytest.raises(SignInFailed, match="has ended"):
            identity_for_token(s, token)
        with pytest.raises(SignInFailed, match="has ended"):
            identity_for_token(s, "forged-token")


def test_a_role_change_applies_to_open_sessions(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        _admin(s)
        admin = authenticate(s, "an", PASSWORD)
        add_user(s, admin, "lan", "manager", password=PASSWORD)
        token = open_login(s, authenticate(s, "lan", PASSWORD))
        add_user(s, admin, "lan", "officer", password=None)
        s.commit()
        assert identity_for_token(s, token).role == Role.OFFICER
