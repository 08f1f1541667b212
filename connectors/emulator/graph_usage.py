"""Graph rate-limit accounting and the usage headers it sends with every answer.

Meta's two regimes (developers.facebook.com/docs/graph-api/overview/rate-limiting):
- Platform rate limits for calls made with an app or user token: a rolling hour per app,
  reported in `X-App-Usage` (`call_count`, `total_time`, `total_cputime`, integer percentages).
- Business Use Case (BUC) rate limits for calls made with a Page token: a rolling 24 hours per
  Page, reported in `X-Business-Use-Case-Usage` as `{"<page-id>": [{"type": "pages",
  "call_count", "total_cputime", "total_time", "estimated_time_to_regain_access"}]}`, the last in
  minutes. A Page-token call carries only that header, not `X-App-Usage`.
Calls are counted in emulated time. `page_calls` is the Page's BUC allowance per 24 hours (the
real one is 4,800 x the Page's engaged users).
"""

import json
import math
from datetime import datetime, timedelta

from connectors.emulator.state import State

APP_WINDOW = timedelta(hours=1)
PAGE_WINDOW = timedelta(hours=24)
WINDOW = APP_WINDOW  # kept for callers of the old name


class GraphUsage:
    def __init__(self, state: State, app_calls_per_hour: int, page_calls_per_day: int) -> None:
        self.state = state
        self.app_limit = max(1, app_calls_per_hour)
        self.page_limit = max(1, page_calls_per_day)

    def _trim(self, now: datetime) -> None:
        with self.state.lock:
            while self.state.app_calls and self.state.app_calls[0] <= now - APP_WINDOW:
                self.state.app_calls.popleft()
            for p in self.state.pages.values():
                while p.calls and p.calls[0] <= now - PAGE_WINDOW:
                    p.calls.popleft()

    def record(self, now: datetime, page: str | None, *, page_token: bool = False) -> None:
        """Count a call: on its Page's BUC window when made with a Page token, else the app's."""
        with self.state.lock:
            self._trim(now)
            if page_token and page in self.state.pages:
                self.state.pages[page].calls.append(now)
            else:
                self.state.app_calls.append(now)

    def over(self, page: str | None, *, page_token: bool = False) -> str:
        """'app' or 'page' when the limit that governs the call is spent, else ''."""
        with self.state.lock:
            if page_token and page in self.state.pages:
                return "page" if len(self.state.pages[page].calls) >= self.page_limit else ""
            return "app" if len(self.state.app_calls) >= self.app_limit else ""

    def regain_minutes(self, now: datetime, page: str | None) -> int:
        """Minutes until the oldest call of the Page's 24-hour window leaves it."""
        with self.state.lock:
            calls = self.state.pages[page].calls if page in self.state.pages else None
            oldest = calls[0] if calls else now
        left = oldest + PAGE_WINDOW - now
        return max(1, math.ceil(left.total_seconds() / 60))

    def headers(
        self,
        now: datetime,
        page: str | None,
        *,
        saturated: bool = False,
        page_token: bool = False,
    ) -> dict[str, str]:
        with self.state.lock:
            self._trim(now)
            app_pct = min(100, len(self.state.app_calls) * 100 // self.app_limit)
            page_pct = 0
            if page in self.state.pages:
                page_pct = min(100, len(self.state.pages[page].calls) * 100 // self.page_limit)
        if saturated:
            app_pct = page_pct = 100
        if not (page_token and page):
            usage = {
                "call_count": app_pct,
                "total_time": app_pct * 3 // 5,
                "total_cputime": app_pct * 2 // 5,
            }
            return {"X-App-Usage": json.dumps(usage)}
        regain = self.regain_minutes(now, page) if page_pct >= 100 else 0
        entry = {
            "type": "pages",
            "call_count": page_pct,
            "total_cputime": page_pct * 2 // 5,
            "total_time": page_pct * 3 // 5,
            "estimated_time_to_regain_access": regain,
        }
        return {"X-Business-Use-Case-Usage": json.dumps({page: [entry]})}
