"""Alerts: stored once per problem, listed, resolved, and optionally e-mailed once each.

A problem is identified by its `dedupe` key (for example `preflight:42:token`), so raising the
same problem again is a no-op while its alert is open. A resolved alert whose problem comes back
is reopened, because an officer marked it fixed and it is not.
"""

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from campaigns.errors import UserError
from campaigns.models import (
    Alert,
    AlertKind,
    AuditLog,
    Campaign,
    Channel,
    ContentItem,
    Publication,
)
from campaigns.timeutil import ensure_aware, utcnow
from connectors.redact import redact
from scheduler.status import open_alert_count as open_alert_count  # lives there: no models

log = logging.getLogger(__name__)

SEVERITIES = ("info", "warning", "critical")


def _insert_ignoring_duplicates(session: Session, values: dict[str, Any]) -> bool:
    """Insert one alert row unless its dedupe key exists; True when a row was written.

    ON CONFLICT DO NOTHING keeps two workers raising the same alert at once from failing.
    """
    # Imported here: `loa status` and `loa alerts` only read, and the PostgreSQL dialect alone
    # is a tenth of their start-up on SQLite.
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    table = Alert.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values)
    else:  # pragma: no cover - Loa supports SQLite and PostgreSQL only
        raise UserError(f"unsupported database {dialect}")
    # RETURNING rather than rowcount: psycopg reports 1 for a conflicting single-row insert.
    stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
    return session.execute(stmt).first() is not None


def raise_alert(
    session: Session,
    kind: AlertKind,
    message: str,
    *,
    campaign_id: int | None = None,
    publication_id: int | None = None,
    channel_id: int | None = None,
    severity: str = "warning",
    dedupe: str,
) -> Alert | None:
    """Record a problem; returns the new (or reopened) alert, None when it is already open.

    The caller commits (the session is the caller's transaction).
    """
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
    if not dedupe:
        raise ValueError("an alert needs a dedupe key")
    # Alerts are stored, shown and mailed: whatever text reached here, no secret goes on.
    message = redact(message)
    now = utcnow()
    inserted = _insert_ignoring_duplicates(
        session,
        {
            "kind": str(kind),
            "message": message,
            "campaign_id": campaign_id,
            "publication_id": publication_id,
            "channel_id": channel_id,
            "severity": severity,
            "dedupe_key": dedupe,
            "created_at": now,
        },
    )
    if not inserted:
        reopened = session.execute(
            update(Alert)
            .where(col(Alert.dedupe_key) == dedupe, col(Alert.resolved_at).is_not(None))
            .values(resolved_at=None, emailed_at=None, message=message, created_at=now)
        )
        if not reopened.rowcount:  # type: ignore[attr-defined]
            return None
    session.flush()
    alert = session.exec(select(Alert).where(Alert.dedupe_key == dedupe)).one()
    session.refresh(alert)
    log.warning("alert %s (%s): %s", alert.id, alert.kind, message)
    return alert


def list_alerts(
    session: Session,
    *,
    include_resolved: bool = False,
    campaign_id: int | None = None,
    kinds: Sequence[AlertKind] = (),
) -> list[Alert]:
    """Alerts newest first; open ones only unless `include_resolved`."""
    query = select(Alert)
    if not include_resolved:
        query = query.where(col(Alert.resolved_at).is_(None))
    if campaign_id is not None:
        query = query.where(Alert.campaign_id == campaign_id)
    if kinds:
        query = query.where(col(Alert.kind).in_([str(k) for k in kinds]))
    return list(session.exec(query.order_by(col(Alert.created_at).desc(), col(Alert.id).desc())))


def resolve_alert(
    session: Session, alert_id: int, actor: str = "", now: datetime | None = None
) -> Alert:
    """Mark an alert handled (idempotent); an unknown id is a user error."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise UserError(f"no alert with id {alert_id}")
    if alert.resolved_at is None:
        alert.resolved_at = ensure_aware(now) if now else utcnow()
        session.add(alert)
        session.add(
            AuditLog(
                actor=actor or "unknown",
                action="resolve",
                entity="alert",
                entity_id=str(alert_id),
                detail={"kind": alert.kind},
            )
        )
        session.flush()
    return alert


def describe_publication(session: Session, publication: Publication) -> str:
    """How alerts name a publication so an officer finds the post (Postiz #1040): id, content
    key, channel and planned time in the campaign's zone."""
    content = session.get(ContentItem, publication.content_id)
    channel = session.get(Channel, publication.channel_id)
    campaign = session.get(Campaign, publication.campaign_id)
    zone = ZoneInfo(campaign.timezone if campaign else "UTC")
    when = ensure_aware(publication.scheduled_at).astimezone(zone)
    content_key = content.key if content else f"content {publication.content_id}"
    channel_name = (
        f"{channel.key} ({channel.platform} {channel.external_id})"
        if channel
        else f"channel {publication.channel_id}"
    )
    text = (
        f"publication #{publication.id} '{content_key}' on {channel_name} "
        f"planned {when:%d/%m/%Y %H:%M} {zone.key}"
    )
    if publication.external_id:
        text += f", platform id {publication.external_id}"
    return text


def alert_for_publication(
    session: Session,
    publication: Publication,
    kind: AlertKind,
    problem: str,
    *,
    severity: str = "warning",
    dedupe: str | None = None,
) -> Alert | None:
    """Raise an alert about one publication with a message that names it."""
    assert publication.id is not None
    return raise_alert(
        session,
        kind,
        f"{describe_publication(session, publication)}: {problem}",
        campaign_id=publication.campaign_id,
        publication_id=publication.id,
        channel_id=publication.channel_id,
        severity=severity,
        dedupe=dedupe or f"{kind}:{publication.id}",
    )


def alert_as_dict(alert: Alert, zone: ZoneInfo) -> dict[str, Any]:
    """The JSON shape of `loa alerts --json` (times ISO 8601 with the campaign zone's offset)."""

    def iso(value: datetime | None) -> str | None:
        return ensure_aware(value).astimezone(zone).isoformat() if value else None

    return {
        "id": alert.id,
        "kind": alert.kind,
        "severity": alert.severity,
        "message": alert.message,
        "campaign_id": alert.campaign_id,
        "publication_id": alert.publication_id,
        "channel_id": alert.channel_id,
        "created_at": iso(alert.created_at),
        "resolved_at": iso(alert.resolved_at),
        "emailed_at": iso(alert.emailed_at),
    }
