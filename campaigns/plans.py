"""Plan expansion: the rules of a campaign file become slots, one per (content, channel, time).

Deterministic: the same document always gives the same slots in the same order. Recurring
arithmetic runs on the wall clock of the campaign zone ("every 6 hours" means 06:00, 12:00, ...
local time), then each slot is tagged with the zone.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from campaigns.errors import Problem
from campaigns.keydates import key_dates_between
from campaigns.loader.document import CampaignDocument, PlanDoc

MAX_GAP_WARNINGS = 3  # per channel; the rest are counted, not listed


@dataclass(frozen=True)
class Slot:
    """One planned publication: `at` is aware, in the campaign zone."""

    plan_key: str
    plan_index: int
    content: str
    channel: str
    at: datetime
    line: int  # the plan's line in the campaign file

    @property
    def utc(self) -> datetime:
        return self.at.astimezone(UTC)


def moments(plan: PlanDoc, zone: ZoneInfo) -> list[datetime]:
    """The times a plan fires, sorted, in `zone` (explicit offsets are converted)."""
    if plan.kind == "once":
        return sorted({a.astimezone(zone) for a in plan.at})
    if plan.start is None or plan.until is None:
        return []
    unit = plan.every.unit if plan.every else "days"
    count = plan.every.count if plan.every else 1
    found: list[datetime] = []
    if unit in ("days", "weeks"):
        step = count * (7 if unit == "weeks" else 1)
        day = plan.start
        while day <= plan.until:
            if not plan.weekdays or day.weekday() in plan.weekdays:
                found.extend(datetime.combine(day, t, tzinfo=zone) for t in plan.times)
            day += timedelta(days=step)
    else:
        delta = timedelta(minutes=count) if unit == "minutes" else timedelta(hours=count)
        wall = datetime.combine(plan.start, plan.times[0] if plan.times else time(0))
        end = datetime.combine(plan.until, time(23, 59, 59))
        while wall <= end:
            if not plan.weekdays or wall.weekday() in plan.weekdays:
                found.append(wall.replace(tzinfo=zone))
            wall += delta
    return sorted(set(found))


def _plan_slots(plan: PlanDoc, zone: ZoneInfo) -> tuple[list[Slot], int]:
    """Slots of one plan and, for a series, how many slots found no content left."""
    times = moments(plan, zone)
    slots: list[Slot] = []
    if plan.kind == "series":
        for i, at in enumerate(times[: len(plan.content)]):
            for channel in plan.channels:
                slots.append(Slot(plan.key, plan.index, plan.content[i], channel, at, plan.line))
        return slots, max(len(times) - len(plan.content), 0)
    for at in times:
        for content in plan.content:
            for channel in plan.channels:
                slots.append(Slot(plan.key, plan.index, content, channel, at, plan.line))
    return slots, 0


def _order(slot: Slot) -> tuple[datetime, str, str, int]:
    return (slot.utc, slot.channel, slot.content, slot.plan_index)


def expand(doc: CampaignDocument) -> list[Slot]:
    """Every slot of the document, one per (content, channel, minute), in time order."""
    zone = doc.campaign.zone
    seen: set[tuple[str, str, datetime]] = set()
    out: list[Slot] = []
    for plan in doc.plans:
        for slot in _plan_slots(plan, zone)[0]:
            ident = (slot.content, slot.channel, slot.utc.replace(second=0, microsecond=0))
            if ident in seen:
                continue
            seen.add(ident)
            out.append(slot)
    return sorted(out, key=_order)


def window(doc: CampaignDocument) -> tuple[datetime, datetime]:
    """The campaign window [starts 00:00, ends+1 00:00) in its zone: `ends` runs to 23:59."""
    zone = doc.campaign.zone
    start = datetime.combine(doc.campaign.starts, time(0), tzinfo=zone)
    end = datetime.combine(doc.campaign.ends + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def _fmt(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def check(doc: CampaignDocument, min_gap_minutes: int) -> list[Problem]:
    """Plan problems: slots outside the window (errors); crowded channels, series that run out
    of content, duplicate slots and key dates left empty (warnings)."""
    zone = doc.campaign.zone
    start, end = window(doc)
    problems: list[Problem] = []

    def add(line: int | None, path: str, message: str, severity: str = "warning") -> None:
        problems.append(Problem(doc.display, line, path, message, severity))

    seen: dict[tuple[str, str, datetime], PlanDoc] = {}
    for plan in doc.plans:
        path = f"plans[{plan.index}]"
        slots, empty = _plan_slots(plan, zone)
        times = moments(plan, zone)
        early = [t for t in times if t < start]
        late = [t for t in times if t >= end]
        span = f"{doc.campaign.starts} .. {doc.campaign.ends} ({doc.campaign.timezone})"
        for outside, field in ((early, "from"), (late, "until")):
            if not outside:
                continue
            field = "at" if plan.kind == "once" else field
            what = (
                f"{_fmt(outside[0])} is"
                if len(outside) == 1
                else f"{len(outside)} slots (first {_fmt(outside[0])}) are"
            )
            add(
                plan.lines.get(field, plan.line),
                f"{path}.{field}",
                f"{what} outside the campaign window {span}",
                "error",
            )
        if empty:
            add(
                plan.lines.get("series", plan.line),
                f"{path}.series",
                f"series '{plan.key}' runs out of content: {empty} of {len(times)} slots left "
                "empty",
            )
        elif plan.kind == "series" and len(times) < len(plan.content):
            unused = ", ".join(plan.content[len(times) :])
            add(
                plan.lines.get("series", plan.line),
                f"{path}.series",
                f"series '{plan.key}' has {len(times)} slots for {len(plan.content)} items; "
                f"never published: {unused}",
            )
        if not times:
            add(plan.line, path, "this plan produces no slot")
        for slot in slots:
            ident = (slot.content, slot.channel, slot.utc.replace(second=0, microsecond=0))
            first = seen.get(ident)
            if first is not None and first is not plan:
                add(
                    plan.line,
                    path,
                    f"'{slot.content}' on '{slot.channel}' at {_fmt(slot.at)} is already "
                    f"planned at line {first.line}; one publication is made",
                )
            seen.setdefault(ident, plan)
    slots = expand(doc)
    problems.extend(_gaps(doc, slots, min_gap_minutes))
    planned_days = {s.at.astimezone(zone).date() for s in slots}
    for day, kd in key_dates_between(doc.campaign.starts, doc.campaign.ends):
        if day not in planned_days:
            add(
                doc.lines.get("plans"),
                "plans",
                f"nothing is planned on {day:%d/%m} ({kd.name_en})",
            )
    return problems


def _gaps(doc: CampaignDocument, slots: list[Slot], min_gap_minutes: int) -> list[Problem]:
    """Warnings for two publications on one channel closer than the minimum gap."""
    if min_gap_minutes <= 0:
        return []
    gap = timedelta(minutes=min_gap_minutes)
    by_channel: dict[str, list[Slot]] = defaultdict(list)
    for slot in slots:
        by_channel[slot.channel].append(slot)
    problems: list[Problem] = []
    for channel, items in sorted(by_channel.items()):
        close = [(b, a) for b, a in pairwise(items) if a.utc - b.utc < gap]
        for before, after in close[:MAX_GAP_WARNINGS]:
            minutes = int((after.utc - before.utc).total_seconds() // 60)
            problems.append(
                Problem(
                    doc.display,
                    after.line,
                    f"plans[{after.plan_index}]",
                    f"channel '{channel}': '{before.content}' at {_fmt(before.at)} and "
                    f"'{after.content}' at {_fmt(after.at)} are {minutes} minute{'s' * (minutes != 1)} "
                    "apart "
                    f"(minimum {min_gap_minutes})",
                    "warning",
                )
            )
        if len(close) > MAX_GAP_WARNINGS:
            problems.append(
                Problem(
                    doc.display,
                    None,
                    "plans",
                    f"channel '{channel}': {len(close) - MAX_GAP_WARNINGS} more pairs of "
                    f"publications closer than {min_gap_minutes} minutes",
                    "warning",
                )
            )
    return problems
