"""Reading a sheet (.xlsx, or CSV as Excel saves it) into numbered rows of named cells.

Row numbers are those Excel shows: the header is row 1. Every header problem is reported at once;
the rows themselves are checked by the importer.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from campaigns.errors import Problem
from campaigns.sheets.cells import Cell, is_blank, text
from campaigns.sheets.columns import COLUMNS, column_for

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES = frozenset({".csv", ".txt"})


@dataclass(frozen=True)
class SheetRow:
    number: int  # as Excel shows it
    cells: dict[str, Cell]  # canonical column name -> raw value


@dataclass
class Sheet:
    display: str
    headers: dict[str, str] = field(default_factory=dict)  # canonical name -> header as written
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, row: int | None, column: str, message: str) -> None:
        self.problems.append(Problem(self.display, row, column, message))

    def label(self, name: str) -> str:
        """The column as the officer's sheet names it, for messages."""
        return self.headers.get(name, name)


def read_sheet(path: Path, display: str | None = None) -> Sheet:
    """Read `path`; a file that cannot be read becomes a problem, never an exception."""
    sheet = Sheet(display if display is not None else str(path))
    suffix = path.suffix.lower()
    if not path.is_file():
        sheet.problem(None, "file", "file not found")
        return sheet
    if suffix in EXCEL_SUFFIXES:
        raw = _excel_rows(path, sheet)
    elif suffix in CSV_SUFFIXES:
        raw = _csv_rows(path, sheet)
    elif suffix == ".xls":
        sheet.problem(None, "file", "old .xls workbooks are not read; save as .xlsx or CSV UTF-8")
        return sheet
    else:
        sheet.problem(None, "file", "expected an Excel workbook (.xlsx) or a CSV file (.csv)")
        return sheet
    if raw:
        _take(sheet, raw)
    elif not sheet.problems:
        sheet.problem(1, "header", "the sheet is empty; the first row must name the columns")
    return sheet


def _excel_rows(path: Path, sheet: Sheet) -> list[tuple[Cell, ...]]:
    try:
        # Not read-only: officers' sheets are small, and read-only mode skips empty rows' numbers.
        workbook = load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        sheet.problem(None, "file", f"not a readable Excel workbook ({exc.__class__.__name__})")
        return []
    try:
        ws = workbook.worksheets[0]  # the plan; a template's guide sheets come after it
        return [tuple(_plain(v) for v in row) for row in ws.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _plain(value: object) -> Cell:
    """Rich text, decimals and formulas as the plain values the checks understand."""
    if value is None or isinstance(value, str | int | float | date | time | timedelta):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def _csv_rows(path: Path, sheet: Sheet) -> list[tuple[Cell, ...]]:
    try:
        # utf-8-sig drops the BOM that Excel's "CSV UTF-8" writes.
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        sheet.problem(None, "file", "not UTF-8 text; in Excel use Save As > CSV UTF-8")
        return []
    first = content.split("\n", 1)[0]
    # Excel writes ';' where the decimal separator is ',' (Vietnamese locale), ',' elsewhere.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [tuple(r) for r in csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)]


def _take(sheet: Sheet, raw: list[tuple[Cell, ...]]) -> None:
    names: dict[int, str] = {}  # column index -> canonical name
    for index, value in enumerate(raw[0]):
        if is_blank(value):
            continue
        written = text(value)
        name = column_for(written)
        if name is None:
            expected = ", ".join(c.name for c in COLUMNS)
            sheet.problem(1, written, f"unknown column; expected one of: {expected}")
        elif name in sheet.headers:
            sheet.problem(1, written, f"the column {name} appears twice")
        else:
            names[index] = name
            sheet.headers[name] = written
    for col in COLUMNS:
        if col.required and col.name not in sheet.headers:
            sheet.problem(1, col.name, f"missing column (header '{col.en}' or '{col.vi}')")
    for number, values in enumerate(raw[1:], start=2):
        if all(is_blank(v) for v in values):
            continue
        cells: dict[str, Cell] = {}
        for index, value in enumerate(values):
            if index in names:
                cells[names[index]] = value
            elif not is_blank(value) and not is_blank(
                raw[0][index] if index < len(raw[0]) else None
            ):
                continue  # under an unknown header, already reported on row 1
            elif not is_blank(value):
                sheet.problem(
                    number, f"column {get_column_letter(index + 1)}", "value under no header"
                )
        sheet.rows.append(SheetRow(number, cells))
