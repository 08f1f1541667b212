"""Workers agree on the database's time: a host whose clock drifted neither publishes early nor
reaps another worker's call in flight."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.db import session_scope
from campaigns.models import Publication, PublicationState
from scheduler import outbox
from scheduler.clock import DatabaseClock, SkewedClock, shared_clock, utc_now
from tests.scheduler import factories as f

S = PublicationState
FAST = SkewedClock(timedelta(minutes=2))  # a host two minutes fast
LEASE = timedelta(seconds=30)


@pytest.mark.postgres
def test_the_database_clock_corrects_a_drifted_host(pg_engine: Engine) -> None:
    clock = shared_clock(pg_engine, FAST)
    assert isinstance(clock, DatabaseClock)
    assert abs(utc_now(clock) - datetime.now(UTC)) < timedelta(seconds=2)


def test_on_sqlite_the_host_clock_is_the_database_clock(sqlite_engine: Engine) -> None:
    assert shared_clock(sqlite_engine, FAST) is FAST


@pytest.mark.postgres
def test_a_fast_host_neither_publishes_early_nor_reaps_a_call_in_flight(
    pg_engine: Engine,
) -> None:
    real = datetime.now(UTC)
    [early, due] = f.grid(
        pg_engine, [("ch1", "facebook", "p1")], [real + timedelta(minutes=1), real]
    )
    fast = shared_clock(pg_engine, FAST)
    with session_scope(pg_engine) as session:
        # The other worker's call, leased by the true time, is in flight.
        assert outbox.claim_ids(session, "slow#1", real, 1, LEASE) == [due]
    with session_scope(pg_engine) as session:
        assert outbox.claim_ids(session, "fast#1", utc_now(fast), 10, LEASE) == []
    with session_scope(pg_engine) as session:
        assert outbox.reap_expired(session, utc_now(fast)) == []
    with Session(pg_engine) as session:
        row = session.get(Publication, early)
        assert row is not None
        assert row.state == S.APPROVED
