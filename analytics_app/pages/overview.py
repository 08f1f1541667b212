"""Overview: the objective scorecard. Per objective, each KPI as a bullet chart with its status
and the engine's reason; headline numbers with the change against the previous week."""

from itertools import groupby

import pandas as pd
import streamlit as st

from analytics_app.components import cached, layout
from analytics_app.components.bullet import bullet_figure, kpi_label
from analytics_app.components.export import export_buttons
from analytics_app.components.theme import STATUS_BADGE, STATUS_ICONS
from analytics_app.components.tiles import headline_tiles
from analytics_app.i18n import lang, t
from analytics_app.i18n.format import is_percent, moment, number, percent, score_reason

scope = layout.page_scope("overview.title", "overview.subtitle")
language = lang()
zone = layout.zone_of(scope)
as_of = layout.as_of(scope)
data = cached.overview(scope, as_of)
freshest = max((s.data_as_of for s in data.scores if s.data_as_of), default=None)
layout.as_of_line(as_of, freshest, zone)
if data.narrowed:
    st.info(t("overview.narrowed"), icon=":material/filter_alt:")

headline_tiles(data.headlines, zone)

if not data.scores:
    st.info(t("overview.no_kpis"), icon=":material/inbox:")
    st.stop()

counts = {k: sum(1 for s in data.scores if s.status == k) for k in STATUS_BADGE}
summary = st.columns(len(counts))
for column, (status, n) in zip(summary, counts.items(), strict=True):
    column.badge(
        f"{t('status.' + status)}: {n}", icon=STATUS_ICONS[status], color=STATUS_BADGE[status]
    )


def whole(value: float | None, metric: str) -> float | None:
    """Counts expected or projected are whole (5,483,871 posts, not 5,483,870.968); rates and
    shares keep their decimals."""
    return value if value is None or is_percent(metric) else float(round(value))


# The engine's reason in the reader's language, for the captions and the table alike.
worded = {s.kpi: score_reason(s, language) for s in data.scores}

for objective, group in groupby(data.scores, key=lambda s: s.objective):
    scores = list(group)
    first = scores[0]
    title = (
        (first.objective_title_en or first.objective_title)
        if language == "en"
        else (first.objective_title)
    )
    with st.container(border=True):
        st.subheader(layout.plain(title or objective))
        st.plotly_chart(
            bullet_figure(scores, language),
            key=f"bullet_{objective}",
            config={"displayModeBar": False},
        )
        for s in scores:
            left, right = st.columns([1, 3])
            left.badge(
                t("status." + s.status),
                icon=STATUS_ICONS.get(s.status),
                color=STATUS_BADGE.get(s.status, "gray"),
            )
            right.markdown(
                f"**{layout.plain(kpi_label(s, language))}** — "
                f"{number(s.actual, s.metric, language)} / {number(s.target, s.metric, language)}"
                + (f" ({percent(s.percent / 100.0, language)})" if s.percent is not None else "")
            )
            share = data.target_shares.get(s.kpi, 1.0)
            if share != 1.0:
                right.caption(t("overview.share", share=percent(share, language)))
            right.caption(
                layout.plain(worded[s.kpi])
                + " · "
                + t("common.data_as_of", moment=moment(s.data_as_of, zone, language))
            )

if data.excluded:
    st.caption(t("overview.excluded", kpis=", ".join(data.excluded)))

st.subheader(t("overview.table"))
table = pd.DataFrame(
    [
        {
            "objective": s.objective,
            "kpi": s.kpi,
            "metric": s.metric,
            "target": s.target,
            "actual": s.actual,
            "percent": s.percent,
            "expected": whole(s.expected, s.metric),
            "projection": whole(s.projection, s.metric),
            "status": t("status." + s.status),
            "reason": worded[s.kpi],
            "as_of": s.as_of.isoformat(),
            "data_as_of": s.data_as_of.isoformat() if s.data_as_of else None,
        }
        for s in data.scores
    ]
)
st.dataframe(
    table,
    hide_index=True,
    key="overview_table",
    column_config={
        "target": st.column_config.NumberColumn(t("col.target"), format="localized"),
        "actual": st.column_config.NumberColumn(t("col.actual"), format="localized"),
        "percent": st.column_config.NumberColumn("%", format="%.1f"),
        "expected": st.column_config.NumberColumn(t("col.expected"), format="localized"),
        "projection": st.column_config.NumberColumn(t("col.projection"), format="localized"),
        "status": st.column_config.TextColumn(t("col.status")),
        "reason": st.column_config.TextColumn(t("col.reason"), width="large"),
    },
)
export_buttons(
    table, "scorecard", scope.campaign, scope.filters.describe(), as_of, key="overview_export"
)
