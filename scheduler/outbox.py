"""The outbox: claims, leases and every change of `Publication.state` the scheduler makes.

A worker claims due rows in one short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
any number of workers never claim the same row; SQLite runs one worker), marks them `claimed`
with a lease, commits, and only then calls the platform. A lease that expires is reaped: if an
attempt had started, its outcome is unknown and the next claim reconciles before anything else.

Ownership is the claim, not the worker: `locked_by` holds a *holder*, the worker id and a token
minted for each claim (`new_holder`: `host-pid#token`). Every write that ends or extends a claim
names its holder, so after a reap and a re-claim — even by another thread of the same process —
the old claim's late writes match nothing (`record_published` refuses them and says so).
"""

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlmodel import Session, col

from campaigns.models import (
    AlertKind,
    Attempt,
    AttemptOutcome,
    Channel,
    ContentItem,
    Publication,
    PublicationState,
    RateLimitBlock,
)
from campaigns.timeutil import UTCDateTime
from connectors.redact import redact
from scheduler.channel_state import alert

S = PublicationState
CLAIMABLE = (S.APPROVED, S.QUEUED, S.RETRY_WAIT)
# Outcomes that leave it open whether the platform holds the post.
UNRESOLVED = (AttemptOutcome.STARTED, AttemptOutcome.UNKNOWN)

# The hot path (claim, start an attempt, record a success) runs Core statements on the tables:
# no ORM objects to build, track and flush for rows that are read once and written once.
PUBLICATION: Table = Publication.__table__  # type: ignore[attr-defined]
ATTEMPT: Table = Attempt.__table__  # type: ignore[attr-defined]
CHANNEL: Table = Channel.__table__  # type: ignore[attr-defined]
CONTENT: Table = ContentItem.__table__  # type: ignore[attr-defined]
BLOCK: Table = RateLimitBlock.__table__  # type: ignore[attr-defined]


def new_holder(worker_id: str) -> str:
    """A fresh claim holder for `worker_id`: its id and a token no other claim shares."""
    return f"{worker_id}#{secrets.token_hex(4)}"


def holder_worker(holder: str) -> str:
    """The worker id inside a holder (a bare worker id is its own)."""
    return holder.split("#", 1)[0]


def sent_evidence(message: str, title: str) -> dict[str, Any]:
    """What an attempt sends, kept on it: reconciliation searches for this, not for the row's
    text of the moment (a re-import may edit it while the outcome is unknown)."""
    return {"sent": {"message": message, "title": title}}


def marker_for(publication_id: int) -> str:
    """The stable marker of a publication, which reconciliation searches for on the platform."""
    return f"loa-p{publication_id}"


def due_at() -> ColumnElement[datetime]:
    """When a row is due: its retry time if it has one, else its planned time."""
    return func.coalesce(col(Publication.next_attempt_at), col(Publication.scheduled_at))


def _for_update(session: Session) -> dict[str, object]:
    return {} if session.get_bind().dialect.name == "sqlite" else {"skip_locked": True}


def channel_blocked(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """True for a channel row under an active rate-limit or quota block, in SQL.

    The scopes are those `scheduler.channel_state` writes: `<platform>:app`,
    `facebook:page:<id>`, `youtube:channel:<id>` and `youtube:quota:<id>:<bucket>`.
    """
    platform, account = CHANNEL.c.platform, CHANNEL.c.external_id
    quota = platform + ":quota:" + account + ":"
    return exists().where(
        BLOCK.c.until > now,
        or_(
            BLOCK.c.scope == platform + ":app",
            BLOCK.c.scope == platform + ":page:" + account,
            BLOCK.c.scope == platform + ":channel:" + account,
            func.substr(BLOCK.c.scope, 1, func.length(quota)) == quota,
        ),
    )


# Begins SQLite's write transaction (a write statement takes the RESERVED lock) and changes nothing.
_SQLITE_WRITE_LOCK = update(PUBLICATION).where(PUBLICATION.c.id < 0).values(locked_by=None)


def claim_ids(
    session: Session, worker_id: str, now: datetime, limit: int, lease: timedelta
) -> list[int]:
    """Claim up to `limit` due rows for `worker_id` and commit; their ids, in claim order.

    `worker_id` is written to `locked_by` as given: the worker passes a holder (`new_holder`),
    so the claim is this claim's and no other's. On SQLite the read runs inside the write
    transaction (a no-op write takes the write lock first), so no other writer can change the
    rows between the read and the claim.

    Due: claimable state, due time <= now, channel not paused, no active block on it.
    Fair: channels take turns (each channel's oldest due row first, then each one's second...),
    so a channel with a thousand rows due cannot hold back one with a single row.
    """
    pub = PUBLICATION.c
    due = func.coalesce(pub.next_attempt_at, pub.scheduled_at)
    turn = func.row_number().over(partition_by=pub.channel_id, order_by=(due, pub.id)).label("turn")
    ranked = (
        select(pub.id.label("id"), turn, due.label("due"))
        .join(CHANNEL, CHANNEL.c.id == pub.channel_id)
        .where(
            pub.state.in_(CLAIMABLE),
            due <= now,
            CHANNEL.c.paused.is_(False),
            ~channel_blocked(now),
        )
        .subquery()
    )
    stmt = (
        select(pub.id)
        .join(ranked, ranked.c.id == pub.id)
        # Repeated on the locked table: PostgreSQL re-checks these on a row another worker
        # claimed and committed meanwhile, and drops it (the ranking subquery is not re-checked).
        .where(pub.state.in_(CLAIMABLE), due <= now)
        .order_by(ranked.c.turn, ranked.c.due, pub.id)
        .limit(limit)
    )
    if _for_update(session):
        # FOR UPDATE may not cover the window function's subquery: lock only the rows.
        stmt = stmt.with_for_update(skip_locked=True, of=PUBLICATION)
    else:
        session.execute(_SQLITE_WRITE_LOCK)
    ids = [int(i) for i in session.execute(stmt).scalars()]
    if ids:
        session.execute(
            update(PUBLICATION)
            .where(pub.id.in_(ids))
            .values(state=S.CLAIMED, locked_by=worker_id, locked_until=now + lease, updated_at=now)
        )
    session.commit()
    return ids


def claim_due(
    session: Session, worker_id: str, now: datetime, limit: int, lease: timedelta
) -> list[Publication]:
    """`claim_ids`, handing back the claimed rows loaded (usable after the session closes)."""
    ids = claim_ids(session, worker_id, now, limit, lease)
    if not ids:
        return []
    order = {pid: n for n, pid in enumerate(ids)}
    rows = session.scalars(select(Publication).where(col(Publication.id).in_(ids))).all()
    return sorted(rows, key=lambda p: order[p.id or 0])


@cache
def _load_claim_statement(locking: bool) -> Select[Any]:
    """Built once per dialect kind: constructing it anew costs more Python than running it."""
    pub, content = PUBLICATION.c, CONTENT.c
    unresolved = exists().where(
        ATTEMPT.c.publication_id == pub.id, ATTEMPT.c.outcome.in_(UNRESOLVED)
    )
    stmt = (
        select(
            pub.id.label("pub_id"),
            pub.state,
            pub.locked_by,
            pub.last_error_code,
            pub.attempts,
            pub.scheduled_at,
            pub.campaign_id,
            pub.channel_id,
            CHANNEL.c.platform,
            CHANNEL.c.external_id.label("account_id"),
            CHANNEL.c.playlist_id,
            CHANNEL.c.paused,
            content.kind,
            content.message,
            content.description,
            content.title,
            content.link,
            content.media_path,
            content.thumbnail_path,
            content.tags,
            content.made_for_kids,
            content.privacy,
            channel_blocked(bindparam("b_now", type_=UTCDateTime())).label("blocked"),
            unresolved.label("unresolved"),
        )
        .join(CHANNEL, CHANNEL.c.id == pub.channel_id)
        .join(CONTENT, content.id == pub.content_id)
        .where(pub.id == bindparam("b_id"))
    )
    return stmt.with_for_update(of=PUBLICATION) if locking else stmt


def load_claim(
    session: Session, publication_id: int, worker_id: str, now: datetime
) -> Row[Any] | None:
    """The claimed row with its channel and content in one statement, locked (the lease
    re-check), or None when `worker_id` no longer holds the claim.

    Besides the content's fields (named as on ContentItem) the row carries `pub_id`,
    `attempts`, `scheduled_at`, `campaign_id`, `channel_id`, `platform`, `account_id`,
    `playlist_id`, `paused`, `blocked` (an active block covers the channel) and `unresolved`
    (an earlier attempt's outcome is still open: reconcile before any call).
    """
    stmt = _load_claim_statement(bool(_for_update(session)))
    row = session.execute(stmt, {"b_id": publication_id, "b_now": now}).first()
    if row is None or row.state != S.CLAIMED or row.locked_by != worker_id:
        return None
    return row


# Updates by id whose SET columns are the keys of the parameters they are run with.
_PUBLICATION_BY_ID = update(PUBLICATION).where(PUBLICATION.c.id == bindparam("b_id"))
_ATTEMPT_BY_ID = update(ATTEMPT).where(ATTEMPT.c.id == bindparam("b_id"))
_NEW_ATTEMPT = insert(ATTEMPT).returning(ATTEMPT.c.id)
# Fenced: only the claim that made the call may record its success.
_PUBLISH = _PUBLICATION_BY_ID.where(
    PUBLICATION.c.state == S.CLAIMED, PUBLICATION.c.locked_by == bindparam("b_holder")
)


def start_claimed(
    session: Session,
    publication_id: int,
    number: int,
    worker_id: str,
    now: datetime,
    lease: timedelta,
    evidence: dict[str, Any] | None = None,
) -> int:
    """Attempt `number` of a claim the caller holds locked: the attempt row and a fresh lease
    for the call; the caller commits before calling out. The attempt's id. `evidence` starts
    the attempt's evidence (what the call sends: see `sent_evidence`)."""
    session.execute(
        _PUBLICATION_BY_ID,
        {
            "b_id": publication_id,
            "attempts": number,
            "locked_until": now + lease,
            "updated_at": now,
        },
    )
    attempt_id = session.execute(
        _NEW_ATTEMPT,
        {
            "publication_id": publication_id,
            "number": number,
            "worker_id": worker_id,
            "started_at": now,
            "marker": marker_for(publication_id),
            "outcome": AttemptOutcome.STARTED,
            "evidence": evidence or {},
        },
    ).scalar_one()
    return int(attempt_id)


def defer(session: Session, publication_id: int, now: datetime) -> None:
    """Hand a claim back untouched (its channel was paused or blocked since the claim)."""
    session.execute(
        _PUBLICATION_BY_ID,
        {
            "b_id": publication_id,
            "state": S.QUEUED,
            "locked_by": None,
            "locked_until": None,
            "updated_at": now,
        },
    )


def record_published(
    session: Session,
    publication_id: int,
    attempt_id: int,
    *,
    external_id: str,
    permalink: str,
    published_at: datetime,
    trace_id: str,
    now: datetime,
    evidence: dict[str, Any],
    holder: str,
) -> bool:
    """The row and the attempt published, if `holder` still holds the claim; False (nothing
    written) when the claim was lost during the call: the caller records the outcome as one
    reconciliation settles (see `scheduler.lease`)."""
    result = session.execute(
        _PUBLISH,
        {
            "b_id": publication_id,
            "b_holder": holder,
            "state": S.PUBLISHED,
            "external_id": external_id,
            "permalink": permalink,
            "published_at": published_at,
            "last_error": "",
            "last_error_code": "",
            "next_attempt_at": None,
            "locked_by": None,
            "locked_until": None,
            "updated_at": now,
        },
    )
    if not getattr(result, "rowcount", 0):
        return False
    session.execute(
        _ATTEMPT_BY_ID,
        {
            "b_id": attempt_id,
            "outcome": AttemptOutcome.PUBLISHED,
            "ended_at": now,
            "external_id": external_id,
            "trace_id": trace_id,
            "evidence": evidence,
        },
    )
    return True


def holds_lease(session: Session, publication_id: int, worker_id: str) -> Publication | None:
    """The row, locked, if `worker_id` still holds its claim; None when it was reaped."""
    stmt = select(Publication).where(col(Publication.id) == publication_id)
    if _for_update(session):
        stmt = stmt.with_for_update()
    pub = session.scalars(stmt).first()
    if pub is None or pub.state != S.CLAIMED or pub.locked_by != worker_id:
        return None
    return pub


def extend_lease(session: Session, publication_id: int, worker_id: str, until: datetime) -> bool:
    """Keep a claim alive; False when the lease was already lost."""
    return not extend_leases(session, {publication_id: worker_id}, until)


_RENEW = (
    update(PUBLICATION)
    .where(PUBLICATION.c.id == bindparam("b_id"), PUBLICATION.c.locked_by == bindparam("b_holder"))
    .values(locked_until=bindparam("b_until"))
)


def extend_leases(session: Session, holds: dict[int, str], until: datetime) -> set[int]:
    """Renew every claim in `holds` (publication id -> holder) to `until`, in one transaction;
    the ids whose claim is no longer theirs (reaped, re-claimed, finished)."""
    lost: set[int] = set()
    for publication_id, holder in holds.items():
        result = session.execute(
            _RENEW, {"b_id": publication_id, "b_holder": holder, "b_until": until}
        )
        if not getattr(result, "rowcount", 0):
            lost.add(publication_id)
    session.commit()
    return lost


def reap_expired(session: Session, now: datetime, *, orphans: bool = False) -> list[int]:
    """Free claims whose lease ran out (all claims when `orphans`: their worker is known dead);
    an attempt they had started becomes `unknown`.

    A row with a started attempt goes back to `queued`, due now — or at its planned time when
    that is still ahead (a hand-off claims rows early; publishing one now would be early); the
    dispatcher reconciles it before any new call. A claim never attempted just goes back.
    """
    stmt = select(Publication).where(col(Publication.state) == S.CLAIMED)
    if not orphans:
        stmt = stmt.where(col(Publication.locked_until) < now)
    if _for_update(session):
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt).all())
    for pub in rows:
        started = session.execute(
            update(Attempt)
            .where(
                col(Attempt.publication_id) == pub.id,
                col(Attempt.outcome) == AttemptOutcome.STARTED,
            )
            .values(
                outcome=AttemptOutcome.UNKNOWN,
                ended_at=now,
                error_code="lease_expired",
                error_message=f"worker {pub.locked_by} stopped answering during the attempt",
            )
        )
        pub.state = S.QUEUED
        if getattr(started, "rowcount", 0):
            pub.next_attempt_at = max(now, pub.scheduled_at)
            pub.last_error = f"lease of {pub.locked_by} expired; checking the platform before retry"
            pub.last_error_code = "lease_expired"
        # A claim never attempted keeps its due time: a hand-off claim stays a hand-off
        # candidate (the hand-off only takes rows without a retry time).
        _unlock(pub, now)
        session.add(pub)
    session.commit()
    return [p.id for p in rows if p.id is not None]


def release(session: Session, ids: Sequence[int], worker_id: str, now: datetime) -> int:
    """Give back claims not yet attempted (the worker is stopping); they are due again at once."""
    result = session.execute(
        update(Publication)
        .where(
            col(Publication.id).in_(ids),
            col(Publication.locked_by) == worker_id,
            col(Publication.state) == S.CLAIMED,
        )
        .values(state=S.QUEUED, locked_by=None, locked_until=None, updated_at=now)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def mark_missed(session: Session, now: datetime, grace: timedelta) -> list[Publication]:
    """Rows never sent whose planned time is more than `grace` ago: `missed`, with an alert.

    Waiting rows are included: a row in `retry_wait` past its grace period (a clip held for
    the quota reset, a backoff) would otherwise go out hours late in a burst. Rows with an
    unresolved attempt are left alone: they may be on the platform already.
    """
    unresolved = exists().where(
        col(Attempt.publication_id) == col(Publication.id),
        col(Attempt.outcome).in_(UNRESOLVED),
    )
    stmt = select(Publication).where(
        col(Publication.scheduled_at) < now - grace,
        or_(
            col(Publication.state) == S.RETRY_WAIT,
            and_(
                col(Publication.state).in_((S.APPROVED, S.QUEUED)),
                or_(
                    col(Publication.next_attempt_at).is_(None),
                    col(Publication.next_attempt_at) < now - grace,
                ),
            ),
        ),
        ~unresolved,
    )
    if _for_update(session):
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt).all())
    for pub in rows:
        late = now - pub.scheduled_at
        why = (
            f"it was waiting to retry ({pub.last_error_code or 'retry'})"
            if pub.state == S.RETRY_WAIT
            else "nothing ran"
        )
        message = (
            f"publication {pub.id} was due at {pub.scheduled_at.isoformat()} and {why}; "
            f"{int(late.total_seconds() // 60)} min late is past the "
            f"{int(grace.total_seconds() // 60)} min grace period"
        )
        set_state(pub, S.MISSED, now, error=message, code="missed")
        session.add(pub)
        alert(
            session,
            AlertKind.MISSED,
            message,
            dedupe=f"missed:p{pub.id}",
            campaign_id=pub.campaign_id,
            publication_id=pub.id,
            channel_id=pub.channel_id,
        )
    session.commit()
    return rows


def next_due(session: Session, after: datetime | None = None) -> datetime | None:
    """The earliest due time among claimable rows (for the ticker's next wake-up)."""
    stmt = select(func.min(due_at())).where(col(Publication.state).in_(CLAIMABLE))
    if after is not None:
        stmt = stmt.where(due_at() > after)
    return _aware(session, session.scalar(stmt))


def _aware(session: Session, value: object) -> datetime | None:
    """An aggregate's time as aware UTC: min() loses the column type, so SQLite returns text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return UTCDateTime().process_result_value(value, session.get_bind().dialect)


def _unlock(pub: Publication, now: datetime) -> None:
    pub.locked_by = None
    pub.locked_until = None
    pub.updated_at = now


def set_state(
    pub: Publication,
    state: PublicationState,
    now: datetime,
    *,
    error: str = "",
    code: str = "",
    next_attempt_at: datetime | None = None,
) -> None:
    """Move a row to `state`, release its lease, and say why (empty error: all well; any
    secret in it is masked: the row is shown and exported)."""
    pub.state = state
    pub.last_error = redact(error)
    pub.last_error_code = code
    pub.next_attempt_at = next_attempt_at
    _unlock(pub, now)


def start_attempt(session: Session, pub: Publication, worker_id: str, now: datetime) -> Attempt:
    """The attempt row, added before the platform call (the caller commits it first)."""
    assert pub.id is not None
    pub.attempts += 1
    pub.updated_at = now
    attempt = Attempt(
        publication_id=pub.id,
        number=pub.attempts,
        worker_id=worker_id,
        started_at=now,
        marker=marker_for(pub.id),
    )
    session.add(pub)
    session.add(attempt)
    return attempt


def unresolved_attempts(session: Session, publication_id: int) -> Sequence[Attempt]:
    return session.scalars(
        select(Attempt)
        .where(
            col(Attempt.publication_id) == publication_id,
            col(Attempt.outcome).in_(UNRESOLVED),
        )
        .order_by(col(Attempt.number))
    ).all()


def look_after(attempt: Attempt) -> datetime:
    """From when a look at an open attempt's outcome counts as settled (plus `settle`): the end
    of its call, or for a hand-off (a post scheduled on the platform) its planned time, when
    the platform moves the post from its schedule to the page and a listing may lag again."""
    end = attempt.ended_at or attempt.started_at
    planned = attempt.evidence.get("publish_at")
    if isinstance(planned, str):
        end = max(end, datetime.fromisoformat(planned))
    return end


def first_attempt_start(session: Session, publication_id: int) -> datetime | None:
    value = session.scalar(
        select(func.min(col(Attempt.started_at))).where(
            col(Attempt.publication_id) == publication_id
        )
    )
    return _aware(session, value)


def count_outcomes(session: Session, publication_id: int, outcome: AttemptOutcome) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(col(Attempt.publication_id) == publication_id, col(Attempt.outcome) == outcome)
        )
        or 0
    )
