"""Content: the best and the weakest posts and clips at equal age (24 h, 7 d), and when to
publish (weekday x hour in the campaign zone, from the campaign's own history)."""

import html

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics_app.components import cached, layout
from analytics_app.components.export import export_buttons
from analytics_app.components.filters import metric_choice
from analytics_app.components.theme import ACCENT, style
from analytics_app.i18n import lang, t
from analytics_app.i18n.format import metric_label, moment, number
from analytics_app.services.content import RANK_METRICS, Post

KINDS = ("", "post", "link", "photo", "clip")

scope = layout.page_scope("content.title", "content.subtitle")
language = lang()
zone = layout.zone_of(scope)
as_of = layout.as_of(scope)

left, middle, right = st.columns([2, 2, 2])
with left:
    metric = metric_choice("content.metric", RANK_METRICS, key="content_metric")
with middle:
    age = str(
        st.radio(
            t("content.age"),
            ("24h", "7d"),
            key="content_age",
            horizontal=True,
            format_func=lambda a: t(f"age.{a}"),
        )
    )
with right:
    kind = str(
        st.selectbox(
            t("content.kind"),
            KINDS,
            key="content_kind",
            format_func=lambda k: t(f"kind.{k}") if k else t("filters.all"),
        )
    )

data = cached.content(scope, metric, age, kind or None, as_of)
layout.as_of_line(as_of, None, zone)
st.caption(
    t(
        "content.counts",
        ranked=data.ranked,
        young=data.too_young,
        unmeasured=data.unmeasured,
        age=t(f"age.{age}"),
    )
)
if not data.top:
    st.info(t("content.empty"), icon=":material/inbox:")
    st.stop()


def frame(posts: list[Post]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("content.col.rank"): p.rank,
                t("content.col.title"): p.title or p.content,
                t("content.col.message"): p.message,
                t("content.col.kind"): t(f"kind.{p.kind}"),
                t("content.col.channel"): p.channel,
                t("content.col.unit"): p.unit,
                t("content.col.published"): moment(p.published_at, zone, language),
                metric_label(metric, language): p.value,
            }
            for p in posts
        ]
    )


chart = go.Figure(
    go.Bar(
        y=[html.escape((p.title or p.content)[:48]) for p in data.top],
        x=[p.value for p in data.top],
        orientation="h",
        marker_color=ACCENT,
        text=[number(p.value, metric, language, compact=True) for p in data.top],
        textposition="outside",
        cliponaxis=False,
    )
)
chart.update_yaxes(autorange="reversed")
chart.update_xaxes(title=f"{metric_label(metric, language)} · {t('age.' + age)}")
st.subheader(t("content.top"))
st.plotly_chart(style(chart, height=80 + 34 * len(data.top), legend=False), key="content_top_chart")
top = frame(data.top)
st.dataframe(top, hide_index=True, key="content_top")
export_buttons(
    top,
    f"top-{metric}-{age}",
    scope.campaign,
    scope.filters.describe(),
    as_of,
    "content_top_export",
)
if data.bottom:
    st.subheader(t("content.bottom"))
    bottom = frame(data.bottom)
    st.dataframe(bottom, hide_index=True, key="content_bottom")
    export_buttons(
        bottom,
        f"bottom-{metric}-{age}",
        scope.campaign,
        scope.filters.describe(),
        as_of,
        "content_bottom_export",
    )

st.subheader(t("content.best_time"))
days = [t(f"weekday.{d}") for d in range(7)]
hours = list(range(24))
cells = {(c.weekday, c.hour): c for c in data.heatmap}
z = [[cells[(d, h)].mean if (d, h) in cells else None for h in hours] for d in range(7)]
counts = [[cells[(d, h)].count if (d, h) in cells else 0 for h in hours] for d in range(7)]
heat = go.Figure(
    go.Heatmap(
        z=z,
        x=[f"{h:02d}h" for h in hours],
        y=days,
        text=[[f"n={n}" if n else "" for n in row] for row in counts],
        texttemplate="%{text}",
        colorscale="Purples",
        hoverongaps=False,
        colorbar={"title": metric_label(metric, language)},
        xgap=2,
        ygap=2,
    )
)
heat.update_yaxes(autorange="reversed")
st.plotly_chart(style(heat, height=340, legend=False), key="content_heatmap")
st.caption(t("content.best_time_note", n=data.min_count))
