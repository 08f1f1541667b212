"""Native hand-off: scheduled on the platform ahead, confirmed, re-created on edit, withdrawn."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.models import (
    Alert,
    Attempt,
    Channel,
    ContentItem,
    Publication,
    PublicationState,
    RateLimitBlock,
)
from campaigns.settings import Settings
from connectors.base import PublishRequest, RateLimited, Rejected, TransientError
from scheduler.handoff import HandOff
from scheduler.retry import RetryPolicy
from tests.scheduler.ops_data import (
    FakeConnectors,
    FakePublisher,
    World,
    add_publication,
    make_world,
)

T0 = datetime(2025, 11, 16, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


def handoff_world(engine: Engine) -> World:
    world = make_world(engine)
    with Session(engine) as s:
        fb = s.get(Channel, world.channels["fb"].id)
        assert fb is not None
        fb.native_handoff = True
        s.add(fb)
        s.commit()
    return world


def row(engine: Engine, pub_id: int | None) -> Publication:
    with Session(engine) as s:
        pub = s.get(Publication, pub_id)
        assert pub is not None
        return pub


def setup(engine: Engine, tmp_path: Path) -> tuple[World, Clock, FakeConnectors, HandOff]:
    world = handoff_world(engine)
    clock = Clock()
    connectors = FakeConnectors()
    runner = HandOff(engine, Settings(home=tmp_path), clock, connectors, "w1")
    return world, clock, connectors, runner


def test_hand_off_then_confirm(any_engine: Engine, tmp_path: Path) -> None:
    world, clock, connectors, runner = setup(any_engine, tmp_path)
    ahead = add_publication(any_engine, world, "post", "fb", T0 + timedelta(hours=12))
    soon = add_publication(any_engine, world, "post", "fb", T0 + timedelta(minutes=5))
    other = add_publication(any_engine, world, "clip", "yt", T0 + timedelta(hours=12))
    too_far = add_publication(any_engine, world, "post", "fb", T0 + timedelta(days=31))

    assert runner.hand_off() == {ahead.id: "handed_off"}
    handed = row(any_engine, ahead.id)
    assert handed.state == PublicationState.HANDED_OFF
    assert handed.handoff is True
    assert handed.locked_by is None
    facebook = connectors.publishers["facebook"]
    request = facebook.calls[0][1]
    assert isinstance(request, PublishRequest)
    assert request.publish_at == T0 + timedelta(hours=12)
    assert request.marker == f"loa-p{ahead.id}"
    assert handed.external_id == "104251380000001_1"
    with Session(any_engine) as s:
        attempts = s.exec(select(Attempt)).all()
    assert [(a.publication_id, a.outcome, a.external_id) for a in attempts] == [
        (ahead.id, "handed_off", "104251380000001_1")
    ]
    for untouched in (soon, other, too_far):
        assert row(any_engine, untouched.id).state == PublicationState.APPROVED

    assert runner.hand_off() == {}  # nothing twice
    assert runner.confirm() == {}  # not due yet

    clock.at = T0 + timedelta(hours=12, minutes=2)
    goes_out(facebook, "104251380000001_1", T0 + timedelta(hours=12))
    assert runner.confirm() == {ahead.id: "published"}
    published = row(any_engine, ahead.id)
    assert published.state == PublicationState.PUBLISHED
    assert published.published_at == T0 + timedelta(hours=12)


def goes_out(publisher: FakePublisher, external_id: str, at: datetime) -> None:
    """The platform's own scheduler publishes the post at `at`; like Graph, the post keeps the
    creation time of the hand-off."""
    handed = publisher.posts[external_id]
    publisher.posts[external_id] = replace(
        handed, created_at=T0, published_at=at, scheduled_for=None
    )


def test_post_still_scheduled_past_its_time_is_not_published(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    world, clock, connectors, runner = setup(sqlite_engine, tmp_path)
    at = T0 + timedelta(hours=12)
    pub = add_publication(sqlite_engine, world, "post", "fb", at)
    runner.hand_off()
    facebook = connectors.publishers["facebook"]
    assert facebook.posts["104251380000001_1"].scheduled_for == at  # never went out

    clock.at = at + timedelta(minutes=5)
    assert runner.confirm() == {pub.id: "waiting"}
    assert row(sqlite_engine, pub.id).state == PublicationState.HANDED_OFF

    clock.at = at + timedelta(minutes=31)  # past the 30-minute grace period
    assert runner.confirm() == {pub.id: "needs_review"}
    stuck = row(sqlite_engine, pub.id)
    assert stuck.state == PublicationState.NEEDS_REVIEW
    assert stuck.published_at is None


def test_late_platform_publication_keeps_the_platform_time(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    world, clock, connectors, runner = setup(sqlite_engine, tmp_path)
    at = T0 + timedelta(hours=12)
    late, on_time = (
        add_publication(sqlite_engine, world, "post", "fb", at),
        add_publication(sqlite_engine, world, "post", "fb", at + timedelta(hours=1)),
    )
    runner.hand_off()
    facebook = connectors.publishers["facebook"]
    goes_out(facebook, "104251380000001_1", at + timedelta(minutes=7))
    # A platform that reports only the hand-off's creation time: it cannot have gone out then.
    goes_out(facebook, "104251380000001_2", T0)

    clock.at = at + timedelta(hours=2)
    assert runner.confirm() == {late.id: "published", on_time.id: "published"}
    assert row(sqlite_engine, late.id).published_at == at + timedelta(minutes=7)
    assert row(sqlite_engine, on_time.id).published_at == at + timedelta(hours=1)


def test_vanished_post_goes_to_review(sqlite_engine: Engine, tmp_path: Path) -> None:
    world, clock, connectors, runner = setup(sqlite_engine, tmp_path)
    pub = add_publication(sqlite_engine, world, "post", "fb", T0 + timedelta(hours=1))
    runner.hand_off()
    connectors.publishers["facebook"].posts.clear()  # someone deleted it on the Page
    clock.at = T0 + timedelta(hours=2)
    assert runner.confirm() == {pub.id: "needs_review"}
    with Session(sqlite_engine) as s:
        alert = s.exec(select(Alert)).one()
    assert alert.kind == "needs_review"
    assert "no longer has the scheduled post" in alert.message


def test_edit_after_hand_off_is_withdrawn_and_waits_for_approval(
    any_engine: Engine, tmp_path: Path
) -> None:
    world, _, connectors, runner = setup(any_engine, tmp_path)
    pub = add_publication(any_engine, world, "post", "fb", T0 + timedelta(hours=12))
    runner.hand_off()
    assert runner.sync_edits() == {}
    with Session(any_engine) as s:
        content = s.get(ContentItem, world.contents["post"].id)
        assert content is not None
        content.message, content.content_hash = "Sửa lại nội dung.", "new-hash"
        s.add(content)
        s.commit()

    assert runner.sync_edits() == {pub.id: "back_to_draft"}
    facebook = connectors.publishers["facebook"]
    assert ("cancel_scheduled", "104251380000001_1") in facebook.calls
    again = row(any_engine, pub.id)
    # The edited text was never approved: nothing of it goes to the platform until a manager
    # approves it again.
    assert again.state == PublicationState.DRAFT
    assert (again.external_id, again.handoff, again.approved_by) == (None, False, "")
    assert "approve it again" in again.last_error
    with Session(any_engine) as s:
        alert = s.exec(select(Alert).where(Alert.publication_id == pub.id)).one()
    assert "edited after approval" in alert.message
    assert list(facebook.posts) == []
    assert runner.hand_off() == {}
    assert runner.sync_edits() == {}


def test_cancelled_hand_off_is_withdrawn(sqlite_engine: Engine, tmp_path: Path) -> None:
    world, _, connectors, runner = setup(sqlite_engine, tmp_path)
    pub = add_publication(sqlite_engine, world, "post", "fb", T0 + timedelta(hours=12))
    runner.hand_off()
    with Session(sqlite_engine) as s:
        cancelled = s.get(Publication, pub.id)
        assert cancelled is not None
        cancelled.state = PublicationState.CANCELLED
        s.add(cancelled)
        s.commit()
    assert runner.withdraw() == {pub.id: "withdrawn"}
    assert connectors.publishers["facebook"].posts == {}
    assert row(sqlite_engine, pub.id).handoff is False
    assert runner.withdraw() == {}


def test_dropped_answer_is_reconciled_not_repeated(sqlite_engine: Engine, tmp_path: Path) -> None:
    world, _, connectors, runner = setup(sqlite_engine, tmp_path)
    pub = add_publication(sqlite_engine, world, "post", "fb", T0 + timedelta(hours=3))
    facebook = connectors.publishers["facebook"]
    facebook.drop_next_publish = True
    assert runner.hand_off() == {pub.id: "handed_off"}
    # The adopted post is finished as a publish would have finished it.
    assert facebook.calls[2:] == [("complete", "104251380000001_1")]
    assert [c[0] for c in facebook.calls] == ["publish", "reconcile", "complete"]
    assert len(facebook.posts) == 1
    assert row(sqlite_engine, pub.id).external_id == "104251380000001_1"


def test_refused_hand_off_is_left_to_the_dispatcher(sqlite_engine: Engine, tmp_path: Path) -> None:
    world, _, connectors, runner = setup(sqlite_engine, tmp_path)
    pub = add_publication(sqlite_engine, world, "post", "fb", T0 + timedelta(hours=3))
    connectors.publishers["facebook"].errors["publish"] = Rejected("bad time", code="100")
    assert runner.hand_off() == {pub.id: "rejected"}
    refused = row(sqlite_engine, pub.id)
    assert refused.state == PublicationState.APPROVED
    assert refused.last_error_code == "handoff_rejected"
    assert refused.locked_by is None
    assert runner.hand_off() == {}  # not tried again; the dispatcher publishes it live


def publish_calls(publisher: FakePublisher) -> int:
    return sum(1 for call in publisher.calls if call[0] == "publish")


def test_rate_limited_hand_off_waits_for_the_block(any_engine: Engine, tmp_path: Path) -> None:
    world, clock, connectors, runner = setup(any_engine, tmp_path)
    first = add_publication(any_engine, world, "post", "fb", T0 + timedelta(hours=3))
    facebook = connectors.publishers["facebook"]
    facebook.errors["publish"] = RateLimited(
        "too many calls", retry_after=timedelta(minutes=10), scope="account"
    )
    assert runner.hand_off() == {first.id: "rate_limited"}
    waiting = row(any_engine, first.id)
    assert waiting.state == PublicationState.APPROVED
    assert waiting.next_attempt_at is None  # the dispatcher must not see it as due early
    with Session(any_engine) as s:
        blocks = s.exec(select(RateLimitBlock)).all()
    page = world.channels["fb"].external_id
    assert [(b.scope, b.until) for b in blocks] == [
        (f"facebook:page:{page}", T0 + timedelta(minutes=10))
    ]

    second = add_publication(any_engine, world, "post", "fb", T0 + timedelta(hours=4))
    for minutes in (1, 5, 9):  # the 60 s job keeps running: no call while the page is blocked
        clock.at = T0 + timedelta(minutes=minutes)
        assert runner.hand_off() == {}
    assert publish_calls(facebook) == 1

    clock.at = T0 + timedelta(minutes=10, seconds=1)
    assert runner.hand_off() == {first.id: "handed_off", second.id: "handed_off"}
    assert publish_calls(facebook) == 3


class Midway(RetryPolicy):
    """Jitter pinned to half the ceiling, so the wait is known."""

    def backoff(self, failures: int) -> timedelta:
        return self.ceiling(failures) / 2


def test_transient_failure_backs_off_before_the_next_hand_off(
    any_engine: Engine, tmp_path: Path
) -> None:
    world, clock, connectors, _ = setup(any_engine, tmp_path)
    runner = HandOff(
        any_engine,
        Settings(home=tmp_path),
        clock,
        connectors,
        "w1",
        policy=Midway(base=timedelta(seconds=60)),
    )
    pub = add_publication(any_engine, world, "post", "fb", T0 + timedelta(hours=3))
    facebook = connectors.publishers["facebook"]
    facebook.errors["publish"] = TransientError("service unavailable", code="2")
    assert runner.hand_off() == {pub.id: "retry"}
    assert row(any_engine, pub.id).state == PublicationState.APPROVED
    assert row(any_engine, pub.id).next_attempt_at is None

    clock.at = T0 + timedelta(seconds=29)
    assert runner.hand_off() == {}  # 30 s backoff after the first failure
    assert publish_calls(facebook) == 1

    facebook.errors["publish"] = TransientError("service unavailable", code="2")
    clock.at = T0 + timedelta(seconds=31)
    assert runner.hand_off() == {pub.id: "retry"}
    clock.at = T0 + timedelta(seconds=31 + 59)
    assert runner.hand_off() == {}  # the second wait doubles
    clock.at = T0 + timedelta(seconds=31 + 61)
    assert runner.hand_off() == {pub.id: "handed_off"}
    assert publish_calls(facebook) == 3
