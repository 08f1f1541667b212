"""Cell values as Excel or a CSV file hands them over, turned into dates, times, texts and lists.

Each parser returns the value or raises CellError with a message an officer can act on.
"""

import re
from datetime import date, datetime, time, timedelta

from openpyxl.utils.datetime import from_excel

from campaigns.limits import nfc

Cell = str | int | float | bool | date | datetime | time | timedelta | None

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_HM = re.compile(r"^(\d{1,2})\s*(?::|h|H|g)\s*(\d{2})?(?::(\d{2}))?$")
_LIST_SEPARATORS = re.compile(r"[,;\n]")


class CellError(ValueError):
    """A cell that cannot be read as the column needs."""


def is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Cell) -> str:
    """The cell as NFC text, stripped; numbers without a spurious '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value)).strip()


def parse_date(value: Cell) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date typed into a cell formatted as a number: Excel's serial day count.
        if 20_000 < value < 80_000:
            return from_excel(value).date()
        raise CellError(f"{text(value)} is not a date; write dd/mm/yyyy (e.g. 25/11/2025)")
    raw = text(value)
    if not raw:
        raise CellError("a date is required (dd/mm/yyyy)")
    try:
        m = _DMY.match(raw)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = _ISO.match(raw)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise CellError(f"'{raw}' is not a valid date: {exc}") from None
    raise CellError(f"'{raw}' is not a date; write dd/mm/yyyy (e.g. 25/11/2025)")


def parse_time(value: Cell) -> time:
    if isinstance(value, datetime):
        return time(value.hour, value.minute)
    if isinstance(value, time):
        return time(value.hour, value.minute)
    if isinstance(value, timedelta):
        minutes = round(value.total_seconds() / 60)
        if 0 <= minutes < 24 * 60:
            return time(minutes // 60, minutes % 60)
        raise CellError(f"{value} is not a time of day (HH:MM)")
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A time typed into a number cell: Excel's fraction of a day.
        if 0 <= value < 1:
            minutes = round(value * 24 * 60)
            return time(minutes // 60 % 24, minutes % 60)
        raise CellError(f"{text(value)} is not a time of day; write HH:MM (e.g. 07:30)")
    raw = text(value)
    if not raw:
        raise CellError("a time is required (HH:MM)")
    m = _HM.match(raw)
    if m:
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise CellError(f"'{raw}' is not a time of day; write HH:MM (e.g. 07:30)")


def parse_list(value: Cell) -> list[str]:
    """Items separated by commas, semicolons or line breaks; blanks and repeats dropped."""
    out: list[str] = []
    for part in _LIST_SEPARATORS.split(text(value)):
        item = part.strip()
        if item and item not in out:
            out.append(item)
    return out
