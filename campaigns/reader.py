"""Plain SQL reads for read-only commands, without SQLAlchemy on the embedded database.

`loa status` is typed dozens of times a day. Importing SQLAlchemy, SQLModel and building every
model took most of its time, so its few SELECTs are written as SQL and run by the standard
`sqlite3` module on the SQLite file. Other databases (PostgreSQL) and callers that already hold
a SQLAlchemy connection or session run the same SQL through SQLAlchemy's `text()`.

The SQL is kept portable (SQLite and PostgreSQL): `:name` parameters, every column written
`table.column` (tests/scheduler/test_status_reader.py checks each one against the models' tables), and
values converted here as the models' column types would: times stored by `UTCDateTime` come back
aware in UTC, booleans as `bool`, dates as `date`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

Row = tuple[Any, ...]

# The URLs the embedded setup writes (`sqlite:///.loa/loa.db`): a plain file path, no options.
# Anything else (in memory, query options, escapes) goes through SQLAlchemy, which knows them all.
_SQLITE_FILE = re.compile(r"^sqlite(\+pysqlite)?:///(?P<path>[^?%]+)$")


class Reader(Protocol):
    dialect: str  # "sqlite", "postgresql", ...

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]: ...

    def has_table(self, name: str) -> bool: ...


class SqliteReader:
    """SELECTs on an SQLite file through `sqlite3`."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self.connection.execute(sql, dict(params or {})).fetchall()

    def has_table(self, name: str) -> bool:
        found = self.rows(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name", {"name": name}
        )
        return bool(found)


class AlchemyReader:
    """The same SELECTs through a SQLAlchemy connection or ORM session."""

    def __init__(self, db: Connection | Session) -> None:
        from sqlalchemy import Connection

        self.db = db
        bind = db if isinstance(db, Connection) else db.get_bind()
        self.dialect = bind.dialect.name

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        from sqlalchemy import text

        return [tuple(row) for row in self.db.execute(text(sql), dict(params or {})).all()]

    def has_table(self, name: str) -> bool:
        from sqlalchemy import Connection, inspect

        db = self.db
        connection = db if isinstance(db, Connection) else db.connection()
        return inspect(connection).has_table(name)


def as_reader(db: Reader | Connection | Session) -> Reader:
    """`db` itself when it is a reader, else a reader over the SQLAlchemy connection or session."""
    if isinstance(db, SqliteReader | AlchemyReader):
        return db  # checked first: a plain SQLite read must not import SQLAlchemy
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    if isinstance(db, Connection | Session):
        return AlchemyReader(db)
    return db


@contextmanager
def open_reader(url: str) -> Iterator[Reader]:
    """A reader on the database at `url` (a SQLAlchemy URL, as in the settings).

    An SQLite file that does not exist is not created (a read finds no table in it); its
    connection waits for a writer as long as the engine's `busy_timeout` (campaigns.engine).
    """
    match = _SQLITE_FILE.match(url)
    if match:
        path = Path(match["path"])
        connection = sqlite3.connect(path) if path.exists() else sqlite3.connect(":memory:")
        connection.execute("PRAGMA busy_timeout=10000")
        try:
            yield SqliteReader(connection)
        finally:
            connection.close()
        return
    from campaigns.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as alchemy:
            yield AlchemyReader(alchemy)
    finally:
        engine.dispose()


def placeholders(name: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """`:name0, :name1, ...` for an IN list, with its parameters."""
    params = {f"{name}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{key}" for key in params) or "NULL", params


def utc(value: Any) -> datetime | None:
    """A stored `UTCDateTime`: SQLite keeps naive UTC text, PostgreSQL an aware time."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def day(value: Any) -> date:
    """A stored date: ISO text on SQLite, a `date` on PostgreSQL."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def day_param(reader: Reader, value: date) -> date | str:
    """A date to compare with a stored one: SQLite stores dates as ISO text."""
    return value.isoformat() if reader.dialect == "sqlite" else value
