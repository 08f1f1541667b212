"""After an interrupted chunk, whatever error ends the upload leaves it open whether the video
exists: the outcome is unknown, never a plain rate limit, quota or auth error that the scheduler
would take for "not sent" and upload again."""

import json
from datetime import UTC, datetime
from typing import Any

import httplib2
import pytest
from googleapiclient.errors import HttpError

from connectors.base import RateLimited, UnknownOutcome
from connectors.youtube.upload import upload


def _http_error(status: int, reason: str) -> HttpError:
    body = {"error": {"code": status, "message": reason, "errors": [{"reason": reason}]}}
    return HttpError(httplib2.Response({"status": status}), json.dumps(body).encode())


class Insert:
    """A resumable insert whose chunks fail as scripted."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)

    def next_chunk(self, num_retries: int = 0) -> tuple[Any, Any]:
        raise self.failures.pop(0)


def _run(insert: Insert) -> None:
    upload(insert, 10, retries=3, now=lambda: datetime.now(UTC), sleep=lambda _s: None)


def test_a_rate_limit_on_the_resume_after_an_interruption_is_unknown() -> None:
    # The last chunk reached the platform (its answer was a 503); the status query is throttled.
    insert = Insert(_http_error(503, "backendError"), _http_error(429, "rateLimitExceeded"))
    with pytest.raises(UnknownOutcome, match="may exist"):
        _run(insert)


def test_a_rate_limit_before_any_interruption_keeps_its_kind() -> None:
    with pytest.raises(RateLimited):
        _run(Insert(_http_error(429, "rateLimitExceeded")))
