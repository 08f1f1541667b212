"""The database the app reads: one engine per URL for the process, sessions from it.

The URL is the one every `loa` command uses (`LOA_DATABASE_URL`, else SQLite under `LOA_HOME`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.db import make_engine, session_scope
from campaigns.settings import get_settings


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    """The engine of the configured database (created once per URL)."""
    return _engine_for(get_settings().effective_database_url)


@contextmanager
def session() -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with session_scope(engine()) as s:
        yield s


def dispose() -> None:
    """Forget the engines (tests that point the settings at another database)."""
    _engine_for.cache_clear()
