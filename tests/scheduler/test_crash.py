"""The worker killed with SIGKILL at each step of an attempt, then restarted: no duplicates on
the platform, nothing lost. Runs `loa run --once` as a subprocess against the emulator, with
the `LOA_TEST_CRASH_AT` seam of scheduler/dispatcher.py."""

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from campaigns.db import make_engine, upgrade
from campaigns.models import Attempt, PublicationState
from scheduler.dispatcher import CRASH_STEPS
from tests.scheduler import factories as f

S = PublicationState
EXPECTED = {
    "after_claim": [["published"]],
    "after_attempt": [["reconciled_absent", "published"]],
    "during_call": [["reconciled_absent", "published"], ["reconciled_found"]],
    "after_call": [["reconciled_found"]],
}


def loa_run(home: Path, env: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env, "LOA_HOME": str(home), "LOA_HTTP_TIMEOUT_S": "1"}
    # One look proves absence here: the kill, not the listing lag, is under test.
    full.update(LOA_LEASE_SECONDS="5", LOA_RETRY_BASE_SECONDS="1", LOA_RECONCILE_SETTLE_SECONDS="0")
    full.update(extra)
    full.pop("LOA_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", "run", "--once", "--worker-id", "crashy"],
        capture_output=True,
        text=True,
        env=full,
        cwd=home.parent,
        timeout=120,
    )


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("step", ["after_claim", "after_attempt", "during_call", "after_call"])
def test_killed_worker_restarts_without_duplicates_or_losses(
    step: str, concurrency: int, loa_home: Path, tmp_path: Path
) -> None:
    from connectors.emulator import Emulator

    engine = make_engine(f"sqlite:///{loa_home / 'loa.db'}")
    upgrade(engine)
    with Emulator(tmp_path / "emu", pages=2, channels=1, timeout_s=3.0) as emu:
        f.store_emulator_credentials(engine, emu.accounts)
        pages = [p["id"] for p in emu.accounts["facebook_pages"]]
        now = datetime.now(UTC)
        ids = f.emulator_grid(engine, pages, [], [now - timedelta(minutes=1), now], tmp_path)
        if step == "during_call":
            emu.set_faults("latency=1500")  # the kill lands while the emulator holds the call
        env = {**emu.env, "LOA_CONCURRENCY": str(concurrency)}
        crashed = loa_run(loa_home, env, LOA_TEST_CRASH_AT=step, LOA_TEST_CRASH_DELAY_MS="500")
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr
        emu.set_faults("")
        if step == "during_call":
            import time

            time.sleep(1.5)  # let the emulator finish the call it was holding, as a platform would
        restarted = loa_run(loa_home, env)
        assert restarted.returncode == 0, restarted.stderr
        counts = f.audit(engine, emu.objects())
    assert counts == {S.PUBLISHED: len(ids)}
    # How each one was recovered: reconciled whenever a call may have run.
    with Session(engine) as session:
        outcomes = {
            pid: [
                str(o)
                for o in session.exec(
                    select(Attempt.outcome)
                    .where(Attempt.publication_id == pid)
                    .order_by(col(Attempt.number))
                ).all()
            ]
            for pid in ids
        }
    engine.dispose()
    if concurrency == 1:
        # One at a time: the first publication is the one the kill landed on.
        assert outcomes[ids[0]] in EXPECTED[step]
        return
    # Several in flight: the kill lands on one of them at `step`; the others were at any
    # earlier step (or not yet attempted), and each recovered accordingly.
    upto = CRASH_STEPS[: CRASH_STEPS.index(step) + 1]
    allowed = [seq for earlier in upto for seq in EXPECTED[earlier]]
    assert all(seq in allowed for seq in outcomes.values()), outcomes
    assert any(seq in EXPECTED[step] for seq in outcomes.values()), outcomes
