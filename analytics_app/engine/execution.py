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
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from analytics_app.engine.actuals import Measurement
from analytics_app.engine.sqlutil import seconds_between
from analytics_app.engine.tables import CHANNEL, CONTENT, PUB
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


def execution_counts(
    session: Session,
    conds: Sequence[ColumnElement[bool]],
    as_of: datetime,
    on_time_minutes: int,
) -> ExecutionCounts:
    """Every execution count in two aggregate queries over the outbox."""
    moment = ensure_aware(as_of)
    dialect = session.get_bind().dialect.name
    kept = and_(*conds, PUB.c.state != PublicationState.CANCELLED)
    due = PUB.c.scheduled_at <= moment
    out = and_(PUB.c.state == PublicationState.PUBLISHED, PUB.c.published_at <= moment)
    prompt = seconds_between(dialect, PUB.c.published_at, PUB.c.scheduled_at) <= (
        on_time_minutes * 60.0
    )
    # Published after as_of was still to come as of as_of.
    still = or_(
        PUB.c.state.in_(OPEN_STATES),
        and_(PUB.c.state == PublicationState.PUBLISHED, PUB.c.published_at > moment),
    )
    clip = CONTENT.c.kind == "clip"

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            func.count(),
            count(due),
            count(and_(out, prompt)),
            count(and_(out, ~prompt)),
            count(and_(due, PUB.c.state == PublicationState.FAILED)),
            count(and_(due, PUB.c.state == PublicationState.MISSED)),
            count(and_(due, PUB.c.state == PublicationState.NEEDS_REVIEW)),
            count(and_(out, ~clip)),
            count(and_(out, clip)),
            count(and_(still, ~clip)),
            count(and_(still, clip)),
        )
        .select_from(PUB.join(CONTENT, CONTENT.c.id == PUB.c.content_id))
        .where(kept)
    ).one()
    active_units, units_any = session.execute(
        select(
            func.count(distinct(case((out, CHANNEL.c.unit_id)))),
            func.count(distinct(case((or_(out, still), CHANNEL.c.unit_id)))),
        )
        .select_from(PUB.join(CHANNEL, CHANNEL.c.id == PUB.c.channel_id))
        .where(kept)
    ).one()
    values = [int(v) for v in row]
    return ExecutionCounts(
        as_of=moment,
        planned=values[0],
        due=values[1],
        on_time=values[2],
        late=values[3],
        failed=values[4],
        missed=values[5],
        needs_review=values[6],
        posts_published=values[7],
        clips_published=values[8],
        posts_still_planned=values[9],
        clips_still_planned=values[10],
        active_units=int(active_units),
        units_still_planned=int(units_any) - int(active_units),
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
