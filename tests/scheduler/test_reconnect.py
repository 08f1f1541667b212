"""Reconnecting a paused channel resumes it, and only the channel's own token refused pauses it
(never this host's vault key, never a metrics read)."""

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.models import Alert, Channel, PublicationState
from connectors.base import AuthExpired, Credentials
from scheduler.credentials import CredentialsUnreadable, store_credentials
from tests.scheduler import factories as f
from tests.scheduler.fakes import START, Rig

S = PublicationState
PAGE = "104251380000001"


def test_storing_a_new_token_resumes_the_paused_channel(
    any_engine: Engine, loa_home: object
) -> None:
    rig = Rig(any_engine)
    ids = f.grid(any_engine, [("fb1", "facebook", PAGE)], [START, START + timedelta(seconds=1)])
    rig.clock.advance(timedelta(seconds=1))
    rig.fb.script = [AuthExpired("Error validating access token", code="190", subcode="463")]
    rig.run()
    with Session(any_engine) as session:
        assert session.exec(select(Channel)).one().paused
        # The operator reconnects: `loa channel connect` and `loa auth` store the token.
        store_credentials(session, "facebook", PAGE, "EAAG-new-page-token")
        session.commit()
        assert not session.exec(select(Channel)).one().paused
    rig.run()
    assert [rig.pub(i).state for i in ids] == [S.PUBLISHED, S.PUBLISHED]


class WrongKeyConnectors:
    """A host whose vault key is not the one the tokens were stored under."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig

    def publisher(self, platform: str):  # type: ignore[no-untyped-def]
        return self.rig.fb

    def credentials(self, session: Session, channel: Channel) -> Credentials:
        raise CredentialsUnreadable(f"channel {channel.key}: cannot be decrypted with this key")


def test_a_vault_key_mismatch_alerts_and_never_pauses_the_channel(any_engine: Engine) -> None:
    rig = Rig(any_engine)
    [pid] = f.grid(any_engine, [("fb1", "facebook", PAGE)], [START])
    rig.connectors = WrongKeyConnectors(rig)  # type: ignore[assignment]
    assert rig.run().outcomes["vault_key"] == 1
    row = rig.pub(pid)
    assert (row.state, row.last_error_code) == (S.RETRY_WAIT, "vault_key")
    with Session(any_engine) as session:
        assert not session.exec(select(Channel)).one().paused
        [alert] = session.exec(select(Alert)).all()
        assert "LOA_SECRET_KEY" in alert.message
    assert rig.fb.calls == []
