"""A report as an Excel workbook (openpyxl): one sheet per section, a notes sheet first.

Every sheet opens with the same header (report, campaign, scope, period, "as of"); the table's
header row is frozen below it; numbers carry Excel number formats (rates as percentages); an
absent figure is written as the word that says why, in grey italics, never as 0; sections with a
chart get a native Excel chart beside the table (absent figures are gaps in it, not zeros).
"""

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analytics_app.reports.content import Fmt, Missing, Report, Section
from analytics_app.reports.labels import word
from campaigns.vocabulary import TERMS

FORMATS = {
    Fmt.INT: "#,##0",
    Fmt.NUM: "#,##0.00",
    Fmt.PCT: "0.0%",
    Fmt.TIME: "dd/mm/yyyy hh:mm",
}
HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
HEAD_FONT = Font(bold=True, color="FFFFFF")
MISSING_FONT = Font(italic=True, color="808080")
_BAD = re.compile(r"[\[\]:*?/\\]")


def metric_format(metric: str) -> str:
    term = TERMS.get(metric)
    if term is not None and term.unit == "%":
        return "0.0%"
    if term is not None and term.unit in ("h", "s"):
        return "#,##0.00"
    return "#,##0"


def sheet_name(title: str, taken: set[str]) -> str:
    """A legal, unique sheet name (31 characters, none of []:*?/\\)."""
    base = _BAD.sub("-", title)[:31].strip() or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def header_rows(report: Report, ws: Worksheet, sheet_title: str, note: str) -> int:
    """Writes the common header; returns the row of the table's header."""
    h = report.header
    ws.cell(1, 1, f"{h.title} — {sheet_title}").font = Font(bold=True, size=14)
    row = 2
    for label, value in h.lines:
        ws.cell(row, 1, label).font = Font(bold=True)
        ws.cell(row, 2, value)
        row += 1
    if note:
        ws.cell(row, 1, note).font = Font(italic=True)
    return row + 2


def _cell_value(value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        # Excel has no time zones: the campaign zone's wall time, as the header says.
        return value.astimezone(zone).replace(tzinfo=None)
    if isinstance(value, Missing):
        return value.why
    return value


def write_section(report: Report, ws: Worksheet, section: Section, zone: ZoneInfo) -> None:
    top = header_rows(report, ws, section.title, section.note)
    for c, column in enumerate(section.columns, start=1):
        cell = ws.cell(top, c, column.name)
        cell.font, cell.fill = HEAD_FONT, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(c)].width = column.width
    for r, values in enumerate(section.rows, start=top + 1):
        for c, (column, value) in enumerate(zip(section.columns, values, strict=True), start=1):
            cell = ws.cell(r, c, _cell_value(value, zone))
            if isinstance(value, Missing):
                cell.font = MISSING_FONT
            elif column.fmt == Fmt.METRIC and column.metric_column is not None:
                cell.number_format = metric_format(str(values[column.metric_column]))
            elif column.fmt in FORMATS:
                cell.number_format = FORMATS[column.fmt]
    ws.freeze_panes = f"A{top + 1}"
    if not section.rows:
        ws.cell(top + 1, 1, word("chart_no_data", report.header.lang)).font = MISSING_FONT
    if section.chart is not None and section.rows:
        _chart(ws, section, top)


CHART_DATA_GAP = 20  # hidden chart columns start this far right of the table


def _chart(ws: Worksheet, section: Section, top: int) -> None:
    """A native chart of the section. Excel plots a text cell as 0, so the chart reads a hidden
    copy of its columns where an absent figure is an empty cell, drawn as a gap."""
    spec = section.chart
    assert spec is not None
    rows = section.rows[: spec.rows] if spec.rows else section.rows
    first = len(section.columns) + CHART_DATA_GAP
    for offset, col in enumerate((spec.category, *spec.values)):
        c = first + offset
        ws.cell(top, c, section.columns[col].name)
        for r, values in enumerate(rows, start=top + 1):
            value = values[col]
            if offset == 0:
                ws.cell(r, c, str(value))
            elif isinstance(value, int | float):
                ws.cell(r, c, value)
        ws.column_dimensions[get_column_letter(c)].hidden = True
    last = top + len(rows)
    chart = LineChart() if spec.kind == "line" else BarChart()
    chart.title = spec.title
    chart.height, chart.width = 8, 16
    chart.display_blanks = "gap"
    for offset in range(1, len(spec.values) + 1):
        data = Reference(ws, min_col=first + offset, min_row=top, max_row=last)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=first, min_row=top + 1, max_row=last))
    anchor = get_column_letter(len(section.columns) + 2)
    ws.add_chart(chart, f"{anchor}{top}")


def notes_sheet(report: Report, ws: Worksheet) -> None:
    lang = report.header.lang
    row = header_rows(report, ws, word("notes", lang), "") - 1
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 110
    blocks: list[tuple[str, list[str]]] = [
        (word("notices", lang), report.notices),
        (word("notes", lang), report.anomalies),
    ]
    for code in ("vi", "en"):
        if code in report.narrative:
            blocks.append((f"{word('narrative', lang)} ({code})", report.narrative[code]))
    for title, lines in blocks:
        ws.cell(row, 1, title).font = Font(bold=True)
        for line in lines or ["—"]:
            cell = ws.cell(row, 2, line)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
        row += 1


def write_xlsx(report: Report, path: Path) -> Path:
    zone = ZoneInfo(report.header.zone)
    wb = Workbook()
    taken: set[str] = set()
    notes = wb.active
    assert notes is not None
    notes.title = sheet_name(word("notes", report.header.lang), taken)
    notes_sheet(report, notes)
    for section in [*report.sections, *report.highlights]:
        ws = wb.create_sheet(sheet_name(section.title, taken))
        write_section(report, ws, section, zone)
    wb.save(path)
    return path
