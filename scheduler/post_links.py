"""The platform id of a post from the link a person copied out of the browser.

A manager resolving a `needs_review` publication pastes the post's link; Loa stores the post's
id so it is measured like any other. Facebook posts are stored as `PAGEID_POSTID` (what the
Graph API returns when a post is created); videos, reels and photos by their own id. YouTube
videos by their 11-character id. A link Loa cannot read (a `pfbid…` share link, a search page)
gives None: the caller then asks for `--external-id`.
"""

import re
from urllib.parse import parse_qs, urlparse

_YT_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_FB_HOSTS = ("facebook.com", "fb.com", "fb.watch")
_YT_HOSTS = ("youtube.com", "youtu.be")


def _host_is(host: str, names: tuple[str, ...]) -> bool:
    return any(host == n or host.endswith("." + n) for n in names)


def _digits(value: str | None) -> str | None:
    return value if value and value.isdigit() else None


def facebook_post_id(url: str, page_id: str = "") -> str | None:
    """`PAGE_POST` for a post link, the object id for a video, reel or photo link."""
    parsed = urlparse(url.strip())
    if not _host_is(parsed.netloc.lower(), _FB_HOSTS):
        return None
    parts = [p for p in parsed.path.split("/") if p]
    query = parse_qs(parsed.query)

    def first(key: str) -> str | None:
        values = query.get(key)
        return values[0] if values else None

    if parts and parts[0] in ("permalink.php", "story.php"):
        story, page = _digits(first("story_fbid")), _digits(first("id"))
        return f"{page}_{story}" if story and page else None
    if parts and parts[0] in ("photo.php", "photo"):
        return _digits(first("fbid"))
    if parts and parts[0] in ("watch", "video.php"):
        return _digits(first("v"))
    if len(parts) >= 2 and parts[0] in ("reel", "reels"):
        return _digits(parts[1])
    if len(parts) >= 3 and parts[1] in ("posts", "videos", "photos"):
        owner = parts[0] if parts[0].isdigit() else page_id
        item = _digits(parts[-1])
        if item is None:
            return None  # a `pfbid…` share id: not the Graph id
        if parts[1] == "posts":
            return f"{owner}_{item}" if owner else None
        return item
    return None


def youtube_video_id(url: str) -> str | None:
    """The video id of a watch, short, embed, live or youtu.be link."""
    parsed = urlparse(url.strip())
    host = parsed.netloc.lower()
    if not _host_is(host, _YT_HOSTS):
        return None
    parts = [p for p in parsed.path.split("/") if p]
    if host.endswith("youtu.be"):
        candidate = parts[0] if parts else ""
    elif parts[:1] == ["watch"]:
        candidate = (parse_qs(parsed.query).get("v") or [""])[0]
    elif len(parts) >= 2 and parts[0] in ("shorts", "embed", "live", "v"):
        candidate = parts[1]
    else:
        return None
    return candidate if _YT_ID.match(candidate) else None


def post_id_from_link(platform: str, url: str, account_id: str = "") -> str | None:
    """The platform id the link names, or None when it names none Loa can read."""
    if platform == "facebook":
        return facebook_post_id(url, account_id)
    if platform == "youtube":
        return youtube_video_id(url)
    return None
