"""segment rollup: metric totals per (channel, content kind, audience list) and day

The scorecard sums a few hundred segment rows instead of tens of thousands of publications'
rollup rows; `campaigns.segments` rebuilds them when their sources' signature changes.

Revision ID: 0006_segment_rollup
Revises: 0005_metrics_pending
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import campaigns.timeutil

revision: str = "0006_segment_rollup"
down_revision: str | Sequence[str] | None = "0005_metrics_pending"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metricsegment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("content_kind", sa.String(length=20), nullable=False),
        sa.Column("audience_key", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_metricsegment_key",
        "metricsegment",
        ["campaign_id", "channel_id", "content_kind", "audience_key"],
        unique=True,
    )
    op.create_table(
        "metricsegmentday",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("basis", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("publications", sa.Integer(), nullable=False),
        sa.Column("growth", sa.Float(), nullable=False),
        sa.Column("growing", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["segment_id"], ["metricsegment.id"]),
        sa.PrimaryKeyConstraint("campaign_id", "metric", "basis", "day", "segment_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "metricsegmentlatest",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=40), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("publications", sa.Integer(), nullable=False),
        sa.Column("newest", campaigns.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["segment_id"], ["metricsegment.id"]),
        sa.PrimaryKeyConstraint("campaign_id", "basis", "metric", "segment_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "segmentstate",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("refreshed_at", campaigns.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.PrimaryKeyConstraint("campaign_id"),
    )


def downgrade() -> None:
    op.drop_table("segmentstate")
    op.drop_table("metricsegmentlatest")
    op.drop_table("metricsegmentday")
    op.drop_index("ix_metricsegment_key", table_name="metricsegment")
    op.drop_table("metricsegment")
