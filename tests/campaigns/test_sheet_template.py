"""The calendar template: headers in the chosen language, lists, formats, and a clean round trip."""

from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.errors import UserError
from campaigns.models import ContentItem, Publication
from campaigns.sheet_template import template_campaign, write_template
from campaigns.sheets import COLUMNS, column_for, import_sheet
from tests.campaigns.test_sheets import add_campaign


def validations(path: Path) -> dict[str, str]:
    """Cell range of each list validation on the plan sheet -> its formula."""
    ws = load_workbook(path).worksheets[0]
    return {str(dv.sqref): str(dv.formula1) for dv in ws.data_validations.dataValidation}


@pytest.mark.parametrize(
    ("lang", "first", "sheets"),
    [
        ("vi", "Ngày", ["Kế hoạch", "Hướng dẫn", "Danh sách"]),
        ("en", "Date", ["Plan", "Guide", "Lists"]),
    ],
)
def test_template_speaks_the_chosen_language(
    tmp_path: Path, lang: str, first: str, sheets: list[str]
) -> None:
    path = write_template(tmp_path / "t.xlsx", lang=lang)

    wb = load_workbook(path)
    assert wb.sheetnames == sheets
    assert wb[sheets[2]].sheet_state == "hidden"
    plan = wb.worksheets[0]
    headers = [c.value for c in plan[1]]
    assert headers[0] == first
    # Every header is one the importer reads back as its own column, in order.
    assert [column_for(str(h)) for h in headers] == [c.name for c in COLUMNS]
    assert plan.freeze_panes == "A2"
    assert plan["A3"].number_format == "DD/MM/YYYY"
    assert plan["B3"].number_format == "HH:MM"
    assert plan.column_dimensions["F"].width > plan.column_dimensions["B"].width
    assert validations(path) == {"D2:D501": '"post,link,photo,clip"'}
    guide = "\n".join(str(c.value) for row in wb.worksheets[1].iter_rows() for c in row if c.value)
    for column in COLUMNS:
        assert column.help_vi in guide
        assert column.help_en in guide


def test_template_for_a_campaign_lists_its_channels_and_objectives(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    with Session(sqlite_engine) as s:
        add_campaign(s)
        info = template_campaign(s, "am-test")
    path = write_template(tmp_path / "t.xlsx", lang="en", campaign=info)

    dvs = validations(path)
    assert dvs["C2:C501"] == "'Lists'!$A$2:$A$4"
    assert dvs["I2:I501"] == "'Lists'!$B$2:$B$5"
    lists = load_workbook(path)["Lists"]
    assert [lists.cell(row=r, column=1).value for r in range(2, 5)] == [
        "ncfaw-fb",
        "ha-noi-fb",
        "ncfaw-yt",
    ]
    guide = "\n".join(str(c.value) for row in load_workbook(path)["Guide"].iter_rows() for c in row)
    assert "15/11/2025 – 15/12/2025" in guide


def test_filled_template_imports_cleanly(sqlite_engine: Engine, tmp_path: Path) -> None:
    with Session(sqlite_engine, expire_on_commit=False) as s:
        add_campaign(s)
        info = template_campaign(s, "am-test")
    path = write_template(tmp_path / "ke-hoach.xlsx", lang="vi", campaign=info)
    wb = load_workbook(path)
    plan = wb.worksheets[0]
    # An officer keeps the example row and adds rows as Excel stores them: date and time cells,
    # and text typed over the formats.
    plan.append(
        [
            datetime(2025, 11, 25),
            time(7, 30),
            "ncfaw-fb, ha-noi-fb",
            "post",
            None,
            "25/11 — Ngày Quốc tế xóa bỏ bạo lực đối với phụ nữ.",
            None,
            None,
            "O2",
            "general",
        ]
    )
    plan.append(
        [
            "10/12/2025",
            "19:00",
            "ncfaw-yt",
            "clip",
            "Tổng đài 111",
            "Gọi 111.",
            None,
            "clip.mp4",
            "O4",
            "women",
        ]
    )
    plan.append(
        [
            datetime(2025, 12, 1),
            time(20, 0),
            "ha-noi-fb",
            "link",
            None,
            "Đọc thêm",
            "https://example.org/a",
            None,
            "O3",
            "parents",
        ]
    )
    wb.save(path)
    (tmp_path / "clip.mp4").write_bytes(
        (
            Path(__file__).resolve().parents[2] / "campaigns" / "media" / "clip-hotline.mp4"
        ).read_bytes()
    )

    with Session(sqlite_engine, expire_on_commit=False) as s:
        report = import_sheet(s, path, "am-test")
        s.commit()
        pubs = s.exec(select(Publication)).all()
        example = [c for c in s.exec(select(ContentItem)) if c.objectives == ["O1"]]

    assert (report.rows, report.created) == (4, 5)
    assert len(pubs) == 5
    # The example row imported as written: the campaign's first Facebook channel on its first day.
    assert any(p.slot_at.date() == date(2025, 11, 15) for p in pubs)
    assert len(example) == 1


def test_unknown_language_or_campaign_is_a_user_error(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    with pytest.raises(UserError, match="expected vi or en"):
        write_template(tmp_path / "t.xlsx", lang="fr")
    with pytest.raises(UserError, match=r"name it \.xlsx"):
        write_template(tmp_path / "t.xls")
    with Session(sqlite_engine) as s, pytest.raises(UserError, match="no campaign 'nope'"):
        template_campaign(s, "nope")
