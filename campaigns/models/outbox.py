"""The publication outbox: one row per (content, channel, slot), its attempts, alerts, workers.

The database is the source of truth; APScheduler only wakes the dispatcher.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from campaigns.states import PublicationState
from campaigns.timeutil import UTCDateTime, utcnow

TERMINAL_STATES = frozenset(
    {
        PublicationState.PUBLISHED,
        PublicationState.FAILED,
        PublicationState.CANCELLED,
        PublicationState.MISSED,
    }
)


class Publication(SQLModel, table=True):
    """The outbox row. `dedupe_key` makes plan expansion idempotent across re-imports."""

    __table_args__ = (
        Index("ix_publication_due", "state", "scheduled_at"),
        Index("ix_publication_lease", "state", "locked_until"),
        # Covering index of the scorecard's execution counts: one campaign's publications by
        # channel and state with their times, read from the index alone.
        Index(
            "ix_publication_execution",
            "campaign_id",
            "channel_id",
            "state",
            "scheduled_at",
            "published_at",
            "content_id",
        ),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    content_id: int = Field(foreign_key="contentitem.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    plan_key: str = ""
    dedupe_key: str = Field(sa_column=Column(String(400), unique=True, nullable=False))
    slot_at: datetime = Field(sa_type=UTCDateTime)  # the planned time as the file gave it
    scheduled_at: datetime = Field(sa_type=UTCDateTime)  # may be moved by an officer
    state: str = Field(default=PublicationState.DRAFT, sa_type=String(20))
    approved_by: str = ""
    approved_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    external_id: Optional[str] = Field(default=None, max_length=200, index=True)
    permalink: str = ""
    published_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str = Field(default="", sa_type=Text)
    last_error_code: str = ""
    next_attempt_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    locked_by: Optional[str] = None
    locked_until: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    handoff: bool = False
    content_hash: str = ""  # of the content when last queued, to detect edits after hand-off
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AttemptOutcome(StrEnum):
    STARTED = "started"  # written and committed before the platform call
    PUBLISHED = "published"
    RETRY = "retry"
    RATE_LIMITED = "rate_limited"
    QUOTA = "quota"
    AUTH = "auth"
    PERMISSION = "permission"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    RECONCILED_FOUND = "reconciled_found"
    RECONCILED_ABSENT = "reconciled_absent"
    HANDED_OFF = "handed_off"


class Attempt(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    publication_id: int = Field(foreign_key="publication.id", index=True)
    number: int
    worker_id: str
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    outcome: str = Field(default=AttemptOutcome.STARTED, sa_type=String(20))
    error_code: str = ""
    error_message: str = Field(default="", sa_type=Text)
    trace_id: str = ""
    external_id: Optional[str] = None
    marker: str = ""  # what reconciliation searches for on the platform
    evidence: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class AlertKind(StrEnum):
    FAILED = "failed"
    MISSED = "missed"
    NEEDS_REVIEW = "needs_review"
    CHANNEL_PAUSED = "channel_paused"
    TOKEN_EXPIRING = "token_expiring"
    QUOTA_SHORT = "quota_short"
    PREFLIGHT = "preflight"


class Alert(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_id: Optional[int] = Field(default=None, foreign_key="campaign.id", index=True)
    kind: str = Field(sa_type=String(20))
    severity: str = "warning"  # info | warning | critical
    publication_id: Optional[int] = Field(default=None, foreign_key="publication.id")
    channel_id: Optional[int] = Field(default=None, foreign_key="channel.id")
    message: str = Field(sa_type=Text)
    dedupe_key: str = Field(sa_column=Column(String(300), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    emailed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)


class Worker(SQLModel, table=True):
    """A running `loa run`: heartbeats let `loa status` show who holds which lease."""

    id: str = Field(primary_key=True, max_length=120)
    host: str = ""
    pid: int = 0
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    heartbeat_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    stopped_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)


class QuotaUsage(SQLModel, table=True):
    """YouTube quota spent per Google project (account) and Pacific day, per bucket."""

    account: str = Field(primary_key=True, max_length=120)
    day: date = Field(primary_key=True)
    bucket: str = Field(primary_key=True, max_length=20)  # units | uploads
    used: int = 0


class RateLimitBlock(SQLModel, table=True):
    """Calls held back until `until`: per app, per Page or channel, or a quota bucket.

    `scope` reads like `facebook:app`, `facebook:page:<id>`, `youtube:quota:<account>:uploads`.
    """

    scope: str = Field(primary_key=True, max_length=200)
    until: datetime = Field(sa_type=UTCDateTime)
    reason: str = ""
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
