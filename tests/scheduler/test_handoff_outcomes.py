"""A hand-off call whose answer was lost: one early "absent" look is not proof, a person is
not needed when a second look can tell, and the dispatcher never publishes the row live while
the platform may still be holding it on its schedule."""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from campaigns.models import (
    Alert,
    Attempt,
    AttemptOutcome,
    ContentItem,
    Publication,
    PublicationState,
)
from campaigns.outbox import cancel_values
from campaigns.settings import Settings
from connectors.base import TransientError, UnknownOutcome
from scheduler.handoff import HandOff
from scheduler.worker import run_once
from tests.scheduler.ops_data import FakeConnectors, FakePublisher, World, add_publication
from tests.scheduler.test_handoff import T0, Clock, publish_calls, row, setup

S = PublicationState
SETTLE = timedelta(seconds=20)  # Settings' default `reconcile_settle_seconds`


def attempts(engine: Engine, pub_id: int | None) -> list[Attempt]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(Attempt)
                .where(col(Attempt.publication_id) == pub_id)
                .order_by(col(Attempt.number))
            ).all()
        )


def alerts(engine: Engine) -> list[Alert]:
    with Session(engine) as s:
        return list(s.exec(select(Alert)).all())


@dataclass
class Lost:
    """A post handed off whose answer was lost, its Page's listing not showing it yet; the
    hand-off's first look found nothing."""

    world: World
    clock: Clock
    connectors: FakeConnectors
    runner: HandOff
    pub: Publication
    facebook: FakePublisher


def lose_an_answer(engine: Engine, tmp_path: Path) -> Lost:
    world, clock, connectors, runner = setup(engine, tmp_path)
    pub = add_publication(engine, world, "post", "fb", T0 + timedelta(hours=3))
    facebook = connectors.publishers["facebook"]
    facebook.drop_next_publish = True
    facebook.lag_next_listing = True
    assert runner.hand_off() == {pub.id: "reconcile_later"}
    return Lost(world, clock, connectors, runner, pub, facebook)


def test_an_early_absent_look_waits_for_a_second_look_and_adopts_the_post(
    any_engine: Engine, tmp_path: Path
) -> None:
    lost = lose_an_answer(any_engine, tmp_path)
    clock, runner, pub, facebook = lost.clock, lost.runner, lost.pub, lost.facebook
    waiting = row(any_engine, pub.id)
    assert waiting.state == S.APPROVED  # not a person's problem, not the dispatcher's either
    assert waiting.next_attempt_at is None
    assert waiting.locked_by is None
    assert waiting.locked_until == T0 + SETTLE
    [attempt] = attempts(any_engine, pub.id)
    assert attempt.outcome == AttemptOutcome.UNKNOWN
    assert [look["verdict"] for look in attempt.evidence["looks"]] == ["absent"]
    assert alerts(any_engine) == []

    clock.at = T0 + SETTLE / 2
    assert runner.hand_off() == {}  # the look waits its settle time

    clock.at = T0 + SETTLE + timedelta(seconds=1)
    facebook.unlisted.clear()  # the listing has caught up
    assert runner.hand_off() == {pub.id: "handed_off"}
    assert publish_calls(facebook) == 1
    assert len(facebook.posts) == 1
    handed = row(any_engine, pub.id)
    assert handed.state == S.HANDED_OFF
    assert handed.external_id == next(iter(facebook.posts))
    [attempt] = attempts(any_engine, pub.id)
    assert attempt.outcome == AttemptOutcome.RECONCILED_FOUND


def test_a_call_proven_absent_by_a_settled_look_is_scheduled_again(
    any_engine: Engine, tmp_path: Path
) -> None:
    world, clock, connectors, runner = setup(any_engine, tmp_path)
    pub = add_publication(any_engine, world, "post", "fb", T0 + timedelta(hours=3))
    facebook = connectors.publishers["facebook"]
    facebook.errors["publish"] = UnknownOutcome("connection reset", platform="facebook")

    assert runner.hand_off() == {pub.id: "reconcile_later"}
    clock.at = T0 + SETTLE + timedelta(seconds=1)
    assert runner.hand_off() == {pub.id: "handed_off"}
    assert publish_calls(facebook) == 2
    assert len(facebook.posts) == 1
    assert [a.outcome for a in attempts(any_engine, pub.id)] == [
        AttemptOutcome.RECONCILED_ABSENT,
        AttemptOutcome.HANDED_OFF,
    ]


def test_a_look_that_cannot_ask_keeps_the_outcome_open(any_engine: Engine, tmp_path: Path) -> None:
    lost = lose_an_answer(any_engine, tmp_path)
    clock, runner, pub, facebook = lost.clock, lost.runner, lost.pub, lost.facebook

    clock.at = T0 + SETTLE + timedelta(seconds=1)
    original = facebook.reconcile

    def failing(*args: object) -> object:
        raise TransientError("service unavailable", code="2")

    facebook.reconcile = failing  # type: ignore[method-assign, assignment]
    assert runner.hand_off() == {pub.id: "reconcile_deferred"}
    [attempt] = attempts(any_engine, pub.id)
    assert attempt.outcome == AttemptOutcome.UNKNOWN  # never marked "not sent" blind
    assert row(any_engine, pub.id).state == S.APPROVED

    facebook.reconcile = original  # type: ignore[method-assign]
    facebook.unlisted.clear()
    clock.at = T0 + timedelta(minutes=30)
    assert runner.hand_off() == {pub.id: "handed_off"}
    assert publish_calls(facebook) == 1


def test_the_dispatcher_never_publishes_live_what_the_platform_may_hold(
    any_engine: Engine, tmp_path: Path
) -> None:
    """The hand-off never got its second look (the worker stopped): at the planned time the
    dispatcher reconciles, and takes "absent" as proof only `settle` after that time, when the
    platform has had time to move the post from its schedule to the Page."""
    lost = lose_an_answer(any_engine, tmp_path)
    clock, connectors, pub, facebook = lost.clock, lost.connectors, lost.pub, lost.facebook
    planned = pub.scheduled_at
    settings = Settings(home=tmp_path)

    clock.at = planned - timedelta(minutes=1)
    assert run_once(any_engine, settings, clock, "w2", connectors=connectors).outcomes == {}

    clock.at = planned + timedelta(seconds=1)
    report = run_once(any_engine, settings, clock, "w2", connectors=connectors)
    assert report.outcomes == {"reconcile_later": 1}
    assert publish_calls(facebook) == 1

    clock.at = planned + SETTLE + timedelta(seconds=2)
    facebook.unlisted.clear()
    report = run_once(any_engine, settings, clock, "w2", connectors=connectors)
    assert report.outcomes == {"published": 1}
    assert publish_calls(facebook) == 1
    assert row(any_engine, pub.id).external_id == next(iter(facebook.posts))


def test_a_cancel_in_time_withdraws_the_post_the_platform_holds(
    any_engine: Engine, tmp_path: Path
) -> None:
    lost = lose_an_answer(any_engine, tmp_path)
    clock, connectors, pub, facebook = lost.clock, lost.connectors, lost.pub, lost.facebook

    facebook.unlisted.clear()
    clock.at = T0 + timedelta(minutes=5)
    with Session(any_engine) as s:
        row_ = s.get(Publication, pub.id)
        assert row_ is not None
        for key, value in cancel_values(s, row_, clock.at).items():
            setattr(row_, key, value)
        s.add(row_)
        s.commit()
    report = run_once(any_engine, Settings(home=tmp_path), clock, "w2", connectors=connectors)
    assert report.outcomes == {"cancelled": 1}
    cancelled = row(any_engine, pub.id)
    assert cancelled.state == S.CANCELLED
    assert cancelled.handoff is True

    assert HandOff(any_engine, Settings(home=tmp_path), clock, connectors, "w1").withdraw() == {
        pub.id: "withdrawn"
    }
    assert facebook.posts == {}


def test_a_text_edited_while_the_row_waited_is_searched_as_it_was_sent(
    any_engine: Engine, tmp_path: Path
) -> None:
    """A Facebook text post carries no marker: it is found by its text. An import that edits
    the text while the row waits for its second look must not hide the post."""
    lost = lose_an_answer(any_engine, tmp_path)
    [first_look] = [c[1] for c in lost.facebook.calls if c[0] == "reconcile"]
    with Session(any_engine) as s:
        item = s.get(ContentItem, lost.pub.content_id)
        assert item is not None
        item.message = "Văn bản đã sửa trong lúc chờ"
        s.add(item)
        s.commit()

    lost.clock.at = T0 + SETTLE + timedelta(seconds=1)
    lost.facebook.unlisted.clear()
    assert lost.runner.hand_off() == {lost.pub.id: "handed_off"}
    second_look = [c[1] for c in lost.facebook.calls if c[0] == "reconcile"][-1]
    assert second_look.message == first_look.message != "Văn bản đã sửa trong lúc chờ"
    assert publish_calls(lost.facebook) == 1
