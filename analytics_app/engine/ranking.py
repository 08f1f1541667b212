"""Equal-age ranking: posts compared at the same age (24 h, 7 d), never a young post against an
old one.

An item enters the ranking at age A only when it was published at least A before `as_of` and its
snapshots reach past that age: its value at A is read from the raw snapshot series by
`campaigns.metrics_store.values_at_age` (linear between the captures around that moment). Items
too young, or not measured that late, are left out and counted, so the ranking says how many it
could not judge yet. Snapshots are read here, not rollups, because an age is finer than a day;
only the two snapshots around each published item's age are read, each by a seek on the
snapshot key.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from analytics_app.engine.kinds import ENGAGEMENT_PARTS
from analytics_app.engine.scope import KpiFilter, load_window, publication_conditions
from analytics_app.engine.tables import CHANNEL, CONTENT, PUB
from campaigns.errors import UserError
from campaigns.metrics_store import values_at_age
from campaigns.timeutil import ensure_aware
from campaigns.vocabulary import MEASURES

AGES: dict[str, timedelta] = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}


@dataclass(frozen=True)
class RankedItem:
    rank: int
    publication_id: int
    content: str
    channel: str
    platform: str
    kind: str
    published_at: datetime
    value: float


@dataclass(frozen=True)
class Ranking:
    metric: str
    age: timedelta
    as_of: datetime
    items: list[RankedItem]
    too_young: int  # published less than `age` before as_of
    unmeasured: int  # old enough, but no snapshot reaches that age


def rank_at_age(
    session: Session,
    campaign_key: str,
    metric: str,
    age: timedelta,
    as_of: datetime,
    flt: KpiFilter | None = None,
    limit: int | None = None,
    *,
    published_from: datetime | None = None,
    published_until: datetime | None = None,
) -> Ranking:
    """The campaign's published items ranked by `metric` at `age` (highest first); with
    `published_from` / `published_until`, only the items published in that span (a week's)."""
    if metric not in MEASURES and metric != "engagements":
        raise UserError(f"{metric} cannot be ranked at an age (use a measured metric)")
    moment = ensure_aware(as_of)
    window = load_window(session, campaign_key)
    conds = list(publication_conditions(session, window.campaign_id, flt or KpiFilter()))
    if published_from is not None:
        conds.append(PUB.c.published_at >= ensure_aware(published_from))
    if published_until is not None:
        conds.append(PUB.c.published_at < ensure_aware(published_until))
    rows = session.execute(
        select(
            PUB.c.id,
            CONTENT.c.key,
            CHANNEL.c.key,
            CHANNEL.c.platform,
            CONTENT.c.kind,
            PUB.c.published_at,
        )
        .select_from(
            PUB.join(CONTENT, CONTENT.c.id == PUB.c.content_id).join(
                CHANNEL, CHANNEL.c.id == PUB.c.channel_id
            )
        )
        .where(*conds, PUB.c.published_at.is_not(None), PUB.c.published_at <= moment)
    ).all()
    old_enough = [r for r in rows if r[5] + age <= moment]
    ids = [r[0] for r in old_enough]
    parts = ENGAGEMENT_PARTS if metric == "engagements" else (metric,)
    per_part = [values_at_age(session, ids, part, age) for part in parts]
    measured = set().union(*(v.keys() for v in per_part))
    scored = [(sum(v.get(r[0], 0.0) for v in per_part), r) for r in old_enough if r[0] in measured]
    scored.sort(key=lambda pair: (-pair[0], pair[1][5], pair[1][0]))
    if limit is not None:
        scored = scored[:limit]
    items = [
        RankedItem(i + 1, r[0], r[1], r[2], r[3], r[4], r[5], value)
        for i, (value, r) in enumerate(scored)
    ]
    return Ranking(
        metric,
        age,
        moment,
        items,
        too_young=len(rows) - len(old_enough),
        unmeasured=len(old_enough) - len(measured),
    )
