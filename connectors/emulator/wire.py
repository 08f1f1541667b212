"""Response shapes shared by the routes: JSON bodies, Graph errors, Google errors, dropped sockets."""

import json
import secrets
from typing import Any

from werkzeug.wrappers import Response

JSON = "application/json; charset=UTF-8"


class Dropped(ConnectionError):
    """Raised after the socket was shut: the server treats it as a connection the client closed."""


class ApiError(Exception):
    """A finished error response, raised from deep inside a handler."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # facebook-sdk reads headers["content-type"] unconditionally: every answer carries it.
    body = json.dumps(data, ensure_ascii=False)
    return Response(body, status=status, headers=headers or {}, content_type=JSON)


def fbtrace_id() -> str:
    return "A" + secrets.token_urlsafe(15)[:20]


def graph_error(
    code: int,
    message: str,
    *,
    subcode: int | None = None,
    type_: str = "OAuthException",
    status: int = 400,
    user_title: str = "",
    user_msg: str = "",
    transient: bool | None = None,
) -> ApiError:
    """Graph's error body; see developers.facebook.com/docs/graph-api/guides/error-handling."""
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient is not None:
        error["is_transient"] = transient
    if user_title:
        error["error_user_title"] = user_title
    if user_msg:
        error["error_user_msg"] = user_msg
    error["fbtrace_id"] = fbtrace_id()
    return ApiError(json_response({"error": error}, status=status))


_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def google_error(
    status: int, reason: str, message: str, domain: str = "global", **extra: str
) -> ApiError:
    """Google's JSON error, as the YouTube Data and Analytics APIs send it."""
    item = {"message": message, "domain": domain, "reason": reason, **extra}
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [item],
            "status": _GOOGLE_STATUS.get(status, "UNKNOWN"),
        }
    }
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="https://accounts.google.com/"'
    return ApiError(json_response(body, status=status, headers=headers))
