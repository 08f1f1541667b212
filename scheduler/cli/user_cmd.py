"""`loa user add|list`: who may approve, edit or only read."""

import json

import typer
from rich.table import Table

from campaigns.models import Role
from campaigns.users import add_user, list_users
from scheduler.cli.campaign_cmd import ensure_schema
from scheduler.cli.common import console, session

user_app = typer.Typer(
    help="Users and their roles. Once one is registered, every approval and cancellation "
    "must name a user whose role allows it.",
    no_args_is_help=True,
)


@user_app.command("add")
def add_cmd(
    username: str = typer.Argument(..., help="Login name, as given to --as."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(r.value for r in Role)}."),
    name: str = typer.Option("", "--name", help="Full name, for reports."),
    unit: str | None = typer.Option(None, "--unit", help="Unit key the user works for."),
) -> None:
    """Register a user, or change a registered user's role."""
    ensure_schema()
    with session() as s:
        user = add_user(s, username, role, display_name=name, unit_key=unit)
        typer.echo(f"{user.username}: {user.role}")


@user_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="A JSON list.")) -> None:
    """Registered users and their roles."""
    ensure_schema()
    with session() as s:
        users = [
            {"username": u.username, "role": u.role, "name": u.display_name, "unit": u.unit_key}
            for u in list_users(s)
        ]
    if as_json:
        typer.echo(json.dumps(users, ensure_ascii=False, indent=2))
        return
    table = Table(title="Users")
    for column in ("username", "role", "name", "unit"):
        table.add_column(column, no_wrap=column == "username")
    for u in users:
        table.add_row(u["username"], u["role"], u["name"], u["unit"] or "")
    console.print(table)
    if not users:
        console.print("No users registered: anyone may approve, named in the audit log.")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
