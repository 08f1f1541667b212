"""A row waiting to retry becomes `missed` past its grace period, like a row nothing ran for:
a clip held for the quota reset does not go out a day late in a burst."""

from datetime import timedelta

from sqlalchemy import Engine

from campaigns.models import PublicationState
from connectors.base import QuotaExhausted
from tests.scheduler import factories as f
from tests.scheduler.fakes import START, Rig

S = PublicationState
CHANNEL = "UCvnGenderEquality0000001"


def test_a_clip_held_for_the_quota_reset_is_missed_past_the_grace_period(
    any_engine: Engine,
) -> None:
    rig = Rig(any_engine)
    ids = f.grid(any_engine, [("yt", "youtube", CHANNEL)], [START, START + timedelta(minutes=20)])
    reset = START + timedelta(hours=20)
    rig.yt.script = [QuotaExhausted("quotaExceeded", reset_at=reset, platform="youtube")]
    rig.run()
    assert rig.pub(ids[0]).state == S.RETRY_WAIT
    rig.clock.current = START + timedelta(minutes=25)  # within grace (30 min): still waiting
    assert rig.run().missed == 0
    rig.clock.current = START + timedelta(minutes=31)
    assert rig.run().missed == 1
    first = rig.pub(ids[0])
    assert first.state == S.MISSED
    assert "waiting to retry" in first.last_error
    assert rig.pub(ids[1]).state == S.APPROVED  # held by the quota block, in its grace
    rig.clock.current = reset + timedelta(seconds=1)  # the quota is back: nothing is late-sent
    rig.run()
    assert len(rig.yt.calls) == 1
    assert rig.pub(ids[1]).state == S.MISSED
    assert [a.kind for a in rig.alerts()].count("missed") == 2
