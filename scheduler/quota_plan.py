"""Whether each day's planned YouTube uploads fit the API quota, checked when the plan is made.

YouTube counts quota per Google Cloud project and resets it at midnight Pacific time. Since
2025 `videos.insert` has its own bucket (default 100 calls a day, 1 per call) and every other
call draws on 10,000 units a day: a playlist insertion and a thumbnail cost 50 units each, and
the list that checks the clip joined its playlist once 1 unit
(https://developers.google.com/youtube/v3/determine_quota_cost). Loa's YouTube channels all go
through Loa's one project, so the plan is summed across campaigns, day by Pacific day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from campaigns.reader import Reader, as_reader, day_param, placeholders, utc
from campaigns.reader import day as stored_day
from campaigns.states import PublicationState

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session
    from sqlmodel import Session as ModelSession

    from campaigns.settings import Settings

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


def upload_units(playlist_id: str | None, thumbnail_path: str) -> int:
    """Units an upload costs besides its `videos.insert` call."""
    units = 0
    if playlist_id:
        units += PLAYLIST_INSERT_UNITS
    if thumbnail_path:
        units += THUMBNAIL_SET_UNITS
    return units


def _already_used(db: Reader, days: Iterable[date]) -> dict[tuple[date, str], int]:
    in_days, params = placeholders("day", [day_param(db, d) for d in days])
    rows = db.rows(
        "SELECT quotausage.day, quotausage.bucket, SUM(quotausage.used) FROM quotausage"
        f" WHERE quotausage.day IN ({in_days}) GROUP BY quotausage.day, quotausage.bucket",
        params,
    )
    return {(stored_day(d), bucket): int(total or 0) for d, bucket, total in rows}


def plan_by_day(
    session: Reader | Connection | Session, settings: Settings, campaign_id: int
) -> list[QuotaDay]:
    """Every Pacific day on which the campaign plans an upload, with the whole project's load.

    Plain SQL (`campaigns.reader`): `loa status` runs this without SQLAlchemy or the models.
    """
    db = as_reader(session)
    states, params = placeholders("state", [str(s) for s in PLANNED_STATES])
    rows = db.rows(
        "SELECT publication.scheduled_at, publication.campaign_id, channel.playlist_id,"
        " contentitem.thumbnail_path FROM publication"
        " JOIN contentitem ON contentitem.id = publication.content_id"
        " JOIN channel ON channel.id = publication.channel_id"
        f" WHERE channel.platform = 'youtube' AND publication.state IN ({states})",
        params,
    )
    uploads: dict[date, int] = defaultdict(int)
    units: dict[date, int] = defaultdict(int)
    mine: dict[date, int] = defaultdict(int)
    for scheduled, pub_campaign, playlist_id, thumbnail_path in rows:
        scheduled_at = utc(scheduled)
        assert scheduled_at is not None
        day = scheduled_at.astimezone(PACIFIC).date()
        uploads[day] += 1
        units[day] += upload_units(playlist_id, thumbnail_path)
        if pub_campaign == campaign_id:
            mine[day] += 1
    used = _already_used(db, mine)
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


def check_plan_fits(
    session: Reader | Connection | Session, campaign_id: int, settings: Settings
) -> list[str]:
    """One sentence per Pacific day whose planned uploads do not fit the quota (empty: all fit)."""
    return [day.describe() for day in plan_by_day(session, settings, campaign_id) if not day.fits]


def raise_quota_alerts(session: ModelSession, campaign_id: int, settings: Settings) -> int:
    """A `quota_short` alert per day that cannot fit; returns how many were new."""
    from campaigns.models import AlertKind  # the models only when writing: status only reads
    from scheduler.alerts import raise_alert

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
