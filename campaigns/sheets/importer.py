"""Importing an officer's calendar sheet into a campaign: check every row, then write all or none.

Each row becomes a content item whose key is derived from its content (`sheet-<sha1>`), and one
publication per channel it names, built the same way as a campaign file's (`new_publication`).
Importing the same sheet again finds every content item and publication already there: nothing
changes.
"""

import difflib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from campaigns.access import Action, Identity, require
from campaigns.errors import Problem, UserError, ValidationFailed
from campaigns.importer import REMOVED_FROM_PLAN
from campaigns.limits import check_media, check_text
from campaigns.models import (
    AuditLog,
    Campaign,
    Channel,
    ContentItem,
    ContentKind,
    Objective,
    Platform,
    Publication,
    PublicationState,
    Unit,
)
from campaigns.outbox import (
    SHEET_CONTENT_PREFIX,
    SHEET_PLAN_PREFIX,
    dedupe_key,
    initial_state,
    new_publication,
)
from campaigns.rollup_version import bump
from campaigns.sheets.cells import Cell, CellError, parse_date, parse_list, parse_time, text
from campaigns.sheets.columns import fold
from campaigns.sheets.reader import Sheet, SheetRow, read_sheet
from campaigns.timeutil import utcnow

PLAN_KEY_PREFIX = SHEET_PLAN_PREFIX
CONTENT_KEY_PREFIX = SHEET_CONTENT_PREFIX
KINDS: dict[str, str] = {
    **{k.value: k.value for k in ContentKind},
    "bai viet": "post",
    "bai dang": "post",
    "lien ket": "link",
    "anh": "photo",
    "hinh anh": "photo",
    "video": "clip",
}
T = TypeVar("T")
# C0 controls but tab and line breaks, DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional embeddings, overrides and isolates: they disguise what a text says.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
WITH_MEDIA = frozenset({ContentKind.PHOTO.value, ContentKind.CLIP.value})


@dataclass
class SheetReport:
    campaign_key: str
    rows: int = 0
    created: int = 0  # publications
    unchanged: int = 0  # publications already there
    content_created: int = 0
    revived: int = 0  # cancelled by a campaign-file import, planned again by this sheet

    def __str__(self) -> str:
        def n(count: int, noun: str) -> str:  # "1 row", "2 rows"
            return f"{count} {noun}{'' if count == 1 else 's'}"

        revived = f", {self.revived} revived" if self.revived else ""
        return (
            f"{n(self.rows, 'row')}: {n(self.created, 'publication')} created, "
            f"{self.unchanged} unchanged{revived} ({n(self.content_created, 'new content item')}) "
            f"in campaign {self.campaign_key}"
        )


@dataclass
class _Row:
    """A row that passed every check, ready to write."""

    number: int
    content: ContentItem
    channels: list[Channel]
    slot: datetime
    keys: list[str] = field(default_factory=list)


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _content_key(fields: list[str]) -> str:
    digest = hashlib.sha1("\x1f".join(fields).encode("utf-8")).hexdigest()
    return f"{CONTENT_KEY_PREFIX}{digest[:12]}"


def _content_hash(item: ContentItem) -> str:
    """What was published: the text fields and the media bytes (as the campaign file hashes it)."""
    h = hashlib.sha256()
    for part in (
        item.kind,
        item.title,
        item.message,
        item.description,
        item.link,
        "\x1f".join(item.tags),
        str(item.made_for_kids),
        item.privacy,
    ):
        h.update(part.encode("utf-8") + b"\x1e")
    if item.media_path and Path(item.media_path).is_file():
        h.update(hashlib.sha256(Path(item.media_path).read_bytes()).digest())
    return h.hexdigest()[:32]


class _Checker:
    def __init__(self, session: Session, campaign: Campaign, sheet: Sheet, folder: Path) -> None:
        self.sheet = sheet
        self.folder = folder
        self.campaign = campaign
        self.zone = ZoneInfo(campaign.timezone)
        where = Channel.campaign_id == campaign.id
        self.channels = {c.key.lower(): c for c in session.exec(select(Channel).where(where))}
        self.objectives = {
            o.key.lower(): o.key
            for o in session.exec(select(Objective).where(Objective.campaign_id == campaign.id))
        }
        self.row = 0
        self.errors = 0

    def error(self, column: str, message: str) -> None:
        self.sheet.problem(self.row, self.sheet.label(column), message)
        self.errors += 1

    def _printable(self, column: str, value: str) -> None:
        # PostgreSQL refuses NUL in text and the platforms refuse control characters.
        bad = _CONTROL.search(value)
        if bad is not None:
            self.error(
                column,
                f"contains a control character (U+{ord(bad.group()):04X}) the platforms refuse",
            )
        bidi = _BIDI.search(value)
        if bidi is not None:
            self.error(
                column,
                f"contains a bidirectional control character (U+{ord(bidi.group()):04X}), "
                "which can disguise what the text says; remove it",
            )

    def check(self, row: SheetRow) -> _Row | None:
        self.row = row.number
        before = self.errors
        cells = row.cells
        day = self._cell(parse_date, cells.get("date"), "date")
        at = self._cell(parse_time, cells.get("time"), "time")
        channels = self._channels(cells.get("channel"))
        kind = self._kind(cells.get("kind"))
        title = text(cells.get("title"))
        body = text(cells.get("message"))
        link = text(cells.get("link"))
        media = text(cells.get("media")).replace("\\", "/")
        objectives = self._objectives(cells.get("objectives"))
        audiences = parse_list(cells.get("audiences"))
        for column, value in (("title", title), ("message", body), ("link", link)):
            self._printable(column, value)
        slot = self._slot(day, at)
        media_path: Path | None = None
        if kind is not None:
            self._link(kind, link)
            media_path = self._media(kind, media)
            for channel in channels:
                self._limits(channel, kind, title, body, media_path)
        if self.errors > before or kind is None or slot is None:
            return None
        assert self.campaign.id is not None
        item = ContentItem(
            campaign_id=self.campaign.id,
            key=_content_key(
                [kind, title, body, link, media, ",".join(objectives), ",".join(audiences)]
            ),
            kind=kind,
            unit_id=channels[0].unit_id if len({c.unit_id for c in channels}) == 1 else None,
            title=title,
            message="" if kind == ContentKind.CLIP else body,
            description=body if kind == ContentKind.CLIP else "",
            link=link,
            media_path=media_path.resolve().as_posix() if media_path else "",
            objectives=objectives,
            audiences=audiences,
            extra={"source": "sheet"},
        )
        item.content_hash = _content_hash(item)
        return _Row(row.number, item, channels, slot)

    def _cell(self, parse: Callable[[Cell], T], value: Cell, column: str) -> T | None:
        try:
            return parse(value)
        except CellError as exc:
            self.error(column, str(exc))
            return None

    def _slot(self, day: date | None, at: time | None) -> datetime | None:
        if day is None or at is None:
            return None
        if not self.campaign.starts <= day <= self.campaign.ends:
            self.error(
                "date",
                f"{day:%d/%m/%Y} is outside the campaign window "
                f"{self.campaign.starts:%d/%m/%Y}–{self.campaign.ends:%d/%m/%Y}",
            )
            return None
        return datetime.combine(day, at, tzinfo=self.zone)

    def _channels(self, value: Cell) -> list[Channel]:
        names = parse_list(value)
        if not names:
            self.error("channel", "a channel is required")
        found: list[Channel] = []
        for name in names:
            channel = self.channels.get(name.lower())
            if channel is None:
                keys = sorted(c.key for c in self.channels.values())
                self.error(
                    "channel",
                    f"no channel '{name}' in campaign {self.campaign.key}{_suggest(name, keys)}",
                )
            elif channel not in found:
                found.append(channel)
        return found

    def _kind(self, value: Cell) -> str | None:
        raw = text(value)
        kind = KINDS.get(fold(raw))
        if kind is None:
            what = f"unknown kind '{raw}'" if raw else "a kind is required"
            self.error("kind", f"{what}; expected post, link, photo or clip")
        return kind

    def _objectives(self, value: Cell) -> list[str]:
        out: list[str] = []
        for name in parse_list(value):
            key = self.objectives.get(name.lower())
            if key is None:
                keys = sorted(self.objectives.values())
                self.error(
                    "objectives",
                    f"no objective '{name}' in campaign {self.campaign.key}{_suggest(name, keys)}",
                )
            else:
                out.append(key)
        return out

    def _link(self, kind: str, link: str) -> None:
        if kind == ContentKind.LINK:
            parts = urlsplit(link)
            if not link:
                self.error("link", "a row of kind link needs a web address")
            elif parts.scheme not in ("http", "https") or not parts.netloc:
                self.error("link", f"'{link}' is not a web address (https://...)")
        elif link:
            self.error("link", f"only rows of kind link carry a link, not {kind}")

    def _media(self, kind: str, media: str) -> Path | None:
        if kind not in WITH_MEDIA:
            if media:
                self.error("media", f"only photo and clip rows carry media, not {kind}")
            return None
        if not media:
            self.error("media", f"a {kind} needs a media file")
            return None
        path = Path(media)
        # Inside the plan's folder only: an absolute path or one climbing out with `..` would
        # publish whatever file it names.
        base = self.folder.resolve()
        inside = (base / path).resolve()
        if path.is_absolute() or (inside != base and base not in inside.parents):
            self.error(
                "media",
                f"'{media}' is outside the plan's folder: name a file in it or below it "
                "(no absolute path, no '..')",
            )
            return None
        return self.folder / path

    def _limits(
        self, channel: Channel, kind: str, title: str, body: str, media: Path | None
    ) -> None:
        on = f" on {channel.key}"
        if channel.platform == Platform.YOUTUBE and kind != ContentKind.CLIP:
            self.error("kind", f"YouTube takes clips only; {channel.key} is a YouTube channel")
            return
        is_clip = kind == ContentKind.CLIP
        for p in check_text(
            channel.platform,
            kind,
            message="" if is_clip else body,
            title=title,
            description=body if is_clip else "",
        ):
            column = {"description": "message", "tags": "message"}.get(p.field, p.field)
            self.error(column, p.message + on)
        if media is not None:
            for p in check_media(channel.platform, kind, media):
                self.error("media", p.message + on)


def import_sheet(
    session: Session,
    path: Path,
    campaign_key: str,
    *,
    display: str | None = None,
    identity: Identity | None = None,
) -> SheetReport:
    """Check every row of `path` and add its publications to the campaign, all or nothing.

    Raises UserError when the campaign does not exist and ValidationFailed (listing every bad row
    as `FILE:ROW: column: message`) when any row is bad; nothing is written then. The rows are
    flushed, not committed: the caller's transaction decides.

    `identity` is who imports: they must plan for the unit of every channel the sheet names
    (`Forbidden` otherwise); `approval: auto` approves the new slots only when they may approve.
    """
    if identity is not None:
        require(identity, Action.PLAN)
    campaign = session.exec(select(Campaign).where(Campaign.key == campaign_key)).first()
    if campaign is None:
        raise UserError(f"no campaign '{campaign_key}'; import its campaign file first")
    sheet = read_sheet(path, display)
    checker = _Checker(session, campaign, sheet, path.resolve().parent)
    rows = [r for r in map(checker.check, sheet.rows) if r is not None]
    _duplicates(sheet, rows)
    if sheet.problems:
        raise ValidationFailed(sheet.problems)
    if not sheet.rows:
        raise ValidationFailed(
            [Problem(sheet.display, 2, "rows", "the sheet has no rows to import")]
        )
    approver: str | None = None
    if identity is not None:
        units = _channel_units(session, {ch.id for r in rows for ch in r.channels if ch.id})
        for unit in sorted({u or "" for u in units.values()}):
            require(identity, Action.PLAN, unit or "(no unit)")
        if all(identity.can(Action.APPROVE, u) for u in units.values()):
            approver = identity.label
    return _write(session, campaign, path, rows, len(sheet.rows), approver, identity)


def _channel_units(session: Session, channel_ids: set[int]) -> dict[int, str | None]:
    return {
        channel_id: key
        for channel_id, key in session.exec(
            select(Channel.id, Unit.key)
            .outerjoin(Unit, col(Unit.id) == Channel.unit_id)
            .where(col(Channel.id).in_(sorted(channel_ids)))
        )
        if channel_id is not None
    }


def _duplicates(sheet: Sheet, rows: list[_Row]) -> None:
    """Two rows that give the same (content, channel, minute) are a copy-paste slip."""
    seen: dict[str, int] = {}
    for row in rows:
        assert row.content.key is not None
        for channel in row.channels:
            key = dedupe_key("", row.content.key, channel.key, row.slot)
            if key in seen:
                sheet.problem(
                    row.number,
                    sheet.label("channel"),
                    f"same content, channel {channel.key} and time as row {seen[key]}",
                )
            else:
                seen[key] = row.number


def _write(
    session: Session,
    campaign: Campaign,
    path: Path,
    rows: list[_Row],
    count: int,
    approver: str | None = None,
    identity: Identity | None = None,
) -> SheetReport:
    report = SheetReport(campaign.key, rows=count)
    keys = {r.content.key for r in rows}
    existing = {
        c.key: c
        for c in session.exec(
            select(ContentItem).where(
                ContentItem.campaign_id == campaign.id, col(ContentItem.key).in_(keys)
            )
        )
    }
    for row in rows:
        item = existing.get(row.content.key)
        if item is None:
            item = row.content
            session.add(item)
            existing[item.key] = item
            report.content_created += 1
        row.content = item
    session.flush()
    wanted = {
        dedupe_key(campaign.key, r.content.key, ch.key, r.slot): (r, ch)
        for r in rows
        for ch in r.channels
    }
    present: dict[str, Publication] = {}
    candidates = list(wanted)
    for start in range(0, len(candidates), 500):  # stay under the databases' parameter limits
        chunk = candidates[start : start + 500]
        query = select(Publication).where(col(Publication.dedupe_key).in_(chunk))
        present.update((p.dedupe_key, p) for p in session.exec(query))
    plan_key = f"{PLAN_KEY_PREFIX}{path.name}"
    for key, (row, channel) in wanted.items():
        pub = present.get(key)
        if pub is None:
            session.add(
                new_publication(campaign, row.content, channel, row.slot, plan_key, approver)
            )
            report.created += 1
        elif pub.state == PublicationState.CANCELLED and pub.last_error_code == REMOVED_FROM_PLAN:
            # A campaign-file import cancelled this slot as not in the file; the sheet plans it.
            pub.state = initial_state(campaign, approver)
            pub.last_error_code = pub.last_error = ""
            pub.updated_at = utcnow()
            report.revived += 1
        else:
            report.unchanged += 1
    if report.created or report.content_created or report.revived:
        assert campaign.id is not None
        bump(session.connection(), [campaign.id])  # new members of the campaign's segments
        session.add(
            AuditLog(
                actor=identity.label if identity is not None else "calendar-import",
                action="import",
                entity="sheet",
                entity_id=path.name,
                detail={
                    "campaign": campaign.key,
                    "rows": count,
                    "created": report.created,
                    "revived": report.revived,
                },
            )
        )
    session.flush()
    return report
