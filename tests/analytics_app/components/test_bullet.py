"""The bullet chart names each KPI row so the bars keep their room: a KPI narrowed to twelve
provinces is named by two and a count, the hover names them all."""

from datetime import UTC, datetime
from typing import Any

from analytics_app.components.bullet import bullet_figure, kpi_label
from analytics_app.engine.scorecard import KpiScore

PROVINCES = [f"p{n:02d}" for n in range(12)]
AT = datetime(2025, 12, 1, tzinfo=UTC)


def score(kpi: str, units: list[str]) -> KpiScore:
    return KpiScore(
        objective="O1",
        objective_title="",
        kpi=kpi,
        metric="posts_published",
        target=100.0,
        actual=50.0,
        percent=50.0,
        expected=40.0,
        projection=90.0,
        status="on_track",
        reason="",
        as_of=AT,
        data_as_of=AT,
        filters={"unit": units} if units else {},
    )


def rows(figure: Any) -> list[str]:
    return list(figure.data[0].y)


def test_a_row_names_two_of_many_and_counts_the_rest() -> None:
    many, few = score("provinces", PROVINCES), score("two", ["p00", "p01"])
    assert kpi_label(many, "en", brief=True).endswith("· p00, p01, +10")
    assert kpi_label(many, "en").endswith(", ".join(PROVINCES))  # captions name them all
    assert kpi_label(few, "en", brief=True) == kpi_label(few, "en")
    figure = bullet_figure([many, few], "en")
    assert rows(figure) == [kpi_label(many, "en", brief=True), kpi_label(few, "en")]
    hovers = " ".join(str(t) for trace in figure.data for t in (trace.hovertext or ()))
    assert "p11" in hovers


def test_rows_that_would_share_a_short_name_keep_their_full_names() -> None:
    a = score("a", PROVINCES[:10])
    b = score("b", [*PROVINCES[:2], *PROVINCES[4:]])  # also "p00, p01, +8"
    figure = bullet_figure([a, b], "en")
    assert rows(figure) == [kpi_label(a, "en"), kpi_label(b, "en")]
