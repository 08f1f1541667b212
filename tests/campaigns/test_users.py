"""Roles: with no users anyone may act (named); once users exist, only managers approve."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.errors import UserError
from campaigns.importer import import_campaign
from campaigns.models import AuditLog, Publication, PublicationState
from campaigns.publications import approve, cancel
from campaigns.users import add_user, list_users
from tests.conftest import EXAMPLE_CAMPAIGN


def _drafts(engine: Engine) -> list[int]:
    with Session(engine) as s:
        import_campaign(s, EXAMPLE_CAMPAIGN)
        return [p.id for p in s.exec(select(Publication).order_by(Publication.id)) if p.id]


def test_without_users_anyone_named_may_approve(any_engine: Engine) -> None:
    ids = _drafts(any_engine)
    with Session(any_engine) as s:
        assert approve(s, ids[:2], "lan") == 2
        s.commit()
        with pytest.raises(UserError, match="needs a name"):
            approve(s, ids[2:3], " ")
        approvals = s.exec(select(AuditLog).where(AuditLog.action == "approve")).all()
    assert {a.actor for a in approvals} == {"lan"}


def test_once_users_exist_only_managers_approve_and_compilers_change_nothing(
    any_engine: Engine,
) -> None:
    ids = _drafts(any_engine)
    with Session(any_engine) as s:
        add_user(s, "lan", "officer", unit_key="ha-noi")
        add_user(s, "minh", "manager")
        add_user(s, "thu", "compiler")
        s.commit()
        with pytest.raises(UserError, match="lan is officer: only admin or manager may approve"):
            approve(s, ids[:1], "lan")
        with pytest.raises(UserError, match="'ghost' is not a registered user"):
            approve(s, ids[:1], "ghost")
        assert approve(s, ids[:1], "minh") == 1
        with pytest.raises(UserError, match="thu is compiler"):
            cancel(s, ids[1:2], "thu")
        assert cancel(s, ids[1:2], "lan") == 1
        s.commit()
        states = [s.get(Publication, i).state for i in ids[:2]]  # type: ignore[union-attr]
    assert states == [PublicationState.APPROVED, PublicationState.CANCELLED]


def test_roles_are_checked_and_users_updated_in_place(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        with pytest.raises(UserError, match="unknown role 'boss'"):
            add_user(s, "minh", "boss")
        add_user(s, "minh", "officer")
        add_user(s, "minh", "manager", display_name="Nguyễn Văn Minh")
        s.commit()
        [user] = list_users(s)
    assert (user.username, user.role, user.display_name) == ("minh", "manager", "Nguyễn Văn Minh")
