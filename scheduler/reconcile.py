"""Before any retry after an unknown outcome: ask the platform whether the post exists.

Three verdicts, and only the second allows another call:
  found   the platform holds the post: record it as published with its id;
  absent  the search covered the whole window (`complete`) and found nothing;
  unknown the search could not prove either: a human decides (`needs_review`).

What is searched for is what was *sent*, not what the row says now: every attempt stores the
text and title it sent (`evidence["sent"]`, the request's fingerprint), so a re-import that
edits the text while the row waits does not hide the post. Photos carry the publication's
marker in their alt text (`connectors.facebook.connector.photo_alt_text`), so a photo without
a caption, or whose caption was edited, is found by the marker; clips carry it in their
description. A post is never adopted by two rows: posts that any other publication on the
same platform account owns (`claimed_ids`, across campaigns) are excluded, and the adoption
is re-checked under a lock on the account's channel rows (`lock_account`).

Absence is not trusted from one early look (listings lag behind creates): an `absent` verdict
is accepted only from a second look, taken at least `RetryPolicy.settle` after the call ended;
the looks are recorded on the attempt (`evidence["looks"]`).
"""

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlmodel import Session, col, select

from campaigns.models import Attempt, AttemptOutcome, Channel, Publication
from connectors.base import (
    Credentials,
    FoundPost,
    Publisher,
    PublishRequest,
    ReconcileProbe,
)

log = logging.getLogger(__name__)

Verdict = Literal["found", "absent", "unknown"]


def finish_adopted(
    publisher: Publisher, creds: Credentials, request: PublishRequest, external_id: str
) -> None:
    """What a publish does after creating its post (a clip's playlist, its thumbnail), for a post
    reconciliation adopted. Called outside any transaction (the dispatcher's adoption is already
    committed), and never raises: the post is published either way, and a failed step is only
    logged. Running it twice is harmless (a clip joins its playlist once; its thumbnail is set
    again)."""
    try:
        publisher.complete(creds, request, external_id)
    except Exception:
        log.exception("post %s adopted, but what follows its publish failed", external_id)


@dataclass(frozen=True)
class Reconciliation:
    verdict: Verdict
    found: FoundPost | None
    evidence: dict[str, Any] = field(default_factory=dict)
    # Absence the platform stated itself (an upload session short of its bytes), not a
    # listing's silence: no second look is needed (`scheduler.upload_sessions`).
    proven: bool = False


def _found_evidence(post: FoundPost) -> dict[str, Any]:
    return {
        "external_id": post.external_id,
        "matched_on": post.matched_on,
        "created_at": post.created_at.isoformat() if post.created_at else None,
        "published_at": post.published_at.isoformat() if post.published_at else None,
    }


def _earliest(posts: Sequence[FoundPost]) -> FoundPost:
    def key(p: FoundPost) -> tuple[int, str]:
        when = p.created_at or p.published_at
        return (0, when.isoformat()) if when else (1, p.external_id)

    return sorted(posts, key=key)[0]


def reconcile(
    publisher: Publisher,
    creds: Credentials,
    request: PublishRequest,
    window_start: datetime,
    window_end: datetime,
    known_ids: Sequence[str] = (),
    exclude_ids: Collection[str] = (),
) -> Reconciliation:
    """Search the account for the post an earlier attempt may have made (raises PlatformError).

    Known external ids are checked first by status; then the account is searched by marker and
    text over the window. `exclude_ids` are posts other publications already own (see
    `claimed_ids`): the same text planned twice on one Page must not be taken for ours. Two or
    more matches on text or title alone cannot be told apart: the verdict is unknown.
    """
    evidence: dict[str, Any] = {
        "window": [window_start.isoformat(), window_end.isoformat()],
        "marker": request.marker,
    }
    for external_id in known_ids:
        post = publisher.status(creds, external_id)
        evidence.setdefault("status_checks", []).append(
            {"external_id": external_id, "exists": post is not None}
        )
        if post is not None:
            evidence["found"] = [_found_evidence(post)]
            return Reconciliation("found", post, evidence)
    probe = ReconcileProbe(
        kind=request.kind,
        account_id=request.account_id,
        marker=request.marker,
        message=request.message,
        title=request.title,
        window_start=window_start,
        window_end=window_end,
    )
    result = publisher.reconcile(creds, probe)
    evidence["searched"] = result.searched
    evidence["complete"] = result.complete
    found = [p for p in result.found if p.external_id not in exclude_ids]
    evidence["found"] = [_found_evidence(p) for p in found]
    if len(found) < len(result.found):
        evidence["excluded"] = sorted(
            p.external_id for p in result.found if p.external_id in exclude_ids
        )
    by_marker = [p for p in found if p.matched_on == "marker"]
    if by_marker:
        return Reconciliation("found", _earliest(by_marker), evidence)
    if len(found) == 1:
        return Reconciliation("found", found[0], evidence)
    if found:
        evidence["ambiguous"] = True
        return Reconciliation("unknown", None, evidence)
    if result.complete:
        return Reconciliation("absent", None, evidence)
    return Reconciliation("unknown", None, evidence)


def _account_channels(session: Session, channel_id: int) -> Any:
    """The ids of every channel row on the same platform account as `channel_id` (the same Page
    or YouTube channel may be connected by several campaigns)."""
    channel = session.get(Channel, channel_id)
    if channel is None:
        return select(Channel.id).where(Channel.id == channel_id)
    return select(Channel.id).where(
        Channel.platform == channel.platform, Channel.external_id == channel.external_id
    )


def claimed_ids(session: Session, channel_id: int, publication_id: int) -> set[str]:
    """External ids that other publications on the same platform account own, or that their
    attempts recorded (a post made by a call whose claim was lost): a reconciliation for
    `publication_id` must never adopt one of them."""
    channels = _account_channels(session, channel_id)
    rows = session.exec(
        select(Publication.external_id).where(
            col(Publication.channel_id).in_(channels),
            Publication.id != publication_id,
            col(Publication.external_id).is_not(None),
        )
    ).all()
    attempts = session.exec(
        select(Attempt.external_id)
        .join(Publication, col(Publication.id) == col(Attempt.publication_id))
        .where(
            col(Publication.channel_id).in_(channels),
            Publication.id != publication_id,
            col(Attempt.external_id).is_not(None),
        )
    ).all()
    return {r for r in [*rows, *attempts] if r}


def lock_account(session: Session, channel_id: int) -> None:
    """Serialise adoptions on one platform account: two rows reconciling at once on two
    workers cannot both adopt the same post (PostgreSQL row locks; SQLite has one writer)."""
    if session.get_bind().dialect.name == "sqlite":
        return
    channels = _account_channels(session, channel_id)
    session.exec(select(Channel.id).where(col(Channel.id).in_(channels)).with_for_update())


def settled(
    looks: int, last_call_end: datetime, now: datetime, settle: timedelta
) -> datetime | None:
    """None when an `absent` verdict seen now may be trusted (at least the second look, at least
    `settle` after the call ended); else when to look again."""
    if not settle:
        return None
    if looks >= 1 and now >= last_call_end + settle:
        return None
    return max(last_call_end + settle, now + settle / 2)


def close_attempts(
    session: Session,
    attempt_ids: Sequence[int],
    outcome: AttemptOutcome,
    verdict: Reconciliation,
    now: datetime,
) -> None:
    """Open attempts end with the platform's answer, kept as their evidence."""
    for attempt_id in attempt_ids:
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        attempt.outcome = outcome
        attempt.evidence = {**attempt.evidence, "reconciliation": verdict.evidence}
        attempt.ended_at = attempt.ended_at or now
        if verdict.found is not None:
            attempt.external_id = verdict.found.external_id
        session.add(attempt)


def record_look(
    session: Session, attempt_ids: Sequence[int], verdict: Reconciliation, now: datetime
) -> None:
    """A look that is not proof yet: kept on the attempts, which stay open (`unknown`)."""
    for attempt_id in attempt_ids:
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        looks = [
            *attempt.evidence.get("looks", []),
            {"at": now.isoformat(), "verdict": verdict.verdict},
        ]
        attempt.evidence = {**attempt.evidence, "looks": looks}
        attempt.outcome = AttemptOutcome.UNKNOWN
        attempt.ended_at = attempt.ended_at or now
        session.add(attempt)


def sent_texts(attempts: Sequence[Attempt]) -> tuple[tuple[str, str], ...]:
    """The (message, title) pairs open attempts sent, as kept on them (`outbox.sent_evidence`)."""
    sent = {
        (str(a.evidence["sent"].get("message", "")), str(a.evidence["sent"].get("title", "")))
        for a in attempts
        if isinstance(a.evidence.get("sent"), dict)
    }
    return tuple(sorted(sent))


def reconcile_sent(
    publisher: Publisher,
    creds: Credentials,
    request: PublishRequest,
    sent: Sequence[tuple[str, str]],
    window_start: datetime,
    window_end: datetime,
    known_ids: Sequence[str] = (),
    exclude_ids: Collection[str] = (),
) -> Reconciliation:
    """`reconcile` for each text the open attempts sent (usually one; the request's own text
    when none was kept): found by any is found; absent only when every search is."""
    results = [
        reconcile(
            publisher,
            creds,
            replace(request, message=message, title=title),
            window_start,
            window_end,
            known_ids,
            exclude_ids,
        )
        for message, title in (sent or ((request.message, request.title),))
    ]
    return next(
        (r for verdict in ("found", "unknown") for r in results if r.verdict == verdict),
        results[0],
    )
