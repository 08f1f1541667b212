"""Every page for every role: it opens without an exception, shows the engine's numbers for
the units the person may see and no others, and user text as text."""

# ruff: noqa: F811  (the fixtures are imported from app_support and named as arguments)

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from analytics_app.engine.breakdowns import breakdown
from analytics_app.engine.scope import KpiFilter
from analytics_app.navigation import page_files
from analytics_app.services.health import acknowledge
from campaigns.access import Forbidden
from campaigns.models import Alert, AuditLog
from campaigns.settings import get_settings
from tests.analytics_app.app_support import (
    ADMIN,
    AS_OF,
    MANAGER_U1,
    NATIONAL,
    OFFICER_U1,
    ROLES,
    XSS,
    UseIdentity,
    app_db,  # noqa: F401  (fixture)
    as_identity,  # noqa: F401  (fixture)
    make_app,
    run,
    seeded,  # noqa: F401  (fixture)
    texts,
)
from tests.analytics_app.factories import Hand


def frame(at: Any, key_column: str) -> Any:
    found = [d.value for d in at.dataframe if key_column in d.value.columns]
    assert found, f"no table with a {key_column!r} column"
    return found[0]


def test_pages_per_role() -> None:
    assert "pages/units.py" in page_files(NATIONAL)
    assert "pages/calendar.py" not in page_files(NATIONAL)  # sees all, plans nothing
    assert "pages/units.py" not in page_files(OFFICER_U1)  # the roll-up is for all units
    assert "pages/calendar.py" in page_files(OFFICER_U1)
    assert "pages/calendar.py" in page_files(MANAGER_U1)
    assert {"pages/units.py", "pages/calendar.py"} <= set(page_files(ADMIN))


CASES = [(role, Path(f).stem) for role, who in ROLES.items() for f in page_files(who)]


@pytest.mark.parametrize(("role", "page"), CASES)
def test_every_page_opens_for_every_role(
    seeded: Hand, as_identity: UseIdentity, role: str, page: str
) -> None:
    as_identity(ROLES[role])
    at = run(make_app())
    run(at, page)
    if page not in ("calendar", "reports", "users"):
        # Read as of the end of 20/11/2025 (the link's `to`), on every page.
        assert "20/11/2025" in texts(at) or page == "health"


def test_every_page_has_an_empty_state(app_db: Engine, as_identity: UseIdentity) -> None:
    as_identity(ADMIN)
    at = run(make_app())
    for f in page_files(ADMIN):
        if Path(f).stem == "calendar":
            continue
        run(at, Path(f).stem)
        assert at.info, f  # says what is missing instead of drawing zeros


def test_trends_equal_the_engines_days(
    seeded: Hand, as_identity: UseIdentity, app_db: Engine
) -> None:
    as_identity(NATIONAL)
    at = run(make_app())
    run(at, "trends")
    table = frame(at, "daily")
    with Session(app_db) as s:
        days = breakdown(s, "hand", "reach", "day", AS_OF, KpiFilter(platforms=("facebook",)))
    shown = table[table["group"] == "facebook"]
    assert dict(zip(shown["day"], shown["daily"], strict=True)) == {r.key: r.value for r in days}
    assert set(table["group"]) == {"facebook"}  # YouTube reports no reach: no line at 0


def test_content_shows_messages_as_text(seeded: Hand, as_identity: UseIdentity) -> None:
    as_identity(NATIONAL)
    at = run(make_app())
    run(at, "content")
    top = frame(at, "Nội dung")
    assert XSS in list(top["Nội dung"])  # the characters themselves, in a text cell
    assert set(top["Đơn vị"]) == {"u1", "u2"}


def test_content_of_an_officer_is_their_units(seeded: Hand, as_identity: UseIdentity) -> None:
    as_identity(OFFICER_U1)
    at = run(make_app())
    run(at, "content")
    top = frame(at, "Đơn vị")
    assert set(top["Đơn vị"]) == {"u1"}
    at.radio(key="content_age").set_value("7d")
    run(at)
    assert "Chưa có bài nào" in texts(at)  # nothing was measured at 7 days by 20/11


def test_units_equal_the_engine_and_drill_down(
    seeded: Hand, as_identity: UseIdentity, app_db: Engine
) -> None:
    as_identity(NATIONAL)
    at = run(make_app())
    run(at, "units")
    table = frame(at, "unit")
    assert list(table["unit"]) == ["u1", "u2", "u3"]
    with Session(app_db) as s:
        reach = {r.key: r.value for r in breakdown(s, "hand", "reach", "unit", AS_OF)}
    shown = dict(zip(table["unit"], table["Lượt tiếp cận"], strict=True))
    assert shown["u1"] == reach["u1"] == 400.0
    assert shown["u2"] == reach["u2"] == 250.0
    assert shown["u3"] != shown["u3"]  # NaN: u3 has nothing, shown blank, not 0
    published = dict(zip(table["unit"], table["Đã đăng"], strict=True))
    failed = dict(zip(table["unit"], table["Lỗi"], strict=True))
    assert (published["u1"], published["u2"], failed["u2"]) == (2, 1, 1)
    at.selectbox(key="units_drill").set_value("u2")
    at.button(key="units_open").click()
    run(at)
    # The Overview opens with the unit in the link (AppTest runs only the page script after
    # its first run, so the sidebar takes it on the next full run: the browser test shows it).
    assert at.title[0].value == "Tổng quan mục tiêu"
    assert at.query_params["unit"] == "u2"
    assert at.session_state["filters_pending"] == {"unit": "u2"}
    opened = make_app(unit="u2")
    run(opened)
    reach_row = next(r for r in frame(opened, "kpi").to_dict("records") if r["kpi"] == "reach")
    assert reach_row["actual"] == 250.0  # u2's own overview


def test_audience_says_when_facebook_gives_no_demographics(
    seeded: Hand, as_identity: UseIdentity
) -> None:
    as_identity(NATIONAL)
    at = make_app(unit="u2", platform="facebook")
    run(at)
    run(at, "audience")
    assert "Facebook không cung cấp giới tính" in texts(at)
    # An audience target without data says so once, not "No data: No data: …".
    shown = texts(at).replace("\\", "")  # markdown escapes
    assert "— Chưa có dữ liệu: chưa đo được cơ cấu người xem" in shown
    assert "Chưa có dữ liệu: Chưa có dữ liệu" not in shown
    at = make_app(unit="u1")
    run(at)
    run(at, "audience")
    shares = frame(at, "share")
    assert abs(shares["share"].sum() - 1.0) < 1e-9


def test_health_scopes_alerts_and_acknowledges_through_the_service(
    seeded: Hand, as_identity: UseIdentity, app_db: Engine
) -> None:
    as_identity(OFFICER_U1)
    at = run(make_app())
    run(at, "health")
    said = texts(at)
    assert "publication A of u1 failed" in said
    assert "of u2" not in said  # another unit's alert never shows
    assert not [b for b in at.button if b.key and b.key.startswith("ack_")]

    with Session(app_db) as s:
        mine = s.exec(select(Alert).where(Alert.dedupe_key == "test|A")).one()
        theirs = s.exec(select(Alert).where(Alert.dedupe_key == "test|D")).one()
        assert mine.id is not None
        assert theirs.id is not None
        with pytest.raises(Forbidden):
            acknowledge(s, OFFICER_U1, mine.id)  # officers acknowledge nothing
        with pytest.raises(Forbidden):
            acknowledge(s, MANAGER_U1, theirs.id)  # a manager only for their unit

    as_identity(MANAGER_U1)
    at = run(make_app())
    run(at, "health")
    assert [b.key for b in at.button if b.key and b.key.startswith("ack_")] == [f"ack_{mine.id}"]
    at.button(key=f"ack_{mine.id}").click()
    run(at)
    with Session(app_db) as s:
        assert s.get(Alert, mine.id).resolved_at is not None  # type: ignore[union-attr]
        assert s.get(Alert, theirs.id).resolved_at is None  # type: ignore[union-attr]
        audit = s.exec(select(AuditLog).where(AuditLog.action == "acknowledge")).one()
        assert (audit.actor, audit.entity_id) == ("minh", str(mine.id))
    assert "publication A of u1 failed" not in texts(at)  # the cache was cleared


def test_reports_lists_files_to_download(seeded: Hand, as_identity: UseIdentity) -> None:
    as_identity(MANAGER_U1)
    at = run(make_app())
    run(at, "reports")
    assert at.info  # nothing yet
    folder = get_settings().home / "reports" / "2025-W47"
    folder.mkdir(parents=True)
    for scope in ("u1", "u2", "all"):  # as the report writers name them
        (folder / f"hand-weekly-2025-W47-{scope}-vi.xlsx").write_bytes(b"PK")
    (folder / "notes.tmp").write_text("not a report")
    run(at)
    shown = texts(at)
    assert "2025\\-W47/hand\\-weekly\\-2025\\-W47\\-u1\\-vi\\.xlsx" in shown
    assert "notes" not in shown
    # A unit's manager gets their unit's reports, not another unit's or the whole campaign's.
    assert "u2\\-vi" not in shown
    assert "all\\-vi" not in shown
    as_identity(NATIONAL)
    national = run(make_app())
    run(national, "reports")
    assert all(f"{scope}\\-vi" in texts(national) for scope in ("u1", "u2", "all"))


def test_the_overview_table_speaks_the_readers_language(
    seeded: Hand, as_identity: UseIdentity
) -> None:
    """Status and reason in the table (and its export) are worded as in the captions, not the
    engine's English codes and sentences."""
    as_identity(NATIONAL)
    at = run(make_app())
    table = frame(at, "kpi")
    statuses, reasons = list(table["status"]), list(table["reason"])
    assert statuses
    assert not {"on_track", "at_risk", "behind", "achieved", "no_data"} & set(statuses)
    for text in reasons:
        assert "Note:" not in text
        assert any(ord(c) > 127 for c in text), text  # Vietnamese, with its diacritics
