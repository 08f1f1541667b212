"""Colours and the chart look, shared by every page so that a status reads the same everywhere."""

from typing import Any, Literal

import plotly.graph_objects as go

BadgeColour = Literal[
    "red", "orange", "yellow", "blue", "green", "violet", "gray", "grey", "primary"
]

STATUS_COLOURS: dict[str, str] = {
    "on_track": "#1a9850",
    "at_risk": "#f0a202",
    "behind": "#d73027",
    "no_data": "#9aa0a6",
}
STATUS_ICONS: dict[str, str] = {
    "on_track": ":material/check_circle:",
    "at_risk": ":material/warning:",
    "behind": ":material/error:",
    "no_data": ":material/help:",
}
STATUS_BADGE: dict[str, BadgeColour] = {
    "on_track": "green",
    "at_risk": "orange",
    "behind": "red",
    "no_data": "gray",
}
PLATFORM_COLOURS: dict[str, str] = {"facebook": "#1877f2", "youtube": "#e62117"}
SERIES_COLOURS: list[str] = [
    "#5b3cc4",
    "#1877f2",
    "#e62117",
    "#1a9850",
    "#f0a202",
    "#00897b",
    "#8e24aa",
    "#6d4c41",
]
ACCENT = "#5b3cc4"  # the campaign's purple


def base_layout(*, height: int | None = None, legend: bool = True) -> dict[str, Any]:
    """The app's chart look as a layout dict: light grid, system font, legend on top. No Plotly
    template: the app's Streamlit theme styles the charts (building one cost ~0.1 s a figure)."""
    layout: dict[str, Any] = {
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "Inter, 'Segoe UI', Roboto, sans-serif", "size": 13},
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "showlegend": legend,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "colorway": SERIES_COLOURS,
    }
    if height is not None:
        layout["height"] = height
    return layout


def style(fig: go.Figure, *, height: int | None = None, legend: bool = True) -> go.Figure:
    """Apply `base_layout` to a figure built step by step."""
    fig.update_layout(**base_layout(height=height, legend=legend))
    return fig
