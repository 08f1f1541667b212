"""The clock and the aware-time rule, without SQLAlchemy (`campaigns.timeutil` re-exports both
beside its column type): read-only commands such as `loa status` import only this."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_aware(value: datetime) -> datetime:
    """Reject naive datetimes loudly: they are a bug, not an input."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} crossed a module boundary")
    return value
