"""Writing a report's files: the PDF is the only part that needs a browser, and says why not."""

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.reports import IsoWeek, Report, build_weekly, write_report
from campaigns.errors import UserError
from tests.analytics_app.factories import local
from tests.analytics_app.reports.data import build


def _weekly(engine: Engine) -> Report:
    build(engine)
    with Session(engine) as s:
        return build_weekly(s, "hand", now=local(1, 12), week=IsoWeek.parse("2025-W47"))


def test_no_chromium_writes_the_rest_and_says_so(sqlite_engine: Engine, tmp_path: Path) -> None:
    report = _weekly(sqlite_engine)
    done = write_report(report, tmp_path / "out", chromium="/nonexistent/chromium")
    assert [p.suffix for p in done.files] == [".xlsx", ".html"]
    assert done.skipped == [
        "no Chromium at /nonexistent/chromium: the PDF was not written (apt-get install chromium)"
    ]


def test_a_browser_that_fails_costs_only_the_pdf(sqlite_engine: Engine, tmp_path: Path) -> None:
    report = _weekly(sqlite_engine)
    done = write_report(report, tmp_path, chromium="/bin/false")
    assert [p.suffix for p in done.files] == [".xlsx", ".html"]
    assert done.skipped[0].startswith("the PDF could not be printed with /bin/false: ")
    assert not (tmp_path / f"{report.stem}.pdf").exists()


def test_an_unwritable_folder_is_a_clear_error(sqlite_engine: Engine, tmp_path: Path) -> None:
    report = _weekly(sqlite_engine)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="cannot write into"):
        write_report(report, blocker / "out", chromium="/nonexistent/chromium")
