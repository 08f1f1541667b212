"""`loa calendar import|template` as an officer runs them: a report, or every error and exit 1."""

from datetime import date, time
from pathlib import Path

import typer
from openpyxl import Workbook
from sqlmodel import Session
from typer.testing import CliRunner

from campaigns.db import make_engine, upgrade
from campaigns.settings import get_settings
from scheduler.cli import calendar_cmd
from tests.campaigns.test_sheets import EN, add_campaign

runner = CliRunner()


def cli() -> typer.Typer:
    app = typer.Typer()
    calendar_cmd.register(app)
    return app


def prepare(home: Path) -> None:
    engine = make_engine(get_settings().effective_database_url)
    upgrade(engine)
    with Session(engine) as s:
        add_campaign(s)
    engine.dispose()


def sheet(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(EN)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_import_prints_a_report_and_a_second_run_changes_nothing(loa_home: Path) -> None:
    prepare(loa_home)
    plan = sheet(
        loa_home.parent / "plan.xlsx",
        [
            [
                date(2025, 11, 20),
                time(8, 0),
                "ncfaw-fb, ha-noi-fb",
                "post",
                None,
                "Xin chào",
                None,
                None,
                "O1",
                "",
            ]
        ],
    )
    first = runner.invoke(cli(), ["calendar", "import", str(plan), "--campaign", "am-test"])
    second = runner.invoke(cli(), ["calendar", "import", str(plan), "--campaign", "am-test"])

    assert first.exit_code == 0, first.output
    assert "1 row: 2 publications created, 0 unchanged" in first.output
    assert second.exit_code == 0, second.output
    assert "0 publications created, 2 unchanged" in second.output


def test_bad_rows_exit_1_with_every_row_and_no_traceback(loa_home: Path) -> None:
    prepare(loa_home)
    sheet(
        loa_home.parent / "bad.xlsx",
        [
            [date(2025, 11, 20), time(8, 0), "nowhere", "post", None, "a", None, None, "", ""],
            [date(2025, 11, 20), "8 giờ", "ncfaw-fb", "post", None, "b", None, None, "", ""],
        ],
    )
    result = runner.invoke(cli(), ["calendar", "import", "bad.xlsx", "--campaign", "am-test"])

    assert result.exit_code == 1
    assert "bad.xlsx:2: Channel: no channel 'nowhere'" in result.output
    assert "bad.xlsx:3: Time: '8 giờ' is not a time of day" in result.output
    assert "Traceback" not in result.output


def test_template_is_written_and_unknown_campaign_refused(loa_home: Path) -> None:
    prepare(loa_home)
    out = loa_home.parent / "out" / "plan.xlsx"
    ok = runner.invoke(cli(), ["calendar", "template", "--out", str(out), "--campaign", "am-test"])
    bad = runner.invoke(cli(), ["calendar", "template", "--campaign", "nope"])

    assert ok.exit_code == 0, ok.output
    assert out.is_file()
    assert bad.exit_code == 1
    assert "no campaign 'nope'" in bad.output
