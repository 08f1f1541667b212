"""Audience: who watches (gender and age, from YouTube Analytics' channel reports), followers
gained (Facebook Page follows, YouTube subscribers), and the objectives' audience targets.

Facebook gives no viewer demographics for Pages' posts: a platform whose channels have no
audience report is listed as not available, never as zero.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlmodel import Session

from analytics_app.engine.breakdowns import breakdown
from analytics_app.engine.scope import load_window
from analytics_app.engine.scorecard import KpiScore
from analytics_app.engine.tables import AUDIENCE, CHANNEL, CHANNEL_DAILY, UNIT
from analytics_app.services.filters import Scope
from analytics_app.services.overview import scores_for
from campaigns.timeutil import ensure_aware
from campaigns.vocabulary import AUDIENCE_SHARES

AUDIENCE_KPIS = frozenset({*AUDIENCE_SHARES, "followers_gained"})


@dataclass(frozen=True)
class Share:
    gender: str
    age_group: str
    share: float  # of views, 0..1, weighted over the channels by their views


@dataclass(frozen=True)
class PlatformAudience:
    platform: str
    channels: int  # channels in scope
    reporting: int  # of which have an audience report
    followers_gained: float | None  # None: no channel reports it
    captured_at: datetime | None


@dataclass(frozen=True)
class Audience:
    as_of: datetime
    shares: list[Share]
    platforms: list[PlatformAudience]
    targets: list[KpiScore]


def audience(session: Session, scope: Scope, as_of: datetime) -> Audience:
    moment = ensure_aware(as_of)
    window = load_window(session, scope.campaign)
    channels = {
        cid: platform
        for cid, platform, unit in session.execute(
            select(CHANNEL.c.id, CHANNEL.c.platform, UNIT.c.key)
            .select_from(CHANNEL.outerjoin(UNIT, UNIT.c.id == CHANNEL.c.unit_id))
            .where(CHANNEL.c.campaign_id == window.campaign_id)
        )
        if scope.sees(unit) and (not scope.filters.platform or platform == scope.filters.platform)
    }
    rows = _newest_reports(session, list(channels), moment)
    views = {
        r.key: float(r.value or 0.0)
        for r in breakdown(session, scope.campaign, "views", "channel", moment, scope.kpi_filter())
    }
    keys = dict(
        session.execute(
            select(CHANNEL.c.id, CHANNEL.c.key).where(CHANNEL.c.id.in_(list(channels)))
        ).all()
    )
    per_channel: dict[int, dict[tuple[str, str], float]] = defaultdict(dict)
    captured: dict[int, datetime] = {}
    for cid, gender, age, share, at in rows:
        per_channel[cid][(gender, age)] = float(share)
        captured[cid] = ensure_aware(at)
    weights = {cid: views.get(keys.get(cid, ""), 0.0) for cid in per_channel}
    if not any(weights.values()):
        weights = dict.fromkeys(per_channel, 1.0)
    total = sum(weights.values())
    mixed: dict[tuple[str, str], float] = defaultdict(float)
    for cid, cells in per_channel.items():
        whole = sum(cells.values()) or 1.0
        for cell, share in cells.items():
            mixed[cell] += share / whole * weights[cid] / total if total else 0.0
    followers = _followers(session, list(channels), window.local_day(moment))
    platforms = []
    for platform in sorted(set(channels.values())):
        ids = [c for c, p in channels.items() if p == platform]
        gained = [followers[c] for c in ids if c in followers]
        seen = [captured[c] for c in ids if c in captured]
        platforms.append(
            PlatformAudience(
                platform,
                len(ids),
                sum(1 for c in ids if c in per_channel),
                sum(gained) if gained else None,
                max(seen) if seen else None,
            )
        )
    scores, _, _ = scores_for(session, scope, moment)
    return Audience(
        as_of=moment,
        shares=[Share(g, a, v) for (g, a), v in sorted(mixed.items())],
        platforms=platforms,
        targets=[s for s in scores if s.metric in AUDIENCE_KPIS],
    )


def _newest_reports(session: Session, channels: list[int], as_of: datetime) -> list[tuple]:
    """Each channel's newest channel-level audience report at or before `as_of`."""
    if not channels:
        return []
    newest = (
        select(AUDIENCE.c.channel_id, func.max(AUDIENCE.c.captured_at).label("at"))
        .where(
            AUDIENCE.c.publication_id.is_(None),
            AUDIENCE.c.captured_at <= as_of,
            AUDIENCE.c.channel_id.in_(channels),
        )
        .group_by(AUDIENCE.c.channel_id)
        .subquery()
    )
    query = (
        select(
            AUDIENCE.c.channel_id,
            AUDIENCE.c.gender,
            AUDIENCE.c.age_group,
            AUDIENCE.c.share,
            AUDIENCE.c.captured_at,
        )
        .select_from(
            AUDIENCE.join(
                newest,
                and_(
                    AUDIENCE.c.channel_id == newest.c.channel_id,
                    AUDIENCE.c.captured_at == newest.c.at,
                ),
            )
        )
        .where(AUDIENCE.c.publication_id.is_(None))
    )
    return [tuple(r) for r in session.execute(query).all()]


def _followers(session: Session, channels: list[int], day: object) -> dict[int, float]:
    """Followers gained per channel up to `day` (the channels' daily reports)."""
    if not channels:
        return {}
    rows = session.execute(
        select(CHANNEL_DAILY.c.channel_id, func.sum(CHANNEL_DAILY.c.value))
        .where(
            CHANNEL_DAILY.c.channel_id.in_(channels),
            CHANNEL_DAILY.c.metric == "followers_gained",
            CHANNEL_DAILY.c.day <= day,
        )
        .group_by(CHANNEL_DAILY.c.channel_id)
    ).all()
    return {int(c): float(v or 0.0) for c, v in rows}
