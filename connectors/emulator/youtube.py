"""YouTube Data API v3 under `/youtube/v3/...` and `/upload/youtube/v3/...`.

Paths, parameters and resource shapes follow the discovery document shipped with
google-api-python-client (discovery_cache/documents/youtube.v3.json); the resumable protocol
follows developers.google.com/youtube/v3/guides/using_resumable_upload_protocol: the session
POST answers 200 with `Location`, each non-final PUT answers 308 with `Range: bytes=0-N`, the
final one answers 200 with the video resource. The session outlives faults (on YouTube it stays
valid for about a week): after an interrupted chunk, `PUT` with `Content-Range: bytes */TOTAL`
answers 308 with what arrived, or the video when the last chunk had in fact arrived (a finished
session keeps answering with its video). Counts in `statistics` are JSON strings.
"""

import base64
import hashlib
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from connectors.emulator.clock import Clock
from connectors.emulator.engagement import youtube_curve, youtube_lifetime
from connectors.emulator.oauth import GoogleOAuth
from connectors.emulator.platform import Platform
from connectors.emulator.quota import QuotaLedger
from connectors.emulator.state import Playlist, State, UploadSession, YtVideo
from connectors.emulator.wire import ApiError, google_error, json_response

# The 2026 answer to an exhausted `videos.insert` bucket (googleapis/google-api-python-client
# #2753): HTTP 429, reason rateLimitExceeded, domain global, this message.
UPLOAD_BUCKET_MESSAGE = (
    "Quota exceeded for quota metric 'Video Uploads' and limit 'Video Uploads per day'"
)
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)|bytes \*/(\d+)")


@dataclass(frozen=True)
class YtCall:
    method: str  # e.g. videos.insert
    tags: frozenset[str]
    channel: str | None


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_rfc3339(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("publishAt needs an offset")
    return parsed.astimezone(UTC)


def _etag(data: Any) -> str:
    return base64.urlsafe_b64encode(
        hashlib.sha1(json.dumps(data, sort_keys=True, default=str).encode()).digest()[:18]
    ).decode()


def _bad(reason: str, message: str, status: int = 400, domain: str = "youtube.video") -> ApiError:
    return google_error(status, reason, message, domain=domain)


class YouTube:
    def __init__(
        self,
        state: State,
        clock: Clock,
        oauth: GoogleOAuth,
        quota: QuotaLedger,
        platform: Platform | None = None,
    ) -> None:
        self.state = state
        self.clock = clock
        self.oauth = oauth
        self.quota = quota
        self.platform = platform or Platform()
        self._item_seq = itertools.count(1)
        self.listing_lag: Callable[[], int] = lambda: 0  # ms playlist listings lag behind adds

    # ---- classification

    def classify(self, request: Request) -> YtCall:
        path = request.path
        upload = path.startswith("/upload/")
        resource = path.rstrip("/").split("/youtube/v3/", 1)[-1]
        verb = {"GET": "list", "POST": "insert", "PUT": "update", "DELETE": "delete"}.get(
            request.method, "list"
        )
        if resource == "thumbnails/set":
            method = "thumbnails.set"
        elif upload and request.method == "PUT":
            method = "videos.upload_chunk"
        else:
            method = f"{resource}.{verb}"
        tags = {"youtube"}
        if verb == "list":
            tags.add("read")
        if upload:
            tags.add("upload")
        if method in ("videos.insert", "playlistItems.insert") and (
            method != "videos.insert" or request.args.get("uploadType") != "resumable"
        ):
            tags.add("publish")
        if method == "videos.upload_chunk" and self._final_chunk(request):
            tags.add("publish")
        if method == "videos.upload_chunk" and self._status_query(request):
            tags.add("resume")
        channel = self.oauth.channel_of(request)
        if channel:
            tags.add(channel)
        return YtCall(method, frozenset(tags), channel)

    def _status_query(self, request: Request) -> bool:
        m = _RANGE.match(request.headers.get("Content-Range", ""))
        return bool(m and m[4] is not None)

    def _final_chunk(self, request: Request) -> bool:
        m = _RANGE.match(request.headers.get("Content-Range", ""))
        return bool(m and m[2] and m[3] and m[3] != "*" and int(m[2]) + 1 == int(m[3]))

    def fault(self, kind: str, call: YtCall) -> Response:
        if kind == "5xx":
            err = google_error(503, "backendError", "Backend Error")
        elif kind == "rate_limit":
            err = google_error(
                429,
                "rateLimitExceeded",
                "The request was throttled. Retry later.",
                domain="usageLimits",
            )
        elif kind == "quota":
            err = self._quota_error("units")
        elif kind == "token_expired":
            from connectors.emulator.oauth import unauthenticated

            err = unauthenticated()
        else:
            raise ValueError(kind)
        return err.response

    def _quota_error(self, bucket: str) -> ApiError:
        if bucket == "uploads":
            if self.platform.switches.upload_bucket_reply == "429":
                return google_error(429, "rateLimitExceeded", UPLOAD_BUCKET_MESSAGE)
            return _bad(
                "uploadLimitExceeded", "The user has exceeded the number of videos they may upload."
            )
        return google_error(
            403,
            "quotaExceeded",
            'The request cannot be completed because you have exceeded your <a href="/youtube/'
            'v3/getting-started#quota">quota</a>.',
            domain="youtube.quota",
        )

    # ---- dispatch

    def handle(self, request: Request, call: YtCall) -> Response:
        now = self.clock.now()
        self.state.settle(now)
        try:
            if call.method == "videos.upload_chunk":
                return self._chunk(request, now)
            channel = self.oauth.authenticate(request)
            handler = {
                "videos.insert": self._insert,
                "videos.list": self._videos_list,
                "videos.update": self._update,
                "videos.delete": self._delete,
                "channels.list": self._channels_list,
                "playlistItems.list": self._items_list,
                "playlistItems.insert": self._items_insert,
                "playlistItems.delete": self._items_delete,
                "thumbnails.set": self._thumbnail,
            }.get(call.method)
            if handler is None:
                raise google_error(404, "notFound", f"Method not found: {call.method}")
            if "part" not in request.args and call.method not in (
                "videos.delete",
                "playlistItems.delete",
                "thumbnails.set",
            ):
                raise google_error(400, "required", "Required parameter: part")
            bucket = self.quota.charge(call.method, now)
            if bucket:
                raise self._quota_error(bucket)
            return handler(request, channel, now)
        except ApiError as err:
            return err.response

    # ---- videos

    def _video_doc(self, v: YtVideo, parts: set[str], now: datetime) -> dict[str, Any]:
        doc: dict[str, Any] = {"kind": "youtube#video", "id": v.id}
        channel = self.state.channels[v.channel_id]
        if "snippet" in parts:
            thumbs = {
                size: {"url": f"https://i.ytimg.com/vi/{v.id}/{size}.jpg", "width": w, "height": h}
                for size, w, h in (("default", 120, 90), ("medium", 320, 180), ("high", 480, 360))
            }
            doc["snippet"] = {
                "publishedAt": rfc3339(v.published_at or v.created_at),
                "channelId": v.channel_id,
                "title": v.title,
                "description": v.description,
                "thumbnails": thumbs,
                "channelTitle": channel.title,
                "tags": list(v.tags),
                "categoryId": v.category_id,
                "liveBroadcastContent": "none",
                "localized": {"title": v.title, "description": v.description},
            }
            if not v.tags:
                del doc["snippet"]["tags"]
        if "status" in parts:
            status: dict[str, Any] = {
                "uploadStatus": "processed",
                "privacyStatus": v.privacy,
                "license": "youtube",
                "embeddable": True,
                "publicStatsViewable": True,
                "madeForKids": v.made_for_kids,
                "selfDeclaredMadeForKids": v.made_for_kids,
            }
            if v.publish_at and v.state == "scheduled":
                status["publishAt"] = rfc3339(v.publish_at)
            doc["status"] = status
        if "statistics" in parts:
            life = self.lifetime(v, now)
            doc["statistics"] = {
                "viewCount": str(life["views"]),
                "likeCount": str(life["likes"]),
                "favoriteCount": "0",
                "commentCount": str(life["comments"]),
            }
        if "contentDetails" in parts:
            doc["contentDetails"] = {
                "duration": f"PT{15 + v.size % 45}S",
                "dimension": "2d",
                "definition": "hd",
                "caption": "false",
                "licensedContent": False,
                "contentRating": {},
                "projection": "rectangular",
            }
        doc["etag"] = _etag(doc)
        return {"kind": doc.pop("kind"), "etag": doc.pop("etag"), **doc}

    def lifetime(self, v: YtVideo, now: datetime) -> dict[str, int]:
        channel = self.state.channels[v.channel_id]
        curve = youtube_curve(
            self.state.seed,
            v.id,
            channel.subscribers,
            v.published_at,
            v.title + " " + v.description,
        )
        return youtube_lifetime(curve, now)

    def _metadata(
        self, body: dict[str, Any], now: datetime, current: YtVideo | None = None
    ) -> dict[str, Any]:
        snippet = body.get("snippet") or {}
        status = body.get("status") or {}
        title = snippet.get("title", current.title if current else "")
        description = snippet.get("description", current.description if current else "")
        tags = snippet.get("tags", current.tags if current else []) or []
        if not title:
            raise _bad(
                "invalidTitle", "The request metadata specifies an invalid or empty video title."
            )
        if len(title) > 100 or "<" in title or ">" in title:
            raise _bad("invalidTitle", "The request metadata specifies an invalid video title.")
        if len(description.encode()) > 5000 or "<" in description or ">" in description:
            raise _bad(
                "invalidDescription", "The request metadata specifies an invalid video description."
            )
        if sum(len(t) for t in tags) > 500:
            raise _bad("invalidTags", "The request metadata specifies invalid video keywords.")
        privacy = status.get("privacyStatus", current.privacy if current else "public")
        if privacy not in ("public", "private", "unlisted"):
            raise _bad("invalidVideoMetadata", f"Invalid privacyStatus: {privacy}")
        publish_at = None
        if status.get("publishAt"):
            if privacy != "private":
                raise _bad(
                    "invalidPublishAt",
                    "The request metadata specifies an invalid scheduled publishing time: "
                    "publishAt needs privacyStatus private.",
                )
            try:
                publish_at = _parse_rfc3339(status["publishAt"])
            except ValueError as exc:
                raise _bad("invalidPublishAt", "The publishAt time is not RFC 3339.") from exc
            if publish_at <= now:
                raise _bad(
                    "invalidPublishAt", "The scheduled publishing time must be in the future."
                )
        return {
            "title": title,
            "description": description,
            "tags": list(tags),
            "category_id": str(snippet.get("categoryId", current.category_id if current else "22")),
            "privacy": privacy,
            "publish_at": publish_at,
            "made_for_kids": bool(
                status.get("selfDeclaredMadeForKids", current.made_for_kids if current else False)
            ),
        }

    def _create(self, channel: str, meta: dict[str, Any], size: int, now: datetime) -> YtVideo:
        if self.platform.switches.unverified_project:
            # An unaudited API project's uploads are locked private, a scheduled publishAt
            # included (videos.insert reference, note on projects created after 2020-07-28).
            meta = {**meta, "privacy": "private", "publish_at": None}
        video_id = self.state.new_token("", 11)
        state = (
            "scheduled"
            if meta["publish_at"]
            else ("published" if meta["privacy"] != "private" else "private")
        )
        video = YtVideo(
            id=video_id,
            channel_id=channel,
            created_at=now,
            size=size,
            published_at=now if state == "published" else None,
            state=state,
            **meta,
        )
        with self.state.lock:
            self.state.yt_videos[video_id] = video
            uploads = self.state.playlists[self.state.channels[channel].uploads_playlist]
            uploads.items.insert(0, self._entry(uploads, video_id, now))
            if state == "scheduled":
                self.state.note_scheduled(video.publish_at)
        return video

    def _insert(self, request: Request, channel: str, now: datetime) -> Response:
        kind = request.args.get("uploadType", "")
        parts = set(request.args["part"].split(","))
        if kind == "resumable":
            body = request.get_json(silent=True) or {}
            meta = self._metadata(body, now)
            total = int(request.headers.get("X-Upload-Content-Length") or 0)
            session = UploadSession(
                self.state.new_token("", 32),
                "yt_video",
                channel,
                total,
                meta={"meta": meta, "parts": sorted(parts)},
            )
            with self.state.lock:
                self.state.uploads[session.id] = session
            query = urlencode(
                {"uploadType": "resumable", "part": request.args["part"], "upload_id": session.id}
            )
            location = self.state.base_url + "upload/youtube/v3/videos?" + query
            return Response(
                b"",
                200,
                headers={"Location": location, "X-GUploader-UploadID": session.id},
                content_type="text/html; charset=UTF-8",
            )
        if kind == "multipart":
            body, media = _multipart(request)
            video = self._create(channel, self._metadata(body, now), len(media), now)
            return json_response(self._video_doc(video, parts, now))
        raise google_error(
            400, "badRequest", "Media upload needs uploadType=resumable or multipart"
        )

    def _chunk(self, request: Request, now: datetime) -> Response:
        with self.state.lock:
            session = self.state.uploads.get(request.args.get("upload_id", ""))
        if session is None:
            raise google_error(404, "notFound", "No upload session with this id.")
        done = session.meta.get("video_id")
        if done:  # a finished session answers every later request with its video
            video = self.state.yt_videos[done]
            return json_response(self._video_doc(video, set(session.meta["parts"]), now))
        m = _RANGE.match(request.headers.get("Content-Range", ""))
        data = request.get_data()
        with self.state.lock:
            if m and m[4] is not None:  # "bytes */total": a status query
                pass
            elif m:
                start, end = int(m[1]), int(m[2])
                if start != len(session.received) or end - start + 1 != len(data):
                    return self._resume_incomplete(session)
                session.received.extend(data)
                if m[3] != "*":
                    session.total = int(m[3])
            elif data:
                session.received.extend(data)
                session.total = len(session.received)
            complete = session.total and len(session.received) >= session.total
        if not complete:
            return self._resume_incomplete(session)
        video = self._create(session.owner, session.meta["meta"], len(session.received), now)
        with self.state.lock:
            session.meta["video_id"] = video.id
            session.received = bytearray()  # keep the answer, not the bytes
        return json_response(self._video_doc(video, set(session.meta["parts"]), now))

    def _resume_incomplete(self, session: UploadSession) -> Response:
        headers = {"X-GUploader-UploadID": session.id}
        if session.received:
            headers["Range"] = f"bytes=0-{len(session.received) - 1}"
        return Response(b"", 308, headers=headers, content_type="text/html; charset=UTF-8")

    def _owned(self, video_id: str, channel: str) -> YtVideo:
        with self.state.lock:
            video = self.state.yt_videos.get(video_id)
        if video is None or video.state == "deleted":
            raise _bad(
                "videoNotFound", "The video that you are trying to update cannot be found.", 404
            )
        if video.channel_id != channel:
            raise google_error(
                403, "forbidden", "The request is not properly authorized.", domain="youtube.video"
            )
        return video

    def _videos_list(self, request: Request, channel: str, now: datetime) -> Response:
        parts = set(request.args["part"].split(","))
        ids = [i for i in request.args.get("id", "").split(",") if i]
        if len(ids) > 50:
            raise google_error(400, "invalidParameter", "At most 50 video ids per request.")
        with self.state.lock:
            if ids:
                found = [self.state.yt_videos[i] for i in ids if i in self.state.yt_videos]
            elif request.args.get("myRating") or request.args.get("chart"):
                found = []
            else:
                raise google_error(
                    400,
                    "missingRequiredParameter",
                    "No filter selected. Expected one of: id, chart, myRating",
                )
        visible = [
            v
            for v in found
            if v.state != "deleted" and (v.channel_id == channel or v.privacy == "public")
        ]
        items = [self._video_doc(v, parts, now) for v in visible]
        return json_response(self._page(request, items, "youtube#videoListResponse", default=5))

    def _page(
        self, request: Request, items: list[dict[str, Any]], kind: str, default: int
    ) -> dict[str, Any]:
        size = max(0, min(50, int(request.args.get("maxResults") or default)))
        token = request.args.get("pageToken", "")
        start = int(base64.urlsafe_b64decode(token + "==").decode()) if token else 0
        chunk = items[start : start + size] if "id" not in request.args else items
        body: dict[str, Any] = {"kind": kind, "etag": _etag(chunk)}
        if "id" not in request.args and start + size < len(items):
            body["nextPageToken"] = (
                base64.urlsafe_b64encode(str(start + size).encode()).decode().rstrip("=")
            )
        if "id" not in request.args and start > 0:
            body["prevPageToken"] = (
                base64.urlsafe_b64encode(str(max(0, start - size)).encode()).decode().rstrip("=")
            )
        body["items"] = chunk
        body["pageInfo"] = {
            "totalResults": len(items),
            "resultsPerPage": len(chunk) if "id" in request.args else size,
        }
        return body

    def _update(self, request: Request, channel: str, now: datetime) -> Response:
        body = request.get_json(silent=True) or {}
        video = self._owned(body.get("id", ""), channel)
        parts = set(request.args["part"].split(","))
        meta = self._metadata({k: v for k, v in body.items() if k in parts}, now, video)
        with self.state.lock:
            for key, value in meta.items():
                setattr(video, key, value)
            if video.publish_at and video.privacy == "private" and video.state != "published":
                video.state = "scheduled"
                self.state.note_scheduled(video.publish_at)
            elif video.privacy != "private" and video.state != "published":
                video.state, video.published_at, video.publish_at = "published", now, None
            elif video.privacy == "private" and video.state == "published":
                video.state = "private"
        return json_response(self._video_doc(video, parts, now))

    def _delete(self, request: Request, channel: str, now: datetime) -> Response:
        video = self._owned(request.args.get("id", ""), channel)
        with self.state.lock:
            video.state = "deleted"
        return Response(b"", 204)

    def _thumbnail(self, request: Request, channel: str, now: datetime) -> Response:
        video = self._owned(request.args.get("videoId", ""), channel)
        if not request.get_data():
            raise google_error(
                400, "mediaBodyRequired", "The request does not include the image content."
            )
        with self.state.lock:
            video.thumbnail = True
        url = f"https://i.ytimg.com/vi/{video.id}/default.jpg"
        return json_response(
            {
                "kind": "youtube#thumbnailSetResponse",
                "etag": _etag(video.id),
                "items": [{"default": {"url": url, "width": 120, "height": 90}}],
            }
        )

    # ---- channels and playlists

    def _channels_list(self, request: Request, channel: str, now: datetime) -> Response:
        parts = set(request.args["part"].split(","))
        if request.args.get("mine", "").lower() == "true":
            ids = [channel]
        else:
            ids = [i for i in request.args.get("id", "").split(",") if i in self.state.channels]
        items = []
        for cid in ids:
            c = self.state.channels[cid]
            doc: dict[str, Any] = {"kind": "youtube#channel", "etag": _etag(cid), "id": cid}
            if "snippet" in parts:
                doc["snippet"] = {
                    "title": c.title,
                    "description": "",
                    "customUrl": "@" + cid.lower(),
                    "publishedAt": "2020-01-01T00:00:00Z",
                    "country": "VN",
                }
            if "contentDetails" in parts:
                doc["contentDetails"] = {
                    "relatedPlaylists": {"likes": "", "uploads": c.uploads_playlist}
                }
            if "statistics" in parts:
                with self.state.lock:
                    mine = [
                        v
                        for v in self.state.yt_videos.values()
                        if v.channel_id == cid and v.state != "deleted"
                    ]
                lives = [self.lifetime(v, now) for v in mine]
                doc["statistics"] = {
                    "viewCount": str(sum(x["views"] for x in lives)),
                    "subscriberCount": str(c.subscribers + sum(x["subscribers"] for x in lives)),
                    "hiddenSubscriberCount": False,
                    "videoCount": str(len(mine)),
                }
            items.append(doc)
        return json_response(self._page(request, items, "youtube#channelListResponse", default=5))

    def _playlist(self, playlist_id: str) -> Playlist:
        playlist = self.state.playlists.get(playlist_id)
        if playlist is None:
            raise _bad(
                "playlistNotFound",
                "The playlist identified with the request's playlistId parameter cannot be found.",
                404,
                domain="youtube.playlistItem",
            )
        return playlist

    def _item_doc(
        self, playlist: Playlist, index: int, entry: dict[str, Any], parts: set[str]
    ) -> dict[str, Any]:
        video = self.state.yt_videos.get(entry["videoId"])
        item_id = entry["id"]
        doc: dict[str, Any] = {
            "kind": "youtube#playlistItem",
            "etag": _etag(item_id),
            "id": item_id,
        }
        if "snippet" in parts:
            doc["snippet"] = {
                "publishedAt": rfc3339(entry["at"]),
                "channelId": playlist.channel_id,
                "title": video.title if video else "Deleted video",
                "description": video.description if video else "",
                "playlistId": playlist.id,
                "position": index,
                "resourceId": {"kind": "youtube#video", "videoId": entry["videoId"]},
            }
        if "contentDetails" in parts:
            doc["contentDetails"] = {"videoId": entry["videoId"]}
            if video and video.published_at:
                doc["contentDetails"]["videoPublishedAt"] = rfc3339(video.published_at)
        if "status" in parts:
            doc["status"] = {"privacyStatus": video.privacy if video else "private"}
        return doc

    def _entry(self, playlist: Playlist, video_id: str, now: datetime) -> dict[str, Any]:
        """A playlist entry; its id is unique even when the same video is added twice, as a
        real playlist item's is (a duplicate can then be deleted on its own)."""
        seq = next(self._item_seq)
        item_id = base64.urlsafe_b64encode(f"{playlist.id}.{video_id}.{seq}".encode()).decode()
        return {"id": item_id, "videoId": video_id, "at": now}

    def _items_list(self, request: Request, channel: str, now: datetime) -> Response:
        # Filters as documented for playlistItems.list (developers.google.com/youtube/v3/docs/
        # playlistItems/list): `id` (item ids) or `playlistId`, which `videoId` narrows.
        parts = set(request.args["part"].split(","))
        wanted_ids = {i for i in request.args.get("id", "").split(",") if i}
        if wanted_ids:
            playlists = list(self.state.playlists.values())
        else:
            playlists = [self._playlist(request.args.get("playlistId", ""))]
        video_filter = "" if wanted_ids else request.args.get("videoId", "")
        lag = 0 if wanted_ids else self.listing_lag()  # reads by id see it at once
        newest = now - timedelta(milliseconds=lag)
        items: list[dict[str, Any]] = []
        with self.state.lock:
            for playlist in playlists:
                entries = [
                    e
                    for e in playlist.items
                    if self.state.yt_videos.get(e["videoId"]) is not None
                    and self.state.yt_videos[e["videoId"]].state != "deleted"
                    and (not lag or e["at"] <= newest)
                ]
                items += [
                    self._item_doc(playlist, i, e, parts)
                    for i, e in enumerate(entries)
                    if (not wanted_ids or e["id"] in wanted_ids)
                    and (not video_filter or e["videoId"] == video_filter)
                ]
        return json_response(
            self._page(request, items, "youtube#playlistItemListResponse", default=5)
        )

    def _items_insert(self, request: Request, channel: str, now: datetime) -> Response:
        body = request.get_json(silent=True) or {}
        snippet = body.get("snippet") or {}
        playlist = self._playlist(snippet.get("playlistId", ""))
        if playlist.channel_id != channel:
            raise google_error(
                403,
                "playlistItemsNotAccessible",
                "The request is not properly authorized to insert the playlist item.",
                domain="youtube.playlistItem",
            )
        video_id = (snippet.get("resourceId") or {}).get("videoId", "")
        if video_id not in self.state.yt_videos:
            raise _bad(
                "videoNotFound",
                "The video that you are trying to add cannot be found.",
                404,
                domain="youtube.playlistItem",
            )
        with self.state.lock:
            position = snippet.get("position", len(playlist.items))
            entry = self._entry(playlist, video_id, now)
            playlist.items.insert(int(position), entry)
            index = playlist.items.index(entry)
        parts = set(request.args["part"].split(","))
        return json_response(self._item_doc(playlist, index, entry, parts))

    def _items_delete(self, request: Request, channel: str, now: datetime) -> Response:
        """playlistItems.delete: 204 and no body, as for every YouTube delete."""
        item_id = request.args.get("id", "")
        with self.state.lock:
            for playlist in self.state.playlists.values():
                for entry in playlist.items:
                    if entry["id"] != item_id:
                        continue
                    if playlist.channel_id != channel:
                        raise google_error(
                            403,
                            "playlistItemsNotAccessible",
                            "The request is not properly authorized to delete the playlist item.",
                            domain="youtube.playlistItem",
                        )
                    playlist.items.remove(entry)
                    return Response(b"", 204)
        raise _bad(
            "playlistItemNotFound",
            "The playlist item identified with the request's id parameter cannot be found.",
            404,
            domain="youtube.playlistItem",
        )


def _multipart(request: Request) -> tuple[dict[str, Any], bytes]:
    """The JSON metadata and the media bytes of a `multipart/related` upload."""
    raw = b"Content-Type: " + request.headers.get("Content-Type", "").encode() + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(raw + request.get_data())
    parts = list(message.iter_parts())
    if len(parts) != 2:
        raise google_error(400, "badContent", "A multipart upload needs metadata and media.")
    head, media = parts[0].get_payload(decode=True), parts[1].get_payload(decode=True)
    if not isinstance(head, bytes) or not isinstance(media, bytes):
        raise google_error(400, "badContent", "A multipart upload needs metadata and media.")
    meta = json.loads(head or b"{}")
    return meta, media
