"""500 publications against the emulator with every kind of fault: each one is published
exactly once, or waits on its paused channel, or is in needs_review/failed with a reason."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from campaigns.db import make_engine, upgrade
from campaigns.models import Channel, Publication, PublicationState, RateLimitBlock
from campaigns.settings import Settings
from scheduler.worker import run_once
from tests.scheduler import factories as f

S = PublicationState
PAGES = 18
CHANNELS = 2
SLOTS = 25
BAD_PAGE = "104251380000007"
FAULTS = (
    "5xx@0.05,timeout@0.02,drop:publish@0.03,rate_limit:facebook@0.02,quota:youtube#1,"
    f"token_expired:{BAD_PAGE}"
)


class OffsetClock:
    """System time plus an offset the test moves forward, shared by Loa and the emulator, so
    waits for backoff, rate limits and the quota reset cost no real time."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def settings_for(env: dict[str, str], home: Path, **extra: object) -> Settings:
    values: dict[str, object] = {k.removeprefix("LOA_").lower(): v for k, v in env.items()}
    values.update(home=home, http_timeout_s=1.0, lease_seconds=5, retry_base_seconds=1)
    values.update(retry_cap_seconds=5, max_attempts=6, grace_minutes=30)
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


def _next_wake(session: Session, now: datetime) -> datetime | None:
    """When something held back becomes due: a retry time or the end of a block."""
    retry = session.scalar(
        select(func.min(Publication.next_attempt_at))
        .join(Channel, col(Channel.id) == Publication.channel_id)
        .where(
            Publication.state == S.RETRY_WAIT,
            col(Channel.paused).is_(False),
            col(Publication.next_attempt_at) > now,
        )
    )
    block = session.scalar(select(func.min(RateLimitBlock.until)).where(RateLimitBlock.until > now))
    times = [t if isinstance(t, datetime) else None for t in (retry, block)]
    aware = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in times if t is not None]
    return min(aware) if aware else None


def drive(
    engine: Engine, settings: Settings, clock: OffsetClock, worker: str, limit_s: float
) -> None:
    """Run passes until nothing is left to do, jumping the clock over idle waits."""
    import time

    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        report = run_once(engine, settings, clock, worker, catch_up=True)
        if report.claimed:
            continue
        with Session(engine) as session:
            wake = _next_wake(session, clock.now())
        if wake is None:
            return
        clock.offset += max(wake - clock.now(), timedelta(0)) + timedelta(seconds=1)
    raise AssertionError("the scheduler did not finish in time")


@pytest.mark.slow
def test_500_publications_under_faults_end_exactly_once(loa_home: Path, tmp_path: Path) -> None:
    from connectors.emulator import Emulator

    clock = OffsetClock()
    engine = make_engine(f"sqlite:///{loa_home / 'loa.db'}")
    upgrade(engine)
    with Emulator(
        tmp_path / "emu",
        faults=FAULTS,
        clock=clock,
        timeout_s=2.0,
        pages=PAGES,
        channels=CHANNELS,
        token_lifetime_s=10**8,
    ) as emu:
        settings = settings_for(emu.env, loa_home)
        f.store_emulator_credentials(engine, emu.accounts)
        pages = [p["id"] for p in emu.accounts["facebook_pages"]]
        channels = [c["id"] for c in emu.accounts["youtube_channels"]]
        start = clock.now() - timedelta(minutes=3)
        slots = [start + timedelta(seconds=10 * i) for i in range(SLOTS)]
        ids = f.emulator_grid(engine, pages, channels, slots, f.tiny_clip(tmp_path))
        assert len(ids) == 500
        drive(engine, settings, clock, "e2e", limit_s=400)
        counts = f.audit(engine, emu.objects())
    assert sum(counts.values()) == 500
    # The expired Page's posts wait for a reconnect (the first one was tried).
    assert counts.get(S.QUEUED, 0) + counts.get(S.APPROVED, 0) == SLOTS
    # Faults were injected, and the scheduler got nearly everything out regardless.
    assert counts[S.PUBLISHED] >= 450, counts
    with Session(engine) as session:
        paused = session.exec(select(Channel).where(col(Channel.paused))).all()
        assert [c.external_id for c in paused] == [BAD_PAGE]
    engine.dispose()
