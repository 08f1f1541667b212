"""Breakdowns whose groups are segment attributes, from the segment rollup (`campaigns.segments`).

A segment is the campaign's publications sharing a channel, a content kind and an audience list,
so unit and platform (through the channel), channel, content kind and audience (spread over the
segment's list, as `breakdowns` spreads an item's) group whole segments: a few hundred segment
rows answer what the per-publication rollups answer from tens of thousands. The same numbers as
`breakdowns`' per-publication path, which the tests compare them with:

- a lifetime value is the segments' newest sum when `as_of` is at or after the campaign's newest
  capture, else their running total as of `as_of`'s day; a ratio's parts are the rows of the
  basis its denominator's source names (the publications reporting it by then);
- publications are those reporting the metric (for a ratio, both metrics) by then;
- by day, a day's growth and the publications that grew that day (for a ratio, those that ever
  report its basis).
"""

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, String, exists, func, literal, select, union_all
from sqlmodel import Session

from analytics_app.engine.groups import Grouping, GroupKey
from analytics_app.engine.scope import CampaignWindow, KpiFilter
from analytics_app.engine.tables import SEGMENT, SEGMENT_DAY, SEGMENT_LATEST
from campaigns.segments import BASES, ensure_segments

SEGMENT_DIMENSIONS: tuple[str, ...] = ("unit", "channel", "platform", "content_kind", "audience")

Grouped = tuple[dict[str, dict[str, float]], dict[str, int]]


def answers(by: str, metrics: Sequence[str], reporting: str | None) -> bool:
    """Whether the segment rollup answers this breakdown."""
    if by not in (*SEGMENT_DIMENSIONS, "day"):
        return False
    return reporting is None or all(m in BASES.get(reporting, ()) for m in metrics)


class _Labels:
    """Segment attributes to group labels, and the filter's verdict on a segment."""

    def __init__(self, session: Session, window: CampaignWindow, by: str, flt: KpiFilter) -> None:
        self.by, self.flt = by, flt
        self.grouping = Grouping(session, window.campaign_id, [flt])
        self._audiences: dict[str, frozenset[str]] = {}

    def audiences(self, text: str) -> frozenset[str]:
        found = self._audiences.get(text)
        if found is None:
            found = self._audiences[text] = frozenset(json.loads(text) if text else ())
        return found

    def keeps(self, channel_id: int, kind: str, audience_key: str) -> bool:
        return self.grouping.matches(
            self.flt, GroupKey(int(channel_id), kind, self.audiences(audience_key))
        )

    def of(self, channel_id: int, kind: str, audience_key: str) -> list[str]:
        if self.by == "audience":
            return sorted(self.audiences(audience_key)) or ["(none)"]
        if self.by == "content_kind":
            return [kind]
        channel = self.grouping.channels[int(channel_id)]
        if self.by == "unit":
            return [channel.unit_key or ""]
        if self.by == "platform":
            return [channel.platform]
        return [channel.key]


def segment_breakdown(
    session: Session,
    window: CampaignWindow,
    metrics: Sequence[str],
    reporting: str | None,
    by: str,
    as_of: datetime,
    flt: KpiFilter,
) -> Grouped:
    """Sums per group label and metric, and publications per label, from the segment rows."""
    view = ensure_segments(session, window.campaign_id)
    labels = _Labels(session, window, by, flt)
    day = window.local_day(as_of)
    # Only the segment attributes the labels or the filter look at are grouped by in SQL (by
    # day without a filter: one row per day and metric, not one per segment).
    want_channel = by in ("unit", "channel", "platform") or bool(flt.platforms or flt.units)
    want_kind = by == "content_kind" or bool(flt.content_kinds)
    want_audience = by == "audience" or bool(flt.audiences)
    keys = [
        SEGMENT.c.channel_id if want_channel else literal(0),
        SEGMENT.c.content_kind if want_kind else literal(""),
        SEGMENT.c.audience_key if want_audience else literal("[]"),
    ]
    grouped_keys = [
        c
        for c, wanted in zip(keys, (want_channel, want_kind, want_audience), strict=True)
        if wanted
    ]
    basis = reporting or ""

    def part(tag: str, table: Any, value: Any, count: Any, *where: Any) -> Any:
        return (
            select(literal(tag, String), *keys, table.c.day if tag == "G" else literal(None, Date))
            .add_columns(table.c.metric, func.sum(value), func.sum(count))
            .select_from(table.join(SEGMENT, SEGMENT.c.id == table.c.segment_id))
            .where(table.c.campaign_id == window.campaign_id, table.c.metric.in_(metrics), *where)
            .group_by(*grouped_keys, *([table.c.day] if tag == "G" else []), table.c.metric)
        )

    if by == "day":
        query: Any = part(
            "G",
            SEGMENT_DAY,
            SEGMENT_DAY.c.growth,
            SEGMENT_DAY.c.growing,
            SEGMENT_DAY.c.basis == basis,
            SEGMENT_DAY.c.day <= literal(day, Date),
        )
    else:
        seen = SEGMENT_LATEST.alias("seen")
        # Some capture newer than as_of: the running totals as of its day answer (one check
        # per statement on both databases).
        newer = exists().where(
            seen.c.campaign_id == window.campaign_id, seen.c.basis == "", seen.c.newest > as_of
        )
        t = SEGMENT_LATEST
        parts = [part("L", t, t.c.total, t.c.publications, t.c.basis == basis, ~newer)]
        row_day = view.row_day(day)
        if row_day is not None:
            d = SEGMENT_DAY
            parts.append(
                part(
                    "D",
                    d,
                    d.c.total,
                    d.c.publications,
                    d.c.basis == basis,
                    d.c.day == literal(row_day, Date),
                    newer,
                )
            )
        query = union_all(*parts)
    grouped: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    pubs: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, channel_id, kind, audience_key, on, metric, total, n in session.execute(query):
        if not n or not labels.keeps(channel_id, kind, audience_key):
            continue  # by day: a dense row of a day the segment did not grow
        for label in [_day_label(on)] if by == "day" else labels.of(channel_id, kind, audience_key):
            grouped[label][metric] += float(total or 0.0)
            pubs[label][metric] += int(n)
    # A publication counted under several metrics is one publication: the largest count holds.
    return grouped, {label: max(per.values()) for label, per in pubs.items()}


def _day_label(on: Any) -> str:
    return on.isoformat() if isinstance(on, date) else str(on)
