"""How a planned slot becomes an outbox row, the same way from a campaign file or an Excel plan."""

from datetime import UTC, datetime

from campaigns.models import Campaign, Channel, ContentItem, Publication, PublicationState
from campaigns.timeutil import ensure_aware

# Rows an officer's Excel/CSV plan owns: a campaign-file import leaves them alone.
SHEET_PLAN_PREFIX = "sheet:"
SHEET_CONTENT_PREFIX = "sheet-"


def dedupe_key(campaign_key: str, content_key: str, channel_key: str, slot_at: datetime) -> str:
    """One publication per (content, channel, slot): the key that keeps re-imports idempotent."""
    slot = ensure_aware(slot_at).astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    return f"{campaign_key}|{content_key}|{channel_key}|{slot}"


def initial_state(campaign: Campaign) -> PublicationState:
    """Campaigns with `approval: required` start as drafts a manager approves."""
    return PublicationState.APPROVED if campaign.approval == "auto" else PublicationState.DRAFT


def new_publication(
    campaign: Campaign, content: ContentItem, channel: Channel, slot_at: datetime, plan_key: str
) -> Publication:
    """A fresh outbox row for a slot; the caller checks `dedupe_key` for an existing one first."""
    assert campaign.id is not None
    assert content.id is not None
    assert channel.id is not None
    slot = ensure_aware(slot_at).astimezone(UTC)
    return Publication(
        campaign_id=campaign.id,
        content_id=content.id,
        channel_id=channel.id,
        plan_key=plan_key,
        dedupe_key=dedupe_key(campaign.key, content.key, channel.key, slot),
        slot_at=slot,
        scheduled_at=slot,
        state=initial_state(campaign),
        content_hash=content.content_hash,
    )
