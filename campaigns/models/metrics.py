"""Numbers pulled back from the platforms, stored as time series of lifetime values.

Snapshots keep every capture so that posts can be compared at equal age.
"""

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from campaigns.timeutil import UTCDateTime, utcnow


class MetricSnapshot(SQLModel, table=True):
    """A lifetime value of one vocabulary metric of one publication, as of `captured_at`."""

    # The natural key is the primary key, and on SQLite the table is WITHOUT ROWID: a snapshot
    # costs one B-tree insert instead of three (rowid table, key index, time index). No foreign
    # key: it is checked row by row, so `ingest_snapshots` checks each batch's ids in one query
    # (publications are never deleted, so none can be orphaned later).
    __table_args__ = ({"sqlite_with_rowid": False},)
    publication_id: int = Field(primary_key=True)
    metric: str = Field(primary_key=True, sa_type=String(40))
    captured_at: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    value: float
    source_metric: str = ""


class ChannelDailyMetric(SQLModel, table=True):
    """A Page's or channel's daily insight (day in the campaign zone)."""

    __table_args__ = (Index("ix_channel_daily", "channel_id", "metric", "day", unique=True),)
    id: Optional[int] = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id")
    day: date
    metric: str = Field(sa_type=String(40))
    value: float
    captured_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    source_metric: str = ""


class AudienceSnapshot(SQLModel, table=True):
    """Share of views (0-1) by gender and age group, for a channel or one publication."""

    __table_args__ = (Index("ix_audience_channel_time", "channel_id", "captured_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id")
    publication_id: Optional[int] = Field(default=None, foreign_key="publication.id")
    captured_at: datetime = Field(sa_type=UTCDateTime)
    gender: str = Field(sa_type=String(20))
    age_group: str = Field(sa_type=String(20))
    share: float


class MeasurementPlan(SQLModel, table=True):
    """When a published item is next measured, on its decaying schedule."""

    publication_id: int = Field(primary_key=True, foreign_key="publication.id")
    next_due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    pulls: int = 0
    last_pulled_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    last_error: str = ""


class MetricLatest(SQLModel, table=True):
    """Rollup: the newest lifetime value per publication and metric (scorecards read this)."""

    # Covering index: the scorecard sums one metric over a campaign from the index alone.
    __table_args__ = (
        Index("ix_metriclatest_cover", "metric", "publication_id", "value", "captured_at"),
    )

    publication_id: int = Field(primary_key=True, foreign_key="publication.id")
    metric: str = Field(primary_key=True, max_length=40)
    value: float
    captured_at: datetime = Field(sa_type=UTCDateTime)


class MetricDelta(SQLModel, table=True):
    """Rollup: growth of a publication's metric within one day (campaign zone); summing deltas
    up to a day gives the lifetime total as of that day, without scanning raw snapshots."""

    # WITHOUT ROWID on SQLite: the primary key is the table, one B-tree fewer per delta written.
    # The covering index also serves every (metric, day) lookup, so no narrower index is kept.
    # No foreign key: derived from snapshots, whose ids ingestion checks (a per-row check was a
    # third of a refresh on PostgreSQL).
    __table_args__ = (
        # Covering index: trend windows and breakdowns by day read the index alone.
        Index("ix_metricdelta_cover", "metric", "day", "publication_id", "delta"),
        {"sqlite_with_rowid": False},
    )
    publication_id: int = Field(primary_key=True)
    metric: str = Field(primary_key=True, max_length=40)
    day: date = Field(primary_key=True)
    delta: float


class MetricPending(SQLModel, table=True):
    """Series whose MetricDelta rows are behind their snapshots, from the day of `since` on.

    Written with the snapshots in one transaction and removed by the refresh that brings the
    deltas up to date: a crash between the two leaves the series listed here, to be refreshed.
    """

    publication_id: int = Field(primary_key=True, foreign_key="publication.id")
    metric: str = Field(primary_key=True, sa_type=String(40))
    since: datetime = Field(sa_type=UTCDateTime)
    zone: str = Field(sa_type=String(64))  # the campaign's zone the days are taken in
