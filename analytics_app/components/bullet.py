"""The scorecard's bullet charts: one figure per objective, one row per KPI, on the scale of
each KPI's target (100 %), so that KPIs of different units share an axis.

A row shows the target (the dark line at 100 %), the actual (the bar, in its status colour),
what the pacing curve expects by now (the tick) and the projection to the end (the diamond);
hovering shows the numbers themselves. A KPI with nothing measured shows "no data", not 0.
"""

import html
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from analytics_app.components.theme import STATUS_COLOURS, base_layout
from analytics_app.engine.scorecard import KpiScore
from analytics_app.i18n.catalog import message
from analytics_app.i18n.format import metric_label, number

CAP = 250.0  # percent: beyond this a row is drawn at the edge (the label says how far)


BRIEF = 2  # a chart's row names this many of what a KPI narrows to, then counts the rest


def kpi_label(score: KpiScore, lang: str, *, brief: bool = False) -> str:
    """The metric's name, and what the KPI narrows to, when it does; `brief` (a chart row)
    names the first few and counts the rest, so twelve provinces do not squeeze the bars."""
    narrowing = [v for values in score.filters.values() for v in values]
    label = metric_label(score.metric, lang)
    if brief and len(narrowing) > BRIEF + 1:
        narrowing = [*narrowing[:BRIEF], f"+{len(narrowing) - BRIEF}"]
    if narrowing:
        label += " · " + ", ".join(narrowing)
    return label


def _pct(value: float | None, target: float) -> float | None:
    if value is None or not target:
        return None
    return min(CAP, value / target * 100.0)


def bullet_figure(scores: Sequence[KpiScore], lang: str) -> go.Figure:
    """The objective's KPIs as bullet rows (first KPI on top)."""
    full = [html.escape(kpi_label(s, lang)) for s in scores]
    labels = [html.escape(kpi_label(s, lang, brief=True)) for s in scores]
    if len(set(labels)) < len(labels):  # rows are told apart by their names
        labels = full
    actual = [_pct(s.actual, s.target) for s in scores]
    expected = [_pct(s.expected, s.target) for s in scores]
    projection = [_pct(s.projection, s.target) for s in scores]
    reach = max([120.0, *(v + 10 for v in (*actual, *expected, *projection) if v is not None)])
    top = min(CAP + 10, reach)

    def names(key: str) -> str:
        return message(lang, key)

    hover = [
        "<br>".join(
            [
                f"<b>{label}</b>",  # the hover names everything the KPI narrows to
                f"{names('bullet.actual')}: {number(s.actual, s.metric, lang)}",
                f"{names('bullet.target')}: {number(s.target, s.metric, lang)}",
                f"{names('bullet.expected')}: {number(s.expected, s.metric, lang)}",
                f"{names('bullet.projection')}: {number(s.projection, s.metric, lang)}",
            ]
        )
        for label, s in zip(full, scores, strict=True)
    ]
    bars = [STATUS_COLOURS.get(s.status, "#888") for s in scores]
    data: list[dict[str, Any]] = [
        {"type": "bar", "x": [top] * len(scores), "marker": {"color": "#f1f3f6"}},
        {"type": "bar", "x": [100.0] * len(scores), "marker": {"color": "#dde2ea"}},
    ]
    for band in data:
        band.update(y=labels, orientation="h", width=0.72, hoverinfo="skip", showlegend=False)
    data += [
        {
            "type": "bar",
            "y": labels,
            "x": [v or 0.0 for v in actual],
            "orientation": "h",
            "marker": {"color": bars},
            "width": 0.32,
            "name": names("bullet.actual"),
            "text": [
                number(s.actual, s.metric, lang, compact=True) if s.actual is not None else ""
                for s in scores
            ],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertext": hover,
            "hoverinfo": "text",
        },
        {
            "type": "scatter",
            "y": labels,
            "x": expected,
            "mode": "markers",
            "marker": {"symbol": "line-ns", "size": 26, "line": {"width": 3, "color": "#263238"}},
            "name": names("bullet.expected"),
            "hovertext": hover,
            "hoverinfo": "text",
        },
        {
            "type": "scatter",
            "y": labels,
            "x": projection,
            "mode": "markers",
            "marker": {
                "symbol": "diamond",
                "size": 11,
                "color": "white",
                "line": {"width": 2, "color": "#5b3cc4"},
            },
            "name": names("bullet.projection"),
            "hovertext": hover,
            "hoverinfo": "text",
        },
    ]
    layout = base_layout(height=70 + 48 * len(scores))
    layout.update(
        barmode="overlay",
        bargap=0.25,
        yaxis={"autorange": "reversed", "showgrid": False},
        xaxis={"range": [0, top], "ticksuffix": " %", "showgrid": True, "gridcolor": "#eceff1"},
        shapes=[
            {
                "type": "line",
                "x0": 100,
                "x1": 100,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"width": 2, "color": "#263238"},
            }
        ],
        annotations=[
            {
                "y": label,
                "x": 2,
                "text": names("status.no_data"),
                "showarrow": False,
                "xanchor": "left",
                "font": {"color": "#6b7280"},
            }
            for label, a in zip(labels, actual, strict=True)
            if a is None
        ],
    )
    # One constructor call: building the figure trace by trace cost six times as much.
    return go.Figure(data=data, layout=layout)
