"""segment changes: what an incremental refresh of the segment rollup recomputes

`segmentchange` lists, per campaign, the publications whose share of the segment rows changed
and from which day (written with each change, removed by the refresh that applies it);
`segmentmember` and `segmentreporting` keep each publication's segment and the first day it
reports each basis metric, as the rows count them. Every campaign's segment state is dropped:
the first refresh after the upgrade rebuilds in full (and fills the new tables).

Revision ID: 0009_segment_changes
Revises: 0008_snapshot_without_fk
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_segment_changes"
down_revision: str | Sequence[str] | None = "0008_snapshot_without_fk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "segmentchange",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.PrimaryKeyConstraint("campaign_id", "publication_id"),
    )
    op.create_table(
        "segmentmember",
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["segment_id"], ["metricsegment.id"]),
        sa.PrimaryKeyConstraint("publication_id"),
    )
    op.create_index(
        "ix_segmentmember_segment", "segmentmember", ["campaign_id", "segment_id"], unique=False
    )
    op.create_table(
        "segmentreporting",
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=40), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("publication_id", "basis"),
    )
    # The rows were built without the tables above: the next refresh rebuilds them in full.
    op.execute("DELETE FROM segmentstate")


def downgrade() -> None:
    op.drop_table("segmentreporting")
    op.drop_index("ix_segmentmember_segment", table_name="segmentmember")
    op.drop_table("segmentmember")
    op.drop_table("segmentchange")
