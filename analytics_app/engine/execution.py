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

All counts come from one query grouped by publication group (`groups`); each KPI's filter sums
the groups it keeps.
"""

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from analytics_app.engine.actuals import Measurement
from analytics_app.engine.groups import Grouping, GroupKey
from analytics_app.engine.scope import KpiFilter
from analytics_app.engine.sqlutil import seconds_between
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
    posts_published: int
    clips_published: int
    posts_still_planned: int  # open (or published after as_of) and not yet out
    clips_still_planned: int
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


def _count_columns(dialect: str, moment: datetime, minutes: int) -> list[ColumnElement[Any]]:
    """The SQL of each GroupCounts field, in field order."""
    kept = PUB.c.state != PublicationState.CANCELLED
    due = and_(kept, PUB.c.scheduled_at <= moment)
    out = and_(PUB.c.state == PublicationState.PUBLISHED, PUB.c.published_at <= moment)
    prompt = seconds_between(dialect, PUB.c.published_at, PUB.c.scheduled_at) <= minutes * 60.0
    # Published after as_of was still to come as of as_of.
    still = or_(
        PUB.c.state.in_(OPEN_STATES),
        and_(PUB.c.state == PublicationState.PUBLISHED, PUB.c.published_at > moment),
    )

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return [
        func.count(),
        func.count(PUB.c.published_at),
        count(kept),
        count(due),
        count(and_(kept, out, prompt)),
        count(and_(kept, out, ~prompt)),
        count(and_(due, PUB.c.state == PublicationState.FAILED)),
        count(and_(due, PUB.c.state == PublicationState.MISSED)),
        count(and_(due, PUB.c.state == PublicationState.NEEDS_REVIEW)),
        count(and_(kept, out)),
        count(and_(kept, still)),
    ]


class ExecutionFacts:
    """The outbox's counts per publication group as of a moment, read in one query."""

    def __init__(
        self,
        session: Session,
        campaign_id: int,
        grouping: Grouping,
        as_of: datetime,
        on_time_minutes: int,
    ) -> None:
        assert grouping.by_kind, "execution counts tell clips from posts"
        self.grouping = grouping
        self.as_of = ensure_aware(as_of)
        dialect = session.get_bind().dialect.name
        gcols = grouping.columns()
        query = (
            select(*gcols, *_count_columns(dialect, self.as_of, on_time_minutes))
            .select_from(PUB.join(CONTENT, CONTENT.c.id == PUB.c.content_id))
            .where(PUB.c.campaign_id == campaign_id)
            .group_by(*gcols)
        )
        width = len(gcols)
        self.groups: dict[GroupKey, GroupCounts] = {
            grouping.key(row): GroupCounts(*(int(v) for v in row[width:]))
            for row in session.execute(query)
        }

    def total(self, flt: KpiFilter) -> GroupCounts:
        """The counts of the filter's publications."""
        out = GroupCounts()
        for key, counts in self.groups.items():
            if self.grouping.matches(flt, key):
                for f in fields(GroupCounts):
                    setattr(out, f.name, getattr(out, f.name) + getattr(counts, f.name))
        return out

    def channels(self, flt: KpiFilter) -> set[int]:
        """Channels carrying at least one of the filter's publications (any state)."""
        return {
            k.channel_id for k, c in self.groups.items() if c.all and self.grouping.matches(flt, k)
        }

    def counts(self, flt: KpiFilter) -> ExecutionCounts:
        """Every execution count of the filter's publications."""
        kinds: dict[bool, GroupCounts] = defaultdict(GroupCounts)
        active: set[int] = set()
        planned_units: set[int] = set()
        for key, c in self.groups.items():
            if not self.grouping.matches(flt, key):
                continue
            side = kinds[key.kind == "clip"]
            for f in fields(GroupCounts):
                setattr(side, f.name, getattr(side, f.name) + getattr(c, f.name))
            unit = self.grouping.channels.get(key.channel_id)
            if unit is None or unit.unit_id is None:
                continue
            if c.out:
                active.add(unit.unit_id)
            if c.out or c.still:
                planned_units.add(unit.unit_id)
        posts, clips = kinds[False], kinds[True]
        return ExecutionCounts(
            as_of=self.as_of,
            planned=posts.planned + clips.planned,
            due=posts.due + clips.due,
            on_time=posts.on_time + clips.on_time,
            late=posts.late + clips.late,
            failed=posts.failed + clips.failed,
            missed=posts.missed + clips.missed,
            needs_review=posts.needs_review + clips.needs_review,
            posts_published=posts.out,
            clips_published=clips.out,
            posts_still_planned=posts.still,
            clips_still_planned=clips.still,
            active_units=len(active),
            units_still_planned=len(planned_units) - len(active),
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
