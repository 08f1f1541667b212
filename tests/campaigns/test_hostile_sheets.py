"""Hostile Excel/CSV plans: media outside the plan's folder, bidirectional overrides, and random
cells. A located message per bad cell, no traceback, nothing imported."""

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from campaigns.errors import UserError, ValidationFailed
from campaigns.models import Publication
from campaigns.sheets import import_sheet
from tests.campaigns.test_sheets import EN, add_campaign, count, db  # noqa: F401

ROW = ["25/11/2025", "07:30", "ncfaw-fb", "photo", "", "Gọi 111", "", "", "O3", ""]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EN)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_media_outside_the_plan_folder_is_refused(db: Session, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "plan").mkdir()
    rows = [
        [*ROW[:7], "/etc/hosts", *ROW[8:]],
        [*ROW[:1], "08:30", *ROW[2:7], "../secret.png", *ROW[8:]],
    ]
    path = _csv(tmp_path / "plan" / "plan.csv", rows)
    with pytest.raises(ValidationFailed) as caught:
        import_sheet(db, path, "am-test")
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{path}:2: Media: '/etc/hosts' is outside the plan's folder: name a file in it or "
        "below it (no absolute path, no '..')",
        f"{path}:3: Media: '../secret.png' is outside the plan's folder: name a file in it or "
        "below it (no absolute path, no '..')",
    ]
    assert count(db, Publication) == 0


def test_a_bidirectional_override_in_a_message_is_refused(db: Session, tmp_path: Path) -> None:  # noqa: F811
    row = ["25/11/2025", "07:30", "ncfaw-fb", "post", "", "Gọi \u202e111", "", "", "O3", ""]
    path = _csv(tmp_path / "plan.csv", [row])
    with pytest.raises(ValidationFailed) as caught:
        import_sheet(db, path, "am-test")
    said = str(caught.value)
    assert "bidirectional control character (U+202E)" in said
    assert count(db, Publication) == 0


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cells=st.lists(st.text(max_size=12), min_size=10, max_size=10))
def test_any_row_imports_or_is_refused_with_a_message(
    db: Session,  # noqa: F811
    tmp_path: Path,
    cells: list[str],
) -> None:
    path = _csv(tmp_path / "fuzz.csv", [cells])
    said = "imported"
    try:
        import_sheet(db, path, "am-test")  # anything but a UserError fails the test
    except UserError as exc:  # ValidationFailed or another user error: a message
        said = str(exc)
    db.rollback()
    assert said.strip()
