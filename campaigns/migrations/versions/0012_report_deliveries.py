"""report deliveries: what the scheduler wrote and sent of the weekly and final reports

One row per report (campaign, kind, period, unit, language), with its files, its recipients and
the state of its mail, so that a restarted scheduler neither writes nor sends a report twice.

Revision ID: 0012_report_deliveries
Revises: 0011_login_sessions
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import campaigns.timeutil

revision: str = "0012_report_deliveries"
down_revision: str | Sequence[str] | None = "0011_login_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reportdelivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_key", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("unit_key", sa.String(length=80), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("written_at", campaigns.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sending_at", campaigns.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", campaigns.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_key", "kind", "period", "unit_key", "lang", name="uq_report"),
    )


def downgrade() -> None:
    op.drop_table("reportdelivery")
