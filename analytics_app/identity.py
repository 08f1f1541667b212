"""Who is looking: the one place the app learns the signed-in person (tests replace
`current_identity`).

- While no user is registered, the app runs as the local setup operator
  (`campaigns.accounts.setup_identity()`), as every `loa` command does.
- Once a user exists, every page asks for sign-in: a local account (argon2 password) opens a
  login session whose token, identity and expiry live in the session state; every run re-reads
  the person from the token, so an expired or revoked session, or a changed role, applies at
  once.
- With `[auth]` configured in the secrets, `st.login()` (OIDC) is offered too; the provider's
  e-mail must be a registered user's name.
"""

from datetime import datetime

import streamlit as st

from analytics_app.i18n import t
from analytics_app.services.data import session
from campaigns.access import Identity
from campaigns.accounts import (
    SESSION_TTL,
    authenticate,
    identity_for_token,
    login_expiry,
    open_login,
    revoke,
    setup_identity,
    users_exist,
)
from campaigns.errors import UserError
from campaigns.models import User
from campaigns.timeutil import utcnow

IDENTITY_KEY = "identity"
EXPIRES_KEY = "identity_expires"
TOKEN_KEY = "login_token"
VIEWER_KEY = "viewer"  # the identity this run acts for (set by app.py)


def current_identity() -> Identity | None:
    """The signed-in person, the setup operator while no user exists, or None (sign in)."""
    with session() as s:
        if not users_exist(s):
            return setup_identity()
        token = st.session_state.get(TOKEN_KEY)
        if token:
            expires: datetime | None = st.session_state.get(EXPIRES_KEY)
            if expires is not None and expires <= utcnow():
                _forget()
                st.session_state["signin_notice"] = "signin.expired"
                return None
            try:
                who = identity_for_token(s, token)
            except UserError:
                _forget()
                st.session_state["signin_notice"] = "signin.expired"
                return None
            st.session_state[IDENTITY_KEY] = who
            return who
        return _oidc_identity(s)


def viewer() -> Identity:
    """The identity of this run, as app.py established it."""
    who = st.session_state.get(VIEWER_KEY)
    if not isinstance(who, Identity):
        st.stop()
    return who


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_identity(s: object) -> Identity | None:
    """The registered user whose name is the OIDC provider's e-mail, when signed in there."""
    if not oidc_configured():
        return None
    try:
        if not st.user.is_logged_in:
            return None
        email = str(st.user.get("email") or "").strip().lower()
    except Exception:
        return None
    from sqlmodel import Session, col, func, select

    from campaigns.accounts import identity_of

    assert isinstance(s, Session)
    user = s.exec(select(User).where(func.lower(col(User.username)) == email)).first()
    if user is None or not user.active:
        st.session_state["signin_notice"] = "signin.oidc_unknown"
        return None
    return identity_of(user)


def _forget() -> None:
    for key in (IDENTITY_KEY, EXPIRES_KEY, TOKEN_KEY, VIEWER_KEY):
        st.session_state.pop(key, None)


def sign_in(username: str, password: str) -> Identity:
    """Check the password and open a login session (UserError when wrong)."""
    with session() as s:
        who = authenticate(s, username, password)
        token = open_login(s, who, SESSION_TTL)
        expires = login_expiry(s, token) or (utcnow() + SESSION_TTL)
    st.session_state[TOKEN_KEY] = token
    st.session_state[IDENTITY_KEY] = who
    st.session_state[EXPIRES_KEY] = expires
    return who


def sign_out() -> None:
    """End the login session (revoked in the database) and forget the person."""
    token = st.session_state.get(TOKEN_KEY)
    if token:
        with session() as s:
            revoke(s, token)
    _forget()
    if oidc_configured():
        try:
            if st.user.is_logged_in:
                st.logout()
        except Exception:
            pass


def sign_in_form() -> None:
    """The sign-in page: name and password, and the OIDC button when configured."""
    notice = st.session_state.pop("signin_notice", None)
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title(t("signin.title"))
        st.caption(t("signin.subtitle"))
        if notice:
            st.warning(t(notice))
        with st.form("signin", border=True):
            username = st.text_input(t("signin.username"), key="signin_user")
            password = st.text_input(t("signin.password"), type="password", key="signin_password")
            submitted = st.form_submit_button(t("signin.submit"), type="primary")
        if submitted:
            try:
                sign_in(username, password)
            except UserError:
                st.error(t("signin.wrong"))
            else:
                st.rerun()
        if oidc_configured():
            st.divider()
            if st.button(t("signin.oidc"), key="signin_oidc"):
                st.login()
