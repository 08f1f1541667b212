"""Publications as officers and managers see them: listing, approval, cancellation, retry, review.

Every change is made for an `Identity` and checked by campaigns.access for the unit of every
row it touches (a publication's unit is its channel's): the app and the command line call these
same functions, so a refused role is refused whatever screen or name it comes from.

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

from campaigns.access import Action, Identity, require
from campaigns.errors import UserError
from campaigns.models import (
    TERMINAL_STATES,
    AuditLog,
    Campaign,
    Channel,
    ContentItem,
    Publication,
    PublicationState,
    Unit,
)
from campaigns.outbox import cancel_values
from campaigns.timeutil import utcnow

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
    unit: str | None = None
    permalink: str = ""

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
            "unit": self.unit,
            "permalink": self.permalink,
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
    units: frozenset[str] | None = None,
) -> list[PublicationView]:
    """Publications in schedule order, narrowed by campaign, states, channel and [start, end).

    `units` limits the rows to those units' channels (an Identity's `units`; None: all).
    """
    unknown = [s for s in states if s not in STATES]
    if unknown:
        raise UserError(f"unknown state {unknown[0]!r}; states are: {', '.join(STATES)}")
    query = (
        select(Publication, Campaign, ContentItem, Channel)
        .join(Campaign, col(Campaign.id) == Publication.campaign_id)
        .join(ContentItem, col(ContentItem.id) == Publication.content_id)
        .join(Channel, col(Channel.id) == Publication.channel_id)
    )
    unit_of: dict[int, str] = {
        unit_id: key for unit_id, key in session.exec(select(Unit.id, Unit.key)) if unit_id
    }
    if units is not None:
        keep = [unit_id for unit_id, key in unit_of.items() if key in units]
        query = query.where(col(Channel.unit_id).in_(keep))
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
                unit=unit_of.get(ch.unit_id) if ch.unit_id else None,
                permalink=pub.permalink,
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


def unit_keys(session: Session, pubs: Sequence[Publication]) -> dict[int, str | None]:
    """The unit key of each publication (its channel's unit; None when the channel has none)."""
    channel_ids = sorted({p.channel_id for p in pubs})
    by_channel: dict[int, str | None] = {
        channel_id: key
        for channel_id, key in session.exec(
            select(Channel.id, Unit.key)
            .outerjoin(Unit, col(Unit.id) == Channel.unit_id)
            .where(col(Channel.id).in_(channel_ids))
        )
        if channel_id is not None
    }
    return {p.id: by_channel.get(p.channel_id) for p in pubs if p.id is not None}


def require_rows(
    session: Session, identity: Identity, action: Action, pubs: Sequence[Publication]
) -> None:
    """Raise `Forbidden` unless `identity` may `action` on every row's unit (a row of no unit
    only for all-unit people): the one unit check for every change to publications, here and
    in the command line, made before anything is changed or asked of a platform."""
    require(identity, action)
    for unit in sorted({u or "" for u in unit_keys(session, pubs).values()}):
        if not identity.sees(unit or None):
            require(identity, action, unit or "(no unit)")


def _transition(
    session: Session,
    pub: Publication,
    values: dict[str, Any],
    identity: Identity,
    action: str,
    detail: dict[str, Any] | None = None,
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
            actor=identity.label,
            action=action,
            entity="publication",
            entity_id=str(pub.id),
            detail={"from": before, "to": values.get("state", before), **(detail or {})},
        )
    )
    return True


def approve(
    session: Session,
    ids: list[int] | None,
    identity: Identity,
    *,
    campaign: str | None = None,
) -> int:
    """Drafts -> approved; `ids=None` approves every draft (of `campaign` when given) that
    `identity` may approve (their unit's, or all for an all-unit manager).

    Named ids must exist and be drafts (already approved ones are skipped); returns how many
    were approved.
    """
    require(identity, Action.APPROVE)
    if ids is None:
        query = select(Publication).where(Publication.state == PublicationState.DRAFT)
        if campaign:
            camp = resolve_campaign(session, campaign)
            query = query.where(Publication.campaign_id == camp.id)
        candidates = list(session.exec(query.order_by(col(Publication.id))))
        units = unit_keys(session, candidates)
        rows = [p for p in candidates if p.id is not None and identity.sees(units[p.id])]
    else:
        found = _load(session, ids)
        require_rows(session, identity, Action.APPROVE, list(found.values()))
        refused = [
            f"{i} is {found[i].state}"
            for i in ids
            if found[i].state not in (PublicationState.DRAFT, PublicationState.APPROVED)
        ]
        if refused:
            raise UserError(
                "only drafts can be approved: publication "
                + "; ".join(refused)
                + " (`loa retry ID` puts a failed or missed one back in the queue)"
            )
        rows = [found[i] for i in ids if found[i].state == PublicationState.DRAFT]
    now = utcnow()
    done = 0
    for pub in rows:
        values = {
            "state": PublicationState.APPROVED,
            "approved_by": identity.label,
            "approved_at": now,
        }
        if _transition(session, pub, values, identity, "approve"):
            done += 1
    session.flush()
    session.expire_all()
    return done


def cancel(session: Session, ids: list[int], identity: Identity) -> int:
    """Cancel publications not yet done; returns how many were cancelled.

    A `claimed` one is being published right now and is refused; a `handed_off` one keeps
    `handoff` and `external_id` so the scheduler withdraws it on the platform. A row whose last
    attempt ended without a known outcome (`needs_review`) must be reviewed first: it may be live.
    """
    if not ids:
        raise UserError("name the publications to cancel (loa cancel ID...)")
    found = _load(session, ids)
    require_rows(session, identity, Action.CANCEL, list(found.values()))
    refused = []
    for i in ids:
        state = found[i].state
        if state == PublicationState.CLAIMED:
            refused.append(
                f"publication {i} is being published right now (claimed by "
                f"{found[i].locked_by or 'a worker'}); try again when the attempt ends"
            )
        elif state == PublicationState.NEEDS_REVIEW:
            refused.append(
                f"publication {i} may already be live (its last attempt has no known outcome): "
                f"resolve it first with `loa review {i} --published URL` or `--absent`"
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
        # An attempt whose outcome is unknown may have put the post live: the scheduler asks
        # the platform before the cancel takes effect (campaigns.outbox.cancel_values).
        values = cancel_values(session, pub, utcnow())
        if _transition(session, pub, values, identity, "cancel"):
            done += 1
        else:
            raise UserError(f"publication {i} changed state while cancelling; try again")
    session.flush()
    session.expire_all()
    return done


RETRYABLE = frozenset({PublicationState.FAILED, PublicationState.MISSED})


def retry(
    session: Session,
    ids: list[int],
    identity: Identity,
    *,
    at: datetime | None = None,
    reason: str = "",
) -> int:
    """Failed or missed publications back to the queue, due `at` (default: now).

    The row keeps its attempts and history; it goes out as approved (a manager approved it
    before it failed), and the audit log records who put it back, when for, and why.
    """
    if not ids:
        raise UserError("name the publications to retry (loa retry ID...)")
    found = _load(session, ids)
    require_rows(session, identity, Action.RETRY, list(found.values()))
    refused = [f"{i} is {found[i].state}" for i in ids if found[i].state not in RETRYABLE]
    if refused:
        raise UserError(
            "only failed or missed publications can be retried: publication " + "; ".join(refused)
        )
    if at is not None and at.tzinfo is None:
        raise UserError("a retry time needs its zone")
    now = utcnow()
    due = at.astimezone(now.tzinfo) if at is not None else now
    done = 0
    for i in ids:
        pub = found[i]
        values: dict[str, Any] = {
            "state": PublicationState.APPROVED,
            "scheduled_at": due,
            "next_attempt_at": None,
            "locked_by": None,
            "locked_until": None,
            "last_error": "",
            "last_error_code": "",
        }
        detail = {"due": due.isoformat(), "reason": reason, "error": pub.last_error[:200]}
        if _transition(session, pub, values, identity, "retry", detail):
            done += 1
        else:
            raise UserError(f"publication {i} changed state while retrying; try again")
    session.flush()
    session.expire_all()
    return done


def review(
    session: Session,
    pub_id: int,
    identity: Identity,
    *,
    published_url: str | None = None,
    external_id: str | None = None,
    absent: bool = False,
) -> str:
    """Resolve a `needs_review` publication with the evidence a person has checked.

    `published_url` (and the platform id it names, `external_id`): the post is live, so the row
    is published and will be measured. `absent`: the person checked the page or channel and the
    post is not there, so it goes back to the queue, due now. Returns the new state.
    """
    if absent == bool(published_url):
        raise UserError("say what you found: --published URL or --absent, one of the two")
    pub = _load(session, [pub_id])[pub_id]
    require_rows(session, identity, Action.REVIEW, [pub])
    if pub.state != PublicationState.NEEDS_REVIEW:
        raise UserError(f"publication {pub_id} is {pub.state}, not needs_review")
    now = utcnow()
    values: dict[str, Any]
    if published_url:
        if not published_url.startswith("https://"):
            raise UserError(f"--published: '{published_url}' is not an https:// link")
        values = {
            "state": PublicationState.PUBLISHED,
            "permalink": published_url,
            "external_id": external_id or pub.external_id,
            "published_at": pub.published_at or now,
            "last_error": "",
            "last_error_code": "",
        }
        detail = {"evidence": published_url, "error": pub.last_error[:200]}
    else:
        values = {
            "state": PublicationState.APPROVED,
            "scheduled_at": now,
            "next_attempt_at": None,
            "last_error": "",
            "last_error_code": "",
        }
        detail = {"evidence": "checked absent", "error": pub.last_error[:200]}
    if not _transition(session, pub, values, identity, "review", detail):
        raise UserError(f"publication {pub_id} changed state while reviewing; try again")
    session.flush()
    session.expire_all()
    return str(values["state"])
