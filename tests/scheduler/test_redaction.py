"""Raw exception text never carries a secret into rows, attempts or alerts."""

from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.models import Alert, AlertKind
from connectors.redact import register_secret
from scheduler.alerts import raise_alert
from tests.scheduler import factories as f
from tests.scheduler.fakes import START, ApplyThenRaise, Rig

SECRET = "EAAGm0PX4ZCpsBAKZCZAsecretpagetoken123"


class Leaky(Exception):
    """A bug deep in a client that prints its request, token included."""


def test_an_unexpected_error_is_stored_without_the_token(any_engine: Engine) -> None:
    register_secret(SECRET)
    rig = Rig(any_engine)
    [pid] = f.grid(any_engine, [("ch1", "facebook", "104251380000001")], [START])
    leak = Leaky(f"POST /feed?access_token={SECRET} failed")
    rig.fb.script = [ApplyThenRaise(leak)]  # type: ignore[arg-type]
    rig.run()
    row = rig.pub(pid)
    [attempt] = rig.attempts(pid)
    assert "Leaky" in row.last_error
    assert SECRET not in row.last_error
    assert SECRET not in attempt.error_message


def test_an_alert_never_stores_a_secret(any_engine: Engine) -> None:
    register_secret(SECRET)
    with Session(any_engine) as session:
        raise_alert(session, AlertKind.FAILED, f"refused: token {SECRET}", dedupe="t1")
        session.commit()
        [alert] = session.exec(select(Alert)).all()
    assert SECRET not in alert.message
