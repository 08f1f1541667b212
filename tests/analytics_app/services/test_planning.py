"""Writing the calendar: the same validation as campaign files, field by field; the right to
plan checked on every unit touched; an audit row for each write; nothing half-written."""

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from analytics_app.services import planning
from analytics_app.services.calendar import item_detail
from analytics_app.services.planning import (
    BulkInvalid,
    ContentForm,
    ContentInvalid,
    RowChange,
    bulk_edit,
    create_item,
    edit_item,
    move_slot,
)
from campaigns.access import Forbidden, Identity
from campaigns.db import session_scope
from campaigns.errors import UserError
from campaigns.importer import import_campaign
from campaigns.models import AuditLog, ContentItem, Publication, PublicationState
from tests.analytics_app.services.calendar_fixtures import (
    BEFORE,
    DAK_LAK_OFFICER,
    HA_NOI_OFFICER,
    MANAGER_ALL,
    NATIONAL,
    Example,
    get_pub,
    load_example,
    local,
    pub_id,
    set_state,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
POST = ContentForm(kind="post", message="Chung tay vì bình đẳng giới. #BinhDangGioi")


@pytest.fixture
def example(any_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Example:
    """The example on SQLite and on PostgreSQL, before the campaign opens."""
    monkeypatch.setattr(planning, "utcnow", lambda: BEFORE)
    return load_example(any_engine, tmp_path)


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


# ------------------------------------------------------------------------------ create


def test_an_officer_creates_a_post_on_their_page_as_a_draft_with_an_audit_row(
    example: Example,
) -> None:
    with session_scope(example.engine) as s:
        made = create_item(s, HA_NOI_OFFICER, None, POST, ["ha-noi-fb"], local(22, 11, 9))
    assert made.state == PublicationState.DRAFT
    assert made.content.startswith("sheet-")  # the officer's own: a file re-import keeps it
    [pid] = made.publications
    pub = get_pub(example.engine, pid)
    assert pub.scheduled_at == local(22, 11, 9)
    assert pub.plan_key.startswith("sheet:")
    [row] = _audit(example.engine, "create")
    assert row.actor == "lan"
    assert row.entity_id == made.content
    assert row.detail["publications"] == [pid]
    with Session(example.engine) as s:
        assert not item_detail(s, HA_NOI_OFFICER, pid).from_file
    # Importing the campaign file again leaves the officer's item alone.
    with Session(example.engine) as s:
        import_campaign(s, example.path)
    assert get_pub(example.engine, pid).state == PublicationState.DRAFT


def test_errors_are_those_of_a_campaign_file_each_on_its_field(example: Example) -> None:
    before = _counts(example.engine)
    clip = ContentForm(
        kind="clip",
        title="<b>Clip</b>",  # YouTube refuses < and > in a title
        message="x" * 1700 + "ả" * 1200,  # 5,300 bytes: over YouTube's 5,000
        objectives=("O9",),  # no such objective
        privacy="secret",
    )
    with session_scope(example.engine) as s, pytest.raises(ContentInvalid) as caught:
        create_item(s, MANAGER_ALL, None, clip, ["ncfaw-yt"], local(26, 11, 19))
    err = caught.value
    assert err.for_field("title") == ["YouTube does not allow '<' or '>' in a title"]
    assert any("5000 bytes" in m for m in err.for_field("message"))
    assert err.for_field("media") == ["a clip needs its media file"]
    assert any("unknown objective 'O9'" in m for m in err.for_field("objectives"))
    assert any("unknown privacy 'secret'" in m for m in err.for_field("privacy"))
    assert _counts(example.engine) == before


def test_a_post_on_youtube_a_link_without_address_and_a_slot_outside_the_window(
    example: Example,
) -> None:
    with session_scope(example.engine) as s, pytest.raises(ContentInvalid) as caught:
        create_item(s, MANAGER_ALL, None, POST, ["ncfaw-yt"], local(26, 11, 19))
    assert any("takes clips only" in m for m in caught.value.for_field("channels"))
    link = ContentForm(kind="link", message="Đọc thêm")
    with session_scope(example.engine) as s, pytest.raises(ContentInvalid) as caught:
        create_item(s, MANAGER_ALL, None, link, ["ncfaw-fb"], local(20, 12, 9))
    assert caught.value.for_field("link") == ["a link post needs its link"]
    assert any("outside the campaign window" in m for m in caught.value.for_field("scheduled_at"))


def test_control_characters_and_a_past_time_are_refused(example: Example) -> None:
    form = ContentForm(kind="post", message="bell\x07")
    with session_scope(example.engine) as s, pytest.raises(ContentInvalid) as caught:
        create_item(s, HA_NOI_OFFICER, None, form, ["ha-noi-fb"], local(1, 11, 9))
    assert caught.value.for_field("message") == [
        "contains a control character (U+0007) the platforms refuse"
    ]
    assert caught.value.for_field("scheduled_at") == ["01/11/2025 09:00 is already past"]


@pytest.mark.parametrize("who", [DAK_LAK_OFFICER, NATIONAL])
def test_planning_on_another_units_page_or_without_the_right_is_refused(
    example: Example, who: Identity
) -> None:
    before = _counts(example.engine)
    with session_scope(example.engine) as s, pytest.raises(Forbidden):
        create_item(s, who, None, POST, ["ha-noi-fb"], local(22, 11, 9))
    assert _counts(example.engine) == before


# ------------------------------------------------------------------------------ media


def test_media_outside_the_campaign_folder_is_refused(example: Example) -> None:
    for name in ("../campaign-example.yaml", "/etc/hostname", "media/../../x.png"):
        photo = ContentForm(kind="photo", message="Ảnh", media=name)
        with session_scope(example.engine) as s, pytest.raises(ContentInvalid) as caught:
            create_item(s, HA_NOI_OFFICER, None, photo, ["ha-noi-fb"], local(22, 11, 9))
        assert caught.value.for_field("media"), name


# ------------------------------------------------------------------------------ edit


def test_editing_approved_content_sends_it_back_to_draft(example: Example) -> None:
    with session_scope(example.engine) as s:
        made = create_item(s, HA_NOI_OFFICER, None, POST, ["ha-noi-fb"], local(22, 11, 9))
    [pid] = made.publications
    set_state(example.engine, pid, PublicationState.APPROVED, approved_by="tuan")
    changed = ContentForm(kind="post", message="Nội dung mới")
    with session_scope(example.engine) as s:
        result = edit_item(s, HA_NOI_OFFICER, pid, changed)
    assert result.back_to_draft == (pid,)
    assert "message" in result.changed
    pub = get_pub(example.engine, pid)
    assert (pub.state, pub.approved_by, pub.approved_at) == ("draft", "", None)
    with Session(example.engine) as s:
        item = s.exec(select(ContentItem).where(ContentItem.key == made.content)).one()
    assert item.message == "Nội dung mới"
    assert pub.content_hash == item.content_hash
    [row] = _audit(example.engine, "edit")
    assert row.actor == "lan"
    assert row.detail["back_to_draft"] == [pid]


def test_saving_unchanged_content_changes_nothing(example: Example) -> None:
    tip = pub_id(example.engine, "tip-01", "ha-noi-fb")
    set_state(example.engine, tip, PublicationState.APPROVED, approved_by="tuan")
    with Session(example.engine) as s:
        item = s.exec(select(ContentItem).where(ContentItem.key == "tip-01")).one()
    same = ContentForm(
        kind="post",
        message=item.message,
        objectives=tuple(item.objectives),
        audiences=tuple(item.audiences),
    )
    with session_scope(example.engine) as s:
        result = edit_item(s, MANAGER_ALL, tip, same)
    assert result.changed == ()
    assert get_pub(example.engine, tip).state == PublicationState.APPROVED
    assert _audit(example.engine, "edit") == []


def test_content_shared_with_another_unit_is_not_an_officers_to_edit(example: Example) -> None:
    orange = pub_id(example.engine, "orange-day", "ha-noi-fb")  # also on ncfaw and dak-lak
    with session_scope(example.engine) as s, pytest.raises(Forbidden):
        edit_item(s, HA_NOI_OFFICER, orange, ContentForm(kind="post", message="mới"))


def test_a_manager_for_every_unit_edits_shared_content_everywhere(example: Example) -> None:
    orange = [pub_id(example.engine, "orange-day", ch) for ch in ("ncfaw-fb", "ha-noi-fb")]
    for pid in orange:
        set_state(example.engine, pid, PublicationState.APPROVED, approved_by="tuan")
    with session_scope(example.engine) as s:
        result = edit_item(s, MANAGER_ALL, orange[0], ContentForm(kind="post", message="mới"))
    assert set(result.back_to_draft) == set(orange)
    assert len(result.updated) == 3  # and the dak-lak draft carries the new content


def test_edit_of_a_published_item_is_refused(example: Example) -> None:
    launch = pub_id(example.engine, "launch", "ha-noi-fb")
    set_state(example.engine, launch, PublicationState.PUBLISHED)
    with session_scope(example.engine) as s, pytest.raises(UserError, match="is published"):
        edit_item(s, MANAGER_ALL, launch, ContentForm(kind="photo", message="x"))


# ------------------------------------------------------------------------------ move


def test_move_keeps_the_planned_slot_and_the_approval(example: Example) -> None:
    tip = pub_id(example.engine, "tip-02", "ha-noi-fb")
    set_state(example.engine, tip, PublicationState.APPROVED, approved_by="tuan")
    before = get_pub(example.engine, tip)
    with session_scope(example.engine) as s:
        moved = move_slot(s, HA_NOI_OFFICER, tip, local(19, 11, 7, 30))
    assert moved.changed
    assert moved.scheduled_at == local(19, 11, 7, 30)
    after = get_pub(example.engine, tip)
    assert after.scheduled_at == local(19, 11, 7, 30)
    assert after.slot_at == before.slot_at
    assert after.state == PublicationState.APPROVED
    [row] = _audit(example.engine, "move")
    assert row.detail["after"] == "2025-11-19T07:30:00+07:00"


def test_move_outside_the_window_or_of_a_failed_item_is_refused(example: Example) -> None:
    tip = pub_id(example.engine, "tip-02", "ha-noi-fb")
    with session_scope(example.engine) as s, pytest.raises(ContentInvalid) as caught:
        move_slot(s, HA_NOI_OFFICER, tip, datetime(2026, 1, 1, 9, tzinfo=local(1, 1).tzinfo))
    assert caught.value.for_field("scheduled_at")
    set_state(example.engine, tip, PublicationState.FAILED)
    with session_scope(example.engine) as s, pytest.raises(UserError, match="is failed"):
        move_slot(s, HA_NOI_OFFICER, tip, local(19, 11, 8))
    with session_scope(example.engine) as s, pytest.raises(Forbidden):
        move_slot(
            s, DAK_LAK_OFFICER, pub_id(example.engine, "tip-01", "ha-noi-fb"), local(19, 11, 8)
        )


# ------------------------------------------------------------------------------ bulk


def test_bulk_edit_with_one_bad_row_writes_nothing(example: Example) -> None:
    tip = pub_id(example.engine, "tip-02", "ncfaw-fb")
    clip = pub_id(example.engine, "clip-hotline", "ncfaw-yt")
    changes = [
        RowChange(tip, message="Văn bản mới", scheduled_at=local(18, 11, 21)),
        RowChange(clip, title="<Tổng đài 111>"),
    ]
    before = _counts(example.engine)
    with session_scope(example.engine) as s, pytest.raises(BulkInvalid) as caught:
        bulk_edit(s, MANAGER_ALL, changes)
    assert list(caught.value.rows) == [clip]
    assert caught.value.rows[clip][0].field == "title"
    assert _counts(example.engine) == before
    assert get_pub(example.engine, tip).scheduled_at == local(18, 11, 20)


def test_bulk_edit_of_good_rows_applies_every_one(example: Example) -> None:
    tip = pub_id(example.engine, "tip-02", "ha-noi-fb")
    orange = pub_id(example.engine, "orange-day", "ha-noi-fb")
    set_state(example.engine, tip, PublicationState.APPROVED, approved_by="tuan")
    with session_scope(example.engine) as s:
        result = bulk_edit(
            s,
            MANAGER_ALL,
            [
                RowChange(tip, message="Văn bản mới"),
                RowChange(orange, scheduled_at=local(25, 11, 8)),
            ],
        )
    assert result.edited == (tip,)
    assert result.moved == (orange,)
    assert tip in result.back_to_draft
    assert get_pub(example.engine, orange).scheduled_at == local(25, 11, 8)
