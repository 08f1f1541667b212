"""Before any retry after an unknown outcome: ask the platform whether the post exists.

Three verdicts, and only the second allows another call:
  found   the platform holds the post: record it as published with its id;
  absent  the search covered the whole window (`complete`) and found nothing;
  unknown the search could not prove either: a human decides (`needs_review`).
"""

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, select

from campaigns.models import Publication
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


def claimed_ids(session: Session, channel_id: int, publication_id: int) -> set[str]:
    """External ids that other publications of the channel already own: a reconciliation for
    `publication_id` must never adopt one of them."""
    rows = session.exec(
        select(Publication.external_id).where(
            Publication.channel_id == channel_id,
            Publication.id != publication_id,
            col(Publication.external_id).is_not(None),
        )
    ).all()
    return {r for r in rows if r}
