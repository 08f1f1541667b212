"""The Users page: an admin adds, changes and deactivates people through `services.people`; a
manager gets no page, is refused by the page's script when it runs anyway, and is refused by the
service when calling it directly."""

# ruff: noqa: F811  (the fixtures are imported from app_support and named as arguments)

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from analytics_app.identity import VIEWER_KEY
from analytics_app.navigation import page_files
from analytics_app.services import people
from campaigns import users
from campaigns.access import Forbidden
from campaigns.accounts import authenticate, setup_identity
from campaigns.models import AuditLog, Role, User
from tests.analytics_app.app_support import (
    ADMIN,
    MANAGER_U1,
    UseIdentity,
    app_db,  # noqa: F401  (fixture)
    as_identity,  # noqa: F401  (fixture)
    make_app,
    run,
    seeded,  # noqa: F401  (fixture)
)
from tests.analytics_app.factories import Hand
from tests.conftest import REPO

PAGE = str(REPO / "analytics_app" / "pages" / "users.py")


@pytest.fixture
def registered(seeded: Hand, app_db: Engine) -> Engine:
    """The admin `an` (as ADMIN) and the manager `minh` (as MANAGER_U1) are registered."""
    with Session(app_db) as s:
        users.add_user(s, setup_identity(), "an", "admin", password="admin-secret-1")
        users.add_user(s, ADMIN, "minh", "manager", unit_key="u1", password="manager-pass-1")
        s.commit()
    return app_db


def button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def test_an_admin_adds_a_user_who_can_then_sign_in(
    registered: Engine, as_identity: UseIdentity
) -> None:
    as_identity(ADMIN)
    at = run(run(make_app()), "users")
    table = next(d.value for d in at.dataframe if "Tên đăng nhập" in d.value.columns)
    assert list(table["Tên đăng nhập"]) == ["an", "minh"]
    units = at.selectbox(key="users_unit").options
    assert units[0] == "Mọi đơn vị"
    assert [u[-4:] for u in units[1:]] == ["(u1)", "(u2)", "(u3)"]
    at.text_input(key="users_username").input("lan")
    at.text_input(key="users_name").input("Lan <b>")
    at.selectbox(key="users_role").select("officer")
    at.selectbox(key="users_unit").select("u1")
    at.text_input(key="users_password").input("officer-pass-1")
    button(at, "Lưu").click()
    run(at)
    assert [x.value for x in at.success] == ["Đã lưu người dùng lan."]
    table = next(d.value for d in at.dataframe if "Tên đăng nhập" in d.value.columns)
    row = table[table["Tên đăng nhập"] == "lan"].iloc[0]
    assert (row["Vai trò"], row["Đơn vị"], row["Họ tên"]) == ("Cán bộ", "u1", "Lan <b>")
    with Session(registered) as s:
        lan = authenticate(s, "lan", "officer-pass-1")
        assert (lan.role, lan.unit_key) == (Role.OFFICER, "u1")
        audit = s.exec(select(AuditLog).where(AuditLog.entity_id == "lan")).one()
        assert audit.actor == ADMIN.label


def test_an_admin_deactivates_and_a_bad_entry_is_said(
    registered: Engine, as_identity: UseIdentity
) -> None:
    as_identity(ADMIN)
    at = run(run(make_app()), "users")
    assert at.selectbox(key="users_deactivate_who").options == ["minh"]  # never oneself
    at.button(key="users_deactivate").click()
    run(at)
    assert [x.value for x in at.success] == ["Đã khóa quyền truy cập của minh."]
    with Session(registered) as s:
        assert not s.exec(select(User).where(User.username == "minh")).one().active
    at.text_input(key="users_username").input("new person")  # two words
    at.text_input(key="users_password").input("x-pass-12345")
    button(at, "Lưu").click()
    run(at)
    assert "a user name is one word" in " ".join(e.value for e in at.error)


def test_a_manager_gets_no_page_and_the_service_refuses(
    registered: Engine,
) -> None:
    assert "pages/users.py" in page_files(ADMIN)
    assert "pages/users.py" not in page_files(MANAGER_U1)
    # The page's script, run for a manager all the same, refuses before it reads anyone.
    direct = AppTest.from_file(PAGE, default_timeout=60)
    direct.session_state[VIEWER_KEY] = MANAGER_U1
    direct.run()
    assert not direct.exception
    assert [e.value for e in direct.error] == ["Chỉ quản trị viên được quản lý người dùng."]
    assert not direct.dataframe
    # And the service refuses a manager whatever draws the button.
    with pytest.raises(Forbidden):
        people.add_user(registered, MANAGER_U1, "tuan", "admin", password="tuan-pass-123")
    with pytest.raises(Forbidden):
        people.deactivate(registered, MANAGER_U1, "an")
    with pytest.raises(Forbidden):
        people.list_people(registered, MANAGER_U1)
    with Session(registered) as s:
        assert s.exec(select(User).where(User.username == "tuan")).first() is None
        assert s.exec(select(User).where(User.username == "an")).one().active


def test_with_the_organisations_sign_in_an_admin_adds_an_account_without_a_password(
    registered: Engine, as_identity: UseIdentity
) -> None:
    as_identity(ADMIN)
    plain = run(run(make_app()), "users")
    assert not [c for c in plain.checkbox if c.key == "users_org_only"]  # no OIDC: not offered
    at = make_app()
    at.secrets["auth"] = {"client_id": "loa", "server_metadata_url": "https://sso.example/.well"}
    at = run(run(at), "users")
    at.text_input(key="users_username").input("hoa@bo.gov.vn")
    at.selectbox(key="users_role").select("officer")
    at.selectbox(key="users_unit").select("u2")
    at.checkbox(key="users_org_only").check()
    button(at, "Lưu").click()
    run(at)
    assert [x.value for x in at.success] == ["Đã lưu người dùng hoa@bo.gov.vn."]
    with Session(registered) as s:
        hoa = s.exec(select(User).where(User.username == "hoa@bo.gov.vn")).one()
        assert (hoa.role, hoa.unit_key, hoa.password_hash) == (Role.OFFICER, "u2", "")
