"""`loa campaign validate|import`, `loa plan show`, `loa publications list`, `approve`, `cancel`."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from campaigns.settings import get_settings
from scheduler.cli import app
from tests.conftest import EXAMPLE_CAMPAIGN, copy_example, edit

TWENTY = Path(__file__).parents[1] / "campaigns" / "data" / "twenty-mistakes.yaml"
runner = CliRunner()


def test_validate_example_exits_zero_with_warning_on_stderr(loa_home: Path) -> None:
    result = runner.invoke(app, ["campaign", "validate", str(EXAMPLE_CAMPAIGN)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == [
        "1 file valid: 1 valid, 0 invalid; 0 errors, 1 warning; 14 publications planned"
    ]
    assert result.stderr.startswith(f"warning: {EXAMPLE_CAMPAIGN}:")


def test_validate_twenty_mistakes_in_a_subprocess(loa_home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scheduler.cli", "campaign", "validate", str(TWENTY)],
        capture_output=True,
        text=True,
        cwd=loa_home.parent,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(errors) == 20
    assert all(re.match(rf"^{re.escape(str(TWENTY))}:\d+: \S+: .+", e) for e in errors)
    assert "20 errors" in result.stdout


def test_import_list_approve_cancel(loa_home: Path) -> None:
    first = runner.invoke(app, ["campaign", "import", str(EXAMPLE_CAMPAIGN)])
    assert first.exit_code == 0, first.output
    assert "publication: 14 created" in first.stdout
    again = runner.invoke(app, ["campaign", "import", str(EXAMPLE_CAMPAIGN)])
    assert again.stdout.strip() == "campaign action-month-2025: unchanged"

    listed = runner.invoke(app, ["publications", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert len(rows) == 14
    assert {r["state"] for r in rows} == {"draft"}
    assert all(r["scheduled_at"].endswith("+07:00") for r in rows)
    assert {r["platform"] for r in rows} == {"facebook", "youtube"}

    ids = [str(r["id"]) for r in rows[:2]]
    approved = runner.invoke(app, ["approve", *ids])
    assert approved.stdout.strip() == "approved 2 publications"
    cancelled = runner.invoke(app, ["cancel", str(rows[2]["id"])])
    assert cancelled.stdout.strip() == "cancelled 1 publication"
    states = runner.invoke(app, ["publications", "list", "--json", "--state", "approved,cancelled"])
    assert sorted(r["state"] for r in json.loads(states.stdout)) == [
        "approved",
        "approved",
        "cancelled",
    ]
    rest = runner.invoke(app, ["approve", "--all"])
    assert rest.stdout.strip() == "approved 11 publications"

    shown = runner.invoke(app, ["plan", "show", "--week", "2025-W48"], env={"COLUMNS": "120"})
    assert shown.exit_code == 0, shown.output
    assert "★ Tue 25/11" in shown.stdout
    assert "International Day" in shown.stdout
    assert "orange-day" in shown.stdout
    assert "4 publications from 24/11/2025 to 30/11/2025" in shown.stdout


def test_import_of_a_bad_file_imports_nothing(loa_home: Path) -> None:
    result = runner.invoke(app, ["campaign", "import", str(TWENTY)])
    assert result.exit_code == 1
    assert "nothing imported: 20 errors" in result.stderr
    listed = runner.invoke(app, ["publications", "list", "--json"])
    assert "no campaign imported yet" in str(listed.exception)


def test_user_errors(loa_home: Path) -> None:
    runner.invoke(app, ["campaign", "import", str(EXAMPLE_CAMPAIGN)])
    both = runner.invoke(app, ["approve", "1", "--all"])
    assert both.exit_code == 1
    assert "not both" in both.stderr
    bad_week = runner.invoke(app, ["plan", "show", "--week", "2025-47"])
    assert "is not an ISO week" in str(bad_week.exception)
    unknown = runner.invoke(app, ["cancel", "999"])
    assert "no publication with id 999" in str(unknown.exception)


def test_import_warns_when_a_days_uploads_cannot_fit_the_quota(
    loa_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = copy_example(tmp_path)
    # Both clips on 25/11 (one Pacific day), with room for one upload a day.
    edit(path, "at: 2025-12-10 19:00", "at: 2025-11-25 21:00")
    monkeypatch.setenv("LOA_YOUTUBE_DAILY_UPLOADS", "1")
    get_settings.cache_clear()

    result = runner.invoke(app, ["campaign", "import", str(path)])

    assert result.exit_code == 0, result.output
    quota = [line for line in result.stderr.splitlines() if line.startswith("warning: quota:")]
    assert len(quota) == 1
    assert "2025-11-25" in quota[0] or "25/11" in quota[0]


def test_plan_show_grid_counts_posts_and_clips_per_day(loa_home: Path) -> None:
    assert runner.invoke(app, ["campaign", "import", str(EXAMPLE_CAMPAIGN)]).exit_code == 0

    result = runner.invoke(app, ["plan", "show", "--grid", "--month", "2025-11"])

    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    # The week of 24/11: the key date 25/11 has 3 posts (orange-day) and 1 clip.
    week = next(i for i, line in enumerate(rows) if "★25/11" in line)
    column = rows[week].split("│").index(next(c for c in rows[week].split("│") if "★25/11" in c))
    assert rows[week + 1].split("│")[column].strip() == "3 posts"
    assert rows[week + 2].split("│")[column].strip() == "1 clip"
    assert "★15/11" in result.stdout  # the launch
    # 3 launch photos, 6 tips, 3 orange-day posts and 1 clip fall in November.
    assert "13 publications from 01/11/2025 to 30/11/2025" in result.stdout
