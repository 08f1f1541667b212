"""Sign-in: once a user exists every page asks for it; a wrong password is refused; a session
expires and signing out ends it; while nobody is registered the app runs as the setup operator."""

# ruff: noqa: F811  (the fixtures are imported from app_support and named as arguments)

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from campaigns.accounts import hash_password
from campaigns.models import LoginSession, User
from tests.analytics_app.app_support import (
    app_db,  # noqa: F401  (fixture)
    make_app,
    run,
    seeded,  # noqa: F401  (fixture)
    texts,
)
from tests.analytics_app.factories import Hand

PASSWORD = "một mật khẩu dài"


def add_manager(engine: Engine) -> None:
    with Session(engine) as s:
        s.add(
            User(
                username="minh",
                role="manager",
                unit_key="u1",
                display_name="Minh",
                password_hash=hash_password(PASSWORD),
            )
        )
        s.commit()


def sign_in(password: str) -> AppTest:
    at = run(make_app())
    at.text_input(key="signin_user").input("minh")
    at.text_input(key="signin_password").input(password)
    at.button[0].click()
    return run(at)


def test_no_user_registered_runs_as_the_setup_operator(seeded: Hand) -> None:
    at = run(make_app())
    assert not at.text_input  # no sign-in form
    assert at.title[0].value == "Tổng quan mục tiêu"
    assert "người cài đặt" in texts(at)


def test_every_page_asks_for_sign_in_once_a_user_exists(seeded: Hand, app_db: Engine) -> None:
    add_manager(app_db)
    at = run(make_app())
    assert at.title[0].value == "Đăng nhập Loa"
    assert not at.dataframe  # nothing of the campaign shows
    assert not at.selectbox  # not even the filters (campaign, units)


def test_wrong_password_is_refused(seeded: Hand, app_db: Engine) -> None:
    add_manager(app_db)
    at = sign_in("not the password")
    assert "Sai tên đăng nhập hoặc mật khẩu." in [e.value for e in at.error]
    assert at.title[0].value == "Đăng nhập Loa"


def test_sign_in_opens_the_unit_scope_and_a_revoked_session_ends(
    seeded: Hand, app_db: Engine
) -> None:
    add_manager(app_db)
    at = sign_in(PASSWORD)
    assert at.title[0].value == "Tổng quan mục tiêu"
    reach = next(
        r
        for d in at.dataframe
        if "kpi" in d.value.columns
        for r in d.value.to_dict("records")
        if r["kpi"] == "reach"
    )
    assert reach["actual"] == 400.0  # u1's part only
    assert at.session_state["identity"].username == "minh"
    assert at.button(key="signout")  # signing out revokes: the browser test clicks it
    with Session(app_db) as s:
        (login,) = s.exec(select(LoginSession)).all()
        assert login.revoked_at is None
        login.revoked_at = login.created_at
        s.add(login)
        s.commit()
    # The token is re-read on every run of the app: a revoked session signs nobody in.
    again = make_app()
    again.session_state["login_token"] = at.session_state["login_token"]
    again.session_state["identity_expires"] = at.session_state["identity_expires"]
    run(again)
    assert again.title[0].value == "Đăng nhập Loa"


def test_an_expired_session_asks_again(seeded: Hand, app_db: Engine) -> None:
    add_manager(app_db)
    at = sign_in(PASSWORD)
    with Session(app_db) as s:
        login = s.exec(select(LoginSession)).one()
        login.expires_at = login.expires_at - timedelta(days=2)
        s.add(login)
        s.commit()
    at.session_state["identity_expires"] = at.session_state["identity_expires"] - timedelta(days=2)
    fresh = make_app()
    fresh.session_state["login_token"] = at.session_state["login_token"]
    run(fresh)
    assert fresh.title[0].value == "Đăng nhập Loa"
