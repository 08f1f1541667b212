"""Which pages a role gets: the page list of `st.navigation`, decided in one place."""

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from analytics_app.i18n import t
from campaigns.access import Identity
from campaigns.models import Role

HERE = Path(__file__).parent
CALENDAR_ROLES = frozenset({Role.OFFICER, Role.MANAGER, Role.ADMIN})


def page_files(who: Identity) -> list[str]:
    """The page files (relative to the app) this person may open, in menu order."""
    files = ["pages/overview.py", "pages/trends.py", "pages/content.py", "pages/audience.py"]
    if who.units is None:
        files.append("pages/units.py")
    if who.role in CALENDAR_ROLES:
        files.append("pages/calendar.py")
    files += ["pages/health.py", "pages/reports.py"]
    if who.role == Role.ADMIN and (HERE / "pages" / "users.py").exists():
        files.append("pages/users.py")
    return files


ICONS = {
    "overview": ":material/dashboard:",
    "trends": ":material/show_chart:",
    "content": ":material/article:",
    "audience": ":material/groups:",
    "units": ":material/account_tree:",
    "calendar": ":material/calendar_month:",
    "health": ":material/monitor_heart:",
    "reports": ":material/description:",
    "users": ":material/manage_accounts:",
}


def pages_for(who: Identity) -> list[StreamlitPage]:
    pages = []
    for index, file in enumerate(page_files(who)):
        name = Path(file).stem
        pages.append(
            st.Page(
                file,
                title=t(f"nav.{name}"),
                icon=ICONS[name],
                url_path=name,
                default=index == 0,
            )
        )
    return pages
