"""The role and unit policy, one table for the app and the command line."""

import pytest

from campaigns.access import Action, Forbidden, Identity, require, roles_allowed
from campaigns.models import Role

OFFICER = Identity("lan", Role.OFFICER, "ha-noi")
MANAGER = Identity("hoa", Role.MANAGER, "dak-lak")
ALL_MANAGER = Identity("minh", Role.MANAGER)
NATIONAL = Identity("thu", Role.NATIONAL, "moha")
ADMIN = Identity("an", Role.ADMIN, "moha")


@pytest.mark.parametrize(
    ("identity", "allowed"),
    [
        (OFFICER, {Action.VIEW, Action.PLAN, Action.CANCEL, Action.RETRY}),
        (
            MANAGER,
            {
                Action.VIEW,
                Action.PLAN,
                Action.CANCEL,
                Action.RETRY,
                Action.APPROVE,
                Action.REVIEW,
                Action.ACKNOWLEDGE,
                Action.REPORTS,
            },
        ),
        (NATIONAL, {Action.VIEW, Action.REPORTS}),
        (ADMIN, set(Action)),
    ],
)
def test_each_role_may_do_exactly_its_actions(identity: Identity, allowed: set[Action]) -> None:
    assert {a for a in Action if identity.can(a)} == allowed


def test_unit_scope_limits_officers_and_managers_but_not_national_or_admin() -> None:
    assert OFFICER.can(Action.PLAN, "ha-noi")
    assert not OFFICER.can(Action.PLAN, "dak-lak")
    assert not MANAGER.can(Action.APPROVE, "ha-noi")
    assert ALL_MANAGER.can(Action.APPROVE, "ha-noi")
    assert NATIONAL.sees("ha-noi")
    assert NATIONAL.units is None
    assert ADMIN.can(Action.CHANNELS, "ha-noi")
    assert not OFFICER.sees(None)  # campaign-wide rows are for all-unit people


def test_refusals_say_who_what_and_who_may() -> None:
    with pytest.raises(Forbidden, match="lan is officer: only manager or admin may approve"):
        require(OFFICER, Action.APPROVE, "ha-noi")
    with pytest.raises(Forbidden, match="hoa works for unit 'dak-lak' and may not plan for unit"):
        require(MANAGER, Action.PLAN, "ha-noi")
    require(MANAGER, Action.PLAN, "dak-lak")
    assert roles_allowed(Action.USERS) == [Role.ADMIN]
