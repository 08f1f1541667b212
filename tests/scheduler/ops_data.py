"""Small hand-built campaigns for the tests of alerts, status, pre-flight and hand-off."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.models import Campaign, Channel, ContentItem, Publication, PublicationState, Unit


@dataclass
class World:
    campaign: Campaign
    channels: dict[str, Channel] = field(default_factory=dict)
    contents: dict[str, ContentItem] = field(default_factory=dict)


def make_world(engine: Engine, key: str = "am-2025") -> World:
    """A campaign with a unit, a Facebook Page, a YouTube channel and a post, photo and clip."""
    with Session(engine, expire_on_commit=False) as s:
        campaign = Campaign(
            key=key, name="Tháng hành động", starts=date(2025, 11, 15), ends=date(2025, 12, 15)
        )
        s.add(campaign)
        s.flush()
        assert campaign.id is not None
        unit = Unit(campaign_id=campaign.id, key="ncfaw", name="Ủy ban", kind="committee")
        s.add(unit)
        s.flush()
        world = World(campaign)
        world.channels["fb"] = Channel(
            campaign_id=campaign.id,
            key="ncfaw-fb",
            platform="facebook",
            external_id="104251380000001",
            name="Page",
            unit_id=unit.id,
        )
        world.channels["yt"] = Channel(
            campaign_id=campaign.id,
            key="ncfaw-yt",
            platform="youtube",
            external_id="UCvnGenderEquality0000001",
            name="Kênh",
            unit_id=unit.id,
        )
        world.contents["post"] = ContentItem(
            campaign_id=campaign.id, key="tip-01", kind="post", message="Không chia sẻ mật khẩu."
        )
        world.contents["clip"] = ContentItem(
            campaign_id=campaign.id,
            key="clip-hotline",
            kind="clip",
            title="Tổng đài 111",
            description="Gọi 111.",
            media_path="media/clip.mp4",
        )
        for row in (*world.channels.values(), *world.contents.values()):
            s.add(row)
        s.commit()
    return world


def add_publication(
    engine: Engine,
    world: World,
    content: str,
    channel: str,
    at: datetime,
    state: PublicationState = PublicationState.APPROVED,
    **extra: Any,
) -> Publication:
    with Session(engine, expire_on_commit=False) as s:
        campaign_id, content_id = world.campaign.id, world.contents[content].id
        channel_id = world.channels[channel].id
        assert campaign_id is not None
        assert content_id is not None
        assert channel_id is not None
        pub = Publication(
            campaign_id=campaign_id,
            content_id=content_id,
            channel_id=channel_id,
            dedupe_key=f"{world.campaign.key}|{content}|{channel}|{at.isoformat()}",
            slot_at=at,
            scheduled_at=at,
            state=state,
            **extra,
        )
        s.add(pub)
        s.commit()
    return pub
