"""Bulk INSERTs on SQLite as multi-row VALUES statements.

`executemany` runs its one-row statement once per row: a reset, a bind of each value and a
step, each crossing from Python into SQLite. One statement of a few hundred rows binds the
same values but does the rest once per statement. Snapshot ingestion of 945,000 rows (five
columns, the key WITHOUT ROWID): the insert took 1.58 s with `executemany`, 0.81 s this way.

Where rows come one at a time as tuples from a reader (the rollup refresh), `executemany`
measured faster, and is kept there (`bench/RESULTS.md`).
"""

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import chain, islice
from typing import Any

# Bound values per statement: SQLite's limit before 3.32 (32,766 since), so that any build works.
MAX_PARAMS = 999


def flatten_columns(columns: Sequence[Sequence[Any]]) -> list[Any]:
    """Row after row, the values of equally long `columns`: no per-row tuple is made (a batch
    of tuples makes the garbage collector walk the heap while it grows)."""
    width = len(columns)
    flat: list[Any] = [None] * (width * len(columns[0]))
    for index, column in enumerate(columns):
        flat[index::width] = column
    return flat


def insert_flat(cursor: Any, head: str, width: int, flat: Sequence[Any], tail: str = "") -> None:
    """Run `head VALUES (?, ...), (?, ...) ... tail` over `flat`, `width` values per row.

    `head` is `INSERT INTO table (columns)`; `tail` an optional `ON CONFLICT ...` clause, which
    a multi-row VALUES takes as one-row statements do (a key repeated within a statement meets
    the row its first occurrence wrote, as it would in the next statement of `executemany`).
    """
    if len(flat) % width:
        raise ValueError(f"{len(flat)} values do not make rows of {width}")
    step = MAX_PARAMS // width * width
    full = len(flat) - len(flat) % step
    if full:
        statement = _statement(head, width, step // width, tail)
        for start in range(0, full, step):
            cursor.execute(statement, flat[start : start + step])
    if full < len(flat):
        cursor.execute(_statement(head, width, (len(flat) - full) // width, tail), flat[full:])


def insert_rows(
    cursor: Any, head: str, width: int, rows: Iterable[Sequence[Any]], tail: str = ""
) -> None:
    """`insert_flat` of row tuples (or any iterable of rows, read a statement's worth at a time,
    so that a generator is never held whole)."""
    for batch in _batches(iter(rows), MAX_PARAMS // width):
        insert_flat(cursor, head, width, list(chain.from_iterable(batch)), tail)


@lru_cache(maxsize=64)
def _statement(head: str, width: int, rows: int, tail: str) -> str:
    marks = "(" + ", ".join("?" * width) + ")"
    return f"{head} VALUES {', '.join([marks] * rows)} {tail}".rstrip()


def _batches(rows: Iterator[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    while batch := list(islice(rows, size)):
        yield batch
