"""Blocks by scope hold back exactly the channels they name, until they expire."""

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from scheduler.channel_state import (
    account_scope,
    app_scope,
    block,
    blocked_channel_ids,
    clear_expired_blocks,
    pause_channel,
    quota_scope,
)
from tests.scheduler import factories as f
from tests.scheduler.fakes import START


def test_scopes_block_the_right_channels_until_they_expire(any_engine: Engine) -> None:
    with Session(any_engine) as session:
        camp = f.campaign(session)
        fb1 = f.channel(session, camp, "fb1", "facebook", "p1")
        fb2 = f.channel(session, camp, "fb2", "facebook", "p2")
        yt1 = f.channel(session, camp, "yt1", "youtube", "UC1")
        yt2 = f.channel(session, camp, "yt2", "youtube", "UC2")
        assert blocked_channel_ids(session, START) == set()
        block(session, account_scope("facebook", "p1"), START + timedelta(minutes=1), "#32", START)
        block(session, quota_scope("UC2", "uploads"), START + timedelta(hours=3), "quota", START)
        assert blocked_channel_ids(session, START) == {fb1.id, yt2.id}
        block(session, app_scope("facebook"), START + timedelta(minutes=2), "#4", START)
        assert blocked_channel_ids(session, START) == {fb1.id, fb2.id, yt2.id}
        after = START + timedelta(minutes=2)
        assert blocked_channel_ids(session, after) == {yt2.id}
        assert clear_expired_blocks(session, after) == 2
        assert yt1.id not in blocked_channel_ids(session, START)


def test_a_block_is_extended_never_shortened(any_engine: Engine) -> None:
    with Session(any_engine) as session:
        scope = app_scope("facebook")
        block(session, scope, START + timedelta(minutes=10), "long", START)
        block(session, scope, START + timedelta(minutes=1), "short", START)
        from campaigns.models import RateLimitBlock

        row = session.get(RateLimitBlock, scope)
        assert row is not None
        assert (row.until, row.reason) == (START + timedelta(minutes=10), "long")


def test_pause_happens_once(any_engine: Engine) -> None:
    with Session(any_engine) as session:
        chan = f.channel(session, f.campaign(session), "fb1")
        assert pause_channel(session, chan, "token expired")
        assert not pause_channel(session, chan, "token expired again")
        assert chan.paused_reason == "token expired"
