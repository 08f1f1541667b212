"""Pre-flight: a configurable time before each publication, check what would fail at its minute.

Checked per publication due within `Settings.preflight_minutes`: approval done, the channel's
credential connected, its token valid with the permissions publishing needs, YouTube upload
quota left that Pacific day, media present and within the platform's limits, text within them.
Each problem becomes a `preflight` alert (one per publication and problem) so officers fix it
early; nothing here changes a publication's state. A check that could not run because the
platform did not answer is not a finding: a network blip is not a dead token (Postiz PR #1822).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from campaigns.db import session_scope
from campaigns.errors import UserError
from campaigns.limits import check_media, check_text
from campaigns.models import (
    Alert,
    AlertKind,
    Campaign,
    Channel,
    ContentItem,
    Publication,
    PublicationState,
    QuotaUsage,
)
from campaigns.settings import Settings
from connectors.base import AuthError, Credentials, PermissionDenied, PlatformError, TokenHealth
from scheduler.alerts import alert_for_publication
from scheduler.clock import Clock, utc_now
from scheduler.credentials import wrong_account
from scheduler.dispatcher import ConnectorFactory
from scheduler.quota_plan import PACIFIC, PLANNED_STATES

log = logging.getLogger(__name__)

CHECKED_STATES = (
    PublicationState.DRAFT,
    PublicationState.APPROVED,
    PublicationState.QUEUED,
    PublicationState.RETRY_WAIT,
)


@dataclass(frozen=True)
class Finding:
    publication_id: int
    problem: str  # approval | credential | token | permissions | quota | media | text
    message: str


def media_file(content: ContentItem, campaign: Campaign) -> Path | None:
    """The media path as stored (absolute after import), else relative to the campaign file."""
    if not content.media_path:
        return None
    path = Path(content.media_path)
    if not path.is_absolute() and campaign.source_file:
        path = Path(campaign.source_file).parent / path
    return path


def content_findings(
    pub_id: int, content: ContentItem, channel: Channel, campaign: Campaign
) -> list[Finding]:
    """Media and text problems on this channel's platform."""
    findings: list[Finding] = []
    message = content.message
    for problem in check_text(
        channel.platform,
        content.kind,
        message=message,
        title=content.title,
        description=content.description,
        tags=content.tags,
    ):
        findings.append(Finding(pub_id, "text", f"{problem.field}: {problem.message}"))
    path = media_file(content, campaign)
    if content.kind in ("photo", "clip"):
        if path is None:
            findings.append(Finding(pub_id, "media", f"a {content.kind} needs a media file"))
        else:
            for problem in check_media(channel.platform, content.kind, path):
                findings.append(Finding(pub_id, "media", problem.message))
    return findings


def uploads_left_before(session: Session, pub: Publication, settings: Settings) -> int:
    """YouTube uploads still available for this publication on its Pacific quota day, counting
    the uploads spent already and those planned before it that day."""
    day = pub.scheduled_at.astimezone(PACIFIC).date()
    start = datetime(day.year, day.month, day.day, tzinfo=PACIFIC)
    used = session.exec(
        select(func.coalesce(func.sum(QuotaUsage.used), 0)).where(
            QuotaUsage.day == day, QuotaUsage.bucket == "uploads"
        )
    ).one()
    earlier = session.exec(
        select(func.count())
        .select_from(Publication)
        .join(Channel, col(Channel.id) == Publication.channel_id)
        .where(
            Channel.platform == "youtube",
            col(Publication.state).in_([str(s) for s in PLANNED_STATES]),
            col(Publication.scheduled_at) >= start,
            (col(Publication.scheduled_at) < pub.scheduled_at)
            | (
                (col(Publication.scheduled_at) == pub.scheduled_at) & (col(Publication.id) < pub.id)
            ),
        )
    ).one()
    return settings.youtube_daily_uploads - int(used) - int(earlier)


class TokenChecks:
    """One token check per channel and run, however many publications it carries."""

    def __init__(self, connectors: ConnectorFactory) -> None:
        self.connectors = connectors
        self._seen: dict[int, list[tuple[str, str]]] = {}

    def problems(self, session: Session, channel: Channel) -> list[tuple[str, str]]:
        assert channel.id is not None
        if channel.id not in self._seen:
            self._seen[channel.id] = self._check(session, channel)
        return self._seen[channel.id]

    def _check(self, session: Session, channel: Channel) -> list[tuple[str, str]]:
        try:
            creds = self.connectors.credentials(session, channel)
        except UserError as exc:
            return [("credential", str(exc))]
        try:
            health: TokenHealth = self.connectors.publisher(channel.platform).check_token(creds)
        except (AuthError, PermissionDenied) as exc:
            return [("token", f"the platform refused the token ({exc.kind}): {exc.message}")]
        except PlatformError as exc:
            log.info("pre-flight token check of %s skipped: %s", channel.key, exc.kind)
            return []
        problems: list[tuple[str, str]] = []
        if health.valid:
            problems.extend(self._owner(channel, creds))
        if not health.valid:
            problems.append(
                ("token", f"token not valid: {health.detail or 'reconnect the channel'}")
            )
        if health.missing_scopes:
            problems.append(
                ("permissions", "token lacks permissions: " + ", ".join(health.missing_scopes))
            )
        return problems

    def _owner(self, channel: Channel, creds: Credentials) -> list[tuple[str, str]]:
        """A valid token of another Page or channel fails at the minute with a permission
        error: catch it here, before the time."""
        try:
            wrong = wrong_account(self.connectors.publisher(channel.platform), creds, channel)
        except PlatformError as exc:
            log.info("pre-flight account check of %s skipped: %s", channel.key, exc.kind)
            return []
        return [("account", wrong)] if wrong else []


def check_publication(
    session: Session,
    pub: Publication,
    settings: Settings,
    tokens: TokenChecks,
) -> list[Finding]:
    """Every problem that would make `pub` fail at its minute."""
    assert pub.id is not None
    channel = session.get(Channel, pub.channel_id)
    content = session.get(ContentItem, pub.content_id)
    campaign = session.get(Campaign, pub.campaign_id)
    assert channel is not None
    assert content is not None
    assert campaign is not None
    findings: list[Finding] = []
    if pub.state == PublicationState.DRAFT:
        findings.append(Finding(pub.id, "approval", "not approved yet (`loa approve`)"))
    for problem, message in tokens.problems(session, channel):
        findings.append(Finding(pub.id, problem, message))
    if channel.platform == "youtube" and content.kind == "clip":
        left = uploads_left_before(session, pub, settings)
        if left <= 0:
            findings.append(
                Finding(
                    pub.id,
                    "quota",
                    f"no YouTube upload left in that day's quota ({settings.youtube_daily_uploads} "
                    "a day, reset at midnight Pacific time): it will wait for the reset",
                )
            )
    findings.extend(content_findings(pub.id, content, channel, campaign))
    return findings


def _resolve_fixed(session: Session, pub_id: int, still: set[str], now: datetime) -> None:
    """Close this publication's pre-flight alerts whose problem is gone."""
    open_alerts = session.exec(
        select(Alert).where(
            Alert.publication_id == pub_id,
            Alert.kind == AlertKind.PREFLIGHT,
            col(Alert.resolved_at).is_(None),
        )
    ).all()
    for alert in open_alerts:
        problem = alert.dedupe_key.rsplit(":", 1)[-1]
        if problem not in still:
            alert.resolved_at = now
            session.add(alert)


def run_preflight(
    engine: Engine, settings: Settings, clock: Clock, connectors: ConnectorFactory
) -> list[Finding]:
    """Check every publication due within the pre-flight window; alert on each problem."""
    now = utc_now(clock)
    horizon = now + timedelta(minutes=settings.preflight_minutes)
    tokens = TokenChecks(connectors)
    found: list[Finding] = []
    with session_scope(engine) as session:
        due = session.exec(
            select(Publication)
            .where(
                col(Publication.state).in_([str(s) for s in CHECKED_STATES]),
                col(Publication.scheduled_at) > now,
                col(Publication.scheduled_at) <= horizon,
            )
            .order_by(col(Publication.scheduled_at), col(Publication.id))
        ).all()
        for pub in due:
            assert pub.id is not None
            findings = check_publication(session, pub, settings, tokens)
            for finding in findings:
                alert_for_publication(
                    session,
                    pub,
                    AlertKind.PREFLIGHT,
                    f"pre-flight: {finding.message}",
                    dedupe=f"preflight:{pub.id}:{finding.problem}",
                )
            _resolve_fixed(session, pub.id, {f.problem for f in findings}, now)
            found.extend(findings)
    return found
