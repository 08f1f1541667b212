"""Health: the queue by state, what is due next, open alerts, channels (token, pause, quota
hold), workers and their leases; and acknowledging an alert (managers of its unit, admins).

Scoped by unit through each publication's or alert's channel: an officer sees only the rows of
channels their unit owns. Workers and leases are the installation's, shown to everyone.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from analytics_app.engine.scope import load_window
from analytics_app.engine.tables import CHANNEL, CONTENT, PUB, UNIT
from analytics_app.services.cache import clear_caches
from campaigns.access import Action, Identity, require
from campaigns.errors import UserError
from campaigns.models import (
    Alert,
    AuditLog,
    Credential,
    PublicationState,
    QuotaUsage,
    Worker,
)
from campaigns.timeutil import ensure_aware, utcnow

WAITING = (
    PublicationState.APPROVED,
    PublicationState.QUEUED,
    PublicationState.RETRY_WAIT,
    PublicationState.CLAIMED,
    PublicationState.HANDED_OFF,
)
ALERT = Alert.__table__  # type: ignore[attr-defined]
CREDENTIAL = Credential.__table__  # type: ignore[attr-defined]
WORKER = Worker.__table__  # type: ignore[attr-defined]
QUOTA = QuotaUsage.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Due:
    id: int
    scheduled_at: datetime
    state: str
    content: str
    channel: str
    platform: str
    unit: str


@dataclass(frozen=True)
class AlertRow:
    id: int
    created_at: datetime
    kind: str
    severity: str
    message: str
    unit: str


@dataclass(frozen=True)
class ChannelRow:
    key: str
    name: str
    platform: str
    unit: str
    paused: bool
    paused_reason: str
    blocked_until: datetime | None
    token: str  # ok | expiring | expired | revoked | unknown | missing
    token_detail: str
    token_expires_at: datetime | None


@dataclass(frozen=True)
class WorkerRow:
    id: str
    host: str
    heartbeat_at: datetime
    stopped_at: datetime | None
    leases: int
    expired_leases: int


@dataclass(frozen=True)
class Health:
    as_of: datetime
    queue: dict[str, int]
    next_due: list[Due]
    alerts: list[AlertRow]
    channels: list[ChannelRow]
    workers: list[WorkerRow]
    quota: dict[str, int]  # today's YouTube quota used per bucket (all accounts)


def health(
    session: Session, campaign: str, units: tuple[str, ...], now: datetime, limit: int = 15
) -> Health:
    """The picture at `now`; `units` () for every unit."""
    moment = ensure_aware(now)
    window = load_window(session, campaign)
    channels = session.execute(
        select(
            CHANNEL.c.id,
            CHANNEL.c.key,
            CHANNEL.c.name,
            CHANNEL.c.platform,
            CHANNEL.c.external_id,
            CHANNEL.c.paused,
            CHANNEL.c.paused_reason,
            CHANNEL.c.blocked_until,
            UNIT.c.key,
        )
        .select_from(CHANNEL.outerjoin(UNIT, UNIT.c.id == CHANNEL.c.unit_id))
        .where(CHANNEL.c.campaign_id == window.campaign_id)
        .order_by(CHANNEL.c.key)
    ).all()
    visible = [c for c in channels if not units or c[8] in units]
    ids = [c[0] for c in visible]
    unit_of = {c[0]: c[8] or "" for c in visible}
    queue = {
        str(state): int(n)
        for state, n in session.execute(
            select(PUB.c.state, func.count())
            .where(PUB.c.campaign_id == window.campaign_id, PUB.c.channel_id.in_(ids))
            .group_by(PUB.c.state)
        )
    }
    due = [
        Due(pid, ensure_aware(at), state, content, channel_key, platform, unit_of.get(cid, ""))
        for pid, at, state, content, channel_key, platform, cid in session.execute(
            select(
                PUB.c.id,
                PUB.c.scheduled_at,
                PUB.c.state,
                CONTENT.c.key,
                CHANNEL.c.key,
                CHANNEL.c.platform,
                CHANNEL.c.id,
            )
            .select_from(
                PUB.join(CONTENT, CONTENT.c.id == PUB.c.content_id).join(
                    CHANNEL, CHANNEL.c.id == PUB.c.channel_id
                )
            )
            .where(
                PUB.c.campaign_id == window.campaign_id,
                PUB.c.channel_id.in_(ids),
                PUB.c.state.in_([str(s) for s in WAITING]),
            )
            .order_by(PUB.c.scheduled_at, PUB.c.id)
            .limit(limit)
        )
    ]
    return Health(
        as_of=moment,
        queue={str(s): queue.get(str(s), 0) for s in PublicationState},
        next_due=due,
        alerts=_alerts(session, window.campaign_id, ids, unit_of, bool(units)),
        channels=_channels(session, visible),
        workers=_workers(session, moment),
        quota=_quota(session, moment),
    )


def _alerts(
    session: Session,
    campaign_id: int,
    ids: list[int],
    unit_of: dict[int, str],
    scoped: bool,
) -> list[AlertRow]:
    rows = session.execute(
        select(
            ALERT.c.id,
            ALERT.c.created_at,
            ALERT.c.kind,
            ALERT.c.severity,
            ALERT.c.message,
            ALERT.c.channel_id,
            PUB.c.channel_id,
        )
        .select_from(ALERT.outerjoin(PUB, PUB.c.id == ALERT.c.publication_id))
        .where(
            ALERT.c.resolved_at.is_(None),
            (ALERT.c.campaign_id == campaign_id) | ALERT.c.campaign_id.is_(None),
        )
        .order_by(ALERT.c.created_at.desc(), ALERT.c.id.desc())
    ).all()
    out = []
    for aid, at, kind, severity, message, channel_id, pub_channel in rows:
        cid = channel_id or pub_channel
        if scoped and cid not in ids:
            continue  # an alert of another unit, or of the installation as a whole
        out.append(AlertRow(aid, ensure_aware(at), kind, severity, message, unit_of.get(cid, "")))
    return out


def _channels(session: Session, visible: list[Any]) -> list[ChannelRow]:
    creds = {
        (platform, account): (health, detail, expires)
        for platform, account, health, detail, expires in session.execute(
            select(
                CREDENTIAL.c.platform,
                CREDENTIAL.c.account_id,
                CREDENTIAL.c.health,
                CREDENTIAL.c.health_detail,
                CREDENTIAL.c.expires_at,
            )
        )
    }
    rows = []
    for _, key, name, platform, external, paused, reason, blocked, unit in visible:
        health, detail, expires = creds.get((platform, external), ("missing", "", None))
        rows.append(
            ChannelRow(
                key,
                name,
                platform,
                unit or "",
                bool(paused),
                reason or "",
                ensure_aware(blocked) if blocked else None,
                health,
                detail or "",
                ensure_aware(expires) if expires else None,
            )
        )
    return rows


def _workers(session: Session, now: datetime) -> list[WorkerRow]:
    held: dict[str, list[bool]] = {}
    for by, until in session.execute(
        select(PUB.c.locked_by, PUB.c.locked_until).where(
            PUB.c.locked_by.is_not(None), PUB.c.locked_until.is_not(None)
        )
    ):
        held.setdefault(str(by).split("#", 1)[0], []).append(ensure_aware(until) < now)
    rows = []
    for wid, host, beat, stopped in session.execute(
        select(WORKER.c.id, WORKER.c.host, WORKER.c.heartbeat_at, WORKER.c.stopped_at).order_by(
            WORKER.c.started_at
        )
    ):
        leases = held.get(wid, [])
        rows.append(
            WorkerRow(
                wid,
                host,
                ensure_aware(beat),
                ensure_aware(stopped) if stopped else None,
                len(leases),
                sum(leases),
            )
        )
    return rows


def _quota(session: Session, now: datetime) -> dict[str, int]:
    from zoneinfo import ZoneInfo

    day = now.astimezone(ZoneInfo("America/Los_Angeles")).date()  # YouTube's quota day
    return {
        str(bucket): int(used or 0)
        for bucket, used in session.execute(
            select(QUOTA.c.bucket, func.sum(QUOTA.c.used))
            .where(QUOTA.c.day == day)
            .group_by(QUOTA.c.bucket)
        )
    }


def alert_unit(session: Session, alert_id: int) -> tuple[Alert, str | None]:
    """The alert and the unit it belongs to (through its channel or its publication)."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise UserError(f"no alert with id {alert_id}")
    channel_id = alert.channel_id
    if channel_id is None and alert.publication_id is not None:
        channel_id = session.execute(
            select(PUB.c.channel_id).where(PUB.c.id == alert.publication_id)
        ).scalar()
    unit = None
    if channel_id is not None:
        unit = session.execute(
            select(UNIT.c.key)
            .select_from(CHANNEL.join(UNIT, UNIT.c.id == CHANNEL.c.unit_id))
            .where(CHANNEL.c.id == channel_id)
        ).scalar()
    return alert, unit


def acknowledge(session: Session, identity: Identity, alert_id: int) -> None:
    """Mark an alert handled, as `identity` (Forbidden unless a manager of its unit or an
    admin); written to the audit log; the app's caches are cleared."""
    alert, unit = alert_unit(session, alert_id)
    # An alert of no unit (the installation's) needs someone acting for every unit.
    if unit is None and identity.units is not None:
        require(identity, Action.ACKNOWLEDGE, "(installation)")
    require(identity, Action.ACKNOWLEDGE, unit)
    if alert.resolved_at is None:
        alert.resolved_at = utcnow()
        session.add(alert)
        session.add(
            AuditLog(
                actor=identity.label,
                action="acknowledge",
                entity="alert",
                entity_id=str(alert_id),
                detail={"kind": alert.kind, "unit": unit},
            )
        )
        session.flush()
    clear_caches()
