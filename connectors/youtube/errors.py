"""Google API failures mapped into the connector taxonomy, in one place.

Sources: YouTube Data API v3 "Errors" (403 quotaExceeded, 400 uploadLimitExceeded, 403 forbidden
and insufficientPermissions, 403/429 rateLimitExceeded and userRateLimitExceeded, 400 invalid*,
401 authError) and google-auth (RefreshError; `invalid_grant` means revoked or expired grant).
"""

import http.client
import json
import socket
import ssl
from datetime import datetime, timedelta
from typing import Any

import httplib2
from google.auth import exceptions as gauth_exceptions
from googleapiclient.errors import HttpError

from connectors.base import (
    AuthExpired,
    AuthRevoked,
    PermissionDenied,
    PlatformError,
    QuotaExhausted,
    RateLimited,
    Rejected,
    TransientError,
    UnknownOutcome,
)
from connectors.redact import redact
from connectors.youtube.quota import UNITS, UPLOADS, reset_at

PLATFORM = "youtube"
DEFAULT_RETRY_AFTER = timedelta(seconds=60)
_QUOTA_REASONS = {
    "quotaExceeded": UNITS,
    "dailyLimitExceeded": UNITS,
    "uploadLimitExceeded": UPLOADS,
}
_RATE_REASONS = {"rateLimitExceeded": "app", "userRateLimitExceeded": "user"}
_UPLOAD_BUCKET = "quota metric 'Video Uploads'"
_PERMISSION_REASONS = {"forbidden", "insufficientPermissions", "channelClosed", "channelSuspended"}


def _details(exc: HttpError) -> tuple[str, str]:
    """The first `errors[].reason` and the message of a Google error body."""
    try:
        body: Any = json.loads(exc.content.decode("utf-8", "replace"))
    except (ValueError, AttributeError):
        return "", str(getattr(exc, "reason", "") or "")
    error = body.get("error", {}) if isinstance(body, dict) else {}
    if not isinstance(error, dict):  # OAuth style: {"error": "invalid_grant", ...}
        return str(error), str(body.get("error_description", error))
    errors = error.get("errors") or [{}]
    reason = str(errors[0].get("reason", "")) if isinstance(errors[0], dict) else ""
    return reason, str(error.get("message", ""))


def map_http_error(exc: HttpError, *, creating: bool, now: datetime) -> PlatformError:
    status = int(exc.resp.status)
    reason, message = _details(exc)
    text = redact(f"HTTP {status} {reason}: {message}".strip())
    kw: dict[str, Any] = {
        "platform": PLATFORM,
        "code": reason or str(status),
        "http_status": status,
    }
    if reason in _QUOTA_REASONS:
        return QuotaExhausted(text, reset_at=reset_at(now), bucket=_QUOTA_REASONS[reason], **kw)
    if _UPLOAD_BUCKET in message:
        # The daily bucket of `videos.insert` calls is empty: answered HTTP 429
        # rateLimitExceeded with this quota metric (googleapis/google-api-python-client#2753,
        # 2026). It refills at midnight Pacific, not in 60 seconds.
        return QuotaExhausted(text, reset_at=reset_at(now), bucket=UPLOADS, **kw)
    if reason in _RATE_REASONS or status == 429:
        return RateLimited(
            text,
            retry_after=_retry_after(exc) or DEFAULT_RETRY_AFTER,
            scope=_RATE_REASONS.get(reason, "app"),
            **kw,
        )
    if status == 401:
        return AuthExpired(text, **kw)
    if status == 403:
        return PermissionDenied(text, **kw)
    if status >= 500:
        if creating:
            return UnknownOutcome(f"{text} (the upload may have been applied)", **kw)
        return TransientError(text, **kw)
    return Rejected(text, **kw)


def _retry_after(exc: HttpError) -> timedelta | None:
    value = exc.resp.get("retry-after") if hasattr(exc.resp, "get") else None
    try:
        return timedelta(seconds=float(value)) if value else None
    except (TypeError, ValueError):
        return None


def map_refresh_error(exc: Exception) -> PlatformError:
    text = redact(str(exc))
    if getattr(exc, "retryable", False):
        # google-auth flags token-endpoint 5xx/408/429 and `internal_failure`, `server_error`,
        # `temporarily_unavailable` as retryable (google/oauth2/_client.py `_can_retry`): the
        # grant is fine, the endpoint was not. Pausing the channel here would be the Postiz
        # "network blip treated as a dead token" bug. A refresh never creates anything.
        return TransientError(f"the Google token endpoint failed: {text}", platform=PLATFORM)
    if "invalid_grant" in text or "revoked" in text.lower():
        return AuthRevoked(f"the Google grant is no longer valid: {text}", platform=PLATFORM)
    return AuthExpired(f"the Google token cannot be refreshed: {text}", platform=PLATFORM)


_NOT_SENT = (
    ConnectionRefusedError,
    httplib2.ServerNotFoundError,
    socket.gaierror,
    ssl.SSLError,
    gauth_exceptions.TransportError,  # the token refresh failed: the call was never made
)
_NETWORK = (
    OSError,  # socket timeouts, resets, broken pipes
    http.client.HTTPException,  # RemoteDisconnected, IncompleteRead, BadStatusLine
    httplib2.HttpLib2Error,
    gauth_exceptions.TransportError,
)


def map_network_error(exc: BaseException, *, creating: bool) -> PlatformError:
    detail = redact(f"{type(exc).__name__}: {exc}")[:300]
    if creating and not isinstance(exc, _NOT_SENT):
        return UnknownOutcome(
            f"the connection failed during the upload; it may have been applied ({detail})",
            platform=PLATFORM,
        )
    return TransientError(f"network failure: {detail}", platform=PLATFORM)


def map_any(exc: BaseException, *, creating: bool, now: datetime) -> PlatformError | None:
    """The taxonomy error for anything the Google client raised, or None when it is a bug."""
    if isinstance(exc, PlatformError):
        return exc
    if isinstance(exc, HttpError):
        return map_http_error(exc, creating=creating, now=now)
    if isinstance(exc, gauth_exceptions.RefreshError):
        return map_refresh_error(exc)
    if isinstance(exc, _NETWORK):
        return map_network_error(exc, creating=creating)
    return None
