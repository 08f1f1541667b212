"""What `loa status` shows: the queue by state, what is due next, who holds leases, channel
health, open alerts and plan-time quota warnings. Plain data, rendered by the CLI."""

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from campaigns.errors import UserError
from campaigns.models import (
    Campaign,
    Channel,
    ContentItem,
    Credential,
    Publication,
    PublicationState,
    Worker,
)
from campaigns.settings import Settings
from campaigns.timeutil import ensure_aware
from connectors.graph_versions import version_warning
from scheduler.alerts import open_alert_count
from scheduler.quota_plan import check_plan_fits

WAITING_STATES = (
    PublicationState.APPROVED,
    PublicationState.QUEUED,
    PublicationState.RETRY_WAIT,
    PublicationState.CLAIMED,
    PublicationState.HANDED_OFF,
)


@dataclass(frozen=True)
class DueItem:
    id: int
    campaign: str
    content: str
    channel: str
    platform: str
    scheduled_at: datetime
    state: str
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class Lease:
    publication_id: int
    locked_by: str
    locked_until: datetime
    expired: bool


@dataclass(frozen=True)
class WorkerInfo:
    id: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None
    leases: int


@dataclass(frozen=True)
class ChannelHealth:
    campaign: str
    key: str
    platform: str
    external_id: str
    paused: bool
    paused_reason: str
    blocked_until: datetime | None
    token: str  # ok | expiring | expired | revoked | unknown | missing
    token_detail: str
    token_expires_at: datetime | None


@dataclass
class StatusReport:
    as_of: datetime
    timezone: str
    queue: dict[str, int]
    next_due: list[DueItem]
    workers: list[WorkerInfo]
    leases: list[Lease]
    channels: list[ChannelHealth]
    open_alerts: int
    quota_warnings: list[str] = field(default_factory=list)
    # The configured Graph version ends within 90 days, has ended, or is unknown.
    platform_warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: times are ISO 8601 with the campaign zone's offset."""
        zone = ZoneInfo(self.timezone)

        def convert(value: Any) -> Any:
            if isinstance(value, datetime):
                return ensure_aware(value).astimezone(zone).isoformat()
            if isinstance(value, dict):
                return {k: convert(v) for k, v in value.items()}
            if isinstance(value, list):
                return [convert(v) for v in value]
            return value

        return dict(convert(asdict(self)))


def _queue(session: Session, campaign_id: int | None) -> dict[str, int]:
    query = select(Publication.state, func.count()).group_by(col(Publication.state))
    if campaign_id is not None:
        query = query.where(Publication.campaign_id == campaign_id)
    counts = {str(state): int(n) for state, n in session.exec(query).all()}
    # Every state appears, in life order, so scripts need not guess the keys.
    return {str(s): counts.get(str(s), 0) for s in PublicationState}


def _next_due(
    session: Session, campaign_id: int | None, limit: int, zone: ZoneInfo
) -> list[DueItem]:
    query = (
        sa_select(
            Publication,
            col(ContentItem.key),
            col(Channel.key),
            col(Channel.platform),
            col(Campaign.key),
        )
        .join(ContentItem, col(ContentItem.id) == Publication.content_id)
        .join(Channel, col(Channel.id) == Publication.channel_id)
        .join(Campaign, col(Campaign.id) == Publication.campaign_id)
        .where(col(Publication.state).in_([str(s) for s in WAITING_STATES]))
        .order_by(col(Publication.scheduled_at), col(Publication.id))
        .limit(limit)
    )
    if campaign_id is not None:
        query = query.where(col(Publication.campaign_id) == campaign_id)
    items = []
    for pub, content_key, channel_key, platform, campaign_key in session.execute(query).all():
        assert pub.id is not None
        items.append(
            DueItem(
                id=pub.id,
                campaign=campaign_key,
                content=content_key,
                channel=channel_key,
                platform=platform,
                scheduled_at=pub.scheduled_at.astimezone(zone),
                state=pub.state,
                next_attempt_at=pub.next_attempt_at.astimezone(zone)
                if pub.next_attempt_at
                else None,
            )
        )
    return items


def _leases(session: Session, now: datetime) -> list[Lease]:
    rows = session.exec(
        select(Publication.id, Publication.locked_by, Publication.locked_until)
        .where(col(Publication.locked_by).is_not(None), col(Publication.locked_until).is_not(None))
        .order_by(col(Publication.locked_until))
    ).all()
    return [
        Lease(pub_id, by, until, expired=until < now)
        for pub_id, by, until in rows
        if pub_id is not None and by is not None and until is not None
    ]


def _workers(session: Session, leases: list[Lease]) -> list[WorkerInfo]:
    held: dict[str, int] = {}
    for lease in leases:
        worker = lease.locked_by.split("#", 1)[0]  # a holder: worker id and claim token
        held[worker] = held.get(worker, 0) + 1
    workers = session.exec(select(Worker).order_by(col(Worker.started_at))).all()
    return [
        WorkerInfo(
            w.id, w.host, w.pid, w.started_at, w.heartbeat_at, w.stopped_at, held.get(w.id, 0)
        )
        for w in workers
    ]


def _channels(session: Session, campaign_id: int | None) -> list[ChannelHealth]:
    query = (
        select(Channel, Campaign.key)
        .join(Campaign, col(Campaign.id) == Channel.campaign_id)
        .order_by(col(Campaign.key), col(Channel.key))
    )
    if campaign_id is not None:
        query = query.where(Channel.campaign_id == campaign_id)
    creds = {(c.platform, c.account_id): c for c in session.exec(select(Credential)).all()}
    result = []
    for channel, campaign_key in session.exec(query).all():
        cred = creds.get((channel.platform, channel.external_id))
        result.append(
            ChannelHealth(
                campaign=campaign_key,
                key=channel.key,
                platform=channel.platform,
                external_id=channel.external_id,
                paused=channel.paused,
                paused_reason=channel.paused_reason,
                blocked_until=channel.blocked_until,
                token=cred.health if cred else "missing",
                token_detail=cred.health_detail if cred else "not connected",
                token_expires_at=cred.expires_at if cred else None,
            )
        )
    return result


def gather_status(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    campaign_key: str | None = None,
    limit: int = 10,
) -> StatusReport:
    """The whole picture at `now`; one campaign when `campaign_key` is given."""
    now = ensure_aware(now)
    campaign_id: int | None = None
    campaign_ids: list[int] = []
    zone_name = settings.timezone
    if campaign_key is not None:
        campaign = session.exec(select(Campaign).where(Campaign.key == campaign_key)).first()
        if campaign is None or campaign.id is None:
            raise UserError(f"no campaign with key {campaign_key!r}")
        campaign_id = campaign.id
        campaign_ids = [campaign.id]
        zone_name = campaign.timezone
    else:
        campaign_ids = [c for c in session.exec(select(Campaign.id)).all() if c is not None]
    zone = ZoneInfo(zone_name)
    leases = _leases(session, now)
    warnings: list[str] = []
    for cid in campaign_ids:
        warnings.extend(check_plan_fits(session, cid, settings))
    return StatusReport(
        as_of=now,
        timezone=zone_name,
        queue=_queue(session, campaign_id),
        next_due=_next_due(session, campaign_id, limit, zone),
        workers=_workers(session, leases),
        leases=leases,
        channels=_channels(session, campaign_id),
        open_alerts=open_alert_count(session),
        quota_warnings=warnings,
        platform_warnings=[
            w for w in (version_warning(settings.facebook_api_version, now.date()),) if w
        ],
    )
