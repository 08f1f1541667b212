"""One metric pull at a time across PostgreSQL workers."""

import pytest
from sqlalchemy import Engine

from scheduler.coordination import only_one


@pytest.mark.postgres
def test_a_second_worker_is_told_another_one_is_pulling(pg_engine: Engine) -> None:
    with only_one(pg_engine, "metrics") as first:
        assert first
        with only_one(pg_engine, "metrics") as second:  # another connection, as another host
            assert not second
        with only_one(pg_engine, "reports") as other_job:
            assert other_job
    with only_one(pg_engine, "metrics") as after:
        assert after


def test_on_sqlite_the_one_worker_always_runs_the_job(sqlite_engine: Engine) -> None:
    with only_one(sqlite_engine, "metrics") as mine, only_one(sqlite_engine, "metrics") as again:
        assert mine
        assert again
