"""Which platform metric feeds which vocabulary measure, and when Meta retires each one.

This table is the configuration a Graph version change touches: Meta retires insights metrics
every year (2025-11-15: `post_impressions` -> `post_media_view`, `page_impressions` ->
`page_media_view`, `page_fans` -> `page_follows`; 2026-06-15: `*_impressions_unique` ->
`*_total_media_view_unique`; sources: the Pages changelog and Meta's 2025-08-15 and 2026-02-18
deprecation posts). A metric is requested while `today < retired`; per measure the first
usable entry wins, so list the current name first and keep its predecessor for the record.

`MEASURE_NAMES` is the connectors' own copy of `campaigns.vocabulary.MEASURES` (connectors import
nothing of campaigns); a test checks that the two agree.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

MEASURE_NAMES: frozenset[str] = frozenset(
    {
        "reach",
        "views",
        "reactions",
        "comments",
        "shares",
        "clicks",
        "video_views",
        "watch_time_hours",
        "avg_view_duration_s",
        "followers_gained",
    }
)


@dataclass(frozen=True)
class MetricSpec:
    platform: str  # facebook | youtube
    level: str  # post | reel | page (Facebook); video | channel (YouTube)
    name: str  # the platform's metric name
    measure: str  # the vocabulary measure it feeds
    retired: date | None = None  # the platform stops answering it on this day
    replaced_by: str = ""
    reduce: str = "value"  # value | sum (sum the object's values, e.g. reactions by type)
    scale: float = 1.0  # multiply into the measure's unit (minutes -> hours)


_D = date
METRICS: tuple[MetricSpec, ...] = (
    # Facebook posts (lifetime insights); comments and shares come from post fields.
    MetricSpec("facebook", "post", "post_media_view", "views"),
    MetricSpec(
        "facebook", "post", "post_impressions", "views", _D(2025, 11, 15), "post_media_view"
    ),
    MetricSpec("facebook", "post", "post_total_media_view_unique", "reach"),
    MetricSpec(
        "facebook",
        "post",
        "post_impressions_unique",
        "reach",
        _D(2026, 6, 15),
        "post_total_media_view_unique",
    ),
    MetricSpec("facebook", "post", "post_reactions_by_type_total", "reactions", reduce="sum"),
    MetricSpec("facebook", "post", "post_clicks", "clicks"),
    MetricSpec("facebook", "post", "post_video_views", "video_views"),
    # Facebook Reels (lifetime, through /{video-id}/video_insights, not /insights:
    # developers.facebook.com/docs/graph-api/reference/video/video_insights, "Reels Metrics").
    MetricSpec("facebook", "reel", "blue_reels_play_count", "views"),
    MetricSpec("facebook", "reel", "post_impressions_unique", "reach"),
    MetricSpec("facebook", "reel", "post_video_likes_by_reaction_type", "reactions", reduce="sum"),
    MetricSpec("facebook", "reel", "post_video_view_time", "watch_time_hours", scale=1 / 3_600_000),
    # Facebook Pages (daily insights).
    MetricSpec("facebook", "page", "page_media_view", "views"),
    MetricSpec(
        "facebook", "page", "page_impressions", "views", _D(2025, 11, 15), "page_media_view"
    ),
    MetricSpec("facebook", "page", "page_total_media_view_unique", "reach"),
    MetricSpec(
        "facebook",
        "page",
        "page_impressions_unique",
        "reach",
        _D(2026, 6, 15),
        "page_total_media_view_unique",
    ),
    MetricSpec("facebook", "page", "page_daily_follows_unique", "followers_gained"),
    MetricSpec("facebook", "page", "page_fan_adds", "followers_gained", _D(2025, 11, 15)),
    # YouTube Data API statistics (lifetime, per video).
    MetricSpec("youtube", "video", "viewCount", "views"),
    MetricSpec("youtube", "video", "likeCount", "reactions"),
    MetricSpec("youtube", "video", "commentCount", "comments"),
    # YouTube Analytics v2 (daily, per video or channel).
    # Since 2026-08-27 `views` counts from playback start; the older, stricter count lives on
    # as `engagedViews` (developers.google.com/youtube/analytics/revision_history). Loa's
    # `video_views` (a view that engaged, like Facebook's 3-second video views) takes it.
    MetricSpec("youtube", "channel", "views", "views"),
    MetricSpec("youtube", "channel", "engagedViews", "video_views"),
    MetricSpec("youtube", "channel", "estimatedMinutesWatched", "watch_time_hours", scale=1 / 60),
    MetricSpec("youtube", "channel", "averageViewDuration", "avg_view_duration_s"),
    MetricSpec("youtube", "channel", "likes", "reactions"),
    MetricSpec("youtube", "channel", "comments", "comments"),
    MetricSpec("youtube", "channel", "shares", "shares"),
    MetricSpec("youtube", "channel", "subscribersGained", "followers_gained"),
)


def current(
    platform: str,
    level: str,
    today: date,
    *,
    exclude: Iterable[str] = (),
    table: Iterable[MetricSpec] = METRICS,
) -> list[MetricSpec]:
    """The metrics to request today: not retired, not excluded, the first per measure."""
    skip = set(exclude)
    chosen: dict[str, MetricSpec] = {}
    for spec in table:
        if spec.platform != platform or spec.level != level or spec.name in skip:
            continue
        if spec.retired is not None and today >= spec.retired:
            continue
        chosen.setdefault(spec.measure, spec)
    return list(chosen.values())


def by_name(platform: str, level: str) -> dict[str, MetricSpec]:
    return {s.name: s for s in METRICS if s.platform == platform and s.level == level}
