"""Metric collection: what to measure when, in platform-sized batches, through the connectors.

Every published item is measured on a decaying schedule after `published_at` (+1 h, +3 h, +6 h,
+24 h, +48 h, +7 d, +28 d) and, in between, once a day until the campaign's end plus 7 days, so
the daily rollups stay current while the campaign runs. `MeasurementPlan.next_due_at` holds the
next point; a pass measures only what is due (incremental) and commits batch by batch, so an
interrupted pass leaves consistent rows and the rest is simply still due next time (resumable).

Page and channel daily insights and channel audiences are pulled once a day per channel.
A rate limit, exhausted quota or dead token stops that channel for this pass (and is written as
a block, or a pause, the publisher respects too); other channels go on.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from campaigns.db import session_scope
from campaigns.errors import UserError
from campaigns.metrics_store import (
    AudienceRow,
    ChannelDailyRow,
    SnapshotRow,
    ingest_snapshots,
    record_audience,
    record_channel_daily,
    refresh_rollups,
)
from campaigns.models import (
    AlertKind,
    AudienceSnapshot,
    Campaign,
    Channel,
    ChannelDailyMetric,
    MeasurementPlan,
    MetricLatest,
    Publication,
    PublicationState,
)
from campaigns.segments import refresh_stale
from campaigns.settings import Settings
from campaigns.vocabulary import TERMS
from connectors.base import (
    AuthError,
    Credentials,
    DailyMetric,
    MetricsSource,
    PermissionDenied,
    PlatformError,
    QuotaExhausted,
    RateLimited,
)
from scheduler import channel_state
from scheduler.clock import Clock, utc_now

log = logging.getLogger(__name__)

DECAY: tuple[timedelta, ...] = (
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=24),
    timedelta(hours=48),
    timedelta(days=7),
    timedelta(days=28),
)
DAILY_UNTIL_AFTER_END = timedelta(days=7)
# A finished plan keeps its row (so the item is not planned again) with a due time never reached.
DONE = datetime(9999, 1, 1, tzinfo=UTC)
# YouTube videos.list takes at most 50 ids; Graph batches are split further by the connector.
BATCH = 50

Progress = Callable[[int, int], None]
"""Called with (items measured so far, items due in this pass)."""


# --------------------------------------------------------------------------------------------
# The schedule


def campaign_end(campaign: Campaign) -> datetime:
    """The end of the campaign's last day, in its zone, as an aware UTC time."""
    zone = ZoneInfo(campaign.timezone)
    return datetime.combine(campaign.ends + timedelta(days=1), time(0), zone).astimezone(UTC)


def next_due(published_at: datetime, after: datetime, end_at: datetime) -> datetime | None:
    """The first measuring point strictly after `after`, or None when the item is done.

    Points: the decaying offsets, and every 24 h after publication up to `end_at` + 7 days.
    Points missed while nothing ran are not replayed one by one: one pull catches up.
    """
    points = [published_at + d for d in DECAY]
    last_daily = end_at + DAILY_UNTIL_AFTER_END
    elapsed = (after - published_at) // timedelta(days=1) + 1
    daily = published_at + timedelta(days=max(elapsed, 1))
    if daily <= last_daily:
        points.append(daily)
    later = [p for p in points if p > after]
    return min(later) if later else None


# --------------------------------------------------------------------------------------------
# Access to the platforms (injectable for tests)


class MetricsAccess(Protocol):
    """Where a pass gets a platform's MetricsSource and a channel's credentials."""

    def source(self, platform: str) -> MetricsSource: ...

    def credentials(self, session: Session, channel: Channel) -> Credentials: ...


class ConnectorAccess:
    """The real thing: connectors from the registry, credentials from the vault, and YouTube's
    quota spent on the database ledger every worker and the publisher share."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine) -> None:
        self._settings = settings
        self._clock = clock
        self._engine = engine
        self._sources: dict[str, MetricsSource] = {}

    def source(self, platform: str) -> MetricsSource:
        if platform not in self._sources:
            # Imported here: the platform clients are heavy and only a real pull needs them.
            from connectors.registry import build
            from scheduler.config import connector_config
            from scheduler.quota_store import DbQuotaStore

            # The connector stamps `as_of` with the scheduler's clock (frozen in tests, fast
            # in the demo), so captures line up with the schedule that asked for them.
            self._sources[platform] = build(
                platform,
                connector_config(self._settings),
                quota=DbQuotaStore(self._engine),
                clock=self._clock.now,
            )
        return self._sources[platform]

    def credentials(self, session: Session, channel: Channel) -> Credentials:
        from scheduler.credentials import load_credentials, vault_for

        return load_credentials(session, channel, vault=vault_for(self._settings))


# --------------------------------------------------------------------------------------------
# The pass


@dataclass
class PullReport:
    """What one pass did; `skipped` maps a channel key to why it was not (fully) measured."""

    due: int = 0
    items_measured: int = 0
    snapshots_written: int = 0
    daily_rows: int = 0
    audience_rows: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    unavailable: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    missing: list[int] = field(default_factory=list)  # publications the platform did not return


@dataclass(frozen=True)
class _Item:
    publication_id: int
    external_id: str
    published_at: datetime
    end_at: datetime
    zone: ZoneInfo


def pull_metrics(
    engine: Engine,
    settings: Settings,
    clock: Clock,
    *,
    since: date | None = None,
    campaign: str | None = None,
    progress: Progress | None = None,
    access: MetricsAccess | None = None,
) -> PullReport:
    """One collection pass: plan new items, measure the due ones, then the daily insights.

    With `since`, every item published since that day (in the settings' zone) is measured now,
    whatever its schedule says (a backfill). `campaign` narrows the pass to one campaign key.
    """
    now = utc_now(clock)
    access = access or ConnectorAccess(settings, clock, engine)
    report = PullReport()
    _refresh(engine)  # rollups a crashed pass left behind
    with session_scope(engine) as session:
        campaign_id = _campaign_id(session, campaign)
        _plan_new_items(session, now, campaign_id)
        since_at = (
            datetime.combine(since, time(0), settings.zone).astimezone(UTC) if since else None
        )
        work = _due_items(session, now, campaign_id, since_at)
    report.due = sum(len(items) for items in work.values())
    done = 0
    if progress:
        progress(0, report.due)
    for channel_id, items in sorted(work.items()):
        done = _measure_channel(engine, access, channel_id, items, now, report, done, progress)
    _daily_insights(engine, access, now, campaign_id, report)
    # The segment rollups of the campaigns measured, rebuilt here so the next scorecard finds
    # them current instead of paying the rebuild on the manager's request.
    refresh_stale(engine)
    return report


def _campaign_id(session: Session, key: str | None) -> int | None:
    if key is None:
        return None
    found = session.scalar(select(col(Campaign.id)).where(col(Campaign.key) == key))
    if found is None:
        raise UserError(f"no campaign with key {key!r}; import its file first")
    return int(found)


def _plan_new_items(session: Session, now: datetime, campaign_id: int | None) -> int:
    """Give every published item without a plan its first measuring point."""
    query = (
        select(col(Publication.id), col(Publication.published_at), Campaign)
        .join(Campaign, col(Campaign.id) == col(Publication.campaign_id))
        .outerjoin(MeasurementPlan, col(MeasurementPlan.publication_id) == col(Publication.id))
        .where(
            col(Publication.state) == PublicationState.PUBLISHED,
            col(Publication.published_at).is_not(None),
            col(Publication.external_id).is_not(None),
            col(MeasurementPlan.publication_id).is_(None),
        )
    )
    if campaign_id is not None:
        query = query.where(col(Publication.campaign_id) == campaign_id)
    added = 0
    for pid, published_at, camp in session.execute(query).all():
        due = next_due(published_at, published_at, campaign_end(camp)) or DONE
        session.add(MeasurementPlan(publication_id=pid, next_due_at=due))
        added += 1
    session.flush()
    return added


def _due_items(
    session: Session, now: datetime, campaign_id: int | None, since_at: datetime | None
) -> dict[int, list[_Item]]:
    query = (
        select(
            col(Publication.id),
            col(Publication.external_id),
            col(Publication.published_at),
            col(Publication.channel_id),
            Campaign,
        )
        .join(Campaign, col(Campaign.id) == col(Publication.campaign_id))
        .join(MeasurementPlan, col(MeasurementPlan.publication_id) == col(Publication.id))
        .where(col(Publication.state) == PublicationState.PUBLISHED)
        .order_by(col(Publication.channel_id), col(Publication.id))
    )
    if since_at is not None:
        query = query.where(col(Publication.published_at) >= since_at)
    else:
        query = query.where(col(MeasurementPlan.next_due_at) <= now)
    if campaign_id is not None:
        query = query.where(col(Publication.campaign_id) == campaign_id)
    work: dict[int, list[_Item]] = defaultdict(list)
    for pid, external_id, published_at, channel_id, camp in session.execute(query).all():
        work[channel_id].append(
            _Item(pid, external_id, published_at, campaign_end(camp), ZoneInfo(camp.timezone))
        )
    return work


def _measure_channel(
    engine: Engine,
    access: MetricsAccess,
    channel_id: int,
    items: list[_Item],
    now: datetime,
    report: PullReport,
    done: int,
    progress: Progress | None,
) -> int:
    with session_scope(engine) as session:
        channel = session.get(Channel, channel_id)
        assert channel is not None
        reason = _why_not(session, channel, now)
        creds: Credentials | None = None
        if not reason:
            try:
                creds = access.credentials(session, channel)
            except UserError as exc:
                reason = str(exc)
    if reason or creds is None:
        report.skipped[channel.key] = reason
        return _advance_progress(done + len(items), report, progress)
    source = access.source(channel.platform)
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        try:
            results = source.object_metrics(creds, [i.external_id for i in batch])
        except PlatformError as exc:
            with session_scope(engine) as session:
                report.skipped[channel.key] = _stop_channel(session, channel_id, exc, now)
            return _advance_progress(done + len(items) - start, report, progress)
        with session_scope(engine) as session:
            _store_batch(session, batch, results, now, report)
        _refresh(engine)
        done = _advance_progress(done + len(batch), report, progress)
    return done


def _refresh(engine: Engine) -> None:
    """Bring the daily rollups up to date with the snapshots just committed, in a short
    transaction of its own: the snapshots are durable first, and a crash before this commits
    leaves the series pending for the next refresh (never wrong rollups)."""
    with session_scope(engine) as session:
        refresh_rollups(session)


def _advance_progress(done: int, report: PullReport, progress: Progress | None) -> int:
    if progress:
        progress(done, report.due)
    return done


def _why_not(session: Session, channel: Channel, now: datetime) -> str:
    if channel.paused:
        return f"paused: {channel.paused_reason or 'reconnect the channel'}"
    if channel.blocked_until is not None and channel.blocked_until > now:
        return f"blocked until {channel.blocked_until.isoformat()}"
    if channel.id in channel_state.blocked_channel_ids(session, now):
        return "held back by a rate-limit or quota block"
    return ""


def _stop_channel(session: Session, channel_id: int, exc: PlatformError, now: datetime) -> str:
    """Record why a channel's pulls stop for this pass, so the publisher holds back too."""
    channel = session.get(Channel, channel_id)
    assert channel is not None
    if isinstance(exc, RateLimited):
        scope = (
            channel_state.app_scope(channel.platform)
            if exc.scope == "app"
            else channel_state.account_scope(channel.platform, channel.external_id)
        )
        until = now + exc.retry_after
        channel_state.block(session, scope, until, f"rate limited: {exc.message}", now)
        return f"rate limited until {until.isoformat()}"
    if isinstance(exc, QuotaExhausted):
        scope = channel_state.quota_scope(channel.external_id, exc.bucket)
        channel_state.block(session, scope, exc.reset_at, "quota exhausted", now)
        return f"quota exhausted until {exc.reset_at.isoformat()}"
    if isinstance(exc, AuthError):
        # Said, not acted on: a read refused says less than a publish refused (a metrics
        # permission, an insights outage). Publishing pauses the channel if its own call is.
        reason = f"token refused while reading metrics ({exc.kind}): check the channel's token"
        channel_state.alert(
            session,
            AlertKind.NEEDS_REVIEW,
            f"Channel {channel.key}: {reason}",
            dedupe=f"metrics_auth:{channel.id}:{now.date().isoformat()}",
            campaign_id=channel.campaign_id,
            channel_id=channel.id,
        )
        return f"stopped: {reason}"
    if isinstance(exc, PermissionDenied):
        return f"permission denied: {exc.message}"
    return f"{exc.kind}: {exc.message} (tried again next pass)"


def _store_batch(
    session: Session,
    batch: Sequence[_Item],
    results: Sequence[Any],
    now: datetime,
    report: PullReport,
) -> None:
    by_external = {r.external_id: r for r in results}
    rows_by_zone: dict[str, list[SnapshotRow]] = defaultdict(list)
    zones: dict[str, ZoneInfo] = {}
    for item in batch:
        plan = session.get(MeasurementPlan, item.publication_id)
        assert plan is not None
        result = by_external.get(item.external_id)
        notes: list[str] = []
        if result is None:
            report.missing.append(item.publication_id)
            notes.append("not returned by the platform (deleted or hidden?)")
        else:
            report.items_measured += 1
            for metric, value in result.values.items():
                if metric not in TERMS:
                    notes.append(f"ignored unknown metric {metric}")
                    continue
                rows_by_zone[item.zone.key].append(
                    SnapshotRow(
                        item.publication_id,
                        metric,
                        float(value),
                        result.as_of,
                        result.sources.get(metric, ""),
                    )
                )
            zones[item.zone.key] = item.zone
            for metric in result.unavailable:
                report.unavailable[metric].add(item.external_id)
            if result.unavailable:
                notes.append("unavailable: " + ", ".join(sorted(result.unavailable)))
        plan.pulls += 1
        plan.last_pulled_at = now
        plan.last_error = "; ".join(notes)
        plan.next_due_at = next_due(item.published_at, now, item.end_at) or DONE
        session.add(plan)
    for zone_key, rows in rows_by_zone.items():
        report.snapshots_written += ingest_snapshots(session, rows, zones[zone_key])


# --------------------------------------------------------------------------------------------
# Daily Page/channel insights and audiences


def _daily_insights(
    engine: Engine,
    access: MetricsAccess,
    now: datetime,
    campaign_id: int | None,
    report: PullReport,
) -> None:
    """Once a day per channel of a running campaign: daily insights and the audience."""
    with session_scope(engine) as session:
        query = select(Channel, Campaign).join(
            Campaign, col(Campaign.id) == col(Channel.campaign_id)
        )
        if campaign_id is not None:
            query = query.where(col(Channel.campaign_id) == campaign_id)
        pairs = [(ch.id, camp) for ch, camp in session.execute(query).all()]
    for channel_id, camp in pairs:
        zone = ZoneInfo(camp.timezone)
        today = now.astimezone(zone).date()
        if today < camp.starts or today > camp.ends + DAILY_UNTIL_AFTER_END:
            continue
        with session_scope(engine) as session:
            channel = session.get(Channel, channel_id)
            assert channel is not None
            if _why_not(session, channel, now):
                continue  # already reported when its items were due, or nothing is due
            need_daily = _last_day(session, ChannelDailyMetric, channel_id, zone) != today
            need_audience = _last_day(session, AudienceSnapshot, channel_id, zone) != today
            if not (need_daily or need_audience):
                continue
            try:
                creds = access.credentials(session, channel)
            except UserError:
                continue
            key, platform = channel.key, channel.platform
        source = access.source(platform)
        until = min(today, camp.ends + DAILY_UNTIL_AFTER_END)
        try:
            daily = source.account_daily(creds, camp.starts, until) if need_daily else []
            shares = source.audience(creds, camp.starts, until) if need_audience else []
        except PlatformError as exc:
            with session_scope(engine) as session:
                report.skipped.setdefault(key, _stop_channel(session, channel_id, exc, now))
            continue
        with session_scope(engine) as session:
            _store_daily(session, channel_id, daily, now, zone, report)
            rows = [
                AudienceRow(channel_id, s.gender, s.age_group, s.share, now)
                for s in shares
                if not s.external_id
            ]
            report.audience_rows += record_audience(session, rows)
        _refresh(engine)


def _last_day(session: Session, table: Any, channel_id: int, zone: ZoneInfo) -> date | None:
    newest = session.scalar(
        select(func.max(table.captured_at)).where(table.channel_id == channel_id)
    )
    if newest is None:
        return None
    if isinstance(newest, str):  # SQLite returns aggregates untyped
        newest = datetime.fromisoformat(newest).replace(tzinfo=UTC)
    moment: datetime = newest
    return moment.astimezone(zone).date()


def _store_daily(
    session: Session,
    channel_id: int,
    daily: Sequence[DailyMetric],
    now: datetime,
    zone: ZoneInfo,
    report: PullReport,
) -> None:
    """Channel rows go to ChannelDailyMetric; per-video rows (YouTube Analytics) become the
    video's lifetime series, one snapshot per day not yet captured."""
    channel_rows = [
        ChannelDailyRow(channel_id, d.day, d.metric, d.value, now, d.source_metric)
        for d in daily
        if not d.external_id and d.metric in TERMS
    ]
    report.daily_rows += record_channel_daily(session, channel_rows)
    per_video: dict[tuple[str, str], list[DailyMetric]] = defaultdict(list)
    for d in daily:
        if d.external_id and d.metric in TERMS:
            per_video[(d.external_id, d.metric)].append(d)
    if not per_video:
        return
    pubs: dict[str, int] = {
        external_id: pid
        for external_id, pid in session.execute(
            select(col(Publication.external_id), col(Publication.id)).where(
                col(Publication.channel_id) == channel_id,
                col(Publication.external_id).in_({e for e, _ in per_video}),
            )
        )
    }
    rows: list[SnapshotRow] = []
    for (external_id, metric), days in per_video.items():
        pid = pubs.get(external_id)
        if pid is None:
            continue
        latest = session.get(MetricLatest, (pid, metric))
        total = 0.0
        for d in sorted(days, key=lambda x: x.day):
            total += d.value
            at = min(datetime.combine(d.day + timedelta(days=1), time(0), zone), now)
            if latest is None or at > latest.captured_at:
                rows.append(SnapshotRow(pid, metric, total, at.astimezone(UTC), d.source_metric))
    report.snapshots_written += ingest_snapshots(session, rows, zone)


# --------------------------------------------------------------------------------------------
# The ticker


def register_jobs(
    ticker: Any, engine: Engine, settings: Settings, clock: Clock, *, seconds: int = 600
) -> None:
    """Add the periodic collection pass to the scheduler's ticker (every `seconds`)."""

    def job() -> None:
        from scheduler.coordination import only_one

        try:
            with only_one(engine, "metrics") as mine:
                if not mine:  # another worker is pulling: one pull for all, not one each
                    log.info("metrics: another worker is pulling; this pass skips")
                    return
                report = pull_metrics(engine, settings, clock)
        except Exception:  # a failed pass must not stop the ticker; the next one retries
            log.exception("metric pull failed")
            return
        log.info(
            "metrics: %d items measured, %d snapshots, %d channels skipped",
            report.items_measured,
            report.snapshots_written,
            len(report.skipped),
        )

    ticker.add_job(job, seconds, name="metrics")
