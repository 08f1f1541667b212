"""Units: the national roll-up, every ministry, sector, committee and province with its activity,
its results and its execution (planned, published on time, late, failed, missed)."""

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from analytics_app.engine.breakdowns import breakdown
from analytics_app.engine.execution import ExecutionFacts
from analytics_app.engine.groups import Grouping
from analytics_app.engine.scope import load_window
from analytics_app.engine.tables import CHANNEL, UNIT
from analytics_app.services.filters import Scope
from campaigns.settings import get_settings
from campaigns.timeutil import ensure_aware

RESULT_METRICS: tuple[str, ...] = ("reach", "views", "engagements")


@dataclass(frozen=True)
class UnitRow:
    key: str
    name: str
    kind: str
    channels: int
    planned: int
    due: int
    on_time: int
    late: int
    failed: int
    missed: int
    needs_review: int
    on_time_rate: float | None
    results: dict[str, float | None]  # None: not available (nothing reported)

    @property
    def published(self) -> int:
        return self.on_time + self.late


def units(session: Session, scope: Scope, as_of: datetime) -> list[UnitRow]:
    """One row per unit the scope sees, in the campaign's order of unit keys."""
    moment = ensure_aware(as_of)
    window = load_window(session, scope.campaign)
    base = scope.kpi_filter()
    channel_counts = dict(
        session.execute(
            select(CHANNEL.c.unit_id, func.count())
            .where(CHANNEL.c.campaign_id == window.campaign_id)
            .group_by(CHANNEL.c.unit_id)
        ).all()
    )
    grouping = Grouping(session, window.campaign_id, [base])
    facts = ExecutionFacts(
        session, window.campaign_id, grouping, moment, get_settings().on_time_minutes
    )
    results = {
        metric: {
            r.key: r.value
            for r in breakdown(session, scope.campaign, metric, "unit", moment, base)
            if r.publications
        }
        for metric in RESULT_METRICS
    }
    rows: list[UnitRow] = []
    for uid, key, name, kind in session.execute(
        select(UNIT.c.id, UNIT.c.key, UNIT.c.name, UNIT.c.kind)
        .where(UNIT.c.campaign_id == window.campaign_id)
        .order_by(UNIT.c.key)
    ):
        if not scope.sees(key):
            continue
        c = facts.counts(replace(base, units=(key,)))
        rows.append(
            UnitRow(
                key=key,
                name=name,
                kind=kind,
                channels=int(channel_counts.get(uid, 0)),
                planned=c.planned,
                due=c.due,
                on_time=c.on_time,
                late=c.late,
                failed=c.failed,
                missed=c.missed,
                needs_review=c.needs_review,
                on_time_rate=c.on_time_rate,
                results={m: results[m].get(key) for m in RESULT_METRICS},
            )
        )
    return rows
