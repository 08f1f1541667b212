"""The final report: activities by kind, results per objective, the per-unit roll-up and a
narrative that quotes the same numbers, in Vietnamese and English."""

from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.engine import scorecard
from analytics_app.reports import build_final
from tests.analytics_app.factories import local
from tests.analytics_app.reports.data import build


def test_final_report_quotes_the_engines_numbers(sqlite_engine: Engine) -> None:
    build(sqlite_engine)
    now = local(16, 12, 9)
    with Session(sqlite_engine) as s:
        report = build_final(s, "hand", now=now, lang="en")
        scores = scorecard(s, "hand", now)
    activities = {r[0]: r[2] for r in report.section("activities").rows}
    assert activities["Posts published"] == 2  # A, B (D failed, E still queued)
    assert activities["Clips published"] == 1  # C
    # 15/11 is a key date (the launch): A went out that day; nothing on 25/11 or 10/12.
    assert activities["Key-date activities: Launch of the Action Month"] == 1
    assert activities["Key-date activities: Human Rights Day"] == 0
    results = {r[2]: r for r in report.section("summary").rows}
    assert [r[2] for r in report.section("summary").rows] == [x.kpi for x in scores]
    for x in scores:
        assert results[x.kpi][5] == x.target
    units = {r[0]: r for r in report.section("units").rows}
    assert set(units) == {"u1", "u2", "u3"}
    assert units["u1"][3:5] == [1, 1]  # u1: post A, clip C
    en, vi = report.narrative["en"], report.narrative["vi"]
    assert en[0].startswith(
        "During the Action Month (15/11/2025 to 14/12/2025), National (every unit) published "
        "2 posts and 1 clip, 1 of them on key dates; 2 units had content published. 2 went out "
        "on time, 1 late, 1 failed and 0 were missed."
    )
    behind = sum(x.status == "behind" for x in scores)
    assert f"{behind} behind" in en[1]
    assert vi[0].startswith("Trong Tháng hành động (từ 15/11/2025 đến 14/12/2025)")
    assert "đã đăng 2 bài viết và 1 clip" in vi[0]
    assert report.notices == ["Units with no channel (no figures, not zeros): u3."]
