"""The Excel template officers fill in for `loa calendar import`, in Vietnamese or English.

The first sheet is the plan (headers, widths, date/time formats, drop-down lists, one example
row); the second explains each column in both languages. With a campaign, the channel and
objective lists are the campaign's own and the example row uses them, so the template imports
as it is.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, col, select

from campaigns.errors import UserError
from campaigns.models import Campaign, Channel, ContentKind, Objective
from campaigns.sheets.columns import COLUMNS, header

LANGS = ("vi", "en")
ROWS = 500  # rows pre-formatted and covered by the drop-down lists
_HEAD_FILL = PatternFill("solid", fgColor="6A1B9A")
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_EXAMPLE_FONT = Font(italic=True, color="555555")

_TITLES = {
    "vi": ("Kế hoạch", "Hướng dẫn", "Danh sách"),
    "en": ("Plan", "Guide", "Lists"),
}


@dataclass(frozen=True)
class TemplateCampaign:
    """What the template needs of a campaign: its window, channels and objectives."""

    key: str
    name: str
    starts: date
    ends: date
    channels: tuple[tuple[str, str, str], ...]  # (key, platform, name)
    objectives: tuple[tuple[str, str], ...]  # (key, title)


def template_campaign(session: Session, key: str) -> TemplateCampaign:
    """The campaign `key` as the template shows it; UserError when there is none."""
    campaign = session.exec(select(Campaign).where(Campaign.key == key)).first()
    if campaign is None:
        raise UserError(f"no campaign '{key}'; import its campaign file first")
    channels = session.exec(
        select(Channel).where(Channel.campaign_id == campaign.id).order_by(col(Channel.id))
    ).all()
    objectives = session.exec(
        select(Objective)
        .where(Objective.campaign_id == campaign.id)
        .order_by(col(Objective.position), col(Objective.id))
    ).all()
    return TemplateCampaign(
        key=campaign.key,
        name=campaign.name,
        starts=campaign.starts,
        ends=campaign.ends,
        channels=tuple((c.key, c.platform, c.name) for c in channels),
        objectives=tuple((o.key, o.title) for o in objectives),
    )


def _example(campaign: TemplateCampaign | None, lang: str) -> dict[str, object]:
    """One row that imports as it is into `campaign` (or into the reference campaign)."""
    channel, objective, day = "ncfaw-fb", "O3", date(2025, 11, 25)
    if campaign is not None:
        facebook = [c[0] for c in campaign.channels if c[1] == "facebook"]
        channel = (
            facebook[0] if facebook else (campaign.channels[0][0] if campaign.channels else "")
        )
        objective = campaign.objectives[0][0] if campaign.objectives else ""
        day = campaign.starts
    message = (
        "Tổng đài quốc gia bảo vệ trẻ em 111: miễn phí, 24/7. Hãy lưu số 111 vào điện thoại. "
        "#BanKhongDonDoc"
    )
    platforms = {c[0]: c[1] for c in campaign.channels} if campaign is not None else {}
    # A campaign with YouTube channels only gets a clip row; its media is the officer's to add.
    kind = ContentKind.CLIP.value if platforms.get(channel) == "youtube" else ContentKind.POST.value
    return {
        "date": datetime(day.year, day.month, day.day),
        "time": time(9, 0),
        "channel": channel,
        "kind": kind,
        "title": "Tổng đài 111" if kind == ContentKind.CLIP else "",
        "message": message,
        "objectives": objective,
        "audiences": "general" if lang == "en" else "general, parents",
    }


def _plan_sheet(ws: Worksheet, lang: str, campaign: TemplateCampaign | None) -> None:
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index, value=header(column.name, lang))
        cell.fill = _HEAD_FILL
        cell.font = _HEAD_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = column.width + 2
    ws.freeze_panes = "A2"
    letters = {c.name: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    # Excel shows the formats; the importer reads date and time cells whatever their format.
    for row in range(2, ROWS + 2):
        ws[f"{letters['date']}{row}"].number_format = "DD/MM/YYYY"
        ws[f"{letters['time']}{row}"].number_format = "HH:MM"
        ws[f"{letters['message']}{row}"].alignment = Alignment(wrap_text=True, vertical="top")
    example = _example(campaign, lang)
    for name, value in example.items():
        cell = ws[f"{letters[name]}2"]
        cell.value = value
        cell.font = _EXAMPLE_FONT


def _validations(
    ws: Worksheet, lists: Worksheet, lang: str, campaign: TemplateCampaign | None
) -> None:
    letters = {c.name: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    last = ROWS + 1
    kinds = DataValidation(
        type="list",
        formula1='"' + ",".join(k.value for k in ContentKind) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Loại" if lang == "vi" else "Kind",
        error="post, link, photo, clip",
    )
    kinds.add(f"{letters['kind']}2:{letters['kind']}{last}")
    ws.add_data_validation(kinds)
    if campaign is None:
        return
    # Lists live on a hidden sheet: an inline list is capped at 255 characters. A cell may name
    # several channels or objectives, so these lists suggest without refusing other input.
    for column, (name, values) in enumerate(
        (
            ("channel", [c[0] for c in campaign.channels]),
            ("objectives", [o[0] for o in campaign.objectives]),
        ),
        start=1,
    ):
        if not values:
            continue
        letter = get_column_letter(column)
        lists.cell(row=1, column=column, value=name)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=column, value=value)
        dv = DataValidation(
            type="list",
            formula1=f"'{lists.title}'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=False,
        )
        dv.add(f"{letters[name]}2:{letters[name]}{last}")
        ws.add_data_validation(dv)


_GUIDE_INTRO = (
    (
        "Điền mỗi dòng một bài đăng; dòng 2 là ví dụ, hãy sửa hoặc xóa. Lưu dưới dạng .xlsx hoặc "
        "CSV UTF-8 rồi chạy: loa calendar import TỆP --campaign MÃ_CHIẾN_DỊCH"
    ),
    (
        "One publication per row; row 2 is an example: edit or delete it. Save as .xlsx or "
        "CSV UTF-8, then run: loa calendar import FILE --campaign CAMPAIGN_KEY"
    ),
    (
        "Mọi dòng sai đều được báo kèm số dòng; không dòng nào được nhập khi còn lỗi. "
        "Nhập lại cùng một bảng tính không tạo bài trùng."
    ),
    (
        "Every bad row is reported with its row number; nothing is imported while any row is "
        "bad. Importing the same sheet again creates no duplicates."
    ),
)


def _guide_sheet(ws: Worksheet, lang: str, campaign: TemplateCampaign | None) -> None:
    bold = Font(bold=True)
    row = 1
    for line in _GUIDE_INTRO:
        ws.cell(row=row, column=1, value=line)
        row += 1
    row += 1
    heads = ("Cột", "Column", "Bắt buộc / Required", "Hướng dẫn", "Explanation", "Ví dụ / Example")
    for column, text in enumerate(heads, start=1):
        ws.cell(row=row, column=column, value=text).font = bold
    for col_doc in COLUMNS:
        row += 1
        values = (
            col_doc.vi,
            col_doc.en,
            "có / yes" if col_doc.required else "không / no",
            col_doc.help_vi,
            col_doc.help_en,
            col_doc.example,
        )
        for column, text in enumerate(values, start=1):
            ws.cell(row=row, column=column, value=text).alignment = Alignment(
                wrap_text=True, vertical="top"
            )
    for letter, width in zip("ABCDEF", (12, 12, 18, 60, 60, 30), strict=True):
        ws.column_dimensions[letter].width = width
    if campaign is None:
        return
    row += 2
    ws.cell(row=row, column=1, value=f"{campaign.key}: {campaign.name}").font = bold
    row += 1
    window = f"{campaign.starts:%d/%m/%Y} – {campaign.ends:%d/%m/%Y}"
    ws.cell(row=row, column=1, value=f"Thời gian / Window: {window}")
    row += 2
    ws.cell(row=row, column=1, value="Kênh / Channels").font = bold
    for key, platform, name in campaign.channels:
        row += 1
        for column, text in enumerate((key, platform, name), start=1):
            ws.cell(row=row, column=column, value=text)
    row += 2
    ws.cell(row=row, column=1, value="Mục tiêu / Objectives").font = bold
    for key, title in campaign.objectives:
        row += 1
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=title)


def write_template(
    out: Path, *, lang: str = "vi", campaign: TemplateCampaign | None = None
) -> Path:
    """Write the template to `out` (.xlsx) and return it; UserError for an unknown language."""
    if lang not in LANGS:
        raise UserError(f"unknown language '{lang}'; expected vi or en")
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"{out}: the template is an Excel workbook; name it .xlsx")
    plan_title, guide_title, lists_title = _TITLES[lang]
    wb = Workbook()
    plan = wb.active
    assert plan is not None
    plan.title = plan_title
    guide = wb.create_sheet(guide_title)
    lists = wb.create_sheet(lists_title)
    lists.sheet_state = "hidden"
    _plan_sheet(plan, lang, campaign)
    _validations(plan, lists, lang, campaign)
    _guide_sheet(guide, lang, campaign)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
