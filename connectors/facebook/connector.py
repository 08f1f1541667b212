"""The Facebook Pages connector: publishing, native scheduling, reconciliation and insights."""

import logging
import mimetypes
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

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
    ProgressCallback,
    Publisher,
    PublishRequest,
    PublishResult,
    ReconcileProbe,
    ReconcileResult,
    Rejected,
    TokenHealth,
    UploadSessionCallback,
)
from connectors.facebook import insights
from connectors.facebook.errors import PLATFORM
from connectors.facebook.graph import Graph, make_session
from connectors.facebook.session import GraphSession
from connectors.facebook.timefmt import parse_time, unix
from connectors.facebook.video import (
    AppUploadRefused,
    publish_video,
    upload_file,
    upload_reel,
    upload_video,
)
from connectors.metric_map import METRICS, MetricSpec, current

log = logging.getLogger(__name__)

# Native scheduling window (Graph Pages "scheduled_publish_time": 10 minutes to 30 days ahead).
MIN_SCHEDULE_AHEAD = timedelta(minutes=10)
MAX_SCHEDULE_AHEAD = timedelta(days=30)
# `pages_read_user_content`: decided from Meta's documentation, not only the one third-party
# probe on v25 that saw comment counts refused without it. The Page Public Content Access
# reference (developers.facebook.com/docs/features-reference/page-public-content-access) names
# pages_read_engagement *and* pages_read_user_content as the permissions through which an app
# reads a Page's posts and public comments, and comments are user content; Loa reads
# `comments.summary` on its own Pages, so it asks for it. Without it, comment counts are
# reported unavailable (insights.object_metrics) instead of failing the other metrics.
REQUIRED_SCOPES = (
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_read_user_content",
    "read_insights",
    "publish_video",
)
RECONCILE_MAX_PAGES = 20  # of 100 items each; beyond that the search is reported incomplete
RECONCILE_SLACK = timedelta(minutes=2)  # clocks of Loa and the platform differ a little
_POST_FIELDS = "id,message,created_time,is_published,scheduled_publish_time,permalink_url"
_PHOTO_FIELDS = "id,post_id,name,alt_text_custom,created_time,published"
_VIDEO_FIELDS = (
    "id,title,description,created_time,published,scheduled_publish_time,permalink_url,post_id"
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def photo_alt_text(request: PublishRequest) -> str:
    """A photo's alt text: its title, then the publication's marker in brackets.

    Reconciliation finds a photo by this marker whatever its caption says, or if it has none:
    a caption edited after an unknown outcome, or a photo posted without one, is still told
    apart from the Page's other photos. (Graph Photo `alt_text_custom`, settable on upload.)
    """
    title = nfc(request.title)
    return f"{title} [{request.marker}]" if title else f"[{request.marker}]"


class FacebookConnector(Publisher, MetricsSource):
    platform = PLATFORM

    def __init__(
        self,
        config: ConnectorConfig,
        clock: Callable[[], datetime] | None = None,
        metrics: Sequence[MetricSpec] = METRICS,
    ) -> None:
        self.config = config
        self.metrics = tuple(metrics)  # the metric map: which Graph metric feeds which measure
        self._clock = clock or (lambda: datetime.now(UTC))
        self._local = threading.local()
        self._retired_lock = threading.Lock()
        self.retired: set[str] = set()  # metrics this connector learnt the platform refuses

    # -- plumbing -----------------------------------------------------------------------------

    def _session(self, video: bool = False) -> GraphSession:
        name = "video" if video else "graph"
        session = getattr(self._local, name, None)
        if session is None:
            session = make_session(self.config, video=video)
            setattr(self._local, name, session)
        return session

    def graph(self, creds: Credentials | None, video: bool = False) -> Graph:
        token = creds.secret if creds else None
        return Graph(self._session(video), token, self.config.facebook_api_version)

    def _now(self) -> datetime:
        return self._clock()

    def _trace(self) -> str:
        return str(self._session().last_headers.get("x-fb-trace-id", ""))

    # -- Publisher ----------------------------------------------------------------------------

    def publish(
        self,
        creds: Credentials,
        request: PublishRequest,
        progress: ProgressCallback | None = None,
        *,
        on_session: UploadSessionCallback | None = None,  # Graph's sessions are not kept
    ) -> PublishResult:
        page = request.account_id or creds.account_id
        schedule: dict[str, str] = {}
        if request.publish_at is not None:
            ahead = request.publish_at - self._now()
            if not MIN_SCHEDULE_AHEAD <= ahead <= MAX_SCHEDULE_AHEAD:
                raise Rejected(
                    "Facebook schedules posts 10 minutes to 30 days ahead; this one is "
                    f"{ahead.total_seconds() / 60:.0f} minutes ahead",
                    platform=PLATFORM,
                )
            schedule = {
                "published": "false",
                "scheduled_publish_time": str(unix(request.publish_at)),
            }
        message = nfc(request.message)
        graph = self.graph(creds)
        if request.kind in (ContentKind.POST, ContentKind.LINK):
            data: dict[str, str] = {"message": message, **schedule}
            if request.link:
                data["link"] = request.link
            answer = graph.request("POST", f"{page}/feed", post_args=data, creating=True)
            external_id = str(answer["id"])
        elif request.kind == ContentKind.PHOTO:
            path = self._media(request)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            photo_args = {"message": message, **schedule}
            if request.marker:  # found again by it, caption or none, edited or not
                photo_args["alt_text_custom"] = photo_alt_text(request)
            with path.open("rb") as fh:
                answer = graph.request(
                    "POST",
                    f"{page}/photos",
                    post_args=photo_args,
                    files={"source": (path.name, fh, mime)},
                    creating=True,
                )
            external_id = str(answer.get("post_id") or answer["id"])
        else:
            path = self._media(request)
            finish = {"title": nfc(request.title), "description": message, **schedule}
            external_id = self._video(creds, page, request, path, finish, progress)
        scheduled = request.publish_at if schedule else None
        return PublishResult(
            external_id=external_id,
            published_at=None if scheduled else self._now(),
            permalink=f"https://www.facebook.com/reel/{external_id}" if request.reel else "",
            scheduled_for=scheduled,
            trace_id=self._trace(),
        )

    def _video(
        self,
        creds: Credentials,
        page: str,
        request: PublishRequest,
        path: Any,
        finish: dict[str, str],
        progress: ProgressCallback | None,
    ) -> str:
        """A vertical clip marked as a Reel goes through the Reels API; a Page video through the
        Resumable Upload API (it needs the app id), or the legacy chunked flow without one."""
        if request.reel:
            hosts = frozenset(h for h in (urlparse(self.config.facebook_graph_url).hostname,) if h)
            args = {k: v for k, v in finish.items() if k != "published"}
            return upload_reel(self.graph(creds), page, path, args, progress, allowed_hosts=hosts)
        if self.config.facebook_app_id:
            graph = self.graph(creds)
            try:
                handle = upload_file(graph, self.config.facebook_app_id, path, progress)
            except AppUploadRefused as exc:
                # Meta's upload guide asks for a User token of an app admin or developer; Loa
                # holds Page tokens. Nothing exists yet, so the documented legacy flow is safe.
                log.warning("app upload refused (%s); using the chunked Page upload", exc)
            else:
                return publish_video(graph, page, handle, finish)
        return upload_video(self.graph(creds, video=True), page, path, finish, progress)

    @staticmethod
    def _media(request: PublishRequest) -> Any:
        if request.media_path is None or not request.media_path.is_file():
            raise Rejected(f"media file missing: {request.media_path}", platform=PLATFORM)
        return request.media_path

    def reconcile(self, creds: Credentials, probe: ReconcileProbe) -> ReconcileResult:
        page = probe.account_id or creds.account_id
        graph = self.graph(creds)
        lo, hi = probe.window_start - RECONCILE_SLACK, probe.window_end + RECONCILE_SLACK
        text, title = nfc(probe.message), nfc(probe.title)
        edges = ["published_posts", "scheduled_posts"]
        if probe.kind == ContentKind.CLIP:
            # A Reel is listed on its own edge, not with the Page's videos (Reels Publishing
            # API: `GET /{page-id}/video_reels`).
            edges += ["videos", "video_reels"]
        if probe.kind == ContentKind.PHOTO:
            edges.append("photos")  # the marker is in the photo's alt text
        found: list[FoundPost] = []
        carriers: set[str] = set()  # posts that carry a found video: the same object twice
        complete = True
        for edge in edges:
            fields = {
                "videos": _VIDEO_FIELDS,
                "video_reels": _VIDEO_FIELDS,
                "photos": _PHOTO_FIELDS,
            }.get(edge, _POST_FIELDS)
            more = False
            for data, has_more in graph.pages(
                f"{page}/{edge}",
                RECONCILE_MAX_PAGES,
                fields=fields,
                since=str(unix(lo)),
                until=str(unix(hi)),
                limit="100",
            ):
                for item in data:
                    if edge == "photos":
                        # A photo is answered by the post that carries it, as `publish` does.
                        item = {**item, "id": item.get("post_id") or item.get("id")}
                    hit = self._match(item, text, title, probe.marker, lo, hi)
                    same = [f for f in found if hit and f.external_id == hit.external_id]
                    if hit and same and hit.matched_on == "marker":
                        found[found.index(same[0])] = hit  # the marker is the stronger proof
                    elif hit and not same:
                        found.append(hit)
                        if edge in ("videos", "video_reels") and item.get("post_id"):
                            carriers.add(str(item["post_id"]))
                more = has_more
            complete = complete and not more
        # A Page video is answered by its video id, as `publish` returns it.
        found = [f for f in found if f.external_id not in carriers]
        searched = (
            f"page {page}: {', '.join(edges)} created {lo.isoformat()} to {hi.isoformat()}"
            + ("" if complete else " (listing truncated)")
        )
        return ReconcileResult(found=tuple(found), complete=complete, searched=searched)

    @staticmethod
    def _match(
        item: dict[str, Any], text: str, title: str, marker: str, lo: datetime, hi: datetime
    ) -> FoundPost | None:
        created = parse_time(item.get("created_time"))
        if created is not None and not lo <= created <= hi:
            return None
        body = nfc(item.get("message") or item.get("description") or "")
        if marker and (marker in body or marker in str(item.get("alt_text_custom") or "")):
            matched = "marker"
        elif text and body == text:
            matched = "text"
        elif title and nfc(item.get("title") or "") == title:
            matched = "title"
        else:
            return None
        return _found(item, matched)

    def cancel_scheduled(self, creds: Credentials, external_id: str) -> None:
        self.graph(creds).delete(external_id)

    def status(self, creds: Credentials, external_id: str) -> FoundPost | None:
        fields = _POST_FIELDS if "_" in external_id else _VIDEO_FIELDS
        try:
            item = self.graph(creds).get(external_id, fields=fields)
        except Rejected as exc:
            if exc.code == "100":  # subcode 33: the object does not exist (or was deleted)
                return None
            raise
        return _found(item, "id") if isinstance(item, dict) else None

    def check_token(self, creds: Credentials) -> TokenHealth:
        token = creds.secret.reveal()
        secret = self.config.facebook_app_secret
        access = (
            f"{self.config.facebook_app_id}|{secret.reveal()}"
            if self.config.facebook_app_id and secret
            else token
        )
        try:
            answer = self.graph(None).get("debug_token", input_token=token, access_token=access)
        except AuthError as exc:
            return TokenHealth(valid=False, expires_at=None, scopes=(), detail=exc.message)
        data = answer.get("data", {}) if isinstance(answer, dict) else {}
        scopes = tuple(str(s) for s in data.get("scopes", []))
        valid = bool(data.get("is_valid"))
        detail = ""
        if not valid:
            detail = str(data.get("error", {}).get("message", "token is not valid"))
        return TokenHealth(
            valid=valid,
            expires_at=parse_time(data.get("expires_at")),  # 0: never expires (Page tokens)
            scopes=scopes,
            missing_scopes=tuple(s for s in REQUIRED_SCOPES if s not in scopes),
            detail=detail,
        )

    # -- MetricsSource -------------------------------------------------------------------------

    def _specs(self, level: str) -> list[MetricSpec]:
        with self._retired_lock:
            retired = set(self.retired)
        return current(PLATFORM, level, self._now().date(), exclude=retired, table=self.metrics)

    def _remember(self, dropped: Sequence[str]) -> None:
        with self._retired_lock:
            self.retired.update(dropped)

    def object_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[ObjectMetrics]:
        """Posts by their ids; a Page video (a bare id) through the post that carries it."""
        graph = self.graph(creds)
        posts = [i for i in external_ids if "_" in i]
        via_post: dict[str, str] = {}  # post id -> video id
        videos = [i for i in external_ids if "_" not in i]
        # A Page video's `post_id` (the post carrying it, PAGEID_POSTID) is asked at every pull,
        # not kept from the upload: Page-publishing code in the wild reads it with
        # `GET /{video-id}?fields=post_id` and polls for it, as it can appear only once the
        # video is processed. A video without one yet is measured at a later pull.
        # A Reel (permalink `/reel/{id}/`) reports through `/video_insights` instead.
        reels: list[str] = []
        for i in range(0, len(videos), insights.BATCH):
            answer = graph.get(
                "", ids=",".join(videos[i : i + insights.BATCH]), fields="post_id,permalink_url"
            )
            for vid, node in (answer if isinstance(answer, dict) else {}).items():
                if isinstance(node, dict) and "/reel/" in str(node.get("permalink_url", "")):
                    reels.append(str(vid))
                elif isinstance(node, dict) and node.get("post_id"):
                    via_post[str(node["post_id"])] = str(vid)
        out: list[ObjectMetrics] = []
        if reels:
            rows, dropped = insights.reel_metrics(graph, reels, self._specs("reel"), self._now())
            self._remember(dropped)
            out += rows
        ids = posts + [p for p in via_post if p not in posts]
        if not ids:
            return out
        rows, dropped = insights.object_metrics(graph, ids, self._specs("post"), self._now())
        self._remember(dropped)
        return out + [
            replace(r, external_id=via_post.get(r.external_id, r.external_id)) for r in rows
        ]

    def account_daily(self, creds: Credentials, since: date, until: date) -> list[DailyMetric]:
        rows, dropped = insights.page_daily(
            self.graph(creds), creds.account_id, since, until, self._specs("page")
        )
        self._remember(dropped)
        return rows

    def audience(self, creds: Credentials, since: date, until: date) -> list[AudienceShare]:
        # Meta retired page_fans_gender_age (2024-03-14) with no replacement by gender and age.
        return []


def _found(item: dict[str, Any], matched: str) -> FoundPost:
    scheduled = parse_time(item.get("scheduled_publish_time"))
    published_flag = item.get("is_published", item.get("published", True))
    created = parse_time(item.get("created_time"))
    return FoundPost(
        external_id=str(item.get("id", "")),
        created_at=created,
        published_at=created if published_flag and not scheduled else None,
        scheduled_for=scheduled if not published_flag else None,
        matched_on=matched,
        permalink=str(item.get("permalink_url", "")),
    )
