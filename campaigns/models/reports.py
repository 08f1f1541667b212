"""What the scheduler wrote and sent of the weekly and final reports: one row per report.

The row is the report's identity (campaign, kind, period, unit, language): written once, it is
never written again, and its mail is sent at most once. `state` follows the mail:
`written` (no mail configured) | `pending` (to send) | `sending` (committed before the SMTP
call) | `sent` | `unknown` (the process stopped during the call: not re-sent blind).
"""

from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import JSON, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from campaigns.timeutil import UTCDateTime, utcnow


class DeliveryState(StrEnum):
    WRITTEN = "written"
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    UNKNOWN = "unknown"


class ReportDelivery(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("campaign_key", "kind", "period", "unit_key", "lang", name="uq_report"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_key: str = Field(sa_column=Column(String(80), nullable=False))
    kind: str = Field(sa_type=String(10))  # weekly | final
    period: str = Field(sa_type=String(20))  # 2025-W47 | final
    unit_key: str = Field(default="", sa_type=String(80))  # "" = every unit
    lang: str = Field(default="vi", sa_type=String(5))
    files: list[str] = Field(default_factory=list, sa_type=JSON)  # relative to LOA_HOME
    recipients: list[str] = Field(default_factory=list, sa_type=JSON)
    state: str = Field(default=DeliveryState.WRITTEN, sa_type=String(10))
    written_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sending_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    sent_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    error: str = Field(default="", sa_type=Text)
