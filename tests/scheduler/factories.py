"""Campaign rows for scheduler tests, inserted with the models directly (fast, any size)."""

from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.models import Campaign, Channel, ContentItem, Publication, PublicationState
from campaigns.outbox import dedupe_key


def campaign(session: Session, key: str = "c1", approval: str = "auto") -> Campaign:
    row = Campaign(
        key=key, name=key, starts=date(2025, 11, 15), ends=date(2025, 12, 15), approval=approval
    )
    session.add(row)
    session.flush()
    return row


def channel(
    session: Session, camp: Campaign, key: str, platform: str = "facebook", external_id: str = ""
) -> Channel:
    assert camp.id is not None
    row = Channel(
        campaign_id=camp.id,
        key=key,
        platform=platform,
        external_id=external_id or f"ext-{key}",
        name=key,
    )
    session.add(row)
    session.flush()
    return row


def content(
    session: Session, camp: Campaign, key: str, kind: str = "post", message: str = ""
) -> ContentItem:
    assert camp.id is not None
    row = ContentItem(
        campaign_id=camp.id,
        key=key,
        kind=kind,
        title=f"Title {key}",
        message=message or f"Bình đẳng giới {key}",
    )
    session.add(row)
    session.flush()
    return row


def publication(
    session: Session,
    camp: Campaign,
    item: ContentItem,
    chan: Channel,
    at: datetime,
    state: PublicationState = PublicationState.APPROVED,
) -> Publication:
    assert camp.id is not None
    assert item.id is not None
    assert chan.id is not None
    row = Publication(
        campaign_id=camp.id,
        content_id=item.id,
        channel_id=chan.id,
        dedupe_key=f"{dedupe_key(camp.key, item.key, chan.key, at)}|{at.isoformat()}",
        slot_at=at,
        scheduled_at=at,
        state=state,
    )
    session.add(row)
    session.flush()
    return row


def grid(
    engine: Engine,
    channels: list[tuple[str, str, str]],
    slots: list[datetime],
    kind_for: dict[str, str] | None = None,
) -> list[int]:
    """One publication per (channel, slot), each with its own content; returns their ids.

    `channels` lists (key, platform, external id); clips go to YouTube channels, posts elsewhere.
    """
    ids: list[int] = []
    with Session(engine) as session:
        camp = campaign(session, "grid")
        chans = [channel(session, camp, k, p, e) for k, p, e in channels]
        for chan in chans:
            kind = (kind_for or {}).get(
                chan.platform, "clip" if chan.platform == "youtube" else "post"
            )
            for n, at in enumerate(slots):
                item = content(session, camp, f"{chan.key}-{n}", kind)
                ids.append(publication(session, camp, item, chan, at).id or 0)
        session.commit()
    return ids
