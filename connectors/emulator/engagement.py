"""How published objects gather audience: pure functions, deterministic for seed and object id.

Choices (kept simple, documented so numbers can be reasoned about):

- Every counter follows one saturating lifetime curve, value(t) = floor(peak * (1 - exp(-t/tau))),
  t measured from the moment the object went public (zero before). tau is hours on Facebook
  (4-12 h; clips 8-20 h) and days on YouTube (2-6 days), as organic reach dies off.
- Peak Facebook reach = Page followers x a content-type rate (clip > photo > link > post) x an
  hour-of-day factor (Viet Nam time, evening peak 19:00-22:00) x a weekday factor (weekends a
  little higher) x an audience factor (hashtags such as #youth, #women) x seeded noise.
  Views (`post_media_view`) are 1.3-1.8 x reach; reactions, comments, shares and clicks are
  seeded fractions of reach; video views and average watch time only for clips.
- Peak YouTube views = channel subscribers x a rate x the same time factors x noise; watch time in
  minutes is peak views x average view duration; likes, comments, shares and subscribers gained
  are seeded fractions of views. Every lifetime counter is floored from its own peak on the same
  curve, so each one is exactly the sum of its daily differences.
- Daily series (Page insights, Analytics rows by day) are differences of the lifetime curve at UTC
  day boundaries, so they sum to the lifetime value at the end of the last day. Page daily values
  are sums over the Page's posts.
- Audience: female share between 55 % and 65 % (this campaign's content draws women; #women and
  #girls push it up, #men down); age groups follow a base distribution shifted younger by #youth,
  #girls or #students; a small `user_specified` gender share.
"""

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7))

AGE_GROUPS = ("age13-17", "age18-24", "age25-34", "age35-44", "age45-54", "age55-64", "age65-")
_BASE_AGES = (0.06, 0.24, 0.30, 0.19, 0.11, 0.06, 0.04)
_YOUNG_AGES = (0.14, 0.36, 0.25, 0.12, 0.07, 0.04, 0.02)
_YOUTH_TAGS = {"youth", "girls", "students", "thanhnien", "hocsinh", "tre"}
_FEMALE_TAGS = {"women", "girls", "phunu", "mothers"}
_MALE_TAGS = {"men", "boys", "namgioi", "fathers"}

_FB_KIND_RATE = {"clip": 0.35, "video": 0.35, "photo": 0.22, "link": 0.12, "post": 0.10}
# Hour of day in Viet Nam -> reach factor: quiet nights, a lunch bump, an evening peak.
_HOUR = (
    0.35, 0.25, 0.2, 0.2, 0.25, 0.4, 0.6, 0.8, 0.9, 0.9, 0.95, 1.05,
    1.15, 1.05, 0.9, 0.9, 0.95, 1.05, 1.2, 1.4, 1.45, 1.35, 1.0, 0.6,
)  # fmt: skip
_WEEKDAY = (0.95, 0.95, 1.0, 1.0, 0.97, 1.08, 1.12)  # Monday .. Sunday
_REACTION_SPLIT = (("love", 0.18), ("wow", 0.03), ("haha", 0.02), ("sorry", 0.05), ("anger", 0.02))
_TAG = re.compile(r"#(\w+)", re.UNICODE)


def unit(seed: int, key: str, salt: str) -> float:
    """A deterministic number in [0, 1) for (seed, key, salt)."""
    digest = hashlib.blake2b(f"{seed}|{key}|{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def between(seed: int, key: str, salt: str, low: float, high: float) -> float:
    return low + (high - low) * unit(seed, key, salt)


def hashtags(text: str) -> frozenset[str]:
    return frozenset(t.lower() for t in _TAG.findall(text or ""))


def saturation(age: timedelta, tau: timedelta) -> float:
    """Share of the lifetime peak reached `age` after going public."""
    if age <= timedelta(0):
        return 0.0
    return 1.0 - math.exp(-(age / tau))


def time_factor(published_at: datetime) -> float:
    local = published_at.astimezone(VIETNAM)
    return _HOUR[local.hour] * _WEEKDAY[local.weekday()]


def audience_factor(tags: frozenset[str]) -> float:
    known = _YOUTH_TAGS | _FEMALE_TAGS | _MALE_TAGS
    return 1.1 if tags & known else 1.0


def female_share(seed: int, key: str, tags: frozenset[str]) -> float:
    low, high = 0.57, 0.63
    if tags & _FEMALE_TAGS:
        low, high = 0.60, 0.65
    elif tags & _MALE_TAGS:
        low, high = 0.55, 0.58
    return between(seed, key, "female", low, high)


def age_shares(seed: int, key: str, tags: frozenset[str]) -> dict[str, float]:
    """Shares of AGE_GROUPS summing to 1, with seeded jitter."""
    base = _YOUNG_AGES if tags & _YOUTH_TAGS else _BASE_AGES
    raw = [w * between(seed, key, f"age{i}", 0.85, 1.15) for i, w in enumerate(base)]
    total = sum(raw)
    return {g: r / total for g, r in zip(AGE_GROUPS, raw, strict=True)}


@dataclass(frozen=True)
class FacebookCurve:
    """Lifetime peaks and pace of one Facebook post, photo or video."""

    published_at: datetime | None
    tau: timedelta
    reach: float
    views: float
    reactions: float
    comments: float
    shares: float
    clicks: float
    video_views: float
    avg_watch_ms: int
    follows: float


def facebook_curve(
    seed: int, object_id: str, kind: str, followers: int, published_at: datetime | None, text: str
) -> FacebookCurve:
    tags = hashtags(text)
    k = object_id
    when = published_at or datetime(2025, 11, 15, tzinfo=VIETNAM)
    noise = math.exp(between(seed, k, "noise", -0.5, 0.5))
    reach = (
        followers * _FB_KIND_RATE.get(kind, 0.1) * time_factor(when) * audience_factor(tags) * noise
    )
    is_clip = kind in ("clip", "video")
    tau_h = between(seed, k, "tau", 8, 20) if is_clip else between(seed, k, "tau", 4, 12)
    click_rate = between(seed, k, "clicks", 0.02, 0.05) if kind == "link" else 0.01
    return FacebookCurve(
        published_at=published_at,
        tau=timedelta(hours=tau_h),
        reach=reach,
        views=reach * between(seed, k, "views", 1.3, 1.8),
        reactions=reach * between(seed, k, "reactions", 0.02, 0.05),
        comments=reach * between(seed, k, "comments", 0.003, 0.008),
        shares=reach * between(seed, k, "shares", 0.002, 0.01),
        clicks=reach * click_rate,
        video_views=reach * between(seed, k, "vviews", 0.3, 0.5) if is_clip else 0.0,
        avg_watch_ms=int(between(seed, k, "watch", 9_000, 45_000)) if is_clip else 0,
        follows=reach * between(seed, k, "follows", 0.001, 0.003),
    )


def facebook_lifetime(curve: FacebookCurve, now: datetime) -> dict[str, int]:
    """Lifetime counters at `now` (zero before the object went public)."""
    if curve.published_at is None:
        return dict.fromkeys(_FB_FIELDS, 0)
    f = saturation(now - curve.published_at, curve.tau)
    return {name: math.floor(getattr(curve, name) * f) for name in _FB_FIELDS}


_FB_FIELDS = (
    "reach",
    "views",
    "reactions",
    "comments",
    "shares",
    "clicks",
    "video_views",
    "follows",
)


def reactions_by_type(total: int) -> dict[str, int]:
    """Split a reaction count by type; the parts sum to `total`."""
    parts = {name: math.floor(total * share) for name, share in _REACTION_SPLIT}
    return {"like": total - sum(parts.values()), **parts}


@dataclass(frozen=True)
class YouTubeCurve:
    published_at: datetime | None
    tau: timedelta
    views: float
    minutes: float
    likes: float
    comments: float
    shares: float
    subscribers: float
    avg_view_s: float


def youtube_curve(
    seed: int, video_id: str, subscribers: int, published_at: datetime | None, text: str
) -> YouTubeCurve:
    tags = hashtags(text)
    k = video_id
    when = published_at or datetime(2025, 11, 15, tzinfo=VIETNAM)
    noise = math.exp(between(seed, k, "noise", -0.6, 0.6))
    views = subscribers * 0.08 * time_factor(when) * audience_factor(tags) * noise
    avg_view_s = between(seed, k, "avd", 35, 150)
    return YouTubeCurve(
        published_at=published_at,
        tau=timedelta(days=between(seed, k, "tau", 2, 6)),
        views=views,
        minutes=views * avg_view_s / 60.0,
        likes=views * between(seed, k, "likes", 0.03, 0.06),
        comments=views * between(seed, k, "comments", 0.002, 0.006),
        shares=views * between(seed, k, "shares", 0.003, 0.01),
        subscribers=views * between(seed, k, "subs", 0.002, 0.008),
        avg_view_s=avg_view_s,
    )


_YT_FIELDS = ("views", "minutes", "likes", "comments", "shares", "subscribers")


def youtube_lifetime(curve: YouTubeCurve, now: datetime) -> dict[str, int]:
    if curve.published_at is None:
        return dict.fromkeys(_YT_FIELDS, 0)
    f = saturation(now - curve.published_at, curve.tau)
    return {name: math.floor(getattr(curve, name) * f) for name in _YT_FIELDS}


def average_view_duration(views: int, minutes: int) -> int:
    """Seconds, as Analytics reports it (0 when there were no views)."""
    return round(minutes * 60 / views) if views else 0
