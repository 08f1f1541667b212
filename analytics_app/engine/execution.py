"""Execution KPIs from the scheduler's own rows (the publication outbox), as of a moment.

Definitions (each written once, here):

- planned: publications not cancelled; due: planned with `scheduled_at` at or before `as_of`.
- published: state `published` with `published_at` at or before `as_of`; on time when published
  within `on_time_minutes` (Settings, 5) of `scheduled_at`, else late.
- failed, missed, needs_review: in that state and due.
- pending: due but none of the above (queued, retrying, claimed, handed off, still a draft...).
- on_time_rate = on time / (published + failed + missed) among the due; None when none is.
- posts_published: published posts, links and photos; clips_published: published clips.
- active_units: units owning a channel with at least one published item.

All counts come from one query grouped by publication group (`groups`); each distinct KPI filter
sums the groups it keeps once.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from analytics_app.engine.actuals import Measurement
from analytics_app.engine.groups import Grouping, GroupKey, group_columns
from analytics_app.engine.scope import KpiFilter
from analytics_app.engine.sqlutil import within_seconds
from analytics_app.engine.tables import CONTENT, PUB
from campaigns.models import PublicationState
from campaigns.timeutil import ensure_aware

OPEN_STATES: tuple[str, ...] = (
    PublicationState.DRAFT,
    PublicationState.APPROVED,
    PublicationState.QUEUED,
    PublicationState.CLAIMED,
    PublicationState.RETRY_WAIT,
    PublicationState.HANDED_OFF,
)


@dataclass(frozen=True)
class ExecutionCounts:
    as_of: datetime
    planned: int
    due: int
    on_time: int
    late: int
    failed: int
    missed: int
    needs_review: int
    # Posts (posts, links, photos) and clips apart; None when the counts were not grouped by
    # content kind (no KPI asked for them).
    posts_published: int | None
    clips_published: int | None
    posts_still_planned: int | None  # open (or published after as_of) and not yet out
    clips_still_planned: int | None
    active_units: int
    units_still_planned: int  # units with nothing published yet but something still planned

    @property
    def published(self) -> int:
        return self.on_time + self.late

    @property
    def pending(self) -> int:
        return self.due - self.published - self.failed - self.missed - self.needs_review

    @property
    def on_time_rate(self) -> float | None:
        judged = self.published + self.failed + self.missed
        return self.on_time / judged if judged else None


@dataclass
class GroupCounts:
    """One publication group's counts (`all` and `published_any` include cancelled rows)."""

    all: int = 0
    published_any: int = 0  # with a publication time, whatever the state
    planned: int = 0
    due: int = 0
    on_time: int = 0
    late: int = 0
    failed: int = 0
    missed: int = 0
    needs_review: int = 0
    out: int = 0  # published by as_of
    still: int = 0  # still to come as of as_of

    def absorb(self, other: "GroupCounts") -> None:
        """Adds another group's counts (written out: reflecting over the fields per group cost
        more than the scorecard's own arithmetic)."""
        self.all += other.all
        self.published_any += other.published_any
        self.planned += other.planned
        self.due += other.due
        self.on_time += other.on_time
        self.late += other.late
        self.failed += other.failed
        self.missed += other.missed
        self.needs_review += other.needs_review
        self.out += other.out
        self.still += other.still


@dataclass
class _FilterCounts:
    """One filter's counts, summed once over the groups it keeps."""

    posts: GroupCounts  # every kind but clips (all kinds when not grouped by kind)
    clips: GroupCounts
    active_units: int
    planned_units: int  # units with something published or still planned

    @property
    def total(self) -> GroupCounts:
        both = GroupCounts()
        both.absorb(self.posts)
        both.absorb(self.clips)
        return both


def _count_columns(dialect: str, minutes: int) -> list[ColumnElement[Any]]:
    """Per (group, state): rows, rows with a publication time, due rows, rows out by the moment
    (bound as `as_of`) and rows out on time. Every GroupCounts field follows from these and the
    state (`_add`): five counts per row instead of one CASE per field, the aggregate's cost on
    both databases."""
    moment = bindparam("as_of", type_=PUB.c.published_at.type)
    out = PUB.c.published_at <= moment
    prompt = within_seconds(dialect, PUB.c.published_at, PUB.c.scheduled_at, minutes * 60.0)

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        # FILTER skips the rows instead of summing a CASE for each: a fifth less on SQLite.
        return func.count().filter(condition)

    return [
        func.count(),
        func.count(PUB.c.published_at),
        count(PUB.c.scheduled_at <= moment),
        count(out),
        count(and_(out, prompt)),
    ]


@cache
def _statement(dialect: str, by_kind: bool, by_audience: bool, minutes: int) -> Any:
    """The counts statement of one grouping, built once (building it cost more than reading
    its rows at small scale); binds `cid` and `as_of`."""
    gcols = group_columns(by_kind, by_audience)
    needs_content = by_kind or by_audience
    source = PUB.join(CONTENT, CONTENT.c.id == PUB.c.content_id) if needs_content else PUB
    return (
        select(*gcols, PUB.c.state, *_count_columns(dialect, minutes))
        .select_from(source)
        .where(PUB.c.campaign_id == bindparam("cid"))
        .group_by(*gcols, PUB.c.state)
    )


def _add(
    into: "GroupCounts", state: str, n: int, timed: int, due: int, out: int, prompt: int
) -> None:
    """Adds one (group, state) row of `_count_columns` to a group's counts."""
    into.all += n
    into.published_any += timed
    if state == PublicationState.CANCELLED:
        return
    into.planned += n
    into.due += due
    if state == PublicationState.PUBLISHED:
        into.on_time += prompt
        into.late += out - prompt
        into.out += out
        into.still += timed - out  # published after as_of: still to come as of as_of
    elif state == PublicationState.FAILED:
        into.failed += due
    elif state == PublicationState.MISSED:
        into.missed += due
    elif state == PublicationState.NEEDS_REVIEW:
        into.needs_review += due
    elif state in OPEN_STATES:
        into.still += n


class ExecutionFacts:
    """The outbox's counts per publication group as of a moment, read in one query.

    Grouped by content kind only when `grouping.by_kind` (a KPI filters on kinds or counts
    posts or clips): the kind is the content item's, and joining 20,000 items costs more than
    the rest of the query."""

    def __init__(
        self,
        session: Session,
        campaign_id: int,
        grouping: Grouping,
        as_of: datetime,
        on_time_minutes: int,
    ) -> None:
        self.grouping = grouping
        self.as_of = ensure_aware(as_of)
        dialect = session.get_bind().dialect.name
        query = _statement(dialect, grouping.by_kind, grouping.by_audience, on_time_minutes)
        width = len(grouping.columns())
        self.groups: dict[GroupKey, GroupCounts] = {}
        # A group has one row per state: its key is built once.
        by_values: dict[tuple[Any, ...], GroupCounts] = {}
        for row in session.execute(query, {"cid": campaign_id, "as_of": self.as_of}):
            values = tuple(row[:width])
            counts = by_values.get(values)
            if counts is None:
                counts = by_values[values] = self.groups.setdefault(
                    grouping.key(values), GroupCounts()
                )
            n, timed, due, out, prompt = row[width + 1 :]
            _add(counts, row[width], n, timed, due, out, prompt)
        self._filtered: dict[KpiFilter, _FilterCounts] = {}

    def _for(self, flt: KpiFilter) -> _FilterCounts:
        """The filter's counts, summed on first use (several KPIs share a filter)."""
        found = self._filtered.get(flt)
        if found is not None:
            return found
        posts, clips = GroupCounts(), GroupCounts()
        active: set[int] = set()
        planned_units: set[int] = set()
        for key, c in self.groups.items():
            if not self.grouping.matches(flt, key):
                continue
            (clips if key.kind == "clip" else posts).absorb(c)
            unit = self.grouping.channels.get(key.channel_id)
            if unit is None or unit.unit_id is None:
                continue
            if c.out:
                active.add(unit.unit_id)
            if c.out or c.still:
                planned_units.add(unit.unit_id)
        found = self._filtered[flt] = _FilterCounts(posts, clips, len(active), len(planned_units))
        return found

    def total(self, flt: KpiFilter) -> GroupCounts:
        """The counts of the filter's publications."""
        return self._for(flt).total

    def channels(self, flt: KpiFilter) -> set[int]:
        """Channels carrying at least one of the filter's publications (any state)."""
        return {
            k.channel_id for k, c in self.groups.items() if c.all and self.grouping.matches(flt, k)
        }

    def counts(self, flt: KpiFilter) -> ExecutionCounts:
        """Every execution count of the filter's publications."""
        found = self._for(flt)
        posts, clips = found.posts, found.clips
        by_kind = self.grouping.by_kind
        return ExecutionCounts(
            as_of=self.as_of,
            planned=posts.planned + clips.planned,
            due=posts.due + clips.due,
            on_time=posts.on_time + clips.on_time,
            late=posts.late + clips.late,
            failed=posts.failed + clips.failed,
            missed=posts.missed + clips.missed,
            needs_review=posts.needs_review + clips.needs_review,
            posts_published=posts.out if by_kind else None,
            clips_published=clips.out if by_kind else None,
            posts_still_planned=posts.still if by_kind else None,
            clips_still_planned=clips.still if by_kind else None,
            active_units=found.active_units,
            units_still_planned=found.planned_units - found.active_units,
        )


def measure_execution(metric: str, counts: ExecutionCounts) -> Measurement:
    """One execution KPI from the counts; projections add what the plan still holds."""
    if metric == "on_time_rate":
        rate = counts.on_time_rate
        if rate is None:
            return Measurement(
                None, None, no_data_reason="no matching publication has fallen due yet"
            )
        return Measurement(rate, counts.as_of)
    if metric in ("posts_published", "clips_published"):
        assert counts.posts_published is not None, "counted without content kinds"
    if metric == "posts_published":
        return Measurement(
            counts.posts_published, counts.as_of, still_planned=counts.posts_still_planned
        )
    if metric == "clips_published":
        return Measurement(
            counts.clips_published, counts.as_of, still_planned=counts.clips_still_planned
        )
    if metric == "active_units":
        return Measurement(
            counts.active_units, counts.as_of, still_planned=counts.units_still_planned
        )
    raise ValueError(f"{metric} is not an execution metric")
