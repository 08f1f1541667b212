"""Reading a report workbook back: its sheets by section, its tables as dicts by column name."""

from typing import Any

from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from analytics_app.reports.content import Report


def sheet_of(wb: Workbook, report: Report, key: str) -> Worksheet:
    """The sheet of section `key` (the notes sheet comes first, then sections, then highlights)."""
    order = [s.key for s in [*report.sections, *report.highlights]]
    ws = wb.worksheets[1 + order.index(key)]
    assert isinstance(ws, Worksheet)
    return ws


def find_header(ws: Worksheet) -> int:
    """The row of the table's header: the first filled row after the header block's gap."""
    for row in range(2, 30):
        if ws.cell(row, 1).value is None and ws.cell(row + 1, 1).value is not None:
            return row + 1
    raise AssertionError(f"no table in {ws.title}")


def table(ws: Worksheet, *, formats: bool = False) -> list[dict[str, Any]]:
    top = find_header(ws)
    names = []
    col = 1
    while ws.cell(top, col).value is not None:
        names.append(str(ws.cell(top, col).value))
        col += 1
    rows: list[dict[str, Any]] = []
    r = top + 1
    while ws.cell(r, 1).value is not None:
        row: dict[str, Any] = {n: ws.cell(r, i + 1).value for i, n in enumerate(names)}
        if formats:
            row["__formats__"] = {n: ws.cell(r, i + 1).number_format for i, n in enumerate(names)}
        rows.append(row)
        r += 1
    return rows
