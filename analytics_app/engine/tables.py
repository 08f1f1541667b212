"""The Core tables the engine queries (SQLAlchemy Core: aggregation happens in the database)."""

from sqlalchemy import Table

from campaigns.models import (
    AudienceSnapshot,
    Campaign,
    Channel,
    ChannelDailyMetric,
    ContentItem,
    MetricDelta,
    MetricLatest,
    MetricSegment,
    MetricSegmentDay,
    MetricSegmentLatest,
    Publication,
    Unit,
)

CAMPAIGN: Table = Campaign.__table__  # type: ignore[attr-defined]
PUB: Table = Publication.__table__  # type: ignore[attr-defined]
CHANNEL: Table = Channel.__table__  # type: ignore[attr-defined]
CONTENT: Table = ContentItem.__table__  # type: ignore[attr-defined]
UNIT: Table = Unit.__table__  # type: ignore[attr-defined]
LATEST: Table = MetricLatest.__table__  # type: ignore[attr-defined]
DELTA: Table = MetricDelta.__table__  # type: ignore[attr-defined]
AUDIENCE: Table = AudienceSnapshot.__table__  # type: ignore[attr-defined]
CHANNEL_DAILY: Table = ChannelDailyMetric.__table__  # type: ignore[attr-defined]
SEGMENT: Table = MetricSegment.__table__  # type: ignore[attr-defined]
SEGMENT_DAY: Table = MetricSegmentDay.__table__  # type: ignore[attr-defined]
SEGMENT_LATEST: Table = MetricSegmentLatest.__table__  # type: ignore[attr-defined]
