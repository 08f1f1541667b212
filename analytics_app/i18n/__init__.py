"""The viewer's language: one switch, remembered in the session and the URL (`?lang=en`).

`t(key, **values)` is the message in the current language; formatting helpers take the same
language (see `format`).
"""

import streamlit as st

from analytics_app.i18n.catalog import DEFAULT, LANGUAGES, message

LANG_KEY = "lang"  # in the session and the URL
_SWITCH_KEY = "language_switch"  # the radio widget's own state


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
    """The one language switch (in the sidebar), kept in the session and the URL.

    The choice lives under a plain session key, not the widget's own: Streamlit drops a
    widget's state when the page changes, and the language must follow the person."""
    current = lang()
    st.session_state[LANG_KEY] = current

    def chosen() -> None:
        st.session_state[LANG_KEY] = st.session_state[_SWITCH_KEY]

    st.radio(
        message(current, "common.language"),
        LANGUAGES,
        index=LANGUAGES.index(current),
        key=_SWITCH_KEY,
        on_change=chosen,
        horizontal=True,
        format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code],
    )
    if st.query_params.get(LANG_KEY) != current:
        st.query_params[LANG_KEY] = current
