"""The daily token check: every connected account's token, its expiry and permissions.

Results go on the Credential row (`health`, `expires_at`, `scopes`, `checked_at`) that
`loa status` shows, and become `token_expiring` alerts 7 days ahead of expiry or at once when the
platform refuses the token. A check the platform did not answer changes nothing: a network blip
is not a dead token (Postiz PR #1822).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from campaigns.db import session_scope
from campaigns.errors import UserError
from campaigns.models import AlertKind, Channel, Credential
from campaigns.settings import Settings
from connectors.base import AuthError, AuthRevoked, PermissionDenied, PlatformError
from scheduler.alerts import raise_alert
from scheduler.clock import Clock, utc_now
from scheduler.dispatcher import ConnectorFactory

log = logging.getLogger(__name__)

EXPIRY_WARNING = timedelta(days=7)
CHECK_EVERY_S = 24 * 3600


@dataclass(frozen=True)
class TokenReport:
    platform: str
    account_id: str
    health: str  # ok | expiring | expired | revoked | unknown
    detail: str
    expires_at: datetime | None


def _channel_for(session: Session, cred: Credential) -> Channel | None:
    return session.exec(
        select(Channel)
        .where(Channel.platform == cred.platform, Channel.external_id == cred.account_id)
        .order_by(col(Channel.id))
    ).first()


def check_credential(
    session: Session, cred: Credential, connectors: ConnectorFactory, now: datetime
) -> TokenReport:
    """Ask the platform about one credential; update its row and alert when it needs action."""
    channel = _channel_for(session, cred)
    if channel is None:
        return TokenReport(cred.platform, cred.account_id, cred.health, "no channel uses it", None)
    try:
        creds = connectors.credentials(session, channel)
        health = connectors.publisher(cred.platform).check_token(creds)
    except UserError as exc:
        return TokenReport(cred.platform, cred.account_id, cred.health, str(exc), cred.expires_at)
    except (AuthError, PermissionDenied) as exc:
        cred.health = "revoked" if isinstance(exc, AuthRevoked) else "expired"
        cred.health_detail = f"{exc.kind}: {exc.message}"
    except PlatformError as exc:
        log.info("token check of %s %s skipped: %s", cred.platform, cred.account_id, exc.kind)
        return TokenReport(cred.platform, cred.account_id, cred.health, exc.kind, cred.expires_at)
    else:
        cred.expires_at = health.expires_at
        cred.scopes = list(health.scopes)
        if not health.valid:
            cred.health, cred.health_detail = "expired", health.detail or "token not valid"
        elif health.missing_scopes:
            cred.health = "revoked"
            cred.health_detail = "missing permissions: " + ", ".join(health.missing_scopes)
        elif health.expires_at is not None and health.expires_at - now <= EXPIRY_WARNING:
            days = max((health.expires_at - now).days, 0)
            cred.health, cred.health_detail = "expiring", f"expires in {days} day(s)"
        else:
            cred.health, cred.health_detail = "ok", health.detail
    cred.checked_at = now
    session.add(cred)
    if cred.health != "ok":
        _alert(session, cred, channel)
    return TokenReport(
        cred.platform, cred.account_id, cred.health, cred.health_detail, cred.expires_at
    )


def _alert(session: Session, cred: Credential, channel: Channel) -> None:
    expiry = cred.expires_at.date().isoformat() if cred.expires_at else "none"
    severity = "warning" if cred.health == "expiring" else "critical"
    raise_alert(
        session,
        AlertKind.TOKEN_EXPIRING,
        f"{cred.platform} token of {channel.key} ({cred.account_id}) is {cred.health}: "
        f"{cred.health_detail}. Reconnect it with `loa channel connect {channel.key}`.",
        campaign_id=channel.campaign_id,
        channel_id=channel.id,
        severity=severity,
        dedupe=f"token:{cred.platform}:{cred.account_id}:{cred.health}:{expiry}",
    )


def check_tokens(
    engine: Engine, settings: Settings, clock: Clock, connectors: ConnectorFactory
) -> list[TokenReport]:
    """Check every stored credential (one transaction per credential)."""
    now = utc_now(clock)
    with Session(engine) as session:
        ids = [c for c in session.exec(select(Credential.id)).all() if c is not None]
    reports = []
    for cred_id in ids:
        with session_scope(engine) as session:
            cred = session.get(Credential, cred_id)
            if cred is not None:
                reports.append(check_credential(session, cred, connectors, now))
    return reports
