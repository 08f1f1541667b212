"""What a report says, before it is written as a workbook, a web page or a PDF.

A report is a header, a few notices about its figures, anomaly notes, an optional narrative, and
sections: each a table (one sheet of the workbook, one block of the page) with an optional chart.
A cell holding `Missing` is a figure the engine could not give, with why ("no data", "no channel"):
the writers print that word, never a zero; `None` is an empty cell (nothing to say).
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Missing:
    """A figure that does not exist, and why ("no data", "no channel"); never written as 0."""

    why: str

    def __str__(self) -> str:
        return self.why


class Fmt(StrEnum):
    TEXT = "text"
    INT = "int"  # grouped whole numbers
    NUM = "num"  # two decimals
    PCT = "pct"  # a fraction shown as a percentage
    TIME = "time"  # an aware datetime, shown in the campaign's zone
    METRIC = "metric"  # as the row's metric is shown (rates as %, counts as whole numbers)


@dataclass(frozen=True)
class Column:
    name: str
    fmt: Fmt = Fmt.TEXT
    width: int = 14
    metric_column: int | None = None  # Fmt.METRIC: the column holding the row's metric key


@dataclass(frozen=True)
class Chart:
    """A chart of a section's table: categories from one column, one series per value column."""

    kind: str  # "bar" | "line"
    title: str
    category: int
    values: tuple[int, ...]
    rows: int | None = None  # the first rows only (a top list); None: all


@dataclass
class Section:
    key: str  # short name; the workbook's sheet name
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    chart: Chart | None = None
    note: str = ""  # shown under the title
    in_page: bool = True  # False: the workbook only (a list too long for the page and PDF)


@dataclass(frozen=True)
class Header:
    title: str
    campaign_key: str
    campaign_name: str
    scope: str  # "national" words or the unit's key and name
    period: str  # "2025-W47 (17/11/2025 - 23/11/2025)" or the campaign's days
    as_of: datetime
    generated_at: datetime
    zone: str
    lang: str
    lines: tuple[tuple[str, str], ...] = ()  # (label, value) for the header block


@dataclass
class Report:
    kind: str  # "weekly" | "final"
    stem: str  # the files' common name: campaign, kind, period, scope, language
    header: Header
    sections: list[Section]
    notices: list[str] = field(default_factory=list)  # what the figures rest on, what is absent
    anomalies: list[str] = field(default_factory=list)
    narrative: dict[str, list[str]] = field(default_factory=dict)  # lang -> paragraphs
    highlights: list[Section] = field(default_factory=list)  # top / bottom lists (HTML, PDF)

    def section(self, key: str) -> Section:
        for s in [*self.sections, *self.highlights]:
            if s.key == key:
                return s
        raise KeyError(key)

    @property
    def in_page(self) -> list[Section]:
        """The sections the web page and the PDF show, in order."""
        return [s for s in [*self.highlights, *self.sections] if s.in_page]

    @property
    def charts(self) -> list[Section]:
        """The sections drawn as a chart on the page."""
        return [s for s in self.in_page if s.chart is not None]
