"""Who may do what: users, their roles, and the check every state-changing action goes through.

On the embedded default (one office, no users registered) anyone may act and is named in the
audit log. Once a user is registered, every action must name an active user whose role allows it:
only managers (and admins) approve; compilers read the national roll-up but change nothing.
"""

from collections.abc import Iterable

from sqlmodel import Session, col, func, select

from campaigns.errors import UserError
from campaigns.models import AuditLog, Role, User

APPROVE = frozenset({Role.MANAGER, Role.ADMIN})
EDIT = frozenset({Role.OFFICER, Role.MANAGER, Role.ADMIN})


def add_user(
    session: Session,
    username: str,
    role: str,
    *,
    display_name: str = "",
    unit_key: str | None = None,
    actor: str = "",
) -> User:
    """Register a user, or change an existing one's role, name and unit."""
    name = username.strip()
    if not name:
        raise UserError("a user needs a name")
    try:
        wanted = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise UserError(f"unknown role '{role}'; expected one of {choices}") from None
    user = session.exec(select(User).where(User.username == name)).first()
    if user is None:
        user = User(username=name)
    user.role, user.display_name, user.unit_key, user.active = wanted, display_name, unit_key, True
    session.add(user)
    session.add(
        AuditLog(
            actor=actor or name,
            action="user",
            entity="user",
            entity_id=name,
            detail={"role": wanted.value, "unit": unit_key},
        )
    )
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))))


def authorize(session: Session, actor: str, allowed: Iterable[Role], action: str) -> None:
    """Raise UserError unless `actor` may `action`; see the module docstring for the rule."""
    if not actor.strip():
        raise UserError(f"{action} needs a name (--as USER)")
    if not session.exec(select(func.count()).select_from(User)).one():
        return  # embedded single-office setup: no users registered, the name is recorded
    user = session.exec(select(User).where(User.username == actor)).first()
    if user is None or not user.active:
        raise UserError(f"'{actor}' is not a registered user; `loa user list` shows who is")
    roles = {Role(r) for r in allowed}
    if Role(user.role) not in roles:
        who = " or ".join(sorted(r.value for r in roles))
        raise UserError(f"{actor} is {user.role}: only {who} may {action}")
