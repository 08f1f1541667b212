"""What every `loa` command shares: settings, the database, and user-error handling.

Kept light on purpose: `loa --help` imports this module and every command module, so the
database layer (SQLAlchemy, SQLModel, the models) is imported only when a command asks for an
engine or a session. Command modules follow the same rule: heavy imports inside the commands.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from campaigns.settings import Settings

console = Console(soft_wrap=True)  # messages stay one line when piped to scripts
err_console = Console(stderr=True)


def settings() -> Settings:
    from campaigns.settings import get_settings

    return get_settings()


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    from campaigns.engine import make_engine  # not campaigns.db: that one loads every model

    return make_engine(url)


def engine() -> Engine:
    return _engine_for(settings().effective_database_url)


@contextmanager
def session() -> Iterator[Session]:
    from campaigns.db import session_scope

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
        warn(f"quota: {line}")


def warn_past_slots(campaign_key: str) -> None:
    """After an import: name the drafts and approved rows already past (missed at once)."""
    from scheduler.plan_warnings import past_due

    with session() as s:
        rows = past_due(s, campaign_key=campaign_key)
    for pub_id, when in rows[:5]:
        warn(
            f"publication {pub_id} is planned for {human_time(when)}, already past: "
            "move its slot, or it is missed as soon as `loa run` starts"
        )
    if len(rows) > 5:
        warn(f"{plural(len(rows) - 5, 'more publication')} planned in the past")


def warn(message: str) -> None:
    """A warning on stderr, one line, `warning: ` first (scripts grep for it)."""
    err_console.print(f"warning: {message}", markup=False, highlight=False, soft_wrap=True)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 row`, `2 rows`, `1,200 publications`: the count with its noun agreeing."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


TIME_FORMAT = "%d/%m/%Y %H:%M"  # the one format people read, in the campaign's zone
DAY_FORMAT = "%d/%m/%Y"


def zone() -> ZoneInfo:
    """The campaign zone of the settings (LOA_TIMEZONE; Asia/Ho_Chi_Minh by default)."""
    return settings().zone


def human_time(value: datetime | None, tz: ZoneInfo | str | None = None) -> str:
    """`06/12/2026 09:00` in `tz` (default: the settings' zone); `-` for nothing."""
    if value is None:
        return "-"
    where = ZoneInfo(tz) if isinstance(tz, str) else (tz or zone())
    return value.astimezone(where).strftime(TIME_FORMAT)


def fail(message: str) -> typer.Exit:
    """Print a user error on stderr and return the exit to raise (code 1)."""
    err_console.print(message, markup=False, highlight=False)
    return typer.Exit(1)


def run_guarded(app: typer.Typer) -> None:
    """Run the app: exit 0 on success and 1 on any failure, with one line and no traceback.

    Click answers a usage error (a missing argument, an unknown option) with exit 2; the
    operator contract says 1 for every user error, so it is mapped here, once for all commands.
    `LOA_DEBUG=1` lets unexpected errors through with their traceback, for whoever fixes them.
    """
    from scheduler.cli.errors import explain, log_bug

    try:
        app(standalone_mode=True)
    except SystemExit as exc:
        if exc.code == 2:  # Click's usage error, already printed with the usage line
            sys.exit(1)
        raise
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("LOA_DEBUG"):
            raise
        line = explain(exc)
        print(line if line is not None else log_bug(exc), file=sys.stderr)
        sys.exit(1)
