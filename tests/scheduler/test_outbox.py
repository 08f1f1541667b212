"""Claims, leases, the reaper and missed publications, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from campaigns.db import session_scope
from campaigns.models import AttemptOutcome, Channel, ContentItem, Publication, PublicationState
from scheduler import outbox
from scheduler.dispatcher import build_request
from tests.scheduler import factories as f
from tests.scheduler.fakes import START, Rig

S = PublicationState
LEASE = timedelta(minutes=2)


def _three(engine: Engine) -> list[int]:
    return f.grid(
        engine, [("fb", "facebook", "p1")], [START + timedelta(minutes=i) for i in range(3)]
    )


def test_claim_takes_due_rows_in_order_and_leases_them(any_engine: Engine) -> None:
    ids = _three(any_engine)
    now = START + timedelta(minutes=1)
    with Session(any_engine) as session:
        claimed = outbox.claim_due(session, "w1", now, 10, LEASE)
    assert [p.id for p in claimed] == ids[:2]
    with Session(any_engine) as session:
        for pid in ids[:2]:
            pub = session.get(Publication, pid)
            assert pub is not None
            assert (pub.state, pub.locked_by, pub.locked_until) == (S.CLAIMED, "w1", now + LEASE)
        with_third = session.get(Publication, ids[2])
        assert with_third is not None
        assert with_third.state == S.APPROVED
        # Claimed rows are not claimed again, by anyone.
        assert outbox.claim_due(session, "w2", now, 10, LEASE) == []


def test_channels_take_turns_in_a_claim_so_a_busy_one_starves_no_other(
    any_engine: Engine,
) -> None:
    with Session(any_engine) as session:
        camp = f.campaign(session)
        busy, quiet, late = (f.channel(session, camp, k) for k in ("busy", "quiet", "late"))
        item = f.content(session, camp, "a")
        flood = [
            f.publication(session, camp, item, busy, START + timedelta(microseconds=n)).id
            for n in range(30)
        ]
        lone = f.publication(session, camp, item, quiet, START + timedelta(seconds=30)).id
        later = f.publication(session, camp, item, late, START + timedelta(seconds=10)).id
        session.commit()
        now = START + timedelta(minutes=1)
        first = [p.id for p in outbox.claim_due(session, "w1", now, 4, LEASE)]
        second = [p.id for p in outbox.claim_due(session, "w2", now, 2, LEASE)]
    # Each channel's oldest due row first, in due order; then the busy channel's next ones.
    assert first == [flood[0], later, lone, flood[1]]
    assert second == flood[2:4]


def test_claim_respects_limit_and_skips_paused_channels_and_drafts(any_engine: Engine) -> None:
    with Session(any_engine) as session:
        camp = f.campaign(session)
        live = f.channel(session, camp, "live")
        paused = f.channel(session, camp, "paused")
        paused.paused = True
        item = f.content(session, camp, "a")
        ok = [
            f.publication(session, camp, item, live, START + timedelta(seconds=i)).id
            for i in range(3)
        ]
        f.publication(session, camp, item, paused, START)
        f.publication(session, camp, item, live, START - timedelta(seconds=1), S.DRAFT)
        session.commit()
        first = [
            p.id for p in outbox.claim_due(session, "w1", START + timedelta(minutes=1), 2, LEASE)
        ]
        rest = [
            p.id for p in outbox.claim_due(session, "w1", START + timedelta(minutes=1), 9, LEASE)
        ]
    assert (first, rest) == (ok[:2], ok[2:])


def test_reaper_frees_expired_claims_and_marks_the_attempt_unknown(any_engine: Engine) -> None:
    [pid, *_] = _three(any_engine)
    with Session(any_engine) as session:
        [pub] = outbox.claim_due(session, "dead", START, 1, LEASE)
        outbox.start_attempt(session, pub, "dead", START)
        session.commit()
        assert outbox.reap_expired(session, START + LEASE) == []  # not expired yet
        assert outbox.reap_expired(session, START + LEASE + timedelta(seconds=1)) == [pid]
        row = session.get(Publication, pid)
        assert row is not None
        session.refresh(row)
        assert (row.state, row.locked_by, row.last_error_code) == (S.QUEUED, None, "lease_expired")
        [attempt] = outbox.unresolved_attempts(session, pid)
        assert attempt.outcome == AttemptOutcome.UNKNOWN
        assert "dead" in attempt.error_message


def test_reaped_claim_of_a_future_post_waits_for_its_planned_time(any_engine: Engine) -> None:
    """A hand-off claims rows hours ahead; if its worker dies, the row must not become due at
    once (the dispatcher would reconcile and publish it early): it waits for its own time."""
    planned = START + timedelta(hours=2)
    [pid] = f.grid(any_engine, [("fb", "facebook", "p1")], [planned])
    with Session(any_engine) as session:
        pub = session.get(Publication, pid)
        assert pub is not None
        pub.state, pub.locked_by, pub.locked_until = S.CLAIMED, "handoff", START + LEASE
        session.add(pub)
        session.commit()
        outbox.start_attempt(session, pub, "handoff", START)
        session.commit()
        later = START + LEASE + timedelta(seconds=1)
        assert outbox.reap_expired(session, later) == [pid]
        assert outbox.claim_due(session, "w1", later, 10, LEASE) == []
        [claimed] = outbox.claim_due(session, "w1", planned, 10, LEASE)
    assert claimed.id == pid


def test_expired_claim_is_reconciled_before_any_new_call(any_engine: Engine) -> None:
    rig = Rig(any_engine)
    [pid] = f.grid(any_engine, [("fb", "facebook", "104251380000001")], [START])
    # A worker claimed, wrote its attempt, published, and died before writing the result.
    with session_scope(any_engine) as session:
        [pub] = outbox.claim_due(session, "dead", START, 1, LEASE)
        outbox.start_attempt(session, pub, "dead", START)
        chan = session.get(Channel, pub.channel_id)
        content = session.get(ContentItem, pub.content_id)
        assert chan is not None
        assert content is not None
        creds = rig.connectors.credentials(session, chan)
    rig.fb.publish(creds, build_request(pub, chan, content))
    rig.clock.current = START + timedelta(minutes=1)
    rig.run()
    assert rig.pub(pid).state == S.CLAIMED  # the lease has not run out yet: nobody touches it
    rig.clock.current = START + LEASE + timedelta(seconds=1)
    rig.run()
    pub = rig.pub(pid)
    assert pub.state == S.PUBLISHED
    assert len(rig.fb.calls) == 1
    assert [a.outcome for a in rig.attempts(pid)] == [AttemptOutcome.RECONCILED_FOUND]


def test_overdue_past_grace_is_missed_with_an_alert_within_grace_goes_late(
    any_engine: Engine,
) -> None:
    rig = Rig(any_engine)
    ids = f.grid(any_engine, [("fb", "facebook", "p1")], [START, START + timedelta(minutes=40)])
    rig.clock.current = START + timedelta(minutes=45)  # 45 min late and 5 min late; grace 30
    report = rig.run()
    assert report.missed == 1
    assert rig.pub(ids[0]).state == S.MISSED
    assert "past the 30 min grace" in rig.pub(ids[0]).last_error
    assert rig.pub(ids[1]).state == S.PUBLISHED
    [missed] = rig.alerts()
    assert (missed.kind, missed.publication_id) == ("missed", ids[0])
    assert rig.fb.markers() == [f"loa-p{ids[1]}"]


def test_catch_up_publishes_the_backlog_instead(any_engine: Engine) -> None:
    rig = Rig(any_engine)
    ids = f.grid(any_engine, [("fb", "facebook", "p1")], [START - timedelta(days=7), START])
    rig.clock.current = START + timedelta(hours=2)
    report = rig.run(catch_up=True)
    assert report.missed == 0
    assert [rig.pub(i).state for i in ids] == [S.PUBLISHED, S.PUBLISHED]


def test_missed_never_touches_a_row_whose_outcome_is_unknown(any_engine: Engine) -> None:
    [pid, *_] = _three(any_engine)
    with Session(any_engine) as session:
        [pub] = outbox.claim_due(session, "dead", START, 1, LEASE)
        outbox.start_attempt(session, pub, "dead", START)
        session.commit()
        outbox.reap_expired(session, START + timedelta(hours=1), orphans=True)
        assert [
            p.id
            for p in outbox.mark_missed(session, START + timedelta(hours=2), timedelta(minutes=30))
        ] == [
            pid + 1,
            pid + 2,
        ]
        row = session.get(Publication, pid)
        assert row is not None
        session.refresh(row)
        assert row.state == S.QUEUED


def test_next_due_is_the_earliest_future_due_time(any_engine: Engine) -> None:
    _three(any_engine)
    with Session(any_engine) as session:
        assert outbox.next_due(session) == START
        assert outbox.next_due(session, after=START) == START + timedelta(minutes=1)
        assert outbox.next_due(session, after=START + timedelta(hours=1)) is None


@pytest.mark.postgres
def test_concurrent_claims_on_postgres_never_overlap(pg_engine: Engine) -> None:
    ids = f.grid(
        pg_engine, [("fb", "facebook", "p1")], [START + timedelta(seconds=i) for i in range(6)]
    )
    # Two open transactions: the first holds its rows locked; SKIP LOCKED lets the second pass.
    with Session(pg_engine) as one, Session(pg_engine) as two:
        locked = one.exec(
            select(Publication).where(col(Publication.id).in_(ids[:3])).with_for_update()
        ).all()
        assert len(locked) == 3
        taken = outbox.claim_due(two, "w2", START + timedelta(minutes=1), 10, LEASE)
        assert [p.id for p in taken] == ids[3:]
        one.rollback()
    with Session(pg_engine) as session:
        assert [
            p.id for p in outbox.claim_due(session, "w1", START + timedelta(minutes=1), 10, LEASE)
        ] == ids[:3]


def test_sql_block_check_covers_the_same_channels_as_the_scopes_written(
    any_engine: Engine,
) -> None:
    """Claims and the dispatcher test blocks in SQL; they must hold back exactly the channels
    `blocked_channel_ids` names for every scope `channel_state` writes."""
    from sqlalchemy import select as sa_select

    from scheduler.channel_state import (
        account_scope,
        app_scope,
        block,
        blocked_channel_ids,
        quota_scope,
    )

    f.grid(
        any_engine,
        [
            ("fb1", "facebook", "p1"),
            ("fb2", "facebook", "p2"),
            ("yt1", "youtube", "UC_1"),
            ("yt2", "youtube", "UC_2"),
            ("yt3", "youtube", "UCX1"),  # differs from UC_1 where `_` would match as LIKE
        ],
        [START],
    )

    def in_sql(session: Session) -> set[int]:
        stmt = sa_select(outbox.CHANNEL.c.id).where(outbox.channel_blocked(START))
        return {int(i) for i in session.execute(stmt).scalars()}

    with Session(any_engine) as session:
        assert in_sql(session) == blocked_channel_ids(session, START) == set()
        later = START + timedelta(hours=1)
        block(session, account_scope("facebook", "p1"), later, "limit", START)
        block(session, quota_scope("UC_1", "uploads"), later, "quota", START)
        block(session, account_scope("youtube", "UC_2"), START, "expired", START)
        session.commit()
        ids = {c.key: c.id for c in session.exec(select(Channel)).all()}
        assert in_sql(session) == blocked_channel_ids(session, START) == {ids["fb1"], ids["yt1"]}
        block(session, app_scope("facebook"), later, "app limit", START)
        session.commit()
        expected = {ids["fb1"], ids["fb2"], ids["yt1"]}
        assert in_sql(session) == blocked_channel_ids(session, START) == expected


def test_load_claim_reads_the_held_row_with_its_channel_content_and_open_attempts(
    any_engine: Engine,
) -> None:
    [first, second, _] = _three(any_engine)
    now = START + timedelta(minutes=1)
    with Session(any_engine) as session:
        assert outbox.claim_ids(session, "w1", now, 2, LEASE) == [first, second]
        row = outbox.load_claim(session, first, "w1", now)
        assert row is not None
        assert (row.pub_id, row.platform, row.account_id, row.kind) == (
            first,
            "facebook",
            "p1",
            "post",
        )
        assert (row.attempts, row.paused, row.blocked, row.unresolved) == (0, False, False, False)
        assert outbox.load_claim(session, first, "w2", now) is None  # someone else's claim
        session.rollback()
        attempt_id = outbox.start_claimed(session, first, 1, "w1", now, LEASE)
        session.commit()
        row = outbox.load_claim(session, first, "w1", now)
        assert row is not None
        assert (row.attempts, row.unresolved) == (1, True)  # started, outcome not known yet
        [open_attempt] = outbox.unresolved_attempts(session, first)
        assert (open_attempt.id, open_attempt.marker) == (attempt_id, f"loa-p{first}")
