"""What every `loa` command shares: settings, the database, and user-error handling."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.db import make_engine, session_scope
from campaigns.errors import UserError
from campaigns.settings import Settings, get_settings

console = Console(soft_wrap=True)  # messages stay one line when piped to scripts
err_console = Console(stderr=True)


def settings() -> Settings:
    return get_settings()


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    return _engine_for(settings().effective_database_url)


@contextmanager
def session() -> Iterator[Session]:
    with session_scope(engine()) as s:
        yield s


def warn_quota(campaign_key: str) -> None:
    """At plan time, say which days' YouTube uploads cannot fit the API quota (issue: warn early)."""
    from sqlmodel import select

    from campaigns.models import Campaign
    from scheduler.quota_plan import check_plan_fits

    with session() as s:
        campaign = s.exec(select(Campaign).where(Campaign.key == campaign_key)).first()
        if campaign is None or campaign.id is None:
            return
        problems = check_plan_fits(s, campaign.id, settings())
    for line in problems:
        err_console.print(f"warning: quota: {line}", markup=False, highlight=False, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    """Print a user error on stderr and return the exit to raise (code 1)."""
    err_console.print(message, markup=False, highlight=False)
    return typer.Exit(1)


def run_guarded(app: typer.Typer) -> None:
    """Run the app; bad input exits 1 with its message and never a traceback."""
    try:
        app(standalone_mode=True)
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(1)
