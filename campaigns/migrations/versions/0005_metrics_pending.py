"""series whose daily metric deltas await a refresh (metricpending)

Snapshot ingestion lists each series it touched, with its earliest new capture, in the same
transaction as the snapshots; the set-based rollup refresh recomputes those series' deltas from
that day on and removes the rows. A crash in between leaves the series listed, never wrong.

Revision ID: 0005_metrics_pending
Revises: 0004_delta_without_rowid
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import campaigns.timeutil

revision: str = "0005_metrics_pending"
down_revision: str | Sequence[str] | None = "0004_delta_without_rowid"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metricpending",
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("since", campaigns.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["publication_id"], ["publication.id"]),
        sa.PrimaryKeyConstraint("publication_id", "metric"),
    )


def downgrade() -> None:
    op.drop_table("metricpending")
