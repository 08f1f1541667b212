"""Multi-row INSERTs store exactly what `executemany` of the same rows stores."""

import random
import sqlite3
from collections.abc import Iterator

import pytest

from campaigns.sqlite_bulk import MAX_PARAMS, flatten_columns, insert_flat, insert_rows

UPSERT = (
    "ON CONFLICT (k) DO UPDATE SET v = excluded.v, at = excluded.at "
    "WHERE t.at <= excluded.at"  # as MetricLatest: an older capture never overwrites
)


def _table() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v REAL, at TEXT)")
    return conn


def _rows(count: int, keys: int, seed: int) -> list[tuple[int, float, str]]:
    rng = random.Random(seed)
    return [
        (rng.randrange(keys), rng.random(), f"2025-11-{rng.randrange(15, 30)}")
        for _ in range(count)
    ]


def test_flatten_columns_lays_the_rows_out_one_after_another() -> None:
    assert flatten_columns([[1, 2, 3], ["a", "b", "c"]]) == [1, "a", 2, "b", 3, "c"]


@pytest.mark.parametrize("count", [1, MAX_PARAMS // 3, MAX_PARAMS // 3 + 1, 1000])
def test_every_row_is_stored_in_full_statements_and_the_rest(count: int) -> None:
    rows = [(k, k / 2, f"at {k}") for k in range(count)]
    conn = _table()
    columns = list(zip(*rows, strict=True))
    insert_flat(conn.cursor(), "INSERT INTO t (k, v, at)", 3, flatten_columns(columns))
    assert conn.execute("SELECT k, v, at FROM t ORDER BY k").fetchall() == rows


def test_an_upsert_with_repeated_keys_ends_as_executemany_ends() -> None:
    """Keys repeat within one statement and across statements: each later row meets what the
    earlier ones wrote, as it does row by row."""
    rows = _rows(2000, keys=150, seed=7)
    bulk, one_by_one = _table(), _table()
    insert_rows(bulk.cursor(), "INSERT INTO t (k, v, at)", 3, iter(rows), UPSERT)
    one_by_one.executemany(f"INSERT INTO t (k, v, at) VALUES (?, ?, ?) {UPSERT}", rows)
    query = "SELECT k, v, at FROM t ORDER BY k"
    assert bulk.execute(query).fetchall() == one_by_one.execute(query).fetchall()


def test_rows_are_read_a_statement_at_a_time() -> None:
    """A generator (the rollup refresh streams its rows) is not read whole before writing."""
    conn = _table()
    stored_when_read: list[int] = []

    def rows() -> Iterator[tuple[int, float, str]]:
        for k in range(1000):
            if k % 100 == 0:
                stored_when_read.append(conn.execute("SELECT count(*) FROM t").fetchone()[0])
            yield (k, 0.0, "")

    insert_rows(conn.cursor(), "INSERT INTO t (k, v, at)", 3, rows())
    assert stored_when_read[0] == 0
    assert stored_when_read[-1] > 0
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1000


def test_values_that_do_not_make_whole_rows_are_refused() -> None:
    conn = _table()
    with pytest.raises(ValueError, match="4 values do not make rows of 3"):
        insert_flat(conn.cursor(), "INSERT INTO t (k, v, at)", 3, [1, 2.0, "x", 2])
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
