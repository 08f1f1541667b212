"""How Graph renders objects: times, the `fields` parameter, post/photo/video documents, paging."""

import base64
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from connectors.emulator.engagement import FacebookCurve, facebook_curve, facebook_lifetime
from connectors.emulator.state import FbObject, State


def graph_time(value: datetime) -> str:
    """Graph's time format: ISO 8601 in UTC with a +0000 offset."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass(frozen=True)
class FieldSpec:
    """One entry of `fields`: `insights.metric(a,b).period(lifetime){values,name}` is the name
    `insights`, the modifiers {metric: "a,b", period: "lifetime"} and the sub-fields."""

    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    sub: tuple["FieldSpec", ...] = ()

    def flag(self, modifier: str) -> bool:
        return self.modifiers.get(modifier, "").lower() in ("true", "1")


def _split_top(spec: str) -> list[str]:
    """Split on commas outside parentheses and braces."""
    parts: list[str] = []
    depth, current = 0, ""
    for ch in spec:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _closing(text: str, start: int, opening: str, closing: str) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == opening:
            depth += 1
        elif text[i] == closing:
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _parse_one(text: str) -> FieldSpec:
    name = re.split(r"[.{(]", text, maxsplit=1)[0].strip()
    modifiers: dict[str, str] = {}
    sub: tuple[FieldSpec, ...] = ()
    i = len(name)
    while i < len(text):
        ch = text[i]
        if ch == "{":
            end = _closing(text, i, "{", "}")
            sub = tuple(_parse_one(p) for p in _split_top(text[i + 1 : end]))
            i = end + 1
        elif ch == ".":
            m = re.match(r"\.(\w+)\(", text[i:])
            if not m:
                break
            open_at = i + m.end() - 1
            end = _closing(text, open_at, "(", ")")
            modifiers[m[1]] = text[open_at + 1 : end]
            i = end + 1
        else:
            i += 1
    return FieldSpec(name, modifiers, sub)


def parse_field_specs(spec: str) -> list[FieldSpec]:
    """The `fields` parameter with field expansion (developers.facebook.com/docs/graph-api/
    guides/field-expansion): modifiers such as `.limit(0)`, `.summary(true)`,
    `.metric(a,b)` and nested `{sub,fields}`."""
    return [_parse_one(part) for part in _split_top(spec)]


def parse_fields(spec: str) -> list[str]:
    """Top-level field names of `fields`, e.g. `comments.summary(true)` -> `comments`."""
    return [f.name for f in parse_field_specs(spec) if f.name]


@lru_cache(maxsize=1 << 16)
def _curve(
    seed: int, object_id: str, kind: str, followers: int, published: datetime | None, text: str
) -> FacebookCurve:
    # Pure in its arguments; the hashing behind it is most of what a metrics read costs.
    return facebook_curve(seed, object_id, kind, followers, published, text)


def curve(state: State, obj: FbObject) -> FacebookCurve:
    page = state.pages[obj.page_id]
    return _curve(state.seed, obj.id, obj.kind, page.followers, obj.published_at, obj.message)


def lifetime(state: State, obj: FbObject, now: datetime) -> dict[str, int]:
    return facebook_lifetime(curve(state, obj), now)


_COUNTED = ("shares", "comments", "reactions")
_DEFAULT_POST_FIELDS = (FieldSpec("created_time"), FieldSpec("message"), FieldSpec("id"))


def post_doc(state: State, obj: FbObject, fields: list[FieldSpec], now: datetime) -> dict[str, Any]:
    """A post's fields; `comments` and `reactions` carry `summary` only when asked with
    `.summary(true)`, as on Graph. `insights` is expanded by the caller."""
    wanted = fields or list(_DEFAULT_POST_FIELDS)
    names = {f.name: f for f in wanted}
    counts = lifetime(state, obj, now) if any(n in names for n in _COUNTED) else {}
    page = state.pages[obj.page_id]
    post_num = obj.id.split("_", 1)[1]
    everything: dict[str, Any] = {
        "id": obj.id,
        "message": obj.message or None,
        "created_time": graph_time(obj.created_at),
        "updated_time": graph_time(obj.created_at),
        "is_published": obj.state == "published",
        "scheduled_publish_time": int(obj.scheduled_for.timestamp())
        if obj.scheduled_for and obj.state == "scheduled"
        else None,
        "permalink_url": f"https://www.facebook.com/{obj.page_id}/posts/{post_num}",
        "from": {"name": page.name, "id": page.id},
        "status_type": {
            "photo": "added_photos",
            "video": "added_video",
            "link": "shared_story",
        }.get(obj.kind, "mobile_status_update"),
        "link": obj.link or None,
    }
    if counts:
        everything["shares"] = {"count": counts["shares"]} if counts["shares"] else None
        everything["comments"] = {"data": []}
        everything["reactions"] = {"data": []}
        if "comments" in names and names["comments"].flag("summary"):
            everything["comments"]["summary"] = {
                "order": "ranked",
                "total_count": counts["comments"],
                "can_comment": True,
            }
        if "reactions" in names and names["reactions"].flag("summary"):
            everything["reactions"]["summary"] = {
                "total_count": counts["reactions"],
                "viewer_reaction": "NONE",
            }
    return {k: everything[k] for k in names if k in everything and everything[k] is not None}


def media_doc(state: State, obj: FbObject, fields: list[str]) -> dict[str, Any]:
    """A photo or video node, addressed by its own id."""
    everything: dict[str, Any] = {
        "id": obj.media_id,
        "created_time": graph_time(obj.created_at),
        "updated_time": graph_time(obj.created_at),
        "name": obj.message or None,
        "alt_text_custom": obj.alt_text or None,
        "title": obj.title or None,
        "description": obj.message or None,
        "published": obj.state == "published",
        "post_id": obj.id,
        "permalink_url": f"/reel/{obj.media_id}/"
        if obj.reel
        else f"/{obj.page_id}/{'videos' if obj.kind == 'video' else 'photos'}/{obj.media_id}/",
        "from": {"name": state.pages[obj.page_id].name, "id": obj.page_id},
        "status": {"video_status": "ready"} if obj.kind == "video" else None,
        "length": 12.5 if obj.kind == "video" else None,
    }
    wanted = fields or ["id", "created_time"] + (
        ["title", "description"] if obj.kind == "video" else ["name"]
    )
    return {k: everything[k] for k in wanted if k in everything and everything[k] is not None}


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except ValueError:
        return 0


def paged(
    items: list[dict[str, Any]],
    params: dict[str, str],
    url: str,
) -> dict[str, Any]:
    """One page of a connection, with `paging.cursors` and `next`/`previous` URLs.

    The URLs carry every query parameter, access_token included: facebook-sdk's
    get_all_connections deletes `access_token` from the next URL's query before reuse.
    """
    limit = max(1, min(100, int(params.get("limit") or 25)))
    start = decode_cursor(params["after"]) if params.get("after") else 0
    if params.get("before"):
        start = max(0, decode_cursor(params["before"]) - limit)
    chunk = items[start : start + limit]
    body: dict[str, Any] = {"data": chunk}
    if not chunk:
        return body
    paging: dict[str, Any] = {
        "cursors": {"before": encode_cursor(start), "after": encode_cursor(start + len(chunk))}
    }
    base = {k: v for k, v in params.items() if k not in ("after", "before")}
    base["limit"] = str(limit)
    if start + len(chunk) < len(items):
        paging["next"] = url + "?" + urlencode({**base, "after": encode_cursor(start + len(chunk))})
    if start > 0:
        paging["previous"] = url + "?" + urlencode({**base, "before": encode_cursor(start)})
    body["paging"] = paging
    return body
