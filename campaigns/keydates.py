"""The Action Month's key dates, which the planner, the calendar and key-date pacing know about.

The Month runs 15 November - 15 December every year (the 2025 dispatch); 25 November and
10 December are the international days it is built around.
"""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class KeyDate:
    month: int
    day: int
    name: str  # Vietnamese, as the app speaks by default
    name_en: str

    def in_year(self, year: int) -> date:
        return date(year, self.month, self.day)


KEY_DATES: tuple[KeyDate, ...] = (
    KeyDate(11, 15, "Phát động Tháng hành động", "Launch of the Action Month"),
    KeyDate(
        11,
        25,
        "Ngày Quốc tế xóa bỏ bạo lực đối với phụ nữ",
        "International Day for the Elimination of Violence against Women",
    ),
    KeyDate(12, 10, "Ngày Quốc tế Nhân quyền", "Human Rights Day"),
    KeyDate(12, 15, "Bế mạc Tháng hành động", "Close of the Action Month"),
)


def key_date_on(day: date) -> KeyDate | None:
    """The key date falling on `day`, if any."""
    for kd in KEY_DATES:
        if (kd.month, kd.day) == (day.month, day.day):
            return kd
    return None


def key_dates_between(start: date, end: date) -> list[tuple[date, KeyDate]]:
    """Key dates within `start`..`end` (inclusive), in order, across year boundaries."""
    found: list[tuple[date, KeyDate]] = []
    for year in range(start.year, end.year + 1):
        for kd in KEY_DATES:
            day = kd.in_year(year)
            if start <= day <= end:
                found.append((day, kd))
    found.sort(key=lambda pair: pair[0])
    return found


def days(start: date, end: date) -> list[date]:
    """Every day of `start`..`end` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
