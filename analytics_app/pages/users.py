"""Users (admins): who may open the app, with which role and unit; add or change a user, end
a user's access. Every write goes through `services.people`, which checks the role again and
audits: this page is shown to admins only, but hiding it is not the check."""

import pandas as pd
import streamlit as st

from analytics_app.components import cached, layout
from analytics_app.components.filters import current_scope
from analytics_app.i18n import lang, t
from analytics_app.identity import oidc_configured, viewer
from analytics_app.services import people
from analytics_app.services.cache import generation
from analytics_app.services.data import engine
from campaigns.access import Action
from campaigns.errors import UserError
from campaigns.models import Role

FLASH_KEY = "users_flash"  # what the last write did, said after the rerun that shows it

layout.header("users.title", "users.subtitle")
who = viewer()
if not who.can(Action.USERS):
    st.error(t("users.refused"), icon=":material/block:")
    st.stop()
language = lang()
flash = st.session_state.pop(FLASH_KEY, None)
if flash:
    st.success(flash, icon=":material/check_circle:")

try:
    registered = people.list_people(engine(), who)
except UserError as exc:
    st.error(str(exc))
    st.stop()

if not registered:
    st.info(t("users.none"), icon=":material/inbox:")
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("users.col.username"): p.username,
                    t("users.col.name"): p.name,
                    t("users.col.role"): t(f"role.{p.role}"),
                    t("users.col.unit"): p.unit or t("users.all_units"),
                    t("users.col.active"): p.active,
                    t("users.col.password"): p.can_sign_in,
                }
                for p in registered
            ]
        ),
        hide_index=True,
        key="users_table",
    )

scope = current_scope()
units: list[str] = []
names: dict[str, str] = {}
if scope is not None:
    opts = cached.filter_options(scope.campaign, None, generation())
    units = [u.key for u in opts.units]
    names = {u.key: u.title(language) for u in opts.units}

st.subheader(t("users.add"))
st.caption(t("users.add_help"))
with st.form("users_add", clear_on_submit=True, border=True):
    left, right = st.columns(2)
    username = left.text_input(t("users.username"), key="users_username", max_chars=80)
    display_name = right.text_input(t("users.name"), key="users_name", max_chars=120)
    role = left.selectbox(
        t("users.role"),
        [r.value for r in Role],
        key="users_role",
        format_func=lambda r: t(f"role.{r}"),
    )
    if units:
        unit = right.selectbox(
            t("users.unit"),
            ["", *units],
            key="users_unit",
            format_func=lambda u: t("users.all_units") if not u else f"{names.get(u, u)} ({u})",
        )
    else:
        unit = right.text_input(t("users.unit"), key="users_unit")
    password = left.text_input(
        t("users.password"), type="password", key="users_password", help=t("users.password_help")
    )
    # Offered where the organisation's sign-in (OIDC) is configured: no Loa password at all.
    organisation_only = oidc_configured() and right.checkbox(
        t("users.organisation_only"), key="users_org_only", help=t("users.organisation_only_help")
    )
    if st.form_submit_button(t("users.save"), type="primary", icon=":material/person_add:"):
        try:
            saved = people.add_user(
                engine(),
                who,
                username,
                role,
                display_name=display_name.strip(),
                unit_key=(unit or "").strip() or None,
                password=password or None,
                organisation_only=bool(organisation_only),
            )
        except UserError as exc:
            st.error(str(exc))
        else:
            st.session_state[FLASH_KEY] = t("users.saved", name=saved.username)
            st.rerun()

st.subheader(t("users.deactivate"))
others = [p.username for p in registered if p.active and p.username != who.username]
if not others:
    st.caption(t("users.nobody_to_deactivate"))
else:
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(t("users.deactivate_who"), others, key="users_deactivate_who")
    if right.button(t("users.deactivate_button"), key="users_deactivate", icon=":material/block:"):
        try:
            people.deactivate(engine(), who, chosen)
        except UserError as exc:
            st.error(str(exc))
        else:
            st.session_state[FLASH_KEY] = t("users.deactivated", name=chosen)
            st.rerun()
