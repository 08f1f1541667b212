"""An in-memory Publisher, scriptable to fail with each error of the taxonomy, and friends.

`FakePublisher.script` is a list of actions consumed one per `publish` call:
  None                    publish normally;
  an exception            raise it, publishing nothing;
  ApplyThenRaise(exc)     publish, then raise `exc` (the platform holds the post; the caller
                          cannot know: a dropped connection or a timeout after sending).
"""

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from campaigns.errors import UserError
from campaigns.models import Alert, Attempt, Channel, Publication
from campaigns.settings import Settings
from connectors.base import (
    Credentials,
    FoundPost,
    PlatformError,
    Publisher,
    PublishRequest,
    PublishResult,
    ReconcileProbe,
    ReconcileResult,
    Secret,
    TokenHealth,
)
from scheduler.retry import RetryPolicy
from scheduler.worker import PassReport, run_once


class TestClock:
    """A clock tests move by hand."""

    __test__ = False

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@dataclass(frozen=True)
class ApplyThenRaise:
    error: PlatformError


@dataclass
class FakePost:
    external_id: str
    account_id: str
    marker: str
    message: str
    created_at: datetime


@dataclass
class FakePublisher(Publisher):
    platform: str = "facebook"
    clock: TestClock | None = None
    script: list[object] = field(default_factory=list)
    posts: dict[str, FakePost] = field(default_factory=dict)
    calls: list[PublishRequest] = field(default_factory=list)
    reconcile_complete: bool = True
    reconcile_error: PlatformError | None = None
    reconcile_calls: int = 0
    completed: list[str] = field(default_factory=list)  # adopted posts finished
    complete_error: Exception | None = None  # raised by `complete`, after recording the call
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _now(self) -> datetime:
        return self.clock.now() if self.clock else datetime.now(UTC)

    def publish(self, creds, request, progress=None, *, on_session=None) -> PublishResult:  # type: ignore[no-untyped-def]
        assert creds.account_id == request.account_id
        with self.lock:  # dispatch threads call at once, as they would a platform
            self.calls.append(request)
            action = self.script.pop(0) if self.script else None
            if isinstance(action, PlatformError):
                raise action
            external_id = f"{request.account_id}_{len(self.posts) + 1}"
            self.posts[external_id] = FakePost(
                external_id, request.account_id, request.marker, request.message, self._now()
            )
        if isinstance(action, ApplyThenRaise):
            raise action.error
        return PublishResult(external_id=external_id, published_at=self._now(), trace_id="t1")

    def reconcile(self, creds: Credentials, probe: ReconcileProbe) -> ReconcileResult:
        self.reconcile_calls += 1
        if self.reconcile_error is not None:
            raise self.reconcile_error
        found = tuple(
            FoundPost(p.external_id, p.created_at, p.created_at, None, "marker")
            for p in self.posts.values()
            if p.account_id == probe.account_id
            and p.marker == probe.marker
            and probe.window_start <= p.created_at <= probe.window_end
        )
        return ReconcileResult(found, self.reconcile_complete, f"fake feed of {probe.account_id}")

    def complete(self, creds: Credentials, request: PublishRequest, external_id: str) -> None:
        self.completed.append(external_id)
        if self.complete_error is not None:
            raise self.complete_error

    def cancel_scheduled(self, creds: Credentials, external_id: str) -> None:
        self.posts.pop(external_id, None)

    def status(self, creds: Credentials, external_id: str) -> FoundPost | None:
        post = self.posts.get(external_id)
        if post is None:
            return None
        return FoundPost(post.external_id, post.created_at, post.created_at, None, "id")

    def check_token(self, creds: Credentials) -> TokenHealth:
        return TokenHealth(valid=True, expires_at=None, scopes=())

    def markers(self) -> list[str]:
        return [p.marker for p in self.posts.values()]


@dataclass
class FakeConnectors:
    """The dispatcher's ConnectorFactory over fake publishers; `missing` channels have no token."""

    publishers: dict[str, FakePublisher]
    missing: set[str] = field(default_factory=set)

    def publisher(self, platform: str) -> Publisher:
        return self.publishers[platform]

    def credentials(self, session: Session, channel: Channel) -> Credentials:
        if channel.key in self.missing:
            raise UserError(f"channel {channel.key} is not connected")
        return Credentials(channel.platform, channel.external_id, Secret("fake-token"))


START = datetime(2025, 11, 25, 1, 0, tzinfo=UTC)  # 08:00 in Ha Noi on 25 November


@dataclass
class Rig:
    """An engine, a hand-driven clock, fake publishers for both platforms, and one worker."""

    engine: Engine
    clock: TestClock = field(default_factory=lambda: TestClock(START))
    settings: Settings = field(
        # One attempt at a time: scripted failures meet publications in a known order.
        default_factory=lambda: Settings(
            grace_minutes=30, lease_seconds=60, http_timeout_s=1, concurrency=1
        )
    )
    policy: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(
            base=timedelta(seconds=10), cap=timedelta(seconds=60), max_attempts=3, rng=Random(7)
        )
    )
    worker_id: str = "w1"

    def __post_init__(self) -> None:
        self.fb = FakePublisher("facebook", self.clock)
        self.yt = FakePublisher("youtube", self.clock)
        self.connectors = FakeConnectors({"facebook": self.fb, "youtube": self.yt})

    def run(self, *, catch_up: bool = False) -> PassReport:
        return run_once(
            self.engine,
            self.settings,
            self.clock,
            self.worker_id,
            connectors=self.connectors,
            catch_up=catch_up,
            policy=self.policy,
        )

    def pub(self, publication_id: int) -> Publication:
        with Session(self.engine) as session:
            row = session.get(Publication, publication_id)
            assert row is not None
            return row

    def attempts(self, publication_id: int) -> list[Attempt]:
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(Attempt)
                    .where(Attempt.publication_id == publication_id)
                    .order_by(col(Attempt.number))
                ).all()
            )

    def alerts(self) -> list[Alert]:
        with Session(self.engine) as session:
            return list(session.exec(select(Alert)).all())
