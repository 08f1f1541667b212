"""Hand-off under slow calls and concurrent changes: rows are leased one at a time and kept alive
while their call runs, final writes never overwrite a cancel, and a withdrawal cut short by a
crash is finished, not stuck."""

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.db import session_scope
from campaigns.models import ContentItem, Publication, PublicationState
from connectors.base import Rejected
from scheduler import outbox
from tests.scheduler.ops_data import add_publication
from tests.scheduler.test_handoff import T0, row, setup

S = PublicationState


def test_a_pass_over_many_rows_never_loses_rows_it_has_not_reached(
    any_engine: Engine, tmp_path: Path
) -> None:
    world, clock, connectors, runner = setup(any_engine, tmp_path)
    pubs = [
        add_publication(any_engine, world, "post", "fb", T0 + timedelta(hours=12, minutes=i))
        for i in range(5)
    ]
    facebook = connectors.publishers["facebook"]
    plain_publish = facebook.publish
    reaped: list[int] = []

    def slow(*args: Any, **kw: Any) -> Any:
        clock.at += timedelta(minutes=1)  # each call takes a minute; the lease is two
        with session_scope(any_engine) as session:
            reaped.extend(outbox.reap_expired(session, clock.at))
        return plain_publish(*args, **kw)

    facebook.publish = slow  # type: ignore[method-assign]
    outcomes = runner.hand_off()
    assert outcomes == {p.id: "handed_off" for p in pubs}
    assert reaped == []
    assert {row(any_engine, p.id).state for p in pubs} == {S.HANDED_OFF}


def _handed_off_then_edited(engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    world, _clock, connectors, runner = setup(engine, tmp_path)
    pub = add_publication(engine, world, "post", "fb", T0 + timedelta(hours=12))
    runner.hand_off()
    with Session(engine) as s:
        content = s.get(ContentItem, world.contents["post"].id)
        assert content is not None
        content.message, content.content_hash = "Sửa lại nội dung.", "new-hash"
        s.add(content)
        s.commit()
    return pub, connectors.publishers["facebook"], runner


def test_a_cancel_during_a_re_sync_is_kept(any_engine: Engine, tmp_path: Path) -> None:
    pub, facebook, runner = _handed_off_then_edited(any_engine, tmp_path)
    plain_cancel = facebook.cancel_scheduled

    def cancelled_meanwhile(creds: Any, external_id: str) -> None:
        with Session(any_engine) as s:  # `loa cancel` while the withdrawal is in flight
            row_ = s.get(Publication, pub.id)
            assert row_ is not None
            row_.state = S.CANCELLED
            s.add(row_)
            s.commit()
        plain_cancel(creds, external_id)

    facebook.cancel_scheduled = cancelled_meanwhile  # type: ignore[method-assign]
    assert runner.sync_edits() == {pub.id: "changed"}
    after = row(any_engine, pub.id)
    assert after.state == S.CANCELLED  # not sent back to draft, never re-approved into going out
    assert (after.external_id, after.handoff) == (None, False)


def test_a_withdrawal_whose_commit_was_lost_is_finished(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    pub, facebook, runner = _handed_off_then_edited(sqlite_engine, tmp_path)
    external_id = row(sqlite_engine, pub.id).external_id
    assert external_id is not None
    facebook.posts.pop(external_id)  # deleted on the platform; the process died before commit
    facebook.errors["cancel_scheduled"] = Rejected(
        "(#100) Object does not exist", platform="facebook", code="100"
    )
    assert runner.sync_edits() == {pub.id: "back_to_draft"}
    assert row(sqlite_engine, pub.id).external_id is None
