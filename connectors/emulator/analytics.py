"""YouTube Analytics v2 `GET /v2/reports`, answering with a `youtubeAnalytics#resultTable`.

Columns come dimensions first, then metrics, in request order (developers.google.com/youtube/
analytics/reference/reports/query). Daily values are differences of each video's lifetime curve
at UTC midnights, clipped to the clock, so they sum to the lifetime numbers videos.list reports
at the end of the last day. `viewerPercentage` goes with `ageGroup` and/or `gender` and sums to
100. When nothing matches, `rows` is absent, as the real API does.

Freshness: Analytics data lag 48-72 hours and the latest days are missing
(developers.google.com/youtube/analytics, revision history and data-freshness notes), so values
are clipped to `now - analytics_delay_hours` (48 by default, a platform switch) and days after
that moment are not served. Since 2026-08-27 `views` counts from playback start and the older,
stricter definition is served as `engagedViews` (YouTube Analytics revision history).
"""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from typing import Any

from werkzeug.wrappers import Request, Response

from connectors.emulator.clock import Clock
from connectors.emulator.engagement import (
    AGE_GROUPS,
    age_shares,
    average_view_duration,
    female_share,
    hashtags,
)
from connectors.emulator.oauth import GoogleOAuth
from connectors.emulator.platform import Platform
from connectors.emulator.state import State, YtVideo
from connectors.emulator.wire import ApiError, google_error, json_response
from connectors.emulator.youtube import YouTube

_SUMS = {
    "views": "views",
    "estimatedMinutesWatched": "minutes",
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "subscribersGained": "subscribers",
    "engagedViews": "engaged",
}
METRICS = (*_SUMS, "averageViewDuration", "viewerPercentage")
DIMENSIONS = ("day", "video", "ageGroup", "gender")
_USER_SPECIFIED = 0.01


def _bad(message: str) -> ApiError:
    return google_error(400, "badRequest", message)


class Analytics:
    def __init__(
        self,
        state: State,
        clock: Clock,
        oauth: GoogleOAuth,
        youtube: YouTube,
        platform: Platform | None = None,
    ) -> None:
        self.state = state
        self.clock = clock
        self.oauth = oauth
        self.youtube = youtube
        self.platform = platform or youtube.platform

    def cutoff(self) -> datetime:
        """The newest moment the reports cover: now less the analytics delay."""
        delay = timedelta(hours=self.platform.switches.analytics_delay_hours)
        return self.clock.now() - delay

    def classify(self, request: Request) -> frozenset[str]:
        tags = {"youtube", "analytics", "read"}
        channel = self.oauth.channel_of(request)
        if channel:
            tags.add(channel)
        return frozenset(tags)

    def fault(self, kind: str) -> Response:
        return self.youtube.fault(kind, self.youtube_call())

    def youtube_call(self) -> Any:
        from connectors.emulator.youtube import YtCall

        return YtCall("reports.query", frozenset(), None)

    def handle(self, request: Request) -> Response:
        try:
            channel = self.oauth.authenticate(request)
            return json_response(self._query(request.args, channel))
        except ApiError as err:
            return err.response

    def _query(self, args: Any, mine: str) -> dict[str, Any]:
        ids = args.get("ids", "")
        if ids not in ("channel==MINE", f"channel=={mine}"):
            raise google_error(403, "forbidden", "Forbidden")
        try:
            start = date.fromisoformat(args.get("startDate", ""))
            end = date.fromisoformat(args.get("endDate", ""))
        except ValueError as exc:
            raise _bad("Required: startDate and endDate as YYYY-MM-DD.") from exc
        if end < start:
            raise _bad("The endDate must be on or after the startDate.")
        metrics = [m for m in args.get("metrics", "").split(",") if m]
        dims = [d for d in args.get("dimensions", "").split(",") if d]
        for name in metrics:
            if name not in METRICS:
                raise _bad(f"Unknown identifier ({name}) given in field parameters.metrics.")
        for name in dims:
            if name not in DIMENSIONS:
                raise _bad(f"Unknown identifier ({name}) given in field parameters.dimensions.")
        if not metrics:
            raise _bad("Required parameter: metrics")
        demographic = bool({"ageGroup", "gender"} & set(dims))
        if demographic != ("viewerPercentage" in metrics) or (demographic and len(metrics) > 1):
            raise _bad("The query is not supported. viewerPercentage goes with ageGroup or gender.")
        videos = self._videos(mine, args.get("filters", ""))
        if demographic:
            rows = self._demographics(videos, dims, start, end)
        else:
            rows = self._rows(videos, dims, metrics, start, end)
        rows = _sort(rows, dims + metrics, args.get("sort", ""))
        first = int(args.get("startIndex") or 1) - 1
        if args.get("maxResults"):
            rows = rows[first : first + int(args["maxResults"])]
        elif first:
            rows = rows[first:]
        headers = [{"name": d, "columnType": "DIMENSION", "dataType": "STRING"} for d in dims] + [
            {
                "name": m,
                "columnType": "METRIC",
                "dataType": "FLOAT" if m == "viewerPercentage" else "INTEGER",
            }
            for m in metrics
        ]
        table: dict[str, Any] = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
        if rows:
            table["rows"] = rows
        return table

    def _videos(self, channel: str, filters: str) -> list[YtVideo]:
        wanted: set[str] | None = None
        for clause in [c for c in filters.split(";") if c]:
            key, _, value = clause.partition("==")
            if key != "video":
                raise _bad(f"Unsupported filter {key}")
            wanted = set(value.split(","))
        with self.state.lock:
            return [
                v
                for v in self.state.yt_videos.values()
                if v.channel_id == channel
                and v.published_at is not None
                and (wanted is None or v.id in wanted)
            ]

    def _at(self, video: YtVideo, when: datetime) -> dict[str, int]:
        life = dict(self.youtube.lifetime(video, min(when, self.cutoff())))
        life["engaged"] = int(life["views"] * _engaged_share(self.state.seed, video.id))
        return life

    def _daily(self, video: YtVideo, day: date) -> dict[str, int]:
        begin = datetime.combine(day, time(0), tzinfo=UTC)
        a, b = self._at(video, begin), self._at(video, begin + timedelta(days=1))
        return {k: b[k] - a[k] for k in b}

    def _rows(
        self, videos: list[YtVideo], dims: list[str], metrics: list[str], start: date, end: date
    ) -> list[list[Any]]:
        today = self.cutoff().astimezone(UTC).date()  # later days are not in yet
        groups: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        day = start
        while day <= min(end, today):
            day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)
            for v in videos:
                if v.published_at is None or v.published_at >= day_end:
                    continue
                values = self._daily(v, day)
                if not any(values.values()) and "day" not in dims:
                    continue
                key = tuple(day.isoformat() if d == "day" else v.id for d in dims)
                for k, n in values.items():
                    groups[key][k] += n
            day += timedelta(days=1)
        rows = []
        for key, sums in groups.items():
            row: list[Any] = list(key)
            for m in metrics:
                if m == "averageViewDuration":
                    row.append(average_view_duration(sums["views"], sums["minutes"]))
                else:
                    row.append(sums[_SUMS[m]])
            rows.append(row)
        return rows

    def _demographics(
        self, videos: list[YtVideo], dims: list[str], start: date, end: date
    ) -> list[list[Any]]:
        """Views-weighted shares of each (age group, gender) cell, in percent."""
        cells: dict[tuple[str, str], float] = defaultdict(float)
        begin = datetime.combine(start, time(0), tzinfo=UTC)
        finish = datetime.combine(end + timedelta(days=1), time(0), tzinfo=UTC)
        for v in videos:
            views = self._at(v, finish)["views"] - self._at(v, begin)["views"]
            if views <= 0:
                continue
            tags = hashtags(v.title + " " + v.description)
            female = female_share(self.state.seed, v.id, tags)
            genders = {
                "female": female * (1 - _USER_SPECIFIED),
                "male": (1 - female) * (1 - _USER_SPECIFIED),
                "user_specified": _USER_SPECIFIED,
            }
            for age, a_share in age_shares(self.state.seed, v.id, tags).items():
                for gender, g_share in genders.items():
                    cells[(age, gender)] += views * a_share * g_share
        total = sum(cells.values())
        if not total:
            return []
        merged: dict[tuple[str, ...], float] = defaultdict(float)
        for (age, gender), n in cells.items():
            key = tuple(age if d == "ageGroup" else gender for d in dims)
            merged[key] += n
        order = {g: i for i, g in enumerate(AGE_GROUPS)}
        keys = sorted(merged, key=lambda k: tuple(order.get(x, 99) for x in k) + k)
        return [[*k, round(100 * merged[k] / total, 1)] for k in keys]


def _engaged_share(seed: int, video_id: str) -> float:
    """The share of a video's views that are engaged views (stable per video)."""
    return random.Random(f"engaged:{seed}:{video_id}").uniform(0.55, 0.85)


def _sort(rows: list[list[Any]], columns: list[str], sort: str) -> list[list[Any]]:
    """Sort by the `sort` columns (`-` for descending); unsorted rows keep dimension order."""
    for key in reversed([s for s in sort.split(",") if s]):
        name = key.lstrip("-")
        if name not in columns:
            raise _bad(f"The sort column {name} is not part of the query.")
        index = columns.index(name)
        rows = sorted(rows, key=itemgetter(index), reverse=key.startswith("-"))
    return rows
