"""The officers' and managers' calendar: a unit's publications as events, and one item in full.

Reads only, scoped by the signed-in person: rows of units they do not see are never returned
(a publication's unit is its channel's unit). Times are aware, in the campaign's zone. No
Streamlit here; the page and the calendar component draw what these functions return.
"""

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, literal
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from campaigns.access import Action, Forbidden, Identity, require
from campaigns.calendar_view import bounds
from campaigns.errors import UserError
from campaigns.limits import PHOTO_SUFFIXES, VIDEO_SUFFIXES, check_media, check_text
from campaigns.models import (
    Attempt,
    Campaign,
    Channel,
    ContentItem,
    Objective,
    Publication,
    PublicationState,
    Unit,
)
from campaigns.outbox import SHEET_CONTENT_PREFIX
from campaigns.publications import resolve_campaign

S = PublicationState


class Group(StrEnum):
    """What the calendar colours: the states an officer tells apart at a glance."""

    DRAFT = "draft"
    APPROVED = "approved"  # approved, queued, being published or waiting to retry
    HANDED_OFF = "handed_off"
    PUBLISHED = "published"
    FAILED = "failed"
    MISSED = "missed"
    NEEDS_REVIEW = "needs_review"
    CANCELLED = "cancelled"


GROUP_OF_STATE: dict[str, Group] = {
    S.DRAFT: Group.DRAFT,
    S.APPROVED: Group.APPROVED,
    S.QUEUED: Group.APPROVED,
    S.CLAIMED: Group.APPROVED,
    S.RETRY_WAIT: Group.APPROVED,
    S.HANDED_OFF: Group.HANDED_OFF,
    S.PUBLISHED: Group.PUBLISHED,
    S.FAILED: Group.FAILED,
    S.MISSED: Group.MISSED,
    S.NEEDS_REVIEW: Group.NEEDS_REVIEW,
    S.CANCELLED: Group.CANCELLED,
}

# Background and text colours; the list and the detail also name the state in words, so the
# colour is never the only sign.
COLOURS: dict[Group, tuple[str, str]] = {
    Group.DRAFT: ("#9e9e9e", "#ffffff"),
    Group.APPROVED: ("#1e6fd9", "#ffffff"),
    Group.HANDED_OFF: ("#7b3fb5", "#ffffff"),
    Group.PUBLISHED: ("#2e7d32", "#ffffff"),
    Group.FAILED: ("#c62828", "#ffffff"),
    Group.MISSED: ("#ef6c00", "#ffffff"),
    Group.NEEDS_REVIEW: ("#f9c80e", "#1a1a1a"),
    Group.CANCELLED: ("#d5dbe0", "#4a4a4a"),
}

# Not yet in anyone's hands: content may be edited and the slot moved (as the importer may).
EDITABLE_STATES = frozenset({S.DRAFT, S.APPROVED, S.QUEUED, S.RETRY_WAIT})
MOVABLE_STATES = frozenset({S.DRAFT, S.APPROVED, S.QUEUED})
CANCELLABLE_STATES = frozenset(
    {S.DRAFT, S.APPROVED, S.QUEUED, S.RETRY_WAIT, S.HANDED_OFF, S.NEEDS_REVIEW}
)
RETRYABLE_STATES = frozenset({S.FAILED, S.MISSED})


class ItemAction(StrEnum):
    EDIT = "edit"
    MOVE = "move"
    APPROVE = "approve"
    CANCEL = "cancel"
    RETRY = "retry"
    REVIEW = "review"


_ACTION_RIGHT: dict[ItemAction, Action] = {
    ItemAction.EDIT: Action.PLAN,
    ItemAction.MOVE: Action.PLAN,
    ItemAction.APPROVE: Action.APPROVE,
    ItemAction.CANCEL: Action.CANCEL,
    ItemAction.RETRY: Action.RETRY,
    ItemAction.REVIEW: Action.REVIEW,
}


def possible_actions(state: str) -> frozenset[ItemAction]:
    """What the state of a publication allows, whoever asks."""
    out: set[ItemAction] = set()
    if state in EDITABLE_STATES:
        out.add(ItemAction.EDIT)
    if state in MOVABLE_STATES:
        out.add(ItemAction.MOVE)
    if state == S.DRAFT:
        out.add(ItemAction.APPROVE)
    if state in CANCELLABLE_STATES:
        out.add(ItemAction.CANCEL)
    if state in RETRYABLE_STATES:
        out.add(ItemAction.RETRY)
    if state == S.NEEDS_REVIEW:
        out.add(ItemAction.REVIEW)
    return frozenset(out)


def permitted(identity: Identity, action: ItemAction, unit_key: str | None) -> bool:
    """Whether `identity` may `action` on a row of `unit_key` (the domain checks again)."""
    if unit_key is None and identity.units is not None:
        return False  # rows of no unit belong to the whole campaign
    return identity.can(_ACTION_RIGHT[action], unit_key)


def media_folder(campaign: Campaign) -> Path | None:
    """Where the campaign's media live: `media/` beside its campaign file."""
    if not campaign.source_file:
        return None
    return Path(campaign.source_file).parent / "media"


@dataclass(frozen=True)
class CampaignInfo:
    key: str
    name: str
    name_en: str
    timezone: str
    starts: date
    ends: date  # inclusive
    approval: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class CalendarEvent:
    id: int
    title: str  # the officer's own text: shown as text, never as markup
    start: datetime  # aware, campaign zone
    state: str
    group: Group
    channel: str
    channel_name: str
    platform: str
    kind: str
    unit: str | None
    content: str  # content key
    approved_by: str
    last_error: str
    item_title: str = ""  # the content's own title and text, whole (for the bulk editor)
    text: str = ""

    @property
    def colours(self) -> tuple[str, str]:
        return COLOURS[self.group]

    @property
    def movable(self) -> bool:
        return self.state in MOVABLE_STATES


@dataclass(frozen=True)
class ChannelChoice:
    key: str
    name: str
    platform: str
    unit: str | None


@dataclass(frozen=True)
class CalendarData:
    """Everything the calendar page draws for one campaign, scope and date range."""

    campaign: CampaignInfo
    start: date
    end: date  # inclusive
    events: list[CalendarEvent]
    channels: list[ChannelChoice]  # where this person may plan
    objectives: list[tuple[str, str, str]]  # key, title, title_en
    audiences: list[str]  # labels the campaign already uses
    media: list[str]  # file names in the campaign's media folder
    can_plan: bool
    can_approve: bool

    def counts(self) -> dict[Group, int]:
        out = dict.fromkeys(Group, 0)
        for e in self.events:
            out[e.group] += 1
        return out


def _short(text: str, limit: int = 80) -> str:
    line = " ".join(text[: limit * 2].split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _campaign_info(c: Campaign) -> CampaignInfo:
    return CampaignInfo(c.key, c.name, c.name_en, c.timezone, c.starts, c.ends, c.approval)


def _unit_filter(identity: Identity, units: Collection[str] | None) -> set[str] | None:
    """The unit keys to show: the filter within the person's scope (None: every unit)."""
    scope = identity.units
    if units:
        wanted = set(units)
        return wanted if scope is None else wanted & set(scope)
    return None if scope is None else set(scope)


def events(
    session: Session,
    identity: Identity,
    campaign: Campaign,
    start: date,
    end: date,
    *,
    units: Collection[str] | None = None,
    groups: Collection[Group] | None = None,
    platforms: Collection[str] | None = None,
    objective: str | None = None,
    audience: str | None = None,
) -> list[CalendarEvent]:
    """Publications of `campaign` scheduled from `start` to `end` (inclusive, campaign zone)
    in the person's units (narrowed by `units`, states, platforms, and the content's objective
    and audience), by schedule."""
    require(identity, Action.VIEW)
    zone = ZoneInfo(campaign.timezone)
    lo, hi = bounds(start, end, zone)
    unit = aliased(Unit)
    # Plain columns, not ORM objects: a national calendar holds tens of thousands of rows.
    query = (
        sa_select(
            col(Publication.id),
            col(Publication.scheduled_at),
            col(Publication.state),
            col(Publication.approved_by),
            col(Publication.last_error),
            col(Channel.key),
            col(Channel.name),
            col(Channel.platform),
            col(ContentItem.key),
            col(ContentItem.kind),
            col(ContentItem.title),
            col(ContentItem.message),
            col(ContentItem.description),
            col(unit.key),
            # JSON is parsed only when a filter needs it: tens of thousands of lists cost.
            col(ContentItem.objectives) if objective else literal(None),
            col(ContentItem.audiences) if audience else literal(None),
        )
        .join(ContentItem, col(ContentItem.id) == Publication.content_id)
        .join(Channel, col(Channel.id) == Publication.channel_id)
        .outerjoin(unit, col(unit.id) == Channel.unit_id)
        .where(
            col(Publication.campaign_id) == campaign.id,
            col(Publication.scheduled_at) >= lo,
            col(Publication.scheduled_at) < hi,
        )
    )
    wanted = _unit_filter(identity, units)
    if wanted is not None:
        query = query.where(col(unit.key).in_(sorted(wanted)))
    if groups is not None:
        states = [s for s, g in GROUP_OF_STATE.items() if g in set(groups)]
        query = query.where(col(Publication.state).in_(states))
    if platforms:
        query = query.where(col(Channel.platform).in_(sorted(platforms)))
    query = query.order_by(col(Publication.scheduled_at), col(Channel.key), col(Publication.id))
    out: list[CalendarEvent] = []
    for row in session.execute(query):
        (pid, at, state, approved_by, last_error, ch_key, ch_name, platform) = row[:8]
        (c_key, kind, title, message, description, unit_key, objectives, audiences) = row[8:]
        if objective and objective not in (objectives or ()):
            continue
        if audience and audience not in (audiences or ()):
            continue
        text = (description or message) if kind == "clip" else message
        out.append(
            CalendarEvent(
                id=pid,
                title=_short(title or text or c_key),
                start=at.astimezone(zone),
                state=state,
                group=GROUP_OF_STATE.get(state, Group.APPROVED),
                channel=ch_key,
                channel_name=ch_name,
                platform=platform,
                kind=kind,
                unit=unit_key,
                content=c_key,
                approved_by=approved_by,
                last_error=last_error,
                item_title=title,
                text=text,
            )
        )
    return out


def plannable_channels(
    session: Session, identity: Identity, campaign: Campaign
) -> list[ChannelChoice]:
    """Channels of the campaign this person may plan on."""
    rows = session.exec(
        select(Channel, Unit.key)
        .outerjoin(Unit, col(Unit.id) == Channel.unit_id)
        .where(Channel.campaign_id == campaign.id)
        .order_by(col(Channel.key))
    ).all()
    out: list[ChannelChoice] = []
    for channel, unit_key in rows:
        if permitted(identity, ItemAction.EDIT, unit_key):
            out.append(ChannelChoice(channel.key, channel.name, channel.platform, unit_key))
    return out


def list_media(campaign: Campaign) -> list[str]:
    folder = media_folder(campaign)
    if folder is None or not folder.is_dir():
        return []
    suffixes = PHOTO_SUFFIXES | VIDEO_SUFFIXES
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in suffixes
    )


def calendar_data(
    session: Session,
    identity: Identity,
    *,
    campaign: str | None = None,
    start: date | None = None,
    end: date | None = None,
    units: Collection[str] | None = None,
    platforms: Collection[str] | None = None,
    objective: str | None = None,
    audience: str | None = None,
    include_cancelled: bool = False,
) -> CalendarData:
    """The calendar of a campaign for one person: events in range, and what they may plan with.

    Without dates the whole campaign is shown. Raises UserError for an unknown campaign or an
    empty range, Forbidden when the person may not view at all.
    """
    require(identity, Action.VIEW)
    camp = resolve_campaign(session, campaign)
    first = start or camp.starts
    last = end or camp.ends
    if last < first:
        raise UserError(
            f"the date range ends ({last:%d/%m/%Y}) before it starts ({first:%d/%m/%Y})"
        )
    groups = None if include_cancelled else [g for g in Group if g != Group.CANCELLED]
    found = events(
        session,
        identity,
        camp,
        first,
        last,
        units=units,
        groups=groups,
        platforms=platforms,
        objective=objective,
        audience=audience,
    )
    objectives = [
        (o.key, o.title, o.title_en)
        for o in session.exec(
            select(Objective)
            .where(Objective.campaign_id == camp.id)
            .order_by(col(Objective.position))
        )
    ]
    # The distinct lists as stored text: a few, whatever the number of items.
    stored = session.execute(
        select(cast(ContentItem.audiences, String))
        .where(ContentItem.campaign_id == camp.id)
        .distinct()
    ).scalars()
    audiences = sorted({a for raw in stored if raw for a in json.loads(raw) or []})
    channels = plannable_channels(session, identity, camp)
    return CalendarData(
        campaign=_campaign_info(camp),
        start=first,
        end=last,
        events=found,
        channels=channels,
        objectives=objectives,
        audiences=audiences,
        media=list_media(camp),
        can_plan=identity.can(Action.PLAN) and bool(channels),
        can_approve=identity.can(Action.APPROVE),
    )


# ------------------------------------------------------------------------------ one item


@dataclass(frozen=True)
class AttemptView:
    number: int
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    error_code: str
    error_message: str
    worker: str
    trace_id: str
    external_id: str | None
    evidence: dict[str, Any]


@dataclass(frozen=True)
class FacebookPreview:
    page: str
    message: str
    link: str
    media_kind: str  # photo | video | ""
    media: Path | None


@dataclass(frozen=True)
class YouTubePreview:
    channel: str
    title: str
    description: str
    description_bytes: int
    thumbnail: Path | None
    tags: tuple[str, ...]
    privacy: str
    made_for_kids: bool
    media: Path | None


@dataclass(frozen=True)
class Sibling:
    """Another publication of the same content (an edit changes it too)."""

    id: int
    channel: str
    scheduled_at: datetime
    state: str


@dataclass(frozen=True)
class ItemDetail:
    id: int
    campaign: str
    state: str
    group: Group
    scheduled_at: datetime
    slot_at: datetime
    channel: str
    channel_name: str
    platform: str
    unit: str | None
    content: str
    kind: str
    title: str
    title_en: str
    message: str
    description: str
    link: str
    media: Path | None
    thumbnail: Path | None
    tags: tuple[str, ...]
    objectives: tuple[str, ...]
    audiences: tuple[str, ...]
    made_for_kids: bool
    privacy: str
    approved_by: str
    approved_at: datetime | None
    published_at: datetime | None
    permalink: str
    external_id: str | None
    last_error: str
    last_error_code: str
    preview: FacebookPreview | YouTubePreview
    attempts: tuple[AttemptView, ...]
    problems: tuple[str, ...]  # what the platform would refuse now (limits, missing media)
    siblings: tuple[Sibling, ...]
    possible: frozenset[ItemAction]  # what the state allows
    allowed: frozenset[ItemAction] = field(default_factory=frozenset)  # ...and this person may

    @property
    def from_file(self) -> bool:
        """Content of the campaign file (not an officer's own): importing the file again
        puts the file's version back."""
        return not self.content.startswith(SHEET_CONTENT_PREFIX)

    @property
    def text(self) -> str:
        """The text that goes out: the post's message, or the clip's description."""
        return (self.description or self.message) if self.kind == "clip" else self.message

    @property
    def evidence(self) -> list[tuple[int, dict[str, Any]]]:
        """What the attempts found out (for resolving needs_review): (attempt number, data)."""
        return [(a.number, a.evidence) for a in self.attempts if a.evidence]


def _path(raw: str) -> Path | None:
    return Path(raw) if raw else None


def _preview(item: ContentItem, channel: Channel) -> FacebookPreview | YouTubePreview:
    media = _path(item.media_path)
    if channel.platform == "youtube":
        description = item.description or item.message
        return YouTubePreview(
            channel=channel.name,
            title=item.title,
            description=description,
            description_bytes=len(description.encode("utf-8")),
            thumbnail=_path(item.thumbnail_path),
            tags=tuple(item.tags),
            privacy=item.privacy,
            made_for_kids=item.made_for_kids,
            media=media,
        )
    message = (item.description or item.message) if item.kind == "clip" else item.message
    media_kind = ""
    if media is not None:
        media_kind = "video" if media.suffix.lower() in VIDEO_SUFFIXES else "photo"
    return FacebookPreview(channel.name, message, item.link, media_kind, media)


def _problems(item: ContentItem, channel: Channel) -> tuple[str, ...]:
    found = [
        p.message
        for p in check_text(
            channel.platform,
            item.kind,
            message=item.message,
            title=item.title,
            description=item.description,
            tags=item.tags,
        )
    ]
    media = _path(item.media_path)
    if media is not None and item.kind in ("photo", "clip"):
        found += [p.message for p in check_media(channel.platform, item.kind, media)]
    return tuple(found)


def item_detail(session: Session, identity: Identity, publication_id: int) -> ItemDetail:
    """One publication with its content, platform preview and attempts; refused (Forbidden)
    when its unit is not the person's, as if it did not exist for anyone else."""
    require(identity, Action.VIEW)
    row = session.exec(
        select(Publication, ContentItem, Channel, Campaign)
        .join(ContentItem, col(ContentItem.id) == Publication.content_id)
        .join(Channel, col(Channel.id) == Publication.channel_id)
        .join(Campaign, col(Campaign.id) == Publication.campaign_id)
        .where(Publication.id == publication_id)
    ).first()
    if row is None:
        raise UserError(f"no publication with id {publication_id}")
    pub, item, channel, camp = row
    unit_key = session.exec(select(Unit.key).where(Unit.id == channel.unit_id)).first()
    if not identity.sees(unit_key):
        raise Forbidden(f"{identity.username} may not see publication {publication_id}")
    zone = ZoneInfo(camp.timezone)
    attempts = tuple(
        AttemptView(
            number=a.number,
            started_at=a.started_at.astimezone(zone),
            ended_at=a.ended_at.astimezone(zone) if a.ended_at else None,
            outcome=a.outcome,
            error_code=a.error_code,
            error_message=a.error_message,
            worker=a.worker_id,
            trace_id=a.trace_id,
            external_id=a.external_id,
            # A kept upload session is sealed and of no use to a reader (scheduler.upload_sessions).
            evidence={k: v for k, v in (a.evidence or {}).items() if k != "upload_session"},
        )
        for a in session.exec(
            select(Attempt)
            .where(Attempt.publication_id == publication_id)
            .order_by(col(Attempt.number), col(Attempt.id))
        )
    )
    siblings = tuple(
        Sibling(p_id, ch_key, at.astimezone(zone), state)
        for p_id, ch_key, at, state in session.exec(
            select(Publication.id, Channel.key, Publication.scheduled_at, Publication.state)
            .join(Channel, col(Channel.id) == Publication.channel_id)
            .where(Publication.content_id == item.id, Publication.id != publication_id)
            .order_by(col(Publication.scheduled_at), col(Publication.id))
        )
        if p_id is not None
    )
    possible = possible_actions(pub.state)
    assert pub.id is not None
    return ItemDetail(
        id=pub.id,
        campaign=camp.key,
        state=pub.state,
        group=GROUP_OF_STATE.get(pub.state, Group.APPROVED),
        scheduled_at=pub.scheduled_at.astimezone(zone),
        slot_at=pub.slot_at.astimezone(zone),
        channel=channel.key,
        channel_name=channel.name,
        platform=channel.platform,
        unit=unit_key,
        content=item.key,
        kind=item.kind,
        title=item.title,
        title_en=item.title_en,
        message=item.message,
        description=item.description,
        link=item.link,
        media=_path(item.media_path),
        thumbnail=_path(item.thumbnail_path),
        tags=tuple(item.tags),
        objectives=tuple(item.objectives),
        audiences=tuple(item.audiences),
        made_for_kids=item.made_for_kids,
        privacy=item.privacy,
        approved_by=pub.approved_by,
        approved_at=pub.approved_at.astimezone(zone) if pub.approved_at else None,
        published_at=pub.published_at.astimezone(zone) if pub.published_at else None,
        permalink=pub.permalink,
        external_id=pub.external_id,
        last_error=pub.last_error,
        last_error_code=pub.last_error_code,
        preview=_preview(item, channel),
        attempts=attempts,
        problems=_problems(item, channel) if pub.state in EDITABLE_STATES else (),
        siblings=siblings,
        possible=possible,
        allowed=frozenset(a for a in possible if permitted(identity, a, unit_key)),
    )


def table_rows(found: Sequence[CalendarEvent]) -> list[dict[str, Any]]:
    """The events as plain rows (id first) for lists, tables and CSV/XLSX export."""
    return [
        {
            "id": e.id,
            "scheduled_at": e.start,
            "state": e.state,
            "channel": e.channel,
            "platform": e.platform,
            "kind": e.kind,
            "unit": e.unit or "",
            "title": e.title,
            "content": e.content,
            "approved_by": e.approved_by,
            "last_error": e.last_error,
        }
        for e in found
    ]
