"""Campaign rows for scheduler tests, inserted with the models directly (fast, any size)."""

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

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


def store_emulator_credentials(engine: Engine, accounts: dict[str, Any]) -> None:
    """Connect every emulator Page and channel (the vault key comes from LOA_HOME)."""
    from scheduler.credentials import store_credentials

    with Session(engine) as session:
        for page in accounts["facebook_pages"]:
            store_credentials(session, "facebook", page["id"], page["access_token"])
        for chan in accounts["youtube_channels"]:
            doc = chan["credentials"]
            store_credentials(
                session, "youtube", chan["id"], doc if isinstance(doc, str) else json.dumps(doc)
            )
        session.commit()


def tiny_clip(folder: Path) -> Path:
    """A few bytes that look like an MP4 (an `ftyp` box): enough for the emulator's upload."""
    path = folder / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(2048))
    return path


def emulator_grid(
    engine: Engine, pages: list[str], channels: list[str], slots: list[datetime], clip: Path
) -> list[int]:
    """A campaign of one publication per (account, slot), each with unique text and title."""
    ids = grid(
        engine,
        [(f"fb{n}", "facebook", p) for n, p in enumerate(pages)]
        + [(f"yt{n}", "youtube", c) for n, c in enumerate(channels)],
        slots,
    )
    with Session(engine) as session:
        for item in session.exec(select(ContentItem)).all():
            item.message = f"Chung tay vì bình đẳng giới #{item.key}"
            item.title = f"Bình đẳng giới {item.key}"
            if item.kind == "clip":
                item.media_path = str(clip)
                item.description = item.message
            session.add(item)
        session.commit()
    return ids


def audit(engine: Engine, objects: list[dict[str, Any]]) -> dict[str, int]:
    """Check the exactly-once invariant against the emulator's objects; returns counts by state.

    Published: exactly one object, the one recorded. Needs review: at most one, with a reason.
    Failed: none, with a reason. Queued: only on a paused channel, and none. Nothing else, and
    no object on the platform that no publication accounts for.
    """
    by_text: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for obj in objects:
        key = obj.get("title") if obj["platform"] == "youtube" else obj.get("text")
        by_text.setdefault((obj["account"], key or ""), []).append(obj)
    counts: dict[str, int] = {}
    accounted = 0
    with Session(engine) as session:
        rows = session.exec(
            select(Publication, ContentItem, Channel)
            .join(ContentItem, ContentItem.id == Publication.content_id)  # type: ignore[arg-type]
            .join(Channel, Channel.id == Publication.channel_id)  # type: ignore[arg-type]
        ).all()
        for pub, item, chan in rows:
            key = item.title if chan.platform == "youtube" else item.message
            found = by_text.get((chan.external_id, key), [])
            accounted += len(found)
            where = f"publication {pub.id} ({pub.state}, {pub.last_error!r})"
            counts[pub.state] = counts.get(pub.state, 0) + 1
            if pub.state == PublicationState.PUBLISHED:
                assert len(found) == 1, f"{where}: {len(found)} objects on the platform"
                assert found[0]["id"] == pub.external_id, where
            elif pub.state == PublicationState.NEEDS_REVIEW:
                assert len(found) <= 1, f"{where}: duplicates"
                assert pub.last_error, where
            elif pub.state == PublicationState.FAILED:
                assert found == [], where
                assert pub.last_error, where
            elif pub.state in (PublicationState.QUEUED, PublicationState.APPROVED):
                assert chan.paused, f"{where}: left waiting on a live channel"
                assert found == [], where
            else:
                raise AssertionError(f"{where}: not finished")
    assert accounted == len(objects), "objects on the platform that no publication accounts for"
    return counts
