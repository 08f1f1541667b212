"""Audience: viewers by gender and age (YouTube Analytics), followers gained, and the
objectives' audience targets; where a platform gives no demographics, it says so."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics_app.components import cached, layout
from analytics_app.components.bullet import bullet_figure, kpi_label
from analytics_app.components.export import export_buttons
from analytics_app.components.theme import style
from analytics_app.engine.status import Status
from analytics_app.i18n import lang, t
from analytics_app.i18n.format import moment, number, percent, score_reason

GENDER_COLOURS = {"female": "#8e24aa", "male": "#1e88e5", "user_specified": "#9aa0a6"}

scope = layout.page_scope("audience.title", "audience.subtitle")
language = lang()
zone = layout.zone_of(scope)
as_of = layout.as_of(scope)
data = cached.audience(scope, as_of)
newest = max((p.captured_at for p in data.platforms if p.captured_at), default=None)
layout.as_of_line(as_of, newest, zone)

left, right = st.columns([3, 2])
with left:
    st.subheader(t("audience.who"))
    if not data.shares:
        st.info(t("audience.no_shares"), icon=":material/inbox:")
    else:
        fig = go.Figure()
        for gender in sorted({s.gender for s in data.shares}):
            rows = [s for s in data.shares if s.gender == gender]
            fig.add_bar(
                x=[s.age_group.removeprefix("age") for s in rows],
                y=[s.share * 100 for s in rows],
                name=t(f"gender.{gender}") if gender in GENDER_COLOURS else gender,
                marker_color=GENDER_COLOURS.get(gender, "#607d8b"),
                text=[percent(s.share, language) for s in rows],
                textposition="outside",
            )
        fig.update_layout(barmode="group")
        fig.update_yaxes(ticksuffix=" %", title=t("audience.share_of_views"))
        st.plotly_chart(
            style(fig, height=380), key="audience_chart", config={"displayModeBar": False}
        )
with right:
    st.subheader(t("audience.platforms"))
    for p in data.platforms:
        with st.container(border=True):
            st.markdown(f"**{t('platform.' + p.platform)}**")
            if p.reporting:
                st.caption(t("audience.reporting", n=p.reporting, total=p.channels))
            elif p.platform == "facebook":
                st.caption(t("audience.facebook_none"))
            else:
                st.caption(t("audience.none_yet", total=p.channels))
            st.metric(
                t("audience.followers"),
                number(p.followers_gained, "followers_gained", language),
                border=False,
            )

st.subheader(t("audience.targets"))
if not data.targets:
    st.caption(t("audience.no_targets"))
else:
    st.plotly_chart(
        bullet_figure(data.targets, language),
        key="audience_targets",
        config={"displayModeBar": False},
    )
    for s in data.targets:
        # A reason without data already says so ("No data: …"): no status word before it.
        said = "" if s.status == Status.NO_DATA else f"{t('status.' + s.status)}: "
        st.markdown(
            f"**{layout.plain(kpi_label(s, language))}** — {said}"
            + layout.plain(score_reason(s, language))
        )
        st.caption(t("common.data_as_of", moment=moment(s.data_as_of, zone, language)))

table = pd.DataFrame(
    [{"gender": s.gender, "age_group": s.age_group, "share": s.share} for s in data.shares]
)
if not table.empty:
    with st.expander(t("audience.table")):
        st.dataframe(table, hide_index=True, key="audience_table")
        export_buttons(
            table, "audience", scope.campaign, scope.filters.describe(), as_of, "audience_export"
        )
