"""Every table leaves the app with its context: campaign, filters, and the moment it is as of."""

import io
from datetime import UTC, datetime

import pandas as pd
from openpyxl import load_workbook

from analytics_app.components.export import context_rows, to_csv, to_xlsx
from analytics_app.services.filters import Filters

AS_OF = datetime(2025, 11, 20, 16, 59, tzinfo=UTC)
EXPORTED = datetime(2025, 11, 21, 1, 0, tzinfo=UTC)


def context() -> list[tuple[str, str]]:
    filters = Filters(campaign="hand", platform="facebook", unit="u1").describe()
    return context_rows("hand", filters, AS_OF, EXPORTED)


def test_csv_starts_with_its_context_then_the_table() -> None:
    frame = pd.DataFrame([{"kpi": "reach", "actual": 400.0, "message": "Bình đẳng giới"}])
    text = to_csv(frame, context()).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[:3] == ["# campaign: hand", "# filter.from: all", "# filter.to: all"]
    assert "# filter.platform: facebook" in lines
    assert "# filter.unit: u1" in lines
    assert f"# as_of: {AS_OF.isoformat()}" in lines
    assert f"# exported_at: {EXPORTED.isoformat()}" in lines
    table = [line for line in lines if not line.startswith("#")]
    assert table == ["kpi,actual,message", "reach,400.0,Bình đẳng giới"]


def test_workbook_has_the_table_and_a_context_sheet() -> None:
    frame = pd.DataFrame([{"unit": "u1", "reach": 400.0}, {"unit": "u3", "reach": None}])
    book = load_workbook(io.BytesIO(to_xlsx(frame, context())))
    data, ctx = book["data"], book["context"]
    assert [c.value for c in data[1]] == ["unit", "reach"]
    assert [c.value for c in data[2]] == ["u1", 400]
    assert data.cell(3, 2).value is None  # not available stays empty, never 0
    pairs = {row[0].value: row[1].value for row in ctx.iter_rows(min_row=2)}
    assert pairs["campaign"] == "hand"
    assert pairs["filter.unit"] == "u1"
    assert pairs["as_of"] == AS_OF.isoformat()
