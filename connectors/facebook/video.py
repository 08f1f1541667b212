"""Page video uploads: the Resumable Upload API, Reels, and the legacy chunked flow.

- Current guide (developers.facebook.com/docs/video-api/guides/publishing and
  /docs/graph-api/resumable-upload-api): `POST /{app-id}/uploads` (file_name, file_length,
  file_type) -> `{"id": "upload:<session>"}`; `POST /upload:<session>` with headers
  `Authorization: OAuth <token>` and `file_offset`, the body the file -> `{"h": <handle>}`
  (after an interruption `GET /upload:<session>` says `file_offset` to go on from); then
  `POST /{page-id}/videos` with `fbuploader_video_file_chunk=<handle>` -> `{"id"}`. All on the
  Graph host: graph-video.facebook.com is deprecated (docs/video-api/overview).
- Reels (docs/video-api/guides/reels-publishing): `POST /{page-id}/video_reels`
  `upload_phase=start` -> `{video_id, upload_url}`; `POST upload_url` (rupload.facebook.com) with
  `Authorization: OAuth`, `offset`, `file_size` headers -> `{"success": true}`; `upload_phase=
  finish` with `video_state=PUBLISHED` (or SCHEDULED with `scheduled_publish_time`).
- Legacy chunked flow (`upload_phase=start|transfer|finish` on `/{page-id}/videos`), kept for a
  deployment configured without an app id: the server says which byte range to send next
  (`start_offset`, `end_offset`); the upload is done when they are equal.
Only the last call (publishing the handle, the Reel's finish, the legacy finish) makes the video
appear on the Page, so only its failure is an unknown outcome.
"""

import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from connectors.base import (
    AuthError,
    PermissionDenied,
    ProgressCallback,
    Rejected,
    TransientError,
    UnknownOutcome,
)
from connectors.facebook.errors import PLATFORM
from connectors.facebook.graph import Graph

MAX_ROUNDS = 10_000  # a server that never advances must not loop forever
RESUMES = 3  # interrupted transfers resumed from the server's offset before giving up
REEL_UPLOAD_HOST = "rupload.facebook.com"
PROGRESS_STEP = 1024 * 1024  # report progress about once a MiB while a body streams


class _Streamed:
    """The rest of a file from `offset`, streamed as a request body, reporting progress."""

    def __init__(
        self, fh: IO[bytes], offset: int, total: int, progress: ProgressCallback | None
    ) -> None:
        self.fh, self.sent, self.total, self.progress = fh, offset, total, progress
        self._reported = offset
        fh.seek(offset)

    def __len__(self) -> int:  # requests sets Content-Length from it
        return self.total - self.sent

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.sent += len(data)
        if self.progress and (self.sent - self._reported >= PROGRESS_STEP or not data):
            self._reported = self.sent
            self.progress(min(self.sent, self.total), self.total)
        return data


class AppUploadRefused(Exception):
    """`/{app-id}/uploads` refused the token before anything was uploaded."""


def upload_file(graph: Graph, app_id: str, path: Path, progress: ProgressCallback | None) -> str:
    """Uploads the file through the Resumable Upload API; returns its handle. Nothing appears
    on a Page yet, so a failure here is safe to repeat."""
    total = path.stat().st_size
    mime = mimetypes.guess_type(path.name)[0] or "video/mp4"
    try:
        start = graph.request(
            "POST",
            f"{app_id}/uploads",
            post_args={"file_name": path.name, "file_length": str(total), "file_type": mime},
        )
    except (Rejected, PermissionDenied, AuthError) as exc:
        # The upload guide wants a User token of an app admin or developer (unconfirmed for
        # Page tokens): the caller falls back. A dead token fails the fallback the same way.
        raise AppUploadRefused(exc.message) from None
    session = str(start.get("id", "")) if isinstance(start, dict) else ""
    if not session.startswith("upload:"):
        raise Rejected("the video upload did not start (no upload session)", platform=PLATFORM)
    if progress:
        progress(0, total)
    offset = 0
    for _ in range(RESUMES + 1):
        try:
            with path.open("rb") as fh:
                body = _Streamed(fh, offset, total, progress)
                answer = graph.post_bytes(session, {"file_offset": str(offset)}, body)
        except (TransientError, UnknownOutcome) as exc:
            # Ask where the session stands, then send the rest (the documented resume).
            status = graph.get(session)
            offset = int(status.get("file_offset", offset)) if isinstance(status, dict) else 0
            last: Exception = exc
            continue
        if isinstance(answer, dict) and answer.get("h"):
            if progress:
                progress(total, total)
            return str(answer["h"])
        moved = int(answer.get("file_offset", offset)) if isinstance(answer, dict) else offset
        if moved <= offset:
            raise TransientError("the video upload made no progress", platform=PLATFORM)
        offset = moved
        last = TransientError("the upload ended before the whole file arrived", platform=PLATFORM)
    raise TransientError(f"the video upload could not be completed: {last}", platform=PLATFORM)


def publish_video(graph: Graph, page_id: str, handle: str, args: Mapping[str, Any]) -> str:
    """Publishes an uploaded file's handle as a Page video; returns the video id."""
    answer = graph.request(
        "POST",
        f"{page_id}/videos",
        post_args={"fbuploader_video_file_chunk": handle, **args},
        creating=True,
    )
    video_id = str(answer.get("id", "")) if isinstance(answer, dict) else ""
    if not video_id:
        raise UnknownOutcome(
            "Graph answered the video's publication without an id", platform=PLATFORM
        )
    return video_id


def upload_reel(
    graph: Graph,
    page_id: str,
    path: Path,
    args: Mapping[str, Any],
    progress: ProgressCallback | None,
    *,
    allowed_hosts: frozenset[str],
) -> str:
    """Publishes the file as a Reel; returns its video id. `args`: description, title, and
    `scheduled_publish_time` to schedule it."""
    total = path.stat().st_size
    start = graph.request("POST", f"{page_id}/video_reels", post_args={"upload_phase": "start"})
    video_id = str(start.get("video_id", "")) if isinstance(start, dict) else ""
    upload_url = str(start.get("upload_url", "")) if isinstance(start, dict) else ""
    if not video_id or not upload_url:
        raise Rejected("the Reel upload did not start (no upload URL)", platform=PLATFORM)
    host = urlparse(upload_url).hostname or ""
    if urlparse(upload_url).scheme != "https" or host not in allowed_hosts | {REEL_UPLOAD_HOST}:
        # The token goes in a header to that URL: only to Meta's upload host, or ours.
        raise Rejected(
            f"the Reel upload URL points at an unexpected host {host!r}", platform=PLATFORM
        )
    if progress:
        progress(0, total)
    with path.open("rb") as fh:
        body = _Streamed(fh, 0, total, progress)
        answer = graph.post_bytes(upload_url, {"offset": "0", "file_size": str(total)}, body)
    if not (isinstance(answer, dict) and answer.get("success")):
        raise TransientError("the Reel's bytes were not accepted", platform=PLATFORM)
    finish: dict[str, Any] = {"upload_phase": "finish", "video_id": video_id}
    scheduled = args.get("scheduled_publish_time")
    finish["video_state"] = "SCHEDULED" if scheduled else "PUBLISHED"
    for key in ("description", "title", "scheduled_publish_time"):
        if args.get(key):
            finish[key] = args[key]
    done = graph.request("POST", f"{page_id}/video_reels", post_args=finish, creating=True)
    if isinstance(done, dict) and done.get("success") is False:
        raise Rejected("the platform refused to publish the Reel", platform=PLATFORM)
    if progress:
        progress(total, total)
    return video_id


def upload_video(
    graph: Graph,
    page_id: str,
    path: Path,
    finish_args: Mapping[str, Any],
    progress: ProgressCallback | None,
) -> str:
    """Uploads the file in the chunks the server asks for; returns the video id."""
    total = path.stat().st_size
    start = graph.request(
        "POST", f"{page_id}/videos", post_args={"upload_phase": "start", "file_size": str(total)}
    )
    session_id = str(start.get("upload_session_id", ""))
    video_id = str(start.get("video_id", ""))
    if not session_id or not video_id:
        raise Rejected("the video upload did not start (no upload session)", platform=PLATFORM)
    lo, hi = int(start.get("start_offset", 0)), int(start.get("end_offset", 0))
    if progress:
        progress(0, total)
    with path.open("rb") as fh:
        for _ in range(MAX_ROUNDS):
            if lo >= hi:
                break
            fh.seek(lo)
            chunk = fh.read(hi - lo)
            answer = graph.request(
                "POST",
                f"{page_id}/videos",
                post_args={
                    "upload_phase": "transfer",
                    "upload_session_id": session_id,
                    "start_offset": str(lo),
                },
                files={"video_file_chunk": (path.name, chunk, "application/octet-stream")},
            )
            lo, hi = int(answer.get("start_offset", hi)), int(answer.get("end_offset", hi))
            if progress:
                progress(min(lo, total), total)
        else:
            raise TransientError("the video upload made no progress", platform=PLATFORM)
    done = graph.request(
        "POST",
        f"{page_id}/videos",
        post_args={"upload_phase": "finish", "upload_session_id": session_id, **finish_args},
        creating=True,
    )
    if isinstance(done, dict) and done.get("success") is False:
        raise Rejected("the platform refused to finish the video upload", platform=PLATFORM)
    if progress:
        progress(total, total)
    return video_id
