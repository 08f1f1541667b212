"""Writing the calendar: create, edit, move and bulk-edit posts and clips.

Every write checks the person's right to plan for each unit it touches (a publication's unit is
its channel's unit) before anything else, validates exactly as a campaign file is validated
(`item_rules`), then writes and leaves an AuditLog row.
Functions flush, never commit: the caller's transaction (`campaigns.db.session_scope`) decides,
so a refusal, an invalid field or a lost race leaves nothing half-written.

Items made here are the officer's own, like an Excel plan's rows (content keys `sheet-…`,
publications' plan key `sheet:…`): importing the campaign file again leaves them alone. An edit
of content that was already approved sends its pending publications back to draft, as the
campaign-file importer does.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from analytics_app.services.calendar import EDITABLE_STATES, MOVABLE_STATES
from analytics_app.services.item_rules import (
    FORM,
    ContentForm,
    ContentInvalid,
    FieldError,
    approver_for,
    audit,
    content_values,
    context,
    require_units,
    slot_errors,
    validate,
)
from campaigns.access import Action, Forbidden, Identity, require
from campaigns.errors import UserError
from campaigns.models import Campaign, Channel, ContentItem, Publication, PublicationState, Unit
from campaigns.outbox import SHEET_CONTENT_PREFIX, SHEET_PLAN_PREFIX, new_publication
from campaigns.publications import resolve_campaign
from campaigns.rollup_version import bump
from campaigns.timeutil import ensure_aware, utcnow

S = PublicationState
PLAN_KEY = f"{SHEET_PLAN_PREFIX}calendar"  # publications planned on the calendar page


class BulkInvalid(UserError):
    """Some rows of a bulk edit are wrong; nothing was written. `rows`: publication -> errors."""

    def __init__(self, rows: dict[int, list[FieldError]]) -> None:
        self.rows = rows
        lines = [f"{pid}: {e}" for pid, errors in sorted(rows.items()) for e in errors]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Created:
    content: str
    publications: tuple[int, ...]
    state: str


@dataclass(frozen=True)
class Edited:
    content: str
    changed: tuple[str, ...]  # the fields that changed
    back_to_draft: tuple[int, ...]  # approved publications that need approval again
    updated: tuple[int, ...]  # pending publications now carrying the new content


@dataclass(frozen=True)
class Moved:
    publication: int
    scheduled_at: datetime  # campaign zone
    changed: bool


@dataclass(frozen=True)
class RowChange:
    """One edited row of the bulk table; None leaves the field as it is."""

    publication: int
    title: str | None = None
    message: str | None = None
    scheduled_at: datetime | None = None


@dataclass(frozen=True)
class BulkResult:
    edited: tuple[int, ...]
    moved: tuple[int, ...]
    back_to_draft: tuple[int, ...]


# ------------------------------------------------------------------------------ create


def _unit_of_channels(session: Session, channels: Sequence[Channel]) -> dict[int, str | None]:
    ids = {ch.unit_id for ch in channels if ch.unit_id is not None}
    keys = (
        {u.id: u.key for u in session.exec(select(Unit).where(col(Unit.id).in_(sorted(ids))))}
        if ids
        else {}
    )
    return {ch.id: keys.get(ch.unit_id) if ch.unit_id else None for ch in channels if ch.id}


def create_item(
    session: Session,
    identity: Identity,
    campaign: str | None,
    form: ContentForm,
    channels: Sequence[str],
    at: datetime | None,
) -> Created:
    """A new post or clip on `channels` at `at`: one publication per channel, as a draft
    (or approved when the campaign approves automatically). Raises ContentInvalid listing
    every field's errors, Forbidden for a channel outside the person's units."""
    require(identity, Action.PLAN)
    camp = resolve_campaign(session, campaign)
    ctx = context(session, camp)
    errors: list[FieldError] = []
    keys = list(dict.fromkeys(k.strip() for k in channels if k.strip()))
    rows = {
        ch.key: ch
        for ch in session.exec(
            select(Channel).where(Channel.campaign_id == camp.id, col(Channel.key).in_(keys))
        )
    }
    for k in keys:
        if k not in rows:
            errors.append(FieldError("channels", f"no channel '{k}' in campaign {camp.key}"))
    if not keys:
        errors.append(FieldError("channels", "choose at least one channel"))
    chosen = [rows[k] for k in keys if k in rows]
    units = _unit_of_channels(session, chosen)
    require_units(identity, Action.PLAN, units.values())
    now = utcnow()
    errors += slot_errors(ctx, at, now)
    distinct = set(units.values())
    unit = next(iter(distinct)) if len(distinct) == 1 else None
    key = f"{SHEET_CONTENT_PREFIX}app-{secrets.token_hex(6)}"
    found, doc = validate(ctx, key, unit, form, chosen, [at] if at else [])
    errors += [e for e in found if e not in errors]
    if errors or doc is None or at is None:
        raise ContentInvalid(errors or [FieldError(FORM, "the item could not be read")])
    assert camp.id is not None
    unit_id = next((u.id for u in ctx.units if u.key == unit), None) if unit else None
    item = ContentItem(
        campaign_id=camp.id, key=key, extra={"source": "calendar"}, **content_values(doc, unit_id)
    )
    session.add(item)
    session.flush()
    approver = approver_for(identity, camp, units.values())
    pubs = [new_publication(camp, item, ch, ensure_aware(at), PLAN_KEY, approver) for ch in chosen]
    for pub in pubs:
        pub.created_at = pub.updated_at = now
        session.add(pub)
    session.flush()
    bump(session.connection(), [camp.id])
    ids = tuple(p.id for p in pubs if p.id is not None)
    audit(
        session,
        identity,
        "create",
        "content",
        key,
        campaign=camp.key,
        publications=list(ids),
        channels=keys,
        at=at.astimezone(ctx.zone).isoformat(),
    )
    session.flush()
    return Created(key, ids, pubs[0].state)


# ------------------------------------------------------------------------------ edit


@dataclass
class _EditPlan:
    """A validated edit, ready to write."""

    campaign: Campaign
    item: ContentItem
    values: dict[str, Any]
    changed: tuple[str, ...]
    pending: list[Publication]
    approver: str | None  # approval: auto and the editor may approve: stays approved


def _pubs_of(session: Session, item: ContentItem) -> list[tuple[Publication, Channel, str | None]]:
    rows = session.exec(
        select(Publication, Channel, Unit.key)
        .join(Channel, col(Channel.id) == Publication.channel_id)
        .outerjoin(Unit, col(Unit.id) == Channel.unit_id)
        .where(Publication.content_id == item.id)
        .order_by(col(Publication.id))
    ).all()
    return [(p, ch, u) for p, ch, u in rows]


def _load_pub(session: Session, publication_id: int) -> tuple[Publication, ContentItem, Campaign]:
    row = session.exec(
        select(Publication, ContentItem, Campaign)
        .join(ContentItem, col(ContentItem.id) == Publication.content_id)
        .join(Campaign, col(Campaign.id) == Publication.campaign_id)
        .where(Publication.id == publication_id)
    ).first()
    if row is None:
        raise UserError(f"no publication with id {publication_id}")
    return row[0], row[1], row[2]


def _plan_edit(
    session: Session, identity: Identity, publication_id: int, form: ContentForm
) -> _EditPlan:
    pub, item, camp = _load_pub(session, publication_id)
    pubs = _pubs_of(session, item)
    item_unit = (
        session.exec(select(Unit.key).where(Unit.id == item.unit_id)).first()
        if item.unit_id is not None
        else None
    )
    units: list[str | None] = [u for p, _, u in pubs if p.state != S.CANCELLED]
    if item.unit_id is not None:
        units.append(item_unit)
    require_units(identity, Action.PLAN, units or [item_unit])
    if pub.state not in EDITABLE_STATES:
        raise UserError(
            f"publication {publication_id} is {pub.state}: only drafts and approved or queued "
            "publications can be edited"
        )
    busy = [p.id for p, _, _ in pubs if p.state == S.CLAIMED]
    if busy:
        raise UserError(
            f"publication {busy[0]} of this content is being published right now; "
            "try again when the attempt ends"
        )
    pending = [(p, ch) for p, ch, _ in pubs if p.state in EDITABLE_STATES]
    ctx = context(session, camp)
    errors, doc = validate(
        ctx,
        item.key,
        item_unit,
        form,
        [ch for _, ch in pending],
        [p.scheduled_at for p, _ in pending],
        current=item,
    )
    if errors or doc is None:
        raise ContentInvalid(errors or [FieldError(FORM, "the item could not be read")])
    values = content_values(doc, item.unit_id)
    changed = tuple(name for name, value in values.items() if getattr(item, name) != value)
    approver = approver_for(identity, camp, [u for p, _, u in pubs if p.state in EDITABLE_STATES])
    return _EditPlan(camp, item, values, changed, [p for p, _ in pending], approver)


def _apply_edit(
    session: Session, identity: Identity, plan: _EditPlan, publication_id: int
) -> Edited:
    item = plan.item
    if not plan.changed:
        return Edited(item.key, (), (), ())
    for name in plan.changed:
        setattr(item, name, plan.values[name])
    session.add(item)
    now = utcnow()
    back: list[int] = []
    updated: list[int] = []
    for pub in plan.pending:
        values: dict[str, Any] = {"content_hash": item.content_hash, "updated_at": now}
        if pub.state != S.DRAFT and plan.approver:
            # approval: auto, edited by someone who may approve: approved again, by them.
            values.update(approved_by=plan.approver, approved_at=now)
        elif pub.state != S.DRAFT:
            # What a manager approved is not what would go out: ask again.
            values.update(state=S.DRAFT, approved_by="", approved_at=None)
        result = session.execute(
            update(Publication)
            .where(col(Publication.id) == pub.id, col(Publication.state) == pub.state)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise UserError(f"publication {pub.id} changed state while saving; try again")
        assert pub.id is not None
        updated.append(pub.id)
        if "state" in values:
            back.append(pub.id)
    assert plan.campaign.id is not None
    bump(session.connection(), [plan.campaign.id])
    audit(
        session,
        identity,
        "edit",
        "content",
        item.key,
        campaign=plan.campaign.key,
        publication=publication_id,
        fields=[n for n in plan.changed if n != "content_hash"],
        back_to_draft=back,
    )
    session.flush()
    session.expire_all()
    return Edited(item.key, plan.changed, tuple(back), tuple(updated))


def edit_item(
    session: Session, identity: Identity, publication_id: int, form: ContentForm
) -> Edited:
    """Change the content of a publication (and of every pending publication of the same
    content). Approved ones go back to draft unless the campaign approves automatically."""
    require(identity, Action.PLAN)
    plan = _plan_edit(session, identity, publication_id, form)
    return _apply_edit(session, identity, plan, publication_id)


# ------------------------------------------------------------------------------ move


@dataclass
class _MovePlan:
    pub: Publication
    campaign: Campaign
    at: datetime


def _plan_move(
    session: Session, identity: Identity, publication_id: int, at: datetime | None
) -> _MovePlan:
    pub, _item, camp = _load_pub(session, publication_id)
    unit = session.exec(
        select(Unit.key)
        .join(Channel, col(Channel.unit_id) == Unit.id)
        .where(Channel.id == pub.channel_id)
    ).first()
    require_units(identity, Action.PLAN, [unit])
    if pub.state not in MOVABLE_STATES:
        raise UserError(
            f"publication {publication_id} is {pub.state}: only drafts and approved or queued "
            "publications can be moved"
        )
    errors = slot_errors(context(session, camp), at, utcnow())
    if errors or at is None:
        raise ContentInvalid(errors)
    return _MovePlan(pub, camp, at)


def _apply_move(session: Session, identity: Identity, plan: _MovePlan) -> Moved:
    pub = plan.pub
    zone = ZoneInfo(plan.campaign.timezone)
    assert pub.id is not None
    if pub.scheduled_at == plan.at:
        return Moved(pub.id, plan.at.astimezone(zone), False)
    before = pub.scheduled_at
    result = session.execute(
        update(Publication)
        .where(col(Publication.id) == pub.id, col(Publication.state) == pub.state)
        .values(scheduled_at=plan.at, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise UserError(f"publication {pub.id} changed state while moving it; try again")
    audit(
        session,
        identity,
        "move",
        "publication",
        str(pub.id),
        campaign=plan.campaign.key,
        before=before.astimezone(zone).isoformat(),
        after=plan.at.astimezone(zone).isoformat(),
    )
    session.flush()
    session.expire_all()
    return Moved(pub.id, plan.at.astimezone(zone), True)


def move_slot(
    session: Session, identity: Identity, publication_id: int, at: datetime | None
) -> Moved:
    """Move a publication not yet in the platform's hands to `at` (inside the campaign
    window, in the future). Its state is kept: the content did not change."""
    require(identity, Action.PLAN)
    return _apply_move(session, identity, _plan_move(session, identity, publication_id, at))


# ------------------------------------------------------------------------------ bulk


def bulk_edit(session: Session, identity: Identity, changes: Sequence[RowChange]) -> BulkResult:
    """Edit titles, texts and times of several rows: every row is checked first, and one bad
    row writes nothing (BulkInvalid names each bad row and field)."""
    require(identity, Action.PLAN)
    errors: dict[int, list[FieldError]] = {}
    edits: list[tuple[int, _EditPlan]] = []
    moves: list[_MovePlan] = []
    owner: dict[int, int] = {}  # content id -> the row that edits it
    for change in changes:
        pid = change.publication
        try:
            if change.title is not None or change.message is not None:
                pub, item, _ = _load_pub(session, pid)
                assert item.id is not None
                if item.id in owner and owner[item.id] != pid:
                    raise ContentInvalid(
                        [FieldError(FORM, f"row {owner[item.id]} edits the same content")]
                    )
                owner[item.id] = pid
                current = _current_form(session, pub, item)
                form = replace(
                    current,
                    title=current.title if change.title is None else change.title,
                    message=current.message if change.message is None else change.message,
                )
                edits.append((pid, _plan_edit(session, identity, pid, form)))
            if change.scheduled_at is not None:
                moves.append(_plan_move(session, identity, pid, change.scheduled_at))
        except ContentInvalid as exc:
            errors.setdefault(pid, []).extend(exc.errors)
        except Forbidden:
            raise
        except UserError as exc:
            errors.setdefault(pid, []).append(FieldError(FORM, str(exc)))
    if errors:
        raise BulkInvalid(errors)
    edited: list[int] = []
    back: list[int] = []
    for pid, plan in edits:
        result = _apply_edit(session, identity, plan, pid)
        if result.changed:
            edited.append(pid)
        back += result.back_to_draft
    moved = [m.pub.id for m in moves if _apply_move(session, identity, m).changed]
    return BulkResult(tuple(edited), tuple(i for i in moved if i is not None), tuple(back))


def _current_form(session: Session, pub: Publication, item: ContentItem) -> ContentForm:
    return ContentForm(
        kind=item.kind,
        title=item.title,
        message=(item.description or item.message) if item.kind == "clip" else item.message,
        link=item.link,
        media=item.media_path,
        thumbnail=item.thumbnail_path,
        tags=tuple(item.tags),
        objectives=tuple(item.objectives),
        audiences=tuple(item.audiences),
        made_for_kids=item.made_for_kids,
        privacy=item.privacy,
        title_en=item.title_en,
    )
