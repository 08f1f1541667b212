"""What is not there is said, never shown as a zero: a week with no data, a unit with no
channel, a campaign that has not ended, a metric the platform retired mid-campaign."""

from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.engine import scorecard
from analytics_app.reports import IsoWeek, build_final, build_weekly
from analytics_app.reports.content import Missing
from analytics_app.reports.html import render_html
from analytics_app.reports.labels import status_label
from analytics_app.reports.period import INSTANT
from analytics_app.reports.xlsx import write_xlsx
from campaigns.errors import UserError
from tests.analytics_app.factories import local
from tests.analytics_app.reports.data import build
from tests.analytics_app.reports.sheets import sheet_of, table

MEASURED = ("reach", "fb-reach", "yt-views", "engagements", "clicks")


def test_a_week_with_no_data_says_so(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Week 49 (1-7/12): nothing captured (the last capture was 20/11), nothing due."""
    build(sqlite_engine)
    with Session(sqlite_engine) as s:
        report = build_weekly(
            s, "hand", now=local(9, 12), week=IsoWeek.parse("2025-W49"), lang="en"
        )
    assert any("No new measurement arrived this week" in n for n in report.notices)
    daily = report.section("daily")
    assert [r[0] for r in daily.rows[7:]] == [f"{d:02d}/12" for d in range(1, 8)]
    assert all(isinstance(v, Missing) for row in daily.rows[7:] for v in row[1:])
    wb = load_workbook(write_xlsx(report, tmp_path / "w49.xlsx"))
    rows = {r["KPI"]: r for r in table(sheet_of(wb, report, "summary"))}
    for kpi in MEASURED:
        assert rows[kpi]["Week-on-week change"] == "no new measurement this week", kpi
    # The chart of the days reads cells left empty for them: gaps, where text would plot as 0.
    daily_ws = sheet_of(wb, report, "daily")
    [chart] = daily_ws._charts  # type: ignore[attr-defined]
    ref = chart.series[0].val.numRef.f.split("!")[1].replace("$", "")
    plotted = [c.value for row in daily_ws[ref] for c in row]
    assert len(plotted) == 14
    assert plotted[7:] == [None] * 7
    assert chart.display_blanks == "gap"
    # The cumulative actual still stands (lifetime values as of the week's end), unchanged.
    assert rows["reach"]["Actual"] == 650
    assert rows["posts"]["Week-on-week change"] == 0  # a count: nothing published, truly 0
    page = render_html(report)
    assert "no new measurement this week" in page
    assert "No data in this period" in page  # the daily chart and the empty issues table


def test_a_unit_with_no_channel_says_so(sqlite_engine: Engine, tmp_path: Path) -> None:
    build(sqlite_engine)
    with Session(sqlite_engine) as s:
        report = build_weekly(
            s, "hand", now=local(1, 12), week=IsoWeek.parse("2025-W47"), unit="u3", lang="en"
        )
    assert any("Unit u3 has no channel" in n for n in report.notices)
    wb = load_workbook(write_xlsx(report, tmp_path / "u3.xlsx"))
    rows = table(sheet_of(wb, report, "summary"))
    # Counts too: the engine counts 0 posts for u3, but u3 cannot publish anything.
    assert rows
    assert all(r["Actual"] == "no channel" for r in rows)
    assert all(r["Status"] == "no channel" for r in rows)
    assert all(r["Week-on-week change"] == "no channel" for r in rows)
    units = table(sheet_of(wb, report, "units"))
    assert units[0]["Unit"] == "u3"
    assert units[0]["Posts published"] == "no channel"
    assert units[0]["Reach"] == "no channel"
    channels = table(sheet_of(wb, report, "channels"))
    assert [r["Channel"] for r in channels] == ["No data in this period"]
    execution = table(sheet_of(wb, report, "execution"))
    assert {r["This week"] for r in execution} == {"no channel"}
    with Session(sqlite_engine) as s:
        final = build_final(s, "hand", now=local(16, 12), unit="u3", lang="en")
    assert {str(r[2]) for r in final.section("activities").rows} == {"no channel"}
    assert final.narrative["en"] == [
        "During the Action Month (15/11/2025 to 14/12/2025), unit u3 had no channel: there are "
        "no publishing figures or results to report."
    ]


def test_a_campaign_not_ended_is_provisional(sqlite_engine: Engine) -> None:
    build(sqlite_engine)
    with Session(sqlite_engine) as s:
        early = build_final(s, "hand", now=local(10, 12, 9), lang="en")
        done = build_final(s, "hand", now=local(16, 12, 9))
    assert any("has not ended" in n and "provisional" in n for n in early.notices)
    assert "provisional" in early.narrative["en"][-1]
    assert "tạm tính" in early.narrative["vi"][-1]
    assert not any("chưa kết thúc" in n for n in done.notices)
    assert not any("chưa kết thúc" in p for p in done.narrative["vi"])


def test_a_metric_retired_mid_campaign_is_named(sqlite_engine: Engine) -> None:
    """Clicks were reported once (15/11) and never again while other metrics kept coming."""
    build(sqlite_engine)
    with Session(sqlite_engine) as s:
        report = build_weekly(
            s, "hand", now=local(1, 12), week=IsoWeek.parse("2025-W47"), lang="en"
        )
    clicks = next(r for r in report.section("summary").rows if r[2] == "clicks")
    assert clicks[6] == 2  # what was measured until then, not 0 and not dropped
    assert "has not been reported since 15/11/2025 10:00" in clicks[11]
    assert any(n.startswith("KPI clicks: a source metric stopped") for n in report.anomalies)
    definitions = {r[0]: r for r in report.section("definitions").rows}
    assert "stopped mid-campaign" in definitions["clicks"][4]
    assert "stopped" not in definitions["reach"][4]


def test_anomalies_name_silent_channels_turned_kpis_and_failures(sqlite_engine: Engine) -> None:
    build(sqlite_engine)
    with Session(sqlite_engine) as s:
        report = build_weekly(
            s, "hand", now=local(1, 12), week=IsoWeek.parse("2025-W47"), lang="en"
        )
    notes = report.anomalies
    # fb1 (A, 15/11) and fb2 (B, 16/11) published in week 46 and nothing in week 47.
    assert "Channel fb1 went silent: 1 items last week, none this week." in notes
    assert "Channel fb2 went silent: 1 items last week, none this week." in notes
    assert not any("yt1 went silent" in n for n in notes)
    assert "This week: 1 failed, 0 missed, 0 needing review (see the list)." in notes
    with Session(sqlite_engine) as s:
        before = {x.kpi: x.status for x in scorecard(s, "hand", local(17, 11) - INSTANT)}
        after = {x.kpi: x.status for x in scorecard(s, "hand", local(24, 11) - INSTANT)}
    turned = [k for k in after if "no_data" not in (before[k], after[k]) and before[k] != after[k]]
    assert turned  # the data has some
    for kpi in turned:
        was, now = (status_label(x[kpi], "en") for x in (before, after))
        assert f"KPI {kpi} turned from {was} to {now}." in notes
    assert sum(" turned from " in n for n in notes) == len(turned)
    issues = report.section("issues").rows
    assert [(r[1], r[2], r[4]) for r in issues] == [("p1", "fb2", "Failed")]


def test_bad_weeks_units_and_languages_are_refused_clearly(sqlite_engine: Engine) -> None:
    build(sqlite_engine)
    with Session(sqlite_engine) as s:
        with pytest.raises(UserError, match="outside the campaign"):
            build_weekly(s, "hand", now=local(1, 12), week=IsoWeek.parse("2025-W45"))
        with pytest.raises(UserError, match="has not begun yet"):
            build_weekly(s, "hand", now=local(18, 11), week=IsoWeek.parse("2025-W48"))
        with pytest.raises(UserError, match=r"no unit 'u9'.*known: u1, u2, u3"):
            build_weekly(s, "hand", now=local(1, 12), unit="u9")
        with pytest.raises(UserError, match="choose vi or en"):
            build_weekly(s, "hand", now=local(1, 12), lang="fr")
        with pytest.raises(UserError, match="no campaign with key 'nope'"):
            build_final(s, "nope", now=local(1, 12))
    with pytest.raises(UserError, match="not an ISO week"):
        IsoWeek.parse("2025-47")
    with pytest.raises(UserError, match="has no week 54"):
        IsoWeek.parse("2025-W54")


def test_default_week_is_the_last_complete_one(sqlite_engine: Engine) -> None:
    build(sqlite_engine)
    with Session(sqlite_engine) as s:
        monday = build_weekly(s, "hand", now=local(24, 11, 0, 30))
        sunday = build_weekly(s, "hand", now=local(23, 11, 23, 0))
        later = build_weekly(s, "hand", now=local(20, 1) + timedelta(days=365))
    assert monday.stem == "hand-weekly-2025-W47-all-vi"
    assert sunday.stem == "hand-weekly-2025-W46-all-vi"
    assert later.stem == "hand-weekly-2025-W50-all-vi"  # the campaign's last week (8-14/12)


def test_the_vietnamese_final_report_names_a_retired_metric_in_vietnamese(
    sqlite_engine: Engine,
) -> None:
    build(sqlite_engine)
    with Session(sqlite_engine) as s:
        report = build_final(s, "hand", now=local(16, 12, 9), lang="vi")
    [clicks] = [n for n in report.anomalies if n.startswith("clicks: ")]
    assert "Ghi chú: Chỉ số lượt nhấp không còn được báo cáo từ 15/11/2025 10:00" in clicks
    assert "Note:" not in clicks
