"""The few SQL expressions that differ between SQLite and PostgreSQL, written once.

SQLite keeps `UTCDateTime` values as naive UTC text (`YYYY-MM-DD HH:MM:SS.ffffff`), PostgreSQL as
`timestamptz`; date arithmetic and truncation are spelled differently on each.
"""

from datetime import timedelta

from sqlalchemy import Float, Interval, literal, literal_column
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import cast, func


def seconds_between(dialect: str, later: ColumnElement, earlier: ColumnElement) -> ColumnElement:
    """`later - earlier` in seconds, as a float expression."""
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return cast(func.extract("epoch", later - earlier), Float)


def within_seconds(
    dialect: str, later: ColumnElement, earlier: ColumnElement, seconds: float
) -> ColumnElement:
    """`later - earlier <= seconds`; on PostgreSQL compared as intervals, which costs a third
    less per row than extracting the epoch."""
    if dialect == "sqlite":
        return seconds_between(dialect, later, earlier) <= seconds
    return later - earlier <= literal(timedelta(seconds=seconds), Interval)


def utc_hour(dialect: str, moment: ColumnElement) -> ColumnElement:
    """The UTC hour a moment falls in, as text `YYYY-MM-DD HH` (grouped in SQL, zoned later)."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m-%d %H", moment)
    return func.to_char(moment.op("AT TIME ZONE")(literal_column("'UTC'")), "YYYY-MM-DD HH24")
