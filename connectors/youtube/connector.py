"""The YouTube connector: resumable uploads, publishAt scheduling, reconciliation by tag,
statistics, Analytics, and a quota ledger consulted before every Data API call."""

import hashlib
import json
import logging
import mimetypes
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from googleapiclient.http import MediaFileUpload

from connectors.base import (
    AudienceShare,
    AuthError,
    ConnectorConfig,
    ContentKind,
    Credentials,
    DailyMetric,
    FoundPost,
    MetricsSource,
    ObjectMetrics,
    PermissionDenied,
    PlatformError,
    ProgressCallback,
    Publisher,
    PublishRequest,
    PublishResult,
    QuotaExhausted,
    ReconcileProbe,
    ReconcileResult,
    Rejected,
    Secret,
    TokenHealth,
    UploadSessionCallback,
    UploadState,
)
from connectors.metric_map import current
from connectors.youtube.client import SCOPES, HttpFactory, authorized_http, services
from connectors.youtube.errors import PLATFORM, map_any
from connectors.youtube.quota import MemoryQuotaStore, QuotaLedger, QuotaStore
from connectors.youtube.upload import session_status, upload

log = logging.getLogger(__name__)

CHUNK_ALIGN = 256 * 1024  # every chunk but the last must be a multiple of 256 KiB
BATCH = 50  # ids per videos.list
RECONCILE_MAX_PAGES = 10  # of 50 uploads each
RECONCILE_SLACK = timedelta(minutes=2)
MARKER_PREFIX = "loa-"
CATEGORY_NONPROFITS = "29"  # "Nonprofits & Activism"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def marker_tag(marker: str) -> str:
    return f"{MARKER_PREFIX}{marker}"


def rfc3339(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the YouTube API")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class _Clients:
    youtube: Any
    analytics: Any
    quota_account: str
    http: Any  # the authorised transport, for the upload session's status query


class YouTubeConnector(Publisher, MetricsSource):
    platform = PLATFORM

    def __init__(
        self,
        config: ConnectorConfig,
        quota: QuotaStore | None = None,
        clock: Callable[[], datetime] | None = None,
        *,
        http_factory: HttpFactory | None = None,
        daily_units: int = 10_000,
        daily_uploads: int = 100,
        chunk_retries: int = 2,
    ) -> None:
        self.config = config
        self.ledger = QuotaLedger(quota or MemoryQuotaStore(), daily_units, daily_uploads)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._http_factory = http_factory or (lambda secret: authorized_http(secret, config))
        self._local = threading.local()  # httplib2 connections are not thread-safe
        self.chunk_retries = chunk_retries

    # -- plumbing -----------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self._clock()

    def clients(self, creds: Credentials) -> _Clients:
        key = hashlib.sha256(creds.secret.reveal().encode()).hexdigest()
        cache: dict[str, _Clients] = self._local.__dict__.setdefault("clients", {})
        if key not in cache:
            http = self._http_factory(creds.secret)
            youtube, analytics = services(http, self.config)
            cache[key] = _Clients(youtube, analytics, _quota_account(creds.secret), http)
        return cache[key]

    def _execute(
        self, clients: _Clients, method: str | None, request: Any, *, creating: bool = False
    ) -> Any:
        """Books the quota, then executes; raises only taxonomy errors."""
        now = self._now()
        if method is not None:
            self.ledger.spend(clients.quota_account, method, now)
        try:
            return request.execute(num_retries=0)
        except Exception as exc:
            raise self._mapped(exc, clients, creating=creating) from None

    def _mapped(self, exc: Exception, clients: _Clients, *, creating: bool) -> PlatformError:
        now = self._now()
        mapped = map_any(exc, creating=creating, now=now)
        if mapped is None:
            raise exc
        if isinstance(mapped, QuotaExhausted):
            self.ledger.exhaust(clients.quota_account, mapped.bucket, now)
        return mapped

    # -- Publisher ----------------------------------------------------------------------------

    def publish(
        self,
        creds: Credentials,
        request: PublishRequest,
        progress: ProgressCallback | None = None,
        *,
        on_session: UploadSessionCallback | None = None,
    ) -> PublishResult:
        if request.kind != ContentKind.CLIP:
            raise Rejected(f"YouTube takes clips only, not {request.kind}", platform=PLATFORM)
        if request.media_path is None or not request.media_path.is_file():
            raise Rejected(f"media file missing: {request.media_path}", platform=PLATFORM)
        now = self._now()
        status: dict[str, Any] = {"selfDeclaredMadeForKids": request.made_for_kids}
        if request.publish_at is not None:
            if request.publish_at <= now:
                raise Rejected("publishAt must lie in the future", platform=PLATFORM)
            status.update(privacyStatus="private", publishAt=rfc3339(request.publish_at))
        else:
            status["privacyStatus"] = request.privacy or "public"
        tags = [nfc(t) for t in request.tags]
        if request.marker:
            tags.append(marker_tag(request.marker))
        body = {
            "snippet": {
                "title": nfc(request.title),
                "description": nfc(request.message),
                "tags": tags,
                "categoryId": CATEGORY_NONPROFITS,
            },
            "status": status,
        }
        clients = self.clients(creds)
        self.ledger.spend(clients.quota_account, "videos.insert", now)
        chunk = max(CHUNK_ALIGN, self.config.upload_chunk_bytes // CHUNK_ALIGN * CHUNK_ALIGN)
        mime = mimetypes.guess_type(request.media_path.name)[0] or "video/*"
        media = MediaFileUpload(
            str(request.media_path), mimetype=mime, chunksize=chunk, resumable=True
        )
        insert = clients.youtube.videos().insert(
            part="snippet,status", body=body, media_body=media, notifySubscribers=True
        )
        total = request.media_path.stat().st_size
        if progress:
            progress(0, total)
        try:
            response = upload(
                insert,
                total,
                retries=self.chunk_retries,
                now=self._now,
                progress=progress,
                on_session=on_session,
            )
        except QuotaExhausted as exc:
            self.ledger.exhaust(clients.quota_account, exc.bucket, self._now())
            raise
        if progress:
            progress(total, total)
        video_id = str(response["id"])
        self._after_upload(clients, video_id, request)
        scheduled = request.publish_at
        locked = locked_private(request, response)
        return PublishResult(
            external_id=video_id,
            published_at=None if scheduled or locked else self._now(),
            permalink=f"https://www.youtube.com/watch?v={video_id}",
            scheduled_for=None if locked else scheduled,
            restricted=locked,
        )

    def complete(self, creds: Credentials, request: PublishRequest, external_id: str) -> None:
        """An adopted clip still joins its playlist (unless it is there) and gets its thumbnail."""
        try:
            clients = self.clients(creds)
        except PlatformError as exc:
            log.warning("video %s found, but could not be finished: %s", external_id, exc.message)
            return
        self._after_upload(clients, external_id, request, adopted=True)

    def _after_upload(
        self, clients: _Clients, video_id: str, request: PublishRequest, *, adopted: bool = False
    ) -> None:
        # The video exists now: a failure here must not fail the publication (a retry would
        # upload it twice), so it is logged for the operator instead.
        steps: list[tuple[str, Callable[[], Any]]] = []
        if request.playlist_id:
            playlist = request.playlist_id
            steps.append(
                (
                    "playlistItems.insert",
                    lambda: self._add_to_playlist(clients, playlist, video_id, adopted=adopted),
                )
            )
        if request.thumbnail_path is not None and request.thumbnail_path.is_file():
            thumb = str(request.thumbnail_path)
            steps.append(
                (
                    "thumbnails.set",
                    lambda: self._execute(
                        clients,
                        "thumbnails.set",
                        clients.youtube.thumbnails().set(
                            videoId=video_id,
                            media_body=MediaFileUpload(
                                thumb, mimetype=mimetypes.guess_type(thumb)[0] or "image/jpeg"
                            ),
                        ),
                    ),
                )
            )
        for method, step in steps:
            try:
                step()
            except PlatformError as exc:
                log.warning("video %s uploaded, but %s failed: %s", video_id, method, exc.message)

    def _add_to_playlist(
        self, clients: _Clients, playlist_id: str, video_id: str, *, adopted: bool = False
    ) -> None:
        """Adds the clip to the playlist once.

        httplib2 re-sends a request by itself when the connection drops before the answer (a
        stale-connection retry in `Http._conn_request`, whatever its RETRIES), so an insert the
        platform already took can be taken twice, and the client never knows. The clip's entries
        are therefore listed after the insert (1 unit) and any beyond the first deleted. An
        adopted clip may have joined before its answer was lost: it is looked for first.
        """
        if adopted and self._drop_repeats(clients, playlist_id, video_id):
            return
        try:
            self._execute(
                clients,
                "playlistItems.insert",
                clients.youtube.playlistItems().insert(
                    part="snippet",
                    body={
                        "snippet": {
                            "playlistId": playlist_id,
                            "resourceId": {"kind": "youtube#video", "videoId": video_id},
                        }
                    },
                ),
            )
        finally:
            # Also after a failed insert: a dropped answer may hide one or two that were taken.
            self._drop_repeats(clients, playlist_id, video_id)

    def _drop_repeats(self, clients: _Clients, playlist_id: str, video_id: str) -> bool:
        """Deletes the clip's playlist entries beyond the first; whether it has one."""
        listed = self._execute(
            clients,
            "playlistItems.list",
            # `videoId` narrows a playlist's items to one video (playlistItems.list reference).
            clients.youtube.playlistItems().list(
                part="id", playlistId=playlist_id, videoId=video_id, maxResults=50
            ),
        )
        items = listed.get("items") or []
        for item in items[1:]:
            log.warning(
                "video %s was added to playlist %s twice; removing one", video_id, playlist_id
            )
            self._execute(
                clients,
                "playlistItems.delete",
                clients.youtube.playlistItems().delete(id=str(item["id"])),
            )
        return bool(items)

    def reconcile(self, creds: Credentials, probe: ReconcileProbe) -> ReconcileResult:
        clients = self.clients(creds)
        lo, hi = probe.window_start - RECONCILE_SLACK, probe.window_end + RECONCILE_SLACK
        mine = self._execute(
            clients,
            "channels.list",
            clients.youtube.channels().list(part="contentDetails", mine=True),
        )
        items = mine.get("items") or []
        if not items:
            return ReconcileResult((), False, "no channel belongs to these credentials")
        uploads = items[0]["contentDetails"]["relatedPlaylists"]["uploads"]
        candidates: list[str] = []
        complete = False
        token: str | None = None
        for _ in range(RECONCILE_MAX_PAGES):
            page = self._execute(
                clients,
                "playlistItems.list",
                clients.youtube.playlistItems().list(
                    part="snippet,contentDetails",
                    playlistId=uploads,
                    maxResults=50,
                    pageToken=token,
                ),
            )
            older = False
            for item in page.get("items", []):
                added = parse_rfc3339(item.get("snippet", {}).get("publishedAt"))
                if added is not None and added < lo:
                    older = True
                    continue
                if added is None or added <= hi:
                    vid = item.get("contentDetails", {}).get("videoId") or item.get(
                        "snippet", {}
                    ).get("resourceId", {}).get("videoId")
                    if vid:
                        candidates.append(str(vid))
            token = page.get("nextPageToken")
            if older or not token:  # uploads come newest first: the window is covered
                complete = True
                break
        found: list[FoundPost] = []
        tag, title = marker_tag(probe.marker) if probe.marker else "", nfc(probe.title)
        for video in self._videos(clients, candidates, "snippet,status"):
            snippet = video.get("snippet", {})
            if tag and tag in (snippet.get("tags") or []):
                found.append(_found(video, "marker"))
            elif not tag and title and nfc(snippet.get("title", "")) == title:
                # Only without a marker: every upload Loa makes carries its marker tag, so a
                # same-title video without ours is another publication's or a manual upload.
                found.append(_found(video, "title"))
        searched = (
            f"channel uploads playlist {uploads}: {len(candidates)} uploads between "
            f"{lo.isoformat()} and {hi.isoformat()}" + ("" if complete else " (listing truncated)")
        )
        return ReconcileResult(tuple(found), complete, searched)

    def _videos(self, clients: _Clients, ids: Sequence[str], part: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in range(0, len(ids), BATCH):
            chunk = ids[i : i + BATCH]
            answer = self._execute(
                clients,
                "videos.list",
                clients.youtube.videos().list(part=part, id=",".join(chunk), maxResults=BATCH),
            )
            out += answer.get("items", [])
        return out

    def cancel_scheduled(self, creds: Credentials, external_id: str) -> None:
        clients = self.clients(creds)
        self._execute(clients, "videos.delete", clients.youtube.videos().delete(id=external_id))

    def upload_status(self, creds: Credentials, session: str, total: int) -> UploadState | None:
        """The upload session's own answer: the video it made, or the bytes it holds."""
        clients = self.clients(creds)
        try:
            answer = session_status(clients.http, session, total)
        except Exception as exc:
            raise self._mapped(exc, clients, creating=False) from None
        if answer is None:
            return None
        if isinstance(answer, int):
            return UploadState(None, answer, total)
        return UploadState(_found(answer, "upload_session"), total, total)

    def status(self, creds: Credentials, external_id: str) -> FoundPost | None:
        videos = self._videos(self.clients(creds), [external_id], "snippet,status")
        return _found(videos[0], "id") if videos else None

    def my_channel_id(self, creds: Credentials) -> str:
        """The id of the channel these credentials act for (`channels.list mine=true`)."""
        clients = self.clients(creds)
        mine = self._execute(
            clients, "channels.list", clients.youtube.channels().list(part="id", mine=True)
        )
        items = mine.get("items") or []
        if not items:
            raise Rejected("no YouTube channel belongs to these credentials", platform=PLATFORM)
        return str(items[0]["id"])

    def check_token(self, creds: Credentials) -> TokenHealth:
        granted = _granted_scopes(creds.secret)
        try:
            clients = self.clients(creds)
            self._execute(
                clients, "channels.list", clients.youtube.channels().list(part="id", mine=True)
            )
        except AuthError as exc:
            return TokenHealth(valid=False, expires_at=None, scopes=granted, detail=exc.message)
        missing = tuple(s.rsplit("/", 1)[-1] for s in SCOPES if granted and s not in granted)
        # A refresh token does not expire on a schedule (only when revoked or unused for months).
        return TokenHealth(valid=True, expires_at=None, scopes=granted, missing_scopes=missing)

    # -- MetricsSource -------------------------------------------------------------------------

    def object_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[ObjectMetrics]:
        """Lifetime statistics (videos.list) plus watch time and shares (Analytics, per video).

        videos.list has no watch time; YouTube Analytics gives it per video with
        `dimensions=video` and `filters=video==a,b,...` summed from the oldest publication day
        (developers.google.com/youtube/analytics/reference/reports/query). Analytics numbers lag
        the statistics by 48-72 hours; the engine dates them accordingly.
        """
        specs = current(PLATFORM, "video", self._now().date())
        now = self._now()
        clients = self.clients(creds)
        videos = self._videos(clients, list(external_ids), "snippet,statistics")
        analytics, unavailable = self._lifetime_analytics(creds, videos, now)
        out = []
        for video in videos:
            stats = video.get("statistics", {})
            values: dict[str, float] = {}
            sources: dict[str, str] = {}
            for spec in specs:
                if spec.name in stats:  # counts arrive as JSON strings
                    values[spec.measure] = float(stats[spec.name]) * spec.scale
                    sources[spec.measure] = spec.name
            # No copy of `views` into `video_views`: since 2026-08-27 a view counts from
            # playback start; `video_views` waits for Analytics' engagedViews instead of
            # switching definitions when they arrive.
            for measure, (value, source) in analytics.get(str(video["id"]), {}).items():
                values[measure] = value
                sources[measure] = source
            out.append(ObjectMetrics(str(video["id"]), now, values, sources, unavailable))
        return out

    def _lifetime_analytics(
        self, creds: Credentials, videos: list[dict[str, Any]], now: datetime
    ) -> tuple[dict[str, dict[str, tuple[float, str]]], tuple[str, ...]]:
        """Per video: measure -> (lifetime value, source metric), for the Analytics-only ones."""
        # Sums only: the average view duration is derived (watch time / views) downstream.
        # `engagedViews` (the pre-2026-08-27 view) is Loa's `video_views`.
        wanted = {"estimatedMinutesWatched", "shares", "engagedViews"}
        specs = [s for s in current(PLATFORM, "channel", now.date()) if s.name in wanted]
        starts = [
            parse_rfc3339(v.get("snippet", {}).get("publishedAt"))
            for v in videos
            if v.get("snippet", {}).get("publishedAt")
        ]
        if not videos or not specs or not starts:
            return {}, ()
        first = min(t for t in starts if t is not None).astimezone(UTC).date()
        try:
            rows = self._report(
                creds,
                ids="channel==MINE",
                startDate=first.isoformat(),
                endDate=now.astimezone(UTC).date().isoformat(),
                metrics=",".join(s.name for s in specs),
                dimensions="video",
                filters="video==" + ",".join(str(v["id"]) for v in videos),
                maxResults=BATCH,
            )
        except (PermissionDenied, Rejected) as exc:
            # Statistics still count; say which measures are missing rather than fail them all.
            log.warning("YouTube Analytics refused per-video metrics: %s", exc.message)
            return {}, tuple(s.measure for s in specs)
        out: dict[str, dict[str, tuple[float, str]]] = {}
        for row in rows:
            per = out.setdefault(str(row.get("video", "")), {})
            for spec in specs:
                if row.get(spec.name) is not None:
                    per[spec.measure] = (float(row[spec.name]) * spec.scale, spec.name)
        return out, ()

    def _report(self, creds: Credentials, **query: Any) -> list[dict[str, Any]]:
        clients = self.clients(creds)
        answer = self._execute(clients, None, clients.analytics.reports().query(**query))
        names = [h["name"] for h in answer.get("columnHeaders", [])]
        return [dict(zip(names, row, strict=False)) for row in answer.get("rows") or []]

    def _daily(
        self, creds: Credentials, since: date, until: date, video_id: str = ""
    ) -> list[DailyMetric]:
        specs = current(PLATFORM, "channel", self._now().date())
        query: dict[str, Any] = {
            "ids": "channel==MINE",
            "startDate": since.isoformat(),
            "endDate": until.isoformat(),
            "metrics": ",".join(s.name for s in specs),
            "dimensions": "day",
            "sort": "day",
        }
        if video_id:
            query["filters"] = f"video=={video_id}"
        out = []
        for row in self._report(creds, **query):
            day = date.fromisoformat(str(row["day"]))
            for spec in specs:
                if row.get(spec.name) is not None:
                    out.append(
                        DailyMetric(
                            creds.account_id,
                            day,
                            spec.measure,
                            float(row[spec.name]) * spec.scale,
                            source_metric=spec.name,
                            external_id=video_id,
                        )
                    )
        return out

    def account_daily(self, creds: Credentials, since: date, until: date) -> list[DailyMetric]:
        return self._daily(creds, since, until)

    def video_daily(
        self, creds: Credentials, video_ids: Sequence[str], since: date, until: date
    ) -> list[DailyMetric]:
        """YouTube Analytics per video per day (watch time in hours)."""
        out: list[DailyMetric] = []
        for vid in video_ids:
            out += self._daily(creds, since, until, vid)
        return out

    def audience(self, creds: Credentials, since: date, until: date) -> list[AudienceShare]:
        rows = self._report(
            creds,
            ids="channel==MINE",
            startDate=since.isoformat(),
            endDate=until.isoformat(),
            metrics="viewerPercentage",
            dimensions="ageGroup,gender",
            sort="gender,ageGroup",
        )
        return [
            AudienceShare(
                creds.account_id,
                gender=str(r["gender"]),
                age_group=str(r["ageGroup"]),
                share=float(r["viewerPercentage"]) / 100.0,
            )
            for r in rows
        ]


def locked_private(request: PublishRequest, video: dict[str, Any]) -> str:
    """Why an uploaded video is kept from its audience, or '' when it went as asked.

    Videos inserted through an API project created after 2020-07-28 that has not passed Google's
    audit are locked private whatever `privacyStatus` was asked
    (developers.google.com/youtube/v3/docs/videos/insert). The answer's `status` tells: a video
    asked public or unlisted that comes back private, or a scheduled one whose `publishAt` is gone.
    """
    status = video.get("status") or {}
    asked = "private" if request.publish_at is not None else (request.privacy or "public")
    if status.get("privacyStatus") != "private":
        return ""
    if asked == "private" and (request.publish_at is None or status.get("publishAt")):
        return ""
    return (
        f"YouTube locked video {video.get('id', '')} private: the Google Cloud project Loa "
        "uploads through has not passed YouTube's API audit, so its uploads stay private "
        f"whatever was asked ({asked}{' with publishAt' if request.publish_at else ''}). "
        "Pass the audit (YouTube API Services audit and quota extension form) and make the "
        "video public in YouTube Studio, or upload the clip from YouTube Studio."
    )


def _quota_account(secret: Secret) -> str:
    """Quota belongs to the Google project: the OAuth client id names it."""
    try:
        info = json.loads(secret.reveal())
    except ValueError:
        return "default"
    return str(info.get("client_id") or "default") if isinstance(info, dict) else "default"


def _granted_scopes(secret: Secret) -> tuple[str, ...]:
    try:
        info = json.loads(secret.reveal())
    except ValueError:
        return ()
    scopes = info.get("scopes") if isinstance(info, dict) else None
    if isinstance(scopes, str):
        scopes = scopes.split()
    return tuple(str(s) for s in scopes or ())


def _found(video: dict[str, Any], matched: str) -> FoundPost:
    snippet, status = video.get("snippet", {}), video.get("status", {})
    created = parse_rfc3339(snippet.get("publishedAt"))
    scheduled = parse_rfc3339(status.get("publishAt"))
    # A private video is not out, scheduled or not (unverified API projects' uploads are
    # locked private, so a passed publishAt is no proof).
    private = status.get("privacyStatus") == "private"
    return FoundPost(
        external_id=str(video.get("id", "")),
        created_at=created,
        published_at=None if scheduled or private else created,
        scheduled_for=scheduled,
        matched_on=matched,
        permalink=f"https://www.youtube.com/watch?v={video.get('id', '')}",
    )
