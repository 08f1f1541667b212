"""Cancelling a row whose last attempt's outcome is unknown reconciles first: the post may be
live. Absent, the row is cancelled and never sent; found, it is recorded and measured."""

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.models import Publication, PublicationState
from campaigns.outbox import CANCEL_REQUESTED, cancel_values
from connectors.base import UnknownOutcome
from tests.scheduler import factories as f
from tests.scheduler.fakes import START, ApplyThenRaise, Rig

S = PublicationState
PAGE = "104251380000001"


def _cancel(engine: Engine, pid: int, rig: Rig) -> dict[str, object]:
    """What `loa cancel` writes, through the domain's cancel values."""
    with Session(engine) as session:
        pub = session.get(Publication, pid)
        assert pub is not None
        values = cancel_values(session, pub, rig.clock.now())
        for key, value in values.items():
            setattr(pub, key, value)
        session.add(pub)
        session.commit()
        return values


def _unknown_then_cancel(engine: Engine, applied: bool) -> tuple[Rig, int]:
    rig = Rig(engine)
    [pid] = f.grid(engine, [("ch1", "facebook", PAGE)], [START])
    error = UnknownOutcome("connection dropped after sending", platform="facebook")
    rig.fb.script = [ApplyThenRaise(error) if applied else error]
    assert rig.run().outcomes["unknown"] == 1
    values = _cancel(engine, pid, rig)
    assert values["state"] == S.RETRY_WAIT
    assert values["last_error_code"] == CANCEL_REQUESTED
    rig.clock.advance(timedelta(seconds=5))
    return rig, pid


def test_a_cancel_of_a_post_that_went_out_records_it_and_says_so(any_engine: Engine) -> None:
    rig, pid = _unknown_then_cancel(any_engine, applied=True)
    assert rig.run().outcomes["published"] == 1
    row = rig.pub(pid)
    assert (row.state, row.external_id) == (S.PUBLISHED, f"{PAGE}_1")  # live, so measured
    assert any("cancel came too late" in a.message for a in rig.alerts())
    assert len(rig.fb.calls) == 1


def test_a_cancel_of_a_post_proven_absent_cancels_it_without_sending(any_engine: Engine) -> None:
    rig, pid = _unknown_then_cancel(any_engine, applied=False)
    assert rig.run().outcomes["cancelled"] == 1
    assert rig.pub(pid).state == S.CANCELLED
    rig.clock.advance(timedelta(hours=1))
    rig.run()
    assert len(rig.fb.calls) == 1  # never sent again
    assert rig.fb.posts == {}


def test_a_row_without_an_open_attempt_is_cancelled_at_once(any_engine: Engine) -> None:
    rig = Rig(any_engine)
    [pid] = f.grid(any_engine, [("ch1", "facebook", PAGE)], [START + timedelta(hours=1)])
    assert _cancel(any_engine, pid, rig)["state"] == S.CANCELLED
