"""A publication's states, in life order: here, not in the models, so that read-only commands
(`loa status`) can name them without importing SQLModel and building every table's model."""

from enum import StrEnum


class PublicationState(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    QUEUED = "queued"
    CLAIMED = "claimed"
    PUBLISHED = "published"
    RETRY_WAIT = "retry_wait"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"
    CANCELLED = "cancelled"
    MISSED = "missed"
    HANDED_OFF = "handed_off"
