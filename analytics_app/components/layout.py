"""Page furniture: titles, the "as of" line, empty states, and user text shown as text."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from analytics_app.engine.moment import default_as_of
from analytics_app.i18n import lang, t
from analytics_app.i18n.format import moment
from analytics_app.services.filters import Scope

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>&$:])")


def plain(text: str) -> str:
    """User text (a title, a message, a file name) made inert for Markdown: every character
    that Markdown or HTML would read as markup is escaped, so it shows as typed."""
    return _MARKDOWN.sub(r"\\\1", text)


def zone_of(scope: Scope | None) -> ZoneInfo:
    from analytics_app.components import cached

    if scope is not None:
        for c in cached.campaigns():
            if c.key == scope.campaign:
                return ZoneInfo(c.timezone)
    return ZoneInfo("Asia/Ho_Chi_Minh")


def as_of(scope: Scope) -> datetime:
    """The moment a page reads at: the end of the chosen range, else the default moment (the
    campaign's end once it is over, now otherwise; the rule `loa scorecard` follows)."""
    from analytics_app.components import cached

    zone = zone_of(scope)
    for c in cached.campaigns():
        if c.key == scope.campaign:
            return scope.filters.as_of(default_as_of(c.ends, zone, cached.now()), zone)
    return scope.filters.as_of(cached.now(), zone)


def header(title_key: str, subtitle_key: str | None = None) -> None:
    st.title(t(title_key))
    if subtitle_key:
        st.caption(t(subtitle_key))


def as_of_line(as_of: datetime, data_as_of: datetime | None, zone: ZoneInfo) -> None:
    """When the numbers are read at, and how fresh the newest data behind them is."""
    language = lang()
    text = t("common.as_of", moment=moment(as_of, zone, language))
    if data_as_of is not None:
        text += " · " + t("common.data_as_of", moment=moment(data_as_of, zone, language))
    st.caption(":material/schedule: " + text)


def page_scope(title_key: str, subtitle_key: str | None = None) -> Scope:
    """A page's title, then the scope its filters give; the empty state (and a stop) when no
    campaign is imported yet."""
    from analytics_app.components.filters import current_scope

    header(title_key, subtitle_key)
    scope = current_scope()
    if scope is None:
        no_campaign()
        st.stop()
    return scope


def no_campaign() -> None:
    """The empty state of a page when nothing is imported yet."""
    st.info(t("empty.no_campaign"), icon=":material/inbox:")
    st.code("loa campaign import my-campaign.yaml", language="sh")


def css() -> None:
    """A few touches Streamlit's theme has no option for (tile borders, badge spacing)."""
    st.markdown(
        """<style>
        div[data-testid="stMetric"] {background: #ffffff; border: 1px solid #e6e8ef;
          border-radius: 10px; padding: 10px 14px; box-shadow: 0 1px 2px rgba(16,24,40,.04);}
        div[data-testid="stMetricLabel"] p {font-weight: 600; color: #475467;}
        .block-container {padding-top: 2.2rem;}
        </style>""",
        unsafe_allow_html=True,
    )
