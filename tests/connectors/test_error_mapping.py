"""Every documented error shape maps to the right taxonomy member, and no token leaks from any.

The first tables feed each shape straight to the mapping functions; the last ones provoke the
same failures through the running emulator's fault injection and the real client libraries,
checking the log records, the exception's str, repr and args on every path.
"""

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httplib2
import pytest
import requests
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from connectors.base import (
    AuthExpired,
    AuthRevoked,
    ContentKind,
    Credentials,
    Duplicate,
    PermissionDenied,
    PlatformError,
    PolicyBlocked,
    PublishRequest,
    QuotaExhausted,
    RateLimited,
    Rejected,
    Secret,
    TransientError,
    UnknownOutcome,
)
from connectors.emulator import Emulator
from connectors.facebook import FacebookConnector
from connectors.facebook.errors import map_graph_error, map_network_error
from connectors.redact import install_redaction
from connectors.youtube import YouTubeConnector
from connectors.youtube.errors import map_any

NOW = datetime(2025, 11, 20, 3, 0, tzinfo=UTC)


def graph_body(code: int, subcode: int | None = None, message: str = "boom") -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "T1",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


GRAPH_TABLE: list[tuple[int, int | None, type[PlatformError], str]] = [
    (1, None, TransientError, ""),
    (2, None, TransientError, ""),
    (4, None, RateLimited, "app"),
    (17, None, RateLimited, "user"),
    (32, None, RateLimited, "account"),
    (613, None, RateLimited, "app"),
    (80001, None, RateLimited, "account"),
    (341, None, RateLimited, "app"),
    (190, 463, AuthExpired, ""),
    (190, 460, AuthRevoked, ""),  # password changed: gone until a new login
    (190, None, AuthExpired, ""),
    (190, 458, AuthRevoked, ""),
    (190, 459, AuthRevoked, ""),
    (190, 464, AuthRevoked, ""),
    (190, 467, AuthRevoked, ""),
    (190, 492, AuthRevoked, ""),
    (10, None, PermissionDenied, ""),
    (200, None, PermissionDenied, ""),
    (230, None, PermissionDenied, ""),
    (299, None, PermissionDenied, ""),
    (368, None, PolicyBlocked, ""),
    (506, None, Duplicate, ""),
    (100, None, Rejected, ""),
    (1609005, None, Rejected, ""),
]


@pytest.mark.parametrize(("code", "subcode", "expected", "scope"), GRAPH_TABLE)
def test_graph_codes(code: int, subcode: int | None, expected: type, scope: str) -> None:
    err = map_graph_error(graph_body(code, subcode), headers={}, http_status=400)
    assert type(err) is expected
    assert err.code == str(code)
    assert err.trace_id == "T1"
    if scope:
        assert isinstance(err, RateLimited)
        assert err.scope == scope
        assert err.retry_after == timedelta(minutes=5)  # no usage headers: the default


def test_app_usage_at_full_means_wait() -> None:
    err = map_graph_error(
        graph_body(4),
        headers={"X-App-Usage": '{"call_count": 100, "total_time": 20, "total_cputime": 5}'},
        http_status=400,
    )
    assert isinstance(err, RateLimited)
    assert err.retry_after == timedelta(minutes=5)


def test_graph_message_echoing_a_token_is_redacted() -> None:
    token = "EAAB" + "x" * 40
    err = map_graph_error(
        graph_body(100, message=f"bad url https://g/?access_token={token}"),
        headers={},
        http_status=400,
    )
    assert token not in str(err)
    assert token not in repr(err)


@pytest.mark.parametrize(
    ("exc", "creating", "expected"),
    [
        (requests.ConnectTimeout("connect timed out"), True, TransientError),
        (requests.ConnectionError("NewConnectionError: Connection refused"), True, TransientError),
        (requests.ReadTimeout("read timed out"), True, UnknownOutcome),
        (requests.ReadTimeout("read timed out"), False, TransientError),
        (requests.ConnectionError("Connection aborted. RemoteDisconnected"), True, UnknownOutcome),
        (requests.exceptions.ChunkedEncodingError("broken"), True, UnknownOutcome),
        (requests.exceptions.ChunkedEncodingError("broken"), False, TransientError),
    ],
)
def test_graph_network_failures(
    exc: requests.RequestException, creating: bool, expected: type
) -> None:
    assert type(map_network_error(exc, creating=creating)) is expected


def google_error(status: int, reason: str, headers: dict[str, str] | None = None) -> HttpError:
    resp = httplib2.Response({"status": str(status), **(headers or {})})
    body = {
        "error": {
            "code": status,
            "message": reason,
            "errors": [{"reason": reason, "domain": "youtube"}],
        }
    }
    return HttpError(
        resp, json.dumps(body).encode(), uri="https://youtube.googleapis.com/youtube/v3/videos"
    )


@pytest.mark.parametrize(
    ("status", "reason", "creating", "expected"),
    [
        (403, "quotaExceeded", False, QuotaExhausted),
        (400, "uploadLimitExceeded", True, QuotaExhausted),
        (403, "forbidden", False, PermissionDenied),
        (403, "insufficientPermissions", False, PermissionDenied),
        (403, "rateLimitExceeded", False, RateLimited),
        (403, "userRateLimitExceeded", False, RateLimited),
        (429, "rateLimitExceeded", False, RateLimited),
        (401, "authError", False, AuthExpired),
        (500, "backendError", False, TransientError),
        (503, "backendError", True, UnknownOutcome),
        (400, "invalidTitle", True, Rejected),
        (400, "invalidPublishAt", True, Rejected),
    ],
)
def test_google_shapes(status: int, reason: str, creating: bool, expected: type) -> None:
    err = map_any(google_error(status, reason), creating=creating, now=NOW)
    assert type(err) is expected
    if isinstance(err, QuotaExhausted):
        assert err.reset_at == datetime(2025, 11, 20, 8, 0, tzinfo=UTC)
        assert err.bucket == ("uploads" if reason == "uploadLimitExceeded" else "units")


def test_google_retry_after_header() -> None:
    err = map_any(
        google_error(429, "rateLimitExceeded", {"retry-after": "30"}), creating=False, now=NOW
    )
    assert isinstance(err, RateLimited)
    assert err.retry_after == timedelta(seconds=30)


@pytest.mark.parametrize(
    ("exc", "creating", "expected"),
    [
        (RefreshError("invalid_grant: Token has been expired or revoked."), False, AuthRevoked),
        (RefreshError("invalid_client: unauthorized"), False, AuthExpired),
        # google-auth marks token-endpoint 5xx and `temporarily_unavailable` retryable: a blip.
        (RefreshError("temporarily_unavailable", retryable=True), False, TransientError),
        (RefreshError("internal_failure: Backend Error", retryable=True), True, TransientError),
        (TimeoutError("timed out"), True, UnknownOutcome),
        (ConnectionResetError("reset"), True, UnknownOutcome),
        (TimeoutError("timed out"), False, TransientError),
        (ConnectionRefusedError("refused"), True, TransientError),
        (httplib2.ServerNotFoundError("no server"), True, TransientError),
    ],
)
def test_google_other_failures(exc: Exception, creating: bool, expected: type) -> None:
    assert type(map_any(exc, creating=creating, now=NOW)) is expected


# -- through the emulator ------------------------------------------------------------------


@pytest.fixture
def leak_check(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """Collects secrets to look for; afterwards no log record at DEBUG may contain any."""
    install_redaction()
    secrets: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for name in ("", "urllib3", "requests", "googleapiclient", "google.auth", "httplib2"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        yield secrets
    records = caplog.get_records("setup") + caplog.get_records("call")
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in records)
    assert records, "the DEBUG logs were not captured"
    for secret in secrets:
        assert secret not in text


def assert_clean(exc: BaseException, secrets: list[str]) -> None:
    shown = [str(exc), repr(exc), *(str(a) for a in exc.args)]
    for secret in secrets:
        for text in shown:
            assert secret not in text
    assert exc.__cause__ is None  # the client's exception (with its URL) is not chained


FB_FAULTS = [
    ("5xx:facebook", "publish", UnknownOutcome),  # a create: the write may have landed
    ("5xx:read", "status", TransientError),
    ("rate_limit:facebook", "publish", RateLimited),
    ("token_expired:facebook", "publish", AuthExpired),
    ("drop:publish", "publish", UnknownOutcome),
    ("timeout:publish", "publish", UnknownOutcome),
    ("timeout:read", "status", TransientError),
    ("5xx:insights", "metrics", TransientError),
]


@pytest.mark.parametrize(("spec", "call", "expected"), FB_FAULTS)
def test_facebook_faults_map_and_leak_nothing(
    emulator: Emulator, leak_check: list[str], spec: str, call: str, expected: type
) -> None:
    page = emulator.accounts["facebook_pages"][0]
    leak_check += [
        page["access_token"],
        emulator.accounts["facebook_app"].get("secret", "") or "x" * 64,
    ]
    fb = FacebookConnector(emulator.connector_config())
    creds = Credentials("facebook", page["id"], Secret(page["access_token"]))
    post = fb.publish(creds, PublishRequest(ContentKind.POST, page["id"], message="trước lỗi"))
    emulator.set_faults(spec)
    actions = {
        "publish": lambda: fb.publish(
            creds, PublishRequest(ContentKind.POST, page["id"], message="Xin chào")
        ),
        "status": lambda: fb.status(creds, post.external_id),
        "metrics": lambda: fb.object_metrics(creds, [post.external_id]),
    }
    with pytest.raises(PlatformError) as caught:
        actions[call]()
    assert type(caught.value) is expected
    assert_clean(caught.value, leak_check)


YT_FAULTS = [
    ("5xx:token", "status", TransientError),  # the token endpoint down is not a dead grant
    ("5xx:read", "status", TransientError),
    ("rate_limit:youtube", "status", RateLimited),
    ("quota:youtube", "status", QuotaExhausted),
    ("token_expired:youtube", "status", (AuthExpired, AuthRevoked)),
    ("drop:upload", "publish", UnknownOutcome),
    ("timeout:read", "status", TransientError),
    ("5xx:analytics", "analytics", TransientError),
]


@pytest.mark.parametrize(("spec", "call", "expected"), YT_FAULTS)
def test_youtube_faults_map_and_leak_nothing(
    emulator: Emulator, leak_check: list[str], tmp_path: Path, spec: str, call: str, expected: Any
) -> None:
    channel = emulator.accounts["youtube_channels"][0]
    doc = channel["credentials"]
    leak_check += [doc["refresh_token"], doc["client_secret"]]
    yt = YouTubeConnector(emulator.connector_config(), chunk_retries=0)
    creds = Credentials("youtube", channel["id"], Secret(json.dumps(doc)))
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0" * 300_000)
    emulator.set_faults(spec)
    actions = {
        "publish": lambda: yt.publish(
            creds, PublishRequest(ContentKind.CLIP, channel["id"], title="Video", media_path=clip)
        ),
        "status": lambda: yt.status(creds, "nothing-here"),
        "analytics": lambda: yt.account_daily(creds, NOW.date(), NOW.date()),
    }
    with pytest.raises(PlatformError) as caught:
        actions[call]()
    assert isinstance(caught.value, expected)
    assert_clean(caught.value, leak_check)
