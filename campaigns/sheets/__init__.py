"""Officers' Excel and CSV calendars: reading, checking and importing them into a campaign."""

from campaigns.sheets.columns import COLUMNS, Column, column_for, fold, header
from campaigns.sheets.importer import (
    CONTENT_KEY_PREFIX,
    PLAN_KEY_PREFIX,
    SheetReport,
    import_sheet,
)
from campaigns.sheets.reader import Sheet, SheetRow, read_sheet

__all__ = [
    "COLUMNS",
    "CONTENT_KEY_PREFIX",
    "PLAN_KEY_PREFIX",
    "Column",
    "Sheet",
    "SheetReport",
    "SheetRow",
    "column_for",
    "fold",
    "header",
    "import_sheet",
    "read_sheet",
]
