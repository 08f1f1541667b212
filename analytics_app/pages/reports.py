"""Reports: the weekly and final reports written under LOA_HOME/reports/, to download."""

import streamlit as st

from analytics_app.components import layout
from analytics_app.components.filters import current_scope
from analytics_app.i18n import lang, t
from analytics_app.i18n.format import moment
from analytics_app.identity import viewer
from analytics_app.services.reports_index import list_reports, visible_reports

layout.header("reports.title", "reports.subtitle")
language = lang()
zone = layout.zone_of(current_scope())
files = visible_reports(viewer())
if not files:
    if list_reports():  # there are reports, of other units or of the whole campaign
        st.info(t("reports.none_for_unit"), icon=":material/inbox:")
        st.stop()
    st.info(t("reports.empty"), icon=":material/inbox:")
    st.code("loa report weekly --out DIR\nloa report final --out DIR", language="sh")
    st.stop()
for index, f in enumerate(files):
    with st.container(border=True):
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.markdown(f"**{layout.plain(f.name)}**")
        left.caption(f"{f.kind} · {f.size / 1024:,.0f} KB · {moment(f.modified, zone, language)}")
        right.download_button(
            t("reports.download"),
            f.path.read_bytes,  # read when clicked
            file_name=f.path.name,
            key=f"report_{index}",
            icon=":material/download:",
        )
