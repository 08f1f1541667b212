"""Every interface of the connectors in one module, with the plain types they exchange.

Errors: every platform failure is mapped into this tree, so the scheduler decides what to do
without knowing which platform spoke::

    PlatformError                  .platform, .code, .subcode, .trace_id; never holds a token
    ├── TransientError             retry with backoff (5xx, Graph codes 1 and 2, timeouts before send)
    ├── RateLimited                retry after .retry_after (Graph 4, 17, 32, 613, 80001; HTTP 429)
    ├── QuotaExhausted             wait until .reset_at (YouTube quotaExceeded, uploadLimitExceeded)
    ├── AuthError                  stop calling this account until it is reconnected
    │   ├── AuthExpired            token expired and cannot be refreshed (Graph 190/463, 401)
    │   └── AuthRevoked            token invalid or revoked by the user (Graph 190/458, 460, 467)
    ├── PermissionDenied           the token lacks a permission (Graph 10, 200-299, YouTube forbidden)
    ├── Rejected                   the platform refused this content; retrying will not help
    │   ├── Duplicate              (Graph 506)
    │   └── PolicyBlocked          (Graph 368)
    └── UnknownOutcome             the request may have reached the platform (timeout after
                                   sending, dropped connection): reconcile before any retry
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------------------------
# Secrets


class Secret:
    """A token or credential document that refuses to show itself in logs, reprs or errors."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


# --------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True)
class ConnectorConfig:
    """Where the platforms are; the scheduler builds it from Loa's settings."""

    facebook_graph_url: str = "https://graph.facebook.com/"
    facebook_video_url: str = ""
    facebook_api_version: str = "v26.0"  # see connectors/graph_versions.py
    facebook_app_id: str = ""
    facebook_app_secret: Secret | None = None
    youtube_api_url: str = "https://youtube.googleapis.com/"
    youtube_analytics_url: str = "https://youtubeanalytics.googleapis.com/"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    ca_bundle: Path | None = None
    timeout_s: float = 30.0
    upload_chunk_bytes: int = 256 * 1024 * 4


# --------------------------------------------------------------------------------------------
# Errors


class PlatformError(Exception):
    """Base of the taxonomy. The message is the platform's, with any token redacted."""

    def __init__(
        self,
        message: str,
        *,
        platform: str = "",
        code: str = "",
        subcode: str = "",
        trace_id: str = "",
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.platform = platform
        self.code = code
        self.subcode = subcode
        self.trace_id = trace_id
        self.http_status = http_status

    @property
    def kind(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return (
            f"{self.kind}(platform={self.platform!r}, code={self.code!r}, message={self.message!r})"
        )


class TransientError(PlatformError):
    """Nothing was done; the same call may succeed later."""


class RateLimited(PlatformError):
    def __init__(self, message: str, *, retry_after: timedelta, scope: str = "app", **kw: Any):
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.scope = scope  # app | account | user


class QuotaExhausted(PlatformError):
    def __init__(self, message: str, *, reset_at: datetime, bucket: str = "units", **kw: Any):
        super().__init__(message, **kw)
        self.reset_at = reset_at
        self.bucket = bucket  # units | uploads


class AuthError(PlatformError):
    """The account's credentials no longer work: pause the channel and alert."""


class AuthExpired(AuthError):
    pass


class AuthRevoked(AuthError):
    pass


class PermissionDenied(PlatformError):
    pass


class Rejected(PlatformError):
    """Invalid content: retrying the same request will fail the same way."""


class Duplicate(Rejected):
    pass


class PolicyBlocked(Rejected):
    pass


class UnknownOutcome(PlatformError):
    """The request may have been applied. Never retry blind: ask the platform first."""


# --------------------------------------------------------------------------------------------
# Requests and results

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes sent, total bytes) while media uploads."""

UploadSessionCallback = Callable[[str, int], None]
"""Called with (session address, total bytes) as soon as a resumable upload session exists, so
the caller can keep it: after a lost answer, the session says whether the object was made."""


class ContentKind(StrEnum):
    POST = "post"
    LINK = "link"
    PHOTO = "photo"
    CLIP = "clip"


@dataclass(frozen=True)
class Credentials:
    """What a connector needs to act for one account. `secret` is a Page token (Facebook) or
    the authorized-user JSON document (YouTube)."""

    platform: str
    account_id: str
    secret: Secret


@dataclass(frozen=True)
class PublishRequest:
    kind: ContentKind
    account_id: str  # Facebook Page id or YouTube channel id
    message: str = ""  # post text, photo caption, or video description
    title: str = ""
    link: str = ""
    media_path: Path | None = None
    thumbnail_path: Path | None = None
    tags: tuple[str, ...] = ()
    made_for_kids: bool = False
    privacy: str = "public"
    playlist_id: str = ""
    publish_at: datetime | None = None  # set: hand off to the platform's own scheduling
    marker: str = ""  # stable id of the publication, used to find it again (reconciliation)
    reel: bool = False  # a vertical clip published as a Facebook Reel rather than a Page video


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    published_at: datetime | None  # None while scheduled natively
    permalink: str = ""
    scheduled_for: datetime | None = None
    trace_id: str = ""
    # Set when the object exists but the platform keeps it from its audience whatever was
    # asked (a YouTube upload locked private): what happened and what the operator can do.
    # Such a result is not "published"; retrying would only make a second locked copy.
    restricted: str = ""


@dataclass(frozen=True)
class ReconcileProbe:
    """What to look for when an attempt's outcome is unknown."""

    kind: ContentKind
    account_id: str
    marker: str
    message: str
    title: str
    window_start: datetime
    window_end: datetime


@dataclass(frozen=True)
class FoundPost:
    external_id: str
    created_at: datetime | None
    published_at: datetime | None
    scheduled_for: datetime | None
    matched_on: str  # what matched: marker, text, title
    permalink: str = ""


@dataclass(frozen=True)
class UploadState:
    """A resumable upload session's own answer: the object it made (`made`), or how many of
    the bytes it holds. A session that has not received every byte has made nothing."""

    made: FoundPost | None
    received: int
    total: int


@dataclass(frozen=True)
class ReconcileResult:
    """`found` lists matches; `complete` is False when the search could not cover the window,
    in which case an empty `found` proves nothing."""

    found: tuple[FoundPost, ...]
    complete: bool
    searched: str  # a human summary of what was searched, kept as evidence


@dataclass(frozen=True)
class TokenHealth:
    valid: bool
    expires_at: datetime | None
    scopes: tuple[str, ...]
    missing_scopes: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class ObjectMetrics:
    """Lifetime values of one published object in Loa's vocabulary (see analytics vocabulary),
    with the platform metric each came from and the ones the platform refused."""

    external_id: str
    as_of: datetime
    values: Mapping[str, float]
    sources: Mapping[str, str] = field(default_factory=dict)
    unavailable: tuple[str, ...] = ()


@dataclass(frozen=True)
class DailyMetric:
    account_id: str
    day: date
    metric: str
    value: float
    source_metric: str = ""
    external_id: str = ""  # set for per-object daily series (YouTube Analytics per video)


@dataclass(frozen=True)
class AudienceShare:
    account_id: str
    gender: str  # female | male | user_specified
    age_group: str  # age13-17, age18-24, ...
    share: float  # 0..1
    external_id: str = ""


# --------------------------------------------------------------------------------------------
# Interfaces


class Publisher(ABC):
    """Publishes to one platform. Every method raises only `PlatformError` subclasses."""

    platform: str

    @abstractmethod
    def publish(
        self,
        creds: Credentials,
        request: PublishRequest,
        progress: ProgressCallback | None = None,
        *,
        on_session: UploadSessionCallback | None = None,
    ) -> PublishResult:
        """Publish now, or schedule natively when `request.publish_at` is set. A platform
        whose uploads run in a resumable session reports it to `on_session`."""

    @abstractmethod
    def reconcile(self, creds: Credentials, probe: ReconcileProbe) -> ReconcileResult:
        """Search the account for a post an earlier attempt may have created."""

    @abstractmethod
    def cancel_scheduled(self, creds: Credentials, external_id: str) -> None:
        """Withdraw a natively scheduled post before it goes out."""

    @abstractmethod
    def status(self, creds: Credentials, external_id: str) -> FoundPost | None:
        """The object as the platform sees it now, or None when it does not exist."""

    @abstractmethod
    def check_token(self, creds: Credentials) -> TokenHealth:
        """Whether the credentials work and carry the permissions publishing needs."""

    def upload_status(self, creds: Credentials, session: str, total: int) -> UploadState | None:
        """What a kept upload session holds now; None when the platform keeps no sessions or
        this one is gone (expired): then only a search can tell."""
        return None

    def complete(self, creds: Credentials, request: PublishRequest, external_id: str) -> None:
        """Finish a post that reconciliation found after its publish call's answer was lost.

        `publish` takes the steps that follow the object's creation itself (a clip's playlist
        and thumbnail); an adopted post missed them. Safe to repeat: a step whose result is
        visible (a playlist entry) is skipped where done, the others are idempotent. Never
        raises: as after a publish, a failed step is logged, and the post stays published.
        Nothing follows a post on most platforms.
        """
        return None


class MetricsSource(ABC):
    """Reads numbers back from one platform, in Loa's vocabulary."""

    platform: str

    @abstractmethod
    def object_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[ObjectMetrics]:
        """Lifetime metrics of published objects, batched as the platform allows."""

    @abstractmethod
    def account_daily(self, creds: Credentials, since: date, until: date) -> list[DailyMetric]:
        """Daily Page or channel insights between two days, inclusive."""

    @abstractmethod
    def audience(self, creds: Credentials, since: date, until: date) -> list[AudienceShare]:
        """Audience shares by gender and age group over a window."""
