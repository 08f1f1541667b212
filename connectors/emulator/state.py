"""The emulator's world: seeded accounts, their tokens, and everything created, behind one lock.

Accounts are deterministic for a seed: the same seed gives the same Page names, follower counts,
tokens and channel credentials, so a state directory can be recreated.
"""

import random
import string
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connectors.emulator.engagement import hashtags

PROVINCES = (
    "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa",
    "Nghệ An", "Hà Tĩnh", "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên", "Phú Thọ",
    "Bắc Ninh", "Hưng Yên", "Hải Phòng", "Ninh Bình", "Quảng Trị", "Đà Nẵng", "Quảng Ngãi",
    "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "TP. Hồ Chí Minh", "Đồng Nai", "Tây Ninh",
    "Cần Thơ", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "An Giang",
)  # fmt: skip


def page_id(n: int) -> str:
    return f"10425138{n:07d}"


def channel_id(n: int) -> str:
    return f"UCvnGenderEquality{n:07d}"


def _token(rng: random.Random, prefix: str, length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


@dataclass
class Page:
    id: str
    name: str
    followers: int
    access_token: str
    calls: deque[datetime] = field(default_factory=deque)


@dataclass
class Channel:
    id: str
    title: str
    subscribers: int
    refresh_token: str
    uploads_playlist: str
    revoked: bool = False


@dataclass
class FbObject:
    """A Page post; photos and videos carry their own id beside the post id."""

    id: str  # "{page-id}_{post-id}"
    page_id: str
    kind: str  # post | link | photo | video
    message: str
    created_at: datetime
    published_at: datetime | None
    scheduled_for: datetime | None
    state: str  # published | scheduled | deleted | uploading
    link: str = ""
    title: str = ""
    media_id: str = ""  # photo or video id
    media_bytes: int = 0
    alt_text: str = ""  # a photo's custom alt text (`alt_text_custom`)
    reel: bool = False  # a video published through the Reels API


@dataclass
class YtVideo:
    id: str
    channel_id: str
    title: str
    description: str
    tags: list[str]
    category_id: str
    privacy: str
    publish_at: datetime | None
    made_for_kids: bool
    created_at: datetime
    published_at: datetime | None
    state: str  # published | scheduled | private | deleted
    size: int = 0
    thumbnail: bool = False


@dataclass
class Playlist:
    id: str
    channel_id: str
    title: str
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class UploadSession:
    id: str
    kind: str  # fb_video | fb_file (Resumable Upload API) | fb_reel | yt_video
    owner: str  # Page or channel id
    total: int
    received: bytearray = field(default_factory=bytearray)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class GoogleToken:
    channel_id: str
    expires_at: datetime


class State:
    """Everything the emulator knows. Handlers hold `lock` while they read or change it."""

    def __init__(self, seed: int, pages: int, channels: int, base_url: str) -> None:
        self.seed = seed
        self.lock = threading.RLock()
        rng = random.Random(f"accounts:{seed}")
        self.app_id = "".join(rng.choice(string.digits[1:]) for _ in range(15))
        self.app_secret = "".join(rng.choice("0123456789abcdef") for _ in range(32))
        self.user_id = "".join(rng.choice(string.digits[1:]) for _ in range(16))
        self.user_token = _token(rng, "EAA", 120)
        self.google_client_id = (
            "".join(rng.choice(string.digits) for _ in range(12))
            + "-"
            + _token(rng, "", 32).lower()
            + ".apps.googleusercontent.com"
        )
        self.google_client_secret = _token(rng, "GOCSPX-", 28)
        self.pages: dict[str, Page] = {}
        for n in range(1, pages + 1):
            province = PROVINCES[(n - 1) % len(PROVINCES)]
            suffix = "" if n <= len(PROVINCES) else f" {1 + (n - 1) // len(PROVINCES)}"
            pid = page_id(n)
            self.pages[pid] = Page(
                id=pid,
                name=f"Bình đẳng giới {province}{suffix}",
                followers=int(rng.lognormvariate(10.5, 0.9)) + 2_000,
                access_token=_token(rng, "EAA", 180),
            )
        self.channels: dict[str, Channel] = {}
        for n in range(1, channels + 1):
            cid = channel_id(n)
            province = PROVINCES[(n - 1) % len(PROVINCES)]
            self.channels[cid] = Channel(
                id=cid,
                title=f"Tháng hành động vì bình đẳng giới - {province}",
                subscribers=int(rng.lognormvariate(9.5, 0.8)) + 1_000,
                refresh_token=_token(rng, "1//0g", 100),
                uploads_playlist="UU" + cid[2:],
            )
        self.base_url = base_url
        self.token_to_page = {p.access_token: p.id for p in self.pages.values()}
        self.user_tokens: dict[str, datetime | None] = {self.user_token: None}
        self.refresh_to_channel = {c.refresh_token: c.id for c in self.channels.values()}
        self.google_tokens: dict[str, GoogleToken] = {}
        self.auth_codes: dict[str, str] = {}
        self.fb_objects: dict[str, FbObject] = {}
        self.fb_media: dict[str, str] = {}  # photo/video id -> post id
        self._page_posts: dict[str, list[FbObject]] = {}  # Page id -> its objects, oldest first
        self.yt_videos: dict[str, YtVideo] = {}
        self.playlists: dict[str, Playlist] = {
            c.uploads_playlist: Playlist(c.uploads_playlist, c.id, "Uploads")
            for c in self.channels.values()
        }
        for c in self.channels.values():
            own = "PL" + c.id[2:]
            self.playlists[own] = Playlist(own, c.id, "Tháng hành động vì bình đẳng giới")
        self.uploads: dict[str, UploadSession] = {}
        self.handles: dict[str, str] = {}  # Resumable Upload API file handle -> session id
        self._next_due: datetime | None = None  # earliest native schedule not yet settled
        self.app_calls: deque[datetime] = deque()
        self._rng = random.Random(f"ids:{seed}")

    # ---- Facebook objects

    def add_fb_object(self, obj: FbObject, media_id: str = "") -> None:
        with self.lock:
            self.fb_objects[obj.id] = obj
            self._page_posts.setdefault(obj.page_id, []).append(obj)
            if obj.state == "scheduled":
                self.note_scheduled(obj.scheduled_for)
            if media_id:
                self.fb_media[media_id] = obj.id

    def page_posts(self, page_id: str) -> list[FbObject]:
        """A Page's objects (a copy), without scanning every Page's."""
        with self.lock:
            return list(self._page_posts.get(page_id, ()))

    # ---- ids

    def new_digits(self, n: int = 15) -> str:
        with self.lock:
            return "".join(
                self._rng.choice(string.digits[1:] if i == 0 else string.digits) for i in range(n)
            )

    def new_token(self, prefix: str, length: int) -> str:
        with self.lock:
            return _token(self._rng, prefix, length)

    # ---- time-driven changes

    def note_scheduled(self, when: datetime | None) -> None:
        """Something will go public at `when`: `settle` must look again by then."""
        if when is None:
            return
        with self.lock:
            if self._next_due is None or when < self._next_due:
                self._next_due = when

    def settle(self, now: datetime) -> None:
        """Publish whatever natively scheduled object's time has come.

        Runs on every request, so it scans only once the earliest scheduled time has passed."""
        with self.lock:
            if self._next_due is None or now < self._next_due:
                return
            upcoming: list[datetime] = []
            for obj in self.fb_objects.values():
                if obj.state == "scheduled" and obj.scheduled_for:
                    if obj.scheduled_for <= now:
                        obj.state = "published"
                        obj.published_at = obj.scheduled_for
                    else:
                        upcoming.append(obj.scheduled_for)
            for video in self.yt_videos.values():
                if video.state == "scheduled" and video.publish_at:
                    if video.publish_at <= now:
                        video.state = "published"
                        video.privacy = "public"
                        video.published_at = video.publish_at
                    else:
                        upcoming.append(video.publish_at)
            self._next_due = min(upcoming, default=None)

    def objects(self) -> list[dict[str, Any]]:
        """Every post, photo and video created, for `GET /_emulator/objects`."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        with self.lock:
            rows: list[dict[str, Any]] = []
            for o in self.fb_objects.values():
                if o.state == "uploading":
                    continue
                rows.append(
                    {
                        "platform": "facebook",
                        "kind": "reel" if o.reel else o.kind,
                        "account": o.page_id,
                        "id": o.id,
                        "media_id": o.media_id or None,
                        "text": o.message,
                        "title": o.title,
                        "tags": sorted(hashtags(o.message)),
                        "created_at": iso(o.created_at),
                        "published_at": iso(o.published_at),
                        "scheduled_for": iso(o.scheduled_for),
                        "state": o.state,
                    }
                )
            for v in self.yt_videos.values():
                rows.append(
                    {
                        "platform": "youtube",
                        "kind": "video",
                        "account": v.channel_id,
                        "id": v.id,
                        "media_id": None,
                        "text": v.description,
                        "title": v.title,
                        "tags": list(v.tags),
                        "created_at": iso(v.created_at),
                        "published_at": iso(v.published_at),
                        "scheduled_for": iso(v.publish_at),
                        "state": v.state,
                        "privacy": v.privacy,
                    }
                )
            rows.sort(key=lambda r: (r["created_at"], r["id"]))
            return rows

    # ---- accounts file

    def accounts(self) -> dict[str, Any]:
        token_uri = self.base_url + "token"
        return {
            "facebook_app": {"app_id": self.app_id, "app_secret": self.app_secret},
            "facebook_user": {"id": self.user_id, "access_token": self.user_token},
            "facebook_pages": [
                {"id": p.id, "name": p.name, "access_token": p.access_token}
                for p in self.pages.values()
            ],
            "google_client": {
                "client_id": self.google_client_id,
                "client_secret": self.google_client_secret,
                "token_uri": token_uri,
            },
            "youtube_channels": [
                {
                    "id": c.id,
                    "title": c.title,
                    "playlists": ["PL" + c.id[2:]],
                    "credentials": {
                        "type": "authorized_user",
                        "client_id": self.google_client_id,
                        "client_secret": self.google_client_secret,
                        "refresh_token": c.refresh_token,
                        "token_uri": token_uri,
                    },
                }
                for c in self.channels.values()
            ],
        }

    def trim_calls(self, now: datetime, window: timedelta) -> None:
        with self.lock:
            for calls in [self.app_calls, *(p.calls for p in self.pages.values())]:
                while calls and calls[0] <= now - window:
                    calls.popleft()
