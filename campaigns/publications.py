"""Publications as officers and managers see them: listing, approval and cancellation.

State changes are conditional updates (`WHERE state = <what we saw>`), so a worker that claims a
row at the same moment wins cleanly instead of being overwritten. Every change leaves an
AuditLog row. These functions flush but do not commit: the caller's transaction decides.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from campaigns.errors import UserError
from campaigns.models import (
    TERMINAL_STATES,
    AuditLog,
    Campaign,
    Channel,
    ContentItem,
    Publication,
    PublicationState,
)
from campaigns.timeutil import utcnow
from campaigns.users import APPROVE, EDIT, authorize

STATES = [s.value for s in PublicationState]


@dataclass(frozen=True)
class PublicationView:
    """One publication, flattened for lists, calendars and JSON; times in the campaign zone."""

    id: int
    campaign: str
    content: str
    content_kind: str
    title: str
    channel: str
    platform: str
    scheduled_at: datetime
    state: str
    external_id: str | None
    published_at: datetime | None
    attempts: int
    last_error: str
    handoff: bool
    approved_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "campaign": self.campaign,
            "content": self.content,
            "content_kind": self.content_kind,
            "title": self.title,
            "channel": self.channel,
            "platform": self.platform,
            "scheduled_at": self.scheduled_at.isoformat(),
            "state": self.state,
            "external_id": self.external_id,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "handoff": self.handoff,
            "approved_by": self.approved_by,
        }


def resolve_campaign(session: Session, key: str | None) -> Campaign:
    """The named campaign, or the only one when none is named."""
    if key:
        row = session.exec(select(Campaign).where(Campaign.key == key)).first()
        if row is None:
            raise UserError(f"no campaign '{key}' (import it with `loa campaign import FILE`)")
        return row
    rows = list(session.exec(select(Campaign).order_by(Campaign.key)))
    if not rows:
        raise UserError("no campaign imported yet (`loa campaign import FILE`)")
    if len(rows) > 1:
        keys = ", ".join(r.key for r in rows)
        raise UserError(f"several campaigns ({keys}): choose one with --campaign KEY")
    return rows[0]


def _short(item: ContentItem) -> str:
    text = item.title or item.message or item.description
    line = " ".join(text.split())
    return line if len(line) <= 60 else line[:59] + "…"


def list_publications(
    session: Session,
    *,
    campaign: str | None = None,
    states: Sequence[str] = (),
    channel: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[PublicationView]:
    """Publications in schedule order, narrowed by campaign, states, channel and [start, end)."""
    unknown = [s for s in states if s not in STATES]
    if unknown:
        raise UserError(f"unknown state {unknown[0]!r}; states are: {', '.join(STATES)}")
    query = (
        select(Publication, Campaign, ContentItem, Channel)
        .join(Campaign, col(Campaign.id) == Publication.campaign_id)
        .join(ContentItem, col(ContentItem.id) == Publication.content_id)
        .join(Channel, col(Channel.id) == Publication.channel_id)
    )
    if campaign:
        query = query.where(Campaign.key == campaign)
    if states:
        query = query.where(col(Publication.state).in_(list(states)))
    if channel:
        query = query.where(Channel.key == channel)
    if start is not None:
        query = query.where(Publication.scheduled_at >= start)
    if end is not None:
        query = query.where(Publication.scheduled_at < end)
    query = query.order_by(col(Publication.scheduled_at), col(Channel.key), col(Publication.id))
    views: list[PublicationView] = []
    for pub, camp, item, ch in session.exec(query):
        zone = ZoneInfo(camp.timezone)
        assert pub.id is not None
        views.append(
            PublicationView(
                id=pub.id,
                campaign=camp.key,
                content=item.key,
                content_kind=item.kind,
                title=_short(item),
                channel=ch.key,
                platform=ch.platform,
                scheduled_at=pub.scheduled_at.astimezone(zone),
                state=pub.state,
                external_id=pub.external_id,
                published_at=pub.published_at.astimezone(zone) if pub.published_at else None,
                attempts=pub.attempts,
                last_error=pub.last_error,
                handoff=pub.handoff,
                approved_by=pub.approved_by,
            )
        )
    return views


def _load(session: Session, ids: Sequence[int]) -> dict[int, Publication]:
    rows = {
        p.id: p
        for p in session.exec(select(Publication).where(col(Publication.id).in_(list(ids))))
        if p.id is not None
    }
    missing = [i for i in ids if i not in rows]
    if missing:
        raise UserError(f"no publication with id {', '.join(str(i) for i in missing)}")
    return rows


def _transition(
    session: Session, pub: Publication, values: dict[str, Any], actor: str, action: str
) -> bool:
    """Move `pub` from the state we read, or not at all if someone moved it first."""
    before = pub.state
    result = session.execute(
        update(Publication)
        .where(col(Publication.id) == pub.id, col(Publication.state) == before)
        .values(**values, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.add(
        AuditLog(
            actor=actor,
            action=action,
            entity="publication",
            entity_id=str(pub.id),
            detail={"from": before, "to": values.get("state", before)},
        )
    )
    return True


def approve(
    session: Session, ids: list[int] | None, actor: str, *, campaign: str | None = None
) -> int:
    """Drafts -> approved; `ids=None` approves every draft (of `campaign` when given).

    Named ids must exist and be drafts (already approved ones are skipped); returns how many
    were approved.
    """
    authorize(session, actor, APPROVE, "approve")
    if ids is None:
        query = select(Publication).where(Publication.state == PublicationState.DRAFT)
        if campaign:
            camp = resolve_campaign(session, campaign)
            query = query.where(Publication.campaign_id == camp.id)
        rows = list(session.exec(query.order_by(col(Publication.id))))
    else:
        found = _load(session, ids)
        refused = [
            f"{i} is {found[i].state}"
            for i in ids
            if found[i].state not in (PublicationState.DRAFT, PublicationState.APPROVED)
        ]
        if refused:
            raise UserError("only drafts can be approved: publication " + "; ".join(refused))
        rows = [found[i] for i in ids if found[i].state == PublicationState.DRAFT]
    now = utcnow()
    done = 0
    for pub in rows:
        values = {"state": PublicationState.APPROVED, "approved_by": actor, "approved_at": now}
        if _transition(session, pub, values, actor, "approve"):
            done += 1
    session.flush()
    session.expire_all()
    return done


def cancel(session: Session, ids: list[int], actor: str) -> int:
    """Cancel publications not yet done; returns how many were cancelled.

    A `claimed` one is being published right now and is refused; a `handed_off` one keeps
    `handoff` and `external_id` so the scheduler withdraws it on the platform.
    """
    if not ids:
        raise UserError("name the publications to cancel (loa cancel ID...)")
    authorize(session, actor, EDIT, "cancel")
    found = _load(session, ids)
    refused = []
    for i in ids:
        state = found[i].state
        if state == PublicationState.CLAIMED:
            refused.append(
                f"publication {i} is being published right now (claimed by "
                f"{found[i].locked_by or 'a worker'}); try again when the attempt ends"
            )
        elif state in TERMINAL_STATES and state != PublicationState.CANCELLED:
            refused.append(f"publication {i} is already {state}")
    if refused:
        raise UserError("cannot cancel: " + "; ".join(refused))
    done = 0
    for i in ids:
        pub = found[i]
        if pub.state == PublicationState.CANCELLED:
            continue
        values: dict[str, Any] = {
            "state": PublicationState.CANCELLED,
            "locked_by": None,
            "locked_until": None,
            "next_attempt_at": None,
        }
        if _transition(session, pub, values, actor, "cancel"):
            done += 1
        else:
            raise UserError(f"publication {i} changed state while cancelling; try again")
    session.flush()
    session.expire_all()
    return done
