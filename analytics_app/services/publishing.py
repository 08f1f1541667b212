"""The outbox changes people make, shared by the app and the command line.

Each function is one transaction: the domain write (campaigns.publications, which checks the
identity's role and unit and writes the audit log), the commit, then the app's caches cleared so
no page shows numbers from before the change. A refused change raises `campaigns.access.Forbidden`
and leaves the database as it was.
"""

from datetime import datetime

from sqlalchemy import Engine

from analytics_app.services.cache import clear_caches
from campaigns import publications
from campaigns.access import Identity
from campaigns.db import session_scope


def approve(
    engine: Engine, identity: Identity, ids: list[int] | None, *, campaign: str | None = None
) -> int:
    """Approve drafts (`ids=None`: every draft this person may approve); returns how many."""
    with session_scope(engine) as session:
        count = publications.approve(session, ids, identity, campaign=campaign)
    clear_caches()
    return count


def cancel(engine: Engine, identity: Identity, ids: list[int]) -> int:
    with session_scope(engine) as session:
        count = publications.cancel(session, ids, identity)
    clear_caches()
    return count


def retry(
    engine: Engine,
    identity: Identity,
    ids: list[int],
    *,
    at: datetime | None = None,
    reason: str = "",
) -> int:
    """Failed or missed publications back to the queue, due `at` (default now)."""
    with session_scope(engine) as session:
        count = publications.retry(session, ids, identity, at=at, reason=reason)
    clear_caches()
    return count


def review(
    engine: Engine,
    identity: Identity,
    pub_id: int,
    *,
    published_url: str | None = None,
    external_id: str | None = None,
    absent: bool = False,
) -> str:
    """Resolve a needs_review publication with the evidence checked; returns its new state."""
    with session_scope(engine) as session:
        state = publications.review(
            session,
            pub_id,
            identity,
            published_url=published_url,
            external_id=external_id,
            absent=absent,
        )
    clear_caches()
    return state
