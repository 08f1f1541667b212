"""What `loa status` shows: the queue by state, what is due next, who holds leases, channel
health, open alerts and plan-time quota warnings. Plain data, rendered by the CLI.

Read with plain SQL (`campaigns.reader`), not the models: `loa status` is typed dozens of times
a day, and importing SQLAlchemy and SQLModel and building every model took most of its time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from campaigns.clock import ensure_aware
from campaigns.errors import UserError
from campaigns.reader import Reader, as_reader, placeholders, utc
from campaigns.states import PublicationState
from connectors.graph_versions import version_warning
from scheduler.quota_plan import check_plan_fits

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from campaigns.settings import Settings

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


def _campaign_filter(campaign_id: int | None, column: str) -> tuple[str, dict[str, Any]]:
    if campaign_id is None:
        return "", {}
    return f" AND {column} = :campaign_id", {"campaign_id": campaign_id}


def _queue(db: Reader, campaign_id: int | None) -> dict[str, int]:
    where, params = _campaign_filter(campaign_id, "publication.campaign_id")
    rows = db.rows(
        "SELECT publication.state, COUNT(*) FROM publication"
        f" WHERE 1 = 1{where} GROUP BY publication.state",
        params,
    )
    counts = {str(state): int(n) for state, n in rows}
    # Every state appears, in life order, so scripts need not guess the keys.
    return {str(s): counts.get(str(s), 0) for s in PublicationState}


def _next_due(db: Reader, campaign_id: int | None, limit: int, zone: ZoneInfo) -> list[DueItem]:
    states, params = placeholders("state", [str(s) for s in WAITING_STATES])
    where, more = _campaign_filter(campaign_id, "publication.campaign_id")
    rows = db.rows(
        "SELECT publication.id, publication.scheduled_at, publication.state,"
        " publication.next_attempt_at, contentitem.key, channel.key, channel.platform,"
        " campaign.key"
        " FROM publication"
        " JOIN contentitem ON contentitem.id = publication.content_id"
        " JOIN channel ON channel.id = publication.channel_id"
        " JOIN campaign ON campaign.id = publication.campaign_id"
        f" WHERE publication.state IN ({states}){where}"
        " ORDER BY publication.scheduled_at, publication.id LIMIT :limit",
        {**params, **more, "limit": limit},
    )
    items = []
    for pub_id, scheduled, state, next_attempt, content, channel, platform, campaign in rows:
        scheduled_at, next_attempt_at = utc(scheduled), utc(next_attempt)
        assert scheduled_at is not None
        items.append(
            DueItem(
                id=pub_id,
                campaign=campaign,
                content=content,
                channel=channel,
                platform=platform,
                scheduled_at=scheduled_at.astimezone(zone),
                state=state,
                next_attempt_at=next_attempt_at.astimezone(zone) if next_attempt_at else None,
            )
        )
    return items


def _leases(db: Reader, now: datetime) -> list[Lease]:
    rows = db.rows(
        "SELECT publication.id, publication.locked_by, publication.locked_until FROM publication"
        " WHERE publication.locked_by IS NOT NULL AND publication.locked_until IS NOT NULL"
        " ORDER BY publication.locked_until"
    )
    leases = []
    for pub_id, by, stored_until in rows:
        until = utc(stored_until)
        assert until is not None
        leases.append(Lease(pub_id, by, until, expired=until < now))
    return leases


def _workers(db: Reader, leases: list[Lease]) -> list[WorkerInfo]:
    held: dict[str, int] = {}
    for lease in leases:
        holder = lease.locked_by.split("#", 1)[0]  # a holder: worker id and claim token
        held[holder] = held.get(holder, 0) + 1
    rows = db.rows(
        "SELECT worker.id, worker.host, worker.pid, worker.started_at, worker.heartbeat_at,"
        " worker.stopped_at FROM worker ORDER BY worker.started_at"
    )
    workers = []
    for wid, host, pid, started, heartbeat, stopped in rows:
        started_at, heartbeat_at = utc(started), utc(heartbeat)
        assert started_at is not None
        assert heartbeat_at is not None
        workers.append(
            WorkerInfo(wid, host, pid, started_at, heartbeat_at, utc(stopped), held.get(wid, 0))
        )
    return workers


def _channels(db: Reader, campaign_id: int | None) -> list[ChannelHealth]:
    creds = {
        (platform, account): (health, detail, utc(expires))
        for platform, account, health, detail, expires in db.rows(
            "SELECT credential.platform, credential.account_id, credential.health,"
            " credential.health_detail, credential.expires_at FROM credential"
        )
    }
    where, params = _campaign_filter(campaign_id, "channel.campaign_id")
    rows = db.rows(
        "SELECT campaign.key, channel.key, channel.platform, channel.external_id,"
        " channel.paused, channel.paused_reason, channel.blocked_until"
        " FROM channel JOIN campaign ON campaign.id = channel.campaign_id"
        f" WHERE 1 = 1{where} ORDER BY campaign.key, channel.key",
        params,
    )
    result = []
    for campaign, key, platform, external_id, paused, reason, blocked in rows:
        cred = creds.get((platform, external_id))
        token, detail, expires = cred if cred else ("missing", "not connected", None)
        result.append(
            ChannelHealth(
                campaign=campaign,
                key=key,
                platform=platform,
                external_id=external_id,
                paused=bool(paused),
                paused_reason=reason,
                blocked_until=utc(blocked),
                token=token,
                token_detail=detail,
                token_expires_at=expires,
            )
        )
    return result


def open_alert_count(db: Reader | Connection | Session) -> int:
    """Alerts not yet resolved."""
    [(count,)] = as_reader(db).rows("SELECT COUNT(*) FROM alert WHERE alert.resolved_at IS NULL")
    return int(count)


def gather_status(
    session: Reader | Connection | Session,
    settings: Settings,
    now: datetime,
    *,
    campaign_key: str | None = None,
    limit: int = 10,
) -> StatusReport:
    """The whole picture at `now`; one campaign when `campaign_key` is given.

    `session`: a reader (what `loa status` opens), or a SQLAlchemy connection or session.
    """
    db = as_reader(session)
    now = ensure_aware(now)
    campaign_id: int | None = None
    zone_name = settings.timezone
    if campaign_key is not None:
        found = db.rows(
            "SELECT campaign.id, campaign.timezone FROM campaign WHERE campaign.key = :key",
            {"key": campaign_key},
        )
        if not found:
            raise UserError(f"no campaign with key {campaign_key!r}")
        campaign_id, zone_name = found[0]
        campaign_ids = [campaign_id]
    else:
        campaign_ids = [cid for (cid,) in db.rows("SELECT campaign.id FROM campaign")]
    zone = ZoneInfo(zone_name)
    leases = _leases(db, now)
    warnings: list[str] = []
    for cid in campaign_ids:
        warnings.extend(check_plan_fits(db, cid, settings))
    return StatusReport(
        as_of=now,
        timezone=zone_name,
        queue=_queue(db, campaign_id),
        next_due=_next_due(db, campaign_id, limit, zone),
        workers=_workers(db, leases),
        leases=leases,
        channels=_channels(db, campaign_id),
        open_alerts=open_alert_count(db),
        quota_warnings=warnings,
        platform_warnings=[
            w for w in (version_warning(settings.facebook_api_version, now.date()),) if w
        ],
    )
