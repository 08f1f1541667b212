"""Jobs that one worker runs for all: a PostgreSQL advisory lock per job name.

Several workers share one PostgreSQL database and each has a ticker; a job such as the metric
pull must run in one of them at a time, or every worker pulls every item. `only_one` holds a
session-level advisory lock on its own connection for the job's duration: a second worker
asking meanwhile is told no and skips that pass; a worker that dies releases the lock with its
connection. On SQLite exactly one worker runs (scheduler.worker): the answer is always yes.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text


def _key(name: str) -> int:
    """A stable signed 64-bit key for a job name."""
    return int.from_bytes(hashlib.sha256(f"loa:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def only_one(engine: Engine, name: str) -> Iterator[bool]:
    """Yields True when this worker may run the job `name` now, False when another one is."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        held = bool(
            conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(name)}).scalar()
        )
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key(name)})
                conn.commit()
