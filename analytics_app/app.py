"""Loa's web app (`loa dashboard`): sign-in, then the pages the signed-in role may open.

A router only: who is looking (`identity`), the language switch, the filter bar, and
`st.navigation`; every page is its own file under `pages/`.
"""

import sys
from pathlib import Path

# `streamlit run analytics_app/app.py` puts only this folder on the path: add the project.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from analytics_app import identity  # noqa: E402
from analytics_app.components import cached, filters, layout  # noqa: E402
from analytics_app.i18n import language_switch, t  # noqa: E402
from analytics_app.navigation import pages_for  # noqa: E402

st.set_page_config(page_title="Loa", page_icon=":material/campaign:", layout="wide")
cached.register()
layout.css()

who = identity.current_identity()
if who is None:
    with st.sidebar:
        language_switch()
    identity.sign_in_form()
    st.stop()
st.session_state[identity.VIEWER_KEY] = who

page = st.navigation(pages_for(who))
with st.sidebar:
    language_switch()
    name = who.display_name or who.username
    role = t(f"role.{who.role.value}")
    unit = who.unit_key or t("filters.all_units")
    st.caption(f":material/person: {layout.plain(name)} · {role} · {layout.plain(unit)}")
    if who.setup:
        st.caption(t("signin.setup_mode"))
    elif st.button(t("signin.sign_out"), key="signout", icon=":material/logout:"):
        identity.sign_out()
        st.rerun()
filters.filter_bar(who)
page.run()
