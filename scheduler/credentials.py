"""Platform credentials at rest: encrypted per (platform, account) in the Credential table.

A credential belongs to the Page or channel, not to a campaign: every campaign that names the
same account uses it. Reconnecting replaces the token but never drops a Google refresh token
that the new grant lacks (Google hands one out only at first consent; Postiz PR #1884 lost them).
"""

import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, col, select

from campaigns.errors import UserError
from campaigns.models import Channel, Credential
from campaigns.settings import Settings, get_settings
from connectors.base import Credentials, Publisher, Secret, TokenHealth
from connectors.redact import install_redaction, register_secret
from connectors.vault import Vault, VaultError, load_or_create_key, pending_keys

PAGE_TOKEN = "page_token"
GOOGLE_AUTHORIZED_USER = "google_authorized_user"
KINDS = {"facebook": PAGE_TOKEN, "youtube": GOOGLE_AUTHORIZED_USER}


@lru_cache(maxsize=8)
def _vault(home: Path, configured: str | None, database_url: str) -> Vault:
    install_redaction()  # any process that can decrypt tokens keeps them out of its logs
    try:
        key = load_or_create_key(home, configured, lambda: not tokens_stored(database_url))
        return Vault(key, pending_keys(home))
    except VaultError as exc:
        raise UserError(f"LOA_SECRET_KEY: {exc}") from None


def tokens_stored(database_url: str) -> bool:
    """Whether the database holds any token (then a new key would not read them)."""
    from sqlalchemy.exc import SQLAlchemyError

    from campaigns.db import make_engine

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return session.exec(select(Credential.id)).first() is not None
    except SQLAlchemyError:
        return False  # no schema yet: nothing is stored
    finally:
        engine.dispose()


def vault_for(settings: Settings | None = None) -> Vault:
    s = settings or get_settings()
    configured = s.secret_key.get_secret_value() if s.secret_key else None
    return _vault(s.home.resolve(), configured, s.effective_database_url)


class CredentialsUnreadable(UserError):
    """A token is stored but this host cannot decrypt it (another vault key): Loa's own
    configuration is wrong, not the channel's token, so the channel is not paused for it."""


def _find(session: Session, platform: str, account_id: str) -> Credential | None:
    return session.exec(
        select(Credential).where(
            Credential.platform == platform, Credential.account_id == account_id
        )
    ).first()


def _merge_google(old: str, new: str) -> str:
    """The new authorized-user document, keeping the old refresh token when it has none."""
    try:
        old_doc, new_doc = json.loads(old), json.loads(new)
    except ValueError:
        return new
    if (
        isinstance(old_doc, dict)
        and isinstance(new_doc, dict)
        and not new_doc.get("refresh_token")
        and old_doc.get("refresh_token")
    ):
        new_doc["refresh_token"] = old_doc["refresh_token"]
        return json.dumps(new_doc)
    return new


def store_credentials(
    session: Session,
    platform: str,
    account_id: str,
    secret: str | Secret,
    kind: str | None = None,
    *,
    vault: Vault | None = None,
    now: datetime | None = None,
) -> Credential:
    """Encrypts and stores (or replaces) the account's credential; health starts as unknown.

    Storing a token is reconnecting: every channel on that account paused for its token
    resumes (`loa channel connect`, `loa auth` and the app all come through here)."""
    vault = vault or vault_for()
    plain = secret.reveal() if isinstance(secret, Secret) else secret
    register_secret(plain)
    row = _find(session, platform, account_id)
    kind = kind or KINDS.get(platform, PAGE_TOKEN)
    if row is not None and kind == GOOGLE_AUTHORIZED_USER:
        # An unreadable old document: the new grant stands alone.
        with contextlib.suppress(VaultError):
            plain = _merge_google(vault.decrypt(row.ciphertext).reveal(), plain)
    if row is None:
        row = Credential(platform=platform, account_id=account_id, ciphertext=b"")
    row.kind = kind
    row.ciphertext = vault.encrypt(plain)
    row.health, row.health_detail = "unknown", ""
    row.expires_at, row.checked_at = None, None
    row.updated_at = now or datetime.now(UTC)
    session.add(row)
    session.flush()
    _resume_account(session, platform, account_id)
    return row


def _resume_account(session: Session, platform: str, account_id: str) -> None:
    from scheduler.channel_state import resume_channel

    paused = session.exec(
        select(Channel).where(
            Channel.platform == platform,
            Channel.external_id == account_id,
            col(Channel.paused).is_(True),
        )
    ).all()
    for channel in paused:
        resume_channel(session, channel)


def load_credentials(
    session: Session, channel: Channel, *, vault: Vault | None = None
) -> Credentials:
    """The decrypted credentials of a channel's account; UserError when none is connected."""
    row = _find(session, channel.platform, channel.external_id)
    if row is None:
        raise UserError(
            f"channel {channel.key} ({channel.platform} {channel.external_id}) is not connected: "
            f"run `loa channel connect {channel.key} "
            + (
                "--token-file FILE`"
                if channel.platform == "facebook"
                else "--google-credentials FILE`"
            )
        )
    try:
        secret = (vault or vault_for()).decrypt(row.ciphertext)
    except VaultError as exc:
        raise CredentialsUnreadable(f"channel {channel.key}: {exc}") from None
    return Credentials(channel.platform, channel.external_id, secret)


def health_of(health: TokenHealth, now: datetime) -> tuple[str, str]:
    """The Credential.health word and detail for a token check's result."""
    if not health.valid:
        return "expired", health.detail or "the platform refused the token"
    if health.missing_scopes:
        return "revoked", "missing permissions: " + ", ".join(health.missing_scopes)
    if health.expires_at is not None and (health.expires_at - now).days < 7:
        return "expiring", f"expires {health.expires_at:%Y-%m-%d %H:%M} UTC"
    return "ok", health.detail


def record_health(
    session: Session, row: Credential, health: TokenHealth, now: datetime
) -> Credential:
    row.health, row.health_detail = health_of(health, now)
    row.expires_at = health.expires_at
    row.scopes = list(health.scopes)
    row.checked_at = now
    session.add(row)
    session.flush()
    return row


def check_health(
    session: Session,
    connector: Publisher,
    channel: Channel,
    now: Callable[[], datetime] | None = None,
) -> TokenHealth:
    """Asks the platform about the channel's token and writes health and expiry on its row.

    Platform errors propagate unchanged (a network blip says nothing about the token)."""
    creds = load_credentials(session, channel)
    health = connector.check_token(creds)
    row = _find(session, channel.platform, channel.external_id)
    assert row is not None  # load_credentials found it
    record_health(session, row, health, (now or (lambda: datetime.now(UTC)))())
    return health


def token_account(connector: Publisher, creds: Credentials) -> str | None:
    """The id of the Page or channel a token opens, or None when the connector cannot say.

    A valid token may open another account than the channel it is connected to (Page B's
    token on channel A): validity is not ownership. Facebook: `GET /me` with a Page token
    answers the Page's id (a user token answers the person's); YouTube: `channels.list
    mine=true` answers the channel's id. Platform errors propagate.
    """
    if creds.platform == "youtube":
        mine = getattr(connector, "my_channel_id", None)
        return str(mine(creds)) if callable(mine) else None
    graph = getattr(connector, "graph", None)
    if not callable(graph):
        return None
    answer = graph(creds).get("me", fields="id")
    found = answer.get("id") if isinstance(answer, dict) else None
    return str(found) if found else None


def wrong_account(connector: Publisher, creds: Credentials, channel: Channel) -> str:
    """Why the token does not open `channel` ('' when it does, or when nobody can tell)."""
    opened = token_account(connector, creds)
    if opened is None or opened == channel.external_id:
        return ""
    what = "Page" if channel.platform == "facebook" else "channel"
    return (
        f"the token opens {what} {opened}, not {channel.key}'s {what} {channel.external_id}: "
        f"connect a token of {channel.external_id}"
        + (" (a Page token, not a user token)" if channel.platform == "facebook" else "")
    )
