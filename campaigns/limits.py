"""The platforms' own limits on content, counted the way each platform counts.

Used by campaign-file validation, the Excel import and the scheduler's pre-flight, so that a post
that would be refused at its minute is caught when it is written.

Sources: Graph API Pages reference (post message up to 63,206 characters; Page photos JPEG, BMP,
PNG, GIF, TIFF up to 4 MB; videos up to 10 GB); YouTube Data API v3 `videos` resource (title up to
100 characters, description up to 5,000 bytes, no `<` or `>`; tags up to 500 characters in all, a
tag with a space counted with its quotes); YouTube Help "supported file formats" and 256 GB.
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FACEBOOK_MESSAGE_MAX_CHARS = 63_206
FACEBOOK_PHOTO_MAX_BYTES = 4 * 1024 * 1024
FACEBOOK_VIDEO_MAX_BYTES = 10 * 1024**3
YOUTUBE_TITLE_MAX_CHARS = 100
YOUTUBE_DESCRIPTION_MAX_BYTES = 5_000
YOUTUBE_TAGS_MAX_CHARS = 500
YOUTUBE_VIDEO_MAX_BYTES = 256 * 1024**3

PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff"})
VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".avi", ".wmv", ".flv", ".3gp", ".webm", ".mpg", ".mpeg"}
)


@dataclass(frozen=True)
class LimitProblem:
    field: str  # the content field at fault: message, title, description, tags, media
    message: str


def nfc(text: str) -> str:
    """Vietnamese text arrives decomposed from some keyboards; platforms count composed text."""
    return unicodedata.normalize("NFC", text)


def youtube_tags_length(tags: Sequence[str]) -> int:
    """Characters YouTube counts for tags: commas between, quotes around tags with spaces."""
    total = sum(len(t) + (2 if " " in t else 0) for t in tags)
    return total + max(len(tags) - 1, 0)


def check_text(
    platform: str,
    kind: str,
    *,
    message: str = "",
    title: str = "",
    description: str = "",
    tags: Sequence[str] = (),
) -> list[LimitProblem]:
    """Problems with a content item's text on one platform (empty when it fits)."""
    problems: list[LimitProblem] = []
    if platform == "facebook":
        text = nfc(description or message) if kind == "clip" else nfc(message)
        if len(text) > FACEBOOK_MESSAGE_MAX_CHARS:
            problems.append(
                LimitProblem(
                    "message",
                    f"{len(text)} characters; Facebook allows {FACEBOOK_MESSAGE_MAX_CHARS}",
                )
            )
        if kind in ("post", "link") and not text.strip():
            problems.append(LimitProblem("message", "a Facebook post needs a message"))
    elif platform == "youtube":
        if kind != "clip":
            problems.append(LimitProblem("kind", f"YouTube takes clips only, not {kind}"))
            return problems
        t = nfc(title)
        if not t.strip():
            problems.append(LimitProblem("title", "a YouTube clip needs a title"))
        if len(t) > YOUTUBE_TITLE_MAX_CHARS:
            problems.append(
                LimitProblem(
                    "title", f"{len(t)} characters; YouTube allows {YOUTUBE_TITLE_MAX_CHARS}"
                )
            )
        if "<" in t or ">" in t:
            problems.append(LimitProblem("title", "YouTube does not allow '<' or '>' in a title"))
        d = nfc(description or message)
        size = len(d.encode("utf-8"))
        if size > YOUTUBE_DESCRIPTION_MAX_BYTES:
            problems.append(
                LimitProblem(
                    "description",
                    f"{size} bytes in UTF-8 ({len(d)} characters); YouTube allows "
                    f"{YOUTUBE_DESCRIPTION_MAX_BYTES} bytes",
                )
            )
        if "<" in d or ">" in d:
            problems.append(
                LimitProblem("description", "YouTube does not allow '<' or '>' in a description")
            )
        tag_chars = youtube_tags_length([nfc(x) for x in tags])
        if tag_chars > YOUTUBE_TAGS_MAX_CHARS:
            problems.append(
                LimitProblem(
                    "tags",
                    f"{tag_chars} characters together; YouTube allows {YOUTUBE_TAGS_MAX_CHARS}",
                )
            )
    return problems


def _looks_like_video(head: bytes) -> bool:
    return (
        head[4:8] == b"ftyp"  # MP4, MOV, 3GP
        or head[:4] == b"\x1a\x45\xdf\xa3"  # WebM, Matroska
        or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")
        or head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")  # MPEG-PS
        or head[:3] == b"FLV"
        or head[:4] == b"\x30\x26\xb2\x75"  # ASF / WMV
    )


def _looks_like_image(head: bytes) -> bool:
    return (
        head[:3] == b"\xff\xd8\xff"
        or head[:8] == b"\x89PNG\r\n\x1a\n"
        or head[:6] in (b"GIF87a", b"GIF89a")
        or head[:2] == b"BM"
        or head[:4] in (b"II*\x00", b"MM\x00*")
    )


def check_media(platform: str, kind: str, path: Path) -> list[LimitProblem]:
    """Problems with a media file: missing, unreadable, wrong container, too large."""
    if not path.is_file():
        return [LimitProblem("media", f"file not found: {path.name}")]
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
        size = path.stat().st_size
    except OSError as exc:
        return [LimitProblem("media", f"cannot read {path.name}: {exc.strerror}")]
    problems: list[LimitProblem] = []
    if kind == "clip":
        if path.suffix.lower() not in VIDEO_SUFFIXES or not _looks_like_video(head):
            problems.append(
                LimitProblem(
                    "media",
                    f"{path.name} is not a video container the platforms accept (MP4, MOV, WebM, AVI, ...)",
                )
            )
        limit = YOUTUBE_VIDEO_MAX_BYTES if platform == "youtube" else FACEBOOK_VIDEO_MAX_BYTES
        if size > limit:
            problems.append(
                LimitProblem("media", f"{path.name} is {size} bytes; {platform} allows {limit}")
            )
        if size == 0:
            problems.append(LimitProblem("media", f"{path.name} is empty"))
    elif kind == "photo":
        if path.suffix.lower() not in PHOTO_SUFFIXES or not _looks_like_image(head):
            problems.append(
                LimitProblem("media", f"{path.name} is not a JPEG, PNG, GIF, BMP or TIFF image")
            )
        if size > FACEBOOK_PHOTO_MAX_BYTES:
            problems.append(
                LimitProblem(
                    "media",
                    f"{path.name} is {size} bytes; Facebook allows {FACEBOOK_PHOTO_MAX_BYTES} for a photo",
                )
            )
    return problems
