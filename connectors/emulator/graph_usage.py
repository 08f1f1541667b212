"""Graph rate-limit accounting and the usage headers it sends with every answer.

Calls are counted in a rolling hour of emulated time, per app and per Page. The headers carry
integer percentages of the limit, as Meta documents for `X-App-Usage` and
`X-Business-Use-Case-Usage` (developers.facebook.com/docs/graph-api/overview/rate-limiting);
`estimated_time_to_regain_access` is in minutes.
"""

import json
from datetime import datetime, timedelta

from connectors.emulator.state import State

WINDOW = timedelta(hours=1)


class GraphUsage:
    def __init__(self, state: State, app_calls_per_hour: int, page_calls_per_hour: int) -> None:
        self.state = state
        self.app_limit = max(1, app_calls_per_hour)
        self.page_limit = max(1, page_calls_per_hour)

    def record(self, now: datetime, page: str | None) -> None:
        with self.state.lock:
            self.state.trim_calls(now, WINDOW)
            self.state.app_calls.append(now)
            if page and page in self.state.pages:
                self.state.pages[page].calls.append(now)

    def over(self, page: str | None) -> str:
        """'app' or 'page' when that limit is already spent in this window, else ''."""
        with self.state.lock:
            if len(self.state.app_calls) >= self.app_limit:
                return "app"
            if page in self.state.pages and len(self.state.pages[page].calls) >= self.page_limit:
                return "page"
        return ""

    def regain_minutes(self, now: datetime, page: str | None) -> int:
        with self.state.lock:
            calls = self.state.pages[page].calls if page in self.state.pages else None
            oldest = calls[0] if calls else (self.state.app_calls or [now])[0]
        left = oldest + WINDOW - now
        return max(1, int(left.total_seconds() // 60) + 1)

    def headers(
        self, now: datetime, page: str | None, *, saturated: bool = False
    ) -> dict[str, str]:
        with self.state.lock:
            app_pct = min(100, len(self.state.app_calls) * 100 // self.app_limit)
            page_pct = 0
            if page in self.state.pages:
                page_pct = min(100, len(self.state.pages[page].calls) * 100 // self.page_limit)
        if saturated:
            app_pct = page_pct = 100
        headers = {
            "X-App-Usage": json.dumps(
                {
                    "call_count": app_pct,
                    "total_time": app_pct * 3 // 5,
                    "total_cputime": app_pct * 2 // 5,
                }
            )
        }
        if page:
            regain = self.regain_minutes(now, page) if page_pct >= 100 else 0
            headers["X-Business-Use-Case-Usage"] = json.dumps(
                {
                    page: [
                        {
                            "type": "pages",
                            "call_count": page_pct,
                            "total_cputime": page_pct * 2 // 5,
                            "total_time": page_pct * 3 // 5,
                            "estimated_time_to_regain_access": regain,
                        }
                    ]
                }
            )
        return headers
