"""`loa user add|list|deactivate` and `loa login|logout|whoami`: people, roles and sessions.

The first user registered must be an admin; after that only a signed-in admin registers people.
Passwords are read from a file (`--password-file`, first line) or prompted without echo, never
taken as an argument (it would stay in the shell history and the process list).
"""

import json
from pathlib import Path

import typer
from rich.table import Table

from campaigns.errors import UserError
from scheduler.cli.campaign_cmd import ensure_schema
from scheduler.cli.common import console, engine, human_time, session

# The names of campaigns.models.Role and campaigns.accounts.MIN_PASSWORD, written out for the
# help text: importing them would load the database layer for every `loa --help`
# (tests/scheduler/test_cli_sweep.py checks that they agree).
ROLE_NAMES = ("officer", "manager", "national", "admin")
MIN_PASSWORD = 10

user_app = typer.Typer(
    help="People and their roles. The first one is an admin; from then on every change is "
    "made by a signed-in person whose role allows it.",
    no_args_is_help=True,
)


def read_password(path: Path | None, *, confirm: bool) -> str:
    """The first line of `path`, or a prompt (twice when `confirm`)."""
    if path is not None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise UserError(f"{path}: cannot read the password file ({exc.strerror})") from None
        if not lines or not lines[0]:
            raise UserError(f"{path}: the first line should be the password")
        return lines[0]
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return password


@user_app.command("add")
def add_cmd(
    username: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLE_NAMES)}."),
    name: str = typer.Option("", "--name", help="Full name, for reports."),
    unit: str | None = typer.Option(
        None, "--unit", help="Unit key the user works for (none: every unit)."
    ),
    password_file: Path | None = typer.Option(
        None, "--password-file", help=f"File whose first line is the password ({MIN_PASSWORD}+)."
    ),
    keep_password: bool = typer.Option(
        False, "--keep-password", help="Change the role or unit of a user and keep the password."
    ),
    organisation_account: bool = typer.Option(
        False,
        "--organisation-account",
        help="No Loa password: the person signs in to the app with the organisation's account "
        "(OIDC) only; USERNAME is the e-mail the provider gives.",
    ),
) -> None:
    """Register a user, or change a registered user's role, unit or password (admins)."""
    from analytics_app.services.people import add_user
    from campaigns.db import upgrade
    from scheduler.cli.identity import current_identity

    upgrade(engine())
    identity = current_identity()
    if organisation_account and password_file is not None:
        raise UserError("--organisation-account takes no --password-file")
    no_password = keep_password or organisation_account
    password = None if no_password else read_password(password_file, confirm=True)
    person = add_user(
        engine(),
        identity,
        username,
        role,
        display_name=name,
        unit_key=unit,
        password=password,
        organisation_only=organisation_account,
    )
    scope = f" of {person.unit}" if person.unit else ""
    typer.echo(f"{person.username}: {person.role}{scope}")


@user_app.command("deactivate")
def deactivate_cmd(username: str = typer.Argument(..., help="Login name.")) -> None:
    """End a person's access: their sessions end and they cannot sign in (admins)."""
    from analytics_app.services.people import deactivate
    from scheduler.cli.identity import current_identity

    ensure_schema()
    deactivate(engine(), current_identity(), username)
    typer.echo(f"{username}: deactivated")


@user_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="A JSON list.")) -> None:
    """Registered users and their roles (admins)."""
    from analytics_app.services.people import list_people
    from scheduler.cli.identity import current_identity

    ensure_schema()
    people = list_people(engine(), current_identity())
    rows: list[dict[str, str | bool | None]] = [
        {
            "username": p.username,
            "role": p.role,
            "name": p.name,
            "unit": p.unit,
            "active": p.active,
            "sign_in": _sign_in(p.can_sign_in),
        }
        for p in people
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="Users")
    # How each person gets in: a Loa password, the organisation's account, or not at all.
    for column in ("username", "role", "unit", "name", "access"):
        table.add_column(column, no_wrap=column != "name")
    for p in people:
        access = _sign_in(p.can_sign_in) if p.active else "deactivated"
        table.add_row(p.username, p.role, p.unit or "all", p.name, access)
    console.print(table)
    if not rows:
        console.print("No users registered: the local operator acts; register an admin first.")


def _sign_in(has_password: bool) -> str:
    """How the person signs in: a Loa password, or the organisation's account (OIDC) only."""
    return "password" if has_password else "organisation"


def login_cmd(
    username: str = typer.Argument(..., help="Your login name."),
    password_file: Path | None = typer.Option(
        None, "--password-file", help="File whose first line is your password."
    ),
) -> None:
    """Sign in: later commands act as you until the session expires or `loa logout`."""
    from campaigns.accounts import authenticate, login_expiry, open_login
    from scheduler.cli.identity import save_token

    ensure_schema()
    password = read_password(password_file, confirm=False)
    with session() as s:
        identity = authenticate(s, username, password)
        token = open_login(s, identity)
        expires = login_expiry(s, token)
    save_token(token)
    until = f" until {human_time(expires)}" if expires else ""
    typer.echo(f"signed in as {identity.username} ({identity.role.value}){until}")


def logout_cmd() -> None:
    """Sign out: the session ends here and in the database."""
    from campaigns.accounts import revoke
    from scheduler.cli.identity import forget_token, stored_token

    token = stored_token()
    if token is not None:
        ensure_schema()
        with session() as s:
            revoke(s, token)
    forget_token()
    typer.echo("signed out")


def whoami_cmd() -> None:
    """Who later commands act as, and what that role may do."""
    from campaigns.access import Action, roles_allowed
    from scheduler.cli.identity import current_identity

    ensure_schema()
    identity = current_identity()
    scope = identity.unit_key or "every unit"
    may = [a.value for a in Action if identity.role in roles_allowed(a)]
    setup = (
        " (no user registered yet: register an admin with `loa user add`)" if identity.setup else ""
    )
    typer.echo(f"{identity.username}: {identity.role.value} for {scope}{setup}")
    typer.echo(f"may: {', '.join(may)}")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.command("login")(login_cmd)
    app.command("logout")(logout_cmd)
    app.command("whoami")(whoami_cmd)
