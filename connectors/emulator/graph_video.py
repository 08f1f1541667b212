"""Page video as Meta documents it at the end of 2026: the Resumable Upload API, Reels, and
video insights.

- Resumable Upload API (developers.facebook.com/docs/graph-api/resumable-upload-api):
  `POST /{app-id}/uploads?file_name&file_length&file_type` -> `{"id": "upload:<session>"}`;
  `POST /upload:<session>` with header `Authorization: OAuth <token>` and `file_offset`, the
  body the file's bytes -> `{"h": "<handle>"}`; `GET /upload:<session>` -> `{"id", "file_offset"}`
  to resume after an interruption. Then `POST /{page-id}/videos` with
  `fbuploader_video_file_chunk=<handle>` (+ title, description) -> `{"id": "<video-id>"}`
  (docs/video-api/guides/publishing), on graph.facebook.com (graph-video is deprecated).
- Reels (docs/video-api/guides/reels-publishing): `POST /{page-id}/video_reels`
  `upload_phase=start` -> `{"video_id", "upload_url"}` (rupload.facebook.com/video-upload/
  {version}/{video-id}; here the emulator's own host); `POST upload_url` with headers
  `Authorization: OAuth <token>`, `offset`, `file_size`, the body the bytes -> `{"success": true}`;
  `upload_phase=finish` with `video_id`, `video_state` PUBLISHED (or SCHEDULED with
  `scheduled_publish_time`, or DRAFT) and `description` -> `{"success": true}`.
  `GET /{page-id}/video_reels` lists them. A reel's permalink is `/reel/{id}/`.
- Video insights (docs/graph-api/reference/video/video_insights, "Reels Metrics"): reels report
  through `GET /{video-id}/video_insights`, not `/insights`: `blue_reels_play_count`,
  `post_impressions_unique`, `post_video_avg_time_watched`, `post_video_view_time` (ms),
  `post_video_likes_by_reaction_type`. A name outside the object's set fails the whole request
  with error 100, as on `/insights`.
"""

from datetime import datetime
from typing import Any

from connectors.emulator.engagement import facebook_lifetime, reactions_by_type
from connectors.emulator.graph_format import curve, graph_time
from connectors.emulator.graph_insights import invalid_metric
from connectors.emulator.state import FbObject, State, UploadSession
from connectors.emulator.wire import graph_error

FILE_TYPES = ("application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4")
REEL_METRICS = {
    "blue_reels_play_count": ("Reel plays", "Lifetime: Times the reel started to play."),
    "post_impressions_unique": ("Reel reach", "Lifetime: People who saw the reel."),
    "post_video_avg_time_watched": ("Average time watched", "Lifetime: Average ms watched."),
    "post_video_view_time": ("Time watched", "Lifetime: Total ms watched."),
    "post_video_likes_by_reaction_type": ("Reactions by type", "Lifetime: Reactions by type."),
}
VIDEO_METRICS = {
    "total_video_views": ("Lifetime Total Video Views", "Lifetime: Views of 3 s or more."),
    "total_video_impressions_unique": ("Lifetime Unique Impressions", "Lifetime: Reach."),
}


def upload_failed(subcode: int, title: str = "") -> Any:
    return graph_error(
        6000,
        "There was a problem uploading your video file. Please try again.",
        subcode=subcode,
        user_title=title,
    )


class GraphVideo:
    def __init__(self, state: State) -> None:
        self.state = state

    # ---- Resumable Upload API

    def start_upload(self, app_id: str, p: dict[str, str]) -> dict[str, Any]:
        if app_id != self.state.app_id:
            raise graph_error(
                100, f"(#100) Unsupported post request. Object with ID '{app_id}' does not exist"
            )
        try:
            length = int(p.get("file_length") or 0)
        except ValueError:
            length = 0
        if length <= 0:
            raise graph_error(100, "(#100) The parameter file_length is required")
        if p.get("file_type") not in FILE_TYPES:
            raise graph_error(100, "(#100) file_type must be one of " + ", ".join(FILE_TYPES))
        session = UploadSession(
            self.state.new_token("", 24),
            "fb_file",
            app_id,
            length,
            meta={"file_name": p.get("file_name", ""), "file_type": p["file_type"]},
        )
        with self.state.lock:
            self.state.uploads[session.id] = session
        return {"id": f"upload:{session.id}"}

    def _session(self, node: str) -> UploadSession:
        with self.state.lock:
            session = self.state.uploads.get(node.removeprefix("upload:"))
        if session is None or session.kind != "fb_file":
            raise graph_error(
                100, f"(#100) Unsupported request. Upload session '{node}' does not exist"
            )
        return session

    def upload_status(self, node: str) -> dict[str, Any]:
        session = self._session(node)
        return {"id": node, "file_offset": len(session.received)}

    def upload_bytes(self, node: str, offset_header: str | None, data: bytes) -> dict[str, Any]:
        session = self._session(node)
        try:
            offset = int(offset_header or "")
        except ValueError as exc:
            raise graph_error(100, "(#100) The file_offset header is required") from exc
        with self.state.lock:
            if offset != len(session.received):
                raise upload_failed(1363037, "Incorrect file_offset")
            session.received.extend(data[: session.total - offset])
            if len(session.received) < session.total:
                return {"id": node, "file_offset": len(session.received)}
            handle = session.meta.get("handle") or self.state.new_token("4:", 40)
            session.meta["handle"] = handle
            self.state.handles[handle] = session.id
        return {"h": handle}

    def take_handle(self, handle: str) -> int:
        """The size of the file a handle names; a handle is good for one video."""
        with self.state.lock:
            sid = self.state.handles.pop(handle, None)
            session = self.state.uploads.pop(sid, None) if sid else None
        if session is None or len(session.received) != session.total:
            raise graph_error(
                100, "(#100) Invalid parameter: fbuploader_video_file_chunk is not a valid handle"
            )
        return session.total

    # ---- Reels

    def reel_start(self, page: str, base_url: str, version: str) -> dict[str, Any]:
        video_id = self.state.new_digits(16)
        session = UploadSession(video_id, "fb_reel", page, 0, meta={"video_id": video_id})
        with self.state.lock:
            self.state.uploads[session.id] = session
        return {
            "video_id": video_id,
            "upload_url": f"{base_url}video-upload/{version or 'v26.0'}/{video_id}",
        }

    def reel_upload(self, page: str | None, video_id: str, headers: Any, data: bytes) -> Any:
        with self.state.lock:
            session = self.state.uploads.get(video_id)
        if session is None or session.kind != "fb_reel" or session.owner != page:
            raise upload_failed(1363019)
        try:
            offset = int(headers.get("offset") or 0)
            size = int(headers.get("file_size") or 0)
        except ValueError as exc:
            raise upload_failed(1363037, "Incorrect offset") from exc
        if size <= 0:
            raise graph_error(100, "(#100) The file_size header is required")
        with self.state.lock:
            if offset != len(session.received):
                raise upload_failed(1363037, "Incorrect offset")
            session.total = size
            session.received.extend(data[: size - offset])
        return {"success": True}

    def reel_finished_upload(self, page: str, video_id: str) -> int:
        """The size of a reel's bytes, all arrived; raises unless they have."""
        with self.state.lock:
            session = self.state.uploads.get(video_id)
        if session is None or session.kind != "fb_reel" or session.owner != page:
            raise upload_failed(1363019)
        if not session.total or len(session.received) != session.total:
            raise upload_failed(1363030, "Video Upload Time Out Error")
        with self.state.lock:
            self.state.uploads.pop(video_id, None)
        return session.total

    # ---- insights

    def insights(self, obj: FbObject, metrics: list[str], now: datetime) -> list[dict[str, Any]]:
        known = REEL_METRICS if obj.reel else VIDEO_METRICS
        if obj.kind != "video" or any(m not in known for m in metrics):
            raise invalid_metric()
        shape = curve(self.state, obj)
        counts = facebook_lifetime(shape, now)
        plays = counts["views"] if obj.reel else counts["video_views"]
        values: dict[str, Any] = {
            "blue_reels_play_count": plays,
            "post_impressions_unique": counts["reach"],
            "post_video_avg_time_watched": shape.avg_watch_ms if plays else 0,
            "post_video_view_time": plays * shape.avg_watch_ms,
            "post_video_likes_by_reaction_type": {
                k.upper(): v for k, v in reactions_by_type(counts["reactions"]).items() if v
            },
            "total_video_views": counts["video_views"],
            "total_video_impressions_unique": counts["reach"],
        }
        stamp = graph_time(now)
        return [
            {
                "name": m,
                "period": "lifetime",
                "values": [{"value": values[m], "end_time": stamp}],
                "title": known[m][0],
                "description": known[m][1],
                "id": f"{obj.media_id}/video_insights/{m}/lifetime",
            }
            for m in metrics
        ]
