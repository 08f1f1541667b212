"""Every metric number a scorecard needs, from the segment rollup (`campaigns.segments`).

The same answers as `facts.MetricFacts` (which reads the per-publication rollups), from a few
hundred segment rows instead of tens of thousands of publication rows. One statement reads:

- 'L': the segments' newest values (the retired-metric check, and the sums after the newest
  capture; a ratio's basis rows only then);
- 'D': their running totals as of `as_of`'s day, only when `as_of` is before the newest capture;
- 'G' and 'B': their growth over the trend window, as the running total at the window's last
  day ('G') minus the one the day before it starts ('B'): two day rows per series, not one per
  day of the window.

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
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Integer,
    String,
    bindparam,
    exists,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.sql.elements import BindParameter, ColumnElement
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


# How the window's last day enters the growth: always, or only when no capture is newer than
# as_of (else 'D' brings that day's rows).
_ALWAYS, _GATED = "always", "gated"


@dataclass(frozen=True)
class _Shape:
    """What the facts statement reads; its values (campaign, moment, days, metrics) are bound
    at execution, so one built statement serves every scorecard of the same shape."""

    place: Place
    by_kind: bool
    by_audience: bool
    bases: bool  # some ratio KPI needs a basis' sums
    as_of_day: bool  # 'D' (the running totals as of as_of's day) may answer
    growth_last: str | None  # 'G': _ALWAYS, _GATED or None (no growth asked)
    growth_before: bool  # 'B'


def _group_columns(shape: _Shape) -> list[ColumnElement[Any]]:
    cols: list[ColumnElement[Any]] = []
    if shape.place == Place.CHANNEL:
        cols.append(SEGMENT.c.channel_id)
    elif shape.place == Place.PLATFORM:
        cols.append(CHANNEL.c.platform)
    if shape.by_kind:
        cols.append(SEGMENT.c.content_kind)
    if shape.by_audience:
        cols.append(SEGMENT.c.audience_key)
    return cols


def _width(shape: _Shape) -> int:
    """How many group columns follow the part tag in a result row."""
    return (shape.place != Place.NONE) + shape.by_kind + shape.by_audience


@dataclass(frozen=True, eq=False)  # holds SQL expressions: never compared
class _Part:
    """One part of the facts statement: its tag, table, conditions and what it adds up (a
    column of the table, or a constant)."""

    tag: str
    table: Any
    where: tuple[Any, ...]
    total: Any
    n: Any
    newest: Any


def _parts(shape: _Shape) -> list[_Part]:
    """The parts a statement of this shape reads, see the module doc."""
    metrics: BindParameter[Any] = bindparam("metrics", expanding=True)
    # Whether some capture is newer than as_of (then the running totals answer, not 'L'):
    # evaluated once per statement by both databases.
    seen = SEGMENT_LATEST.alias("seen")
    newer = exists().where(
        seen.c.campaign_id == bindparam("cid"),
        seen.c.basis == "",
        seen.c.newest > bindparam("as_of", type_=SEGMENT_LATEST.c.newest.type),
    )
    latest, day = SEGMENT_LATEST.c, SEGMENT_DAY.c
    where: tuple[Any, ...]
    # Every metric's newest capture (basis ""); a basis' sums only when they answer, in a part
    # of their own: each part reads one primary-key range, and a part whose `newer` test fails
    # returns nothing (PostgreSQL reads nothing for it: a one-time filter).
    parts = [
        _Part(
            "L",
            SEGMENT_LATEST,
            (latest.basis == "",),
            latest.total,
            latest.publications,
            latest.newest,
        )
    ]
    if shape.bases:
        bases = latest.basis.in_(bindparam("bases", expanding=True))
        where = (bases, latest.metric.in_(metrics), ~newer)
        parts.append(_Part("L", SEGMENT_LATEST, where, latest.total, latest.publications, null()))
    if shape.as_of_day:
        where = (
            day.basis.in_(bindparam("day_bases", expanding=True)),
            day.metric.in_(metrics),
            day.day == bindparam("row_day", type_=Date),
            newer,
        )
        parts.append(_Part("D", SEGMENT_DAY, where, day.total, day.publications, null()))
    # 'G': the running totals at the window's last day, 'B': those of the day before it
    # (subtracted); one day per part, so each reads only the rows it keeps.
    growth_days: list[tuple[str, str, tuple[Any, ...]]] = []
    if shape.growth_last is not None:
        growth_days.append(("G", "last", (~newer,) if shape.growth_last == _GATED else ()))
    if shape.growth_before:
        growth_days.append(("B", "before", ()))
    growth_metrics = day.metric.in_(bindparam("growth_metrics", expanding=True))
    for tag, name, when in growth_days:
        where = (day.basis == "", growth_metrics, day.day == bindparam(name, type_=Date), *when)
        parts.append(_Part(tag, SEGMENT_DAY, where, day.total, literal(0, Integer), null()))
    return parts


def _joined(shape: _Shape, source: Any, segment_id: Any) -> Any:
    """`source` joined to what the group columns read (segments, and channels for platforms)."""
    if shape.place != Place.NONE or shape.by_kind or shape.by_audience:
        source = source.join(SEGMENT, SEGMENT.c.id == segment_id)
    if shape.place == Place.PLATFORM:
        source = source.join(CHANNEL, CHANNEL.c.id == SEGMENT.c.channel_id)
    return source


@cache
def _statement(shape: _Shape, dialect: str) -> Any:
    """The facts statement of one shape, built once (building it cost more than running it at
    small scale); its parameters are named in `SegmentFacts._read`.

    Rows: part tag, group columns, basis, metric, Σ total, Σ publications, newest capture.
    PostgreSQL plans the statement on every scorecard (a session's rollback drops prepared
    statements), and planning each part's joins cost it more than joining the parts' rows
    once; SQLite instead would copy those rows aside first, and groups each part apart."""
    gcols = _group_columns(shape)
    keys = [c.label(f"g{i}") for i, c in enumerate(gcols)]
    parts = _parts(shape)
    if dialect == "postgresql":
        rows = union_all(
            *(
                select(
                    literal(p.tag, String).label("part"),
                    p.table.c.segment_id,
                    p.table.c.basis,
                    p.table.c.metric,
                    p.total.label("total"),
                    p.n.label("n"),
                    p.newest.label("newest"),
                ).where(p.table.c.campaign_id == bindparam("cid"), *p.where)
                for p in parts
            )
        ).subquery("u")
        return (
            select(
                rows.c.part,
                *keys,
                rows.c.basis,
                rows.c.metric,
                func.sum(rows.c.total),
                func.sum(rows.c.n),
                func.max(rows.c.newest),
            )
            .select_from(_joined(shape, rows, rows.c.segment_id))
            .group_by(rows.c.part, *gcols, rows.c.basis, rows.c.metric)
        )

    def summed(fn: Any, value: Any) -> Any:
        return fn(value) if isinstance(value, Column) else value

    return union_all(
        *(
            select(
                literal(p.tag, String).label("part"),
                *keys,
                p.table.c.basis,
                p.table.c.metric,
                summed(func.sum, p.total),
                summed(func.sum, p.n),
                summed(func.max, p.newest),
            )
            .select_from(_joined(shape, p.table, p.table.c.segment_id))
            .where(p.table.c.campaign_id == bindparam("cid"), *p.where)
            .group_by(*gcols, p.table.c.basis, p.table.c.metric)
            for p in parts
        )
    )


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

    def _read(self, view: SegmentView) -> None:
        """One statement of a few grouped parts ('L', 'D', 'G', 'B'), see the module doc."""
        row_day = view.row_day(self.day)
        last = view.row_day(self.trend.last_day)
        before = view.row_day(self.trend.first_day - timedelta(days=1))
        # When 'D' reads the window's last day anyway (as_of within the campaign, before the
        # newest capture), 'G' reads it only otherwise and the 'D' rows are added below.
        shared = row_day is not None and last == row_day
        grows = bool(self.growth_metrics) and last is not None and last != before
        self._growth_from_day = grows and shared
        shape = _Shape(
            place=self.place,
            by_kind=self.grouping.by_kind,
            by_audience=self.grouping.by_audience,
            bases=bool(self._bases),
            as_of_day=row_day is not None and bool(self.metrics),
            growth_last=(_GATED if shared else _ALWAYS) if grows else None,
            growth_before=grows and before is not None,
        )
        params = {
            "cid": self.window.campaign_id,
            "as_of": self.as_of,
            "bases": self._bases,
            "day_bases": ["", *self._bases],
            "metrics": self.metrics,
            "growth_metrics": self.growth_metrics,
            "row_day": row_day,
            "last": last,
            "before": before,
        }
        width = _width(shape)
        newest_type = SEGMENT_LATEST.c.newest.type
        process: Any = newest_type.result_processor(self.session.get_bind().dialect, None)
        key = self._key_reader(width)
        latest: dict[tuple[SegKey, str, str], tuple[float, int]] = {}
        as_of_day: dict[tuple[SegKey, str, str], tuple[float, int]] = {}
        statement = _statement(shape, self.session.get_bind().dialect.name)
        for row in self.session.execute(statement, params):
            tag, group = row[0], key(row)
            basis, metric = row[1 + width], row[2 + width]
            total, n = float(row[3 + width] or 0.0), int(row[4 + width] or 0)
            if tag in ("G", "B"):
                grown = self.growths.get((group, metric), 0.0)
                self.growths[(group, metric)] = grown + (total if tag == "G" else -total)
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
