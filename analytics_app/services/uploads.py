"""Files an officer brings to the app: media for the campaign's media folder, and an
Excel/CSV plan imported through the campaign's sheet importer.

Both check the person's right to plan first and leave an AuditLog row; neither lets a name
point outside the campaign's media folder, and a file must be what its name says it is.
"""

import os
import re
import secrets
import unicodedata
from pathlib import Path

from sqlmodel import Session

from analytics_app.services.calendar import media_folder
from analytics_app.services.item_rules import ContentInvalid, FieldError, audit, require_units
from campaigns.access import Action, Identity, require
from campaigns.errors import Problem, UserError, ValidationFailed
from campaigns.limits import PHOTO_SUFFIXES, VIDEO_SUFFIXES, check_media
from campaigns.publications import resolve_campaign
from campaigns.sheets import SheetReport, import_sheet, read_sheet
from campaigns.sheets.cells import text

_SAFE_NAME = re.compile(r"^[\w][\w .()+-]*$")
SHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".csv", ".txt"})
MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # what one app request may carry; clips larger go by file

# ------------------------------------------------------------------------------ media


def _own_unit(identity: Identity) -> list[str | None]:
    return [identity.unit_key] if identity.units is not None else []


def safe_name(filename: str) -> str:
    """The officer's file name as it will be stored, or UserError for one that names a path."""
    name = unicodedata.normalize("NFC", filename).strip()
    if not name or Path(name).name != name or "\\" in name or name.startswith("."):
        raise UserError(f"'{filename}' is not a plain file name")
    if not _SAFE_NAME.match(name) or len(name) > 120:
        raise UserError(
            f"'{filename}': use letters, digits, spaces, '.', '-', '_' (at most 120 characters)"
        )
    return name


def upload_media(
    session: Session, identity: Identity, campaign: str | None, filename: str, data: bytes
) -> str:
    """Store an image or video in the campaign's media folder; returns its file name.

    Refused: names that point anywhere else, files whose bytes are not what their name says,
    and a different file under a name already taken (items using it would change unseen).
    """
    require_units(identity, Action.PLAN, _own_unit(identity))
    camp = resolve_campaign(session, campaign)
    folder = media_folder(camp)
    if folder is None:
        raise ContentInvalid([FieldError("media", "this campaign has no media folder")])
    try:
        name = safe_name(filename)
    except UserError as exc:
        raise ContentInvalid([FieldError("media", str(exc))]) from None
    suffix = Path(name).suffix.lower()
    if suffix in PHOTO_SUFFIXES:
        platform, kind = "facebook", "photo"
    elif suffix in VIDEO_SUFFIXES:
        platform, kind = "youtube", "clip"
    else:
        raise ContentInvalid(
            [
                FieldError(
                    "media", f"{name}: expected an image (JPEG, PNG, ...) or a video (MP4, ...)"
                )
            ]
        )
    if len(data) > MAX_UPLOAD_BYTES:
        raise ContentInvalid(
            [FieldError("media", f"{name} is larger than {MAX_UPLOAD_BYTES} bytes")]
        )
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / name).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise ContentInvalid(
            [FieldError("media", f"'{name}' is outside the campaign's media folder")]
        )
    if target.exists():
        if target.is_file() and target.read_bytes() == data:
            return name  # the same file again: nothing to do
        raise ContentInvalid(
            [FieldError("media", f"another file named {name} exists already; rename yours")]
        )
    temp = folder / f".upload-{secrets.token_hex(6)}{suffix}"
    try:
        with temp.open("xb") as fh:
            fh.write(data)
        problems = check_media(platform, kind, temp)
        if problems:
            messages = [p.message.replace(temp.name, name) for p in problems]
            raise ContentInvalid([FieldError("media", m) for m in messages])
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    audit(session, identity, "upload", "media", name, campaign=camp.key, bytes=len(data))
    session.flush()
    return name


# ------------------------------------------------------------------------------ import


def import_plan(
    session: Session, identity: Identity, campaign: str | None, filename: str, data: bytes
) -> SheetReport:
    """Import an officer's Excel/CSV plan through the campaign's sheet importer.

    Media named in the sheet are looked up in the campaign's media folder and must stay in
    it. Raises ValidationFailed listing every bad row (`problems`: row, column, message;
    nothing written), Forbidden when a row plans on a channel of another unit.
    """
    require(identity, Action.PLAN)
    camp = resolve_campaign(session, campaign)
    folder = media_folder(camp)
    if folder is None:
        raise UserError(f"campaign {camp.key} has no media folder (no campaign file)")
    try:
        name = safe_name(filename)
    except UserError as exc:
        raise ValidationFailed([Problem(filename, None, "file", str(exc))]) from None
    if Path(name).suffix.lower() not in SHEET_SUFFIXES:
        raise ValidationFailed(
            [Problem(name, None, "file", "expected an Excel workbook (.xlsx) or a CSV file (.csv)")]
        )
    folder.mkdir(parents=True, exist_ok=True)
    # The sheet sits in the media folder while it is read, so that the media it names are
    # found there, as when an officer keeps the sheet beside the media.
    path = folder / name
    try:
        with path.open("xb") as fh:
            fh.write(data)
    except FileExistsError:
        raise UserError(
            f"a file named {name} is being imported or is in the media folder"
        ) from None
    try:
        _check_media(path, name, folder)
        # The importer checks the person's right on every channel's unit and writes the audit.
        report = import_sheet(session, path, camp.key, display=name, identity=identity)
    finally:
        path.unlink(missing_ok=True)
    return report


def _check_media(path: Path, name: str, folder: Path) -> None:
    """What the importer does not check: media named in the sheet stay in the media folder."""
    sheet = read_sheet(path, name)
    root = folder.resolve()
    problems = [
        Problem(
            name,
            row.number,
            sheet.label("media"),
            f"'{media}' is outside the campaign's media folder",
        )
        for row in sheet.rows
        if (media := text(row.cells.get("media")).replace("\\", "/"))
        and not (root / media).resolve().is_relative_to(root)
    ]
    if problems:
        raise ValidationFailed(problems)
