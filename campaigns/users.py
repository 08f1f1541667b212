"""Registering people: the first admin once at setup, every later change by an admin.

While no user is registered (the embedded single-office default) the local operator acts as the
setup identity, and the only user they may register is the first admin. From then on only an
admin registers users, changes roles, sets passwords or deactivates, and each change is audited.
"""

import difflib

from sqlmodel import Session, col, select

from campaigns.access import Action, Identity, require
from campaigns.accounts import hash_password, revoke_all, users_exist
from campaigns.errors import UserError
from campaigns.models import AuditLog, Role, Unit, User


def _role(role: str) -> Role:
    if role == "compiler":  # the former name of the national role
        return Role.NATIONAL
    try:
        return Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise UserError(f"unknown role '{role}'; expected one of {choices}") from None


def _check_unit(session: Session, unit_key: str | None) -> None:
    if unit_key is None:
        return
    known = sorted(set(session.exec(select(Unit.key))))
    if known and unit_key not in known:  # before any campaign is imported, units are unknown
        close = difflib.get_close_matches(unit_key, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f"; units: {', '.join(known[:12])}"
        raise UserError(f"unknown unit '{unit_key}'{hint}")


def add_user(
    session: Session,
    identity: Identity,
    username: str,
    role: str,
    *,
    display_name: str = "",
    unit_key: str | None = None,
    password: str | None = None,
    organisation_only: bool = False,
) -> User:
    """Register a user, or change a registered one's role, name, unit or password.

    The first user of an installation must be an admin, with a password (`loa login` needs
    one); after that only an admin may call this. `organisation_only`: no Loa password, the
    person signs in with the organisation's account (OIDC) only, their user name being the
    e-mail the provider gives; a password they had is removed and their sessions end.
    """
    name = username.strip()
    if not name or len(name) > 80 or any(c.isspace() for c in name):
        raise UserError("a user name is one word of at most 80 characters")
    wanted = _role(role)
    if users_exist(session):
        require(identity, Action.USERS)
    elif wanted != Role.ADMIN:
        raise UserError(
            "the first user must be an admin (who then registers the others): "
            f"`loa user add {name} --role admin`"
        )
    _check_unit(session, unit_key)
    if organisation_only and password is not None:
        raise UserError(f"{name}: give a password or the organisation's account, not both")
    if organisation_only and not users_exist(session):
        raise UserError(f"{name}: the first admin needs a password (`loa login` signs in with it)")
    user = session.exec(select(User).where(User.username == name)).first()
    if user is None:
        user = User(username=name)
        if password is None and not organisation_only:
            raise UserError(
                f"{name} needs a password to sign in (--password-file FILE or prompt), "
                "or --organisation-account to sign in with the organisation's account only"
            )
    if password is not None or organisation_only:
        user.password_hash = hash_password(password) if password is not None else ""
        if user.id is not None:
            revoke_all(session, name)  # a new password (or none) ends the old sessions
    user.role, user.display_name, user.unit_key, user.active = wanted, display_name, unit_key, True
    session.add(user)
    session.add(
        AuditLog(
            actor=identity.label,
            action="user",
            entity="user",
            entity_id=name,
            detail={
                "role": wanted.value,
                "unit": unit_key,
                "password": password is not None,
                "organisation_only": organisation_only,
            },
        )
    )
    session.flush()
    return user


def deactivate(session: Session, identity: Identity, username: str) -> None:
    """An admin ends a person's access: their sessions end and they can no longer sign in."""
    require(identity, Action.USERS)
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise UserError(f"no user '{username}'; `loa user list` shows who is registered")
    if user.username == identity.username:
        raise UserError("you cannot deactivate yourself; ask another admin")
    user.active = False
    session.add(user)
    revoke_all(session, username)
    session.add(
        AuditLog(actor=identity.label, action="deactivate", entity="user", entity_id=username)
    )
    session.flush()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))))
