"""A small hand-computable campaign for the engine's tests, built directly with the models.

Campaign `hand` runs 15/11/2025 - 14/12/2025 (30 days) in Asia/Ho_Chi_Minh (UTC+7).
Units u1, u2 (both with channels) and u3 (no channel, no posts).
Channels fb1 (facebook, u1), fb2 (facebook, u2), yt1 (youtube, u1).
Content p1 post [youth], p2 photo [general], c1 clip [women].

Publications (local times):
  A  p1 on fb1  due 15/11 08:00, published 08:02 (on time)
  B  p2 on fb2  due 16/11 08:00, published 08:20 (late)
  C  c1 on yt1  due 17/11 19:00, published 19:01 (on time)
  D  p1 on fb2  due 18/11 08:00, failed
  E  p2 on fb1  due 30/11 08:00, queued

Snapshots (lifetime values, local capture times):
  A reach 100 @15/11 10:00, 300 @16/11 10:00, 400 @20/11 10:00; views 500 @20/11 10:00
    reactions 20, comments 5, shares 3 @20/11 10:00; clicks 2 @15/11 10:00 only (then retired)
  B reach 50 @16/11 12:00, 250 @18/11 12:00; reactions 10 @18/11 12:00
  C views 1000 @18/11 20:00, 1500 @20/11 10:00; video_views 1500, watch_time_hours 50,
    reactions 40 @20/11 10:00
Audience (channel level, @20/11 10:00):
  yt1: female 18-24 0.3, female 25-34 0.3, male 18-24 0.2, male 25-34 0.2 (female 0.6, youth 0.5)
  fb1: female 18-24 0.2, male 25-34 0.8 (female 0.2, youth 0.2)
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.metrics_store import AudienceRow, SnapshotRow, record_audience, record_snapshots
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

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def local(day: int, month: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=ZONE)


@dataclass
class Hand:
    """Ids of the hand campaign's rows, by their letters in the module docstring."""

    campaign_id: int
    pubs: dict[str, int]
    channels: dict[str, int]
    units: dict[str, int]


def make_campaign(session: Session, key: str = "hand") -> Campaign:
    campaign = Campaign(
        key=key,
        name="Hand",
        starts=date(2025, 11, 15),
        ends=date(2025, 12, 14),
        timezone="Asia/Ho_Chi_Minh",
    )
    session.add(campaign)
    session.flush()
    return campaign


def add_kpi(
    session: Session,
    campaign_id: int,
    key: str,
    metric: str,
    target: float,
    objective: str = "O1",
    **filters: Any,
) -> Kpi:
    """A KPI under objective `objective` (created on first use)."""
    from sqlmodel import select

    obj = session.exec(
        select(Objective).where(Objective.campaign_id == campaign_id, Objective.key == objective)
    ).first()
    if obj is None:
        obj = Objective(campaign_id=campaign_id, key=objective, title=f"Objective {objective}")
        session.add(obj)
        session.flush()
    assert obj.id is not None
    kpi = Kpi(
        campaign_id=campaign_id,
        objective_id=obj.id,
        key=key,
        metric=metric,
        target=target,
        **filters,
    )
    session.add(kpi)
    session.flush()
    return kpi


def build_hand(engine: Engine, with_metrics: bool = True) -> Hand:
    with Session(engine) as s:
        c = make_campaign(s)
        assert c.id is not None
        units = {
            k: Unit(campaign_id=c.id, key=k, name=k, kind="province") for k in ("u1", "u2", "u3")
        }
        s.add_all(units.values())
        s.flush()
        channels = {
            "fb1": Channel(
                campaign_id=c.id,
                key="fb1",
                platform="facebook",
                external_id="1",
                name="fb1",
                unit_id=units["u1"].id,
            ),
            "fb2": Channel(
                campaign_id=c.id,
                key="fb2",
                platform="facebook",
                external_id="2",
                name="fb2",
                unit_id=units["u2"].id,
            ),
            "yt1": Channel(
                campaign_id=c.id,
                key="yt1",
                platform="youtube",
                external_id="UC1",
                name="yt1",
                unit_id=units["u1"].id,
            ),
        }
        contents = {
            "p1": ContentItem(
                campaign_id=c.id, key="p1", kind="post", audiences=["youth"], objectives=["O1"]
            ),
            "p2": ContentItem(
                campaign_id=c.id,
                key="p2",
                kind="photo",
                audiences=["general"],
                objectives=["O1", "O2"],
            ),
            "c1": ContentItem(
                campaign_id=c.id, key="c1", kind="clip", audiences=["women"], objectives=["O2"]
            ),
        }
        s.add_all([*channels.values(), *contents.values()])
        s.flush()
        plan = {
            "A": ("p1", "fb1", local(15, 11, 8), local(15, 11, 8, 2), PublicationState.PUBLISHED),
            "B": ("p2", "fb2", local(16, 11, 8), local(16, 11, 8, 20), PublicationState.PUBLISHED),
            "C": ("c1", "yt1", local(17, 11, 19), local(17, 11, 19, 1), PublicationState.PUBLISHED),
            "D": ("p1", "fb2", local(18, 11, 8), None, PublicationState.FAILED),
            "E": ("p2", "fb1", local(30, 11, 8), None, PublicationState.QUEUED),
        }
        pubs: dict[str, Publication] = {}
        for letter, (content, channel, due, published, state) in plan.items():
            pubs[letter] = Publication(
                campaign_id=c.id,
                content_id=contents[content].id,  # type: ignore[arg-type]
                channel_id=channels[channel].id,  # type: ignore[arg-type]
                dedupe_key=f"hand|{letter}",
                slot_at=due,
                scheduled_at=due,
                published_at=published,
                state=state,
            )
        s.add_all(pubs.values())
        s.flush()
        hand = Hand(
            c.id,
            {k: p.id for k, p in pubs.items()},  # type: ignore[misc]
            {k: ch.id for k, ch in channels.items()},  # type: ignore[misc]
            {k: u.id for k, u in units.items()},  # type: ignore[misc]
        )
        s.commit()
        if with_metrics:
            add_hand_metrics(engine, hand)
        return hand


def add_hand_metrics(engine: Engine, hand: Hand) -> None:
    p = hand.pubs
    rows = [
        SnapshotRow(p["A"], "reach", 100, local(15, 11, 10)),
        SnapshotRow(p["A"], "clicks", 2, local(15, 11, 10)),
        SnapshotRow(p["A"], "reach", 300, local(16, 11, 10)),
        SnapshotRow(p["A"], "reach", 400, local(20, 11, 10)),
        SnapshotRow(p["A"], "views", 500, local(20, 11, 10)),
        SnapshotRow(p["A"], "reactions", 20, local(20, 11, 10)),
        SnapshotRow(p["A"], "comments", 5, local(20, 11, 10)),
        SnapshotRow(p["A"], "shares", 3, local(20, 11, 10)),
        SnapshotRow(p["B"], "reach", 50, local(16, 11, 12)),
        SnapshotRow(p["B"], "reach", 250, local(18, 11, 12)),
        SnapshotRow(p["B"], "reactions", 10, local(18, 11, 12)),
        SnapshotRow(p["C"], "views", 1000, local(18, 11, 20)),
        SnapshotRow(p["C"], "views", 1500, local(20, 11, 10)),
        SnapshotRow(p["C"], "video_views", 1500, local(20, 11, 10)),
        SnapshotRow(p["C"], "watch_time_hours", 50, local(20, 11, 10)),
        SnapshotRow(p["C"], "reactions", 40, local(20, 11, 10)),
    ]
    at = local(20, 11, 10)
    ch = hand.channels
    audience = [
        AudienceRow(ch["yt1"], "female", "age18-24", 0.3, at),
        AudienceRow(ch["yt1"], "female", "age25-34", 0.3, at),
        AudienceRow(ch["yt1"], "male", "age18-24", 0.2, at),
        AudienceRow(ch["yt1"], "male", "age25-34", 0.2, at),
        AudienceRow(ch["fb1"], "female", "age18-24", 0.2, at),
        AudienceRow(ch["fb1"], "male", "age25-34", 0.8, at),
    ]
    with Session(engine) as s:
        record_snapshots(s, rows, ZONE)
        record_audience(s, audience)
        s.commit()
