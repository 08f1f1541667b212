"""How a planned slot becomes an outbox row, the same way from a campaign file or an Excel plan."""

from datetime import UTC, datetime

from campaigns.models import Campaign, Channel, ContentItem, Publication, PublicationState
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
