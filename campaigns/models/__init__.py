"""All tables of Loa, re-exported so `SQLModel.metadata` is complete after one import."""

from campaigns.models.core import (
    Campaign,
    Channel,
    ContentItem,
    ContentKind,
    Kpi,
    Objective,
    PlanRule,
    Platform,
    Unit,
    UnitKind,
)
from campaigns.models.metrics import (
    AudienceSnapshot,
    ChannelDailyMetric,
    MeasurementPlan,
    MetricSnapshot,
)
from campaigns.models.outbox import (
    TERMINAL_STATES,
    Alert,
    AlertKind,
    Attempt,
    AttemptOutcome,
    Publication,
    PublicationState,
    QuotaUsage,
    Worker,
)
from campaigns.models.security import AuditLog, Credential, Role, User

__all__ = [
    "TERMINAL_STATES",
    "Alert",
    "AlertKind",
    "Attempt",
    "AttemptOutcome",
    "AudienceSnapshot",
    "AuditLog",
    "Campaign",
    "Channel",
    "ChannelDailyMetric",
    "ContentItem",
    "ContentKind",
    "Credential",
    "Kpi",
    "MeasurementPlan",
    "MetricSnapshot",
    "Objective",
    "PlanRule",
    "Platform",
    "Publication",
    "PublicationState",
    "QuotaUsage",
    "Role",
    "Unit",
    "UnitKind",
    "User",
    "Worker",
]
