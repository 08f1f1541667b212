"""The moment numbers are read at when nobody names one: one rule for `loa scorecard`, the app
and its date-range filter, so that they agree on the same data."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last instant of `day` in `zone` (what `--as-of YYYY-MM-DD` means)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone) - timedelta(
        microseconds=1
    )


def default_as_of(ends: date, zone: ZoneInfo, now: datetime) -> datetime:
    """The end of the campaign's last day (its zone) once the campaign is over, else `now`:
    reading an ended campaign "now" would compare weeks after it with each other (+0 %)."""
    return min(now, end_of_day(ends, zone))


def default_last_day(starts: date, ends: date, zone: ZoneInfo, now: datetime) -> date:
    """The last day of the default date range: the day of `default_as_of`, kept within the
    campaign's days (a campaign not yet begun shows its first day)."""
    day = default_as_of(ends, zone, now).astimezone(zone).date()
    return max(starts, day)
