"""Commands of this group register themselves on the `loa` app (see scheduler/cli/__init__.py)."""

import typer


def register(app: typer.Typer) -> None:
    """Adds this module's commands to `app`."""
