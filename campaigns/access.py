"""Who may do what: the one authorization policy of Loa, for the app and the command line alike.

An `Identity` is a signed-in person (or, while no user is registered at all, the local setup
operator of the embedded default). Every state-changing domain function takes an `Identity` and
calls `require` for the unit of every row it touches, so the check lives where the write is:
hiding a button or typing another name never gets around it.

Roles (a user's `unit_key` limits every role but national and admin to that unit; a manager
without a unit acts for every unit):

| action      | officer | manager | national | admin |
| ----------- | ------- | ------- | -------- | ----- |
| view        | unit    | unit    | all      | all   |
| plan        | unit    | unit    |          | all   |
| cancel      | unit    | unit    |          | all   |
| retry       | unit    | unit    |          | all   |
| approve     |         | unit    |          | all   |
| review      |         | unit    |          | all   |
| acknowledge |         | unit    |          | all   |
| reports     |         | unit    | all      | all   |
| channels    |         |         |          | all   |
| users       |         |         |          | all   |
"""

from dataclasses import dataclass
from enum import StrEnum

from campaigns.errors import UserError
from campaigns.models.security import Role


class Action(StrEnum):
    VIEW = "view"  # dashboards and reports of a unit (or of every unit)
    PLAN = "plan"  # create, edit, move content and slots; import plans; upload media
    APPROVE = "approve"
    CANCEL = "cancel"
    RETRY = "retry"  # a failed or missed publication back to the queue
    REVIEW = "review"  # resolve needs_review with evidence
    ACKNOWLEDGE = "acknowledge"  # alerts
    REPORTS = "reports"  # generate and send reports
    CHANNELS = "channels"  # connect or replace tokens, resume channels
    USERS = "users"  # add or change users


_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.OFFICER: frozenset({Action.VIEW, Action.PLAN, Action.CANCEL, Action.RETRY}),
    Role.MANAGER: frozenset(
        {
            Action.VIEW,
            Action.PLAN,
            Action.CANCEL,
            Action.RETRY,
            Action.APPROVE,
            Action.REVIEW,
            Action.ACKNOWLEDGE,
            Action.REPORTS,
        }
    ),
    Role.NATIONAL: frozenset({Action.VIEW, Action.REPORTS}),
    Role.ADMIN: frozenset(Action),
}

# How a refusal names each action.
_PHRASES: dict[Action, str] = {
    Action.VIEW: "view",
    Action.PLAN: "plan",
    Action.APPROVE: "approve",
    Action.CANCEL: "cancel",
    Action.RETRY: "retry",
    Action.REVIEW: "review",
    Action.ACKNOWLEDGE: "acknowledge alerts",
    Action.REPORTS: "send reports",
    Action.CHANNELS: "connect channels",
    Action.USERS: "manage users",
}

# Roles that see every unit whatever their own unit is.
_ALL_UNITS = frozenset({Role.NATIONAL, Role.ADMIN})


def roles_allowed(action: Action) -> list[Role]:
    """The roles that may `action`, in the order of the Role enum (for messages and help)."""
    return [role for role in Role if action in _ALLOWED.get(role, frozenset())]


@dataclass(frozen=True)
class Identity:
    """A person Loa acts for; `unit_key=None` means every unit."""

    username: str
    role: Role
    unit_key: str | None = None
    display_name: str = ""
    setup: bool = False  # the local operator while no user is registered (embedded default)

    @property
    def units(self) -> frozenset[str] | None:
        """The units this person sees and acts for; None for every unit."""
        if self.role in _ALL_UNITS or self.unit_key is None:
            return None
        return frozenset({self.unit_key})

    def sees(self, unit_key: str | None) -> bool:
        """Whether rows of `unit_key` are visible; rows of no unit are visible to all-unit
        people only (they belong to the campaign as a whole)."""
        scope = self.units
        return scope is None or (unit_key is not None and unit_key in scope)

    def can(self, action: Action, unit_key: str | None = None) -> bool:
        if action not in _ALLOWED.get(self.role, frozenset()):
            return False
        return self.sees(unit_key) if unit_key is not None else True

    @property
    def label(self) -> str:
        """How the audit log names this person."""
        return f"{self.username} (setup)" if self.setup else self.username


class Forbidden(UserError):
    """The signed-in person's role or unit does not allow the action; nothing was changed."""


def require(identity: Identity, action: Action, unit_key: str | None = None) -> None:
    """Raise `Forbidden` unless `identity` may `action` (for the rows of `unit_key`)."""
    if action not in _ALLOWED.get(identity.role, frozenset()):
        who = " or ".join(role.value for role in roles_allowed(action))
        raise Forbidden(
            f"{identity.username} is {identity.role.value}: only {who} may {_PHRASES[action]}"
        )
    if unit_key is not None and not identity.sees(unit_key):
        raise Forbidden(
            f"{identity.username} works for unit '{identity.unit_key}' and may not "
            f"{_PHRASES[action]} for unit '{unit_key}'"
        )
