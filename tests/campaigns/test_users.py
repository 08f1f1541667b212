"""Roles are enforced on the domain writes: a typed name is never an identity."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.access import Forbidden, Identity
from campaigns.accounts import authenticate, identity_of, setup_identity
from campaigns.errors import UserError
from campaigns.importer import import_campaign
from campaigns.models import AuditLog, Publication, PublicationState, Role
from campaigns.publications import approve, cancel
from campaigns.users import add_user, deactivate, list_users
from tests.conftest import EXAMPLE_CAMPAIGN

PASSWORD = "correct horse battery"


def _drafts(engine: Engine) -> list[int]:
    with Session(engine) as s:
        import_campaign(s, EXAMPLE_CAMPAIGN)
        return [p.id for p in s.exec(select(Publication).order_by(Publication.id)) if p.id]


def _people(s: Session) -> dict[str, Identity]:
    admin = identity_of(add_user(s, setup_identity(), "an", "admin", password=PASSWORD))
    made = {"an": admin}
    for name, role, unit in (
        ("lan", "officer", "ha-noi"),
        ("minh", "manager", None),
        ("hoa", "manager", "dak-lak"),
        ("thu", "national", None),
    ):
        made[name] = identity_of(add_user(s, admin, name, role, unit_key=unit, password=PASSWORD))
    s.commit()
    return made


def test_without_users_the_setup_operator_acts_and_is_named(any_engine: Engine) -> None:
    ids = _drafts(any_engine)
    operator = setup_identity()
    with Session(any_engine) as s:
        assert approve(s, ids[:2], operator) == 2
        s.commit()
        approvals = s.exec(select(AuditLog).where(AuditLog.action == "approve")).all()
    assert {a.actor for a in approvals} == {f"{operator.username} (setup)"}


def test_the_first_user_must_be_an_admin(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        with pytest.raises(UserError, match="the first user must be an admin"):
            add_user(s, setup_identity(), "lan", "officer", password=PASSWORD)
        add_user(s, setup_identity(), "an", "admin", password=PASSWORD)
        s.commit()
        # From now on the setup operator is nobody: only a signed-in admin registers people.
        officer = Identity("lan", Role.OFFICER, "ha-noi")
        with pytest.raises(Forbidden, match="lan is officer: only admin may manage users"):
            add_user(s, officer, "lan", "admin", password=PASSWORD)
        with pytest.raises(Forbidden, match="x is manager: only admin may manage users"):
            add_user(s, Identity("x", Role.MANAGER), "y", "admin", password=PASSWORD)


def test_officers_cannot_approve_and_national_changes_nothing(any_engine: Engine) -> None:
    ids = _drafts(any_engine)
    with Session(any_engine) as s:
        people = _people(s)
        with pytest.raises(Forbidden, match="lan is officer: only manager or admin may approve"):
            approve(s, ids[:1], people["lan"])
        with pytest.raises(Forbidden, match="thu is national"):
            cancel(s, ids[1:2], people["thu"])
        assert approve(s, ids[:1], people["minh"]) == 1
        s.commit()
        state = s.get(Publication, ids[0]).state  # type: ignore[union-attr]
        audit = s.exec(select(AuditLog).where(AuditLog.action == "approve")).all()
    assert state == PublicationState.APPROVED
    assert [a.actor for a in audit] == ["minh"]


def test_a_unit_manager_acts_only_for_their_unit(any_engine: Engine) -> None:
    ids = _drafts(any_engine)
    with Session(any_engine) as s:
        people = _people(s)
        # hoa manages dak-lak: --all approves only dak-lak's drafts, named ids elsewhere refused.
        approved = approve(s, None, people["hoa"])
        s.commit()
        mine = [p for p in s.exec(select(Publication)) if p.state == PublicationState.APPROVED]
        assert approved == len(mine) > 0
        others = [i for i in ids if i not in {p.id for p in mine}]
        with pytest.raises(Forbidden, match="may not approve for unit"):
            approve(s, others[:1], people["hoa"])


def test_users_are_listed_updated_and_deactivated(sqlite_engine: Engine) -> None:
    _drafts(sqlite_engine)
    with Session(sqlite_engine) as s:
        people = _people(s)
        with pytest.raises(UserError, match="unknown role 'boss'"):
            add_user(s, people["an"], "minh", "boss")
        with pytest.raises(UserError, match="unknown unit 'hanoi' \\(did you mean 'ha-noi'\\?\\)"):
            add_user(s, people["an"], "minh", "manager", unit_key="hanoi")
        add_user(s, people["an"], "minh", "manager", display_name="Nguyễn Văn Minh")
        deactivate(s, people["an"], "lan")
        s.commit()
        users = {u.username: u for u in list_users(s)}
        assert (users["minh"].role, users["minh"].display_name) == ("manager", "Nguyễn Văn Minh")
        assert authenticate(s, "minh", PASSWORD).role == Role.MANAGER
        with pytest.raises(UserError, match="wrong name or password"):
            authenticate(s, "lan", PASSWORD)  # deactivated


def test_an_organisation_account_has_no_loa_password(sqlite_engine: Engine) -> None:
    """Signed in through the organisation's provider only: no Loa password to guess or leak."""
    with Session(sqlite_engine) as s:
        with pytest.raises(UserError, match="first admin needs a password"):
            add_user(s, setup_identity(), "an@bo.gov.vn", "admin", organisation_only=True)
        admin = _people(s)["an"]
        with pytest.raises(UserError, match="or --organisation-account"):
            add_user(s, admin, "lan@bo.gov.vn", "officer")
        with pytest.raises(UserError, match="not both"):
            add_user(
                s, admin, "lan@bo.gov.vn", "officer", password=PASSWORD, organisation_only=True
            )
        user = add_user(s, admin, "lan@bo.gov.vn", "officer", organisation_only=True)
        assert user.password_hash == ""
        with pytest.raises(UserError, match="wrong name or password"):
            authenticate(s, "lan@bo.gov.vn", "")
        # A person who had a password loses it (and their sessions) on the switch.
        add_user(s, admin, "minh", "manager", organisation_only=True)
        with pytest.raises(UserError, match="wrong name or password"):
            authenticate(s, "minh", PASSWORD)
        s.commit()
