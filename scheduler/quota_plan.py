"""Whether each day's planned YouTube uploads fit the API quota, checked when the plan is made.

YouTube counts quota per Google Cloud project and resets it at midnight Pacific time. Since
2025 `videos.insert` has its own bucket (default 100 calls a day, 1 per call) and every other
call draws on 10,000 units a day: a playlist insertion and a thumbnail cost 50 units each, and
the list that checks the clip joined its playlist once 1 unit
(https://developers.google.com/youtube/v3/determine_quota_cost). Loa's YouTube channels all go
through Loa's one project, so the plan is summed across campaigns, day by Pacific day.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from campaigns.models import (
    AlertKind,
    Channel,
    ContentItem,
    Publication,
    PublicationState,
    QuotaUsage,
)
from campaigns.settings import Settings
from campaigns.timeutil import ensure_aware
from scheduler.alerts import raise_alert

PACIFIC = ZoneInfo("America/Los_Angeles")
PLAYLIST_INSERT_UNITS = 50 + 1  # playlistItems.insert, then playlistItems.list of the clip
THUMBNAIL_SET_UNITS = 50

# States whose upload is still ahead: drafts count, because the warning is for plan time.
PLANNED_STATES = (
    PublicationState.DRAFT,
    PublicationState.APPROVED,
    PublicationState.QUEUED,
    PublicationState.CLAIMED,
    PublicationState.RETRY_WAIT,
)


@dataclass(frozen=True)
class QuotaDay:
    """One Pacific quota day: what is planned (all campaigns) against the budget."""

    day: date
    uploads: int
    units: int
    campaign_uploads: int
    upload_budget: int
    unit_budget: int

    @property
    def fits(self) -> bool:
        return self.uploads <= self.upload_budget and self.units <= self.unit_budget

    def describe(self) -> str:
        parts = []
        if self.uploads > self.upload_budget:
            parts.append(
                f"{self.uploads} YouTube uploads planned, the project allows "
                f"{self.upload_budget} a day ({self.uploads - self.upload_budget} would wait "
                "for the next reset)"
            )
        if self.units > self.unit_budget:
            parts.append(
                f"{self.units} quota units for playlists and thumbnails, the project allows "
                f"{self.unit_budget}"
            )
        return (
            f"quota day {self.day.isoformat()} (midnight to midnight Pacific time; "
            f"{self.campaign_uploads} of this campaign): " + "; ".join(parts)
        )


def upload_units(content: ContentItem, channel: Channel) -> int:
    """Units an upload costs besides its `videos.insert` call."""
    units = 0
    if channel.playlist_id:
        units += PLAYLIST_INSERT_UNITS
    if content.thumbnail_path:
        units += THUMBNAIL_SET_UNITS
    return units


def _already_used(session: Session, days: Iterable[date]) -> dict[tuple[date, str], int]:
    rows = session.execute(
        sa_select(col(QuotaUsage.day), col(QuotaUsage.bucket), func.sum(col(QuotaUsage.used)))
        .where(col(QuotaUsage.day).in_(list(days)))
        .group_by(col(QuotaUsage.day), col(QuotaUsage.bucket))
    ).all()
    return {(day, bucket): int(total or 0) for day, bucket, total in rows}


def plan_by_day(session: Session, settings: Settings, campaign_id: int) -> list[QuotaDay]:
    """Every Pacific day on which the campaign plans an upload, with the whole project's load."""
    rows = session.exec(
        select(Publication, ContentItem, Channel)
        .join(ContentItem, col(ContentItem.id) == Publication.content_id)
        .join(Channel, col(Channel.id) == Publication.channel_id)
        .where(
            Channel.platform == "youtube",
            col(Publication.state).in_([str(s) for s in PLANNED_STATES]),
        )
    ).all()
    uploads: dict[date, int] = defaultdict(int)
    units: dict[date, int] = defaultdict(int)
    mine: dict[date, int] = defaultdict(int)
    for pub, content, channel in rows:
        day = ensure_aware(pub.scheduled_at).astimezone(PACIFIC).date()
        uploads[day] += 1
        units[day] += upload_units(content, channel)
        if pub.campaign_id == campaign_id:
            mine[day] += 1
    used = _already_used(session, mine)
    return [
        QuotaDay(
            day=day,
            uploads=uploads[day] + used.get((day, "uploads"), 0),
            units=units[day] + used.get((day, "units"), 0),
            campaign_uploads=mine[day],
            upload_budget=settings.youtube_daily_uploads,
            unit_budget=settings.youtube_daily_units,
        )
        for day in sorted(mine)
    ]


def check_plan_fits(session: Session, campaign_id: int, settings: Settings) -> list[str]:
    """One sentence per Pacific day whose planned uploads do not fit the quota (empty: all fit)."""
    return [day.describe() for day in plan_by_day(session, settings, campaign_id) if not day.fits]


def raise_quota_alerts(session: Session, campaign_id: int, settings: Settings) -> int:
    """A `quota_short` alert per day that cannot fit; returns how many were new."""
    raised = 0
    for day in plan_by_day(session, settings, campaign_id):
        if day.fits:
            continue
        alert = raise_alert(
            session,
            AlertKind.QUOTA_SHORT,
            day.describe(),
            campaign_id=campaign_id,
            dedupe=f"quota_short:{campaign_id}:{day.day.isoformat()}",
        )
        raised += alert is not None
    return raised
