"""A national-scale campaign for benchmarks: units, channels, publications and their snapshots.

At scale 1.0: 50 units, 160 channels (about two Pages per YouTube channel), 20,000 publications
over the month (95 % published) and 200 snapshots per published item (8 metrics x 25 captures on
the decaying schedule), about 3.8 million snapshot rows. Everything is derived from (scale, seed),
so `rows(scale, seed)` yields the very rows `generate` stores and benchmarks can feed the same
rows to their baselines.

Campaign, units, channels, content and publications are written with bulk Core inserts (the
"fast path": they are fixtures, not what is measured); snapshots go through `ingest_snapshots`
chunk by chunk, then one `refresh_rollups` brings the daily rollup up to date.
"""

import math
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, func, insert
from sqlmodel import Session, col, select

from campaigns.db import upgrade
from campaigns.metrics_store import SnapshotRow, ingest_snapshots, refresh_rollups
from campaigns.models import (
    Campaign,
    Channel,
    ContentItem,
    Kpi,
    Objective,
    Publication,
    PublicationState,
    Unit,
)
from campaigns.segments import refresh_stale

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
STARTS, ENDS = date(2025, 11, 15), date(2025, 12, 15)
CAMPAIGN_KEY = "national-2025"
CAPTURES = 25
FACEBOOK_METRICS = (
    "reach",
    "views",
    "reactions",
    "comments",
    "shares",
    "clicks",
    "video_views",
    "watch_time_hours",
)
YOUTUBE_METRICS = (
    "views",
    "video_views",
    "reactions",
    "comments",
    "shares",
    "clicks",
    "watch_time_hours",
    "avg_view_duration_s",
)
# Lifetime size of each metric relative to the item's reach (views > reach, reactions < reach...).
SCALE_OF = {
    "reach": 1.0,
    "views": 1.6,
    "reactions": 0.04,
    "comments": 0.006,
    "shares": 0.004,
    "clicks": 0.02,
    "video_views": 0.5,
    "watch_time_hours": 0.01,
    "avg_view_duration_s": 0.0,
}
DECAY_HOURS = (1, 3, 6, 24, 48)
CHUNK_ROWS = 20_000  # snapshot rows per ingest_snapshots call


@dataclass(frozen=True)
class DatasetInfo:
    campaign_key: str
    campaign_id: int
    units: int
    channels: int
    publications: int
    published: int
    snapshots: int
    first_publication_id: int
    seconds: float


@dataclass(frozen=True)
class PlannedItem:
    index: int  # 0-based position; the publication id is first_publication_id + index
    channel: int  # 0-based channel position
    platform: str
    scheduled_at: datetime
    state: str
    reach: float  # lifetime reach the item tends to


def sizes(scale: float) -> tuple[int, int, int]:
    """(units, channels, publications) at a scale; small scales keep at least a few of each."""
    return (
        max(2, round(50 * scale)),
        max(3, round(160 * scale)),
        max(10, round(20_000 * scale)),
    )


def _platform(channel: int) -> str:
    return "youtube" if channel % 3 == 2 else "facebook"


def plan(scale: float, seed: int) -> Iterator[PlannedItem]:
    """Every publication of the data set, deterministically from (scale, seed)."""
    _, channels, publications = sizes(scale)
    rng = random.Random(seed)
    days = (ENDS - STARTS).days + 1
    for index in range(publications):
        channel = rng.randrange(channels)
        day = STARTS + timedelta(days=rng.randrange(days))
        local = datetime(
            day.year, day.month, day.day, rng.randrange(7, 22), rng.choice((0, 30)), tzinfo=ZONE
        )
        roll = rng.random()
        state = (
            PublicationState.PUBLISHED
            if roll < 0.95
            else PublicationState.FAILED
            if roll < 0.97
            else PublicationState.MISSED
            if roll < 0.98
            else PublicationState.NEEDS_REVIEW
        )
        reach = math.exp(rng.gauss(8.0, 1.2))  # a few thousand people, with a long tail
        yield PlannedItem(index, channel, _platform(channel), local.astimezone(UTC), state, reach)


def capture_times(published_at: datetime) -> list[datetime]:
    """The first CAPTURES points of the decaying schedule (+1 h ... then daily)."""
    points = [published_at + timedelta(hours=h) for h in DECAY_HOURS]
    day = 3
    while len(points) < CAPTURES:
        points.append(published_at + timedelta(days=day))
        day += 1
    return points


def rows(scale: float = 1.0, seed: int = 1, first_publication_id: int = 1) -> Iterator[SnapshotRow]:
    """The snapshot rows of the data set, publication by publication, in capture order."""
    for item in plan(scale, seed):
        if item.state != PublicationState.PUBLISHED:
            continue
        pid = first_publication_id + item.index
        metrics = YOUTUBE_METRICS if item.platform == "youtube" else FACEBOOK_METRICS
        rng = random.Random(seed * 1_000_003 + item.index)
        tau = rng.uniform(10.0, 60.0)  # hours until ~63 % of the lifetime reach
        for at in capture_times(item.scheduled_at):
            hours = (at - item.scheduled_at).total_seconds() / 3600
            grown = item.reach * (1 - math.exp(-hours / tau))
            for metric in metrics:
                if metric == "avg_view_duration_s":
                    value = round(45.0 + 30.0 * math.exp(-hours / tau), 2)
                else:
                    value = float(round(grown * SCALE_OF[metric]))
                yield SnapshotRow(pid, metric, value, at)


def _table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined]


def _bulk_insert(session: Session, model: type, values: Sequence[Mapping[str, Any]]) -> None:
    """Fixture fast path: one executemany per table, no ORM objects."""
    if values:
        session.connection().execute(insert(_table(model)), values)


def generate(
    engine: Engine, scale: float = 1.0, seed: int = 1, *, snapshots: bool = True
) -> DatasetInfo:
    """Create the national campaign and its snapshots in `engine` (an upgraded, empty schema).

    With `snapshots=False` only the campaign and its publications are written, for benchmarks
    that time the snapshot ingestion themselves (feed them `rows(scale, seed, first_id)`).
    """
    began = time.perf_counter()
    n_units, n_channels, n_pubs = sizes(scale)
    with Session(engine) as session:
        campaign = Campaign(
            key=CAMPAIGN_KEY,
            name="Tháng hành động vì bình đẳng giới 2025 (toàn quốc)",
            name_en="2025 National Action Month (national roll-up)",
            starts=STARTS,
            ends=ENDS,
            approval="auto",
        )
        session.add(campaign)
        session.flush()
        cid = campaign.id
        assert cid is not None
        objectives = [
            Objective(campaign_id=cid, key=f"O{n}", title=f"Mục tiêu {n}", position=n)
            for n in (1, 2, 3)
        ]
        session.add_all(objectives)
        session.flush()
        kpis = [
            ("active-units", 0, "active_units", float(n_units), []),
            ("on-time", 0, "on_time_rate", 0.95, []),
            ("fb-reach", 1, "reach", 2_000_000 * scale * 50, ["facebook"]),
            ("yt-views", 1, "views", 300_000 * scale * 50, ["youtube"]),
            ("engagements", 2, "engagements", 120_000 * scale * 50, []),
            ("engagement-rate", 2, "engagement_rate", 0.04, []),
        ]
        for pos, (key, obj, metric, target, platforms) in enumerate(kpis):
            oid = objectives[obj].id
            assert oid is not None
            session.add(
                Kpi(
                    campaign_id=cid,
                    objective_id=oid,
                    key=key,
                    metric=metric,
                    target=target,
                    platforms=platforms,
                    position=pos,
                )
            )
        _bulk_insert(
            session,
            Unit,
            [
                {
                    "campaign_id": cid,
                    "key": f"unit-{u:02d}",
                    "name": f"Đơn vị {u:02d}",
                    "kind": "province" if u > 4 else "ministry",
                }
                for u in range(n_units)
            ],
        )
        unit_ids = [
            u.id
            for u in session.exec(
                select(Unit).where(col(Unit.campaign_id) == cid).order_by(col(Unit.id))
            )
        ]
        channel_rows = []
        for c in range(n_channels):
            platform = _platform(c)
            external = (
                f"10425138{c + 1:07d}"
                if platform == "facebook"
                else f"UCvnGenderEquality{c + 1:07d}"
            )
            channel_rows.append(
                {
                    "campaign_id": cid,
                    "key": f"{platform}-{c:03d}",
                    "platform": platform,
                    "external_id": external,
                    "name": f"Kênh {c:03d}",
                    "unit_id": unit_ids[c % n_units],
                    "native_handoff": False,
                    "paused": False,
                    "paused_reason": "",
                }
            )
        _bulk_insert(session, Channel, channel_rows)
        channels = [
            (ch.id, ch.unit_id)
            for ch in session.exec(
                select(Channel).where(col(Channel.campaign_id) == cid).order_by(col(Channel.id))
            )
        ]
        items = list(plan(scale, seed))
        _bulk_insert(
            session,
            ContentItem,
            [
                {
                    "campaign_id": cid,
                    "key": f"item-{i.index:05d}",
                    "kind": "clip"
                    if i.platform == "youtube"
                    else ("photo" if i.index % 3 == 0 else "post"),
                    "unit_id": channels[i.channel][1],
                    "message": "Bình đẳng giới và an toàn trên không gian mạng",
                    "objectives": ["O2"] if i.index % 2 else ["O3"],
                    "audiences": ["youth"] if i.index % 4 == 0 else ["general"],
                    "tags": [],
                    "extra": {},
                }
                for i in items
            ],
        )
        first_content = session.exec(
            select(func.min(col(ContentItem.id))).where(col(ContentItem.campaign_id) == cid)
        ).one()
        assert first_content is not None
        published = 0
        pub_rows = []
        for i in items:
            done = i.state == PublicationState.PUBLISHED
            published += done
            lateness = timedelta(seconds=30 + (i.index % 7) * 40)
            pub_rows.append(
                {
                    "campaign_id": cid,
                    "content_id": first_content + i.index,
                    "channel_id": channels[i.channel][0],
                    "plan_key": "national",
                    "dedupe_key": f"{CAMPAIGN_KEY}|item-{i.index:05d}",
                    "slot_at": i.scheduled_at,
                    "scheduled_at": i.scheduled_at,
                    "state": str(i.state),
                    "external_id": (f"ext-{i.index:06d}" if done else None),
                    "published_at": (i.scheduled_at + lateness if done else None),
                    "attempts": 1,
                }
            )
        _bulk_insert(session, Publication, pub_rows)
        first = session.exec(
            select(func.min(col(Publication.id))).where(col(Publication.campaign_id) == cid)
        ).one()
        assert first is not None
        first_pid = int(first)
        session.commit()

    written = 0
    if snapshots:
        for chunk in chunks(rows(scale, seed, first_pid)):
            written += _write(engine, chunk)
        with Session(engine) as session:
            refresh_rollups(session)
            session.commit()
        refresh_stale(engine)  # as a metric pull leaves it: scorecards find the segments current
    return DatasetInfo(
        campaign_key=CAMPAIGN_KEY,
        campaign_id=cid,
        units=n_units,
        channels=n_channels,
        publications=n_pubs,
        published=published,
        snapshots=written,
        first_publication_id=first_pid,
        seconds=time.perf_counter() - began,
    )


def chunks(source: Iterator[SnapshotRow], size: int = CHUNK_ROWS) -> Iterator[list[SnapshotRow]]:
    """Rows in lists of `size`: what one pull batch or one benchmark write holds."""
    chunk: list[SnapshotRow] = []
    for row in source:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write(engine: Engine, chunk: list[SnapshotRow]) -> int:
    with Session(engine) as session:
        written = ingest_snapshots(session, chunk, ZONE)
        session.commit()
    return written


def build(engine: Engine, scale: float, seed: int) -> DatasetInfo:
    """`generate` into an upgraded schema, printing what was built and how long it took."""
    upgrade(engine)
    began = time.perf_counter()
    info = generate(engine, scale, seed)
    print(
        f"data set: {info.units} units, {info.channels} channels, {info.publications} "
        f"publications, {info.snapshots:,} snapshots ({time.perf_counter() - began:.0f} s)"
    )
    return info
