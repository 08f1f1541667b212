"""Campaign files: YAML read with line numbers, validated against the schema, every error at once.

`load_campaign(path)` returns a `CampaignDocument` or raises `campaigns.errors.ValidationFailed`
whose problems print as `FILE:LINE: field.path: message`.
"""

from campaigns.loader.document import (
    CampaignDocument,
    CampaignInfo,
    ChannelDoc,
    ContentDoc,
    Every,
    KpiDoc,
    ObjectiveDoc,
    PlanDoc,
    UnitDoc,
)
from campaigns.loader.load import load_campaign

__all__ = [
    "CampaignDocument",
    "CampaignInfo",
    "ChannelDoc",
    "ContentDoc",
    "Every",
    "KpiDoc",
    "ObjectiveDoc",
    "PlanDoc",
    "UnitDoc",
    "load_campaign",
]
