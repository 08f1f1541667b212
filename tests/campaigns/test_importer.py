"""Importing campaign files: all or nothing, idempotent, in place, history kept."""

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from campaigns.errors import ValidationFailed
from campaigns.importer import import_campaign
from campaigns.models import (
    AuditLog,
    Campaign,
    Channel,
    ContentItem,
    Kpi,
    Publication,
    PublicationState,
    Unit,
)
from campaigns.publications import approve
from tests.conftest import EXAMPLE_CAMPAIGN, copy_example, edit
from tests.identities import MANAGER, OFFICER


def publications(engine: Engine) -> list[Publication]:
    with Session(engine) as s:
        return list(s.exec(select(Publication).order_by(Publication.id)))


def test_example_imports_fourteen_drafts(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        report = import_campaign(s, EXAMPLE_CAMPAIGN)
    assert report.counts["publication"].created == 14
    assert report.counts["channel"].created == 4
    pubs = publications(any_engine)
    assert len(pubs) == 14
    assert {p.state for p in pubs} == {PublicationState.DRAFT}
    with Session(any_engine) as s:
        campaign = s.exec(select(Campaign)).one()
        assert len(campaign.source_hash) == 64
        assert campaign.source_file.endswith("campaign-example.yaml")
        assert s.exec(select(func.count()).select_from(Kpi)).one() == 8
        yt = s.exec(select(Channel).where(Channel.key == "ncfaw-yt")).one()
        assert yt.external_id == "UCvnGenderEquality0000001"
        clip = s.exec(select(ContentItem).where(ContentItem.key == "clip-hotline")).one()
        assert Path(clip.media_path).is_file()
        assert clip.content_hash


def test_second_import_changes_nothing(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        import_campaign(s, EXAMPLE_CAMPAIGN)
    before = [(p.id, p.state, p.updated_at) for p in publications(any_engine)]
    with Session(any_engine) as s:
        campaign_before = s.exec(select(Campaign)).one().updated_at
        report = import_campaign(s, EXAMPLE_CAMPAIGN)
    assert not report.changed
    assert str(report) == "campaign action-month-2025: unchanged"
    assert report.counts["publication"].unchanged == 14
    assert [(p.id, p.state, p.updated_at) for p in publications(any_engine)] == before
    with Session(any_engine) as s:
        assert s.exec(select(Campaign)).one().updated_at == campaign_before
        assert len(s.exec(select(AuditLog)).all()) == 1  # the first import only


def test_edited_file_updates_in_place(any_engine: Engine, tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    with Session(any_engine) as s:
        import_campaign(s, path)
    ids = {p.dedupe_key: p.id for p in publications(any_engine)}
    edit(path, 'name: "Sở Nội vụ Hà Nội"', 'name: "Sở Nội vụ TP Hà Nội"')
    edit(path, "Gọi 111 để được hỗ trợ", "Hãy gọi 111 để được hỗ trợ")
    with Session(any_engine) as s:
        report = import_campaign(s, path)
        assert s.exec(select(Channel).where(Channel.key == "ha-noi-fb")).one().name == (
            "Sở Nội vụ TP Hà Nội"
        )
    assert report.counts["channel"].updated == 1
    assert report.counts["content"].updated == 1
    assert report.counts["publication"].created == 0
    assert {p.dedupe_key: p.id for p in publications(any_engine)} == ids


def test_content_edited_after_approval_goes_back_to_draft(
    any_engine: Engine, tmp_path: Path
) -> None:
    path = copy_example(tmp_path)
    with Session(any_engine) as s:
        import_campaign(s, path)
        approve(s, None, MANAGER)
        s.commit()
    edit(path, "Gọi 111 để được hỗ trợ", "Hãy gọi 111 để được hỗ trợ")
    with Session(any_engine) as s:
        report = import_campaign(s, path)
    states = {p.dedupe_key.split("|")[1]: p.state for p in publications(any_engine)}
    assert states["clip-hotline"] == PublicationState.DRAFT  # what was approved has changed
    assert states["launch"] == PublicationState.APPROVED  # untouched content stays approved
    assert any("changed after approval" in str(w) for w in report.warnings)
    hotline = [p for p in publications(any_engine) if "|clip-hotline|" in p.dedupe_key]
    with Session(any_engine) as s:
        item = s.exec(select(ContentItem).where(ContentItem.key == "clip-hotline")).one()
    assert [p.content_hash for p in hotline] == [item.content_hash]


def test_moved_slot_cancels_old_and_creates_new(any_engine: Engine, tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    with Session(any_engine) as s:
        import_campaign(s, path)
    edit(path, "at: 2025-12-10 19:00", "at: 2025-12-10 20:00")
    with Session(any_engine) as s:
        report = import_campaign(s, path)
    assert report.counts["publication"].cancelled == 1
    assert report.counts["publication"].created == 1
    assert any("clip-hotline" in w.message and "cancelled" in w.message for w in report.warnings)
    hotline = [p for p in publications(any_engine) if "|clip-hotline|" in p.dedupe_key]
    assert [(p.state, p.slot_at.hour) for p in hotline] == [("cancelled", 12), ("draft", 13)]
    # Moving it back revives the same row rather than piling up cancelled copies.
    edit(path, "at: 2025-12-10 20:00", "at: 2025-12-10 19:00")
    with Session(any_engine) as s:
        import_campaign(s, path)
    hotline = [p for p in publications(any_engine) if "|clip-hotline|" in p.dedupe_key]
    assert [p.state for p in hotline] == ["draft", "cancelled"]


def test_removed_slot_keeps_published_history(any_engine: Engine, tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    with Session(any_engine) as s:
        import_campaign(s, path)
        pub = s.exec(select(Publication).where(Publication.dedupe_key.contains("|launch|"))).first()
        assert pub is not None
        pub.state = PublicationState.PUBLISHED
        pub.external_id = "104251380000001_1"
        s.commit()
        published_id = pub.id
    edit(
        path,
        "channels: [ncfaw-fb, ha-noi-fb, dak-lak-fb]\n    at: 2025-11-15",
        "channels: []\n    at: 2025-11-15",
    )
    # An empty channel list is a mistake, not a removal.
    with pytest.raises(ValidationFailed), Session(any_engine) as s:
        import_campaign(s, path)
    edit(
        path,
        "channels: []\n    at: 2025-11-15 08:00",
        "channels: [ncfaw-fb]\n    at: 2025-11-15 09:00",
    )
    with Session(any_engine) as s:
        report = import_campaign(s, path)
    by_id = {p.id: p for p in publications(any_engine)}
    assert by_id[published_id].state == PublicationState.PUBLISHED
    assert by_id[published_id].external_id == "104251380000001_1"
    assert report.counts["publication"].cancelled == 2  # the other two launch slots


def test_auto_approval_is_an_approval_only_by_someone_who_may_approve(
    any_engine: Engine, tmp_path: Path
) -> None:
    path = copy_example(tmp_path)
    edit(path, "approval: required", "approval: auto")
    with Session(any_engine) as s:
        report = import_campaign(s, path, identity=OFFICER)
    # An officer writing "auto" in the file approves nothing.
    assert {p.state for p in publications(any_engine)} == {PublicationState.DRAFT}
    assert any("approval: auto applies only" in w.message for w in report.warnings)
    with Session(any_engine) as s:
        import_campaign(s, path, identity=MANAGER)
    # Still drafts: a re-import by a manager changes nothing that was already planned...
    assert {p.state for p in publications(any_engine)} == {PublicationState.DRAFT}


def test_auto_approval_by_a_manager_approves_and_reapproves_edits(
    any_engine: Engine, tmp_path: Path
) -> None:
    path = copy_example(tmp_path)
    edit(path, "approval: required", "approval: auto")
    with Session(any_engine) as s:
        import_campaign(s, path, identity=MANAGER)
    rows = publications(any_engine)
    assert {p.state for p in rows} == {PublicationState.APPROVED}
    assert {p.approved_by for p in rows} == {"lan"}
    edit(path, "Gọi 111 để được hỗ trợ", "Hãy gọi 111 để được hỗ trợ")
    with Session(any_engine) as s:
        report = import_campaign(s, path, identity=OFFICER)
    # The officer's edit is not approved by "auto": the changed rows go back to draft.
    changed = [p for p in publications(any_engine) if p.state == PublicationState.DRAFT]
    assert changed
    assert any("back to draft" in w.message for w in report.warnings)


def test_invalid_file_writes_nothing(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    edit(path, "unit: dak-lak", "unit: dak-lac")
    with Session(sqlite_engine) as s, pytest.raises(ValidationFailed) as caught:
        import_campaign(s, path)
    assert "unknown unit 'dak-lac' (did you mean 'dak-lak'?)" in str(caught.value)
    with Session(sqlite_engine) as s:
        assert s.exec(select(func.count()).select_from(Campaign)).one() == 0
        assert s.exec(select(func.count()).select_from(Unit)).one() == 0
