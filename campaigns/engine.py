"""Engines for SQLite (embedded) and PostgreSQL (shared), on SQLAlchemy Core alone.

Apart from `campaigns.db` (sessions, migrations) because that one imports SQLModel and every
model: read-only commands such as `loa status` make their engine here and start faster.
"""

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


# WAL lets readers (the dashboard) run beside the one writer; busy_timeout waits for it. A WAL
# of up to 64 MB before an automatic checkpoint (default 4 MB): B-tree pages that bulk writes
# touch in commit after commit are copied back to the database once instead of every few commits.
# A page cache of up to 64 MB per connection (default 2 MB): the daily rollup's covering index
# takes inserts all over its range, and at national scale a 2 MB cache made each one a miss
# (a quarter-scale refresh's inserts: 2.6 s -> 1.3-1.5 s).
SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "foreign_keys=ON",
    "busy_timeout=10000",
    "synchronous=NORMAL",
    "wal_autocheckpoint=16384",
    "cache_size=-65536",
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite files get their folder created and sane pragmas."""
    parsed = make_url(url)
    if parsed.drivername.startswith("postgresql") and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)
