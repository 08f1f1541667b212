"""The reference campaign loads without errors and covers the Month as the issue asks."""

import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.importer import import_campaign
from campaigns.limits import check_media, check_text
from campaigns.loader import CampaignDocument, load_campaign
from campaigns.models import Publication
from campaigns.plans import expand
from campaigns.sheet_template import write_template
from campaigns.sheets import import_sheet
from campaigns.vocabulary import KPI_METRICS
from tests.conftest import REPO

REFERENCE = REPO / "campaigns" / "action_month_2025.yaml"
SEEDED_PAGE = re.compile(r"^10425138(\d{7})$")
SEEDED_CHANNEL = re.compile(r"^UCvnGenderEquality(\d{7})$")


@pytest.fixture(scope="module")
def doc() -> CampaignDocument:
    return load_campaign(REFERENCE)  # raises ValidationFailed on any error


def test_campaign_is_the_2025_action_month(doc: CampaignDocument) -> None:
    info = doc.campaign
    assert (info.starts, info.ends, info.report_due) == (
        date(2025, 11, 15),
        date(2025, 12, 15),
        date(2025, 12, 20),
    )
    assert info.timezone == "Asia/Ho_Chi_Minh"
    assert info.approval == "required"
    assert [o.key for o in doc.objectives] == ["O1", "O2", "O3", "O4"]
    for objective in doc.objectives:
        assert len(objective.kpis) >= 2, objective.key
        assert all(k.metric in KPI_METRICS and k.target > 0 for k in objective.kpis)
    kinds = Counter(u.kind for u in doc.units)
    assert kinds["ministry"] >= 1
    assert kinds["committee"] >= 1
    assert kinds["province"] >= 10


def test_warnings_are_few(doc: CampaignDocument) -> None:
    assert len(doc.warnings) <= 3, [str(w) for w in doc.warnings]


def test_content_library_is_large_enough_and_bilingual(doc: CampaignDocument) -> None:
    clips = [c for c in doc.content if c.kind == "clip"]
    others = [c for c in doc.content if c.kind != "clip"]
    assert len(others) >= 40
    assert len(clips) >= 8
    for item in doc.content:
        assert item.title_en, item.key
        assert item.objectives, item.key
        assert item.audiences, item.key


def test_every_clip_fits_youtube(doc: CampaignDocument) -> None:
    for clip in (c for c in doc.content if c.kind == "clip"):
        assert (
            check_text(
                "youtube", "clip", title=clip.title, description=clip.description, tags=clip.tags
            )
            == []
        ), clip.key
        assert clip.media_path is not None
        assert check_media("youtube", "clip", clip.media_path) == [], clip.key


def test_media_are_valid_and_small(doc: CampaignDocument) -> None:
    paths = {c.media_path for c in doc.content if c.media_path is not None}
    for item in doc.content:
        if item.kind == "photo":
            assert item.media_path is not None
            assert check_media("facebook", "photo", item.media_path) == [], item.key
    assert sum(p.stat().st_size for p in paths) < 1_000_000


def test_every_channel_is_seeded_by_the_emulator(doc: CampaignDocument) -> None:
    for channel in doc.channels:
        pattern, top = (SEEDED_PAGE, 40) if channel.platform == "facebook" else (SEEDED_CHANNEL, 10)
        m = pattern.match(channel.external_id)
        assert m is not None, channel.key
        assert 1 <= int(m.group(1)) <= top, channel.key
    assert len({c.external_id for c in doc.channels}) == len(doc.channels)
    assert {"104251380000001", "UCvnGenderEquality0000001"} <= {c.external_id for c in doc.channels}
    youtube_units = {c.unit for c in doc.channels if c.platform == "youtube"}
    assert 2 <= len(youtube_units) <= 3


def test_every_day_of_the_month_has_a_publication(doc: CampaignDocument) -> None:
    slots = expand(doc)
    days = {s.at.date() for s in slots}
    month = [date(2025, 11, 15) + timedelta(days=i) for i in range(31)]
    assert [d for d in month if d not in days] == []
    assert 150 <= len(slots) <= 500  # a realistic month, not a flood
    assert {p.kind for p in doc.plans} == {"once", "recurring", "series"}


def test_reference_campaign_imports_and_takes_the_template_example(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    with Session(sqlite_engine, expire_on_commit=False) as s:
        report = import_campaign(s, REFERENCE)
        planned = len(s.exec(select(Publication)).all())
        # The template made without a campaign targets this one: its example row imports as is.
        sheet = write_template(tmp_path / "t.xlsx", lang="vi")
        added = import_sheet(s, sheet, "action-month-2025")
        s.commit()
        total = len(s.exec(select(Publication)).all())

    assert report.counts["publication"].created == planned == len(expand(load_campaign(REFERENCE)))
    assert (added.rows, added.created) == (1, 1)
    assert total == planned + 1


def test_sheet_rows_survive_a_campaign_file_reimport(sqlite_engine: Engine, tmp_path: Path) -> None:
    sheet = write_template(tmp_path / "t.xlsx", lang="en")
    with Session(sqlite_engine, expire_on_commit=False) as s:
        import_campaign(s, REFERENCE)
        import_sheet(s, sheet, "action-month-2025")
        s.commit()
        report = import_campaign(s, REFERENCE)  # the file does not know the sheet's rows
        again = import_sheet(s, sheet, "action-month-2025")
        s.commit()
        from_sheet = s.exec(select(Publication).where(Publication.plan_key == "sheet:t.xlsx")).all()

    assert not report.changed
    assert not [w for w in report.warnings if "sheet" in str(w)]
    assert (again.created, again.revived) == (0, 0)
    assert [p.state for p in from_sheet] == ["draft"]
