"""`loa scorecard` against the imported example campaign: JSON for scripts, a table for people."""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from campaigns.db import make_engine, upgrade
from campaigns.importer import import_campaign
from campaigns.metrics_store import SnapshotRow, record_snapshots
from campaigns.models import Publication, PublicationState
from campaigns.settings import get_settings
from scheduler.cli import app
from tests.conftest import EXAMPLE_CAMPAIGN, REPO

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
KEYS = {"objective", "kpi", "metric", "target", "actual", "percent", "expected"}
KEYS |= {"projection", "status", "as_of"}


@pytest.fixture
def example_db(loa_home: Path) -> None:
    """The example campaign imported; its three launch posts published on time, with reach."""
    engine = make_engine(get_settings().effective_database_url)
    upgrade(engine)
    with Session(engine) as s:
        import_campaign(s, EXAMPLE_CAMPAIGN)
        launch = s.exec(
            select(Publication).where(
                Publication.scheduled_at == datetime(2025, 11, 15, 8, tzinfo=HCM)
            )
        ).all()
        assert len(launch) == 3
        for pub in launch:
            pub.state = PublicationState.PUBLISHED
            pub.published_at = pub.scheduled_at + timedelta(minutes=1)
        s.commit()
        rows = [
            SnapshotRow(p.id, "reach", 1000.0 * (i + 1), datetime(2025, 11, 16, 8, tzinfo=HCM))
            for i, p in enumerate(sorted(launch, key=lambda p: p.id or 0))
            if p.id is not None
        ]
        record_snapshots(s, rows, HCM)
        s.commit()
    engine.dispose()


def test_json_lists_every_kpi_with_the_contract_fields(example_db: None) -> None:
    result = CliRunner().invoke(app, ["scorecard", "--json", "--as-of", "2025-11-16"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert [s["kpi"] for s in scores] == [
        "active-units",
        "on-time",
        "fb-reach",
        "yt-views",
        "engagements",
        "engagement-rate",
        "female-viewers",
        "watch-time",
    ]
    assert all(set(s) >= KEYS for s in scores)
    by = {s["kpi"]: s for s in scores}
    # Three launch posts: reach 1000 + 2000 + 3000; target 2,000,000.
    assert by["fb-reach"]["actual"] == 6000
    assert by["fb-reach"]["percent"] == pytest.approx(0.3)
    # Units ncfaw, ha-noi, dak-lak published the launch photo; moha has no channel.
    assert by["active-units"]["actual"] == 3
    assert by["on-time"]["actual"] == 1.0
    assert by["on-time"]["status"] == "on_track"
    assert by["yt-views"]["status"] == "no_data"
    # End of 16/11 in the campaign zone, with its offset.
    assert by["fb-reach"]["as_of"].startswith("2025-11-16T23:59:59")
    assert by["fb-reach"]["as_of"].endswith("+07:00")


def test_table_shows_status_words(example_db: None) -> None:
    result = CliRunner().invoke(app, ["scorecard", "--as-of", "2025-11-16"])
    assert result.exit_code == 0, result.output
    assert "fb-reach" in result.stdout
    assert "no data" in result.stdout


def test_bad_input_exits_1_with_a_message_and_no_traceback(
    example_db: None, loa_home: Path
) -> None:
    def loa(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scheduler.cli", "scorecard", *args],
            cwd=loa_home.parent,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )

    unknown = loa("--campaign", "nope")
    assert unknown.returncode == 1
    assert "no campaign with key 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    bad_date = loa("--as-of", "16/11/2025")
    assert bad_date.returncode == 1
    assert "--as-of '16/11/2025' is not a date" in bad_date.stderr


def test_table_fits_80_columns_with_whole_counts_and_units(example_db: None) -> None:
    """Issue 17: no "7.74 units" or bare "6,000" watch time, nothing past column 80."""
    import re

    result = CliRunner().invoke(
        app, ["scorecard", "--as-of", "2025-11-16"], env={"COLUMNS": "80"}, terminal_width=80
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    table = lines[: next(i for i, line in enumerate(lines) if line.startswith("watch"))]
    watch = next(line for line in table if "watch" in line)
    assert re.search(r"\d h\b", watch), watch  # watch time carries its unit
    units = next(line for line in table if "active" in line or "units" in line)
    assert not re.search(r"\d\.\d", units), units  # a count of units is whole


def test_an_unknown_unit_is_named_with_the_known_ones(example_db: None) -> None:
    result = CliRunner().invoke(app, ["scorecard", "--unit", "nowhere", "--as-of", "2025-11-16"])
    assert result.exit_code != 0
    said = str(result.exception) + result.output
    assert "--unit 'nowhere'" in said
    assert "ncfaw" in said
