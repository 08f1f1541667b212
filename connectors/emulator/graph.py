"""The Graph API for Pages, under any `vNN.N` version prefix (the real API accepts any valid one).

Wire shapes follow Meta's Pages API docs (developers.facebook.com/docs/pages-api/posts,
/docs/video-api/guides/publishing for the legacy chunked `upload_phase` flow and, in
`graph_video`, the Resumable Upload API and Reels, /docs/graph-api/guides/error-handling).
Message text containing `#policy-block-test` is refused with error 368: an emulator test hook,
since policy blocks cannot be provoked otherwise.

Versions (docs/graph-api/guides/versioning): every answer names the version that served it in
`facebook-api-version`; a version past its end is served as the oldest usable one. A version
newer than any in `connectors.graph_versions` is refused with error 100 (the emulator's choice:
the real answer to a version that does not exist yet is unconfirmed). Tokens may come in an
`Authorization: OAuth <token>` header, as the upload endpoints require.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from connectors.emulator.clock import Clock
from connectors.emulator.graph_format import (
    FieldSpec,
    media_doc,
    paged,
    parse_field_specs,
    parse_fields,
    post_doc,
)
from connectors.emulator.graph_insights import page_insights, post_insights
from connectors.emulator.graph_usage import GraphUsage
from connectors.emulator.graph_video import GraphVideo
from connectors.emulator.platform import Platform
from connectors.emulator.state import FbObject, State, UploadSession
from connectors.emulator.wire import ApiError, graph_error, json_response
from connectors.graph_versions import VERSIONS, normalise, served_as

VERSION = re.compile(r"^v\d{1,2}\.\d{1,2}$")
POLICY_MARKER = "#policy-block-test"
DUPLICATE_WINDOW = timedelta(hours=1)
PAGE_EDGES = {
    "feed",
    "posts",
    "published_posts",
    "scheduled_posts",
    "videos",
    "video_reels",
    "photos",
    "insights",
}
REEL_STATES = {"PUBLISHED": "published", "SCHEDULED": "scheduled", "DRAFT": "unpublished"}
USER_TOKEN_DAYS = 60
MAX_IDS = 50  # ids per `GET /?ids=` (Graph answers error 100 beyond)


@dataclass(frozen=True)
class Who:
    kind: str  # page | user | app
    id: str


@dataclass(frozen=True)
class GraphCall:
    """A Graph request as the router and the fault injector see it."""

    version: str
    parts: tuple[str, ...]
    params: dict[str, str]
    method: str
    page: str | None  # the Page the call concerns, if any
    tags: frozenset[str]


def _truthy(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.lower() not in ("false", "0", "no")


def _parse_time(value: str) -> datetime:
    value = value.strip()
    if re.fullmatch(r"\d+", value):
        return datetime.fromtimestamp(int(value), UTC)
    parsed = datetime.fromisoformat(value.replace("+0000", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Graph:
    def __init__(
        self, state: State, clock: Clock, usage: GraphUsage, platform: Platform | None = None
    ) -> None:
        self.platform = platform or Platform()
        self.state = state
        self.clock = clock
        self.usage = usage
        self.listing_lag: Callable[[], int] = lambda: 0  # ms listings lag behind creates
        self.video = GraphVideo(state)

    # ---- classification (for faults and usage headers)

    def classify(self, request: Request) -> GraphCall:
        parts = tuple(p for p in request.path.split("/") if p)
        version = ""
        if parts and VERSION.match(parts[0]):
            version, parts = parts[0], parts[1:]
        params = {k: v for k, v in request.values.items()}
        auth = request.headers.get("Authorization", "")
        if "access_token" not in params and auth.split(" ", 1)[0] in ("OAuth", "Bearer"):
            params["access_token"] = auth.split(" ", 1)[1].strip()
        method = request.method.upper()
        if method == "POST" and params.get("method", "").lower() == "delete":
            method = "DELETE"
        page = self._page_of(parts, params)
        tags = {"facebook"}
        edge = parts[1] if len(parts) > 1 else ""
        if parts[:1] == ("oauth",) or parts[:1] == ("debug_token",):
            tags.add("token")
        elif edge == "insights" or (
            method == "GET" and "insights" in parse_fields(params.get("fields", ""))
        ):
            tags.update({"insights", "read"})  # the edge, or insights expanded inside fields
        elif method == "GET":
            tags.add("read")
        elif method == "POST" and edge in ("feed", "photos", "videos", "video_reels"):
            phase = params.get("upload_phase", "")
            if edge in ("photos", "videos", "video_reels") and phase != "finish":
                tags.add("upload")
            if phase in ("", "finish") and not (edge == "video_reels" and phase == ""):
                tags.add("publish")
        elif method == "POST" and (
            edge == "uploads"
            or parts[:1] == ("video-upload",)
            or (bool(parts) and parts[0].startswith("upload:"))
        ):
            tags.add("upload")
        if page:
            tags.add(page)
        return GraphCall(version, parts, params, method, page, frozenset(tags))

    def _page_of(self, parts: tuple[str, ...], params: dict[str, str]) -> str | None:
        if parts:
            head = parts[0].split("_", 1)[0]
            if head in self.state.pages:
                return head
            with self.state.lock:
                post = self.state.fb_media.get(parts[0])
            if post:
                return post.split("_", 1)[0]
        token = params.get("access_token", "")
        return self.state.token_to_page.get(token)

    # ---- faults and errors

    def fault(self, kind: str, call: GraphCall, scope: str = "") -> Response:
        now = self.clock.now()
        if kind == "5xx":
            err = graph_error(
                2,
                "An unexpected error has occurred. Please retry your request later.",
                status=503,
                transient=True,
            )
        elif kind == "password_changed":
            err = graph_error(
                190,
                "Error validating access token: The session has been invalidated because the "
                "user changed their password or Facebook has changed the session for security "
                "reasons.",
                subcode=460,
            )
        elif kind == "token_expired":
            err = graph_error(
                190,
                "Error validating access token: Session has expired on "
                f"{now.strftime('%A, %d-%b-%y %H:%M:%S')} PST.",
                subcode=463,
            )
        elif kind in ("rate_limit", "quota"):
            err = self._rate_error(call, injected_scope=scope)
        else:
            raise ValueError(kind)
        return self._with_usage(err.response, call, saturated=kind in ("rate_limit", "quota"))

    def _rate_error(self, call: GraphCall, *, injected_scope: str | None) -> ApiError:
        """Which limit code: the Page's (32 when reached, 80001 when injected for that Page),
        a publishing burst (613), the user's (17) or the app's (4)."""
        if injected_scope is None and self.usage.over(call.page, page_token=self._paged(call)):
            return graph_error(32, "(#32) Page request limit reached")
        if injected_scope and injected_scope == call.page:
            return graph_error(
                80001,
                "(#80001) There have been too many calls to this Page account. Wait a bit and "
                "try again.",
            )
        if injected_scope == "publish":
            return graph_error(613, "(#613) Calls to this api have exceeded the rate limit.")
        if call.params.get("access_token") in self.state.user_tokens:
            return graph_error(17, "(#17) User request limit reached")
        return graph_error(4, "(#4) Application request limit reached")

    def _with_usage(
        self, response: Response, call: GraphCall, *, saturated: bool = False
    ) -> Response:
        for name, value in self.usage.headers(
            self.clock.now(), call.page, saturated=saturated, page_token=self._paged(call)
        ).items():
            response.headers[name] = value
        return response

    # ---- dispatch

    def handle(self, request: Request, call: GraphCall) -> Response:
        now = self.clock.now()
        self.state.settle(now)
        served = ""
        try:
            served = self._served_version(call.version, now)
            if self.usage.over(call.page, page_token=self._paged(call)):
                raise self._rate_error(call, injected_scope=None)
            self.usage.record(now, call.page, page_token=self._paged(call))
            body = self._route(request, call, now)
            response = json_response(body)
        except ApiError as err:
            response = err.response
        if served:
            response.headers["facebook-api-version"] = served
        return self._with_usage(response, call)

    def _paged(self, call: GraphCall) -> bool:
        """Whether the call is made with a Page token (BUC limits) rather than an app or user
        token (platform limits)."""
        return call.params.get("access_token", "") in self.state.token_to_page

    def _served_version(self, version: str, now: datetime) -> str:
        """The version that answers a call made with `version` (see the module docstring)."""
        if not version:
            return ""
        served = served_as(version, now.date())
        if served is not None:
            return served
        newest = max(VERSIONS, key=lambda v: v.released)
        major = int(normalise(version)[1:].split(".")[0])
        if major > int(newest.name[1:].split(".")[0]):
            raise graph_error(100, f"(#100) Unknown Graph API version {version}")
        return served_as(VERSIONS[0].name, now.date()) or newest.name

    def _route(self, request: Request, call: GraphCall, now: datetime) -> Any:
        parts, p, method = call.parts, call.params, call.method
        if parts == ("oauth", "access_token"):
            return self._exchange(p, now)
        if parts == ("debug_token",):
            return self._debug_token(p, now)
        who = self._who(p, now)
        if not parts:
            if method == "GET" and p.get("ids"):
                ids = [i for i in p["ids"].split(",") if i]
                return self._multi(who, ids, parse_field_specs(p.get("fields", "")), now)
            raise graph_error(100, "(#100) Missing ids or path")
        if parts[0] == "me":
            parts = (self.state.user_id if who.kind == "user" else who.id, *parts[1:])
        node = parts[0]
        if parts == (self.state.app_id, "uploads") and method == "POST":
            if who.kind != "user" and self.platform.switches.app_uploads_need_user_token:
                raise graph_error(102, "A user access token is required to request this resource.")
            return self.video.start_upload(node, p)
        if node.startswith("upload:") and len(parts) == 1:
            if method == "GET":
                return self.video.upload_status(node)
            return self.video.upload_bytes(
                node, request.headers.get("file_offset"), request.get_data()
            )
        if node == "video-upload" and len(parts) == 3 and method == "POST":
            return self.video.reel_upload(call.page, parts[2], request.headers, request.get_data())
        if len(parts) == 2 and parts[1] == "video_insights":
            obj = self._object(node)
            self._require_page(who, obj.page_id, read=True)
            metrics = [m for m in p.get("metric", "").split(",") if m]
            return {"data": self.video.insights(obj, metrics, now), "paging": {}}
        if len(parts) == 1:
            return self._node(request, who, node, method, p, now)
        if len(parts) == 2 and parts[1] == "accounts" and node == self.state.user_id:
            return self._accounts(who, p, request.base_url)
        if len(parts) == 2 and node in self.state.pages and parts[1] in PAGE_EDGES:
            return self._page_edge(request, who, node, parts[1], method, p, now)
        if len(parts) == 2 and parts[1] == "insights":
            obj = self._object(node)
            self._require_page(who, obj.page_id, read=True)
            metrics = [m for m in p.get("metric", "").split(",") if m]
            return {"data": post_insights(self.state, obj, metrics, now), "paging": {}}
        raise graph_error(
            100, f"(#100) Tried accessing nonexisting field ({parts[-1]}) on node type ({node})"
        )

    # ---- identity

    def _who(self, p: dict[str, str], now: datetime) -> Who:
        token = p.get("access_token", "")
        if not token:
            raise graph_error(104, "An access token is required to request this resource.")
        if token in self.state.token_to_page:
            return Who("page", self.state.token_to_page[token])
        if token in self.state.user_tokens:
            expires = self.state.user_tokens[token]
            if expires is not None and expires <= now:
                raise graph_error(
                    190, "Error validating access token: Session has expired.", subcode=463
                )
            return Who("user", self.state.user_id)
        if token == f"{self.state.app_id}|{self.state.app_secret}":
            return Who("app", self.state.app_id)
        raise graph_error(
            190, "Error validating access token: Invalid OAuth access token.", subcode=467
        )

    def _require_page(self, who: Who, page: str, *, read: bool = False) -> None:
        """Writes need the Page's own token; reads take it or the user token of an admin."""
        if who.kind == "page" and who.id == page:
            return
        if read and who.kind == "user":
            return
        if read:
            raise graph_error(
                10,
                "(#10) This endpoint requires the 'pages_read_engagement' permission or the "
                "'Page Public Content Access' feature.",
                status=403,
            )
        raise graph_error(
            200,
            "(#200) If posting to a page, requires both pages_read_engagement and "
            "pages_manage_posts as an admin with sufficient administrative permission",
            status=403,
        )

    # ---- OAuth

    def _exchange(self, p: dict[str, str], now: datetime) -> dict[str, Any]:
        if (
            p.get("client_id") != self.state.app_id
            or p.get("client_secret") != self.state.app_secret
        ):
            raise graph_error(1, "Error validating client secret.", type_="OAuthException")
        if p.get("grant_type") != "fb_exchange_token":
            raise graph_error(100, "(#100) Unsupported grant_type")
        short = p.get("fb_exchange_token", "")
        if short not in self.state.user_tokens:
            raise graph_error(
                190, "Error validating access token: Invalid OAuth access token.", subcode=467
            )
        token = self.state.new_token("EAA", 160)
        expires = timedelta(days=USER_TOKEN_DAYS)
        with self.state.lock:
            self.state.user_tokens[token] = now + expires
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(expires.total_seconds()),
        }

    def _debug_token(self, p: dict[str, str], now: datetime) -> dict[str, Any]:
        self._who(p, now)
        token = p.get("input_token", "")
        scopes = [
            "pages_show_list",
            "pages_read_engagement",
            "pages_read_user_content",
            "pages_manage_posts",
            "read_insights",
            "publish_video",
        ]
        data: dict[str, Any] = {"app_id": self.state.app_id, "application": "Loa", "scopes": scopes}
        if token in self.state.token_to_page:
            data.update(
                type="PAGE",
                profile_id=self.state.token_to_page[token],
                is_valid=True,
                expires_at=0,
                data_access_expires_at=int((now + timedelta(days=90)).timestamp()),
                user_id=self.state.user_id,
            )
        elif token in self.state.user_tokens:
            expires = self.state.user_tokens[token]
            data.update(
                type="USER",
                user_id=self.state.user_id,
                is_valid=expires is None or expires > now,
                expires_at=int(expires.timestamp()) if expires else 0,
            )
        else:
            data = {
                "error": {"code": 190, "message": "Invalid OAuth access token."},
                "is_valid": False,
                "scopes": [],
            }
        return {"data": data}

    def _accounts(self, who: Who, p: dict[str, str], url: str) -> dict[str, Any]:
        if who.kind != "user":
            raise graph_error(100, "(#100) Tried accessing nonexisting field (accounts)")
        pages = [
            {
                "id": pg.id,
                "name": pg.name,
                "access_token": pg.access_token,
                "category": "Government organization",
                "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
            }
            for pg in self.state.pages.values()
        ]
        return paged(pages, p, url)

    # ---- nodes

    def _object(self, node: str) -> FbObject:
        with self.state.lock:
            key = node if node in self.state.fb_objects else self.state.fb_media.get(node, "")
            obj = self.state.fb_objects.get(key)
        if obj is None or obj.state in ("deleted", "uploading"):
            raise graph_error(
                100,
                f"Unsupported get request. Object with ID '{node}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation.",
                type_="GraphMethodException",
                subcode=33,
            )
        return obj

    def _render(
        self, who: Who, node: str, obj: FbObject, fields: list[FieldSpec], now: datetime
    ) -> dict[str, Any]:
        if node == obj.media_id:
            return media_doc(self.state, obj, [f.name for f in fields])
        if any(f.name == "comments" for f in fields) and not (
            self.platform.switches.page_user_content_granted
        ):
            raise graph_error(
                10,
                "(#10) This endpoint requires the 'pages_read_user_content' permission or the "
                "'Page Public Content Access' feature.",
                status=403,
            )
        doc = post_doc(self.state, obj, fields, now)
        for spec in fields:
            if spec.name == "insights":
                self._require_page(who, obj.page_id, read=True)
                insights = self._expanded_insights(obj, spec, now)
                if insights["data"]:  # Graph leaves out an edge it has nothing for
                    doc["insights"] = insights
        return doc

    def _expanded_insights(self, obj: FbObject, spec: FieldSpec, now: datetime) -> dict[str, Any]:
        """`insights.metric(a,b)[.period(lifetime)][{sub,fields}]` inside `fields`: the same
        items as the `/{id}/insights` edge, under `data`; a retired or unknown metric fails the
        whole request with error 100, as on the edge."""
        metrics = [m.strip() for m in spec.modifiers.get("metric", "").split(",") if m.strip()]
        data = post_insights(self.state, obj, metrics, now)
        if spec.sub:
            keep = {s.name for s in spec.sub} | {"id"}
            data = [{k: v for k, v in item.items() if k in keep} for item in data]
        return {"data": data}

    def _multi(
        self, who: Who, ids: list[str], fields: list[FieldSpec], now: datetime
    ) -> dict[str, Any]:
        if len(ids) > MAX_IDS:
            raise graph_error(
                100, f"(#100) Too many IDs. Maximum: {MAX_IDS}. Provided: {len(ids)}."
            )
        names = [f.name for f in fields]
        out: dict[str, Any] = {}
        for node in ids:
            if node in self.state.pages:
                out[node] = self._page_doc(node, names)
            else:
                out[node] = self._render(who, node, self._object(node), fields, now)
        return out

    def _page_doc(self, page_id: str, fields: list[str]) -> dict[str, Any]:
        page = self.state.pages[page_id]
        doc = {
            "id": page.id,
            "name": page.name,
            "followers_count": page.followers,
            "link": f"https://www.facebook.com/{page.id}",
        }
        return {k: doc[k] for k in (fields or ["name", "id"]) if k in doc}

    def _node(
        self, request: Request, who: Who, node: str, method: str, p: dict[str, str], now: datetime
    ) -> Any:
        if node in self.state.pages:
            return self._page_doc(node, parse_fields(p.get("fields", "")))
        if node == self.state.user_id:
            return {"id": self.state.user_id, "name": "Cán bộ truyền thông"}
        obj = self._object(node)
        if method == "GET":
            return self._render(who, node, obj, parse_field_specs(p.get("fields", "")), now)
        self._require_page(who, obj.page_id)
        if method == "DELETE":
            with self.state.lock:
                obj.state = "deleted"
            return {"success": True}
        # POST on a node: edit the text, or publish a scheduled post now.
        with self.state.lock:
            if "message" in p:
                obj.message = p["message"]
            if _truthy(p.get("is_published"), False) and obj.state != "published":
                obj.state, obj.published_at, obj.scheduled_for = "published", now, None
            if "scheduled_publish_time" in p and obj.state == "scheduled":
                obj.scheduled_for = self._schedule(p["scheduled_publish_time"], now)
                self.state.note_scheduled(obj.scheduled_for)
        return {"success": True}

    # ---- Page edges

    def _page_edge(
        self,
        request: Request,
        who: Who,
        page: str,
        edge: str,
        method: str,
        p: dict[str, str],
        now: datetime,
    ) -> Any:
        if edge == "insights":
            self._require_page(who, page, read=True)
            metrics = [m for m in p.get("metric", "").split(",") if m]
            data = page_insights(
                self.state,
                page,
                metrics,
                p.get("period", "day"),
                p.get("since", ""),
                p.get("until", ""),
                now,
            )
            return {"data": data, "paging": {}}
        if method == "GET":
            return self._list(page, edge, p, request.base_url, now)
        if method != "POST" or edge not in ("feed", "photos", "videos", "video_reels"):
            raise graph_error(100, f"(#100) Unsupported {method} on /{edge}")
        self._require_page(who, page)
        if edge == "feed":
            return self._post(page, p, now)
        if edge == "photos":
            return self._photo(request, page, p, now)
        if edge == "video_reels":
            return self._reel(request, page, p, now)
        return self._video(request, page, p, now)

    def _reel(
        self, request: Request, page: str, p: dict[str, str], now: datetime
    ) -> dict[str, Any]:
        phase = p.get("upload_phase", "")
        if phase == "start":
            version = request.path.strip("/").split("/", 1)[0]
            return self.video.reel_start(page, self.state.base_url, version)
        if phase != "finish":
            raise graph_error(100, "(#100) upload_phase must be start or finish")
        video_id = p.get("video_id", "")
        state_name = p.get("video_state", "").upper()
        if state_name not in REEL_STATES:
            raise graph_error(100, "(#100) video_state must be PUBLISHED, SCHEDULED or DRAFT")
        timing = dict(p)
        if state_name == "SCHEDULED":
            timing["published"] = "false"
        elif state_name == "DRAFT":
            timing = {"published": "false"}
        else:
            timing.pop("scheduled_publish_time", None)
        size = self.video.reel_finished_upload(page, video_id)
        self._finish(page, video_id, {**timing, "title": p.get("title", "")}, size, now, reel=True)
        return {"success": True}

    def _list(self, page: str, edge: str, p: dict[str, str], url: str, now: datetime) -> Any:
        fields = parse_field_specs(p.get("fields", ""))
        since = _parse_time(p["since"]) if p.get("since") else None
        until = _parse_time(p["until"]) if p.get("until") else None
        objs = self.state.page_posts(page)
        if edge == "scheduled_posts":
            objs = [o for o in objs if o.state == "scheduled"]
        elif edge in ("videos", "photos", "video_reels"):
            kind = "photo" if edge == "photos" else "video"
            objs = [
                o
                for o in objs
                if o.kind == kind
                and o.reel == (edge == "video_reels")
                and o.state in ("published", "scheduled", "unpublished")
            ]
        else:
            objs = [o for o in objs if o.state == "published"]
        lag = self.listing_lag()
        if lag:  # a search right after a create does not see it yet
            objs = [o for o in objs if o.created_at <= now - timedelta(milliseconds=lag)]
        stamp = (
            (lambda o: o.created_at)
            if edge != "feed" and edge != "posts" and edge != "published_posts"
            else (lambda o: o.published_at or o.created_at)
        )
        if since:
            objs = [o for o in objs if stamp(o) >= since]
        if until:
            objs = [o for o in objs if stamp(o) <= until]
        objs.sort(key=lambda o: (stamp(o), o.id), reverse=True)
        if edge in ("videos", "photos", "video_reels"):
            docs = [media_doc(self.state, o, [f.name for f in fields]) for o in objs]
        else:
            docs = [post_doc(self.state, o, fields, now) for o in objs]
        return paged(docs, p, url)

    # ---- creating

    def _schedule(self, raw: str, now: datetime) -> datetime:
        try:
            when = _parse_time(raw)
        except ValueError as exc:
            raise graph_error(
                100, "(#100) The specified scheduled publish time is invalid."
            ) from exc
        if not now + timedelta(minutes=10) <= when <= now + timedelta(days=30):
            raise graph_error(
                100,
                "(#100) The specified scheduled publish time is invalid.",
                user_title="Invalid scheduled publish time",
                user_msg="The scheduled time must be between 10 minutes and 30 days from now.",
            )
        return when

    def _timing(
        self, p: dict[str, str], now: datetime
    ) -> tuple[str, datetime | None, datetime | None]:
        """(state, published_at, scheduled_for) from `published` and `scheduled_publish_time`."""
        if p.get("scheduled_publish_time"):
            if _truthy(p.get("published"), True):
                raise graph_error(
                    100, "(#100) You cannot specify a scheduled publish time on a published post"
                )
            return "scheduled", None, self._schedule(p["scheduled_publish_time"], now)
        if _truthy(p.get("published"), True):
            return "published", now, None
        return "unpublished", None, None

    def _check_text(self, page: str, message: str, now: datetime, *, duplicates: bool) -> None:
        if POLICY_MARKER in message:
            raise graph_error(
                368,
                "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
                subcode=1390008,
                user_title="You Can't Use This Feature Right Now",
                user_msg="This content goes against our Community Standards.",
            )
        if not duplicates or not message:
            return
        with self.state.lock:
            for o in self.state.page_posts(page):
                if (
                    o.message == message
                    and o.state != "deleted"
                    and now - o.created_at < DUPLICATE_WINDOW
                ):
                    raise graph_error(
                        506, "(#506) Duplicate status message", type_="OAuthException"
                    )

    def _add(self, obj: FbObject, media_id: str = "") -> FbObject:
        self.state.add_fb_object(obj, media_id)
        return obj

    def _post(self, page: str, p: dict[str, str], now: datetime) -> dict[str, Any]:
        message, link = p.get("message", ""), p.get("link", "")
        if not message and not link:
            raise graph_error(
                100, "(#100) The parameter message or link is required", subcode=1349125
            )
        self._check_text(page, message, now, duplicates=True)
        state, published, scheduled = self._timing(p, now)
        post_id = f"{page}_{self.state.new_digits(16)}"
        self._add(
            FbObject(
                post_id,
                page,
                "link" if link else "post",
                message,
                now,
                published,
                scheduled,
                state,
                link=link,
            )
        )
        return {"id": post_id}

    def _photo(
        self, request: Request, page: str, p: dict[str, str], now: datetime
    ) -> dict[str, Any]:
        upload = request.files.get("source")
        size = len(upload.read()) if upload else 0
        if not upload and not p.get("url"):
            raise graph_error(324, "(#324) Requires upload file", type_="OAuthException")
        message = p.get("message") or p.get("caption", "")
        self._check_text(page, message, now, duplicates=False)
        state, published, scheduled = self._timing(p, now)
        alt_text = p.get("alt_text_custom", "")
        photo_id = self.state.new_digits(16)
        post_id = f"{page}_{self.state.new_digits(16)}"
        self._add(
            FbObject(
                post_id,
                page,
                "photo",
                message,
                now,
                published,
                scheduled,
                state,
                media_id=photo_id,
                media_bytes=size,
                alt_text=alt_text,
            ),
            photo_id,
        )
        return {"id": photo_id, "post_id": post_id}

    def _video(
        self, request: Request, page: str, p: dict[str, str], now: datetime
    ) -> dict[str, Any]:
        phase = p.get("upload_phase", "")
        if phase == "start":
            size = int(p.get("file_size") or 0)
            if size <= 0:
                raise graph_error(100, "(#100) file_size is required for upload_phase=start")
            video_id = self.state.new_digits(16)
            session = UploadSession(
                self.state.new_digits(16), "fb_video", page, size, meta={"video_id": video_id}
            )
            with self.state.lock:
                self.state.uploads[session.id] = session
            return {
                "video_id": video_id,
                "upload_session_id": session.id,
                "start_offset": "0",
                "end_offset": str(min(size, 1_048_576)),
            }
        if phase in ("transfer", "finish"):
            with self.state.lock:
                found = self.state.uploads.get(p.get("upload_session_id", ""))
            if found is None or found.owner != page:
                raise graph_error(
                    6000,
                    "There was a problem uploading your video file. Please try again.",
                    subcode=1363019,
                )
            if phase == "transfer":
                return self._transfer(request, found, p)
            if len(found.received) != found.total:
                raise graph_error(
                    6000,
                    "There was a problem uploading your video file. Please try again.",
                    subcode=1363030,
                    user_title="Video Upload Time Out Error",
                )
            self._finish(page, found.meta["video_id"], p, len(found.received), now)
            with self.state.lock:
                self.state.uploads.pop(found.id, None)
            return {"success": True}
        if p.get("fbuploader_video_file_chunk"):  # a Resumable Upload API handle
            size = self.video.take_handle(p["fbuploader_video_file_chunk"])
            video_id = self.state.new_digits(16)
            self._finish(page, video_id, p, size, now)
            return {"id": video_id}
        upload = request.files.get("source")
        if not upload and not p.get("file_url"):
            raise graph_error(100, "(#100) No file was uploaded (source or file_url)")
        size = len(upload.read()) if upload else 0
        video_id = self.state.new_digits(16)
        self._finish(page, video_id, p, size, now)
        return {"id": video_id}

    def _transfer(
        self, request: Request, session: UploadSession, p: dict[str, str]
    ) -> dict[str, Any]:
        chunk = request.files.get("video_file_chunk")
        data = chunk.read() if chunk else b""
        start = int(p.get("start_offset") or 0)
        with self.state.lock:
            if start != len(session.received) or not data:
                raise graph_error(
                    6000,
                    "There was a problem uploading your video file. Please try again.",
                    subcode=1363037,
                    user_title="Incorrect start_offset",
                )
            session.received.extend(data)
            got = len(session.received)
        end = min(session.total, got + 1_048_576)
        return {"start_offset": str(got), "end_offset": str(end)}

    def _finish(
        self,
        page: str,
        video_id: str,
        p: dict[str, str],
        size: int,
        now: datetime,
        *,
        reel: bool = False,
    ) -> None:
        description = p.get("description", "")
        self._check_text(page, description + " " + p.get("title", ""), now, duplicates=False)
        state, published, scheduled = self._timing(p, now)
        self._add(
            FbObject(
                f"{page}_{video_id}",
                page,
                "video",
                description,
                now,
                published,
                scheduled,
                state,
                title=p.get("title", ""),
                media_id=video_id,
                media_bytes=size,
                reel=reel,
            ),
            video_id,
        )
