"""Units: the national roll-up of every ministry, sector, committee and province: activity,
results and execution, sortable, with a drill-down to one unit's own overview."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics_app.components import cached, layout
from analytics_app.components.export import export_buttons
from analytics_app.components.filters import drill_down
from analytics_app.components.theme import STATUS_COLOURS, style
from analytics_app.i18n import lang, t
from analytics_app.i18n.format import metric_label

scope = layout.page_scope("units.title", "units.subtitle")
language = lang()
zone = layout.zone_of(scope)
as_of = layout.as_of(scope)
rows = cached.units(scope, as_of)
layout.as_of_line(as_of, None, zone)
if not rows:
    st.info(t("units.empty"), icon=":material/inbox:")
    st.stop()

table = pd.DataFrame(
    [
        {
            "unit": r.key,
            t("units.col.name"): r.name,
            t("units.col.kind"): t(f"unit_kind.{r.kind}"),
            t("units.col.channels"): r.channels,
            t("units.col.planned"): r.planned,
            t("units.col.published"): r.published,
            t("units.col.on_time"): r.on_time,
            t("units.col.late"): r.late,
            t("units.col.failed"): r.failed,
            t("units.col.missed"): r.missed,
            t("units.col.needs_review"): r.needs_review,
            t("units.col.on_time_rate"): r.on_time_rate,
            **{metric_label(m, language): v for m, v in r.results.items()},
        }
        for r in rows
    ]
)

chart = go.Figure()
parts = [
    ("on_time", [r.on_time for r in rows], STATUS_COLOURS["on_track"]),
    ("late", [r.late for r in rows], STATUS_COLOURS["at_risk"]),
    ("failed", [r.failed + r.missed for r in rows], STATUS_COLOURS["behind"]),
    ("pending", [r.planned - r.published - r.failed - r.missed for r in rows], "#cfd8dc"),
]
for name, values, colour in parts:
    chart.add_bar(
        x=[r.name for r in rows], y=values, name=t(f"units.part.{name}"), marker_color=colour
    )
chart.update_layout(barmode="stack")
chart.update_xaxes(tickangle=-35)
st.plotly_chart(style(chart, height=420), key="units_chart", config={"displayModeBar": False})

st.dataframe(
    table,
    hide_index=True,
    key="units_table",
    column_config={
        t("units.col.on_time_rate"): st.column_config.ProgressColumn(
            t("units.col.on_time_rate"), min_value=0.0, max_value=1.0, format="percent"
        ),
    },
)
st.caption(t("units.blank_note"))
export_buttons(table, "units", scope.campaign, scope.filters.describe(), as_of, "units_export")

names = {r.key: r.name for r in rows}
pick, go_button = st.columns([3, 1], vertical_alignment="bottom")
chosen = pick.selectbox(
    t("units.drill"), list(names), key="units_drill", format_func=lambda k: names[k]
)
if go_button.button(t("units.open"), key="units_open", icon=":material/arrow_forward:"):
    drill_down("pages/overview.py", unit=str(chosen))
