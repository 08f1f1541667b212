"""Files an officer brings: media into the campaign's media folder (never elsewhere, never a
file that lies about its type), and Excel/CSV plans with their row errors."""

from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from analytics_app.services import planning
from analytics_app.services.item_rules import ContentInvalid
from analytics_app.services.planning import ContentForm, create_item
from analytics_app.services.uploads import import_plan, upload_media
from campaigns.access import Forbidden
from campaigns.db import session_scope
from campaigns.errors import ValidationFailed
from campaigns.models import AuditLog, ContentItem, Publication
from tests.analytics_app.services.calendar_fixtures import (
    BEFORE,
    DAK_LAK_OFFICER,
    HA_NOI_OFFICER,
    NATIONAL,
    Example,
    load_example,
    local,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def example(sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Example:
    monkeypatch.setattr(planning, "utcnow", lambda: BEFORE)
    return load_example(sqlite_engine, tmp_path)


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        return (
            s.exec(select(func.count()).select_from(ContentItem)).one(),
            s.exec(select(func.count()).select_from(Publication)).one(),
            s.exec(select(func.count()).select_from(AuditLog)).one(),
        )


def _audit(engine: Engine, action: str) -> list[AuditLog]:
    with Session(engine) as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action)))


def test_upload_stores_a_real_image_in_the_media_folder_and_uses_it(example: Example) -> None:
    with session_scope(example.engine) as s:
        name = upload_media(s, HA_NOI_OFFICER, None, "poster hà nội.png", PNG)
    stored = example.media / name
    assert stored.read_bytes() == PNG
    [row] = _audit(example.engine, "upload")
    assert (row.actor, row.entity_id) == ("lan", name)
    photo = ContentForm(kind="photo", message="Ảnh", media=name)
    with session_scope(example.engine) as s:
        made = create_item(s, HA_NOI_OFFICER, None, photo, ["ha-noi-fb"], local(22, 11, 9))
    with Session(example.engine) as s:
        item = s.exec(select(ContentItem).where(ContentItem.key == made.content)).one()
    assert Path(item.media_path) == stored.resolve()


@pytest.mark.parametrize(
    ("filename", "data", "reason"),
    [
        ("../escape.png", PNG, "not a plain file name"),
        (".hidden.png", PNG, "not a plain file name"),
        ("notes.png", b"just some text, not an image", "is not a JPEG, PNG"),
        ("clip.mp4", PNG, "is not a video container"),
        ("script.html", b"<script>", "expected an image"),
        ("banner-launch.png", PNG, "exists already"),
    ],
)
def test_upload_refuses_paths_lies_about_type_and_overwrites(
    example: Example, filename: str, data: bytes, reason: str
) -> None:
    before = sorted(p.name for p in example.media.iterdir())
    with session_scope(example.engine) as s, pytest.raises(ContentInvalid) as caught:
        upload_media(s, HA_NOI_OFFICER, None, filename, data)
    assert reason in str(caught.value)
    assert sorted(p.name for p in example.media.iterdir()) == before
    assert not (example.path.parent / "escape.png").exists()
    assert _audit(example.engine, "upload") == []


def test_upload_is_refused_to_national(example: Example) -> None:
    with session_scope(example.engine) as s, pytest.raises(Forbidden):
        upload_media(s, NATIONAL, None, "x.png", PNG)
    assert not (example.media / "x.png").exists()


# ------------------------------------------------------------------------------ import


SHEET = (
    "Ngày,Giờ,Kênh,Loại,Nội dung,Tệp\n"
    "22/11/2025,09:00,ha-noi-fb,post,Chung tay vì bình đẳng giới,\n"
    "23/11/2025,09:00,ha-noi-fb,photo,Ảnh phát động,banner-launch.png\n"
)


def test_an_officers_plan_is_imported_with_their_name(example: Example) -> None:
    with session_scope(example.engine) as s:
        report = import_plan(s, HA_NOI_OFFICER, None, "ke-hoach.csv", SHEET.encode())
    assert (report.rows, report.created) == (2, 2)
    assert [r.actor for r in _audit(example.engine, "import") if r.entity == "sheet"] == ["lan"]
    assert not (example.media / "ke-hoach.csv").exists()  # the upload is not left behind
    with Session(example.engine) as s:
        states = s.exec(
            select(Publication.state).where(col(Publication.plan_key) == "sheet:ke-hoach.csv")
        ).all()
    assert states == ["draft", "draft"]


def test_bad_rows_are_returned_row_by_row_and_nothing_is_written(example: Example) -> None:
    bad = SHEET + "31/12/2025,25:00,ha-noi-fb,video,,\n" + "24/11/2025,09:00,nowhere,post,x,\n"
    before = _counts(example.engine)
    with session_scope(example.engine) as s, pytest.raises(ValidationFailed) as caught:
        import_plan(s, HA_NOI_OFFICER, None, "ke-hoach.csv", bad.encode())
    rows = {(p.line, p.path) for p in caught.value.problems}
    assert (4, "Giờ") in rows
    assert (4, "Tệp") in rows
    assert (5, "Kênh") in rows
    assert _counts(example.engine) == before


def test_a_plan_naming_media_outside_the_folder_is_refused(example: Example) -> None:
    sheet = "Ngày,Giờ,Kênh,Loại,Nội dung,Tệp\n22/11/2025,09:00,ha-noi-fb,photo,x,../../x.png\n"
    with session_scope(example.engine) as s, pytest.raises(ValidationFailed) as caught:
        import_plan(s, HA_NOI_OFFICER, None, "plan.csv", sheet.encode())
    [problem] = caught.value.problems
    assert (problem.line, problem.path) == (2, "Tệp")
    assert "outside the campaign's media folder" in problem.message


def test_a_plan_for_another_units_page_is_refused(example: Example) -> None:
    before = _counts(example.engine)
    with session_scope(example.engine) as s, pytest.raises(Forbidden):
        import_plan(s, DAK_LAK_OFFICER, None, "plan.csv", SHEET.encode())
    assert _counts(example.engine) == before
