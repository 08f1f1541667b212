"""Leases: a claim belongs to its holder (worker id and claim token), and a heartbeat renews it
for every call in flight, progress or none; a claim lost mid-call is never a plain success."""

import time
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.db import session_scope
from campaigns.models import Alert, AttemptOutcome, PublicationState
from campaigns.settings import Settings
from connectors.base import PublishResult, TransientError
from scheduler import outbox
from scheduler.dispatcher import Dispatcher
from tests.scheduler import factories as f
from tests.scheduler.fakes import START, FakePublisher, Rig

S = PublicationState
PAGE = "104251380000001"


class HookedPublisher(FakePublisher):
    """Runs `during` inside the publish call, as the world moves on while a call is in flight."""

    during: object = None

    def publish(self, creds, request, progress=None, *, on_session=None) -> PublishResult:  # type: ignore[no-untyped-def]
        if callable(self.during):
            hook, self.during = self.during, None
            hook()
        return super().publish(creds, request, progress)


def _rig(engine: Engine, settings: Settings | None = None) -> tuple[Rig, int, HookedPublisher]:
    rig = Rig(engine) if settings is None else Rig(engine, settings=settings)
    rig.fb = HookedPublisher("facebook", rig.clock)
    rig.connectors.publishers["facebook"] = rig.fb
    [pid] = f.grid(engine, [("ch1", "facebook", PAGE)], [START])
    return rig, pid, rig.fb


def test_a_call_without_progress_outliving_its_lease_keeps_its_claim(any_engine: Engine) -> None:
    # Lease 5 s: the keeper renews every 1.7 s of real time while the call hangs for 4 s,
    # during which the clock moves 6 s. Another worker's reaper then finds nothing to take.
    settings = Settings(grace_minutes=30, lease_seconds=5, http_timeout_s=1, concurrency=1)
    rig, pid, fb = _rig(any_engine, settings)
    reaped: list[int] = []

    def slow_link() -> None:
        for _ in range(2):
            rig.clock.advance(timedelta(seconds=3))
            time.sleep(2)
        with session_scope(any_engine) as session:
            reaped.extend(outbox.reap_expired(session, rig.clock.now()))

    fb.during = slow_link
    assert rig.run().outcomes["published"] == 1
    assert reaped == []
    [attempt] = rig.attempts(pid)
    assert attempt.outcome == AttemptOutcome.PUBLISHED
    assert attempt.evidence["lease_renewals"] >= 1
    assert len(fb.posts) == 1


def test_a_reclaim_by_the_same_worker_is_another_owner(any_engine: Engine) -> None:
    # The row is reaped mid-call and claimed again by another thread of the same worker: the
    # first call's late failure must not move the second claim's row.
    rig, pid, fb = _rig(any_engine)
    dispatcher = Dispatcher(
        any_engine, rig.connectors, rig.clock, "w1", rig.policy, timedelta(minutes=1)
    )
    first, second = outbox.new_holder("w1"), outbox.new_holder("w1")
    assert first != second
    assert outbox.holder_worker(first) == "w1"
    with session_scope(any_engine) as session:
        assert outbox.claim_ids(session, first, rig.clock.now(), 1, timedelta(minutes=1)) == [pid]

    def reclaimed() -> None:
        later = rig.clock.now() + timedelta(minutes=2)
        with session_scope(any_engine) as session:
            assert outbox.reap_expired(session, later) == [pid]
        with session_scope(any_engine) as session:
            assert outbox.claim_ids(session, second, later, 1, timedelta(minutes=1)) == [pid]
        raise TransientError("HTTP 503 before anything was done", platform="facebook")

    fb.during = reclaimed
    assert dispatcher.attempt(pid, first) == "lease_lost"
    row = rig.pub(pid)
    assert (row.state, row.locked_by) == (S.CLAIMED, second)


def test_a_claim_lost_during_a_successful_call_is_reconciled_not_recorded(
    any_engine: Engine,
) -> None:
    rig, pid, fb = _rig(any_engine)
    dispatcher = Dispatcher(
        any_engine, rig.connectors, rig.clock, "w1", rig.policy, timedelta(minutes=1)
    )
    holder = outbox.new_holder("w1")
    with session_scope(any_engine) as session:
        outbox.claim_ids(session, holder, rig.clock.now(), 1, timedelta(minutes=1))

    def reaped_by_a_fast_host() -> None:
        with session_scope(any_engine) as session:
            outbox.reap_expired(session, rig.clock.now() + timedelta(minutes=2))
        dispatcher.keeper.renew()  # the heartbeat finds the claim gone

    fb.during = reaped_by_a_fast_host
    assert dispatcher.attempt(pid, holder) == "lease_lost"
    row = rig.pub(pid)
    assert row.state == S.QUEUED  # not a plain success
    [attempt] = rig.attempts(pid)
    assert attempt.outcome == AttemptOutcome.UNKNOWN
    assert attempt.external_id == f"{PAGE}_1"
    assert attempt.evidence["lease_lost"] is True
    with Session(any_engine) as session:
        assert session.exec(select(Alert).where(Alert.publication_id == pid)).first()
    # The next pass reconciles by the recorded id: adopted, never sent again.
    rig.clock.advance(timedelta(minutes=3))
    assert rig.run().outcomes["published"] == 1
    row = rig.pub(pid)
    assert (row.state, row.external_id) == (S.PUBLISHED, f"{PAGE}_1")
    assert len(fb.posts) == 1
