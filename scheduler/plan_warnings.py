"""Surprises worth a warning when a plan is imported or approved, found before they happen.

A slot already in the past is missed as soon as the scheduler runs; an approved post on a
channel with no token waits for nothing. Neither is an error (the officer may be fixing it
right now), but neither may pass in silence.
"""

from datetime import datetime

from sqlmodel import Session, col, select

from campaigns.models import Campaign, Channel, Credential, Publication, PublicationState
from campaigns.timeutil import ensure_aware, utcnow

WAITING = (PublicationState.DRAFT, PublicationState.APPROVED)


def _narrow(query, ids: list[int] | None, campaign_key: str | None):  # type: ignore[no-untyped-def]
    if ids is not None:
        query = query.where(col(Publication.id).in_(ids))
    if campaign_key is not None:
        query = query.join(Campaign, col(Campaign.id) == Publication.campaign_id).where(
            Campaign.key == campaign_key
        )
    return query


def past_due(
    session: Session,
    ids: list[int] | None = None,
    *,
    campaign_key: str | None = None,
    now: datetime | None = None,
) -> list[tuple[int, datetime]]:
    """Drafts and approved publications planned before `now`: (id, planned time), oldest first."""
    now = now or utcnow()
    query = select(Publication.id, Publication.scheduled_at).where(
        col(Publication.state).in_(WAITING), Publication.scheduled_at < now
    )
    query = _narrow(query, ids, campaign_key).order_by(col(Publication.scheduled_at))
    return [(pub_id, ensure_aware(when)) for pub_id, when in session.exec(query) if pub_id]


def unconnected_channels(
    session: Session, ids: list[int] | None = None, *, campaign_key: str | None = None
) -> dict[str, int]:
    """Channel key -> how many approved publications (of `ids`, or all) wait on it without a
    stored token."""
    connected = {(c.platform, c.account_id) for c in session.exec(select(Credential))}
    query = (
        select(Channel.key, Channel.platform, Channel.external_id)
        .join(Publication, col(Publication.channel_id) == Channel.id)
        .where(Publication.state == PublicationState.APPROVED)
    )
    counts: dict[str, int] = {}
    for key, platform, account in session.exec(_narrow(query, ids, campaign_key)):
        if (platform, account) not in connected:
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))
