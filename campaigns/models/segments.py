"""The segment rollup: metric totals per segment of a campaign's publications, per day.

A segment is the campaign's publications that share a channel, a content kind and an audience
list: every KPI filter (platform, unit, content kind, audience) keeps or drops whole segments,
and a national campaign has a few hundred of them against tens of thousands of publications.
The rows are derived from MetricDelta and MetricLatest by `campaigns.segments` and brought up to
date whenever `SegmentState.version` falls behind the campaign's `RollupVersion`: in full, or only
for the segments `SegmentChange` lists (from each one's first changed day on).

`basis` narrows a row to the publications that report another metric too (the ratio KPIs divide
sums over the publications that report their denominator's source): "" means every publication.
"""

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, Date, Index, String, Text
from sqlmodel import Field, SQLModel

from campaigns.timeutil import UTCDateTime, utcnow


class MetricSegment(SQLModel, table=True):
    """One segment of a campaign's publications."""

    # Unique: the refresh maps each publication to its segment through this index.
    __table_args__ = (
        Index(
            "ix_metricsegment_key",
            "campaign_id",
            "channel_id",
            "content_kind",
            "audience_key",
            unique=True,
        ),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    channel_id: int = Field(foreign_key="channel.id")
    content_kind: str = Field(sa_type=String(20))
    audience_key: str = Field(sa_type=Text)  # the items' audience list as stored (JSON text)


class MetricSegmentDay(SQLModel, table=True):
    """A segment's metric as of the end of one campaign-zone day.

    Dense: every day the campaign has data on, from the segment series' first day, so that "as
    of day d" is one exact-key read per segment. With a basis, a publication counts from the day
    it reports both metrics; `growth`/`growing` then cover the publications that ever report the
    basis (growth per day of a ratio's parts).
    """

    # The key orders rows as readers ask for them: one campaign, metric and basis, then a day.
    __table_args__ = ({"sqlite_with_rowid": False},)
    campaign_id: int = Field(primary_key=True)
    metric: str = Field(primary_key=True, sa_type=String(40))
    basis: str = Field(primary_key=True, sa_type=String(40))
    day: date = Field(primary_key=True)
    segment_id: int = Field(primary_key=True, foreign_key="metricsegment.id")
    total: float  # Σ lifetime values as of the end of the day (cumulative)
    publications: int  # publications reporting the metric by then (cumulative)
    growth: float  # Σ growth within the day
    growing: int  # publications that grew within the day


class MetricSegmentLatest(SQLModel, table=True):
    """A segment's newest values (MetricLatest summed), and its newest capture per metric."""

    __table_args__ = ({"sqlite_with_rowid": False},)
    campaign_id: int = Field(primary_key=True)
    basis: str = Field(primary_key=True, sa_type=String(40))
    metric: str = Field(primary_key=True, sa_type=String(40))
    segment_id: int = Field(primary_key=True, foreign_key="metricsegment.id")
    total: float
    publications: int
    newest: datetime = Field(sa_type=UTCDateTime)


class SegmentState(SQLModel, table=True):
    """When a campaign's segment rollup was built, and from which `RollupVersion.version`."""

    campaign_id: int = Field(primary_key=True, foreign_key="campaign.id")
    version: int = 0
    days: list[Any] = Field(default_factory=list, sa_type=JSON)  # ISO days the rows cover
    refreshed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RollupVersion(SQLModel, table=True):
    """A counter per campaign, bumped in the same transaction as every write that changes what
    its segment rows summarise (captures, daily rollups, publications' segments): the rollup is
    current exactly when `SegmentState.version` equals it, one primary-key read."""

    campaign_id: int = Field(primary_key=True, foreign_key="campaign.id")
    version: int = 0
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SegmentChange(SQLModel, table=True):
    """A publication whose share of its campaign's segment rows may be out of date: its daily
    rollup from `since` on (NULL: from its first day) and its newest values.

    Written by `campaigns.rollup_version` in the same transaction as the change, and removed by
    the refresh that brings those rows up to date, in its own transaction. `publication_id` 0
    (no publication) marks the campaign's segments themselves as changed: a full rebuild.
    """

    campaign_id: int = Field(primary_key=True, foreign_key="campaign.id")
    publication_id: int = Field(primary_key=True)  # 0: the whole campaign; no foreign key
    since: Optional[date] = Field(default=None, sa_type=Date)


class SegmentMember(SQLModel, table=True):
    """The segment each publication of a campaign was counted in by the last full rebuild (a
    publication changes segment only through an import, which asks for a full rebuild)."""

    __table_args__ = (Index("ix_segmentmember_segment", "campaign_id", "segment_id"),)
    publication_id: int = Field(primary_key=True)  # publications are never deleted
    campaign_id: int = Field(foreign_key="campaign.id")
    segment_id: int = Field(foreign_key="metricsegment.id")


class SegmentReporting(SQLModel, table=True):
    """The first day a member publication reports a basis metric (its first MetricDelta row of
    it), as the segment rows count it: whether a change moved it decides how far back the
    basis rows must be recomputed."""

    publication_id: int = Field(primary_key=True)
    basis: str = Field(primary_key=True, sa_type=String(40))
    since: date
