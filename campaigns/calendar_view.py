"""A week or month calendar as plain data: days, their key date, and what is planned on each.

The terminal (`loa plan show`) and the app render the same structure.
"""

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from campaigns.errors import UserError
from campaigns.keydates import KeyDate, key_date_on
from campaigns.publications import PublicationView

WEEK_RE = re.compile(r"^(\d{4})-W(\d{1,2})$")
MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_campaign: bool
    key_date: KeyDate | None
    entries: tuple[PublicationView, ...] = ()


@dataclass(frozen=True)
class CalendarWeek:
    year: int
    week: int
    days: tuple[CalendarDay, ...]  # Monday .. Sunday

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"


@dataclass(frozen=True)
class CalendarView:
    title: str
    start: date
    end: date  # inclusive
    weeks: tuple[CalendarWeek, ...] = field(default_factory=tuple)

    @property
    def count(self) -> int:
        return sum(len(d.entries) for w in self.weeks for d in w.days)


def period(
    week: str | None, month: str | None, default: tuple[date, date]
) -> tuple[str, date, date]:
    """Title and inclusive dates of `--week 2025-W47`, `--month 2025-11`, or the default span."""
    if week and month:
        raise UserError("choose --week or --month, not both")
    if week:
        m = WEEK_RE.match(week.strip())
        try:
            if m is None:
                raise ValueError(week)
            start = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise UserError(f"'{week}' is not an ISO week (e.g. 2025-W47)") from None
        return f"week {week}", start, start + timedelta(days=6)
    if month:
        m = MONTH_RE.match(month.strip())
        try:
            if m is None:
                raise ValueError(month)
            start = date(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise UserError(f"'{month}' is not a month (e.g. 2025-11)") from None
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return f"{start:%m/%Y}", start, following - timedelta(days=1)
    return "campaign", default[0], default[1]


def bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in `zone`: the query window of a calendar."""
    return (
        datetime.combine(start, time(0), tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone),
    )


def build(
    title: str,
    start: date,
    end: date,
    views: Sequence[PublicationView],
    campaign_span: tuple[date, date],
) -> CalendarView:
    """Whole weeks (Monday to Sunday) covering `start`..`end`, each day with its publications."""
    by_day: dict[date, list[PublicationView]] = defaultdict(list)
    for v in views:
        by_day[v.scheduled_at.date()].append(v)
    first = start - timedelta(days=start.weekday())
    last = end + timedelta(days=6 - end.weekday())
    weeks: list[CalendarWeek] = []
    monday = first
    while monday <= last:
        days = []
        for offset in range(7):
            day = monday + timedelta(days=offset)
            shown = start <= day <= end
            entries = sorted(by_day.get(day, []), key=lambda v: (v.scheduled_at, v.channel))
            days.append(
                CalendarDay(
                    day=day,
                    in_campaign=campaign_span[0] <= day <= campaign_span[1],
                    key_date=key_date_on(day),
                    entries=tuple(entries) if shown else (),
                )
            )
        iso = monday.isocalendar()
        weeks.append(CalendarWeek(iso.year, iso.week, tuple(days)))
        monday += timedelta(days=7)
    return CalendarView(title, start, end, tuple(weeks))
