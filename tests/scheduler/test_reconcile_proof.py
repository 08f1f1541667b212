"""Reconciliation proves what it claims: a captionless or re-captioned photo is found by its
marker, an edited text by what was sent, another campaign's post on the same Page is never
adopted, and one early "absent" look is not proof."""

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.db import make_engine, upgrade
from campaigns.models import Attempt, AttemptOutcome, ContentItem, Publication, PublicationState
from connectors.base import Credentials, ReconcileProbe, ReconcileResult, UnknownOutcome
from scheduler.retry import RetryPolicy
from scheduler.worker import run_once
from tests.scheduler import factories as f
from tests.scheduler.fakes import START, ApplyThenRaise, FakePublisher, Rig
from tests.scheduler.test_faults_e2e import OffsetClock, settings_for

S = PublicationState
PAGE = "104251380000001"


class LaggingListing(FakePublisher):
    """Lists a post only `lag` after its creation, as Graph and YouTube listings do."""

    lag: timedelta = timedelta(seconds=10)

    def reconcile(self, creds: Credentials, probe: ReconcileProbe) -> ReconcileResult:
        result = super().reconcile(creds, probe)
        now = self._now()
        seen = tuple(p for p in result.found if p.created_at and p.created_at <= now - self.lag)
        return ReconcileResult(seen, result.complete, result.searched)


def test_one_early_absent_look_is_not_proof(any_engine: Engine) -> None:
    rig = Rig(any_engine)
    rig.policy.settle = timedelta(seconds=30)
    rig.fb = LaggingListing("facebook", rig.clock)
    rig.connectors.publishers["facebook"] = rig.fb
    [pid] = f.grid(any_engine, [("ch1", "facebook", PAGE)], [START])
    rig.fb.script = [ApplyThenRaise(UnknownOutcome("502 after the write", platform="facebook"))]
    assert rig.run().outcomes["unknown"] == 1
    rig.clock.advance(timedelta(seconds=3))  # the post exists, the listing does not show it yet
    assert rig.run().outcomes["reconcile_later"] == 1
    assert len(rig.fb.calls) == 1  # not sent again on one look
    assert rig.pub(pid).state == S.RETRY_WAIT
    rig.clock.advance(timedelta(seconds=30))
    assert rig.run().outcomes["published"] == 1
    assert len(rig.fb.posts) == 1
    [attempt] = rig.attempts(pid)
    assert attempt.outcome == AttemptOutcome.RECONCILED_FOUND
    assert len(attempt.evidence["looks"]) == 1


def test_absence_is_concluded_after_a_second_spaced_look(any_engine: Engine) -> None:
    rig = Rig(any_engine)
    rig.policy.settle = timedelta(seconds=30)
    [pid] = f.grid(any_engine, [("ch1", "facebook", PAGE)], [START])
    rig.fb.script = [UnknownOutcome("connection reset before the write", platform="facebook")]
    rig.run()
    rig.clock.advance(timedelta(seconds=3))
    assert rig.run().outcomes["reconcile_later"] == 1
    rig.clock.advance(timedelta(seconds=30))
    assert rig.run().outcomes["published"] == 1
    assert len(rig.fb.posts) == 1
    assert [a.outcome for a in rig.attempts(pid)] == [
        AttemptOutcome.RECONCILED_ABSENT,
        AttemptOutcome.PUBLISHED,
    ]


# -- against the emulator: Graph's own listings and matching -------------------------------


def _emulated(loa_home: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    from connectors.emulator import Emulator

    clock = OffsetClock()
    engine = make_engine(f"sqlite:///{loa_home / 'loa.db'}")
    upgrade(engine)
    emu = Emulator(tmp_path / "emu", clock=clock, timeout_s=2.0, pages=2, channels=1)
    emu.__enter__()
    settings = settings_for(emu.env, loa_home, reconcile_settle_seconds=5)
    f.store_emulator_credentials(engine, emu.accounts)
    return clock, engine, emu, settings


def _drive(engine: Engine, settings, clock: OffsetClock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(6):
        run_once(
            engine, settings, clock, "w1", catch_up=True, policy=RetryPolicy.from_settings(settings)
        )
        clock.offset += timedelta(seconds=6)


def _objects(emu, page: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    return [o for o in emu.objects() if o.get("account") == page]


def test_a_photo_without_caption_is_found_by_its_marker(loa_home: Path, tmp_path: Path) -> None:
    clock, engine, emu, settings = _emulated(loa_home, tmp_path)
    try:
        page = emu.accounts["facebook_pages"][0]["id"]
        [pid] = f.grid(engine, [("fb", "facebook", page)], [clock.now()], {"facebook": "photo"})
        photo = tmp_path / "poster.png"
        photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(4000))
        with Session(engine) as session:
            item = session.exec(select(ContentItem)).one()
            item.message, item.media_path = "", str(photo)
            session.add(item)
            session.commit()
        emu.set_faults("5xx_after:publish#1")
        _drive(engine, settings, clock)
        with Session(engine) as session:
            row = session.get(Publication, pid)
            assert row is not None
            assert row.state == S.PUBLISHED
        assert len(_objects(emu, page)) == 1
    finally:
        emu.__exit__(None, None, None)
        engine.dispose()


def test_a_text_edited_while_the_outcome_was_unknown_is_found_by_what_was_sent(
    loa_home: Path, tmp_path: Path
) -> None:
    clock, engine, emu, settings = _emulated(loa_home, tmp_path)
    try:
        page = emu.accounts["facebook_pages"][0]["id"]
        [pid] = f.grid(engine, [("fb", "facebook", page)], [clock.now()])
        emu.set_faults("5xx_after:publish#1")
        run_once(engine, settings, clock, "w1", catch_up=True)
        with Session(engine) as session:  # a re-import edits the text meanwhile
            item = session.exec(select(ContentItem)).one()
            item.message = "Văn bản đã sửa sau lỗi"
            session.add(item)
            session.commit()
        _drive(engine, settings, clock)
        with Session(engine) as session:
            row = session.get(Publication, pid)
            assert row is not None
            assert row.state == S.PUBLISHED
        assert len(_objects(emu, page)) == 1
    finally:
        emu.__exit__(None, None, None)
        engine.dispose()


def test_another_campaigns_post_with_the_same_text_on_the_page_is_never_adopted(
    loa_home: Path, tmp_path: Path
) -> None:
    clock, engine, emu, settings = _emulated(loa_home, tmp_path)
    try:
        page = emu.accounts["facebook_pages"][0]["id"]
        now = clock.now()
        with Session(engine) as session:
            ids: list[int] = []
            for key, at in (("a", now), ("b", now + timedelta(minutes=1))):
                # Two campaigns connect the same Page and plan the same text.
                camp = f.campaign(session, key)
                chan = f.channel(session, camp, f"fb-{key}", "facebook", page)
                item = f.content(session, camp, "same", message="Cùng một lời kêu gọi")
                ids.append(f.publication(session, camp, item, chan, at).id or 0)
            session.commit()
        run_once(engine, settings, clock, "w1", catch_up=True)  # a goes out
        clock.offset += timedelta(minutes=1, seconds=1)
        # b's call times out before the write: its outcome is unknown, a's post matches its text.
        emu.set_faults("timeout:publish#1")
        _drive(engine, settings, clock)
        with Session(engine) as session:
            a, b = (session.get(Publication, i) for i in ids)
            assert a is not None
            assert b is not None
            # b never takes a's post; Graph refuses the same text again within the hour (506),
            # so b waits for a person, with the reason, instead of sharing or doubling a post.
            assert (a.state, b.state) == (S.PUBLISHED, S.NEEDS_REVIEW)
            assert b.external_id is None
        assert len(_objects(emu, page)) == 1
    finally:
        emu.__exit__(None, None, None)
        engine.dispose()


def test_a_clip_whose_answer_was_lost_is_found_by_its_upload_session(
    loa_home: Path, tmp_path: Path
) -> None:
    """The last chunk landed, its answer and both resumes failed, and the channel's listing
    lags ten minutes behind: only the kept upload session can say the video was made."""
    clock, engine, emu, settings = _emulated(loa_home, tmp_path)
    try:
        channel = emu.accounts["youtube_channels"][0]["id"]
        [pid] = f.emulator_grid(engine, [], [channel], [clock.now()], f.tiny_clip(tmp_path))
        emu.set_faults("5xx_after:publish#1,5xx:resume#2,lag=600000:read")
        assert run_once(engine, settings, clock, "w1", catch_up=True).outcomes["unknown"] == 1
        [attempt] = _attempts(engine, pid)
        assert "upload_session" in attempt.evidence  # kept, and sealed:
        assert "upload_id" not in json.dumps(attempt.evidence)

        _drive(engine, settings, clock)
        with Session(engine) as session:
            row = session.get(Publication, pid)
            assert row is not None
            assert row.state == S.PUBLISHED
        videos = [o for o in emu.objects() if o["platform"] == "youtube"]
        assert [v["id"] for v in videos] == [row.external_id]
        [attempt] = _attempts(engine, pid)
        assert attempt.outcome == AttemptOutcome.RECONCILED_FOUND
        assert attempt.evidence["reconciliation"]["upload_sessions"][0]["made"] == row.external_id
    finally:
        emu.__exit__(None, None, None)
        engine.dispose()


def _attempts(engine: Engine, pid: int) -> list[Attempt]:
    with Session(engine) as session:
        return list(session.exec(select(Attempt).where(Attempt.publication_id == pid)).all())
