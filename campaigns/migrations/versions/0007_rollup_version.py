"""rollup version: an exact change counter per campaign for the segment rollup

`rollupversion` is bumped with every write that changes what a campaign's segment rows
summarise; `segmentstate` records the version it was built from instead of a signature of the
sources. The state is a cache of derived rows: it is recreated empty (the next reader or metric
pull rebuilds the segments).

Revision ID: 0007_rollup_version
Revises: 0006_segment_rollup
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import campaigns.timeutil

revision: str = "0007_rollup_version"
down_revision: str | Sequence[str] | None = "0006_segment_rollup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _state(marker: sa.Column[int] | sa.Column[str]) -> None:
    op.create_table(
        "segmentstate",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        marker,
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("refreshed_at", campaigns.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.PrimaryKeyConstraint("campaign_id"),
    )


def upgrade() -> None:
    op.create_table(
        "rollupversion",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", campaigns.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.PrimaryKeyConstraint("campaign_id"),
    )
    op.drop_table("segmentstate")
    _state(sa.Column("version", sa.Integer(), nullable=False))


def downgrade() -> None:
    op.drop_table("segmentstate")
    _state(sa.Column("signature", sa.Text(), nullable=False))
    op.drop_table("rollupversion")
