"""One attempt at one claimed publication: reconcile if needed, record, call, record.

The order is the guarantee (DESIGN.md principle 2):
  1. the claim is held (committed by `outbox.claim_ids`, owned by its holder: the worker id and
     a token of that claim; every later write names the holder);
  2. any earlier attempt whose outcome is unknown is reconciled first; only `absent` goes on;
  3. the attempt row is written and committed (with step 1's lease re-check, in one
     transaction, when nothing needed reconciling);
  4. the platform is called, outside any transaction, its claim renewed meanwhile by the lease
     keeper's heartbeat (`scheduler.lease`), reconciliation calls included;
  5. the outcome is written, fenced by the holder: a claim lost during the call records its
     post id as an unknown outcome for reconciliation, never as a plain success.
A crash between any two steps leaves a row the reaper and the next reconciliation can finish.

Test seam: `LOA_TEST_CRASH_AT=after_claim|after_attempt|during_call|after_call` makes the
process kill itself with SIGKILL at that step (`during_call`: after `LOA_TEST_CRASH_DELAY_MS`,
default 300, while the call is in flight). Crash tests run the worker as a subprocess with it.
"""

import logging
import os
import signal
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.db import session_scope
from campaigns.errors import UserError
from campaigns.models import (
    AlertKind,
    Attempt,
    AttemptOutcome,
    Channel,
    ContentItem,
    Publication,
)
from campaigns.models import PublicationState as S
from campaigns.outbox import CANCEL_REQUESTED
from campaigns.settings import Settings
from connectors.base import (
    AuthError,
    ContentKind,
    Credentials,
    Duplicate,
    PermissionDenied,
    PlatformError,
    PolicyBlocked,
    ProgressCallback,
    Publisher,
    PublishRequest,
    PublishResult,
    QuotaExhausted,
    RateLimited,
    Rejected,
    TransientError,
    UnknownOutcome,
)
from connectors.redact import redact
from scheduler import outbox, upload_sessions
from scheduler.alerts import alert_for_publication
from scheduler.channel_state import (
    account_scope,
    alert,
    app_scope,
    block,
    pause_channel,
    quota_scope,
)
from scheduler.clock import Clock, utc_now
from scheduler.credentials import CredentialsUnreadable
from scheduler.lease import LeaseKeeper
from scheduler.reconcile import (
    Reconciliation,
    claimed_ids,
    close_attempts,
    finish_adopted,
    lock_account,
    reconcile_sent,
    record_look,
    sent_texts,
    settled,
)
from scheduler.retry import RECONCILE_DELAY, RECONCILE_MARGIN, RetryPolicy

log = logging.getLogger(__name__)

UNREADABLE_WAIT = timedelta(minutes=5)  # a host with the wrong vault key retries this late
CRASH_STEPS = ("after_claim", "after_attempt", "during_call", "after_call")


def crash_point(step: str) -> None:
    """The crash tests' seam: SIGKILL this process at `step` when LOA_TEST_CRASH_AT names it."""
    if os.environ.get("LOA_TEST_CRASH_AT") != step:
        return
    if step == "during_call":
        delay = int(os.environ.get("LOA_TEST_CRASH_DELAY_MS", "300")) / 1000
        timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGKILL))
        timer.daemon = True
        timer.start()
        return
    os.kill(os.getpid(), signal.SIGKILL)


class ConnectorFactory(Protocol):
    """Where the dispatcher gets a platform's publisher and an account's credentials."""

    def publisher(self, platform: str) -> Publisher: ...

    def credentials(self, session: Session, channel: Channel) -> Credentials: ...


class RealConnectors:
    """The real Facebook and YouTube connectors and the token vault, built from settings.

    YouTube's quota ledger lives in the database when an engine is given, so every worker
    spends from the same one. One connector per platform serves every dispatch thread: both
    keep their HTTP clients per thread (requests sessions; httplib2-based Google clients).
    """

    def __init__(
        self, settings: Settings, engine: Engine | None = None, clock: Clock | None = None
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._clock = clock
        self._publishers: dict[str, Publisher] = {}
        self._building = threading.Lock()  # dispatch threads ask at once; build each one once

    def publisher(self, platform: str) -> Publisher:
        with self._building:
            return self._publisher(platform)

    def _publisher(self, platform: str) -> Publisher:
        if platform not in self._publishers:
            from connectors.registry import build
            from scheduler.config import connector_config
            from scheduler.quota_store import DbQuotaStore

            quota = DbQuotaStore(self._engine) if self._engine is not None else None
            now = self._clock.now if self._clock is not None else None
            config = connector_config(self._settings)
            self._publishers[platform] = build(platform, config, quota=quota, clock=now)
        return self._publishers[platform]

    def credentials(self, session: Session, channel: Channel) -> Credentials:
        from scheduler.credentials import load_credentials

        return load_credentials(session, channel)


def build_request(pub: Publication, channel: Channel, content: ContentItem) -> PublishRequest:
    """The plain request a connector understands, carrying the publication's marker."""
    assert pub.id is not None
    return _request(pub.id, channel.external_id, channel.playlist_id, content)


def _request(
    publication_id: int, account_id: str, playlist_id: str | None, content: Any
) -> PublishRequest:
    """`content`: a ContentItem, or a row carrying its fields under the same names."""
    kind = ContentKind(content.kind)
    message = content.message
    if kind == ContentKind.CLIP:
        message = content.description or content.message
    return PublishRequest(
        kind=kind,
        account_id=account_id,
        message=message,
        title=content.title,
        link=content.link,
        media_path=Path(content.media_path) if content.media_path else None,
        thumbnail_path=Path(content.thumbnail_path) if content.thumbnail_path else None,
        tags=tuple(content.tags),
        made_for_kids=content.made_for_kids,
        privacy=content.privacy,
        playlist_id=playlist_id or "",
        marker=outbox.marker_for(publication_id),
        # A clip marked `format: reel` goes to Facebook through the Reels API.
        reel=(getattr(content, "extra", None) or {}).get("format") == "reel",
    )


@dataclass(frozen=True)
class _Job:
    publication_id: int
    channel_id: int
    campaign_id: int
    platform: str
    request: PublishRequest
    creds: Credentials
    unresolved: tuple[int, ...]  # attempt ids whose outcome is unknown
    known_ids: tuple[str, ...]
    window_start: Any
    after_duplicate: bool
    holder: str = ""  # who holds the claim: the worker id and the claim's token
    sent: tuple[tuple[str, str], ...] = ()  # (message, title) the unresolved attempts sent
    looks: int = 0  # reconciliation looks already taken for the unresolved attempts
    last_end: Any = None  # when the last unresolved call ended (or was found dead)
    # The unresolved attempts' kept upload sessions, and whether every one of them has one.
    sessions: tuple[upload_sessions.KeptSession, ...] = ()
    sessions_cover: bool = False
    # Set when nothing needed reconciling: the attempt row was committed with the preparation.
    attempt_id: int | None = None
    late_s: float = 0.0


class Dispatcher:
    """Runs attempts for one worker. Returns a short outcome label per publication."""

    def __init__(
        self,
        engine: Engine,
        connectors: ConnectorFactory,
        clock: Clock,
        worker_id: str,
        policy: RetryPolicy,
        lease: timedelta,
    ) -> None:
        self.engine = engine
        self.connectors = connectors
        self.clock = clock
        self.worker_id = worker_id
        self.policy = policy
        self.lease = lease
        self.keeper = LeaseKeeper(engine, clock, lease)
        # Credentials decrypted once per channel for this dispatcher's life (one pass), shared
        # by its threads; kept as `Secret`, dropped when the channel's token is refused.
        self._creds: dict[int, Credentials] = {}
        self._creds_lock = threading.Lock()
        self._loading: dict[int, threading.Lock] = {}

    # -- the attempt ------------------------------------------------------------------------

    def attempt(self, publication_id: int, holder: str | None = None) -> str:
        """Attempt a row claimed by `holder` (default: the bare worker id)."""
        job = self._prepare(publication_id, holder or self.worker_id)
        if isinstance(job, str):
            return job
        if job.attempt_id is not None:
            attempt_id, late_s = job.attempt_id, job.late_s
        else:
            outcome = self._reconcile(job)
            if outcome != "absent":
                return outcome
            started = self._start(publication_id, job.holder)
            if isinstance(started, str):
                return started
            attempt_id, late_s = started
        crash_point("after_attempt")
        crash_point("during_call")
        try:
            with self.keeper.hold(publication_id, job.holder) as hold:
                result = self.connectors.publisher(job.platform).publish(
                    job.creds,
                    job.request,
                    self._progress(publication_id),
                    on_session=upload_sessions.keeper(self.engine, attempt_id),
                )
        except PlatformError as exc:
            crash_point("after_call")
            return self._record_error(job, attempt_id, exc)
        except Exception as exc:  # a bug or I/O failure mid-call: it may have reached the platform
            log.exception("publication %s: unexpected error during the call", publication_id)
            crash_point("after_call")
            return self._record_error(
                job,
                attempt_id,
                UnknownOutcome(redact(f"{type(exc).__name__}: {exc}")[:500], code="internal"),
            )
        crash_point("after_call")
        return self._record_published(job, attempt_id, result, late_s, hold.renewals)

    def _start(self, publication_id: int, holder: str) -> "tuple[int, float] | str":
        """The attempt row after a reconciliation proved the post absent; the lease re-checked."""
        with session_scope(self.engine) as session:
            pub = outbox.holds_lease(session, publication_id, holder)
            if pub is None:
                return "lease_lost"
            now = utc_now(self.clock)
            # A fresh lease for the call; the keeper renews it while the call runs.
            pub.locked_until = now + self.lease
            attempt = outbox.start_attempt(session, pub, holder, now)
            content = session.get(ContentItem, pub.content_id)
            assert content is not None
            assert pub.id is not None
            request = _request(pub.id, "", None, content)
            attempt.evidence = outbox.sent_evidence(request.message, request.title)
            session.flush()
            assert attempt.id is not None
            return attempt.id, (now - pub.scheduled_at).total_seconds()

    def _progress(self, publication_id: int) -> ProgressCallback:
        """Says how far an upload is, every quarter, so an operator watching `loa run` sees it
        move. Leases are renewed by the keeper's heartbeat, progress or none; progress also
        prompts a renewal once a third of a lease has passed on the scheduler's clock."""
        shown = [-1]
        renewed = [utc_now(self.clock)]

        def progress(sent: int, total: int) -> None:
            quarter = 4 * sent // total if total else 4
            if quarter > shown[0]:
                shown[0] = quarter
                log.info(
                    "publication %s: uploaded %d%% (%s of %s bytes)",
                    publication_id,
                    100 * sent // total if total else 100,
                    f"{sent:,}",
                    f"{total:,}",
                )
            now = utc_now(self.clock)
            if now - renewed[0] >= self.lease / 3:
                renewed[0] = now
                self.keeper.renew()

        return progress

    def _prepare(self, publication_id: int, holder: str) -> "_Job | str":
        """Lease re-check, channel, content, blocks and open attempts in one locked read; when
        nothing needs reconciling the attempt row is written in the same transaction, so it is
        committed before the call with one round of statements."""
        with session_scope(self.engine) as session:
            now = utc_now(self.clock)
            row = outbox.load_claim(session, publication_id, holder, now)
            if row is None:
                return "lease_lost"
            if row.paused or row.blocked:
                # Paused or blocked since this batch was claimed: hand the row back untouched.
                outbox.defer(session, publication_id, now)
                return "deferred"
            try:
                request = _request(publication_id, row.account_id, row.playlist_id, row)
            except ValueError as exc:
                self._finish(
                    session,
                    self._locked(session, publication_id),
                    S.NEEDS_REVIEW,
                    now,
                    f"cannot build the request: {exc}",
                    "invalid_content",
                    AlertKind.NEEDS_REVIEW,
                )
                return "needs_review"
            try:
                creds = self._credentials(session, row.channel_id)
            except CredentialsUnreadable as exc:
                # This host's vault key is not the one the token was stored under: a fault of
                # Loa's setup, not of the channel. Alert, wait, and never pause the channel.
                return self._unreadable(session, publication_id, row.channel_id, now, str(exc))
            except UserError as exc:
                pub = self._locked(session, publication_id)
                channel = session.get(Channel, row.channel_id)
                assert channel is not None
                return self._pause(session, pub, channel, now, str(exc), "no_credentials")
            job = _Job(
                publication_id=publication_id,
                channel_id=row.channel_id,
                campaign_id=row.campaign_id,
                platform=row.platform,
                request=request,
                creds=creds,
                unresolved=(),
                known_ids=(),
                window_start=now - RECONCILE_MARGIN,
                after_duplicate=False,
                holder=holder,
            )
            if row.last_error_code == CANCEL_REQUESTED and not row.unresolved:
                # Cancelled while an outcome was open, and that outcome is settled now.
                pub = self._locked(session, publication_id)
                outbox.set_state(pub, S.CANCELLED, now, error="cancelled", code="cancelled")
                session.add(pub)
                return "cancelled"
            if not row.unresolved:
                attempt_id = outbox.start_claimed(
                    session,
                    publication_id,
                    row.attempts + 1,
                    holder,
                    now,
                    self.lease,
                    outbox.sent_evidence(request.message, request.title),
                )
                late_s = (now - row.scheduled_at).total_seconds()
                return replace(job, attempt_id=attempt_id, late_s=late_s)
            unresolved = outbox.unresolved_attempts(session, publication_id)
            first = outbox.first_attempt_start(session, publication_id) or now
            sessions, cover = upload_sessions.kept(unresolved)
            return replace(
                job,
                sessions=sessions,
                sessions_cover=cover,
                sent=sent_texts(unresolved),
                looks=max((len(a.evidence.get("looks", [])) for a in unresolved), default=0),
                last_end=max((outbox.look_after(a) for a in unresolved), default=now),
                unresolved=tuple(a.id for a in unresolved if a.id is not None),
                known_ids=tuple(a.external_id for a in unresolved if a.external_id),
                window_start=first - RECONCILE_MARGIN,
                after_duplicate=any(a.error_code == "duplicate" for a in unresolved),
            )

    def _unreadable(
        self, session: Session, publication_id: int, channel_id: int, now: datetime, reason: str
    ) -> str:
        pub = self._locked(session, publication_id)
        outbox.set_state(
            pub,
            S.RETRY_WAIT,
            now,
            error=f"this worker cannot read the channel's token: {reason}",
            code="vault_key",
            next_attempt_at=now + UNREADABLE_WAIT,
        )
        session.add(pub)
        alert(
            session,
            AlertKind.NEEDS_REVIEW,
            f"worker {outbox.holder_worker(self.worker_id)} cannot decrypt stored tokens: {reason}. "
            "Give every host the same LOA_SECRET_KEY; the channel is not paused.",
            dedupe=f"vault_key:c{channel_id}:{now.date().isoformat()}",
            campaign_id=pub.campaign_id,
            channel_id=channel_id,
            severity="critical",
        )
        return "vault_key"

    def _locked(self, session: Session, publication_id: int) -> Publication:
        """The claimed row as an object, for the rare paths that end it (already locked)."""
        pub = session.get(Publication, publication_id)
        assert pub is not None
        return pub

    def _credentials(self, session: Session, channel_id: int) -> Credentials:
        with self._creds_lock:
            loading = self._loading.setdefault(channel_id, threading.Lock())
        with loading:  # threads wanting the same channel wait for one decryption
            cached = self._creds.get(channel_id)
            if cached is not None:
                return cached
            channel = session.get(Channel, channel_id)
            assert channel is not None
            creds = self.connectors.credentials(session, channel)
            self._creds[channel_id] = creds
            return creds

    # -- reconciliation ---------------------------------------------------------------------

    def _reconcile(self, job: _Job) -> str:
        publisher = self.connectors.publisher(job.platform)
        now = utc_now(self.clock)
        with Session(self.engine) as session:
            # Posts other publications of the channel own are never adopted as this one's (the
            # same text can be planned twice on one Page).
            exclude = claimed_ids(session, job.channel_id, job.publication_id)
        try:
            with self.keeper.hold(job.publication_id, job.holder):
                found = self._search(publisher, job, now, exclude)
        except PlatformError as exc:
            # Could not ask: never publish blind. Wait (or pause) and ask again later.
            with session_scope(self.engine) as session:
                pub = outbox.holds_lease(session, job.publication_id, job.holder)
                if pub is None:
                    return "lease_lost"
                return self._hold_for_reconcile(session, job, pub, exc)
        with session_scope(self.engine) as session:
            pub = outbox.holds_lease(session, job.publication_id, job.holder)
            if pub is None:
                return "lease_lost"
            verdict = self._apply_verdict(session, job, pub, found)
        if verdict == "published" and found.found is not None:
            # Committed first: what follows a publish (a clip's playlist) never undoes it.
            finish_adopted(publisher, job.creds, job.request, found.found.external_id)
        return verdict

    def _search(
        self, publisher: Publisher, job: _Job, now: datetime, exclude: set[str]
    ) -> Reconciliation:
        """The kept upload sessions, then each text the unresolved attempts sent."""
        return upload_sessions.look(
            publisher,
            job.creds,
            job.sessions,
            job.sessions_cover,
            lambda: reconcile_sent(
                publisher,
                job.creds,
                job.request,
                job.sent,
                job.window_start,
                now,
                job.known_ids,
                exclude,
            ),
        )

    def _apply_verdict(
        self, session: Session, job: _Job, pub: Publication, found: Reconciliation
    ) -> str:
        now = utc_now(self.clock)
        if found.verdict == "found" and found.found is not None:
            lock_account(session, job.channel_id)
            if found.found.external_id in claimed_ids(session, job.channel_id, pub.id or 0):
                # Adopted by another row since the search: look again, never share a post.
                return self._look_again(session, job, pub, found, now, now + RECONCILE_DELAY)
        if found.verdict == "absent" and not found.proven and job.last_end is not None:
            again = settled(job.looks, job.last_end, now, self.policy.settle)
            if again is not None:
                return self._look_again(session, job, pub, found, now, again)
        if pub.last_error_code == CANCEL_REQUESTED and found.verdict in ("found", "absent"):
            return self._settle_cancel(session, job, pub, found, now)
        outcome = {
            "found": AttemptOutcome.RECONCILED_FOUND,
            "absent": AttemptOutcome.RECONCILED_ABSENT,
            "unknown": AttemptOutcome.UNKNOWN,
        }[found.verdict]
        close_attempts(session, job.unresolved, outcome, found, now)
        if found.verdict == "found" and found.found is not None:
            post = found.found
            pub.external_id = post.external_id
            pub.permalink = post.permalink
            pub.published_at = post.published_at or post.created_at or now
            outbox.set_state(pub, S.PUBLISHED, now)
            session.add(pub)
            return "published"
        if found.verdict == "unknown":
            self._finish(
                session,
                pub,
                S.NEEDS_REVIEW,
                now,
                "the platform could not say whether the post exists "
                f"({found.evidence.get('searched', 'no search')}); check the account before retrying",
                "unknown_outcome",
                AlertKind.NEEDS_REVIEW,
            )
            return "needs_review"
        if job.after_duplicate:
            self._finish(
                session,
                pub,
                S.NEEDS_REVIEW,
                now,
                "the platform called the post a duplicate but no copy was found; check the account",
                "duplicate",
                AlertKind.NEEDS_REVIEW,
            )
            return "needs_review"
        absent = outbox.count_outcomes(session, pub.id or 0, AttemptOutcome.RECONCILED_ABSENT)
        if self.policy.exhausted(absent):
            self._finish(
                session,
                pub,
                S.FAILED,
                now,
                f"{absent} attempts ended unknown and were proven absent; giving up",
                "max_attempts",
                AlertKind.FAILED,
            )
            return "failed"
        session.add(pub)
        return "absent"

    def _settle_cancel(
        self, session: Session, job: _Job, pub: Publication, found: Reconciliation, now: datetime
    ) -> str:
        """A cancel asked while the outcome was open, now that the platform has answered:
        absent, the row is cancelled and never sent; found, the post is live: the row records
        it (so it is measured) and an alert says the cancel came too late."""
        outcome = (
            AttemptOutcome.RECONCILED_FOUND
            if found.verdict == "found"
            else AttemptOutcome.RECONCILED_ABSENT
        )
        close_attempts(session, job.unresolved, outcome, found, now)
        if found.found is None:
            outbox.set_state(pub, S.CANCELLED, now, error="cancelled", code="cancelled")
            session.add(pub)
            return "cancelled"
        post = found.found
        if post.published_at is None and post.scheduled_for is not None:
            # A hand-off's post, still on the platform's schedule: cancelled in time. The
            # hand-off's withdraw job takes it off the schedule.
            outbox.set_state(pub, S.CANCELLED, now, error="cancelled", code="cancelled")
            pub.external_id = post.external_id
            pub.handoff = True
            session.add(pub)
            return "cancelled"
        pub.external_id = post.external_id
        pub.permalink = post.permalink
        pub.published_at = post.published_at or post.created_at or now
        outbox.set_state(pub, S.PUBLISHED, now)
        session.add(pub)
        alert_for_publication(
            session,
            pub,
            AlertKind.NEEDS_REVIEW,
            f"cancel came too late: post {post.external_id} had already gone out; it stays "
            "published and measured. Delete it on the platform if it must not stay.",
            dedupe=f"cancel_late:p{pub.id}",
            severity="warning",
        )
        return "published"

    def _look_again(
        self,
        session: Session,
        job: _Job,
        pub: Publication,
        found: Reconciliation,
        now: datetime,
        when: datetime,
    ) -> str:
        """Not proof enough yet (an early look, or the post adopted by another row meanwhile):
        the look is recorded, the attempts stay unresolved, and the row waits for another."""
        record_look(session, job.unresolved, found, now)
        cancelling = pub.last_error_code == CANCEL_REQUESTED
        outbox.set_state(
            pub,
            S.RETRY_WAIT,
            now,
            error=f"not found on the platform yet; looking again at {when.isoformat()}",
            code=CANCEL_REQUESTED if cancelling else "reconcile_again",
            next_attempt_at=when,
        )
        session.add(pub)
        return "reconcile_later"

    def _hold_for_reconcile(
        self, session: Session, job: _Job, pub: Publication, exc: PlatformError
    ) -> str:
        now = utc_now(self.clock)
        if isinstance(exc, AuthError):
            channel = session.get(Channel, job.channel_id)
            assert channel is not None
            return self._pause(session, pub, channel, now, exc.message, exc.code or "auth")
        until = now + self.policy.backoff(max(pub.attempts, 1))
        if isinstance(exc, RateLimited):
            until = now + exc.retry_after
        elif isinstance(exc, QuotaExhausted):
            until = exc.reset_at
        cancelling = pub.last_error_code == CANCEL_REQUESTED
        outbox.set_state(
            pub,
            S.RETRY_WAIT,
            now,
            error=f"reconciliation could not run: {exc.message}",
            code=CANCEL_REQUESTED if cancelling else f"reconcile_{exc.kind.lower()}",
            next_attempt_at=until,
        )
        session.add(pub)
        return "reconcile_deferred"

    # -- recording outcomes -----------------------------------------------------------------

    def _record_published(
        self, job: _Job, attempt_id: int, result: PublishResult, late_s: float, renewals: int = 0
    ) -> str:
        with session_scope(self.engine) as session:
            now = utc_now(self.clock)
            evidence: dict[str, Any] = {"lateness_s": late_s}
            if renewals:
                evidence["lease_renewals"] = renewals
            if outbox.record_published(
                session,
                job.publication_id,
                attempt_id,
                external_id=result.external_id,
                permalink=result.permalink,
                published_at=result.published_at or now,
                trace_id=result.trace_id,
                now=now,
                evidence=evidence,
                holder=job.holder,
            ):
                if result.restricted:
                    return self._record_restricted(session, job, result, now)
                return "published"
            return self._record_lost_claim(session, job, attempt_id, result, now)

    def _record_restricted(
        self, session: Session, job: _Job, result: PublishResult, now: datetime
    ) -> str:
        """The object exists but the platform keeps it from its audience (a YouTube upload
        locked private): not published, never retried (that would upload a second locked
        copy); the row keeps the post's id and waits for a person, with what to do."""
        pub = session.get(Publication, job.publication_id)
        assert pub is not None
        pub.published_at = None
        self._finish(
            session,
            pub,
            S.NEEDS_REVIEW,
            now,
            result.restricted,
            "restricted",
            AlertKind.NEEDS_REVIEW,
        )
        return "restricted"

    def _record_lost_claim(
        self, session: Session, job: _Job, attempt_id: int, result: PublishResult, now: datetime
    ) -> str:
        """The call succeeded but its claim was lost meanwhile (reaped, re-claimed): the post
        exists, and the row is no longer ours to write. Adopted already under the same id: all
        is well. Published as another post: a duplicate, said loudly. Otherwise the post id is
        recorded on the attempt as an unknown outcome, so the next reconciliation finds it by
        its id rather than sending again."""
        pub = session.get(Publication, job.publication_id)
        assert pub is not None
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        attempt.ended_at = now
        attempt.external_id = result.external_id
        attempt.trace_id = result.trace_id
        attempt.evidence = {**attempt.evidence, "lease_lost": True}
        session.add(attempt)
        if pub.state == S.PUBLISHED and pub.external_id == result.external_id:
            attempt.outcome = AttemptOutcome.PUBLISHED
            return "published"
        if pub.state != S.PUBLISHED:
            attempt.outcome = AttemptOutcome.UNKNOWN
            attempt.error_code = "lease_lost"
            attempt.error_message = (
                f"the claim was lost during the call; post {result.external_id} was created "
                "and is left for reconciliation"
            )
            alert(
                session,
                AlertKind.NEEDS_REVIEW,
                f"publication {pub.id}: the claim was lost while the platform call ran; post "
                f"{result.external_id} exists and reconciliation will adopt it (row now {pub.state})",
                dedupe=f"lease_lost:p{pub.id}:a{attempt_id}",
                campaign_id=pub.campaign_id,
                publication_id=pub.id,
                channel_id=pub.channel_id,
            )
            return "lease_lost"
        attempt.outcome = AttemptOutcome.PUBLISHED
        alert(
            session,
            AlertKind.NEEDS_REVIEW,
            f"publication {pub.id} has two posts on the platform: {pub.external_id} "
            f"and {result.external_id}",
            dedupe=f"duplicate:p{pub.id}",
            campaign_id=pub.campaign_id,
            publication_id=pub.id,
            channel_id=pub.channel_id,
            severity="critical",
        )
        return "duplicate"

    def _record_error(self, job: _Job, attempt_id: int, exc: PlatformError) -> str:
        """The error on the attempt; the row moved on only while `job.holder` holds it."""
        with session_scope(self.engine) as session:
            now = utc_now(self.clock)
            attempt = session.get(Attempt, attempt_id)
            assert attempt is not None
            attempt.ended_at = now
            attempt.error_code = exc.code or exc.kind
            attempt.error_message = exc.message
            attempt.trace_id = exc.trace_id
            attempt.outcome = attempt_outcome(exc)
            if isinstance(exc, Duplicate):
                attempt.error_code = "duplicate"
            session.add(attempt)
            pub = outbox.holds_lease(session, job.publication_id, job.holder)
            if pub is None:
                return "lease_lost"
            return self._apply_error(session, job, pub, exc, now)

    def _apply_error(
        self, session: Session, job: _Job, pub: Publication, exc: PlatformError, now: Any
    ) -> str:
        code = exc.code or exc.kind
        if isinstance(exc, UnknownOutcome | Duplicate):
            outbox.set_state(
                pub,
                S.RETRY_WAIT,
                now,
                error=f"outcome unknown, will check the platform: {exc.message}",
                code="duplicate" if isinstance(exc, Duplicate) else "unknown_outcome",
                next_attempt_at=now + RECONCILE_DELAY,
            )
            session.add(pub)
            return "unknown"
        if isinstance(exc, RateLimited):
            until = hold_back(session, exc, job.platform, job.request.account_id, now)
            outbox.set_state(
                pub, S.RETRY_WAIT, now, error=exc.message, code=code, next_attempt_at=until
            )
            session.add(pub)
            return "rate_limited"
        if isinstance(exc, QuotaExhausted):
            hold_back(session, exc, job.platform, job.request.account_id, now)
            outbox.set_state(
                pub,
                S.RETRY_WAIT,
                now,
                error=f"YouTube quota exhausted until {exc.reset_at.isoformat()}",
                code=code,
                next_attempt_at=exc.reset_at,
            )
            session.add(pub)
            return "quota"
        if isinstance(exc, AuthError):
            channel = session.get(Channel, job.channel_id)
            assert channel is not None
            return self._pause(session, pub, channel, now, exc.message, code)
        if isinstance(exc, PermissionDenied):
            self._finish(
                session,
                pub,
                S.FAILED,
                now,
                f"permission denied: {exc.message}",
                code,
                AlertKind.FAILED,
            )
            return "failed"
        if isinstance(exc, Rejected):
            label = "blocked by policy" if isinstance(exc, PolicyBlocked) else "rejected"
            self._finish(
                session,
                pub,
                S.NEEDS_REVIEW,
                now,
                f"{label} by the platform: {exc.message}",
                code,
                AlertKind.NEEDS_REVIEW,
            )
            return "needs_review"
        failures = outbox.count_outcomes(session, job.publication_id, AttemptOutcome.RETRY)
        if self.policy.exhausted(failures):
            self._finish(
                session,
                pub,
                S.FAILED,
                now,
                f"gave up after {failures} transient failures; last: {exc.message}",
                code,
                AlertKind.FAILED,
            )
            return "failed"
        if not isinstance(exc, TransientError):
            log.warning("publication %s: unmapped platform error %r", pub.id, exc)
        outbox.set_state(
            pub,
            S.RETRY_WAIT,
            now,
            error=exc.message,
            code=code,
            next_attempt_at=now + self.policy.backoff(failures),
        )
        session.add(pub)
        return "retry"

    def _pause(
        self, session: Session, pub: Publication, channel: Channel, now: Any, reason: str, code: str
    ) -> str:
        """Auth failed: stop calling the channel; the row waits in `queued` for the reconnect."""
        with self._creds_lock:
            self._creds.pop(channel.id or 0, None)
        if pause_channel(session, channel, reason):
            alert(
                session,
                AlertKind.CHANNEL_PAUSED,
                f"channel {channel.key} ({channel.platform} {channel.external_id}) paused: {reason}. "
                "Reconnect it with `loa channel connect`; its publications wait.",
                dedupe=f"paused:c{channel.id}:{now.isoformat()}",
                campaign_id=channel.campaign_id,
                channel_id=channel.id,
                severity="critical",
            )
        outbox.set_state(
            pub,
            S.QUEUED,
            now,
            error=f"channel paused: {reason}",
            code=code,
            next_attempt_at=pub.next_attempt_at,
        )
        session.add(pub)
        return "paused"

    def _finish(
        self,
        session: Session,
        pub: Publication,
        state: S,
        now: Any,
        message: str,
        code: str,
        kind: AlertKind,
    ) -> None:
        outbox.set_state(pub, state, now, error=message, code=code)
        session.add(pub)
        # Named so an officer finds the post: content, channel, planned time (Postiz #1040).
        alert_for_publication(
            session,
            pub,
            kind,
            message,
            dedupe=f"{state}:p{pub.id}:a{pub.attempts}",
            severity="critical" if state == S.FAILED else "warning",
        )


def hold_back(
    session: Session,
    exc: RateLimited | QuotaExhausted,
    platform: str,
    account_id: str,
    now: datetime,
) -> datetime:
    """Block the scope a rate limit or an exhausted quota names; returns when calls may resume."""
    if isinstance(exc, QuotaExhausted):
        block(session, quota_scope(account_id, exc.bucket), exc.reset_at, exc.message, now)
        return exc.reset_at
    until = now + exc.retry_after
    scope = app_scope(platform) if exc.scope == "app" else account_scope(platform, account_id)
    block(session, scope, until, exc.message, now)
    return until


def attempt_outcome(exc: PlatformError) -> AttemptOutcome:
    if isinstance(exc, UnknownOutcome | Duplicate):
        return AttemptOutcome.UNKNOWN
    if isinstance(exc, RateLimited):
        return AttemptOutcome.RATE_LIMITED
    if isinstance(exc, QuotaExhausted):
        return AttemptOutcome.QUOTA
    if isinstance(exc, AuthError):
        return AttemptOutcome.AUTH
    if isinstance(exc, PermissionDenied):
        return AttemptOutcome.PERMISSION
    if isinstance(exc, Rejected):
        return AttemptOutcome.REJECTED
    return AttemptOutcome.RETRY
