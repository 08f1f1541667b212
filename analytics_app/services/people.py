"""People and their roles, shared by the app's admin page and `loa user`."""

from dataclasses import dataclass

from sqlalchemy import Engine

from campaigns import users
from campaigns.access import Action, Identity, require
from campaigns.db import session_scope
from campaigns.models import User


@dataclass(frozen=True)
class Person:
    username: str
    role: str
    unit: str | None
    name: str
    active: bool
    can_sign_in: bool


def add_user(
    engine: Engine,
    identity: Identity,
    username: str,
    role: str,
    *,
    display_name: str = "",
    unit_key: str | None = None,
    password: str | None = None,
    organisation_only: bool = False,
) -> Person:
    with session_scope(engine) as session:
        user = users.add_user(
            session,
            identity,
            username,
            role,
            display_name=display_name,
            unit_key=unit_key,
            password=password,
            organisation_only=organisation_only,
        )
        return _person(user)


def deactivate(engine: Engine, identity: Identity, username: str) -> None:
    with session_scope(engine) as session:
        users.deactivate(session, identity, username)


def list_people(engine: Engine, identity: Identity) -> list[Person]:
    """Everyone registered; only admins see the list (it names who can approve)."""
    require(identity, Action.USERS)
    with session_scope(engine) as session:
        return [_person(u) for u in users.list_users(session)]


def _person(user: User) -> Person:
    return Person(
        username=user.username,
        role=user.role,
        unit=user.unit_key,
        name=user.display_name,
        active=user.active,
        can_sign_in=bool(user.password_hash),
    )
