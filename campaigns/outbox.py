"""How a planned slot becomes an outbox row, the same way from a campaign file or an Excel plan."""

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from campaigns.models import (
    Attempt,
    AttemptOutcome,
    Campaign,
    Channel,
    ContentItem,
    Publication,
    PublicationState,
)
from campaigns.timeutil import ensure_aware, utcnow

# Rows an officer's Excel/CSV plan owns: a campaign-file import leaves them alone.
SHEET_PLAN_PREFIX = "sheet:"
SHEET_CONTENT_PREFIX = "sheet-"


def dedupe_key(campaign_key: str, content_key: str, channel_key: str, slot_at: datetime) -> str:
    """One publication per (content, channel, slot): the key that keeps re-imports idempotent."""
    slot = ensure_aware(slot_at).astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    return f"{campaign_key}|{content_key}|{channel_key}|{slot}"


def initial_state(campaign: Campaign, approver: str | None = None) -> PublicationState:
    """A new slot starts as a draft a manager approves.

    `approval: auto` approves it at once only when the person importing may approve it
    (`approver`, checked by the caller with campaigns.access): writing "auto" in a file is not
    an approval by itself.
    """
    if campaign.approval == "auto" and approver:
        return PublicationState.APPROVED
    return PublicationState.DRAFT


def new_publication(
    campaign: Campaign,
    content: ContentItem,
    channel: Channel,
    slot_at: datetime,
    plan_key: str,
    approver: str | None = None,
) -> Publication:
    """A fresh outbox row for a slot; the caller checks `dedupe_key` for an existing one first.

    `approver` names who may approve it (see `initial_state`); None leaves it a draft.
    """
    assert campaign.id is not None
    assert content.id is not None
    assert channel.id is not None
    slot = ensure_aware(slot_at).astimezone(UTC)
    state = initial_state(campaign, approver)
    return Publication(
        campaign_id=campaign.id,
        content_id=content.id,
        channel_id=channel.id,
        plan_key=plan_key,
        dedupe_key=dedupe_key(campaign.key, content.key, channel.key, slot),
        slot_at=slot,
        scheduled_at=slot,
        state=state,
        approved_by=(approver or "") if state == PublicationState.APPROVED else "",
        approved_at=utcnow() if state == PublicationState.APPROVED else None,
        content_hash=content.content_hash,
    )


# A cancel asked while an attempt's outcome is open: the scheduler reconciles, then cancels.
CANCEL_REQUESTED = "cancel_requested"
_OPEN_OUTCOMES = (AttemptOutcome.STARTED, AttemptOutcome.UNKNOWN)


def has_open_attempt(session: Session, publication_id: int) -> bool:
    """Whether an attempt of the row may have reached the platform without Loa knowing."""
    found = session.exec(
        select(Attempt.id).where(
            Attempt.publication_id == publication_id, col(Attempt.outcome).in_(_OPEN_OUTCOMES)
        )
    ).first()
    return found is not None


def cancel_values(session: Session, pub: Publication, now: datetime) -> dict[str, Any]:
    """The columns a cancel writes on `pub` (by `loa cancel`, the app, or an import that
    removes the slot).

    A row none of whose attempts has an open outcome is cancelled at once. One whose last
    attempt may have reached the platform (a timeout, a crash) cannot be: the post may be
    live. It goes to `retry_wait`, due now, marked `cancel_requested`; the scheduler reconciles
    it first and then cancels it (proven absent: never sent again), or records it published
    with an alert (it had gone out: it is live and measured), or leaves it for review.
    """
    base: dict[str, Any] = {"locked_by": None, "locked_until": None}
    if pub.id is not None and has_open_attempt(session, pub.id):
        return {
            **base,
            "state": PublicationState.RETRY_WAIT,
            "next_attempt_at": now,
            "last_error_code": CANCEL_REQUESTED,
            "last_error": "cancel asked while the last attempt's outcome is unknown: "
            "checking the platform first",
        }
    return {**base, "state": PublicationState.CANCELLED, "next_attempt_at": None}
