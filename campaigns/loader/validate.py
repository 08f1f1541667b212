"""The campaign-file schema: turns a node tree into a CampaignDocument, reporting every problem.

Each section is read on its own, then references (unit, channel, objective, content) and the
platforms' limits are checked once everything is known, so one run reports all mistakes.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ruamel.yaml.nodes import Node, SequenceNode

from campaigns.limits import VIDEO_SUFFIXES, check_media, check_text
from campaigns.loader.document import (
    CampaignInfo,
    ChannelDoc,
    ContentDoc,
    Every,
    KpiDoc,
    ObjectiveDoc,
    PlanDoc,
    UnitDoc,
)
from campaigns.loader.fields import Checker, Obj, suggestion
from campaigns.models import ContentKind, Platform, UnitKind
from campaigns.vocabulary import TERMS


class Keyed(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def line(self) -> int: ...


T = TypeVar("T", bound=Keyed)

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
UNIT_KINDS = [k.value for k in UnitKind]
CONTENT_KINDS = [k.value for k in ContentKind]
PLATFORMS = [p.value for p in Platform]
APPROVALS = ["required", "auto"]
PACINGS = ["linear", "key_dates"]
PRIVACIES = ["public", "unlisted", "private"]
# How a clip goes to Facebook: a Page video, or a Reel (vertical, 3-90 s; Meta's Reels
# Publishing API). YouTube decides Shorts by itself and ignores it.
CLIP_FORMATS = ["video", "reel"]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
EVERY_RE = re.compile(r"^\s*(\d+)?\s*(minute|hour|day|week)s?\s*$", re.IGNORECASE)
MAX_EVERY = 100_000  # 100,000 minutes is ten weeks: larger counts are typing slips
URL_RE = re.compile(r"^https?://[^\s/]+\.[^\s]+$")

ROOT_KEYS = ["campaign", "units", "objectives", "channels", "content", "plans"]
CAMPAIGN_KEYS = [
    "key",
    "name",
    "name_en",
    "theme",
    "theme_en",
    "starts",
    "ends",
    "timezone",
    "report_due",
    "approval",
    "hashtags",
]
UNIT_KEYS = ["key", "name", "kind"]
OBJECTIVE_KEYS = ["key", "title", "title_en", "kpis"]
KPI_KEYS = ["key", "metric", "target", "platforms", "units", "content_kinds", "audiences", "pacing"]
CHANNEL_KEYS = [
    "key",
    "platform",
    "page_id",
    "channel_id",
    "name",
    "unit",
    "native_handoff",
    "playlist_id",
]
CONTENT_KEYS = [
    "key",
    "kind",
    "unit",
    "objectives",
    "audiences",
    "title",
    "title_en",
    "message",
    "description",
    "link",
    "media",
    "thumbnail",
    "tags",
    "made_for_kids",
    "privacy",
    "format",
]
PLAN_KEYS = [
    "key",
    "series",
    "content",
    "channels",
    "at",
    "every",
    "times",
    "from",
    "until",
    "weekdays",
]


@dataclass
class Reference:
    node: Node
    path: str
    kind: str  # unit | objective | channel | content
    key: str


@dataclass
class Parsed:
    campaign: CampaignInfo | None
    units: list[UnitDoc]
    objectives: list[ObjectiveDoc]
    channels: list[ChannelDoc]
    content: list[ContentDoc]
    plans: list[PlanDoc]


class CampaignSchema:
    """Reads one campaign file's tree; `problems` ends up holding every mistake found."""

    def __init__(self, checker: Checker, base_dir: Path) -> None:
        self.c = checker
        self.base_dir = base_dir
        self.refs: list[Reference] = []
        self.zone = ZoneInfo(DEFAULT_ZONE)
        self.content_paths: dict[str, str] = {}
        self.kpi_audiences: list[tuple[Node, str, str]] = []  # (node, path, label)

    def parse(self, root: Node) -> Parsed:
        top = self.c.mapping(root, "", ROOT_KEYS, ["campaign", "channels", "content", "plans"])
        if top is None:
            return Parsed(None, [], [], [], [], [])
        campaign = self._campaign(top.fields["campaign"]) if top.has("campaign") else None
        parsed = Parsed(
            campaign=campaign,
            units=self._keyed(top, "units", self._unit),
            objectives=self._keyed(top, "objectives", self._objective),
            channels=self._keyed(top, "channels", self._channel),
            content=self._keyed(top, "content", self._content),
            plans=[],
        )
        parsed.plans = self._plans(top)
        self._check_references(parsed)
        self._check_audiences(parsed)
        self._check_platforms(parsed)
        return parsed

    # ---------------------------------------------------------------- sections

    def _campaign(self, node: Node) -> CampaignInfo | None:
        o = self.c.mapping(node, "campaign", CAMPAIGN_KEYS, ["key", "name", "starts", "ends"])
        if o is None:
            return None
        zone_name = DEFAULT_ZONE
        if o.has("timezone"):
            raw = o.text("timezone")
            try:
                self.zone = ZoneInfo(raw)
                zone_name = raw
            except (ZoneInfoNotFoundError, ValueError, OSError):
                # OSError: a directory of the zone database ("Asia") or an over-long name.
                self.c.error(
                    o.node_of("timezone"),
                    "campaign.timezone",
                    f"unknown time zone '{raw}' (e.g. Asia/Ho_Chi_Minh)",
                )
        key = o.get("key", self.c.key)
        name = o.text("name")
        starts = o.get("starts", self.c.day)
        ends = o.get("ends", self.c.day)
        if starts and ends and ends < starts:
            self.c.error(o.node_of("ends"), "campaign.ends", f"{ends} is before starts {starts}")
        report_due = o.get("report_due", self.c.day)
        approval = o.get("approval", lambda n, p: self.c.choice(n, p, APPROVALS, "approval"))
        hashtags = o.texts("hashtags")
        if key is None or not name or starts is None or ends is None:
            return None
        return CampaignInfo(
            key=key,
            name=name,
            starts=starts,
            ends=ends,
            timezone=zone_name,
            name_en=o.text("name_en"),
            theme=o.text("theme"),
            theme_en=o.text("theme_en"),
            report_due=report_due,
            approval=approval or "required",
            hashtags=hashtags,
        )

    def _keyed(self, top: Obj, section: str, read: Callable[[Node, str], T | None]) -> list[T]:
        """Items of a list section with unique keys; duplicates are reported and dropped."""
        out: list[T] = []
        seen: dict[str, int] = {}
        for i, node in top.items(section):
            path = f"{section}[{i}]"
            item = read(node, path)
            if item is None:
                continue
            key = item.key
            if key in seen:
                o_line = item.line
                self.c.error(
                    o_line, f"{path}.key", f"duplicate key '{key}' (first at line {seen[key]})"
                )
                continue
            seen[key] = item.line
            out.append(item)
        return out

    def _media_file(self, o: Obj, name: str) -> str:
        """A media path, relative to the campaign file's folder and inside it: an absolute path
        or one climbing out with `..` would publish whatever file it names."""
        value = o.text(name)
        if not value:
            return value
        rel = Path(value)
        base = self.base_dir.resolve()
        inside = (base / rel).resolve()
        if rel.is_absolute() or (inside != base and base not in inside.parents):
            self.c.error(
                o.node_of(name),
                o.sub(name),
                f"'{value}' is outside the campaign's folder: name a file in it or below it "
                "(no absolute path, no '..')",
            )
            return ""
        return value

    def _ref(self, o: Obj, name: str, kind: str) -> str:
        if not o.has(name):
            return ""
        node = o.fields[name]
        value = self.c.text(node, o.sub(name))
        if value:
            self.refs.append(Reference(node, o.sub(name), kind, value))
        return value or ""

    def _refs(self, o: Obj, name: str, kind: str) -> tuple[str, ...]:
        out: list[str] = []
        for i, node in o.items(name):
            path = f"{o.sub(name)}[{i}]"
            value = self.c.text(node, path)
            if not value:
                continue
            if value in out:
                self.c.error(node, path, f"'{value}' is listed twice")
                continue
            self.refs.append(Reference(node, path, kind, value))
            out.append(value)
        return tuple(out)

    def _vocab(self, o: Obj, name: str, allowed: list[str], what: str) -> tuple[str, ...]:
        out: list[str] = []
        for i, node in o.items(name):
            value = self.c.choice(node, f"{o.sub(name)}[{i}]", allowed, what)
            if value is not None and value not in out:
                out.append(value)
        return tuple(out)

    def _unit(self, node: Node, path: str) -> UnitDoc | None:
        o = self.c.mapping(node, path, UNIT_KEYS, UNIT_KEYS)
        if o is None:
            return None
        key = o.get("key", self.c.key)
        name = o.text("name")
        kind = o.get("kind", lambda n, p: self.c.choice(n, p, UNIT_KINDS, "unit kind"))
        if key is None or not name or kind is None:
            return None
        return UnitDoc(key=key, name=name, kind=kind, line=o.line)

    def _objective(self, node: Node, path: str) -> ObjectiveDoc | None:
        o = self.c.mapping(node, path, OBJECTIVE_KEYS, ["key", "title"])
        if o is None:
            return None
        key = o.get("key", self.c.key)
        title = o.text("title")
        kpis: list[KpiDoc] = []
        seen: dict[str, int] = {}
        for i, kpi_node in o.items("kpis"):
            kpi = self._kpi(kpi_node, f"{path}.kpis[{i}]")
            if kpi is None:
                continue
            if kpi.key in seen:
                self.c.error(
                    kpi.line,
                    f"{path}.kpis[{i}].key",
                    f"duplicate key '{kpi.key}' (first at line {seen[kpi.key]})",
                )
                continue
            seen[kpi.key] = kpi.line
            kpis.append(kpi)
        if key is None or not title:
            return None
        return ObjectiveDoc(
            key=key, title=title, title_en=o.text("title_en"), kpis=tuple(kpis), line=o.line
        )

    def _kpi(self, node: Node, path: str) -> KpiDoc | None:
        o = self.c.mapping(node, path, KPI_KEYS, ["key", "metric", "target"])
        if o is None:
            return None
        key = o.get("key", self.c.key)
        metric = o.get("metric", lambda n, p: self.c.choice(n, p, sorted(TERMS), "KPI metric"))
        target = o.get("target", self.c.number)
        if target is not None and metric is not None:
            term = TERMS[metric]
            if target <= 0:
                self.c.error(o.node_of("target"), o.sub("target"), "a target must be above 0")
                target = None
            elif term.unit == "%" and target > 1:
                self.c.error(
                    o.node_of("target"),
                    o.sub("target"),
                    f"{metric} is a fraction between 0 and 1 (0.95 means 95%), not {target:g}",
                )
                target = None
        platforms = self._vocab(o, "platforms", PLATFORMS, "platform")
        units = self._refs(o, "units", "unit")
        kinds = self._vocab(o, "content_kinds", CONTENT_KINDS, "content kind")
        pacing = o.get("pacing", lambda n, p: self.c.choice(n, p, PACINGS, "pacing"))
        if key is None or metric is None or target is None:
            return None
        return KpiDoc(
            key=key,
            metric=metric,
            target=target,
            platforms=platforms,
            units=units,
            content_kinds=kinds,
            audiences=self._kpi_audiences(o),
            pacing=pacing or "linear",
            line=o.line,
        )

    def _kpi_audiences(self, o: Obj) -> tuple[str, ...]:
        out: list[str] = []
        for i, node in o.items("audiences"):
            path = f"{o.sub('audiences')}[{i}]"
            value = self.c.text(node, path)
            if value is not None:
                self.kpi_audiences.append((node, path, value))
                out.append(value)
        return tuple(out)

    def _channel(self, node: Node, path: str) -> ChannelDoc | None:
        o = self.c.mapping(node, path, CHANNEL_KEYS, ["key", "platform", "name"])
        if o is None:
            return None
        key = o.get("key", self.c.key)
        platform = o.get("platform", lambda n, p: self.c.choice(n, p, PLATFORMS, "platform"))
        name = o.text("name")
        unit = self._ref(o, "unit", "unit")
        handoff = o.get("native_handoff", self.c.boolean)
        playlist = o.text("playlist_id") or None
        external = ""
        if platform == "facebook":
            external = o.text("page_id")
            if not o.has("page_id"):
                self.c.error(o.node, o.sub("page_id"), "a Facebook channel needs its page_id")
            elif not external.isdigit():
                self.c.error(
                    o.node_of("page_id"), o.sub("page_id"), f"'{external}' is not a Page id"
                )
            for wrong in ("channel_id", "playlist_id"):
                if o.has(wrong):
                    self.c.error(o.node_of(wrong), o.sub(wrong), "only YouTube channels have it")
        elif platform == "youtube":
            external = o.text("channel_id")
            if not o.has("channel_id"):
                self.c.error(o.node, o.sub("channel_id"), "a YouTube channel needs its channel_id")
            elif not external.startswith("UC"):
                self.c.error(
                    o.node_of("channel_id"),
                    o.sub("channel_id"),
                    f"'{external}' is not a YouTube channel id (they start with UC)",
                )
            if o.has("page_id"):
                self.c.error(o.node_of("page_id"), o.sub("page_id"), "only Facebook Pages have it")
        if key is None or platform is None or not name or not external:
            return None
        return ChannelDoc(
            key=key,
            platform=platform,
            external_id=external,
            name=name,
            unit=unit,
            native_handoff=bool(handoff),
            playlist_id=playlist,
            line=o.line,
        )

    def _content(self, node: Node, path: str) -> ContentDoc | None:
        o = self.c.mapping(node, path, CONTENT_KEYS, ["key", "kind"])
        if o is None:
            return None
        key = o.get("key", lambda n, p: self.c.key(n, p, max_len=120))
        kind = o.get("kind", lambda n, p: self.c.choice(n, p, CONTENT_KINDS, "content kind"))
        link = o.text("link")
        if o.has("link") and link and not URL_RE.match(link):
            self.c.error(o.node_of("link"), o.sub("link"), f"'{link}' is not an http(s) address")
        if kind == "link" and not o.has("link"):
            self.c.error(o.node, o.sub("link"), "a link post needs its link")
        media = self._media_file(o, "media")
        if kind in ("photo", "clip") and not o.has("media"):
            self.c.error(o.node, o.sub("media"), f"a {kind} needs its media file")
        thumbnail = self._media_file(o, "thumbnail")
        privacy = o.get("privacy", lambda n, p: self.c.choice(n, p, PRIVACIES, "privacy"))
        kids = o.get("made_for_kids", self.c.boolean)
        fmt = o.get("format", lambda n, p: self.c.choice(n, p, CLIP_FORMATS, "clip format"))
        if fmt == "reel" and kind is not None and kind != "clip":
            self.c.error(o.node_of("format"), o.sub("format"), "only a clip can be a reel")
        if key is None or kind is None:
            return None
        self.content_paths.setdefault(key, path)
        return ContentDoc(
            key=key,
            kind=kind,
            unit=self._ref(o, "unit", "unit"),
            title=o.text("title"),
            title_en=o.text("title_en"),
            message=o.text("message"),
            description=o.text("description"),
            link=link,
            media=media,
            media_path=(self.base_dir / media) if media else None,
            thumbnail=thumbnail,
            thumbnail_path=(self.base_dir / thumbnail) if thumbnail else None,
            tags=o.texts("tags"),
            objectives=self._refs(o, "objectives", "objective"),
            audiences=o.texts("audiences"),
            made_for_kids=bool(kids),
            privacy=privacy or "public",
            format=fmt or "video",
            line=o.line,
            lines={name: o.line_of(name) for name in o.fields},
        )

    # ---------------------------------------------------------------- plans

    def _plans(self, top: Obj) -> list[PlanDoc]:
        plans: list[PlanDoc] = []
        seen: dict[str, int] = {}
        for i, node in top.items("plans"):
            plan = self._plan(i, node, f"plans[{i}]")
            if plan is None:
                continue
            key = plan.key
            if key in seen:
                if plan.lines.get("key") or plan.kind == "series":
                    self.c.error(
                        plan.line,
                        f"plans[{i}].{'key' if 'key' in plan.lines else 'series'}",
                        f"duplicate plan key '{key}' (first at line {seen[key]})",
                    )
                    continue
                n = 2
                while f"{key}#{n}" in seen:
                    n += 1
                key = f"{key}#{n}"
                plan = PlanDoc(**{**plan.__dict__, "key": key})
            seen[key] = plan.line
            plans.append(plan)
        return plans

    def _plan(self, index: int, node: Node, path: str) -> PlanDoc | None:
        o = self.c.mapping(node, path, PLAN_KEYS, ["content", "channels"])
        if o is None:
            return None
        explicit = o.get("key", lambda n, p: self.c.key(n, p, max_len=120))
        series = o.get("series", lambda n, p: self.c.key(n, p, max_len=120))
        content = self._refs(o, "content", "content")
        channels = self._refs(o, "channels", "channel")
        for name in ("content", "channels"):
            listed = o.fields.get(name)
            if isinstance(listed, SequenceNode) and not listed.value:
                self.c.error(o.node_of(name), o.sub(name), "the list is empty")
        lines = {name: o.line_of(name) for name in o.fields}
        at: list[datetime] = []
        for i, at_node in o.items("at"):
            moment = self.c.moment(at_node, o.sub("at") + (f"[{i}]" if i else ""), self.zone)
            if moment is not None:
                at.append(moment)
        recurring = [k for k in ("every", "times", "from", "until", "weekdays") if o.has(k)]
        if o.has("at") and (recurring or series):
            self.c.error(
                o.node_of("at"),
                o.sub("at"),
                "a plan is either one-off (at) or recurring (from, until, every, times), not both",
            )
            return None
        kind = "series" if series else ("once" if o.has("at") else "recurring")
        every = o.get("every", self._every)
        times = self._times(o)
        start = o.get("from", self.c.day)
        until = o.get("until", self.c.day)
        weekdays = self._weekdays(o)
        if kind != "once":
            for name in ("from", "until"):
                if not o.has(name):
                    self.c.error(o.node, o.sub(name), f"a recurring plan needs '{name}'")
            if start and until and until < start:
                self.c.error(o.node_of("until"), o.sub("until"), f"{until} is before from {start}")
                return None
            if not o.has("every") and not o.has("times"):
                self.c.error(o.node, o.sub("every"), "a recurring plan needs 'every' or 'times'")
            elif every is not None and every.unit in ("days", "weeks") and not times:
                self.c.error(
                    o.node_of("every"), o.sub("times"), f"'every {every.unit}' needs 'times'"
                )
            elif every is not None and every.unit in ("hours", "minutes") and len(times) > 1:
                # Expansion steps from the first time only: the others would vanish unseen.
                self.c.error(
                    o.node_of("times"),
                    o.sub("times"),
                    f"'every {every.count} {every.unit}' steps from one start time; "
                    f"give one time, not {len(times)}",
                )
        if not content or not channels:
            return None
        broken = [
            name
            for name, value in (("every", every), ("from", start), ("until", until))
            if o.has(name) and value is None
        ]
        if broken or (o.has("times") and not times):
            return None  # already reported; expanding a half-read rule would mislead
        if kind == "once" and not at:
            return None
        if kind != "once" and (start is None or until is None):
            return None
        when = at[0].strftime("%Y-%m-%dT%H:%M") if at else str(start)
        key = explicit or series or f"{'+'.join(content)}@{when}"
        return PlanDoc(
            index=index,
            key=key[:120],
            kind=kind,
            content=content,
            channels=channels,
            at=tuple(at),
            every=every,
            times=times,
            start=start,
            until=until,
            weekdays=weekdays,
            line=o.line,
            lines=lines,
        )

    def _every(self, node: Node, path: str) -> Every | None:
        raw = self.c.text(node, path)
        if raw is None:
            return None
        m = EVERY_RE.match(raw)
        # Beyond MAX_EVERY the first slot is the only one; bounding keeps the arithmetic exact.
        if m is None or (m.group(1) is not None and not 0 < int(m.group(1)) <= MAX_EVERY):
            self.c.error(node, path, f"'{raw}' is not an interval (e.g. 2 days, 6 hours, 1 week)")
            return None
        return Every(int(m.group(1) or 1), m.group(2).lower() + "s")

    def _times(self, o: Obj) -> tuple[time, ...]:
        out: list[time] = []
        for i, node in o.items("times"):
            value = self.c.clock(node, f"{o.sub('times')}[{i}]")
            if value is not None and value not in out:
                out.append(value)
        return tuple(sorted(out))

    def _weekdays(self, o: Obj) -> tuple[int, ...]:
        picked = self._vocab(o, "weekdays", WEEKDAYS, "weekday")
        return tuple(sorted(WEEKDAYS.index(d) for d in picked))

    # ---------------------------------------------------------------- cross checks

    def _check_references(self, p: Parsed) -> None:
        known = {
            "unit": [u.key for u in p.units],
            "objective": [o.key for o in p.objectives],
            "channel": [c.key for c in p.channels],
            "content": [c.key for c in p.content],
        }
        for ref in self.refs:
            if ref.key not in known[ref.kind]:
                self.c.error(
                    ref.node,
                    ref.path,
                    f"unknown {ref.kind} '{ref.key}'{suggestion(ref.key, known[ref.kind])}",
                )

    def _check_audiences(self, p: Parsed) -> None:
        """Audiences are free labels, so a KPI's misspelt one would match nothing and its
        actual would stay empty all month: warn when no content item uses the label."""
        used = sorted({a for item in p.content for a in item.audiences})
        for node, path, label in self.kpi_audiences:
            if label not in used:
                self.c.warn(
                    node,
                    path,
                    f"no content item has audience '{label}'{suggestion(label, used)}: "
                    "this KPI counts nothing until one does",
                )

    def _check_platforms(self, p: Parsed) -> None:
        """Kinds against channels, and text and media against each platform planned on."""
        content = {c.key: c for c in p.content}
        channels = {c.key: c for c in p.channels}
        planned: dict[str, set[str]] = {}
        for plan in p.plans:
            for j, ch_key in enumerate(plan.channels):
                channel = channels.get(ch_key)
                if channel is None:
                    continue
                wrong = []
                for c_key in plan.content:
                    item = content.get(c_key)
                    if item is None:
                        continue
                    if channel.platform == "youtube" and item.kind != "clip":
                        wrong.append(f"'{c_key}' is a {item.kind}")
                    else:
                        planned.setdefault(c_key, set()).add(channel.platform)
                if wrong:
                    self.c.error(
                        plan.lines.get("channels", plan.line),
                        f"plans[{plan.index}].channels[{j}]",
                        f"YouTube channel '{ch_key}' takes clips only: " + ", ".join(wrong),
                    )
        for item in p.content:
            path = self.content_paths.get(item.key, "content")
            reported: set[tuple[str, str]] = set()
            # Content not planned yet is held to the platform it most likely goes to.
            platforms = sorted(planned.get(item.key, set())) or [
                "youtube" if item.kind == "clip" else "facebook"
            ]
            for platform in platforms:
                for lp in check_text(
                    platform,
                    item.kind,
                    message=item.message,
                    title=item.title,
                    description=item.description,
                    tags=item.tags,
                ):
                    if (lp.field, lp.message) in reported:
                        continue
                    reported.add((lp.field, lp.message))
                    line = item.lines.get(lp.field, item.line)
                    self.c.error(line, f"{path}.{lp.field}", lp.message)
            for field_name, media_path in (
                ("media", item.media_path),
                ("thumbnail", item.thumbnail_path),
            ):
                if media_path is None:
                    continue
                kind = item.kind if field_name == "media" else "photo"
                if field_name == "media" and item.kind in ("post", "link"):
                    kind = "clip" if media_path.suffix.lower() in VIDEO_SUFFIXES else "photo"
                for platform in platforms:
                    for lp in check_media(platform, kind, media_path):
                        if (field_name, lp.message) in reported:
                            continue
                        reported.add((field_name, lp.message))
                        line = item.lines.get(field_name, item.line)
                        self.c.error(line, f"{path}.{field_name}", lp.message)
