"""The weekly workbook, opened with openpyxl, shows the engine's numbers for the same week and
scope: the scorecard, the week-on-week change, units, execution."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.engine import scorecard
from analytics_app.engine.breakdowns import breakdown
from analytics_app.engine.scope import KpiFilter
from analytics_app.reports import IsoWeek, build_weekly
from analytics_app.reports.content import Report
from analytics_app.reports.xlsx import write_xlsx
from tests.analytics_app.factories import local
from tests.analytics_app.reports.data import build
from tests.analytics_app.reports.sheets import find_header, sheet_of, table

W47_END = local(24, 11) - timedelta(microseconds=1)  # Sunday 23/11, last instant
W47_BEFORE = local(17, 11) - timedelta(microseconds=1)


def weekly(engine: Engine, tmp_path: Path, **kw: Any) -> tuple[Report, Any]:
    with Session(engine) as s:
        report = build_weekly(s, "hand", now=local(1, 12, 9), week=IsoWeek.parse("2025-W47"), **kw)
    path = write_xlsx(report, tmp_path / f"{report.stem}.xlsx")
    return report, load_workbook(path)


def test_summary_sheet_matches_the_scorecard_of_that_week(
    any_engine: Engine, tmp_path: Path
) -> None:
    build(any_engine)
    report, wb = weekly(any_engine, tmp_path, lang="en")
    with Session(any_engine) as s:
        now = {x.kpi: x for x in scorecard(s, "hand", W47_END)}
        before = {x.kpi: x for x in scorecard(s, "hand", W47_BEFORE)}
    rows = table(sheet_of(wb, report, "summary"))
    assert [r["KPI"] for r in rows] == list(now)
    for r in rows:
        score = now[r["KPI"]]
        assert r["Objective"] == score.objective
        assert r["Metric"] == score.metric
        assert r["Target"] == score.target
        assert r["Expected by now"] == pytest.approx(score.expected)
        if score.actual is None:
            assert r["Actual"] == "no data"
            continue
        assert r["Actual"] == pytest.approx(score.actual)
        assert r["% of target"] * 100 == pytest.approx(score.percent)
        assert r["Projection"] == pytest.approx(score.projection)
        assert r["Reason"] == score.reason
        prev = before[r["KPI"]].actual
        assert r["Previous week"] == (pytest.approx(prev) if prev is not None else "no data")
    by_kpi = {r["KPI"]: r for r in rows}
    # Reach went from A 300 + B 50 (16/11) to A 400 + B 250 in week 47: +300.
    assert by_kpi["reach"]["Actual"] == 650
    assert by_kpi["reach"]["Week-on-week change"] == 300
    assert by_kpi["reach"]["KPI title"] == "Reach"
    # Clicks were last captured on 15/11: nothing new this week, said in words.
    assert by_kpi["clicks"]["Week-on-week change"] == "no new measurement this week"


def test_units_and_execution_sheets_match_the_engine(sqlite_engine: Engine, tmp_path: Path) -> None:
    build(sqlite_engine)
    report, wb = weekly(sqlite_engine, tmp_path, lang="en")
    with Session(sqlite_engine) as s:
        reach = {r.key: r.value for r in breakdown(s, "hand", "reach", "unit", W47_END)}
        views = {r.key: r.value for r in breakdown(s, "hand", "views", "unit", W47_END)}
    units = {r["Unit"]: r for r in table(sheet_of(wb, report, "units"))}
    assert units["u1"]["Reach"] == reach["u1"] == 400
    assert units["u2"]["Reach"] == reach["u2"] == 250
    assert units["u1"]["Views"] == views["u1"]
    assert units["u2"]["Views"] == "no data"  # B reports no views: absent, not 0
    assert units["u3"]["Reach"] == "no channel"
    assert units["u2"]["Failed"] == 1  # D failed on fb2 (u2)
    execution = {r["Measure"]: r for r in table(sheet_of(wb, report, "execution"))}
    # Week 47 (17-23/11): C on time (17/11), D failed (18/11); to date also A, B.
    assert execution["Published on time"]["This week"] == 1
    assert execution["Published on time"]["Campaign to date"] == 2
    assert execution["Published late"]["Campaign to date"] == 1
    assert execution["Failed"]["This week"] == 1
    assert execution["Missed"]["This week"] == 0


def test_every_sheet_has_the_header_frozen_rows_and_formats(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    build(sqlite_engine)
    report, wb = weekly(sqlite_engine, tmp_path)
    assert len(wb.worksheets) == 1 + len(report.sections) + len(report.highlights)
    for ws in wb.worksheets:
        assert str(ws["A1"].value).startswith("Báo cáo tuần 2025-W47")
        assert ws["A2"].value == "Chiến dịch"
        assert ws["B2"].value == "hand — Hand"
        assert ws["B3"].value == "Toàn quốc (mọi đơn vị)"
        assert str(ws["B4"].value).startswith("2025-W47 (17/11/2025 - 23/11/2025)")
        assert ws["A5"].value == "Số liệu tính đến"
        assert ws["B5"].value == "23/11/2025 23:59 (Asia/Ho_Chi_Minh)"
    summary: Worksheet = sheet_of(wb, report, "summary")
    top = find_header(summary)
    assert summary.freeze_panes == f"A{top + 1}"
    assert summary.column_dimensions["L"].width == 70  # the reason column is wide
    assert len(summary._charts) == 1  # type: ignore[attr-defined]  # openpyxl keeps charts there
    [chart] = summary._charts  # type: ignore[attr-defined]
    ref = chart.series[0].val.numRef.f.split("!")[1].replace("$", "")
    plotted = [c.value for row in summary[ref] for c in row]
    shown = [r["% mục tiêu"] for r in table(summary)]
    assert plotted == [v if isinstance(v, int | float) else None for v in shown]
    reasons = {r["Chỉ tiêu"]: r["Lý do"] for r in table(summary)}
    # The same verdict in Vietnamese, from the same numbers, as the app words it.
    assert reasons["reach"].startswith("650 ")
    assert "cần đạt đến nay" in reasons["reach"]
    formats = {r["Chỉ tiêu"]: r["__formats__"] for r in table(summary, formats=True)}
    assert formats["engagement-rate"]["Thực hiện"] == "0.0%"
    assert formats["reach"]["Thực hiện"] == "#,##0"
    metrics = {r["Chỉ số"] for r in table(sheet_of(wb, report, "definitions"))}
    assert {"reach", "engagement_rate", "on_time_rate", "female_viewer_share"} <= metrics


def test_unit_scope_reads_the_units_own_numbers(sqlite_engine: Engine, tmp_path: Path) -> None:
    build(sqlite_engine)
    report, wb = weekly(sqlite_engine, tmp_path, unit="u2", lang="en")
    with Session(sqlite_engine) as s:
        mine = {x.kpi: x for x in scorecard(s, "hand", W47_END, unit="u2")}
        reach = breakdown(s, "hand", "reach", "unit", W47_END, KpiFilter(units=("u2",)))
    rows = {r["KPI"]: r for r in table(sheet_of(wb, report, "summary"))}
    assert set(rows) == set(mine)
    assert rows["reach"]["Actual"] == mine["reach"].actual == 250
    # Judged against u2's part of the target (B and D: 2 of the 5 publications), as the app's
    # Overview narrowed to u2 is, and the report says so; a KPI of u2's own keeps its target.
    assert rows["reach"]["Target"] == mine["reach"].target == 2000.0 * 2 / 5
    assert rows["u2-reach"]["Target"] == 500.0
    summary = next(x for x in report.sections if x.key == "summary")
    assert "by the publications it planned" in summary.note
    assert rows["yt-views"]["Actual"] == "no data"  # u2 has no YouTube channel
    assert [r.key for r in reach] == ["u2"]
    units = table(sheet_of(wb, report, "units"))
    assert [r["Unit"] for r in units] == ["u2"]
    assert report.header.scope == "u2 — u2"
