"""Graph insights: current post and Page metrics computed from the engagement model.

A metric outside the current sets (a retired one such as `post_impressions` or `page_fans`, or an
unknown name) fails the whole request with error 100, as the real API does
(developers.facebook.com/docs/graph-api/reference/insights; Pages changelog 2025-11-15).
Day periods follow Meta's convention: a day is a Pacific-time day and its value carries
`end_time` = the following Pacific midnight, written in UTC (e.g. `2025-11-16T08:00:00+0000`).
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.emulator.engagement import facebook_lifetime, reactions_by_type
from connectors.emulator.graph_format import curve, graph_time, lifetime
from connectors.emulator.state import FbObject, State
from connectors.emulator.wire import ApiError, graph_error

PACIFIC = ZoneInfo("America/Los_Angeles")

POST_METRICS = {
    "post_media_view": ("Media views", "Lifetime: The number of times your post was seen."),
    "post_total_media_view_unique": ("Media viewers", "Lifetime: People who saw your post."),
    "post_reactions_by_type_total": ("Reactions by type", "Lifetime: Reactions by type."),
    "post_clicks": ("Post clicks", "Lifetime: Clicks anywhere in the post."),
    "post_video_views": ("Video views", "Lifetime: Times the video was viewed 3 s or more."),
    "post_video_avg_time_watched": ("Average time watched", "Lifetime: Average ms watched."),
}
PAGE_METRICS = {
    "page_media_view": ("Media views", "Daily: Times content from your Page was seen."),
    "page_total_media_view_unique": ("Media viewers", "Daily: People who saw your content."),
    "page_follows": ("Followers", "Lifetime: The number of followers of your Page."),
    "page_daily_follows_unique": ("New followers", "Daily: People who followed your Page."),
    "page_post_engagements": ("Post engagements", "Daily: Engagements with your posts."),
}
_PERIOD_DAYS = {"day": 1, "week": 7, "days_28": 28}


def invalid_metric() -> ApiError:
    return graph_error(
        100, "(#100) The value must be a valid insights metric", type_="OAuthException"
    )


def _post_value(counts: dict[str, int], avg_watch_ms: int, metric: str) -> Any:
    if metric == "post_media_view":
        return counts["views"]
    if metric == "post_total_media_view_unique":
        return counts["reach"]
    if metric == "post_reactions_by_type_total":
        return {k: v for k, v in reactions_by_type(counts["reactions"]).items() if v}
    if metric == "post_clicks":
        return counts["clicks"]
    if metric == "post_video_views":
        return counts["video_views"]
    return avg_watch_ms if counts["video_views"] else 0


def post_insights(
    state: State, obj: FbObject, metrics: list[str], now: datetime
) -> list[dict[str, Any]]:
    if any(m not in POST_METRICS for m in metrics):
        raise invalid_metric()
    if not metrics:
        return []
    shape = curve(state, obj)
    counts = facebook_lifetime(shape, now)
    stamp = graph_time(now)
    out = []
    for m in metrics:
        title, description = POST_METRICS[m]
        out.append(
            {
                "name": m,
                "period": "lifetime",
                "values": [
                    {"value": _post_value(counts, shape.avg_watch_ms, m), "end_time": stamp}
                ],
                "title": title,
                "description": description,
                "id": f"{obj.id}/insights/{m}/lifetime",
            }
        )
    return out


def _pacific_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PACIFIC)


def _page_cumulative(state: State, posts: list[FbObject], at: datetime) -> dict[str, int]:
    """Sums over a Page's posts of their lifetime counters at `at`."""
    total = {"views": 0, "reach": 0, "engagements": 0, "follows": 0}
    for obj in posts:
        if obj.published_at is None or obj.published_at >= at:
            continue
        c = lifetime(state, obj, at)
        total["views"] += c["views"]
        total["reach"] += c["reach"]
        total["engagements"] += c["reactions"] + c["comments"] + c["shares"] + c["clicks"]
        total["follows"] += c["follows"]
    return total


def _day(value: str, now: datetime) -> date:
    value = value.strip()
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), PACIFIC).date()
        parsed = datetime.fromisoformat(value.replace("+0000", "+00:00"))
        if parsed.tzinfo is None:
            return parsed.date()
        return parsed.astimezone(PACIFIC).date()
    except ValueError as exc:
        raise graph_error(100, f"(#100) Invalid value for since/until: {value!r}") from exc


def page_insights(
    state: State,
    page_id: str,
    metrics: list[str],
    period: str,
    since: str,
    until: str,
    now: datetime,
) -> list[dict[str, Any]]:
    if any(m not in PAGE_METRICS for m in metrics):
        raise invalid_metric()
    if period not in _PERIOD_DAYS:
        raise graph_error(
            100, "(#100) period must be one of the following values: day, week, days_28"
        )
    today = now.astimezone(PACIFIC).date()
    last = _day(until, now) if until else today
    first = _day(since, now) if since else last - timedelta(days=2)
    if last <= first:
        raise graph_error(100, "(#100) The since timestamp must be before the until timestamp")
    if (last - first).days > 90:
        raise graph_error(
            100, "(#100) There cannot be more than 90 days (7776000 s) between since and until"
        )
    span = _PERIOD_DAYS[period]
    days = [first + timedelta(days=i) for i in range((last - first).days)]
    # Cumulative sums at each Pacific midnight that any window needs.
    posts = state.page_posts(page_id)
    marks = {
        d: _page_cumulative(state, posts, min(_pacific_midnight(d), now))
        for d in {x - timedelta(days=k) for x in days for k in (span - 1, -1)}
    }
    followers = state.pages[page_id].followers
    out = []
    for m in metrics:
        values = []
        for d in days:
            end, begin = marks[d + timedelta(days=1)], marks[d - timedelta(days=span - 1)]
            key = {
                "page_media_view": "views",
                "page_total_media_view_unique": "reach",
                "page_post_engagements": "engagements",
                "page_daily_follows_unique": "follows",
                "page_follows": "follows",
            }[m]
            value = followers + end[key] if m == "page_follows" else end[key] - begin[key]
            values.append(
                {"value": value, "end_time": graph_time(_pacific_midnight(d + timedelta(days=1)))}
            )
        title, description = PAGE_METRICS[m]
        shown_period = "day" if m == "page_follows" else period
        out.append(
            {
                "name": m,
                "period": shown_period,
                "values": values,
                "title": title,
                "description": description,
                "id": f"{page_id}/insights/{m}/{shown_period}",
            }
        )
    return out
