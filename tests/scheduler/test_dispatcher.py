"""One attempt per error class of the taxonomy, with the fake publisher, on both databases."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.models import (
    AttemptOutcome,
    Channel,
    ContentItem,
    Publication,
    PublicationState,
    RateLimitBlock,
)
from connectors.base import (
    AuthExpired,
    Credentials,
    Duplicate,
    FoundPost,
    PermissionDenied,
    PolicyBlocked,
    ProgressCallback,
    PublishRequest,
    PublishResult,
    QuotaExhausted,
    RateLimited,
    ReconcileProbe,
    ReconcileResult,
    Rejected,
    TransientError,
    UnknownOutcome,
)
from scheduler import outbox
from scheduler.channel_state import account_scope, block, resume_channel
from scheduler.dispatcher import Dispatcher
from tests.scheduler import factories as f
from tests.scheduler.fakes import START, ApplyThenRaise, FakePublisher, Rig

S = PublicationState


def _setup(engine: Engine, n: int = 1, platform: str = "facebook") -> tuple[Rig, list[int]]:
    rig = Rig(engine)
    ext = "104251380000001" if platform == "facebook" else "UCvnGenderEquality0000001"
    ids = f.grid(engine, [("ch1", platform, ext)], [START + timedelta(minutes=i) for i in range(n)])
    rig.clock.current = START + timedelta(minutes=n - 1)
    return rig, ids


def test_due_publication_goes_out_once_with_its_attempt(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    rig.clock.advance(timedelta(seconds=20))
    report = rig.run()
    assert report.outcomes["published"] == 1
    pub = rig.pub(pid)
    assert pub.state == S.PUBLISHED
    assert pub.external_id == "104251380000001_1"
    assert pub.published_at == rig.clock.now()
    assert pub.locked_by is None
    [attempt] = rig.attempts(pid)
    assert attempt.outcome == AttemptOutcome.PUBLISHED
    assert attempt.marker == f"loa-p{pid}"
    assert attempt.evidence["lateness_s"] == pytest.approx(20)
    assert rig.fb.markers() == [f"loa-p{pid}"]
    assert rig.fb.completed == []  # the publish call finished its own post
    assert rig.run().claimed == 0  # nothing is sent twice


def test_future_publication_waits_for_its_minute(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    rig.clock.current = START - timedelta(seconds=1)
    assert rig.run().claimed == 0
    assert rig.pub(pid).state == S.APPROVED
    rig.clock.current = START
    assert rig.run().outcomes["published"] == 1


def test_transient_errors_back_off_then_fail_with_the_reason(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    rig.fb.script = [TransientError("Service unavailable", code="2")] * 3
    rig.run()
    pub = rig.pub(pid)
    assert pub.state == S.RETRY_WAIT
    assert pub.last_error == "Service unavailable"
    assert pub.last_error_code == "2"
    assert pub.next_attempt_at is not None
    assert rig.clock.now() <= pub.next_attempt_at <= rig.clock.now() + timedelta(seconds=10)
    for _ in range(2):
        rig.clock.advance(timedelta(minutes=2))
        rig.run()
    pub = rig.pub(pid)
    assert pub.state == S.FAILED
    assert pub.attempts == 3
    assert "3 transient failures" in pub.last_error
    assert [a.kind for a in rig.alerts()] == ["failed"]
    assert rig.fb.posts == {}


def test_transient_error_then_success(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    rig.fb.script = [TransientError("blip", code="1")]
    rig.run()
    rig.clock.advance(timedelta(seconds=11))
    rig.run()
    pub = rig.pub(pid)
    assert pub.state == S.PUBLISHED
    assert pub.last_error == ""
    assert [a.outcome for a in rig.attempts(pid)] == ["retry", "published"]


def test_app_rate_limit_holds_every_facebook_call_but_not_youtube(any_engine: Engine) -> None:
    rig = Rig(any_engine)
    ids = f.grid(
        any_engine,
        [("fb1", "facebook", "p1"), ("fb2", "facebook", "p2"), ("yt", "youtube", "UC1")],
        [START],
    )
    rig.fb.script = [
        RateLimited(
            "(#4) Application request limit reached",
            retry_after=timedelta(minutes=5),
            scope="app",
            code="4",
        )
    ]
    report = rig.run()
    assert report.outcomes == {"rate_limited": 1, "published": 1}
    assert len(rig.fb.calls) == 1  # the second Page was not called under the app block
    assert rig.pub(ids[1]).state == S.APPROVED  # not even claimed while the block holds
    assert rig.pub(ids[2]).state == S.PUBLISHED
    with Session(any_engine) as session:
        block = session.get(RateLimitBlock, "facebook:app")
        assert block is not None
        assert block.until == START + timedelta(minutes=5)
    assert rig.pub(ids[0]).next_attempt_at == START + timedelta(minutes=5)
    rig.clock.advance(timedelta(minutes=4))
    assert rig.run().claimed == 0
    rig.clock.advance(timedelta(minutes=1))
    assert rig.run().outcomes["published"] == 2


def test_row_claimed_before_its_channel_was_blocked_is_handed_back_untouched(
    any_engine: Engine,
) -> None:
    rig, [first, second] = _setup(any_engine, n=2)
    with Session(any_engine) as session:
        claimed = outbox.claim_due(session, "w1", rig.clock.now(), 2, timedelta(minutes=1))
        assert [p.id for p in claimed] == [first, second]
        block(
            session,
            account_scope("facebook", "104251380000001"),
            START + timedelta(hours=1),
            "limit",
            START,
        )
        session.commit()
    dispatcher = Dispatcher(
        any_engine, rig.connectors, rig.clock, "w1", rig.policy, timedelta(minutes=1)
    )
    assert dispatcher.attempt(second) == "deferred"
    row = rig.pub(second)
    assert (row.state, row.locked_by, row.attempts) == (S.QUEUED, None, 0)
    assert rig.fb.calls == []


def test_page_rate_limit_holds_only_that_page(any_engine: Engine) -> None:
    rig = Rig(any_engine)
    ids = f.grid(
        any_engine,
        [("fb1", "facebook", "p1"), ("fb2", "facebook", "p2")],
        [START, START + timedelta(seconds=1)],
    )
    rig.clock.advance(timedelta(seconds=1))
    rig.fb.script = [
        RateLimited(
            "(#32) Page request limit", retry_after=timedelta(minutes=1), scope="account", code="32"
        )
    ]
    rig.run()
    states = [rig.pub(i).state for i in ids]
    assert states == [S.RETRY_WAIT, S.APPROVED, S.PUBLISHED, S.PUBLISHED]


def test_quota_defers_every_upload_of_the_account_until_reset(any_engine: Engine) -> None:
    rig, ids = _setup(any_engine, n=3, platform="youtube")
    reset = START + timedelta(hours=10)
    rig.yt.script = [
        QuotaExhausted("quotaExceeded", reset_at=reset, bucket="uploads", code="quotaExceeded")
    ]
    rig.run()
    assert len(rig.yt.calls) == 1  # no more calls burned on 403s
    assert [rig.pub(i).state for i in ids] == [S.RETRY_WAIT, S.APPROVED, S.APPROVED]
    with Session(any_engine) as session:
        assert (
            session.get(RateLimitBlock, "youtube:quota:UCvnGenderEquality0000001:uploads")
            is not None
        )
    rig.clock.current = reset
    rig.run(catch_up=True)
    assert [rig.pub(i).state for i in ids] == [S.PUBLISHED] * 3


def test_auth_failure_pauses_the_channel_and_the_rest_goes_on(any_engine: Engine) -> None:
    rig = Rig(any_engine)
    ids = f.grid(
        any_engine,
        [("fb1", "facebook", "p1"), ("fb2", "facebook", "p2")],
        [START, START + timedelta(seconds=1)],
    )
    rig.clock.advance(timedelta(seconds=1))
    rig.fb.script = [AuthExpired("Error validating access token", code="190", subcode="463")]
    rig.run()
    assert [rig.pub(i).state for i in ids] == [S.QUEUED, S.APPROVED, S.PUBLISHED, S.PUBLISHED]
    assert len(rig.fb.calls) == 3  # fb1's second post was never tried
    assert rig.pub(ids[0]).last_error_code == "190"
    [paused] = rig.alerts()
    assert paused.kind == "channel_paused"
    assert "fb1" in paused.message
    with Session(any_engine) as session:
        chan = session.exec(select(Channel).where(Channel.key == "fb1")).one()
        assert chan.paused
        resume_channel(session, chan)
        session.commit()
    rig.run()
    assert [rig.pub(i).state for i in ids] == [S.PUBLISHED] * 4


def test_missing_credentials_pause_the_channel_too(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    rig.connectors.missing.add("ch1")
    rig.run()
    assert rig.pub(pid).state == S.QUEUED
    assert rig.pub(pid).last_error_code == "no_credentials"
    assert rig.fb.calls == []


def test_permission_denied_fails_with_an_alert(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    rig.fb.script = [PermissionDenied("(#200) requires pages_manage_posts", code="200")]
    rig.run()
    pub = rig.pub(pid)
    assert pub.state == S.FAILED
    assert "pages_manage_posts" in pub.last_error
    assert [a.kind for a in rig.alerts()] == ["failed"]


@pytest.mark.parametrize(
    "error",
    [Rejected("(#100) invalid link", code="100"), PolicyBlocked("(#368) blocked", code="368")],
)
def test_rejected_and_policy_go_to_review_with_the_message(
    any_engine: Engine, error: Exception
) -> None:
    rig, [pid] = _setup(any_engine)
    rig.fb.script = [error]
    rig.run()
    pub = rig.pub(pid)
    assert pub.state == S.NEEDS_REVIEW
    assert str(error) in pub.last_error
    assert [a.kind for a in rig.alerts()] == ["needs_review"]


def test_unknown_outcome_applied_is_found_not_sent_again(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    rig.fb.script = [ApplyThenRaise(UnknownOutcome("connection dropped"))]
    rig.run()
    assert rig.pub(pid).state == S.RETRY_WAIT
    assert rig.pub(pid).last_error_code == "unknown_outcome"
    rig.clock.advance(timedelta(seconds=5))
    rig.run()
    pub = rig.pub(pid)
    assert pub.state == S.PUBLISHED
    assert pub.external_id == "104251380000001_1"
    assert rig.fb.completed == [pub.external_id]  # what follows a publish, done for the adopted
    assert len(rig.fb.calls) == 1
    [attempt] = rig.attempts(pid)
    assert attempt.outcome == AttemptOutcome.RECONCILED_FOUND
    assert attempt.evidence["reconciliation"]["found"][0]["external_id"] == pub.external_id


def test_an_adopted_post_stays_published_when_finishing_it_fails(
    any_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """What follows a publish runs after the adoption is committed: a failure there (a bug, an
    unmapped client error) is logged and changes nothing of the publication."""
    rig, [pid] = _setup(any_engine)
    rig.fb.script = [ApplyThenRaise(UnknownOutcome("connection dropped"))]
    rig.fb.complete_error = RuntimeError("playlist step exploded")
    rig.run()
    rig.clock.advance(timedelta(seconds=5))
    report = rig.run()
    assert report.outcomes["published"] == 1
    pub = rig.pub(pid)
    assert pub.state == S.PUBLISHED
    assert rig.fb.completed == [pub.external_id]
    assert "what follows its publish failed" in caplog.text
    assert len(rig.fb.calls) == 1


class TextOnlyFeed(FakePublisher):
    """A platform whose search finds posts by their text only (Facebook keeps no marker)."""

    def reconcile(self, creds: Credentials, probe: ReconcileProbe) -> ReconcileResult:
        found = tuple(
            FoundPost(p.external_id, p.created_at, p.created_at, None, "text")
            for p in self.posts.values()
            if p.account_id == probe.account_id and p.message == probe.message
        )
        return ReconcileResult(found, True, f"text search of {probe.account_id}")


def test_the_twin_of_an_unknown_outcome_is_not_adopted(any_engine: Engine) -> None:
    """Two publications with the same text on one Page: the first goes out; the second's call
    ends unknown without reaching the platform. Its reconciliation finds the first's post by
    text, which must not be taken for its own: it is absent, and sent once more."""
    rig = Rig(any_engine)
    page = "104251380000001"
    ids = f.grid(any_engine, [("fb", "facebook", page)], [START, START])
    with Session(any_engine) as session:
        first, second = (session.get(Publication, i) for i in ids)
        assert first is not None
        assert second is not None
        twin = session.get(ContentItem, second.content_id)
        original = session.get(ContentItem, first.content_id)
        assert twin is not None
        assert original is not None
        twin.message = original.message
        session.add(twin)
        session.commit()
    rig.fb = TextOnlyFeed("facebook", rig.clock)
    rig.connectors.publishers["facebook"] = rig.fb
    rig.fb.script = [None, UnknownOutcome("read timeout")]
    rig.run()
    rig.clock.advance(timedelta(seconds=5))
    rig.run()
    first_pub, second_pub = rig.pub(ids[0]), rig.pub(ids[1])
    assert (first_pub.state, second_pub.state) == (S.PUBLISHED, S.PUBLISHED)
    assert first_pub.external_id != second_pub.external_id
    assert len(rig.fb.posts) == 2
    assert [a.outcome for a in rig.attempts(ids[1])] == ["reconciled_absent", "published"]


def test_unknown_outcome_proven_absent_is_sent_once_more(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    rig.fb.script = [UnknownOutcome("read timeout")]
    rig.run()
    rig.clock.advance(timedelta(seconds=5))
    rig.run()
    assert rig.pub(pid).state == S.PUBLISHED
    assert [a.outcome for a in rig.attempts(pid)] == ["reconciled_absent", "published"]
    assert len(rig.fb.posts) == 1


def test_unknown_outcome_that_cannot_be_proven_goes_to_review(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    rig.fb.script = [UnknownOutcome("read timeout")]
    rig.fb.reconcile_complete = False
    rig.run()
    rig.clock.advance(timedelta(seconds=5))
    rig.run()
    pub = rig.pub(pid)
    assert pub.state == S.NEEDS_REVIEW
    assert "fake feed" in pub.last_error
    [attempt] = rig.attempts(pid)
    assert attempt.evidence["reconciliation"]["complete"] is False
    assert len(rig.fb.calls) == 1
    [alert] = rig.alerts()
    assert alert.kind == "needs_review"
    # The notice names the post so an officer can find it: content, channel, planned time.
    assert f"publication #{pid} 'ch1-0' on ch1 (facebook 104251380000001)" in alert.message
    assert "planned 25/11/2025 08:00 Asia/Ho_Chi_Minh" in alert.message


def test_reconcile_that_cannot_run_never_publishes_blind(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    rig.fb.script = [UnknownOutcome("read timeout")]
    rig.fb.reconcile_error = TransientError("500")
    rig.run()
    rig.clock.advance(timedelta(seconds=5))
    rig.run()
    assert rig.pub(pid).state == S.RETRY_WAIT
    assert rig.pub(pid).last_error_code == "reconcile_transienterror"
    assert len(rig.fb.calls) == 1
    rig.fb.reconcile_error = None
    rig.clock.advance(timedelta(minutes=2))
    rig.run()
    assert rig.pub(pid).state == S.PUBLISHED
    assert len(rig.fb.calls) == 2


def test_duplicate_is_reconciled_and_found(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    rig.fb.script = [ApplyThenRaise(Duplicate("(#506) Duplicate status message", code="506"))]
    rig.run()
    rig.clock.advance(timedelta(seconds=5))
    rig.run()
    assert rig.pub(pid).state == S.PUBLISHED
    assert len(rig.fb.posts) == 1


def test_duplicate_without_a_copy_goes_to_review(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    rig.fb.script = [Duplicate("(#506) Duplicate status message", code="506")]
    rig.run()
    rig.clock.advance(timedelta(seconds=5))
    rig.run()
    assert rig.pub(pid).state == S.NEEDS_REVIEW
    assert rig.pub(pid).last_error_code == "duplicate"
    assert rig.fb.posts == {}


def test_attempt_row_is_committed_before_the_call(any_engine: Engine) -> None:
    rig, [pid] = _setup(any_engine)
    seen: list[tuple[str, str]] = []
    publish = rig.fb.publish

    def checking_publish(
        creds: Credentials,
        request: PublishRequest,
        progress: ProgressCallback | None = None,
        **kw: object,
    ) -> PublishResult:
        # Another connection sees the attempt while the call is in flight: a crash here
        # leaves a `started` attempt for the reaper and reconciliation, never a silent gap.
        [attempt] = rig.attempts(pid)
        seen.append((attempt.outcome, rig.pub(pid).state))
        return publish(creds, request, progress)

    rig.fb.publish = checking_publish  # type: ignore[method-assign]
    rig.run()
    assert seen == [(AttemptOutcome.STARTED, S.CLAIMED)]
    assert rig.pub(pid).state == S.PUBLISHED


def test_credentials_are_decrypted_once_per_channel_per_pass(any_engine: Engine) -> None:
    rig = Rig(any_engine)
    rig.settings.concurrency = 4
    ids = f.grid(
        any_engine,
        [("fb1", "facebook", "p1"), ("fb2", "facebook", "p2")],
        [START, START + timedelta(seconds=1), START + timedelta(minutes=10)],
    )
    rig.clock.advance(timedelta(seconds=1))
    asked: list[str] = []
    credentials = rig.connectors.credentials

    def counting(session: Session, channel: Channel) -> Credentials:
        asked.append(channel.key)
        return credentials(session, channel)

    rig.connectors.credentials = counting  # type: ignore[method-assign]
    assert rig.run().outcomes == {"published": 4}
    assert sorted(asked) == ["fb1", "fb2"]
    rig.clock.advance(timedelta(minutes=10))
    assert rig.run().outcomes == {"published": 2}
    assert sorted(asked) == ["fb1", "fb1", "fb2", "fb2"]  # a new pass reads them afresh
    assert [rig.pub(i).state for i in ids] == [S.PUBLISHED] * 6
