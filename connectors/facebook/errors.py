"""Graph API failures mapped into the connector taxonomy, in one table.

Sources: Graph API "Handling Errors" (codes 1, 2, 4, 10, 17, 190 with subcodes 458-467 and 492,
200-299, 341, 368, 506, 613) and "Rate Limiting" (codes 32, 80001; `X-App-Usage` percentages and
`X-Business-Use-Case-Usage` `estimated_time_to_regain_access` in minutes).

On a call that creates something (a feed post, a photo, a video's `finish`), a server-side
failure — Graph codes 1 and 2, any HTTP 5xx, an SSL failure once the request was sent — says
nothing about whether the write was applied (Meta's edge answers 502 after the write has
landed): it is an unknown outcome to reconcile, never retried blind. Elsewhere it is transient.
"""

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import requests

from connectors.base import (
    AuthExpired,
    AuthRevoked,
    Duplicate,
    PermissionDenied,
    PlatformError,
    PolicyBlocked,
    RateLimited,
    Rejected,
    TransientError,
    UnknownOutcome,
)
from connectors.redact import redact

PLATFORM = "facebook"
DEFAULT_RETRY_AFTER = timedelta(minutes=5)

# code -> (error class, rate-limit scope)
_RATE_LIMITS: dict[int, str] = {
    4: "app",
    17: "user",
    32: "account",
    613: "app",
    80001: "account",
    341: "app",
}
_AUTH_EXPIRED_SUBCODES = {463}
# 460 "password changed" (docs/graph-api/guides/error-handling, "Authentication Error
# Subcodes"): the token is invalidated for good, as a revoked one, until the person logs in
# again; waiting for a refresh would not bring it back.
_AUTH_REVOKED_SUBCODES = {458, 459, 460, 464, 467, 492}
PASSWORD_CHANGED = 460
_TABLE: dict[int, type[PlatformError]] = {
    1: TransientError,
    2: TransientError,
    10: PermissionDenied,
    368: PolicyBlocked,
    506: Duplicate,
    100: Rejected,
}


def error_class(code: int | None, subcode: int | None) -> tuple[type[PlatformError], str]:
    """The taxonomy member for a Graph error code and subcode, and the rate-limit scope."""
    if code is None:
        return Rejected, ""
    if code in _RATE_LIMITS:
        return RateLimited, _RATE_LIMITS[code]
    if code == 190:
        if subcode in _AUTH_REVOKED_SUBCODES:
            return AuthRevoked, ""
        return AuthExpired, ""  # 463 expired, or no subcode
    if 200 <= code <= 299:
        return PermissionDenied, ""
    return _TABLE.get(code, Rejected), ""


def _json_header(headers: Mapping[str, str], name: str) -> Any:
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def usage_retry_after(headers: Mapping[str, str]) -> timedelta | None:
    """How long the usage headers say to wait: the largest `estimated_time_to_regain_access`
    (minutes) of `X-Business-Use-Case-Usage`, or the default when `X-App-Usage` is at 100%."""
    minutes = 0.0
    buc = _json_header(headers, "X-Business-Use-Case-Usage")
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else [entries]:
                if isinstance(entry, dict):
                    try:
                        minutes = max(
                            minutes, float(entry.get("estimated_time_to_regain_access") or 0)
                        )
                    except (TypeError, ValueError):
                        continue
    if minutes > 0:
        return timedelta(minutes=minutes)
    app = _json_header(headers, "X-App-Usage")
    if isinstance(app, dict):
        try:
            if max(float(v) for v in app.values()) >= 100:
                return DEFAULT_RETRY_AFTER
        except (TypeError, ValueError):
            return None
    return None


def usage_percent(headers: Mapping[str, str]) -> float:
    """The highest usage percentage in `X-App-Usage` and `X-Business-Use-Case-Usage` (0-100+)."""
    highest = 0.0
    app = _json_header(headers, "X-App-Usage")
    values: list[Any] = list(app.values()) if isinstance(app, dict) else []
    buc = _json_header(headers, "X-Business-Use-Case-Usage")
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    values += [entry.get(k) for k in ("call_count", "total_time", "total_cputime")]
    for v in values:
        try:
            highest = max(highest, float(v))
        except (TypeError, ValueError):
            continue
    return highest


def _server_side(code: int | None, http_status: int | None) -> bool:
    return code in (1, 2) or (http_status is not None and http_status >= 500)


def map_graph_error(
    payload: Any,
    *,
    headers: Mapping[str, str],
    http_status: int | None,
    creating: bool = False,
) -> PlatformError:
    """The taxonomy error for a Graph error body (`{"error": {...}}`) or an unparsable answer;
    `creating`: the call creates something, so a server-side failure is an unknown outcome."""
    mapped = _map_graph_error(payload, headers=headers, http_status=http_status)
    code = _int(mapped.code) if mapped.code else None
    if creating and isinstance(mapped, TransientError) and _server_side(code, http_status):
        return UnknownOutcome(
            f"server error on a create; it may have been applied ({mapped.message})",
            platform=PLATFORM,
            code=mapped.code,
            subcode=mapped.subcode,
            trace_id=mapped.trace_id,
            http_status=http_status,
        )
    return mapped


def _map_graph_error(
    payload: Any, *, headers: Mapping[str, str], http_status: int | None
) -> PlatformError:
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        text = redact(str(payload))[:300]
        if http_status is not None and http_status >= 500:
            return TransientError(
                f"Graph answered HTTP {http_status}: {text}",
                platform=PLATFORM,
                http_status=http_status,
            )
        if http_status == 429:
            return RateLimited(
                f"Graph answered HTTP 429: {text}",
                retry_after=usage_retry_after(headers) or DEFAULT_RETRY_AFTER,
                platform=PLATFORM,
                http_status=http_status,
            )
        return Rejected(
            f"unexpected Graph answer: {text}", platform=PLATFORM, http_status=http_status
        )
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    message = redact(str(error.get("message") or "Graph error"))
    user_msg = error.get("error_user_msg")
    if user_msg:
        message = f"{message} ({redact(str(user_msg))})"
    cls, scope = error_class(code, subcode)
    kw: dict[str, Any] = {
        "platform": PLATFORM,
        "code": "" if code is None else str(code),
        "subcode": "" if subcode is None else str(subcode),
        "trace_id": redact(str(error.get("fbtrace_id") or "")),
        "http_status": http_status,
    }
    if cls is RateLimited:
        retry = usage_retry_after(headers) or DEFAULT_RETRY_AFTER
        if scope == "app" and _page_throttled(headers):
            # A Page-token call falls under the Page's Business Use Case limit (rolling 24 h,
            # docs/graph-api/overview/rate-limiting): hold back that Page, not the whole app.
            scope = "account"
        return RateLimited(message, retry_after=retry, scope=scope, **kw)
    if code == 190 and subcode == PASSWORD_CHANGED:
        message += (
            " (the password of the account that granted this token was changed: the token "
            "no longer works; reconnect the Page with `loa channel connect`)"
        )
    return cls(message, **kw)


def _page_throttled(headers: Mapping[str, str]) -> bool:
    """Whether `X-Business-Use-Case-Usage` shows a Page at its limit or locked out."""
    buc = _json_header(headers, "X-Business-Use-Case-Usage")
    if not isinstance(buc, dict):
        return False
    for entries in buc.values():
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict) or entry.get("type", "pages") != "pages":
                continue
            try:
                usage = max(
                    float(entry.get(k) or 0) for k in ("call_count", "total_time", "total_cputime")
                )
                regain = float(entry.get("estimated_time_to_regain_access") or 0)
            except (TypeError, ValueError):
                continue
            if usage >= 100 or regain > 0:
                return True
    return False


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _sent(exc: requests.RequestException) -> bool:
    """Whether the request may have reached the platform before the failure."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        inner = getattr(reason, "reason", reason)
        text = f"{type(inner).__name__} {inner}"
        if "NewConnectionError" in text or "Connection refused" in text or "NameResolution" in text:
            return False
        if isinstance(exc, requests.exceptions.SSLError):
            # A certificate or handshake failure stops the request before it is sent; any
            # other SSL failure (a record broken while reading the answer) comes after.
            lowered = text.lower()
            return not ("certificate" in lowered or "handshake" in lowered)
    return True


def map_network_error(exc: requests.RequestException, *, creating: bool) -> PlatformError:
    """Refused or unreachable: transient. Failed after sending: unknown when it creates."""
    detail = redact(f"{type(exc).__name__}: {exc}")[:300]
    if creating and _sent(exc):
        return UnknownOutcome(
            f"the connection failed after the request was sent; it may have been applied ({detail})",
            platform=PLATFORM,
        )
    return TransientError(f"network failure: {detail}", platform=PLATFORM)
