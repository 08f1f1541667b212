"""How Graph renders objects: times, the `fields` parameter, post/photo/video documents, paging."""

import base64
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from connectors.emulator.engagement import facebook_curve, facebook_lifetime
from connectors.emulator.state import FbObject, State


def graph_time(value: datetime) -> str:
    """Graph's time format: ISO 8601 in UTC with a +0000 offset."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_fields(spec: str) -> list[str]:
    """Top-level field names of `fields`, e.g. `comments.summary(true)` -> `comments`."""
    names: list[str] = []
    depth, current = 0, ""
    for ch in spec:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            names.append(current)
            current = ""
        else:
            current += ch
    names.append(current)
    return [re.split(r"[.{(]", n.strip(), maxsplit=1)[0] for n in names if n.strip()]


def lifetime(state: State, obj: FbObject, now: datetime) -> dict[str, int]:
    page = state.pages[obj.page_id]
    curve = facebook_curve(
        state.seed, obj.id, obj.kind, page.followers, obj.published_at, obj.message
    )
    return facebook_lifetime(curve, now)


def post_doc(state: State, obj: FbObject, fields: list[str], now: datetime) -> dict[str, Any]:
    counts = lifetime(state, obj, now)
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
        "shares": {"count": counts["shares"]} if counts["shares"] else None,
        "comments": {
            "data": [],
            "summary": {"order": "ranked", "total_count": counts["comments"], "can_comment": True},
        },
        "reactions": {
            "data": [],
            "summary": {"total_count": counts["reactions"], "viewer_reaction": "NONE"},
        },
    }
    wanted = fields or ["created_time", "message", "id"]
    return {k: everything[k] for k in wanted if k in everything and everything[k] is not None}


def media_doc(state: State, obj: FbObject, fields: list[str]) -> dict[str, Any]:
    """A photo or video node, addressed by its own id."""
    everything: dict[str, Any] = {
        "id": obj.media_id,
        "created_time": graph_time(obj.created_at),
        "updated_time": graph_time(obj.created_at),
        "name": obj.message or None,
        "title": obj.title or None,
        "description": obj.message or None,
        "published": obj.state == "published",
        "post_id": obj.id,
        "permalink_url": f"/{obj.page_id}/{'videos' if obj.kind == 'video' else 'photos'}/"
        f"{obj.media_id}/",
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
