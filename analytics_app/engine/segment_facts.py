"""Every metric number a scorecard needs, from the segment rollup (`campaigns.segments`).

The same answers as `facts.MetricFacts` (which reads the per-publication rollups), from a few
hundred segment rows instead of tens of thousands of publication rows: one statement reads the
segments' newest values (the retired-metric check and the sums after the newest capture), their
running totals as of `as_of`'s day (before it) and their growth over the trend window, grouped
in SQL by the KPI filters' grouping (channel, and only when a filter needs them, content kind
and audience list). A ratio's parts summed over the publications reporting its denominator's
source are the rows of that basis.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Date, Integer, String, and_, func, literal, null, select, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from analytics_app.engine.facts import Pair
from analytics_app.engine.groups import Grouping, GroupKey
from analytics_app.engine.projection import TrendWindow
from analytics_app.engine.scope import CampaignWindow, KpiFilter
from analytics_app.engine.tables import SEGMENT, SEGMENT_DAY, SEGMENT_LATEST
from campaigns.segments import BASES, SegmentView
from campaigns.timeutil import ensure_aware


def segment_columns(grouping: Grouping) -> list[ColumnElement[Any]]:
    """The segment columns of `grouping.columns()`, in the order `Grouping.key` reads them."""
    cols: list[ColumnElement[Any]] = [SEGMENT.c.channel_id]
    if grouping.by_kind:
        cols.append(SEGMENT.c.content_kind)
    if grouping.by_audience:
        cols.append(SEGMENT.c.audience_key)
    return cols


def supports(pairs: Iterable[Pair]) -> bool:
    """Whether the segment rollup holds every (reporting, metric) pair a scorecard asks for."""
    return all(r in BASES and m in BASES[r] for r, m in pairs)


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
    ) -> None:
        self.session, self.window, self.grouping = session, window, grouping
        self.as_of = ensure_aware(as_of)
        self.day = window.local_day(self.as_of)
        wanted = set(pairs)
        self.metrics = sorted({*metrics, *(m for p in wanted for m in p)})
        self.growth_metrics = sorted(set(growth_metrics))
        self.trend = trend
        self.values: dict[tuple[GroupKey, str, str], tuple[float, int]] = {}
        self.newest: dict[tuple[GroupKey, str], tuple[datetime, int]] = {}
        self.growths: dict[tuple[GroupKey, str], float] = {}
        self.newest_capture: datetime | None = None
        self._keys: dict[KpiFilter, list[GroupKey]] = {}
        self._bases = sorted({r for r, _ in wanted})
        self._read(view)

    @property
    def from_latest(self) -> bool:
        return self.newest_capture is None or self.as_of >= self.newest_capture

    def _read(self, view: SegmentView) -> None:
        """One statement: newest values ('L'), running totals as of the day ('D') and growth
        over the trend window ('G'), each grouped by the grouping's columns."""
        gcols = segment_columns(self.grouping)
        width = len(gcols)
        cid = self.window.campaign_id
        bases = ["", *self._bases]

        def part(tag: str, table: Any, *cols: Any, where: Sequence[Any]) -> Any:
            keys = [*(c.label(f"g{i}") for i, c in enumerate(gcols)), table.c.basis, table.c.metric]
            return (
                select(literal(tag, String).label("part"), *keys, *cols)
                .select_from(table.join(SEGMENT, SEGMENT.c.id == table.c.segment_id))
                .where(table.c.campaign_id == cid, *where)
                .group_by(*gcols, table.c.basis, table.c.metric)
            )

        parts = [
            part(
                "L",
                SEGMENT_LATEST,
                func.sum(SEGMENT_LATEST.c.total).label("total"),
                func.sum(SEGMENT_LATEST.c.publications).label("n"),
                func.max(SEGMENT_LATEST.c.newest).label("newest"),
                where=[SEGMENT_LATEST.c.basis.in_(bases)],
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
                        SEGMENT_DAY.c.basis.in_(bases),
                        SEGMENT_DAY.c.metric.in_(self.metrics),
                        SEGMENT_DAY.c.day == literal(row_day, Date),
                    ],
                )
            )
        if self.growth_metrics:
            parts.append(
                part(
                    "G",
                    SEGMENT_DAY,
                    func.sum(SEGMENT_DAY.c.growth),
                    literal(0, Integer),
                    null(),
                    where=[
                        SEGMENT_DAY.c.basis == "",
                        SEGMENT_DAY.c.metric.in_(self.growth_metrics),
                        and_(
                            SEGMENT_DAY.c.day >= literal(self.trend.first_day, Date),
                            SEGMENT_DAY.c.day <= literal(self.trend.last_day, Date),
                        ),
                    ],
                )
            )
        query: Any = union_all(*parts)
        latest: dict[tuple[GroupKey, str, str], tuple[float, int]] = {}
        as_of_day: dict[tuple[GroupKey, str, str], tuple[float, int]] = {}
        newest_type = SEGMENT_LATEST.c.newest.type
        process: Any = newest_type.result_processor(self.session.get_bind().dialect, None)
        for row in self.session.execute(query):
            tag = row[0]
            key = self.grouping.key(row[1 : 1 + width])
            basis, metric = row[1 + width], row[2 + width]
            total, n = float(row[3 + width] or 0.0), int(row[4 + width] or 0)
            if tag == "G":
                self.growths[(key, metric)] = self.growths.get((key, metric), 0.0) + total
            elif tag == "D":
                as_of_day[(key, basis, metric)] = (total, n)
            else:
                latest[(key, basis, metric)] = (total, n)
                if basis == "":
                    raw = row[5 + width]
                    # Through a UNION the driver may hand the time back undecoded.
                    decoded: datetime = (
                        process(raw) if process and not isinstance(raw, datetime) else raw
                    )
                    self.newest[(key, metric)] = (ensure_aware(decoded), n)
        self.newest_capture = max((at for at, _ in self.newest.values()), default=None)
        self.values = latest if self.from_latest else as_of_day

    # --- answering a filter --------------------------------------------------------------

    def keys(self, flt: KpiFilter) -> list[GroupKey]:
        """The groups the filter keeps (among those with any metric row)."""
        if flt not in self._keys:
            known = {k for k, _, _ in self.values} | {k for k, _ in self.newest}
            self._keys[flt] = [k for k in known if self.grouping.matches(flt, k)]
        return self._keys[flt]

    def sums(
        self, flt: KpiFilter, metrics: Sequence[str], reporting: str | None = None
    ) -> dict[str, float]:
        """Σ lifetime value per metric over the filter's publications (and, with `reporting`,
        only those that report that metric too); a metric no publication reports is absent."""
        keep = set(self.keys(flt))
        basis = reporting or ""
        totals: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for (key, b, metric), (total, n) in self.values.items():
            if b == basis and metric in metrics and key in keep:
                totals[metric] += total
                counts[metric] += n
        return {m: totals[m] for m in metrics if counts[m]}

    def growth(self, flt: KpiFilter, metrics: Sequence[str]) -> float:
        """Growth of the metrics' sum over the trend window's days."""
        keep = set(self.keys(flt))
        return sum(g for (key, m), g in self.growths.items() if m in metrics and key in keep)

    def per_channel(self, flt: KpiFilter, metric: str) -> dict[int, float]:
        """Σ lifetime value of `metric` per channel, over the filter's publications reporting it."""
        keep = set(self.keys(flt))
        out: dict[int, float] = defaultdict(float)
        for (key, b, m), (total, n) in self.values.items():
            if b == "" and m == metric and n and key in keep:
                out[key.channel_id] += total
        return dict(out)

    def newest_per_metric(self, flt: KpiFilter) -> dict[str, tuple[datetime, int]]:
        """Newest capture and number of reporting publications per metric, over the filter's
        publications."""
        keep = set(self.keys(flt))
        per: dict[str, tuple[datetime, int]] = {}
        for (key, metric), (at, n) in self.newest.items():
            if key in keep:
                seen = per.get(metric)
                per[metric] = (max(seen[0], at), seen[1] + n) if seen else (at, n)
        return per
