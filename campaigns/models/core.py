"""What a campaign file declares: campaigns, units, objectives, KPIs, channels, content, plans.

Rows are scoped by campaign and identified by the file's stable keys, so a re-import updates in
place. (No `from __future__ import annotations` here: SQLModel needs the real types.)
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from campaigns.timeutil import UTCDateTime, utcnow


class UnitKind(StrEnum):
    MINISTRY = "ministry"
    SECTOR = "sector"
    COMMITTEE = "committee"
    PROVINCE = "province"
    COMMUNE = "commune"
    ORGANISATION = "organisation"


class ContentKind(StrEnum):
    POST = "post"
    LINK = "link"
    PHOTO = "photo"
    CLIP = "clip"


class Platform(StrEnum):
    FACEBOOK = "facebook"
    YOUTUBE = "youtube"


class Campaign(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(80), unique=True, nullable=False))
    name: str
    name_en: str = ""
    theme: str = ""
    theme_en: str = ""
    starts: date
    ends: date
    timezone: str = "Asia/Ho_Chi_Minh"
    report_due: Optional[date] = None
    approval: str = "required"  # required | auto
    hashtags: list[str] = Field(default_factory=list, sa_type=JSON)
    source_file: str = ""
    source_hash: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Unit(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("campaign_id", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str = Field(max_length=80)
    name: str
    kind: str = Field(sa_type=String(20))


class Objective(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("campaign_id", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str = Field(max_length=80)
    title: str
    title_en: str = ""
    position: int = 0


class Kpi(SQLModel, table=True):
    """A measurable target of an objective, optionally narrowed by platform, unit, kind, audience."""

    __table_args__ = (UniqueConstraint("objective_id", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    objective_id: int = Field(foreign_key="objective.id", index=True)
    key: str = Field(max_length=80)
    metric: str = Field(sa_type=String(40))
    target: float
    platforms: list[str] = Field(default_factory=list, sa_type=JSON)
    units: list[str] = Field(default_factory=list, sa_type=JSON)
    content_kinds: list[str] = Field(default_factory=list, sa_type=JSON)
    audiences: list[str] = Field(default_factory=list, sa_type=JSON)
    pacing: str = "linear"  # linear | key_dates
    position: int = 0


class Channel(SQLModel, table=True):
    """A Facebook Page or YouTube channel a unit publishes on, with its live health."""

    __table_args__ = (UniqueConstraint("campaign_id", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str = Field(max_length=80)
    platform: str = Field(sa_type=String(20))
    external_id: str = Field(max_length=120, index=True)  # Page id or YouTube channel id
    name: str
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    native_handoff: bool = False
    playlist_id: Optional[str] = None
    # Health, written by the scheduler: a paused channel is not called until reconnected.
    paused: bool = False
    paused_reason: str = ""
    blocked_until: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)


class ContentItem(SQLModel, table=True):
    """A post, link, photo or clip, with the per-platform fields it may carry."""

    __table_args__ = (UniqueConstraint("campaign_id", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str = Field(max_length=120)
    kind: str = Field(sa_type=String(10))
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    title: str = ""
    title_en: str = ""
    message: str = Field(default="", sa_type=Text)
    description: str = Field(default="", sa_type=Text)
    link: str = ""
    media_path: str = ""
    thumbnail_path: str = ""
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    objectives: list[str] = Field(default_factory=list, sa_type=JSON)
    audiences: list[str] = Field(default_factory=list, sa_type=JSON)
    made_for_kids: bool = False
    privacy: str = "public"
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    content_hash: str = ""


class PlanRule(SQLModel, table=True):
    """One entry of the file's `plans`, kept as written so the calendar can explain a slot."""

    __table_args__ = (UniqueConstraint("campaign_id", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str = Field(max_length=120)
    kind: str = Field(sa_type=String(10))  # once | recurring | series
    position: int = 0
    spec: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
