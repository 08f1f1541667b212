"""Resumable uploads that resume: an interrupted chunk is followed by a status query, not a
blind re-send.

google-api-python-client's own `next_chunk(num_retries=N)` re-sends a failed chunk from a stream
slice it has already read, so the retry carries an empty body under the old Content-Length and
hangs until the socket times out. The documented recovery (developers.google.com/youtube/v3/
guides/using_resumable_upload_protocol, "Resume an interrupted upload") is to ask the session for
its status with `PUT` and `Content-Range: bytes */TOTAL`; the answer, 308 with `Range`, says where
to go on, or 200/201 with the video when the last chunk had in fact arrived. The client does
exactly that on the next `next_chunk()` after an error, so here each interruption is followed by
another `next_chunk()` after a short pause, up to `retries` times.
"""

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from googleapiclient.errors import HttpError

from connectors.base import (
    PlatformError,
    ProgressCallback,
    TransientError,
    UnknownOutcome,
    UploadSessionCallback,
)
from connectors.youtube.errors import PLATFORM, map_any

BACKOFF_S = 0.25
BACKOFF_CAP_S = 2.0


def upload(
    insert: Any,
    total: int,
    *,
    retries: int,
    now: Callable[[], datetime],
    progress: ProgressCallback | None = None,
    on_session: UploadSessionCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Runs a resumable `videos.insert` to the end; returns the video resource.

    Raises only taxonomy errors. Once any chunk was interrupted, giving up is an unknown
    outcome: the session may have received everything and created the video. The session's
    address goes to `on_session` as soon as the platform has opened it (`resumable_uri`, set
    by the first `next_chunk`), so a later look can ask it (`session_status`)."""
    interrupted = 0
    reported: str | None = None
    while True:
        try:
            state, response = insert.next_chunk(num_retries=0)
        except Exception as exc:
            reported = _report(insert, total, reported, on_session)
            mapped = map_any(exc, creating=True, now=now())
            if mapped is None:
                raise
            resumable = isinstance(mapped, UnknownOutcome | TransientError)
            if resumable and interrupted < retries:
                interrupted += 1
                sleep(min(BACKOFF_CAP_S, BACKOFF_S * 2 ** (interrupted - 1)))
                continue
            raise _given_up(mapped, interrupted) from None
        reported = _report(insert, total, reported, on_session)
        if response is not None:
            return dict(response)
        if state is not None and progress:
            progress(int(state.resumable_progress), total)


def _report(
    insert: Any, total: int, reported: str | None, on_session: UploadSessionCallback | None
) -> str | None:
    session = getattr(insert, "resumable_uri", None)
    if on_session is not None and isinstance(session, str) and session != reported:
        on_session(session, total)
        return session
    return reported


def session_status(http: Any, session: str, total: int) -> dict[str, Any] | int | None:
    """Ask a resumable session what it holds, with the documented status query (`PUT`, empty
    body, `Content-Range: bytes */TOTAL`): the video resource once the upload completed (200 or
    201), else the number of bytes received (308, with `Range: bytes=0-N` when any arrived);
    None when the session is gone (404 or 410: expired after about a week, or never opened).

    The session's address is a credential for the upload: it is never put in an error."""
    response, content = http.request(
        session, method="PUT", headers={"Content-Length": "0", "Content-Range": f"bytes */{total}"}
    )
    status = int(response.status)
    if status in (200, 201):
        return dict(json.loads(content))
    if status == 308:
        received = response.get("range", "")
        return int(received.rsplit("-", 1)[1]) + 1 if received else 0
    if status in (404, 410):
        return None
    raise HttpError(response, content, uri=None)


def _given_up(mapped: PlatformError, interrupted: int) -> PlatformError:
    # Once a chunk was interrupted, no later error says whether the interrupted chunks completed
    # the video: a refusal of the resume (404: no such session), a rate limit, an exhausted
    # quota or a refused token on the resume all leave it open. Unknown, so the scheduler asks
    # the channel before anything else (and waits there for the limit, quota or reconnect).
    if interrupted:
        return UnknownOutcome(
            f"the upload was interrupted {interrupted} time(s) and could not be resumed; "
            f"the video may exist ({mapped.message})",
            platform=PLATFORM,
            code=mapped.code,
            http_status=mapped.http_status,
        )
    return mapped
