"""Graph's chunked video upload (`upload_phase=start|transfer|finish` on `/{page-id}/videos`).

The server says which byte range to send next (`start_offset`, `end_offset`); the upload is done
when they are equal. Source: Graph API video-api "Resumable Upload" (legacy chunked flow).
Only `finish` makes the video appear on the Page, so only its failure is an unknown outcome.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connectors.base import ProgressCallback, Rejected, TransientError
from connectors.facebook.errors import PLATFORM
from connectors.facebook.graph import Graph

MAX_ROUNDS = 10_000  # a server that never advances must not loop forever


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
