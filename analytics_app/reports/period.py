"""The period a report speaks about: an ISO week in the campaign's zone, or the whole campaign.

A week runs Monday 00:00 to the next Monday 00:00 in the campaign's zone; its figures are read as
of the last instant of Sunday (or now, while the week is still running).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from campaigns.errors import UserError

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> "IsoWeek":
        """`2025-W47`; UserError naming the value when it is not an ISO week."""
        match = _WEEK.match(text.strip())
        if match is None:
            raise UserError(f"--week {text!r} is not an ISO week such as 2025-W47")
        year, week = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise UserError(f"--week {text!r}: {year} has no week {week}") from None
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> "IsoWeek":
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def previous(self) -> "IsoWeek":
        return IsoWeek.of(self.monday - timedelta(days=7))

    def next(self) -> "IsoWeek":
        return IsoWeek.of(self.monday + timedelta(days=7))

    def starts(self, zone: ZoneInfo) -> datetime:
        return datetime.combine(self.monday, time(0), tzinfo=zone)

    def ends(self, zone: ZoneInfo) -> datetime:
        """The next Monday's midnight (exclusive)."""
        return datetime.combine(self.monday + timedelta(days=7), time(0), tzinfo=zone)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


def last_complete_week(now: datetime, zone: ZoneInfo) -> IsoWeek:
    """The newest week whose Sunday has ended in `zone` at `now`."""
    return IsoWeek.of(now.astimezone(zone).date()).previous()


def check_week_in_campaign(week: IsoWeek, first_day: date, last_day: date) -> None:
    """UserError when the week does not overlap the campaign's days."""
    if week.sunday < first_day or week.monday > last_day:
        raise UserError(
            f"week {week} ({week.monday:%d/%m/%Y} - {week.sunday:%d/%m/%Y}) is outside the "
            f"campaign ({first_day:%d/%m/%Y} - {last_day:%d/%m/%Y})"
        )
