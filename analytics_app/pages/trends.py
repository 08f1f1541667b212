"""Trends: reach, views, engagements and watch time over the campaign's days, by platform, unit
or content kind, with the key dates (launch, 25/11, 10/12, close) marked."""

from datetime import datetime, time, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics_app.components import cached, layout
from analytics_app.components.export import export_buttons
from analytics_app.components.filters import metric_choice
from analytics_app.components.theme import PLATFORM_COLOURS, SERIES_COLOURS, style
from analytics_app.i18n import lang, t
from analytics_app.i18n.format import day, metric_label
from analytics_app.services.trends import SPLITS, TREND_METRICS

scope = layout.page_scope("trends.title", "trends.subtitle")
language = lang()
zone = layout.zone_of(scope)
as_of = layout.as_of(scope)

left, middle, right = st.columns([2, 2, 1])
with left:
    metric = metric_choice("trends.metric", TREND_METRICS, key="trend_metric")
with middle:
    split = str(
        st.radio(
            t("trends.split"),
            SPLITS,
            key="trend_split",
            horizontal=True,
            format_func=lambda s: t(f"split.{s}"),
        )
    )
with right:
    cumulative = st.toggle(t("trends.cumulative"), key="trend_cumulative")

data = cached.trends(scope, metric, split, as_of)
layout.as_of_line(as_of, None, zone)
if scope.filters.objective:
    st.caption(t("trends.objective_note"))
if not data.series:
    st.info(t("trends.empty", metric=metric_label(metric, language)), icon=":material/inbox:")
    st.stop()

fig = go.Figure()
for index, series in enumerate(data.series):
    colour = (
        PLATFORM_COLOURS.get(series.label) if split == "platform" else None
    ) or SERIES_COLOURS[index % len(SERIES_COLOURS)]
    label = t(f"platform.{series.label}") if split == "platform" else series.label
    fig.add_scatter(
        x=list(series.days),
        y=list(series.cumulative if cumulative else series.daily),
        mode="lines+markers",
        name=label,
        line={"width": 2.5, "color": colour, "shape": "spline", "smoothing": 0.4},
        marker={"size": 5},
    )
top = max(max(s.cumulative if cumulative else s.daily, default=0.0) for s in data.series)
for key_day in data.key_days:
    if not data.first_day <= key_day.day <= data.last_day:
        continue
    moment = datetime.combine(key_day.day, time(12))
    fig.add_shape(
        type="line",
        x0=moment,
        x1=moment,
        y0=0,
        y1=1,
        yref="paper",
        line={"color": "#5b3cc4", "width": 1.5, "dash": "dot"},
    )
    fig.add_annotation(
        x=moment,
        y=1,
        yref="paper",
        text=(key_day.name_en if language == "en" else key_day.name)[:28],
        showarrow=False,
        xanchor="left",
        yanchor="top",
        font={"size": 11, "color": "#5b3cc4"},
        bgcolor="rgba(255,255,255,0.8)",
    )
fig.update_yaxes(
    title=metric_label(metric, language), rangemode="tozero", range=[0, top * 1.15 or 1]
)
fig.update_xaxes(
    range=[data.first_day - timedelta(hours=12), data.last_day + timedelta(hours=12)],
    tickformat="%d/%m",
)
st.plotly_chart(style(fig, height=460), key="trend_chart", config={"displayModeBar": False})
if data.left_out:
    st.caption(t("trends.left_out", n=data.left_out))

table = pd.DataFrame(
    [
        {
            "group": s.label,
            "day": d.isoformat(),
            "daily": v,
            "cumulative": c,
        }
        for s in data.series
        for d, v, c in zip(s.days, s.daily, s.cumulative, strict=True)
    ]
)
with st.expander(t("trends.table")):
    st.dataframe(table, hide_index=True, key="trend_table")
    export_buttons(
        table,
        f"trend-{metric}-{split}",
        scope.campaign,
        scope.filters.describe(),
        as_of,
        "trend_export",
    )
st.caption(
    t("trends.range", first=day(data.first_day, language), last=day(data.last_day, language))
)
