"""Content: the best and the weakest posts and clips compared at equal age, and the best time
to publish (weekday x hour in the campaign zone) from the campaign's own history."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from analytics_app.engine.ranking import AGES, rank_at_age
from analytics_app.engine.scope import load_window
from analytics_app.engine.tables import CHANNEL, CONTENT, PUB, UNIT
from analytics_app.services.filters import Scope
from campaigns.timeutil import ensure_aware

RANK_METRICS: tuple[str, ...] = ("reach", "views", "engagements", "video_views")
MIN_COUNT = 3  # items a heatmap cell needs before its average is shown


@dataclass(frozen=True)
class Post:
    rank: int
    publication_id: int
    content: str
    title: str
    message: str
    kind: str
    channel: str
    platform: str
    unit: str
    published_at: datetime
    value: float
    objectives: tuple[str, ...]
    audiences: tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    weekday: int  # 0 = Monday
    hour: int
    count: int
    mean: float | None  # None below MIN_COUNT items


@dataclass(frozen=True)
class ContentView:
    metric: str
    age: str
    as_of: datetime
    top: list[Post]
    bottom: list[Post]
    ranked: int
    too_young: int
    unmeasured: int
    heatmap: list[Cell]
    min_count: int = MIN_COUNT


def content(
    session: Session,
    scope: Scope,
    metric: str,
    age: str,
    kind: str | None,
    as_of: datetime,
    limit: int = 10,
) -> ContentView:
    """Top and bottom `limit` items by `metric` at `age` ("24h" or "7d"), and the heatmap of
    the same items' values by the local weekday and hour they went out."""
    moment = ensure_aware(as_of)
    window = load_window(session, scope.campaign)
    flt = scope.kpi_filter()
    if kind:
        flt = replace(flt, content_kinds=(kind,))
    ranking = rank_at_age(session, scope.campaign, metric, AGES[age], moment, flt)
    details = _details(session, window.campaign_id, [i.publication_id for i in ranking.items])
    posts: list[Post] = []
    f = scope.filters
    for item in ranking.items:
        title, message, unit, objectives, audiences = details[item.publication_id]
        local_day = item.published_at.astimezone(window.zone).date()
        if f.objective and f.objective not in objectives:
            continue
        if (f.start and local_day < f.start) or (f.end and local_day > f.end):
            continue
        posts.append(
            Post(
                len(posts) + 1,
                item.publication_id,
                item.content,
                title,
                message,
                item.kind,
                item.channel,
                item.platform,
                unit,
                item.published_at,
                item.value,
                objectives,
                audiences,
            )
        )
    return ContentView(
        metric=metric,
        age=age,
        as_of=moment,
        top=posts[:limit],
        bottom=list(reversed(posts[-limit:])) if len(posts) > limit else [],
        ranked=len(posts),
        too_young=ranking.too_young,
        unmeasured=ranking.unmeasured,
        heatmap=_heatmap(posts, window.zone),
    )


def _details(
    session: Session, campaign_id: int, ids: list[int]
) -> dict[int, tuple[str, str, str, tuple[str, ...], tuple[str, ...]]]:
    """Title, message, unit, objectives and audiences of each ranked publication."""
    if not ids:
        return {}
    rows = session.execute(
        select(
            PUB.c.id,
            CONTENT.c.title,
            CONTENT.c.message,
            UNIT.c.key,
            CONTENT.c.objectives,
            CONTENT.c.audiences,
        )
        .select_from(
            PUB.join(CONTENT, CONTENT.c.id == PUB.c.content_id)
            .join(CHANNEL, CHANNEL.c.id == PUB.c.channel_id)
            .outerjoin(UNIT, UNIT.c.id == CHANNEL.c.unit_id)
        )
        .where(PUB.c.campaign_id == campaign_id)
    ).all()
    wanted = set(ids)
    return {
        pid: (title or "", message or "", unit or "", tuple(objs or ()), tuple(auds or ()))
        for pid, title, message, unit, objs, auds in rows
        if pid in wanted
    }


def _heatmap(posts: list[Post], zone: object) -> list[Cell]:
    values: dict[tuple[int, int], list[float]] = defaultdict(list)
    for p in posts:
        local = p.published_at.astimezone(zone)  # type: ignore[arg-type]
        values[(local.weekday(), local.hour)].append(p.value)
    cells = []
    for (weekday, hour), vals in sorted(values.items()):
        mean = sum(vals) / len(vals) if len(vals) >= MIN_COUNT else None
        cells.append(Cell(weekday, hour, len(vals), mean))
    return cells
