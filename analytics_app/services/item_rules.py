"""What a post or clip written in the app must satisfy, and who may write it.

The item is checked exactly as the content of a campaign file: it is written out as a one-item
campaign file (the campaign's units and objectives, the channels it goes to, its slots) and read
back through the loader's own schema and plan checks, so the rules and their words are the
same. Each problem lands on the form field at fault. Media must be files of the campaign's
media folder (`media/` beside its campaign file).
"""

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ruamel.yaml import YAML
from sqlmodel import Session, col, select

from analytics_app.services.calendar import ItemDetail, media_folder
from campaigns import plans as plan_checks
from campaigns.access import Action, Forbidden, Identity, require
from campaigns.calendar_view import bounds
from campaigns.errors import Problem, UserError
from campaigns.loader import CampaignDocument, ContentDoc
from campaigns.loader.fields import Checker
from campaigns.loader.validate import CampaignSchema
from campaigns.models import AuditLog, Campaign, Channel, ContentItem, Objective, Unit

FORM = "form"  # the "file name" validation problems carry; also the field of whole-form errors
# C0 controls but tab and line breaks, DEL and the C1 controls: the platforms refuse them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class FieldError:
    field: str  # kind, title, message, link, media, thumbnail, tags, objectives, audiences,
    # privacy, made_for_kids, channels, scheduled_at, form
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ContentInvalid(UserError):
    """The form has errors; `errors` holds every one, each on the field at fault."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def for_field(self, name: str) -> list[str]:
        return [e.message for e in self.errors if e.field == name]


@dataclass(frozen=True)
class ContentForm:
    """A post or clip as the officer writes it. `message` is the post's text, or for a clip
    its description. `media`/`thumbnail`: a file name of the campaign's media folder, or the
    item's current path unchanged."""

    kind: str
    title: str = ""
    message: str = ""
    link: str = ""
    media: str = ""
    thumbnail: str = ""
    tags: tuple[str, ...] = ()
    objectives: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    made_for_kids: bool = False
    privacy: str = "public"
    title_en: str = ""


def form_for(detail: ItemDetail) -> ContentForm:
    """The edit form of an item as it stands."""
    return ContentForm(
        kind=detail.kind,
        title=detail.title,
        message=detail.text,
        link=detail.link,
        media=detail.media.as_posix() if detail.media else "",
        thumbnail=detail.thumbnail.as_posix() if detail.thumbnail else "",
        tags=detail.tags,
        objectives=detail.objectives,
        audiences=detail.audiences,
        made_for_kids=detail.made_for_kids,
        privacy=detail.privacy,
        title_en=detail.title_en,
    )


# ------------------------------------------------------------------------------ rights


def require_units(identity: Identity, action: Action, units: Iterable[str | None]) -> None:
    """`require` for every unit; rows of no unit belong to the whole campaign, which a person
    scoped to one unit may not change."""
    require(identity, action)
    for unit in sorted(set(units), key=lambda u: u or ""):
        if unit is None and identity.units is not None:
            raise Forbidden(
                f"{identity.username} works for unit '{identity.unit_key}' and may not "
                f"{action.value} for the whole campaign"
            )
        require(identity, action, unit)


def approver_for(identity: Identity, campaign: Campaign, units: Iterable[str | None]) -> str | None:
    """Who approves new or changed slots at once: with `approval: auto`, the person writing
    when they may approve for every unit concerned (as the importers decide); else nobody."""
    if campaign.approval != "auto":
        return None
    if all(u is not None and identity.can(Action.APPROVE, u) for u in units):
        return identity.label
    return None


def audit(
    session: Session, identity: Identity, action: str, entity: str, key: str, **detail: Any
) -> None:
    session.add(
        AuditLog(actor=identity.label, action=action, entity=entity, entity_id=key, detail=detail)
    )


# ------------------------------------------------------------------------------ validation


@dataclass
class Context:
    """What validating one item needs from the campaign."""

    campaign: Campaign
    units: list[Unit]
    objectives: list[Objective]
    folder: Path | None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.campaign.timezone)


def context(session: Session, campaign: Campaign) -> Context:
    units = list(
        session.exec(select(Unit).where(Unit.campaign_id == campaign.id).order_by(col(Unit.key)))
    )
    objectives = list(
        session.exec(
            select(Objective)
            .where(Objective.campaign_id == campaign.id)
            .order_by(col(Objective.position))
        )
    )
    return Context(campaign, units, objectives, media_folder(campaign))


def _field_of(path: str) -> str:
    """The form field a loader problem path (`content[0].description`, `plans[0].at`) names."""
    if path.startswith("content[0]."):
        name = re.sub(r"\[\d+\]", "", path.removeprefix("content[0].")).split(".")[0]
        return {"description": "message", "key": FORM}.get(name, name)
    if path.startswith("plans[0]."):
        name = re.sub(r"\[\d+\]", "", path.removeprefix("plans[0].")).split(".")[0]
        return "channels" if name == "channels" else "scheduled_at"
    return FORM


def _media_value(
    ctx: Context, name: str, current: str, field_name: str, errors: list[FieldError]
) -> str:
    """The absolute path of a media choice, refused outside the campaign's media folder."""
    name = name.strip()
    if not name:
        return ""
    if current and name == current:
        return current  # unchanged: whatever the campaign file gave
    if ctx.folder is None:
        errors.append(
            FieldError(field_name, "this campaign has no media folder (no campaign file)")
        )
        return ""
    if Path(name).name != name or name in (".", ".."):
        errors.append(
            FieldError(field_name, f"'{name}' is not a file of the campaign's media folder")
        )
        return ""
    folder = ctx.folder.resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder):
        errors.append(FieldError(field_name, f"'{name}' is outside the campaign's media folder"))
        return ""
    return path.as_posix()


def _relative(ctx: Context, path: str) -> str:
    """A media path as a campaign file writes it: relative to the file's folder (the loader
    refuses absolute paths). One outside that folder stays as it is, for the loader to name."""
    if not path or ctx.folder is None:
        return path
    base = ctx.folder.parent.resolve()
    resolved = Path(path).resolve()
    return resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else path


def _printable(form: ContentForm, errors: list[FieldError]) -> None:
    for name, value in (
        ("title", form.title),
        ("message", form.message),
        ("link", form.link),
        ("tags", "\n".join(form.tags)),
    ):
        bad = _CONTROL.search(value)
        if bad is not None:
            errors.append(
                FieldError(
                    name,
                    f"contains a control character (U+{ord(bad.group()):04X}) the platforms refuse",
                )
            )


def _channel_doc(ch: Channel, unit_keys: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"key": ch.key, "platform": ch.platform, "name": ch.name or ch.key}
    out["page_id" if ch.platform == "facebook" else "channel_id"] = ch.external_id
    if ch.unit_id is not None and ch.unit_id in unit_keys:
        out["unit"] = unit_keys[ch.unit_id]
    return out


def validate(
    ctx: Context,
    key: str,
    unit: str | None,
    form: ContentForm,
    channels: Sequence[Channel],
    slots: Sequence[datetime],
    current: ContentItem | None = None,
) -> tuple[list[FieldError], ContentDoc | None]:
    """Every error of `form` as the content of a campaign file planned on `channels` at
    `slots`, each on its form field; and the validated content when there is none.

    The item is written out as a one-item campaign file (the campaign's units, objectives and
    the channels it goes to) and read back through the loader: the same rules, the same words.
    """
    errors: list[FieldError] = []
    _printable(form, errors)
    media = _media_value(ctx, form.media, current.media_path if current else "", "media", errors)
    thumb = _media_value(
        ctx, form.thumbnail, current.thumbnail_path if current else "", "thumbnail", errors
    )
    if errors:
        return errors, None
    c = ctx.campaign
    unit_keys = {u.id: u.key for u in ctx.units if u.id is not None}
    item: dict[str, Any] = {"key": key, "kind": form.kind}
    if unit:
        item["unit"] = unit
    body = "description" if form.kind == "clip" else "message"
    for name, value in (
        ("title", form.title),
        ("title_en", form.title_en),
        (body, form.message),
        ("link", form.link),
        ("media", _relative(ctx, media)),
        ("thumbnail", _relative(ctx, thumb)),
    ):
        if value:
            item[name] = value
    for name, values in (
        ("tags", form.tags),
        ("objectives", form.objectives),
        ("audiences", form.audiences),
    ):
        if values:
            item[name] = list(values)
    item["made_for_kids"] = bool(form.made_for_kids)
    item["privacy"] = form.privacy
    doc: dict[str, Any] = {
        "campaign": {
            "key": c.key,
            "name": c.name or c.key,
            "starts": c.starts.isoformat(),
            "ends": c.ends.isoformat(),
            "timezone": c.timezone,
            "approval": c.approval,
        },
        "units": [{"key": u.key, "name": u.name or u.key, "kind": u.kind} for u in ctx.units],
        "objectives": [{"key": o.key, "title": o.title or o.key} for o in ctx.objectives],
        "channels": [_channel_doc(ch, unit_keys) for ch in channels],
        "content": [item],
        "plans": [],
    }
    if channels and slots:
        zone = ctx.zone
        doc["plans"] = [
            {
                "content": [key],
                "channels": sorted({ch.key for ch in channels}),
                "at": sorted({s.astimezone(zone).strftime("%Y-%m-%d %H:%M") for s in slots}),
            }
        ]
    root = YAML(typ="rt").compose(io.StringIO(_as_yaml(doc)))
    checker = Checker(FORM)
    base = ctx.folder.parent if ctx.folder is not None else Path.cwd()
    parsed = CampaignSchema(checker, base).parse(root)
    problems: list[Problem] = list(checker.problems)
    if parsed.campaign is not None:
        whole = CampaignDocument(
            path=base / FORM,
            display=FORM,
            source_hash="",
            campaign=parsed.campaign,
            units=parsed.units,
            objectives=parsed.objectives,
            channels=parsed.channels,
            content=parsed.content,
            plans=parsed.plans,
        )
        problems += plan_checks.check(whole, 0)
    for p in problems:
        if p.severity == "error":
            found = FieldError(_field_of(p.path), p.message)
            if found not in errors:
                errors.append(found)
    content = next((d for d in parsed.content if d.key == key), None)
    return errors, (content if not errors else None)


def _quoted(representer: Any, text: str) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:str", text, style='"')


def _as_yaml(doc: dict[str, Any]) -> str:
    """The document as YAML in block style with every string double-quoted: the one style
    that carries any text (`?`, `: `, `#`, leading spaces, line breaks) back unchanged."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.representer.add_representer(str, _quoted)
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    return buffer.getvalue()


def content_values(doc: ContentDoc, unit_id: int | None) -> dict[str, Any]:
    """ContentItem columns from validated content, as the campaign-file importer writes them."""
    return {
        "kind": doc.kind,
        "unit_id": unit_id,
        "title": doc.title,
        "title_en": doc.title_en,
        "message": doc.message,
        "description": doc.description,
        "link": doc.link,
        "media_path": doc.media_path.resolve().as_posix() if doc.media_path else "",
        "thumbnail_path": doc.thumbnail_path.resolve().as_posix() if doc.thumbnail_path else "",
        "tags": list(doc.tags),
        "objectives": list(doc.objectives),
        "audiences": list(doc.audiences),
        "made_for_kids": doc.made_for_kids,
        "privacy": doc.privacy,
        "content_hash": doc.content_hash(),
    }


def slot_errors(ctx: Context, at: datetime | None, now: datetime) -> list[FieldError]:
    if at is None:
        return [FieldError("scheduled_at", "a date and time is required")]
    if at.tzinfo is None or at.utcoffset() is None:
        return [FieldError("scheduled_at", "the time has no time zone")]
    if at <= now:
        shown = at.astimezone(ctx.zone)
        return [FieldError("scheduled_at", f"{shown:%d/%m/%Y %H:%M} is already past")]
    start, end = bounds(ctx.campaign.starts, ctx.campaign.ends, ctx.zone)
    if not start <= at < end:
        shown = at.astimezone(ctx.zone)
        return [
            FieldError(
                "scheduled_at",
                f"{shown:%d/%m/%Y %H:%M} is outside the campaign window "
                f"{ctx.campaign.starts:%d/%m/%Y}–{ctx.campaign.ends:%d/%m/%Y}",
            )
        ]
    return []
