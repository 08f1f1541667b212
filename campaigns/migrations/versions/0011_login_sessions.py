"""login sessions, and the national role replacing "compiler"

`loginsession` holds the signed-in sessions of the command line and the app (the hash of an
opaque token, whose user, until when, revoked when). The role that reads the national roll-up is
called `national` from now on.

Revision ID: 0011_login_sessions
Revises: 0010_publication_execution
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import campaigns.timeutil

revision: str = "0011_login_sessions"
down_revision: str | Sequence[str] | None = "0010_publication_execution"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loginsession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("created_at", campaigns.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", campaigns.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", campaigns.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_loginsession_username", "loginsession", ["username"], unique=False)
    op.execute("UPDATE \"user\" SET role = 'national' WHERE role = 'compiler'")


def downgrade() -> None:
    op.execute("UPDATE \"user\" SET role = 'compiler' WHERE role = 'national'")
    op.drop_index("ix_loginsession_username", table_name="loginsession")
    op.drop_table("loginsession")
