"""How the emulated platforms behave where the real ones have changed or differ by account.

Each switch selects one documented or reported behaviour (sources next to each field), so a test
can provoke a case a real deployment meets. Set them with `Emulator(platform=...)` or at run
time with `POST /_emulator/platform` and a JSON object of the fields to change.
"""

import json
import threading
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

UPLOAD_REPLIES = ("429", "400")


@dataclass(frozen=True)
class PlatformSwitches:
    # Videos inserted by an API project created after 2020-07-28 that has not passed Google's
    # audit are locked private, whatever privacyStatus was asked
    # (developers.google.com/youtube/v3/docs/videos/insert, "Note" on unverified projects).
    unverified_project: bool = False
    # How an exhausted daily bucket of `videos.insert` calls is answered: "429" as reported in
    # 2026 (HTTP 429 rateLimitExceeded, "Quota exceeded for quota metric 'Video Uploads' and
    # limit 'Video Uploads per day'", googleapis/google-api-python-client#2753), or "400"
    # `uploadLimitExceeded` (the per-channel limit in the videos.insert error table).
    upload_bucket_reply: str = "429"
    # YouTube Analytics data lag 48-72 hours: the latest days are missing
    # (developers.google.com/youtube/analytics, data freshness; revision history 2026).
    analytics_delay_hours: float = 48.0
    # Whether Page tokens carry `pages_read_user_content`. Meta's Page Public Content Access
    # reference names it, with pages_read_engagement, as what reads a Page's posts and public
    # comments; without it the emulator refuses `comments` on posts with error 10 (one
    # third-party probe on v25 saw comment summaries refused so).
    page_user_content_granted: bool = True
    # Whether `/{app-id}/uploads` (Resumable Upload API) refuses Page tokens. The video
    # publishing guide lists only a Page token; the upload guide
    # (developers.facebook.com/docs/graph-api/guides/upload) asks for a User access token of an
    # app admin or developer. Refused here with error 102, "A user access token is required".
    app_uploads_need_user_token: bool = False

    def checked(self) -> "PlatformSwitches":
        if self.upload_bucket_reply not in UPLOAD_REPLIES:
            raise ValueError(f"upload_bucket_reply must be one of {', '.join(UPLOAD_REPLIES)}")
        if not 0 <= self.analytics_delay_hours <= 24 * 14:
            raise ValueError("analytics_delay_hours must lie between 0 and 336")
        return self


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """`["unverified_project=true", "analytics_delay_hours=0"]` -> their values (JSON values,
    or the text as given); a malformed item raises ValueError naming it."""
    out: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{item!r} is not NAME=VALUE")
        try:
            out[name.strip()] = json.loads(raw)
        except ValueError:
            out[name.strip()] = raw
    return out


class Platform:
    """The switches in force, changeable while serving."""

    def __init__(self, switches: PlatformSwitches | None = None) -> None:
        self._lock = threading.Lock()
        self._now = (switches or PlatformSwitches()).checked()

    @property
    def switches(self) -> PlatformSwitches:
        with self._lock:
            return self._now

    def update(self, changes: dict[str, Any]) -> PlatformSwitches:
        """Apply the named fields (unknown names or wrong types raise ValueError)."""
        known = {f.name: f.type for f in fields(PlatformSwitches)}
        clean: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown platform switch {name!r}")
            current = getattr(PlatformSwitches(), name)
            if isinstance(current, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false")
                clean[name] = value
            elif isinstance(current, float):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"{name} must be a number")
                clean[name] = float(value)
            else:
                clean[name] = str(value)
        with self._lock:
            self._now = replace(self._now, **clean).checked()
            return self._now

    def describe(self) -> dict[str, Any]:
        return asdict(self.switches)
