"""Post and Page insights that survive retired metrics.

One retired metric in a Graph insights request fails the whole request with error 100 ("The
value must be a valid insights metric"), which cost Postiz its analytics (#1609). Here the
metric named in the message is dropped (or, when the message names none, the list is bisected
until the culprit is alone), the rest is requested again, and the dropped names are reported.
"""

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from connectors.base import DailyMetric, ObjectMetrics, PermissionDenied, Rejected
from connectors.facebook.graph import Graph
from connectors.facebook.timefmt import parse_time
from connectors.metric_map import MetricSpec

BATCH = 50  # ids per `GET /?ids=` request (Graph's documented maximum for ids=)
COMMENTS = "comments.limit(0).summary(true)"
USER_CONTENT = "pages_read_user_content"  # what reading comments needs (see connector.py)
MAX_WINDOW_DAYS = 90  # insights since/until span at most 90 days
T = TypeVar("T")


def is_invalid_metric(exc: Rejected) -> bool:
    return exc.code == "100" and "insights metric" in exc.message.lower()


def tolerant(
    names: list[str], fetch: Callable[[list[str]], T], merge: Callable[[T, T], T]
) -> tuple[T, list[str]]:
    """`fetch(names)`, dropping every metric the platform calls invalid; returns the merged
    result and the dropped names."""
    try:
        return fetch(names), []
    except Rejected as exc:
        if not names or not is_invalid_metric(exc):
            raise
        named = [n for n in names if re.search(rf"\b{re.escape(n)}\b", exc.message)]
        if named:
            result, dropped = tolerant([n for n in names if n not in named], fetch, merge)
            return result, named + dropped
        if len(names) == 1:
            result, _ = tolerant([], fetch, merge)
            return result, list(names)
        half = len(names) // 2
        left, dropped_left = tolerant(names[:half], fetch, merge)
        right, dropped_right = tolerant(names[half:], fetch, merge)
        return merge(left, right), dropped_left + dropped_right


def _merge_nodes(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for oid in set(a) | set(b):
        node = {**a.get(oid, {}), **b.get(oid, {})}
        data = a.get(oid, {}).get("insights", {}).get("data", []) + b.get(oid, {}).get(
            "insights", {}
        ).get("data", [])
        node["insights"] = {"data": data}
        merged[oid] = node
    return merged


def _reduce(spec: MetricSpec, value: Any) -> float | None:
    if isinstance(value, dict):
        if spec.reduce != "sum":
            return None
        return float(sum(v for v in value.values() if isinstance(v, int | float)))
    if isinstance(value, int | float):
        return float(value) * spec.scale
    try:
        return float(value) * spec.scale
    except (TypeError, ValueError):
        return None


def object_metrics(
    graph: Graph,
    ids: Sequence[str],
    specs: list[MetricSpec],
    as_of: datetime,
) -> tuple[list[ObjectMetrics], list[str]]:
    """Lifetime metrics of posts, 50 ids a call (`GET /?ids=...&fields=insights.metric(...)`).

    Graph leaves out an edge it has nothing for; a post whose answer lacks `insights` is asked
    once more on its own `/{id}/insights` edge."""
    by_name = {s.name: s for s in specs}
    extra = [COMMENTS, "shares"]
    results: list[ObjectMetrics] = []
    dropped_all: list[str] = []
    refused: list[str] = []  # fields the token may not read
    for i in range(0, len(ids), BATCH):
        chunk = list(ids[i : i + BATCH])

        def fetch(names: list[str], chunk: list[str] = chunk) -> dict[str, Any]:
            fields = list(extra)
            if names:
                fields.insert(0, f"insights.metric({','.join(names)}).period(lifetime)")
            answer = graph.get("", ids=",".join(chunk), fields=",".join(fields))
            return answer if isinstance(answer, dict) else {}

        try:
            nodes, dropped = tolerant(list(by_name), fetch, _merge_nodes)
        except PermissionDenied as exc:
            if COMMENTS not in extra or USER_CONTENT not in exc.message:
                raise
            # Comment counts need pages_read_user_content: measure the rest without them.
            extra.remove(COMMENTS)
            refused.append("comments.summary.total_count")
            nodes, dropped = tolerant(list(by_name), fetch, _merge_nodes)
        asked = [n for n in by_name if n not in dropped]
        for oid in chunk:
            node = nodes.get(oid)
            if isinstance(node, dict) and asked and "insights" not in node:

                def edge(names: list[str], oid: str = oid) -> list[dict[str, Any]]:
                    if not names:
                        return []
                    answer = graph.get(f"{oid}/insights", metric=",".join(names), period="lifetime")
                    return list(answer.get("data", [])) if isinstance(answer, dict) else []

                data, more = tolerant(asked, edge, lambda a, b: a + b)
                node["insights"] = {"data": data}
                dropped += [d for d in more if d not in dropped]
                asked = [n for n in asked if n not in more]
        dropped_all += [d for d in dropped if d not in dropped_all]
        for oid in chunk:
            node = nodes.get(oid)
            if not isinstance(node, dict):
                continue  # deleted or unknown: nothing to report
            values: dict[str, float] = {}
            sources: dict[str, str] = {}
            for item in node.get("insights", {}).get("data", []):
                spec = by_name.get(item.get("name", ""))
                points = item.get("values") or []
                if spec is None or not points:
                    continue
                number = _reduce(spec, points[-1].get("value"))
                if number is not None:
                    values[spec.measure] = number
                    sources[spec.measure] = spec.name
            summary = node.get("comments", {}).get("summary", {})
            if "total_count" in summary:
                values["comments"] = float(summary["total_count"])
                sources["comments"] = "comments.summary.total_count"
            values["shares"] = float(node.get("shares", {}).get("count", 0))
            sources["shares"] = "shares.count"
            results.append(
                ObjectMetrics(
                    external_id=oid,
                    as_of=as_of,
                    values=values,
                    sources=sources,
                    unavailable=tuple(dropped + refused),
                )
            )
    return results, dropped_all


def reel_metrics(
    graph: Graph, ids: Sequence[str], specs: list[MetricSpec], as_of: datetime
) -> tuple[list[ObjectMetrics], list[str]]:
    """Lifetime metrics of Reels, which report through `GET /{video-id}/video_insights`, not
    `/insights` (developers.facebook.com/docs/graph-api/reference/video/video_insights,
    "Reels Metrics"); one call per Reel, retired names dropped as on `/insights`."""
    by_name = {s.name: s for s in specs}
    results: list[ObjectMetrics] = []
    dropped_all: list[str] = []
    for oid in ids:

        def fetch(names: list[str], oid: str = oid) -> list[dict[str, Any]]:
            if not names:
                return []
            answer = graph.get(f"{oid}/video_insights", metric=",".join(names))
            return list(answer.get("data", [])) if isinstance(answer, dict) else []

        data, dropped = tolerant(list(by_name), fetch, lambda a, b: a + b)
        dropped_all += [d for d in dropped if d not in dropped_all]
        values: dict[str, float] = {}
        sources: dict[str, str] = {}
        for item in data:
            spec = by_name.get(item.get("name", ""))
            points = item.get("values") or []
            if spec is None or not points:
                continue
            number = _reduce(spec, points[-1].get("value"))
            if number is not None:
                values[spec.measure] = number
                sources[spec.measure] = spec.name
        results.append(ObjectMetrics(oid, as_of, values, sources, tuple(dropped)))
    return results, dropped_all


def _windows(since: date, until: date) -> list[tuple[date, date]]:
    out = []
    start = since
    while start <= until:
        end = min(until, start + timedelta(days=MAX_WINDOW_DAYS - 1))
        out.append((start, end))
        start = end + timedelta(days=1)
    return out


def page_daily(
    graph: Graph, page_id: str, since: date, until: date, specs: list[MetricSpec]
) -> tuple[list[DailyMetric], list[str]]:
    """Daily Page insights between two days (inclusive), in windows of at most 90 days."""
    by_name = {s.name: s for s in specs}
    rows: list[DailyMetric] = []
    dropped_all: list[str] = []
    for lo, hi in _windows(since, until):

        def fetch(names: list[str], lo: date = lo, hi: date = hi) -> list[dict[str, Any]]:
            if not names:
                return []
            answer = graph.get(
                f"{page_id}/insights",
                metric=",".join(names),
                period="day",
                since=lo.isoformat(),
                until=(hi + timedelta(days=1)).isoformat(),
            )
            return list(answer.get("data", [])) if isinstance(answer, dict) else []

        data, dropped = tolerant(list(by_name), fetch, lambda a, b: a + b)
        dropped_all += [d for d in dropped if d not in dropped_all]
        for item in data:
            spec = by_name.get(item.get("name", ""))
            if spec is None or item.get("period", "day") != "day":
                continue
            for point in item.get("values", []):
                end = parse_time(point.get("end_time"))
                number = _reduce(spec, point.get("value"))
                if end is None or number is None:
                    continue
                # A daily value's end_time is the end of its day (midnight after it).
                day = (end - timedelta(days=1)).date()
                if lo <= day <= hi:
                    rows.append(
                        DailyMetric(page_id, day, spec.measure, number, source_metric=spec.name)
                    )
    return rows, dropped_all
