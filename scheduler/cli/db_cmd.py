"""`loa db upgrade`: create or migrate the schema."""

import typer

from scheduler.cli.common import console, engine

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_cmd() -> None:
    """Create or migrate the schema to the newest revision (Alembic)."""
    from campaigns.db import upgrade

    eng = engine()
    upgrade(eng)
    console.print(f"Schema is up to date ({eng.dialect.name}).")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
