"""The viewer's language: one switch, remembered in the session and the URL (`?lang=en`).

`t(key, **values)` is the message in the current language; formatting helpers take the same
language (see `format`).
"""

import streamlit as st

from analytics_app.i18n.catalog import DEFAULT, LANGUAGES, message

LANG_KEY = "lang"


def lang() -> str:
    """The current language: the switch's value, else the URL's, else Vietnamese."""
    chosen = st.session_state.get(LANG_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    param = st.query_params.get(LANG_KEY)
    return param if param in LANGUAGES else DEFAULT


def t(key: str, **values: object) -> str:
    return message(lang(), key, **values)


def language_switch() -> None:
    """The one language switch (in the sidebar), kept in the session and the URL."""
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = lang()
    st.radio(
        message(lang(), "common.language"),
        LANGUAGES,
        key=LANG_KEY,
        horizontal=True,
        format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code],
    )
    if st.query_params.get(LANG_KEY) != st.session_state[LANG_KEY]:
        st.query_params[LANG_KEY] = st.session_state[LANG_KEY]
