"""The validated content of a campaign file: plain frozen records, with the lines they came from."""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from campaigns.errors import Problem


@dataclass(frozen=True)
class CampaignInfo:
    key: str
    name: str
    starts: date
    ends: date  # inclusive, to 23:59 in the campaign zone
    timezone: str = "Asia/Ho_Chi_Minh"
    name_en: str = ""
    theme: str = ""
    theme_en: str = ""
    report_due: date | None = None
    approval: str = "required"  # required | auto
    hashtags: tuple[str, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class UnitDoc:
    key: str
    name: str
    kind: str
    line: int = 0


@dataclass(frozen=True)
class KpiDoc:
    key: str
    metric: str
    target: float
    platforms: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    content_kinds: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    pacing: str = "linear"  # linear | key_dates
    line: int = 0


@dataclass(frozen=True)
class ObjectiveDoc:
    key: str
    title: str
    title_en: str = ""
    kpis: tuple[KpiDoc, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class ChannelDoc:
    key: str
    platform: str
    external_id: str  # Page id or YouTube channel id
    name: str
    unit: str = ""
    native_handoff: bool = False
    playlist_id: str | None = None
    line: int = 0


@dataclass(frozen=True)
class ContentDoc:
    key: str
    kind: str
    unit: str = ""
    title: str = ""
    title_en: str = ""
    message: str = ""
    description: str = ""
    link: str = ""
    media: str = ""  # as written, relative to the campaign file
    media_path: Path | None = None  # resolved
    thumbnail: str = ""
    thumbnail_path: Path | None = None
    tags: tuple[str, ...] = ()
    objectives: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    made_for_kids: bool = False
    privacy: str = "public"
    format: str = "video"  # clips: video | reel (Facebook Reels)
    line: int = 0
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def content_hash(self) -> str:
        """Changes when anything published changes: the text fields or the media bytes."""
        h = hashlib.sha256()
        for part in (
            self.kind,
            self.title,
            self.message,
            self.description,
            self.link,
            "\x1f".join(self.tags),
            str(self.made_for_kids),
            self.privacy,
            *(() if self.format == "video" else (self.format,)),  # old hashes stay as they were
        ):
            h.update(part.encode("utf-8") + b"\x1e")
        for media in (self.media_path, self.thumbnail_path):
            if media is not None and media.is_file():
                h.update(hashlib.sha256(media.read_bytes()).digest())
        return h.hexdigest()[:32]


@dataclass(frozen=True)
class Every:
    count: int
    unit: str  # minutes | hours | days | weeks


@dataclass(frozen=True)
class PlanDoc:
    """One entry of `plans`: a one-off (`at`), recurring slots, or a series."""

    index: int
    key: str
    kind: str  # once | recurring | series
    content: tuple[str, ...]
    channels: tuple[str, ...]
    at: tuple[datetime, ...] = ()  # aware
    every: Every | None = None
    times: tuple[time, ...] = ()
    start: date | None = None  # `from`
    until: date | None = None
    weekdays: tuple[int, ...] = ()  # 0 = Monday
    line: int = 0
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def spec(self) -> dict[str, object]:
        """The rule as plain JSON, for the calendar to explain a slot."""
        out: dict[str, object] = {"content": list(self.content), "channels": list(self.channels)}
        if self.at:
            out["at"] = [a.isoformat() for a in self.at]
        if self.every is not None:
            out["every"] = f"{self.every.count} {self.every.unit}"
        if self.times:
            out["times"] = [t.strftime("%H:%M") for t in self.times]
        if self.start is not None:
            out["from"] = self.start.isoformat()
        if self.until is not None:
            out["until"] = self.until.isoformat()
        if self.weekdays:
            out["weekdays"] = list(self.weekdays)
        return out


@dataclass
class CampaignDocument:
    path: Path
    display: str  # the file name as the user gave it, for messages
    source_hash: str
    campaign: CampaignInfo
    units: list[UnitDoc]
    objectives: list[ObjectiveDoc]
    channels: list[ChannelDoc]
    content: list[ContentDoc]
    plans: list[PlanDoc]
    warnings: list[Problem] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # section -> line

    def unit(self, key: str) -> UnitDoc | None:
        return next((u for u in self.units if u.key == key), None)

    def channel(self, key: str) -> ChannelDoc | None:
        return next((c for c in self.channels if c.key == key), None)

    def content_item(self, key: str) -> ContentDoc | None:
        return next((c for c in self.content if c.key == key), None)
