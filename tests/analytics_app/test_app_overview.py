"""The Overview page: the scorecard a manager reads equals the engine's (and `loa scorecard
--json`), "not available" is never shown as 0, unit scoping holds, filters live in the URL."""

# ruff: noqa: F811  (the fixtures are imported from app_support and named as arguments)

import json
import math
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from analytics_app.components.layout import plain
from analytics_app.engine.scope import KpiFilter
from analytics_app.engine.scorecard import narrowed_scorecard, scorecard
from analytics_app.i18n.catalog import message
from analytics_app.i18n.format import is_percent
from campaigns.access import Identity
from scheduler.cli import app as cli
from tests.analytics_app.app_support import (
    APP,
    AS_OF,
    AS_OF_DAY,
    NATIONAL,
    OFFICER_U1,
    OFFICER_U2,
    XSS,
    UseIdentity,
    app_db,  # noqa: F401  (fixture)
    as_identity,  # noqa: F401  (fixture)
    make_app,
    run,
    seeded,  # noqa: F401  (fixture)
    texts,
)
from tests.analytics_app.factories import ZONE, Hand

COLUMNS: tuple[str, ...] = ("objective", "kpi", "metric", "target", "actual", "percent")
COLUMNS += ("expected", "projection")
WHOLE = ("expected", "projection")  # counts are shown whole; rates keep their decimals


def status_said(status: str) -> str:
    """The status as the table says it, in the page's language (Vietnamese here)."""
    return message("vi", "status." + status)


def shown_as(column: str, row: dict[str, Any], value: Any) -> Any:
    """`value` of the engine as the table shows it in `column`."""
    if column in WHOLE and value is not None and not is_percent(row["metric"]):
        return float(round(value))
    return value


def same(a: Any, b: Any) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if isinstance(a, float) or isinstance(b, float):
        return b is not None and math.isclose(float(a), float(b), rel_tol=1e-9)
    return bool(a == b)


def table_rows(at: Any) -> list[dict[str, Any]]:
    frames = [d.value for d in at.dataframe if "kpi" in d.value.columns]
    assert len(frames) == 1
    return list(frames[0].to_dict("records"))


def test_scorecard_equals_loa_scorecard_json(
    seeded: Hand, as_identity: UseIdentity, app_db: Engine
) -> None:
    as_identity(NATIONAL)
    at = run(make_app())
    shown = table_rows(at)
    result = CliRunner().invoke(cli, ["scorecard", "--as-of", AS_OF_DAY, "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert [r["kpi"] for r in shown] == [p["kpi"] for p in printed]
    for row, expected in zip(shown, printed, strict=True):
        for column in COLUMNS:
            assert same(row[column], shown_as(column, expected, expected[column])), (
                row["kpi"],
                column,
            )
        assert row["status"] == status_said(expected["status"]), row["kpi"]
        assert row["as_of"] == AS_OF.isoformat() == expected["as_of"]
    from sqlmodel import Session

    with Session(app_db) as s:
        assert [x.to_json()["actual"] for x in scorecard(s, "hand", AS_OF)] == [
            p["actual"] for p in printed
        ]


def test_nothing_measured_is_not_available_never_zero(
    seeded: Hand, as_identity: UseIdentity
) -> None:
    as_identity(NATIONAL)
    at = run(make_app())
    row = next(r for r in table_rows(at) if r["kpi"] == "clicks_yt")
    assert row["status"] == status_said("no_data")
    assert row["actual"] is None or math.isnan(row["actual"])
    said = texts(at)
    assert "không có số liệu" in said  # the KPI's own line and YouTube's reach
    assert "YouTube: không có số liệu" in said
    assert "YouTube: 0" not in said
    reach = next(m for m in at.metric if m.label == "Lượt tiếp cận")
    assert reach.value == "650"  # Facebook's 400 + 250; YouTube reports no reach


def test_officer_sees_only_their_unit(
    seeded: Hand, as_identity: UseIdentity, app_db: Engine
) -> None:
    as_identity(OFFICER_U1)
    at = run(make_app(unit="u2"))  # a link naming another unit is not obeyed
    assert at.selectbox(key="f_unit").options == ["u1"]
    shown = {r["kpi"]: r for r in table_rows(at)}
    from sqlmodel import Session

    with Session(app_db) as s:
        mine = narrowed_scorecard(s, "hand", AS_OF, KpiFilter(units=("u1",))).scores
        theirs = narrowed_scorecard(s, "hand", AS_OF, KpiFilter(units=("u2",))).scores
        # The reports' unit scorecard is the same list: one rule for a unit's targets.
        assert scorecard(s, "hand", AS_OF, unit="u1") == mine
    assert set(shown) == {x.kpi for x in mine}
    for x in mine:
        assert same(shown[x.kpi]["actual"], x.actual), x.kpi
        assert same(shown[x.kpi]["target"], x.target), x.kpi
    # u1 reached 400 (post A); u2's 250 (post B) is never part of what the officer sees.
    assert shown["reach"]["actual"] == 400.0
    assert next(x for x in theirs if x.kpi == "reach").actual == 250.0
    assert "650" not in [m.value for m in at.metric]
    # u1 plans 3 of the campaign's 5 publications: its part of the reach target is 60 %.
    assert shown["reach"]["target"] == 6_000.0
    # `loa scorecard --unit u1` prints the same part, judged by the same rule.
    result = CliRunner().invoke(cli, ["scorecard", "--unit", "u1", "--as-of", AS_OF_DAY, "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert [p["kpi"] for p in printed] == [x.kpi for x in mine]
    for expected in printed:
        for column in COLUMNS:
            value = shown_as(column, expected, expected[column])
            assert same(shown[expected["kpi"]][column], value), (expected["kpi"], column)
        assert shown[expected["kpi"]]["status"] == status_said(expected["status"])
    assert "Mục tiêu của phạm vi này: 60,0% mục tiêu chung" in texts(at)


def test_the_other_unit_sees_its_own(seeded: Hand, as_identity: UseIdentity) -> None:
    as_identity(OFFICER_U2)
    at = run(make_app())
    reach = next(r for r in table_rows(at) if r["kpi"] == "reach")
    assert reach["actual"] == 250.0


def test_objective_titles_are_text(seeded: Hand, as_identity: UseIdentity) -> None:
    as_identity(NATIONAL)
    at = run(make_app())
    headings = [h.value for h in at.subheader]
    assert plain(f"Giới trẻ {XSS}") in headings
    # Every "<" reaches Markdown escaped: the characters show, no element is made.
    assert all("<" not in h.replace("\\<", "") for h in headings)


def test_platform_filter_goes_to_the_url_and_narrows(
    seeded: Hand, as_identity: UseIdentity
) -> None:
    as_identity(NATIONAL)
    at = make_app()
    at.session_state["f_platform"] = "facebook"  # the sidebar widget's key
    run(at)
    assert at.query_params["platform"] == "facebook"
    kpis = [r["kpi"] for r in table_rows(at)]
    assert "clicks_yt" not in kpis  # a YouTube KPI says nothing about Facebook
    assert "clicks_yt" in texts(at)  # ...and the page says it left it out
    reach = next(r for r in table_rows(at) if r["kpi"] == "reach")
    assert reach["actual"] == 650.0


def test_link_with_filters_opens_the_same_view(seeded: Hand, as_identity: UseIdentity) -> None:
    as_identity(NATIONAL)
    at = run(make_app(objective="O2", platform="youtube"))
    assert at.selectbox(key="f_objective").value == "O2"
    assert {r["objective"] for r in table_rows(at)} == {"O2"}


def test_english_on_request(seeded: Hand, as_identity: UseIdentity) -> None:
    as_identity(NATIONAL)
    at = make_app()
    at.session_state["lang"] = "en"
    run(at)
    assert at.title[0].value == "Objectives at a glance"
    assert "Young people" in [h.value for h in at.subheader]
    assert "YouTube: not available" in texts(at)


@pytest.mark.parametrize("who", [NATIONAL, OFFICER_U1])
def test_empty_database_shows_the_empty_state(
    app_db: Engine, as_identity: UseIdentity, who: Identity
) -> None:
    as_identity(who)
    at = run(make_app())
    assert "loa campaign import" in at.code[0].value


def test_an_ended_campaign_is_read_at_its_end_like_loa_scorecard(
    seeded: Hand, as_identity: UseIdentity
) -> None:
    """No date in the link: the campaign (15/11-14/12/2025) is over, so the app reads it at the
    end of its last day, as `loa scorecard` does without --as-of, and the range shows it all."""
    as_identity(NATIONAL)
    at = AppTest.from_file(APP, default_timeout=60)
    run(at)
    end = datetime(2025, 12, 15, tzinfo=ZONE) - timedelta(microseconds=1)
    assert at.date_input(key="f_range").value == (date(2025, 11, 15), date(2025, 12, 14))
    assert "to" not in at.query_params
    shown = table_rows(at)
    assert {r["as_of"] for r in shown} == {end.isoformat()}
    result = CliRunner().invoke(cli, ["scorecard", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert [p["as_of"] for p in printed] == [end.isoformat()] * len(printed)
    for row, expected in zip(shown, printed, strict=True):
        for column in COLUMNS:
            assert same(row[column], shown_as(column, expected, expected[column])), (
                row["kpi"],
                column,
            )
        assert row["status"] == status_said(expected["status"]), row["kpi"]
    assert "14/12/2025" in texts(at)  # the "as of" line names the campaign's last day
