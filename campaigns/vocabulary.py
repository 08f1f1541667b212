"""Loa's one vocabulary of metrics, across platforms: each term defined once, here.

Campaign files name KPI metrics from `KPI_METRICS`; connectors report platform numbers under the
`MEASURES` names (each platform metric maps to one of them by the connectors' configuration);
the objective engine, the app and the reports show the labels and definitions below.
"""

from dataclasses import dataclass
from enum import StrEnum


class Aggregation(StrEnum):
    SUM = "sum"  # add across posts (reach is summed per post: people reached per item)
    RATIO = "ratio"  # computed from two sums, never summed itself
    SHARE = "share"  # weighted average of audience shares
    COUNT = "count"  # counted from Loa's own rows (the scheduler's outbox)
    MEAN = "mean"


@dataclass(frozen=True)
class Term:
    name: str
    label_vi: str
    label_en: str
    definition: str
    aggregation: Aggregation
    unit: str = ""  # "", "%", "h", "s"


_TERMS = [
    Term(
        "reach",
        "Lượt tiếp cận",
        "Reach",
        "Unique people who saw the item (per item, summed).",
        Aggregation.SUM,
    ),
    Term(
        "views",
        "Lượt xem",
        "Views",
        "Times the item was shown or played (Facebook media views, YouTube views).",
        Aggregation.SUM,
    ),
    Term(
        "reactions",
        "Lượt bày tỏ cảm xúc",
        "Reactions",
        "Reactions on Facebook, likes on YouTube.",
        Aggregation.SUM,
    ),
    Term("comments", "Bình luận", "Comments", "Comments on the item.", Aggregation.SUM),
    Term("shares", "Chia sẻ", "Shares", "Shares of the item.", Aggregation.SUM),
    Term(
        "clicks",
        "Lượt nhấp",
        "Clicks",
        "Clicks on the item (links, photos, play).",
        Aggregation.SUM,
    ),
    Term(
        "engagements",
        "Tương tác",
        "Engagements",
        "reactions + comments + shares + clicks.",
        Aggregation.SUM,
    ),
    Term(
        "engagement_rate",
        "Tỷ lệ tương tác",
        "Engagement rate",
        "engagements / reach.",
        Aggregation.RATIO,
        "%",
    ),
    Term(
        "video_views",
        "Lượt xem video",
        "Video views",
        "Plays of clips (YouTube views, Facebook video views).",
        Aggregation.SUM,
    ),
    Term(
        "watch_time_hours",
        "Thời gian xem (giờ)",
        "Watch time (hours)",
        "Hours of video watched.",
        Aggregation.SUM,
        "h",
    ),
    Term(
        "avg_view_duration_s",
        "Thời lượng xem trung bình",
        "Average view duration",
        "Watch time / video views, in seconds.",
        Aggregation.RATIO,
        "s",
    ),
    Term(
        "followers_gained",
        "Người theo dõi mới",
        "Followers gained",
        "New Page follows or channel subscribers.",
        Aggregation.SUM,
    ),
    Term(
        "female_viewer_share",
        "Tỷ lệ người xem nữ",
        "Female viewer share",
        "Share of views by women.",
        Aggregation.SHARE,
        "%",
    ),
    Term(
        "youth_viewer_share",
        "Tỷ lệ người xem trẻ",
        "Youth viewer share",
        "Share of views by people aged 13-24.",
        Aggregation.SHARE,
        "%",
    ),
    Term(
        "posts_published",
        "Bài đã đăng",
        "Posts published",
        "Publications of posts, links and photos published.",
        Aggregation.COUNT,
    ),
    Term(
        "clips_published",
        "Clip đã đăng",
        "Clips published",
        "Publications of clips published.",
        Aggregation.COUNT,
    ),
    Term(
        "on_time_rate",
        "Tỷ lệ đăng đúng giờ",
        "On-time rate",
        "Published within the on-time window / planned and due.",
        Aggregation.RATIO,
        "%",
    ),
    Term(
        "active_units",
        "Đơn vị tham gia",
        "Active units",
        "Units with at least one published item.",
        Aggregation.COUNT,
    ),
]

TERMS: dict[str, Term] = {t.name: t for t in _TERMS}
KPI_METRICS: frozenset[str] = frozenset(TERMS)

# What connectors may report per published object (lifetime values); the rest are derived.
MEASURES: frozenset[str] = frozenset(
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
DERIVED: frozenset[str] = frozenset({"engagements", "engagement_rate"})
AUDIENCE_SHARES: frozenset[str] = frozenset({"female_viewer_share", "youth_viewer_share"})
EXECUTION: frozenset[str] = frozenset(
    {"posts_published", "clips_published", "on_time_rate", "active_units"}
)
