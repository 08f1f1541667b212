"""Sessions and schema migrations for SQLite (embedded) and PostgreSQL (shared); engines are
made in `campaigns.engine` and re-exported here."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlmodel import Session

import campaigns.models  # noqa: F401  (registers every table on SQLModel.metadata)

# Engines live in `campaigns.engine` (no models there, for fast read-only commands).
from campaigns.engine import SQLITE_PRAGMAS as SQLITE_PRAGMAS
from campaigns.engine import is_sqlite as is_sqlite
from campaigns.engine import make_engine as make_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> "Config":
    # Alembic is imported here, not above: it costs half a second every read command would pay.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to the newest revision (every head)."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error: nothing half-written."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
