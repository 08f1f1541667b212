"""Every metric number a scorecard needs, read once per campaign, not once per KPI.

One grouped query over `MetricLatest`, by (publication group (see `groups`), reporting flags,
metric), gives per group: the sum of the newest values and how many publications have one (with
reporting flags: whether the publication also reports reach, or watch time, for the ratios), and
the newest capture per metric (the retired-metric check). Every KPI filter is then answered from
this small result in Python.

Growth over the trend window, and sums before the newest capture (`MetricDelta` up to `as_of`'s
day), are read by one flat aggregate per distinct (filter, metrics), cached: profiled on SQLite,
grouping `MetricDelta`'s hundreds of thousands of rows by publication attributes costs a sort
that is slower than the few flat aggregates over the covering index it would replace.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from analytics_app.engine.groups import Grouping, GroupKey
from analytics_app.engine.projection import TrendWindow
from analytics_app.engine.scope import CampaignWindow, KpiFilter, publication_conditions
from analytics_app.engine.tables import CONTENT, DELTA, LATEST, PUB
from campaigns.timeutil import ensure_aware

Pair = tuple[str, str]  # (reporting metric, metric summed over its reporters)
Flags = tuple[bool, ...]  # per reporting metric: does the publication report it?


class MetricFacts:
    """Grouped metric sums of one campaign as of one moment, from the per-publication rollups.

    Not the production path: scorecards read `segment_facts.SegmentFacts`. This class is the
    oracle the segment answers are tested against and the query benchmark's baseline
    (`scorecard(..., per_publication=True)`); the scorecard would fall back to it only for a
    ratio whose basis `campaigns.segments.BASES` lacks, and every ratio of `RATIOS` has one.
    """

    def __init__(
        self,
        session: Session,
        window: CampaignWindow,
        as_of: datetime,
        grouping: Grouping,
        metrics: Iterable[str],
        pairs: Iterable[Pair],
        trend: TrendWindow,
    ) -> None:
        self.session, self.window, self.grouping = session, window, grouping
        self.as_of = ensure_aware(as_of)
        self.day = window.local_day(self.as_of)
        wanted_pairs = set(pairs)
        self.reporting = sorted({r for r, _ in wanted_pairs})
        self.metrics = sorted({*metrics, *(m for p in wanted_pairs for m in p)})
        self.trend = trend
        self.values: dict[tuple[GroupKey, Flags, str], tuple[float, int]] = {}
        self.newest: dict[tuple[GroupKey, str], tuple[datetime, int]] = {}
        self._keys: dict[KpiFilter, list[GroupKey]] = {}
        self._growth_cache: dict[tuple[KpiFilter, tuple[str, ...]], float] = {}
        self._delta_cache: dict[
            tuple[KpiFilter, tuple[str, ...], str | None], dict[str, float]
        ] = {}
        self.newest_capture: datetime | None = None
        if self.metrics:
            self._read_latest()

    @property
    def from_latest(self) -> bool:
        return self.newest_capture is None or self.as_of >= self.newest_capture

    # --- reading -------------------------------------------------------------------------

    def _source(
        self,
        table: Any,
        flags: list[ColumnElement[Any]],
        *extra: Any,
        outer: Sequence[tuple[Any, ColumnElement[bool]]] = (),
    ) -> Select:
        """Rows of `table` for the campaign's publications, with their group and flags."""
        joined = PUB.join(table, table.c.publication_id == PUB.c.id)
        for other, on in outer:
            joined = joined.outerjoin(other, on)
        if self.grouping.needs_content:
            joined = joined.join(CONTENT, CONTENT.c.id == PUB.c.content_id)
        gcols = self.grouping.columns()
        return select(
            *(c.label(f"g{i}") for i, c in enumerate(gcols)),
            *(f.label(f"f{i}") for i, f in enumerate(flags)),
            table.c.metric.label("metric"),
            *extra,
        ).select_from(joined)

    def _split(self, row: Any) -> tuple[GroupKey, Flags, str, int]:
        """(group, flags, metric, index of the first aggregate) of a grouped row."""
        width = len(self.grouping.columns())
        flags = tuple(bool(v) for v in row[width : width + len(self.reporting)])
        at = width + len(self.reporting)
        return self.grouping.key(row), flags, row[at], at + 1

    def _group_by(self, sub: Any) -> list[Any]:
        width = len(self.grouping.columns())
        return [
            *(sub.c[f"g{i}"] for i in range(width)),
            *(sub.c[f"f{i}"] for i in range(len(self.reporting))),
            sub.c.metric,
        ]

    def _read_latest(self) -> None:
        flags: list[ColumnElement[Any]] = []
        outer: list[tuple[Any, ColumnElement[bool]]] = []
        for k, metric in enumerate(self.reporting):
            # (publication, metric) is MetricLatest's primary key: one lookup, one row at most.
            rep = LATEST.alias(f"rep{k}")
            outer.append((rep, and_(rep.c.publication_id == PUB.c.id, rep.c.metric == metric)))
            flags.append(case((rep.c.publication_id.is_(None), 0), else_=1))
        inner = self._source(
            LATEST,
            flags,
            LATEST.c.value.label("value"),
            LATEST.c.captured_at.label("at"),
            outer=outer,
        )
        sub = inner.where(PUB.c.campaign_id == self.window.campaign_id).subquery()
        keys = self._group_by(sub)
        query = select(*keys, func.sum(sub.c.value), func.count(), func.max(sub.c.at)).group_by(
            *keys
        )
        latest: dict[tuple[GroupKey, Flags, str], tuple[float, int]] = {}
        for row in self.session.execute(query):
            key, fl, metric, at = self._split(row)
            total, n, newest = float(row[at] or 0.0), int(row[at + 1]), ensure_aware(row[at + 2])
            latest[(key, fl, metric)] = (total, n)
            seen = self.newest.get((key, metric))
            self.newest[(key, metric)] = (
                (max(seen[0], newest), seen[1] + n) if seen else (newest, n)
            )
        self.newest_capture = max((at for at, _ in self.newest.values()), default=None)
        if self.from_latest:
            self.values = latest

    # --- answering a filter --------------------------------------------------------------

    def keys(self, flt: KpiFilter) -> list[GroupKey]:
        """The groups of publications the filter keeps (among those with any metric row)."""
        if flt not in self._keys:
            known = {k for k, _, _ in self.values} | {k for k, _ in self.newest}
            self._keys[flt] = [k for k in known if self.grouping.matches(flt, k)]
        return self._keys[flt]

    def conditions(self, flt: KpiFilter) -> list[ColumnElement[bool]]:
        """WHERE conditions on `Publication` for the filter, channels resolved from memory."""
        conds: list[ColumnElement[bool]] = [PUB.c.campaign_id == self.window.campaign_id]
        if flt.platforms or flt.units:
            # Channels are matched on platform and unit only: a bare channel key has no kind or
            # audiences, which the content conditions below narrow.
            place = KpiFilter(platforms=flt.platforms, units=flt.units)
            keep = [c for c in self.grouping.channels if self.grouping.matches(place, GroupKey(c))]
            conds.append(PUB.c.channel_id.in_(keep))
        if flt.content_kinds or flt.audiences:
            content = KpiFilter(content_kinds=flt.content_kinds, audiences=flt.audiences)
            conds.extend(publication_conditions(self.session, self.window.campaign_id, content))
        return conds

    def sums(
        self, flt: KpiFilter, metrics: Sequence[str], reporting: str | None = None
    ) -> dict[str, float]:
        """Σ lifetime value per metric over the filter's publications (and, with `reporting`,
        only those that report that metric too); a metric no publication reports is absent."""
        if not self.from_latest:
            return self._delta_sums(flt, tuple(metrics), reporting)
        keep = set(self.keys(flt))
        flag = self.reporting.index(reporting) if reporting is not None else None
        totals: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for (key, fl, metric), (total, n) in self.values.items():
            if metric in metrics and key in keep and (flag is None or fl[flag]):
                totals[metric] += total
                counts[metric] += n
        return {m: totals[m] for m in metrics if counts[m]}

    def _delta_sums(
        self, flt: KpiFilter, metrics: tuple[str, ...], reporting: str | None
    ) -> dict[str, float]:
        """Before the newest capture: Σ MetricDelta up to `as_of`'s day. One flat query per
        (filter, metrics): on SQLite an aggregate over the covering index beats any grouping
        by publication attributes, whose sort costs more than the query itself."""
        cache_key = (flt, metrics, reporting)
        if cache_key not in self._delta_cache:
            query = (
                select(DELTA.c.metric, func.sum(DELTA.c.delta))
                .select_from(DELTA.join(PUB, PUB.c.id == DELTA.c.publication_id))
                .where(DELTA.c.metric.in_(metrics), DELTA.c.day <= self.day, *self.conditions(flt))
                .group_by(DELTA.c.metric)
            )
            if reporting is not None:
                reporters = select(DELTA.c.publication_id).where(
                    DELTA.c.metric == reporting, DELTA.c.day <= self.day
                )
                query = query.where(DELTA.c.publication_id.in_(reporters))
            self._delta_cache[cache_key] = {
                m: float(v or 0.0) for m, v in self.session.execute(query)
            }
        return self._delta_cache[cache_key]

    def growth(self, flt: KpiFilter, metrics: Sequence[str]) -> float:
        """Growth of the metrics' sum over the trend window's days (one flat query per
        distinct filter and metrics)."""
        cache_key = (flt, tuple(metrics))
        if cache_key not in self._growth_cache:
            self._growth_cache[cache_key] = self._growth(flt, metrics)
        return self._growth_cache[cache_key]

    def _growth(self, flt: KpiFilter, metrics: Sequence[str]) -> float:
        query = (
            select(func.coalesce(func.sum(DELTA.c.delta), 0.0))
            .select_from(DELTA.join(PUB, PUB.c.id == DELTA.c.publication_id))
            .where(
                DELTA.c.metric.in_(metrics),
                DELTA.c.day >= self.trend.first_day,
                DELTA.c.day <= self.trend.last_day,
                *self.conditions(flt),
            )
        )
        return float(self.session.execute(query).scalar() or 0.0)

    def per_channel(self, flt: KpiFilter, metric: str) -> dict[int, float]:
        """Σ lifetime value of `metric` per channel, over the filter's publications reporting it."""
        if not self.from_latest:
            query = (
                select(PUB.c.channel_id, func.sum(DELTA.c.delta))
                .select_from(DELTA.join(PUB, PUB.c.id == DELTA.c.publication_id))
                .where(DELTA.c.metric == metric, DELTA.c.day <= self.day, *self.conditions(flt))
                .group_by(PUB.c.channel_id)
            )
            return {int(c): float(v or 0.0) for c, v in self.session.execute(query)}
        keep = set(self.keys(flt))
        out: dict[int, float] = defaultdict(float)
        for (key, _, m), (total, n) in self.values.items():
            if m == metric and n and key in keep:
                out[key.channel_id] += total
        return dict(out)

    def newest_per_metric(self, flt: KpiFilter) -> dict[str, tuple[datetime, int]]:
        """Newest capture and number of reporting publications per metric (every metric in
        `MetricLatest`), over the filter's publications."""
        keep = set(self.keys(flt))
        per: dict[str, tuple[datetime, int]] = {}
        for (key, metric), (at, n) in self.newest.items():
            if key in keep:
                seen = per.get(metric)
                per[metric] = (max(seen[0], at), seen[1] + n) if seen else (at, n)
        return per
