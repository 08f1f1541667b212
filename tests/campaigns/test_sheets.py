"""Officers' Excel/CSV calendars: headers in two languages, cell formats, every bad row, idempotence."""

import shutil
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from campaigns.errors import UserError, ValidationFailed
from campaigns.models import (
    Campaign,
    Channel,
    ContentItem,
    Objective,
    Publication,
    PublicationState,
    Unit,
)
from campaigns.sheets import column_for, import_sheet
from campaigns.sheets.cells import CellError, parse_date, parse_list, parse_time
from tests.conftest import REPO

MEDIA = REPO / "campaigns" / "media"
EN = [
    "Date",
    "Time",
    "Channel",
    "Kind",
    "Title",
    "Message",
    "Link",
    "Media",
    "Objectives",
    "Audiences",
]
VI = [
    "Ngày",
    "Giờ",
    "Kênh",
    "Loại",
    "Tiêu đề",
    "Nội dung",
    "Liên kết",
    "Tệp",
    "Mục tiêu",
    "Đối tượng",
]


def add_campaign(session: Session, key: str = "am-test") -> Campaign:
    """A small campaign written straight into the tables, as an import of its file leaves it."""
    campaign = Campaign(
        key=key,
        name="Tháng hành động",
        starts=date(2025, 11, 15),
        ends=date(2025, 12, 15),
        timezone="Asia/Ho_Chi_Minh",
        approval="required",
    )
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    unit = Unit(campaign_id=campaign.id, key="ncfaw", name="Ủy ban", kind="committee")
    hanoi = Unit(campaign_id=campaign.id, key="ha-noi", name="Hà Nội", kind="province")
    session.add_all([unit, hanoi])
    session.flush()
    for ckey, platform, ext, u in (
        ("ncfaw-fb", "facebook", "104251380000001", unit),
        ("ha-noi-fb", "facebook", "104251380000002", hanoi),
        ("ncfaw-yt", "youtube", "UCvnGenderEquality0000001", unit),
    ):
        session.add(
            Channel(
                campaign_id=campaign.id,
                key=ckey,
                platform=platform,
                external_id=ext,
                name=ckey,
                unit_id=u.id,
            )
        )
    for i, okey in enumerate(["O1", "O2", "O3", "O4"]):
        session.add(Objective(campaign_id=campaign.id, key=okey, title=okey, position=i))
    session.commit()
    return campaign


@pytest.fixture
def db(sqlite_engine: Engine) -> Iterator[Session]:
    with Session(sqlite_engine, expire_on_commit=False) as session:
        add_campaign(session)
        yield session


def write_xlsx(path: Path, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def publications(session: Session) -> list[Publication]:
    return list(
        session.exec(
            select(Publication).order_by(col(Publication.scheduled_at), col(Publication.id))
        )
    )


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_english_sheet_with_excel_date_and_time_cells(db: Session, tmp_path: Path) -> None:
    shutil.copy(MEDIA / "launch.png", tmp_path / "banner.png")
    shutil.copy(MEDIA / "clip-hotline.mp4", tmp_path / "hotline.mp4")
    sheet = write_xlsx(
        tmp_path / "plan.xlsx",
        EN,
        [
            [
                date(2025, 11, 25),
                time(7, 30),
                "ncfaw-fb, ha-noi-fb",
                "post",
                None,
                "25/11 — Ngày Quốc tế xóa bỏ bạo lực đối với phụ nữ.",
                None,
                None,
                "O2; O3",
                "general",
            ],
            [
                datetime(2025, 11, 26),
                time(9, 0),
                "ncfaw-fb",
                "photo",
                None,
                "Lan tỏa thông điệp",
                None,
                "banner.png",
                "O1",
                "general, youth",
            ],
            [
                date(2025, 12, 10),
                time(19, 0),
                "ncfaw-yt",
                "clip",
                "Tổng đài 111 — Bạn không đơn độc",
                "Gọi 111 để được hỗ trợ.",
                None,
                "hotline.mp4",
                "O4",
                "women",
            ],
            [
                date(2025, 12, 1),
                time(20, 0),
                "ha-noi-fb",
                "link",
                None,
                "Cha mẹ đồng hành cùng con.",
                "https://example.org/an-toan",
                None,
                "O3",
                "parents",
            ],
        ],
    )
    report = import_sheet(db, sheet, "am-test")
    db.commit()

    assert (report.rows, report.created, report.unchanged) == (4, 5, 0)
    pubs = publications(db)
    assert len(pubs) == 5
    # 07:30 in Ha Noi is 00:30 UTC.
    assert pubs[0].scheduled_at == datetime(2025, 11, 25, 0, 30, tzinfo=UTC)
    assert {p.state for p in pubs} == {PublicationState.DRAFT}  # approval: required
    assert all(p.plan_key == "sheet:plan.xlsx" for p in pubs)
    items = {c.kind: c for c in db.exec(select(ContentItem))}
    assert set(items) == {"post", "photo", "clip", "link"}
    assert items["post"].objectives == ["O2", "O3"]
    assert items["photo"].audiences == ["general", "youth"]
    assert Path(items["photo"].media_path) == (tmp_path / "banner.png").resolve()
    assert items["clip"].title == "Tổng đài 111 — Bạn không đơn độc"
    assert items["clip"].description == "Gọi 111 để được hỗ trợ."
    assert items["link"].link == "https://example.org/an-toan"
    assert all(c.key.startswith("sheet-") and c.content_hash for c in items.values())


def test_vietnamese_headers_text_dates_and_kind_names(db: Session, tmp_path: Path) -> None:
    headers = [
        "NGÀY",
        "gio",
        "Kênh",
        "Loai",
        "Tiêu Đề",
        "nội dung",
        "Liên kết",
        "Phương tiện",
        "Mục tiêu (mã)",
        "Đối tượng",
    ]
    sheet = write_xlsx(
        tmp_path / "ke-hoach.xlsx",
        headers,
        [
            [
                "25/11/2025",
                "20h30",
                "ncfaw-fb",
                "Bài viết",
                None,
                "Không chia sẻ mã OTP.",
                None,
                None,
                "o2",
                "youth",
            ],
            [
                "2025-11-26",
                "8:05",
                "HA-NOI-FB",
                "post",
                None,
                "Bật xác thực hai lớp.",
                None,
                None,
                "O2",
                "general",
            ],
        ],
    )
    report = import_sheet(db, sheet, "am-test")

    assert report.created == 2
    pubs = publications(db)
    assert [p.scheduled_at for p in pubs] == [
        datetime(2025, 11, 25, 13, 30, tzinfo=UTC),
        datetime(2025, 11, 26, 1, 5, tzinfo=UTC),
    ]
    first = db.get(ContentItem, pubs[0].content_id)
    assert first is not None
    assert (first.kind, first.objectives) == ("post", ["O2"])


@pytest.mark.parametrize(("bom", "sep"), [(True, ";"), (False, ",")])
def test_csv_utf8_with_or_without_bom_and_either_delimiter(
    db: Session, tmp_path: Path, bom: bool, sep: str
) -> None:
    decomposed = unicodedata.normalize("NFD", "Phụ nữ, trẻ em gái an toàn trên mạng")
    lines = [
        sep.join(VI),
        sep.join(
            [
                "25/11/2025",
                "07:30",
                '"ncfaw-fb, ha-noi-fb"',
                "post",
                "",
                f'"{decomposed}"',
                "",
                "",
                "O2",
                "women",
            ]
        ),
        sep.join(["26/11/2025", "09:00", "ncfaw-fb", "post", "", "Gọi 111", "", "", "O3", ""]),
    ]
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    path = tmp_path / "plan.csv"
    path.write_bytes(b"\xef\xbb\xbf" + data if bom else data)

    report = import_sheet(db, path, "am-test")

    assert (report.rows, report.created) == (2, 3)
    messages = {c.message for c in db.exec(select(ContentItem))}
    assert unicodedata.normalize("NFC", decomposed) in messages  # stored composed


def test_every_bad_row_is_reported_and_nothing_is_imported(db: Session, tmp_path: Path) -> None:
    long_title = "Đ" * 120  # over YouTube's 100 characters
    rows: list[list[object]] = [
        [
            date(2025, 11, 20),
            time(8, 0),
            "ncfaw-fb",
            "post",
            None,
            "Hàng đúng",
            None,
            None,
            "O1",
            "",
        ],
        [date(2025, 11, 20), time(9, 0), "hanoi-fb", "post", None, "Kênh sai", None, None, "", ""],
        ["31/11/2025", time(9, 0), "ncfaw-fb", "post", None, "Ngày sai", None, None, "", ""],
        [date(2025, 12, 20), time(9, 0), "ncfaw-fb", "post", None, "Ngoài đợt", None, None, "", ""],
        [date(2025, 11, 21), time(9, 0), "ncfaw-yt", "post", None, "YouTube", None, None, "", ""],
        [
            date(2025, 11, 22),
            time(9, 0),
            "ncfaw-fb",
            "post",
            None,
            "Mục tiêu",
            None,
            None,
            "O9",
            "",
        ],
        [
            date(2025, 11, 23),
            time(9, 0),
            "ncfaw-fb",
            "photo",
            None,
            "Thiếu ảnh",
            None,
            None,
            "",
            "",
        ],
        [
            date(2025, 11, 24),
            time(9, 0),
            "ncfaw-yt",
            "clip",
            long_title,
            "Mô tả",
            None,
            str(MEDIA / "clip-hotline.mp4"),
            "",
            "",
        ],
        [date(2025, 11, 25), "25:00", "ncfaw-fb", "tweet", None, "Giờ và loại", None, None, "", ""],
    ]
    sheet = write_xlsx(tmp_path / "bad.xlsx", VI, rows)

    with pytest.raises(ValidationFailed) as caught:
        import_sheet(db, sheet, "am-test", display="bad.xlsx")

    problems = caught.value.problems
    assert {p.line for p in problems} == set(range(3, 11))  # row 2 is fine; header is row 1
    lines = str(caught.value).splitlines()
    assert (
        "bad.xlsx:3: Kênh: no channel 'hanoi-fb' in campaign am-test (did you mean 'ha-noi-fb'?)"
        in lines
    )
    assert any(
        line.startswith("bad.xlsx:4: Ngày: '31/11/2025' is not a valid date") for line in lines
    )
    assert any(
        line.startswith("bad.xlsx:5: Ngày: 20/12/2025 is outside the campaign window")
        for line in lines
    )
    assert any(line.startswith("bad.xlsx:6: Loại: YouTube takes clips only") for line in lines)
    assert any(line.startswith("bad.xlsx:7: Mục tiêu: no objective 'O9'") for line in lines)
    assert any(line.startswith("bad.xlsx:8: Tệp: a photo needs a media file") for line in lines)
    assert any(line.startswith("bad.xlsx:9: Tiêu đề: 120 characters") for line in lines)
    assert {p.path for p in problems if p.line == 10} == {"Giờ", "Loại"}
    assert count(db, Publication) == 0
    assert count(db, ContentItem) == 0


def test_unknown_and_missing_columns_are_named(db: Session, tmp_path: Path) -> None:
    sheet = write_xlsx(
        tmp_path / "cols.xlsx",
        ["Ngày", "Giờ", "Ghi chú", "Loại", "Nội dung"],
        [[date(2025, 11, 20), time(8, 0), "x", "post", "Xin chào"]],
    )
    with pytest.raises(ValidationFailed) as caught:
        import_sheet(db, sheet, "am-test", display="cols.xlsx")
    lines = str(caught.value).splitlines()
    assert any(line.startswith("cols.xlsx:1: Ghi chú: unknown column") for line in lines)
    assert any(line.startswith("cols.xlsx:1: channel: missing column") for line in lines)


def test_duplicate_rows_in_one_sheet_are_an_error(db: Session, tmp_path: Path) -> None:
    row = [
        date(2025, 11, 20),
        time(8, 0),
        "ncfaw-fb",
        "post",
        None,
        "Một lần thôi",
        None,
        None,
        "",
        "",
    ]
    sheet = write_xlsx(tmp_path / "dup.xlsx", EN, [row, row])
    with pytest.raises(ValidationFailed) as caught:
        import_sheet(db, sheet, "am-test", display="dup.xlsx")
    assert [str(p) for p in caught.value.problems] == [
        "dup.xlsx:3: Channel: same content, channel ncfaw-fb and time as row 2"
    ]


def test_importing_the_same_sheet_twice_changes_nothing(any_engine: Engine, tmp_path: Path) -> None:
    shutil.copy(MEDIA / "launch.png", tmp_path / "banner.png")
    sheet = write_xlsx(
        tmp_path / "plan.xlsx",
        EN,
        [
            [
                date(2025, 11, 25),
                time(7, 30),
                "ncfaw-fb, ha-noi-fb",
                "post",
                None,
                "Orange Day",
                None,
                None,
                "O2",
                "general",
            ],
            [
                date(2025, 11, 26),
                time(9, 0),
                "ha-noi-fb",
                "photo",
                None,
                "Ảnh",
                None,
                "banner.png",
                "O1",
                "",
            ],
        ],
    )
    with Session(any_engine, expire_on_commit=False) as s:
        add_campaign(s)
        first = import_sheet(s, sheet, "am-test")
        s.commit()
        before = [(p.id, p.dedupe_key, p.updated_at) for p in publications(s)]
    with Session(any_engine, expire_on_commit=False) as s:
        second = import_sheet(s, sheet, "am-test")
        s.commit()
        after = [(p.id, p.dedupe_key, p.updated_at) for p in publications(s)]
        items = count(s, ContentItem)

    assert (first.created, first.unchanged) == (3, 0)
    assert (second.created, second.unchanged, second.content_created) == (0, 3, 0)
    assert after == before
    assert items == 2


def test_unknown_campaign_is_a_user_error(db: Session, tmp_path: Path) -> None:
    sheet = write_xlsx(tmp_path / "p.xlsx", EN, [])
    with pytest.raises(UserError, match="no campaign 'nope'"):
        import_sheet(db, sheet, "nope")


def test_unreadable_files_are_problems_not_tracebacks(db: Session, tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Ngày;Kênh\n".encode("cp1258"))  # an old Windows code page
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    for path, expected in ((latin, "not UTF-8"), (fake, "not a readable Excel workbook")):
        with pytest.raises(ValidationFailed, match=expected):
            import_sheet(db, path, "am-test")


def test_headers_match_without_case_diacritics_or_hints() -> None:
    assert column_for("NỘI DUNG") == "message"
    assert column_for("Doi tuong") == "audiences"
    assert column_for("Date (dd/mm/yyyy)") == "date"
    assert column_for("Tệp") == column_for("Phương tiện") == "media"
    assert column_for("Ghi chú") is None


def test_cells_parse_the_ways_officers_write_them() -> None:
    assert parse_date("5/1/2025") == date(2025, 1, 5)  # day first
    assert parse_date("2025-11-25") == date(2025, 11, 25)
    assert parse_date(45986) == date(2025, 11, 25)  # Excel serial day
    assert parse_time("8h") == time(8, 0)
    assert parse_time("20:00:00") == time(20, 0)
    assert parse_time(0.3125) == time(7, 30)  # Excel fraction of a day
    assert parse_list("O1; O2,O2\nO3") == ["O1", "O2", "O3"]
    for bad in ("25-13-2025", "tomorrow"):
        with pytest.raises(CellError):
            parse_date(bad)
    with pytest.raises(CellError):
        parse_time("24:00")


def test_control_characters_in_text_are_located_errors(db: Session, tmp_path: Path) -> None:
    # PostgreSQL refuses NUL in text (the insert would fail with a traceback) and the platforms
    # refuse control characters: the row is reported like any other bad cell.
    path = tmp_path / "plan.csv"
    lines = [
        ",".join(EN),
        "25/11/2025,07:30,ncfaw-fb,post,,Gọi\x00 111,,,O3,",
        "26/11/2025,07:30,ncfaw-fb,post,Tiêu\x07 đề,Gọi 111,,,O3,",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        import_sheet(db, path, "am-test")
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:2: Message: contains a control character (U+0000) the platforms refuse",
        f"{path}:3: Title: contains a control character (U+0007) the platforms refuse",
    ]
    assert count(db, Publication) == 0
    # Tabs and line breaks inside a quoted cell are ordinary text.
    path.write_text(
        lines[0] + '\n27/11/2025,07:30,ncfaw-fb,post,,"Một\tvà\nhai",,,O3,\n', encoding="utf-8"
    )
    assert import_sheet(db, path, "am-test").rows == 1
