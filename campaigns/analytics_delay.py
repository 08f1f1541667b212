"""How late each platform's numbers arrive, for the "as of" that goes with them.

YouTube Analytics data lag 48-72 hours and the latest days are missing
(developers.google.com/youtube/analytics, data freshness and revision history, re-read December
2026). Loa reads watch time, YouTube shares and engaged views (its `video_views`) there, so a
YouTube figure of those measures captured at T counts what happened until about T - 48 h; views,
likes and comments come from the Data API's statistics and are current. The emulator serves the
same delay by default (its `analytics_delay_hours` switch).
"""

from datetime import timedelta

# platform -> (delay, the measures read from its delayed source)
DELAYED: dict[str, tuple[timedelta, frozenset[str]]] = {
    "youtube": (
        timedelta(hours=48),
        frozenset({"watch_time_hours", "shares", "video_views"}),
    ),
}


def delay_for(platform: str, metrics: list[str] | tuple[str, ...]) -> timedelta:
    """How far behind a figure of `metrics` on `platform` is (zero when none is delayed)."""
    delay, measures = DELAYED.get(platform, (timedelta(0), frozenset()))
    return delay if measures.intersection(metrics) else timedelta(0)
