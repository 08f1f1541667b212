"""Native hand-off: give posts far enough ahead to the platform's own scheduler, so they go out
even if Loa is down (Facebook `scheduled_publish_time`, YouTube `privacyStatus=private` +
`publishAt`), then confirm, update and withdraw them.

The same exactly-once discipline as the dispatcher: a row is claimed with a lease (state
`claimed`), the attempt is committed before the call, and an unknown outcome is reconciled
before anything else (`_look`). As in the dispatcher, "absent" is proof only from a second
look taken `settle` after the call: after an early "absent" the row waits in `approved` for
the hand-off's next look, with its attempt open. If its planned time comes first, the
dispatcher reconciles it, and trusts "absent" only `settle` after that time
(`outbox.look_after`): the platform may be moving the post from its schedule to the page. Rows already handed off are leased without a state change (a
compare-and-set on `locked_until`), so the reaper never mistakes them for publications to send.

Four jobs, each one pass:
  hand_off      approved rows on `native_handoff` channels due between `handoff_min_minutes` and
                30 days ahead -> `handed_off` with the platform's id;
  confirm       `handed_off` rows past their time -> `published` when the platform says so;
  sync_edits    content edited after hand-off (content hash differs) -> withdrawn from the
                platform and back to `draft`: what a manager approved is not what would go out,
                so the edited post waits for a new approval before it is handed off again;
  withdraw      cancelled rows that were handed off -> `cancel_scheduled` on the platform.

Leases: rows are claimed one at a time, just before their call, so a pass over many rows never
holds a lease on a row it has not reached; every platform call is covered by the lease keeper's
heartbeat (`scheduler.lease`). Final writes are checked: a row is written only if it is still in
the state the pass leased it in and still leased by this worker, so a `loa cancel` made during
a re-sync is never overwritten. Withdrawing is idempotent: a post already gone from the
platform (a crash after the delete and before the commit) counts as withdrawn.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, or_, update
from sqlmodel import Session, col, select

from campaigns.db import session_scope
from campaigns.errors import UserError
from campaigns.models import (
    AlertKind,
    Attempt,
    AttemptOutcome,
    AuditLog,
    Channel,
    ContentItem,
    Publication,
    PublicationState,
)
from campaigns.settings import Settings
from connectors.base import (
    AuthError,
    Credentials,
    FoundPost,
    PlatformError,
    Publisher,
    PublishRequest,
    QuotaExhausted,
    RateLimited,
    Rejected,
    UnknownOutcome,
)
from scheduler import outbox, upload_sessions
from scheduler.alerts import alert_for_publication
from scheduler.channel_state import pause_channel
from scheduler.clock import Clock, utc_now
from scheduler.dispatcher import ConnectorFactory, attempt_outcome, build_request, hold_back
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

S = PublicationState
MAX_AHEAD = timedelta(days=30)  # Graph: scheduled_publish_time 10 minutes to 30 days ahead
CONFIRM_AFTER = timedelta(minutes=1)  # let the platform's scheduler fire before asking
REJECTED_CODE = "handoff_rejected"  # the platform refused to schedule it: publish it live


@dataclass(frozen=True)
class _Restricted:
    """Scheduled, but the platform keeps it from its audience (a YouTube upload locked private
    by an unaudited project: its publishAt is gone). Never re-sent: a person decides."""

    external_id: str
    reason: str


@dataclass(frozen=True)
class _Open:
    """A row's attempts whose outcome is still open, as a look needs them."""

    ids: tuple[int, ...]
    first_start: datetime
    last_end: datetime
    looks: int
    known_ids: tuple[str, ...]
    sent: tuple[tuple[str, str], ...] = ()  # what the open attempts sent
    sessions: tuple[upload_sessions.KeptSession, ...] = ()
    sessions_cover: bool = False


def _not_held(now: datetime) -> ColumnElement[bool]:
    """No lease and no backoff on the row (a failed hand-off waits in `locked_until`)."""
    return or_(col(Publication.locked_until).is_(None), col(Publication.locked_until) <= now)


@dataclass(frozen=True)
class Work:
    """What a pass needs for one row, read in a short transaction."""

    publication_id: int
    platform: str
    request: PublishRequest
    creds: Credentials
    external_id: str | None
    claimed: frozenset[str] = frozenset()  # posts other publications own: never adopted


class HandOff:
    """Hand-off passes for one worker."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        clock: Clock,
        connectors: ConnectorFactory,
        worker_id: str,
        lease: timedelta = timedelta(minutes=2),
        policy: RetryPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.connectors = connectors
        self.worker_id = worker_id
        self.lease = lease
        self.policy = policy or RetryPolicy.from_settings(settings)
        self.keeper = LeaseKeeper(engine, clock, lease)

    # -- shared steps ----------------------------------------------------------------------

    def _work(self, session: Session, pub: Publication) -> Work | str:
        """The request and credentials for `pub`, or why it cannot be handled now."""
        assert pub.id is not None
        channel = session.get(Channel, pub.channel_id)
        content = session.get(ContentItem, pub.content_id)
        assert channel is not None
        assert content is not None
        try:
            creds = self.connectors.credentials(session, channel)
        except UserError as exc:
            return str(exc)
        request = replace(build_request(pub, channel, content), publish_at=pub.scheduled_at)
        claimed = frozenset(claimed_ids(session, pub.channel_id, pub.id))
        return Work(pub.id, channel.platform, request, creds, pub.external_id, claimed)

    def _lease_row(
        self, session: Session, pub_id: int, now: datetime, states: tuple[S, ...]
    ) -> bool:
        """Compare-and-set lease without a state change; False when another worker holds it."""
        result = session.execute(
            update(Publication)
            .where(
                col(Publication.id) == pub_id,
                col(Publication.state).in_([str(s) for s in states]),
                or_(col(Publication.locked_until).is_(None), col(Publication.locked_until) < now),
            )
            .values(locked_by=self.worker_id, locked_until=now + self.lease)
        )
        session.commit()
        return bool(getattr(result, "rowcount", 0))

    def _leased_work(self, pub_id: int, now: datetime, state: S) -> tuple[Work, str] | str:
        """Lease a row already on the platform and read its work and post id, or the outcome
        that ends the pass for it (`leased` by another worker, `no_credentials`)."""
        with session_scope(self.engine) as session:
            if not self._lease_row(session, pub_id, now, (state,)):
                return "leased"
            pub = session.get(Publication, pub_id)
            assert pub is not None
            work = self._work(session, pub)
        if isinstance(work, str) or not work.external_id:
            return self._release(pub_id, "no_credentials")
        return work, work.external_id

    def _attempt(self, pub_id: int, now: datetime, request: PublishRequest) -> int:
        """Write and commit the attempt row before the platform call. Its evidence keeps what
        was sent and for when it was scheduled: a look at its outcome searches for that, and
        after the planned time (`outbox.look_after`) the platform may be publishing it."""
        with session_scope(self.engine) as session:
            pub = session.get(Publication, pub_id)
            assert pub is not None
            attempt = outbox.start_attempt(session, pub, self.worker_id, now)
            attempt.evidence = {
                **outbox.sent_evidence(request.message, request.title),
                "publish_at": pub.scheduled_at.isoformat(),
            }
            session.flush()
            assert attempt.id is not None
            return attempt.id

    def _end_attempt(
        self,
        session: Session,
        attempt_id: int,
        outcome: AttemptOutcome,
        *,
        external_id: str | None = None,
        error: PlatformError | None = None,
    ) -> None:
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        attempt.outcome = outcome
        attempt.ended_at = utc_now(self.clock)
        attempt.external_id = external_id
        if error is not None:
            attempt.error_code = error.kind
            attempt.error_message = error.message
            attempt.trace_id = error.trace_id
        session.add(attempt)

    def _schedule(self, work: Work, attempt_id: int) -> str | _Restricted | PlatformError:
        """Call `publish` with `publish_at`: the platform's id, or the error. An unknown outcome
        is returned as it is; the caller records it and looks (`_look`)."""
        try:
            done = self.connectors.publisher(work.platform).publish(
                work.creds,
                work.request,
                on_session=upload_sessions.keeper(self.engine, attempt_id),
            )
        except PlatformError as exc:
            return exc
        if done.restricted:
            return _Restricted(done.external_id, done.restricted)
        return done.external_id

    def _open_attempts(self, pub_id: int) -> _Open | None:
        with Session(self.engine) as session:
            open_ = outbox.unresolved_attempts(session, pub_id)
            if not open_:
                return None
            sessions, cover = upload_sessions.kept(open_)
            return _Open(
                sessions=sessions,
                sessions_cover=cover,
                sent=sent_texts(open_),
                ids=tuple(a.id for a in open_ if a.id is not None),
                first_start=min(a.started_at for a in open_),
                last_end=max(a.ended_at or a.started_at for a in open_),
                looks=max(len(a.evidence.get("looks", [])) for a in open_),
                known_ids=tuple(a.external_id for a in open_ if a.external_id),
            )

    def _look(self, work: Work, pub_id: int) -> str | None:
        """Settle the row's open attempts before any new call: None when the platform proved
        the post absent (go on and schedule it), else the pass's outcome for the row.

        found   the post is on the platform: adopted, `handed_off`;
        absent  from a look taken at least `settle` after the call (and not the first look):
                proven, the attempts are closed and the caller schedules anew; an earlier
                look is recorded and the row waits for the next one (`reconcile_later`);
        unknown the search could not tell: a person decides (`needs_review`).
        A look that fails keeps the attempts open and waits like a failed call."""
        open_ = self._open_attempts(pub_id)
        if open_ is None:
            return None
        publisher = self.connectors.publisher(work.platform)
        try:
            with self.keeper.hold(pub_id, self.worker_id):
                verdict = self._search(publisher, work, open_)
        except PlatformError as exc:
            failure = exc
            return self._write(pub_id, lambda s, pub, now: self._look_failed(s, pub, failure, now))
        if verdict.verdict == "found" and verdict.found is not None:
            post = verdict.found
            outcome = self._write(
                pub_id, lambda s, pub, now: self._adopt(s, pub, open_, verdict, post, now)
            )
            if outcome == "handed_off":
                finish_adopted(publisher, work.creds, work.request, post.external_id)
            return outcome
        if verdict.verdict == "unknown":
            unknown = UnknownOutcome(
                "the platform may hold the scheduled post; the search could not tell",
                platform=work.platform,
            )
            return self._write(
                pub_id,
                lambda s, pub, now: self._record_failure(s, pub, open_.ids[-1], unknown, now),
            )
        return self._write(pub_id, lambda s, pub, now: self._absent(s, pub, open_, verdict, now))

    def _search(self, publisher: Publisher, work: Work, open_: _Open) -> Reconciliation:
        """The kept upload sessions, then each text the open attempts sent (an edit while the
        row waited does not hide the post)."""
        return upload_sessions.look(
            publisher,
            work.creds,
            open_.sessions,
            open_.sessions_cover,
            lambda: reconcile_sent(
                publisher,
                work.creds,
                work.request,
                open_.sent,
                open_.first_start - RECONCILE_MARGIN,
                utc_now(self.clock) + RECONCILE_MARGIN,
                open_.known_ids,
                work.claimed,
            ),
        )

    def _write(
        self, pub_id: int, step: Callable[[Session, Publication, datetime], str | None]
    ) -> str | None:
        """Run a final write on the row if this pass still holds its claim."""
        with session_scope(self.engine) as session:
            pub = outbox.holds_lease(session, pub_id, self.worker_id)
            if pub is None:
                log.warning("hand-off of %s: the lease was lost during the call", pub_id)
                return "lease_lost"
            outcome = step(session, pub, utc_now(self.clock))
            session.add(pub)
            return outcome

    def _adopt(
        self,
        session: Session,
        pub: Publication,
        open_: _Open,
        verdict: Reconciliation,
        post: FoundPost,
        now: datetime,
    ) -> str:
        lock_account(session, pub.channel_id)
        if post.external_id in claimed_ids(session, pub.channel_id, pub.id or 0):
            # Adopted by another row since the search: never share a post; look again.
            return self._wait_for_look(session, pub, open_, verdict, now, now + RECONCILE_DELAY)
        close_attempts(session, open_.ids, AttemptOutcome.RECONCILED_FOUND, verdict, now)
        self._handed_off(session, pub, post.external_id, now)
        return "handed_off"

    def _absent(
        self,
        session: Session,
        pub: Publication,
        open_: _Open,
        verdict: Reconciliation,
        now: datetime,
    ) -> str | None:
        again = (
            None
            if verdict.proven
            else settled(open_.looks, open_.last_end, now, self.policy.settle)
        )
        if again is not None:
            return self._wait_for_look(session, pub, open_, verdict, now, again)
        close_attempts(session, open_.ids, AttemptOutcome.RECONCILED_ABSENT, verdict, now)
        session.flush()
        absent = outbox.count_outcomes(session, pub.id or 0, AttemptOutcome.RECONCILED_ABSENT)
        if self.policy.exhausted(absent):
            # The platform keeps taking the call and losing the answer: stop handing it off;
            # the dispatcher publishes it live at its time, with its own checks.
            outbox.set_state(
                pub,
                S.APPROVED,
                now,
                error=f"hand-off: {absent} calls ended unknown and were proven absent; "
                "it will be published live at its time",
                code=REJECTED_CODE,
            )
            return "rejected"
        return None

    def _wait_for_look(
        self,
        session: Session,
        pub: Publication,
        open_: _Open,
        verdict: Reconciliation,
        now: datetime,
        when: datetime,
    ) -> str:
        """Not proof yet: the look is recorded, the attempts stay open, and the row waits in
        `approved` for the hand-off's next look (`locked_until` with no holder, which only the
        hand-off reads: a retry time would make the dispatcher publish it live, early)."""
        record_look(session, open_.ids, verdict, now)
        outbox.set_state(
            pub,
            S.APPROVED,
            now,
            error=f"hand-off: not found on the platform yet; looking again at {when.isoformat()}",
            code="reconcile_again",
        )
        pub.locked_until = when
        return "reconcile_later"

    def _look_failed(
        self, session: Session, pub: Publication, exc: PlatformError, now: datetime
    ) -> str:
        """The platform could not be asked: the attempts stay open; wait as after a failed
        call (a block, a backoff, or a paused channel)."""
        if isinstance(exc, AuthError):
            self._pause(session, pub, exc)
        outbox.set_state(
            pub,
            S.APPROVED,
            now,
            error=f"hand-off: could not check the platform: {exc.message}",
            code=f"reconcile_{exc.kind.lower()}",
        )
        if isinstance(exc, RateLimited | QuotaExhausted):
            pub.locked_until = self._hold_back(session, pub, exc, now)
        else:
            pub.locked_until = now + self.policy.backoff(max(pub.attempts, 1))
        return "reconcile_deferred"

    def _handed_off(
        self, session: Session, pub: Publication, external_id: str, now: datetime
    ) -> None:
        content = session.get(ContentItem, pub.content_id)
        outbox.set_state(pub, S.HANDED_OFF, now)
        pub.external_id = external_id
        pub.handoff = True
        pub.content_hash = content.content_hash if content else pub.content_hash

    def _pause(self, session: Session, pub: Publication, exc: PlatformError) -> None:
        channel = session.get(Channel, pub.channel_id)
        assert channel is not None
        if pause_channel(session, channel, f"{exc.kind}: {exc.message}"):
            alert_for_publication(
                session,
                pub,
                AlertKind.CHANNEL_PAUSED,
                f"channel paused, reconnect it: {exc.message}",
                dedupe=f"channel_paused:{channel.id}",
            )

    def _hold_back(
        self, session: Session, pub: Publication, exc: RateLimited | QuotaExhausted, now: datetime
    ) -> datetime:
        channel = session.get(Channel, pub.channel_id)
        assert channel is not None
        return hold_back(session, exc, channel.platform, channel.external_id, now)

    def _record_failure(
        self, session: Session, pub: Publication, attempt_id: int, exc: PlatformError, now: datetime
    ) -> str:
        """A hand-off that did not happen: the row goes back to `approved` for the dispatcher
        (or the next pass), except an unprovable outcome, which a person decides.

        Waits are the dispatcher's: a rate limit or quota blocks its scope, a transient error
        backs off. The row's own wait is kept in `locked_until` with no holder, which only the
        hand-off's claim reads: `next_attempt_at` would make the dispatcher publish it early."""
        if isinstance(exc, UnknownOutcome):
            self._end_attempt(session, attempt_id, AttemptOutcome.UNKNOWN, error=exc)
            outbox.set_state(pub, S.NEEDS_REVIEW, now, error=exc.message, code="unknown")
            alert_for_publication(
                session, pub, AlertKind.NEEDS_REVIEW, f"hand-off outcome unknown: {exc.message}"
            )
            return "needs_review"
        if isinstance(exc, AuthError):
            self._pause(session, pub, exc)
        self._end_attempt(session, attempt_id, attempt_outcome(exc), error=exc)
        code = REJECTED_CODE if isinstance(exc, Rejected) else exc.kind
        outbox.set_state(pub, S.APPROVED, now, error=f"hand-off: {exc.message}", code=code)
        if isinstance(exc, RateLimited | QuotaExhausted):
            pub.locked_until = self._hold_back(session, pub, exc, now)
            return "rate_limited" if isinstance(exc, RateLimited) else "quota"
        if isinstance(exc, Rejected | AuthError):
            return "rejected" if isinstance(exc, Rejected) else "retry"
        session.flush()
        failures = outbox.count_outcomes(session, pub.id or 0, AttemptOutcome.RETRY)
        pub.locked_until = now + self.policy.backoff(failures)
        return "retry"

    # -- hand_off ---------------------------------------------------------------------------

    def _claim(self, now: datetime, limit: int) -> list[int]:
        earliest = now + timedelta(minutes=self.settings.handoff_min_minutes)
        with session_scope(self.engine) as session:
            ids = session.exec(
                select(Publication.id)
                .join(Channel, col(Channel.id) == Publication.channel_id)
                .where(
                    col(Channel.native_handoff).is_(True),
                    col(Channel.paused).is_(False),
                    col(Publication.state).in_([str(S.APPROVED), str(S.QUEUED)]),
                    col(Publication.next_attempt_at).is_(None),
                    _not_held(now),
                    ~outbox.channel_blocked(now),
                    col(Publication.last_error_code) != REJECTED_CODE,
                    col(Publication.scheduled_at) >= earliest,
                    col(Publication.scheduled_at) <= now + MAX_AHEAD,
                )
                .order_by(col(Publication.scheduled_at), col(Publication.id))
                .limit(limit)
            ).all()
            claimed = []
            for pub_id in ids:
                result = session.execute(
                    update(Publication)
                    .where(
                        col(Publication.id) == pub_id,
                        col(Publication.state).in_([str(S.APPROVED), str(S.QUEUED)]),
                        _not_held(now),
                    )
                    .values(
                        state=S.CLAIMED,
                        locked_by=self.worker_id,
                        locked_until=now + self.lease,
                        updated_at=now,
                    )
                )
                if getattr(result, "rowcount", 0) and pub_id is not None:
                    claimed.append(pub_id)
        return claimed

    def hand_off(self, limit: int = 100) -> dict[int, str]:
        """Hand approved rows far enough ahead to the platform; returns an outcome per row.

        One row claimed at a time: a lease is never held on a row waiting behind others."""
        outcomes: dict[int, str] = {}
        while len(outcomes) < limit:
            claimed = self._claim(utc_now(self.clock), 1)
            if not claimed or claimed[0] in outcomes:
                break
            outcomes[claimed[0]] = self._hand_off_one(claimed[0])
        return outcomes

    def _hand_off_one(self, pub_id: int) -> str:
        now = utc_now(self.clock)
        with session_scope(self.engine) as session:
            pub = outbox.holds_lease(session, pub_id, self.worker_id)
            if pub is None:
                return "lease_lost"
            work = self._work(session, pub)
            if isinstance(work, str):
                outbox.set_state(pub, S.APPROVED, now, error=work, code="no_credentials")
                session.add(pub)
                return "no_credentials"
        settled_first = self._look(work, pub_id)  # an earlier call's outcome, if still open
        if settled_first is not None:
            return settled_first
        attempt_id = self._attempt(pub_id, utc_now(self.clock), work.request)
        with self.keeper.hold(pub_id, self.worker_id):
            result = self._schedule(work, attempt_id)
        if isinstance(result, UnknownOutcome):
            # The call may have scheduled the post: record it open, then look at once (found
            # ends it; an early "absent" only starts the wait for a settled second look).
            ended = self._write(
                pub_id,
                lambda s, pub, now: self._end_attempt(
                    s, attempt_id, AttemptOutcome.UNKNOWN, error=result
                ),
            )
            if ended == "lease_lost":
                return ended
            return self._look(work, pub_id) or self._release_claim(pub_id)
        return (
            self._write(pub_id, lambda s, pub, now: self._record(s, pub, attempt_id, result, now))
            or ""
        )

    def _record(
        self,
        session: Session,
        pub: Publication,
        attempt_id: int,
        result: str | _Restricted | PlatformError,
        now: datetime,
    ) -> str:
        if isinstance(result, PlatformError):
            return self._record_failure(session, pub, attempt_id, result, now)
        if isinstance(result, _Restricted):
            self._end_attempt(
                session, attempt_id, AttemptOutcome.HANDED_OFF, external_id=result.external_id
            )
            outbox.set_state(pub, S.NEEDS_REVIEW, now, error=result.reason, code="restricted")
            pub.external_id = result.external_id
            alert_for_publication(session, pub, AlertKind.NEEDS_REVIEW, result.reason)
            return "restricted"
        self._end_attempt(session, attempt_id, AttemptOutcome.HANDED_OFF, external_id=result)
        self._handed_off(session, pub, result, now)
        return "handed_off"

    def _release_claim(self, pub_id: int) -> str:
        """A look proved the post absent right after the call (no settle time configured):
        the row goes back to `approved` and the next pass schedules it again."""

        def back(session: Session, pub: Publication, now: datetime) -> str:
            outbox.set_state(pub, S.APPROVED, now, error="hand-off: proven absent", code="retry")
            return "retry"

        return self._write(pub_id, back) or "retry"

    # -- confirm ----------------------------------------------------------------------------

    def confirm(self) -> dict[int, str]:
        """Ask the platform about handed-off rows past their time; mark them published."""
        now = utc_now(self.clock)
        with Session(self.engine) as session:
            ids = session.exec(
                select(Publication.id).where(
                    Publication.state == S.HANDED_OFF,
                    col(Publication.scheduled_at) <= now - CONFIRM_AFTER,
                )
            ).all()
        return {i: self._confirm_one(i, now) for i in ids if i is not None}

    def _confirm_one(self, pub_id: int, now: datetime) -> str:
        leased = self._leased_work(pub_id, now, S.HANDED_OFF)
        if isinstance(leased, str):
            return leased
        work, external_id = leased
        try:
            with self.keeper.hold(pub_id, self.worker_id):
                post = self.connectors.publisher(work.platform).status(work.creds, external_id)
        except PlatformError as exc:
            log.info("confirming hand-off of %s deferred: %s", pub_id, exc.kind)
            return self._release(pub_id, "deferred")
        grace = timedelta(minutes=self.settings.grace_minutes)
        with session_scope(self.engine) as session:
            pub = self._still_leased(session, pub_id, S.HANDED_OFF)
            if pub is None:
                return "changed"
            # Only the platform saying "published" counts: a post still scheduled past its time
            # has not gone out (the platform is late, or its scheduler dropped it).
            if post is not None and post.published_at is not None:
                outbox.set_state(pub, S.PUBLISHED, now)
                # Graph keeps the hand-off's creation time on the post; it cannot have gone out
                # before its scheduled time, so an earlier time means "at the scheduled time".
                pub.published_at = max(post.published_at, pub.scheduled_at)
                pub.permalink = post.permalink or pub.permalink
                outcome = "published"
            elif post is None or now - pub.scheduled_at > grace:
                why = (
                    "the platform no longer has the scheduled post"
                    if post is None
                    else f"still not published {self.settings.grace_minutes} min after its time"
                )
                outbox.set_state(pub, S.NEEDS_REVIEW, now, error=why, code="handoff_unconfirmed")
                alert_for_publication(session, pub, AlertKind.NEEDS_REVIEW, f"hand-off: {why}")
                outcome = "needs_review"
            else:
                pub.locked_by, pub.locked_until = None, None
                outcome = "waiting"
            session.add(pub)
        return outcome

    def _still_leased(self, session: Session, pub_id: int, state: S) -> Publication | None:
        """The row, locked, if it is still in `state` and leased by this worker: a final write
        never overwrites what happened to the row meanwhile (a cancel, another worker)."""
        stmt = select(Publication).where(col(Publication.id) == pub_id)
        if session.get_bind().dialect.name != "sqlite":
            stmt = stmt.with_for_update()
        pub = session.exec(stmt).first()
        if pub is None or pub.state != state or pub.locked_by != self.worker_id:
            return None
        return pub

    def _withdrawn(self, work: Work, external_id: str) -> bool:
        """Withdraw a scheduled post; True when it is gone from the platform, including when
        an earlier withdrawal already removed it (a crash between the delete and the commit)."""
        publisher = self.connectors.publisher(work.platform)
        try:
            publisher.cancel_scheduled(work.creds, external_id)
            return True
        except PlatformError as exc:
            try:
                gone = publisher.status(work.creds, external_id) is None
            except PlatformError:
                gone = False
            if not gone:
                log.info("withdrawing %s deferred: %s", external_id, exc.kind)
            return gone

    def _release(self, pub_id: int, outcome: str) -> str:
        with session_scope(self.engine) as session:
            session.execute(
                update(Publication)
                .where(col(Publication.id) == pub_id, col(Publication.locked_by) == self.worker_id)
                .values(locked_by=None, locked_until=None)
            )
        return outcome

    # -- sync_edits -------------------------------------------------------------------------

    def sync_edits(self) -> dict[int, str]:
        """Re-create handed-off posts whose content was edited since the hand-off."""
        now = utc_now(self.clock)
        earliest = now + timedelta(minutes=self.settings.handoff_min_minutes)
        with Session(self.engine) as session:
            rows = session.exec(
                select(Publication.id)
                .join(ContentItem, col(ContentItem.id) == Publication.content_id)
                .where(
                    Publication.state == S.HANDED_OFF,
                    col(Publication.scheduled_at) >= earliest,
                    col(ContentItem.content_hash) != col(Publication.content_hash),
                )
            ).all()
        return {i: self._resync_one(i, now) for i in rows if i is not None}

    def _resync_one(self, pub_id: int, now: datetime) -> str:
        leased = self._leased_work(pub_id, now, S.HANDED_OFF)
        if isinstance(leased, str):
            return leased
        work, external_id = leased
        with self.keeper.hold(pub_id, self.worker_id):
            gone = self._withdrawn(work, external_id)
        if not gone:
            return self._release(pub_id, "deferred")
        # The old post is gone. The edit was not approved: back to draft, for a manager.
        with session_scope(self.engine) as session:
            pub = self._still_leased(session, pub_id, S.HANDED_OFF)
            if pub is None:
                # Changed meanwhile (cancelled, most likely): keep what happened, and record
                # that the platform's post is gone.
                self._forget_post(session, pub_id, external_id)
                return "changed"
            pub.state = S.DRAFT
            pub.locked_by = pub.locked_until = None
            pub.external_id = None
            pub.handoff = False
            pub.approved_by, pub.approved_at = "", None
            pub.last_error = (
                f"edited after approval: withdrawn from the platform's schedule ({external_id}); "
                "approve it again to publish"
            )
            pub.last_error_code = "edited_after_approval"
            pub.updated_at = now
            session.add(pub)
            session.add(
                AuditLog(
                    actor=self.worker_id,
                    action="withdraw_edited",
                    entity="publication",
                    entity_id=str(pub_id),
                    detail={"external_id": external_id, "to": S.DRAFT.value},
                )
            )
            alert_for_publication(
                session,
                pub,
                AlertKind.PREFLIGHT,
                "was edited after approval: withdrawn from the platform's schedule, "
                "back to draft; approve it again to publish",
            )
        return "back_to_draft"

    def _forget_post(self, session: Session, pub_id: int, external_id: str) -> None:
        pub = session.get(Publication, pub_id)
        if pub is not None and pub.external_id == external_id:
            pub.external_id = None
            pub.handoff = False
            if pub.locked_by == self.worker_id:
                pub.locked_by = pub.locked_until = None
            session.add(pub)

    # -- withdraw ---------------------------------------------------------------------------

    def withdraw(self) -> dict[int, str]:
        """Withdraw cancelled publications from the platform's schedule."""
        now = utc_now(self.clock)
        with Session(self.engine) as session:
            ids = session.exec(
                select(Publication.id).where(
                    Publication.state == S.CANCELLED,
                    col(Publication.handoff).is_(True),
                    col(Publication.external_id).is_not(None),
                )
            ).all()
        return {i: self._withdraw_one(i, now) for i in ids if i is not None}

    def _withdraw_one(self, pub_id: int, now: datetime) -> str:
        leased = self._leased_work(pub_id, now, S.CANCELLED)
        if isinstance(leased, str):
            return leased
        work, external_id = leased
        publisher = self.connectors.publisher(work.platform)
        try:
            with self.keeper.hold(pub_id, self.worker_id):
                post = publisher.status(work.creds, external_id)
                already_out = post is not None and post.published_at is not None
                if post is not None and not already_out:
                    publisher.cancel_scheduled(work.creds, external_id)
        except PlatformError as exc:
            log.info("withdrawing hand-off %s deferred: %s", pub_id, exc.kind)
            return self._release(pub_id, "deferred")
        with session_scope(self.engine) as session:
            pub = session.get(Publication, pub_id)
            assert pub is not None
            pub.handoff = False
            pub.locked_by, pub.locked_until = None, None
            if already_out:
                pub.last_error = f"cancelled, but the platform had already published {external_id}"
                alert_for_publication(
                    session,
                    pub,
                    AlertKind.NEEDS_REVIEW,
                    "cancelled after it went out: remove the post on the platform by hand",
                    dedupe=f"handoff_cancel_late:{pub_id}",
                )
            else:
                pub.last_error = f"withdrawn from the platform's schedule ({external_id})"
            session.add(pub)
        return "published_already" if already_out else "withdrawn"

    def run_all(self) -> dict[str, dict[int, str]]:
        """One pass of every job, in the order that keeps the platform consistent."""
        return {
            "withdraw": self.withdraw(),
            "sync_edits": self.sync_edits(),
            "confirm": self.confirm(),
            "hand_off": self.hand_off(),
        }
