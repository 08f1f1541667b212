"""Channel health as the dispatcher sees it: pauses, rate-limit blocks, quota deferral, alerts.

Scopes of `RateLimitBlock` rows:
  `<platform>:app`                      the whole app (Graph app-level limit)
  `facebook:page:<page id>`             one Page
  `youtube:channel:<channel id>`        one channel
  `youtube:quota:<account>:<bucket>`    a YouTube quota bucket (`units` or `uploads`) until reset
A channel under any active block is not claimed, so no call is spent on it until `until`.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlmodel import Session, col

from campaigns.models import AlertKind, Channel, RateLimitBlock
from scheduler.alerts import raise_alert


def app_scope(platform: str) -> str:
    return f"{platform}:app"


def account_scope(platform: str, account_id: str) -> str:
    kind = "page" if platform == "facebook" else "channel"
    return f"{platform}:{kind}:{account_id}"


def quota_scope(account_id: str, bucket: str) -> str:
    return f"youtube:quota:{account_id}:{bucket}"


def block(session: Session, scope: str, until: datetime, reason: str, now: datetime) -> None:
    """Hold back calls in `scope` until `until`; an existing block is only ever extended."""
    row = session.get(RateLimitBlock, scope)
    if row is None:
        session.add(RateLimitBlock(scope=scope, until=until, reason=reason, updated_at=now))
    elif row.until < until:
        row.until, row.reason, row.updated_at = until, reason, now
    session.flush()


def clear_expired_blocks(session: Session, now: datetime) -> int:
    result = session.execute(delete(RateLimitBlock).where(col(RateLimitBlock.until) <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def blocked_channel_ids(session: Session, now: datetime) -> set[int]:
    """Channels that must not be called now because of an active block."""
    scopes = session.scalars(
        select(col(RateLimitBlock.scope)).where(col(RateLimitBlock.until) > now)
    ).all()
    if not scopes:
        return set()
    whole: set[str] = set()
    accounts: set[tuple[str, str]] = set()
    for scope in scopes:
        parts = scope.split(":")
        if len(parts) == 2 and parts[1] == "app":
            whole.add(parts[0])
        elif len(parts) >= 3:
            # page/channel scopes carry the account third; quota scopes too (then the bucket).
            accounts.add((parts[0], parts[2]))
    conditions: list[Any] = [col(Channel.platform).in_(whole)] if whole else []
    for platform, account in accounts:
        conditions.append(
            (col(Channel.platform) == platform) & (col(Channel.external_id) == account)
        )
    ids = session.scalars(select(col(Channel.id)).where(or_(*conditions))).all()
    return {i for i in ids if i is not None}


def pause_channel(session: Session, channel: Channel, reason: str) -> bool:
    """Stop calling `channel` until it is reconnected; True when this call paused it."""
    if channel.paused:
        return False
    channel.paused = True
    channel.paused_reason = reason
    session.add(channel)
    session.flush()
    return True


def resume_channel(session: Session, channel: Channel) -> None:
    """Reconnected: the channel's queued publications become claimable again."""
    channel.paused = False
    channel.paused_reason = ""
    session.add(channel)
    session.flush()


def alert(
    session: Session,
    kind: AlertKind,
    message: str,
    *,
    dedupe: str,
    campaign_id: int | None = None,
    publication_id: int | None = None,
    channel_id: int | None = None,
    severity: str = "warning",
) -> None:
    """Raise an alert once per `dedupe` key (stored by the alerts module, mailed from there)."""
    raise_alert(
        session,
        kind,
        message,
        campaign_id=campaign_id,
        publication_id=publication_id,
        channel_id=channel_id,
        severity=severity,
        dedupe=dedupe,
    )
