"""`loa report weekly|final|list` on the imported example campaign."""

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session
from typer.testing import CliRunner

from campaigns.accounts import authenticate, open_login, setup_identity
from campaigns.db import make_engine
from campaigns.settings import get_settings
from campaigns.users import add_user
from scheduler.cli import app
from scheduler.report_jobs import run_reports
from tests.analytics_app.factories import local
from tests.scheduler.test_cli_scorecard import example_db  # noqa: F401  (fixture)


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOA_CHROMIUM_PATH", "/nonexistent/chromium")
    get_settings.cache_clear()


@pytest.mark.usefixtures("example_db")
def test_weekly_writes_the_workbook_and_page_and_says_why_no_pdf(
    no_chromium: None, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["report", "weekly", "--week", "2025-W46", "--lang", "en", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    stem = "action-month-2025-weekly-2025-W46-all-en"
    assert sorted(p.name for p in out.iterdir()) == [f"{stem}.html", f"{stem}.xlsx"]
    assert f"wrote {out / stem}.xlsx" in result.stdout
    assert "no Chromium at /nonexistent/chromium: the PDF was not written" in result.stderr
    wb = load_workbook(out / f"{stem}.xlsx")
    assert wb.worksheets[0]["B2"].value.startswith("action-month-2025")


@pytest.mark.usefixtures("example_db")
def test_final_for_one_unit(no_chromium: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["report", "final", "--unit", "ha-noi", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "action-month-2025-final-ha-noi-vi.xlsx").exists()


@pytest.mark.usefixtures("example_db")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["weekly", "--week", "2025-47"], "is not an ISO week such as 2025-W47"),
        (["weekly", "--week", "2025-W40"], "is outside the campaign"),
        (["weekly", "--lang", "fr"], "choose vi or en"),
        (["final", "--unit", "nowhere"], "has no unit 'nowhere'"),
        (["final", "--campaign", "nope"], "no campaign with key 'nope'"),
    ],
)
def test_bad_input_is_one_clear_line(
    no_chromium: None, tmp_path: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["report", *args, "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("example_db")
def test_list_shows_what_the_scheduler_wrote(no_chromium: None) -> None:
    runner = CliRunner()
    assert "no report written by the scheduler yet" in runner.invoke(app, ["report", "list"]).stdout
    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    run_reports(engine, settings, local(24, 11, 9))
    engine.dispose()
    listed = json.loads(runner.invoke(app, ["report", "list", "--json"]).stdout)
    assert [(r["kind"], r["period"], r["state"], r["unit"]) for r in listed] == [
        ("weekly", "2025-W47", "written", None)
    ]
    assert listed[0]["files"][0] == (
        "reports/action-month-2025/2025-W47/action-month-2025-weekly-2025-W47-all-vi.xlsx"
    )
    table = runner.invoke(app, ["report", "list"]).stdout
    assert "2025-W47" in table
    assert "written" in table


@pytest.mark.usefixtures("example_db")
def test_only_people_whose_role_allows_generate_reports(
    no_chromium: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(get_settings().effective_database_url)
    with Session(engine) as s:
        admin = add_user(s, setup_identity(), "admin", "admin", password="correct horse 1")
        s.commit()
        boss = authenticate(s, admin.username, "correct horse 1")
        add_user(s, boss, "lan", "officer", unit_key="ha-noi", password="correct horse 2")
        add_user(s, boss, "minh", "manager", unit_key="ha-noi", password="correct horse 3")
        s.commit()
        officer = open_login(s, authenticate(s, "lan", "correct horse 2"))
        manager = open_login(s, authenticate(s, "minh", "correct horse 3"))
        s.commit()
    engine.dispose()
    runner = CliRunner()
    args = ["report", "final", "--out", str(tmp_path)]
    nobody = runner.invoke(app, args)
    assert nobody.exit_code == 1
    assert "sign in first" in nobody.output
    monkeypatch.setenv("LOA_SESSION_TOKEN", officer)
    refused = runner.invoke(app, [*args, "--unit", "ha-noi"])
    assert refused.exit_code == 1
    assert "lan is officer" in refused.output
    monkeypatch.setenv("LOA_SESSION_TOKEN", manager)
    other = runner.invoke(app, [*args, "--unit", "moha"])
    assert other.exit_code == 1
    assert "may not" in other.output
    national = runner.invoke(app, args)
    assert national.exit_code == 1
    assert "add --unit ha-noi" in national.output
    own = runner.invoke(app, [*args, "--unit", "ha-noi"])
    assert own.exit_code == 0, own.output
