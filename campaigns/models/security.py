"""Who may do what, the encrypted platform credentials, and the audit log."""

from datetime import datetime
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, Column, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from campaigns.timeutil import UTCDateTime, utcnow


class Role(StrEnum):
    """What a person does; campaigns.access holds what each role may do."""

    OFFICER = "officer"  # plans calendars, writes posts, imports plans, fixes failures
    MANAGER = "manager"  # approves, watches the scorecard, reads reports
    NATIONAL = "national"  # the national roll-up of all units; changes nothing
    ADMIN = "admin"  # channels and users


class User(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(80), unique=True, nullable=False))
    display_name: str = ""
    role: str = Field(default=Role.OFFICER, sa_type=String(20))
    unit_key: Optional[str] = None
    password_hash: str = ""  # argon2id; empty: this user cannot sign in yet
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoginSession(SQLModel, table=True):
    """A signed-in session of the command line or the app; only the token's hash is stored."""

    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    username: str = Field(max_length=80, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)


class Credential(SQLModel, table=True):
    """A platform token, Fernet-encrypted; belongs to the account, not to one campaign.

    Reconnecting replaces `ciphertext` but never drops a refresh token the new grant lacks.
    """

    __table_args__ = (UniqueConstraint("platform", "account_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(20))
    account_id: str = Field(max_length=120)
    kind: str = "page_token"  # page_token | google_authorized_user
    ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    scopes: list[str] = Field(default_factory=list, sa_type=JSON)
    expires_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    health: str = "unknown"  # ok | expiring | expired | revoked | unknown
    health_detail: str = ""
    checked_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuditLog(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str
    action: str = Field(sa_type=String(40))
    entity: str = Field(sa_type=String(40))
    entity_id: str = ""
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
