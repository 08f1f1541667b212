"""YouTube Data API quota: one Google project's units and uploads per Pacific day.

Costs follow the YouTube Data API v3 quota table (developers.google.com/youtube/v3/determine_quota_cost):
list calls 1 unit, insert/update/delete 50; `videos.insert` draws only on its own daily bucket
(100 calls, 1 each), not on the 10,000 units, exactly as the connector's ledger books it. Both
reset at midnight America/Los_Angeles.
"""

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")

UPLOAD_METHOD = "videos.insert"  # its own bucket: 1 a call, no units
UPLOAD_COST = 1
COSTS = {
    "videos.list": 1,
    "channels.list": 1,
    "playlistItems.list": 1,
    "videos.update": 50,
    "videos.delete": 50,
    "thumbnails.set": 50,
    "playlistItems.insert": 50,
    "playlistItems.delete": 50,
}


class QuotaLedger:
    def __init__(self, daily_units: int, daily_uploads: int) -> None:
        self.daily_units = daily_units
        self.daily_uploads = daily_uploads
        self._lock = threading.Lock()
        self._day: date | None = None
        self.units = 0
        self.uploads = 0

    def _roll(self, now: datetime) -> None:
        today = now.astimezone(PACIFIC).date()
        if today != self._day:
            self._day, self.units, self.uploads = today, 0, 0

    def charge(self, method: str, now: datetime) -> str:
        """Charge one call; '' when allowed, else 'units' or 'uploads' (nothing is charged)."""
        with self._lock:
            self._roll(now)
            if method == UPLOAD_METHOD:
                if self.uploads + UPLOAD_COST > self.daily_uploads:
                    return "uploads"
                self.uploads += UPLOAD_COST
                return ""
            cost = COSTS.get(method, 1)
            if self.units + cost > self.daily_units:
                return "units"
            self.units += cost
            return ""

    def used(self, now: datetime) -> dict[str, int]:
        with self._lock:
            self._roll(now)
            return {"units": self.units, "uploads": self.uploads}

    def reset(self) -> None:
        with self._lock:
            self._day, self.units, self.uploads = None, 0, 0
