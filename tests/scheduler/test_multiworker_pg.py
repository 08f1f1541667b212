"""PostgreSQL, three `loa run` workers killed (SIGKILL) and restarted at random while 2,000
publications fall due: each is published exactly once, none is lost."""

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from campaigns.models import Publication, PublicationState, Worker
from tests.scheduler import factories as f

S = PublicationState
PAGES = 40
SLOTS = 50  # 40 Pages x 50 slots = 2,000 publications


def _start(name: str, home: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scheduler.cli",
            "run",
            "--worker-id",
            name,
            "--poll-seconds",
            "0.5",
        ],
        env=env,
        cwd=home.parent,
        stdout=subprocess.DEVNULL,
        stderr=(home.parent / f"{name}.err").open("wb"),
    )


def _open_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Publication)
                .where(col(Publication.state).in_((S.APPROVED, S.QUEUED, S.RETRY_WAIT, S.CLAIMED)))
            )
            or 0
        )


def _wait_running(engine: Engine, names: list[str], timeout: float = 60) -> None:
    """A freshly restarted worker that is still importing has no SIGTERM handler yet: wait for
    its first heartbeat, written once the handler is in place, before asking it to stop."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as session:
            seen = set(session.exec(select(Worker.id).where(col(Worker.id).in_(names))).all())
        if seen == set(names):
            return
        time.sleep(0.2)
    raise AssertionError(f"workers never started: {sorted(set(names) - seen)}")


@pytest.mark.slow
@pytest.mark.postgres
def test_three_workers_killed_at_random_publish_each_post_once(
    pg_engine: Engine, postgres_url: str, loa_home: Path, tmp_path: Path
) -> None:
    from connectors.emulator import Emulator

    rng = random.Random(11)
    with Emulator(tmp_path / "emu", pages=PAGES, channels=1, timeout_s=3.0) as emu:
        f.store_emulator_credentials(pg_engine, emu.accounts)
        pages = [p["id"] for p in emu.accounts["facebook_pages"]]
        start = datetime.now(UTC) + timedelta(seconds=5)
        slots = [start + timedelta(seconds=0.6 * i) for i in range(SLOTS)]  # due over 30 s
        ids = f.emulator_grid(pg_engine, pages, [], slots, tmp_path)
        assert len(ids) == 2000
        env = {**os.environ, **emu.env, "LOA_HOME": str(loa_home)}
        env.update(LOA_DATABASE_URL=postgres_url, LOA_HTTP_TIMEOUT_S="1", LOA_LEASE_SECONDS="5")
        names = {f"w{n}": f"w{n}-0" for n in range(3)}
        workers = {n: _start(names[n], loa_home, env) for n in names}
        kills = 0
        try:
            chaos_until = time.monotonic() + float(os.environ.get("CHAOS_S", "45"))
            deadline = time.monotonic() + float(os.environ.get("DEADLINE_S", "170"))
            while time.monotonic() < deadline:
                time.sleep(rng.uniform(0.5, 2.0))
                if time.monotonic() < chaos_until:
                    name = rng.choice(sorted(workers))
                    workers[name].send_signal(signal.SIGKILL)
                    workers[name].wait()
                    kills += 1
                    names[name] = f"{name}-{kills}"
                    workers[name] = _start(names[name], loa_home, env)
                elif _open_rows(pg_engine) == 0:
                    break
        finally:
            _wait_running(pg_engine, list(names.values()))
            for proc in workers.values():
                proc.send_signal(signal.SIGTERM)
            for proc in workers.values():
                assert proc.wait(30) == 0  # SIGTERM: the attempt in hand ends, exit 0
        counts = f.audit(pg_engine, emu.objects())
    assert kills >= 15
    assert counts == {S.PUBLISHED: 2000}
