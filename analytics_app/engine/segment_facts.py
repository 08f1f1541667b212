"""Every metric number a scorecard needs, from the segment rollup (`campaigns.segments`).

The same answers as `facts.MetricFacts` (which reads the per-publication rollups), from a few
hundred segment rows instead of tens of thousands of publication rows. One statement reads:

- 'L': the segments' newest values (the retired-metric check, and the sums after the newest
  capture; a ratio's basis rows only then);
- 'D': their running totals as of `as_of`'s day, only when `as_of` is before the newest capture;
- 'G': their growth over the trend window, as the running total at the window's last day minus
  the one the day before it starts (two day rows per series, not one per day of the window).

Rows are grouped in SQL as coarsely as the KPI filters allow (`Place`): per channel when a
filter names units or a KPI weighs channels (audience shares), per platform when filters name
platforms only, else not by place at all; by content kind and audience list only when a filter
needs them. Each distinct filter then sums the groups it keeps once (`_Totals`), and every KPI
reads its numbers from those sums.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from analytics_app.engine.facts import Pair
from analytics_app.engine.groups import Grouping, GroupKey
from analytics_app.engine.projection import TrendWindow
from analytics_app.engine.scope import CampaignWindow, KpiFilter
from analytics_app.engine.tables import CHANNEL, SEGMENT, SEGMENT_DAY, SEGMENT_LATEST
from campaigns.segments import BASES, SegmentView
from campaigns.timeutil import ensure_aware


class Place(StrEnum):
    """How finely the segment rows are grouped by where they went out."""

    CHANNEL = "channel"
    PLATFORM = "platform"
    NONE = "none"


# (place: channel id, platform or None; content kind or None; audience list or None)
SegKey = tuple[Any, str | None, frozenset[str] | None]


def supports(pairs: Iterable[Pair]) -> bool:
    """Whether the segment rollup holds every (reporting, metric) pair a scorecard asks for."""
    return all(r in BASES and m in BASES[r] for r, m in pairs)


def choose_place(filters: Iterable[KpiFilter], per_channel: bool) -> Place:
    """The coarsest grouping by place that still tells every filter's rows apart."""
    wanted = list(filters)
    if per_channel or any(f.units for f in wanted):
        return Place.CHANNEL
    if any(f.platforms for f in wanted):
        return Place.PLATFORM
    return Place.NONE


@dataclass
class _Totals:
    """One filter's numbers, summed once over the groups it keeps."""

    values: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)
    newest: dict[str, tuple[datetime, int]] = field(default_factory=dict)
    growth: dict[str, float] = field(default_factory=dict)


class SegmentFacts:
    """Grouped metric sums of one campaign as of one moment, from its segment rollup."""

    def __init__(
        self,
        session: Session,
        window: CampaignWindow,
        as_of: datetime,
        grouping: Grouping,
        metrics: Iterable[str],
        pairs: Iterable[Pair],
        growth_metrics: Iterable[str],
        trend: TrendWindow,
        view: SegmentView,
        *,
        place: Place = Place.CHANNEL,
    ) -> None:
        self.session, self.window, self.grouping = session, window, grouping
        self.as_of = ensure_aware(as_of)
        self.day = window.local_day(self.as_of)
        self.place = place
        wanted = set(pairs)
        self.metrics = sorted({*metrics, *(m for p in wanted for m in p)})
        self.growth_metrics = sorted(set(growth_metrics))
        self.trend = trend
        # (group, basis, metric) -> (Σ total, Σ publications): as of `as_of`
        self.values: dict[tuple[SegKey, str, str], tuple[float, int]] = {}
        self.newest: dict[tuple[SegKey, str], tuple[datetime, int]] = {}
        self.growths: dict[tuple[SegKey, str], float] = {}
        self.newest_capture: datetime | None = None
        self._bases = sorted({r for r, _ in wanted})
        self._totals: dict[KpiFilter, _Totals] = {}
        self._read(view)

    @property
    def from_latest(self) -> bool:
        return self.newest_capture is None or self.as_of >= self.newest_capture

    # --- reading -------------------------------------------------------------------------

    def _group_columns(self) -> list[ColumnElement[Any]]:
        cols: list[ColumnElement[Any]] = []
        if self.place == Place.CHANNEL:
            cols.append(SEGMENT.c.channel_id)
        elif self.place == Place.PLATFORM:
            cols.append(CHANNEL.c.platform)
        if self.grouping.by_kind:
            cols.append(SEGMENT.c.content_kind)
        if self.grouping.by_audience:
            cols.append(SEGMENT.c.audience_key)
        return cols

    def _read(self, view: SegmentView) -> None:
        """One statement of up to three grouped parts ('L', 'D', 'G'), see the module doc."""
        gcols = self._group_columns()
        width = len(gcols)
        cid = self.window.campaign_id
        # Whether some capture is newer than as_of (then the running totals answer, not 'L'):
        # evaluated once per statement by both databases.
        seen = SEGMENT_LATEST.alias("seen")
        newer = exists().where(
            seen.c.campaign_id == cid, seen.c.basis == "", seen.c.newest > self.as_of
        )

        def part(tag: str, table: Any, *cols: Any, where: Sequence[Any]) -> Any:
            joined = table.join(SEGMENT, SEGMENT.c.id == table.c.segment_id)
            if self.place == Place.PLATFORM:
                joined = joined.join(CHANNEL, CHANNEL.c.id == SEGMENT.c.channel_id)
            keys = [*(c.label(f"g{i}") for i, c in enumerate(gcols)), table.c.basis, table.c.metric]
            return (
                select(literal(tag, String).label("part"), *keys, *cols)
                .select_from(joined)
                .where(table.c.campaign_id == cid, *where)
                .group_by(*gcols, table.c.basis, table.c.metric)
            )

        # Every metric's newest capture (basis ""); a basis' sums only when they answer.
        latest_where: ColumnElement[bool] = SEGMENT_LATEST.c.basis == ""
        if self._bases:
            latest_where = or_(
                latest_where,
                and_(
                    SEGMENT_LATEST.c.basis.in_(self._bases),
                    SEGMENT_LATEST.c.metric.in_(self.metrics),
                    ~newer,
                ),
            )
        parts = [
            part(
                "L",
                SEGMENT_LATEST,
                func.sum(SEGMENT_LATEST.c.total).label("total"),
                func.sum(SEGMENT_LATEST.c.publications).label("n"),
                func.max(SEGMENT_LATEST.c.newest).label("newest"),
                where=[latest_where],
            )
        ]
        row_day = view.row_day(self.day)
        if row_day is not None and self.metrics:
            parts.append(
                part(
                    "D",
                    SEGMENT_DAY,
                    func.sum(SEGMENT_DAY.c.total),
                    func.sum(SEGMENT_DAY.c.publications),
                    null(),
                    where=[
                        SEGMENT_DAY.c.basis.in_(["", *self._bases]),
                        SEGMENT_DAY.c.metric.in_(self.metrics),
                        SEGMENT_DAY.c.day == literal(row_day, Date),
                        newer,
                    ],
                )
            )
        last = view.row_day(self.trend.last_day)
        before = view.row_day(self.trend.first_day - timedelta(days=1))
        # When 'D' reads the window's last day anyway (as_of within the campaign, before the
        # newest capture), 'G' reads only the day before the window and the rest is added below.
        shared = row_day is not None and last == row_day
        self._growth_from_day = False
        if self.growth_metrics and last is not None and last != before:
            days = [literal(d, Date) for d in (last, before) if d is not None]
            wanted_days: ColumnElement[bool] = SEGMENT_DAY.c.day.in_(days)
            if shared:
                on_last = SEGMENT_DAY.c.day == literal(last, Date)
                wanted_days = and_(wanted_days, or_(~on_last, ~newer))
            self._growth_from_day = shared
            parts.append(
                part(
                    "G",
                    SEGMENT_DAY,
                    func.sum(
                        case(
                            (SEGMENT_DAY.c.day == literal(last, Date), SEGMENT_DAY.c.total),
                            else_=-SEGMENT_DAY.c.total,
                        )
                    ),
                    literal(0, Integer),
                    null(),
                    where=[
                        SEGMENT_DAY.c.basis == "",
                        SEGMENT_DAY.c.metric.in_(self.growth_metrics),
                        wanted_days,
                    ],
                )
            )
        query: Any = union_all(*parts)
        newest_type = SEGMENT_LATEST.c.newest.type
        process: Any = newest_type.result_processor(self.session.get_bind().dialect, None)
        key = self._key_reader(width)
        latest: dict[tuple[SegKey, str, str], tuple[float, int]] = {}
        as_of_day: dict[tuple[SegKey, str, str], tuple[float, int]] = {}
        for row in self.session.execute(query):
            tag, group = row[0], key(row)
            basis, metric = row[1 + width], row[2 + width]
            total, n = float(row[3 + width] or 0.0), int(row[4 + width] or 0)
            if tag == "G":
                self.growths[(group, metric)] = total
            elif tag == "D":
                as_of_day[(group, basis, metric)] = (total, n)
            else:
                latest[(group, basis, metric)] = (total, n)
                if basis == "":
                    raw = row[5 + width]
                    # Through a UNION the driver may hand the time back undecoded.
                    decoded: datetime = (
                        process(raw) if process and not isinstance(raw, datetime) else raw
                    )
                    self.newest[(group, metric)] = (ensure_aware(decoded), n)
        self.newest_capture = max((at for at, _ in self.newest.values()), default=None)
        self.values = latest if self.from_latest else as_of_day
        if self._growth_from_day and not self.from_latest:
            # The window's last day came with 'D': growth = its running total - the one before.
            for (group, basis, metric), (total, _) in as_of_day.items():
                if basis == "" and metric in self.growth_metrics:
                    g = self.growths.get((group, metric), 0.0)
                    self.growths[(group, metric)] = total + g

    def _key_reader(self, width: int) -> Any:
        """Turns a result row's first group columns (after the part tag) into its SegKey."""
        by_kind, by_audience = self.grouping.by_kind, self.grouping.by_audience
        place = self.place != Place.NONE
        parsed: dict[str, frozenset[str]] = {}

        def audiences(text: str | None) -> frozenset[str]:
            found = parsed.get(text or "")
            if found is None:
                found = parsed[text or ""] = frozenset(json.loads(text) if text else ())
            return found

        def read(row: Any) -> SegKey:
            at = 1
            where = row[at] if place else None
            at += place
            kind = row[at] if by_kind else None
            at += by_kind
            return (where, kind, audiences(row[at]) if by_audience else None)

        return read

    # --- answering a filter --------------------------------------------------------------

    def _keeps(self, flt: KpiFilter, key: SegKey) -> bool:
        where, kind, audiences = key
        if self.place == Place.CHANNEL:
            return self.grouping.matches(flt, GroupKey(int(where), kind, audiences))
        if self.place == Place.PLATFORM and flt.platforms and where not in flt.platforms:
            return False
        assert self.place == Place.CHANNEL or not flt.units, "units need channel groups"
        if self.place == Place.NONE:
            assert not flt.platforms, "platforms need platform groups"
        # Same rule as `Grouping` for the kind and the audiences.
        return self.grouping.matches(
            KpiFilter(content_kinds=flt.content_kinds, audiences=flt.audiences),
            GroupKey(0, kind, audiences),
        )

    def _for(self, flt: KpiFilter) -> _Totals:
        """The filter's sums, computed on first use."""
        found = self._totals.get(flt)
        if found is not None:
            return found
        keep: dict[SegKey, bool] = {}

        def kept(key: SegKey) -> bool:
            k = keep.get(key)
            if k is None:
                k = keep[key] = self._keeps(flt, key)
            return k

        totals = _Totals()
        for (key, basis, metric), (total, n) in self.values.items():
            if kept(key):
                seen = totals.values.get((basis, metric), (0.0, 0))
                totals.values[(basis, metric)] = (seen[0] + total, seen[1] + n)
        for (key, metric), (at, n) in self.newest.items():
            if kept(key):
                prior = totals.newest.get(metric)
                totals.newest[metric] = (max(prior[0], at), prior[1] + n) if prior else (at, n)
        for (key, metric), g in self.growths.items():
            if kept(key):
                totals.growth[metric] = totals.growth.get(metric, 0.0) + g
        self._totals[flt] = totals
        return totals

    def sums(
        self, flt: KpiFilter, metrics: Sequence[str], reporting: str | None = None
    ) -> dict[str, float]:
        """Σ lifetime value per metric over the filter's publications (and, with `reporting`,
        only those that report that metric too); a metric no publication reports is absent."""
        values = self._for(flt).values
        basis = reporting or ""
        out: dict[str, float] = {}
        for m in metrics:
            total, n = values.get((basis, m), (0.0, 0))
            if n:
                out[m] = total
        return out

    def growth(self, flt: KpiFilter, metrics: Sequence[str]) -> float:
        """Growth of the metrics' sum over the trend window's days."""
        growth = self._for(flt).growth
        return sum(growth.get(m, 0.0) for m in metrics)

    def per_channel(self, flt: KpiFilter, metric: str) -> dict[int, float]:
        """Σ lifetime value of `metric` per channel, over the filter's publications reporting it."""
        assert self.place == Place.CHANNEL, "grouped by channel only when a KPI weighs channels"
        out: dict[int, float] = {}
        for (key, b, m), (total, n) in self.values.items():
            if b == "" and m == metric and n and self._keeps(flt, key):
                out[int(key[0])] = out.get(int(key[0]), 0.0) + total
        return out

    def newest_per_metric(self, flt: KpiFilter) -> dict[str, tuple[datetime, int]]:
        """Newest capture and number of reporting publications per metric, over the filter's
        publications."""
        return self._for(flt).newest
