"""Several attempts in flight in one worker: each publication goes out exactly once, a stop
mid-batch leaves no claim without an outcome, long uploads keep their lease, on both databases."""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from campaigns.db import make_engine, upgrade
from campaigns.models import Attempt, AttemptOutcome, Publication, PublicationState
from connectors.base import Credentials, PublishRequest, PublishResult
from scheduler import outbox
from scheduler.worker import run_once
from tests.scheduler import factories as f
from tests.scheduler.fakes import START, FakePublisher, Rig

S = PublicationState


@dataclass
class CountingPublisher(FakePublisher):
    """Takes `delay` seconds per call, like a platform, and counts calls in flight at once."""

    delay: float = 0.01
    gate: threading.Event | None = None  # when set up: every call waits for it to open
    inflight: int = 0
    peak: int = 0
    counter: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def publish(self, creds, request, progress=None, *, on_session=None) -> PublishResult:  # type: ignore[no-untyped-def]
        with self.counter:
            self.inflight += 1
            self.peak = max(self.peak, self.inflight)
        try:
            if self.gate is not None:
                assert self.gate.wait(10)
            time.sleep(self.delay)
            return super().publish(creds, request, progress)
        finally:
            with self.counter:
                self.inflight -= 1


def _rig(engine: Engine, publisher: CountingPublisher) -> Rig:
    rig = Rig(engine)
    publisher.clock = rig.clock
    rig.fb = publisher
    rig.connectors.publishers["facebook"] = publisher
    return rig


def _states(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.exec(
            select(Publication.state, func.count()).group_by(col(Publication.state))
        ).all()
    return {str(state): int(n) for state, n in rows}


def _open_attempts(engine: Engine) -> int:
    with Session(engine) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Attempt)
                .where(col(Attempt.outcome) == AttemptOutcome.STARTED)
            )
            or 0
        )


def test_every_due_publication_goes_out_once_with_eight_in_flight(any_engine: Engine) -> None:
    publisher = CountingPublisher("facebook")
    rig = _rig(any_engine, publisher)
    channels = [(f"fb{n}", "facebook", f"p{n}") for n in range(20)]
    ids = f.grid(any_engine, channels, [START] * 10)  # 200 due in the same minute
    report = run_once(
        any_engine,
        rig.settings,
        rig.clock,
        "w1",
        connectors=rig.connectors,
        policy=rig.policy,
        concurrency=8,
    )
    assert report.outcomes == {"published": 200}  # no "database is locked", no lost lease
    assert report.claimed == 200
    assert 4 <= publisher.peak <= 8  # really concurrent, never beyond the pool
    assert sorted(publisher.markers()) == sorted(outbox.marker_for(i) for i in ids)
    assert _states(any_engine) == {S.PUBLISHED: 200}
    with Session(any_engine) as session:
        per_pub = session.exec(
            select(Attempt.publication_id, func.count()).group_by(col(Attempt.publication_id))
        ).all()
        assert {n for _, n in per_pub} == {1}
        pub = session.get(Publication, ids[0])
        assert pub is not None
        assert pub.external_id in publisher.posts


def test_stop_mid_batch_finishes_the_calls_in_hand_and_claims_nothing_more(
    any_engine: Engine,
) -> None:
    gate = threading.Event()
    publisher = CountingPublisher("facebook", delay=0, gate=gate)
    rig = _rig(any_engine, publisher)
    f.grid(any_engine, [(f"fb{n}", "facebook", f"p{n}") for n in range(4)], [START] * 5)
    stop = threading.Event()
    done: list[object] = []

    def work() -> None:
        done.append(
            run_once(
                any_engine,
                rig.settings,
                rig.clock,
                "w1",
                connectors=rig.connectors,
                policy=rig.policy,
                stop=stop,
                concurrency=4,
            )
        )

    thread = threading.Thread(target=work)
    thread.start()
    deadline = time.monotonic() + 10
    while publisher.inflight < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert publisher.inflight == 4
    stop.set()  # what SIGTERM does
    gate.set()
    thread.join(10)
    assert not thread.is_alive()
    assert _states(any_engine) == {S.PUBLISHED: 4, S.APPROVED: 16}
    assert _open_attempts(any_engine) == 0
    assert len(publisher.posts) == 4


def test_a_long_upload_renews_its_lease_and_is_not_reaped(
    any_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="scheduler.dispatcher")
    rig = Rig(any_engine)
    seen: list[datetime | None] = []

    class SlowUpload(FakePublisher):
        def publish(
            self, creds: Credentials, request: PublishRequest, progress=None, *, on_session=None
        ):  # type: ignore[no-untyped-def]
            assert progress is not None
            for sent in range(1, 5):  # four minutes of upload against a one-minute lease
                rig.clock.advance(timedelta(minutes=1))
                progress(sent, 4)
                with Session(any_engine) as session:
                    assert outbox.reap_expired(session, rig.clock.now()) == []
                    pub = session.get(Publication, publication_id)
                    assert pub is not None
                    seen.append(pub.locked_until)
            return super().publish(creds, request, progress)

    [publication_id] = f.grid(any_engine, [("fb", "facebook", "p1")], [START])
    publisher = SlowUpload("facebook", rig.clock)
    rig.connectors.publishers["facebook"] = publisher
    assert rig.run().outcomes == {"published": 1}
    lease = timedelta(seconds=60)  # Rig: lease_seconds=60, timeouts shorter
    assert seen == [START + timedelta(minutes=m) + lease for m in range(1, 5)]
    assert rig.pub(publication_id).state == S.PUBLISHED
    # The operator watching `loa run` sees the upload move, a line per quarter.
    shown = [r.getMessage() for r in caplog.records if "uploaded" in r.getMessage()]
    assert shown == [
        f"publication {publication_id}: uploaded {p}% ({n} of 4 bytes)"
        for p, n in ((25, 1), (50, 2), (75, 3), (100, 4))
    ]


def test_sigterm_mid_batch_against_the_emulator_leaves_no_claim_without_an_outcome(
    loa_home: Path, tmp_path: Path
) -> None:
    from connectors.emulator import Emulator

    engine = make_engine(f"sqlite:///{loa_home / 'loa.db'}")
    upgrade(engine)
    with Emulator(tmp_path / "emu", pages=4, channels=1, latency_ms=1500) as emu:
        f.store_emulator_credentials(engine, emu.accounts)
        pages = [p["id"] for p in emu.accounts["facebook_pages"]]
        ids = f.emulator_grid(engine, pages, [], [datetime.now(UTC)] * 5, tmp_path)
        env = {**os.environ, **emu.env, "LOA_HOME": str(loa_home)}
        env.pop("LOA_DATABASE_URL", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "scheduler.cli", "run", "--once", "--concurrency", "4"],
            env=env,
            cwd=loa_home.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while _open_attempts(engine) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _open_attempts(engine) == 4  # four calls held by the emulator's latency
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        objects = emu.objects()
    assert proc.returncode == 0, err
    assert "finishing the attempts in hand" in out
    assert _states(engine) == {S.PUBLISHED: 4, S.APPROVED: len(ids) - 4}
    assert _open_attempts(engine) == 0
    with Session(engine) as session:
        published = session.exec(
            select(Publication.external_id).where(Publication.state == S.PUBLISHED)
        ).all()
    assert sorted(o["id"] for o in objects) == sorted(str(x) for x in published)
    engine.dispose()
