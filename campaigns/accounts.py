"""Local accounts: passwords (argon2id), sign-in, and the sessions of the command line and the app.

A session is an opaque random token handed to the person (a file under LOA_HOME for the
command line, the app's session state for the browser); the database keeps only its SHA-256,
so a copy of the database signs nobody in. Sessions expire; signing out revokes.

While no user is registered at all (the embedded single-office default), Loa acts as the local
setup operator: the first user registered must be an admin, and from then on every change needs a
signed-in person whose role allows it (campaigns.access).
"""

import getpass
import hashlib
import os
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, select

from campaigns.access import Identity
from campaigns.errors import UserError
from campaigns.models import LoginSession, Role, User
from campaigns.timeutil import utcnow

SESSION_TTL = timedelta(hours=12)  # a working day; the app uses the same default
MIN_PASSWORD = 10

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class SignInFailed(UserError):
    """Wrong name or password, an inactive user, or an expired or revoked session."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def users_exist(session: Session) -> bool:
    return bool(session.exec(select(func.count()).select_from(User)).one())


def identity_of(user: User) -> Identity:
    return Identity(
        username=user.username,
        role=Role(user.role),
        unit_key=user.unit_key,
        display_name=user.display_name,
    )


def setup_identity() -> Identity:
    """The local operator of an installation with no registered user (named by the OS login)."""
    try:
        name = os.environ.get("LOA_USER") or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        name = "local"
    return Identity(username=name, role=Role.ADMIN, setup=True)


def authenticate(session: Session, username: str, password: str) -> Identity:
    """The identity of `username` if `password` is theirs; `SignInFailed` otherwise.

    The message never says which of the two was wrong.
    """
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or not user.active or not user.password_hash:
        _hasher.hash(password or "x")  # same work either way: no timing hint that the name exists
        raise SignInFailed("wrong name or password")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise SignInFailed("wrong name or password") from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.add(user)
    return identity_of(user)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_login(session: Session, identity: Identity, ttl: timedelta = SESSION_TTL) -> str:
    """A new session for `identity`; returns the token (shown once, stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=_digest(token), username=identity.username, expires_at=utcnow() + ttl
        )
    )
    session.flush()
    return token


def login_expiry(session: Session, token: str) -> datetime | None:
    row = session.exec(
        select(LoginSession).where(LoginSession.token_hash == _digest(token))
    ).first()
    return row.expires_at if row is not None else None


def identity_for_token(session: Session, token: str) -> Identity:
    """The person a session token belongs to, read afresh (a changed role applies at once)."""
    row = session.exec(
        select(LoginSession).where(LoginSession.token_hash == _digest(token.strip()))
    ).first()
    if row is None or row.revoked_at is not None:
        raise SignInFailed("this session has ended: sign in again with `loa login`")
    if row.expires_at <= utcnow():
        raise SignInFailed("this session has expired: sign in again with `loa login`")
    user = session.exec(select(User).where(User.username == row.username)).first()
    if user is None or not user.active:
        raise SignInFailed(f"{row.username} is no longer an active user")
    return identity_of(user)


def revoke(session: Session, token: str) -> bool:
    row = session.exec(
        select(LoginSession).where(LoginSession.token_hash == _digest(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.add(row)
    return True


def revoke_all(session: Session, username: str) -> int:
    """End every session of `username` (after a password change or deactivation)."""
    rows = list(
        session.exec(
            select(LoginSession).where(
                LoginSession.username == username, col(LoginSession.revoked_at).is_(None)
            )
        )
    )
    for row in rows:
        row.revoked_at = utcnow()
        session.add(row)
    return len(rows)
