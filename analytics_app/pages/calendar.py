"""Calendar (officers and managers): the unit's publications by month, week and list, coloured
by state; open one to see its text, media, previews and attempts and act on it; write, upload,
import an Excel plan, approve and edit in bulk.

Thin: the filters and the signed-in person in, one service call (`calendar_data`), then the
components draw. Every write goes through a service that checks the person's right.
"""

from datetime import date

import streamlit as st

from analytics_app.components import layout
from analytics_app.components.calendar import Clicked, Moved, calendar_widget, legend
from analytics_app.components.calendar_forms import (
    bulk_approve,
    bulk_editor,
    create_section,
    import_section,
    list_table,
    show_notice,
    upload_section,
)
from analytics_app.components.calendar_item import OPEN_KEY, apply_move, open_item
from analytics_app.components.export import export_buttons
from analytics_app.i18n import lang, t
from analytics_app.identity import viewer
from analytics_app.services.calendar import calendar_data
from analytics_app.services.data import session
from campaigns.errors import UserError
from campaigns.timeutil import utcnow

scope = layout.page_scope("calendar.title", "calendar.subtitle")
who = viewer()
language = lang()
if not st.session_state.get(OPEN_KEY):
    show_notice()  # else the open item's drawer shows it, where the person is looking

show_cancelled = st.toggle(t("calendar.show_cancelled"), key="cal_cancelled")
try:
    with session() as s:
        data = calendar_data(
            s,
            who,
            campaign=scope.campaign,
            start=scope.filters.start,
            end=scope.filters.end,
            units=scope.unit_keys or None,
            platforms=[scope.filters.platform] if scope.filters.platform else None,
            objective=scope.filters.objective,
            audience=scope.filters.audience,
            include_cancelled=show_cancelled,
        )
except UserError as exc:
    st.error(layout.plain(str(exc)))
    st.stop()
zone = data.campaign.zone
legend(data.counts())

with st.container():
    tab_calendar, tab_list, tab_new, tab_import = st.tabs(
        [
            t("calendar.tab.calendar"),
            t("calendar.tab.list"),
            t("calendar.tab.new"),
            t("calendar.tab.import"),
        ],
        key="cal_tabs",  # the chosen tab stays chosen across reruns
    )
    with tab_calendar:
        today = utcnow().astimezone(zone).date()
        initial: date = today if data.start <= today <= data.end else data.start
        action = calendar_widget(
            data.events,
            zone,
            view="dayGridMonth",
            initial=initial,
            first=data.campaign.starts,
            last=data.campaign.ends,
            lang=language,
            can_move=data.can_plan,
            key="cal_widget",
        )
        if isinstance(action, Clicked):
            st.session_state[OPEN_KEY] = action.publication
            st.rerun()
        elif isinstance(action, Moved):
            apply_move(who, action.publication, action.to, "cal_widget")
    with tab_list:
        st.columns([1, 3])[0].number_input(
            t("calendar.open"), min_value=0, step=1, key=OPEN_KEY, help=t("calendar.open_help")
        )
        frame = list_table(data, zone)
        if frame.empty:
            st.info(t("calendar.nothing"), icon=":material/event_busy:")
        else:
            bulk_approve(frame, data, who, OPEN_KEY)
            export_buttons(
                frame, "calendar", scope.campaign, scope.filters.describe(), utcnow(), "cal_export"
            )
            with st.expander(t("calendar.bulk_edit"), icon=":material/table_edit:"):
                bulk_editor(data, who, zone)
    with tab_new:
        if data.can_plan:
            create_section(data, who, scope.campaign)
            with st.expander(t("calendar.upload"), icon=":material/upload:"):
                upload_section(who, scope.campaign)
        else:
            st.info(t("calendar.read_only"))
    with tab_import:
        if data.can_plan:
            import_section(who, scope.campaign)
        else:
            st.info(t("calendar.read_only"))

opened = int(st.session_state.get(OPEN_KEY) or 0)
if opened:
    open_item(who, opened, data, zone, language)
