"""YouTube's daily quota, counted before spending it.

Source: YouTube Data API v3 "Quota costs" (developers.google.com/youtube/v3/determine_quota_cost):
10,000 units a day for all methods but two, which have buckets of their own (100 `videos.insert`
and 100 `search.list` calls a day, 1 per call); list methods cost 1 unit, inserts, updates,
deletes and `thumbnails.set` 50; invalid requests cost too. Days end at midnight Pacific time.
"""

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from connectors.base import QuotaExhausted

PACIFIC = ZoneInfo("America/Los_Angeles")
UNITS = "units"
UPLOADS = "uploads"

# method -> (bucket, cost)
COSTS: dict[str, tuple[str, int]] = {
    "videos.insert": (UPLOADS, 1),
    "videos.list": (UNITS, 1),
    "videos.update": (UNITS, 50),
    "videos.delete": (UNITS, 50),
    "channels.list": (UNITS, 1),
    "playlistItems.list": (UNITS, 1),
    "playlistItems.insert": (UNITS, 50),
    "playlistItems.delete": (UNITS, 50),
    "thumbnails.set": (UNITS, 50),
}


class QuotaStore(Protocol):
    """Units used per account (Google project), Pacific day and bucket; increments are atomic."""

    def used(self, account: str, day: date, bucket: str) -> int:
        """Units spent so far."""

    def try_spend(self, account: str, day: date, bucket: str, units: int, limit: int) -> bool:
        """Add `units` unless that would pass `limit`; whether they were added."""

    def add(self, account: str, day: date, bucket: str, units: int) -> int:
        """Add `units` without a limit (the platform said the bucket is empty); the new total."""


@dataclass
class MemoryQuotaStore:
    """The ledger of one process (tests, the emulator demo)."""

    _used: dict[tuple[str, date, str], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def used(self, account: str, day: date, bucket: str) -> int:
        with self._lock:
            return self._used.get((account, day, bucket), 0)

    def try_spend(self, account: str, day: date, bucket: str, units: int, limit: int) -> bool:
        with self._lock:
            key = (account, day, bucket)
            if self._used.get(key, 0) + units > limit:
                return False
            self._used[key] = self._used.get(key, 0) + units
            return True

    def add(self, account: str, day: date, bucket: str, units: int) -> int:
        with self._lock:
            key = (account, day, bucket)
            self._used[key] = self._used.get(key, 0) + units
            return self._used[key]


def pacific_day(now: datetime) -> date:
    return now.astimezone(PACIFIC).date()


def reset_at(now: datetime) -> datetime:
    """The next midnight in Pacific time (where the quota resets), as an aware UTC time."""
    tomorrow = pacific_day(now) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), PACIFIC).astimezone(UTC)


class QuotaLedger:
    def __init__(
        self, store: QuotaStore, daily_units: int = 10_000, daily_uploads: int = 100
    ) -> None:
        self.store = store
        self.limits = {UNITS: daily_units, UPLOADS: daily_uploads}

    def spend(self, account: str, method: str, now: datetime) -> None:
        """Books the call's cost, or raises QuotaExhausted until the reset without calling."""
        bucket, cost = COSTS.get(method, (UNITS, 1))
        day = pacific_day(now)
        if not self.store.try_spend(account, day, bucket, cost, self.limits[bucket]):
            raise QuotaExhausted(
                f"YouTube {bucket} quota for today is spent ({method} held back)",
                reset_at=reset_at(now),
                bucket=bucket,
                platform="youtube",
                code="quotaExceeded" if bucket == UNITS else "uploadLimitExceeded",
            )

    def exhaust(self, account: str, bucket: str, now: datetime) -> None:
        """The platform says the bucket is empty: book the rest so nobody calls again today."""
        day = pacific_day(now)
        left = self.limits[bucket] - self.store.used(account, day, bucket)
        if left > 0:
            self.store.add(account, day, bucket, left)

    def remaining(self, account: str, bucket: str, now: datetime) -> int:
        return max(0, self.limits[bucket] - self.store.used(account, pacific_day(now), bucket))
