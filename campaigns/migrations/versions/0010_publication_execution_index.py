"""covering index of the scorecard's execution counts on publication

The execution KPIs count one campaign's publications by channel and state, with their planned
and published times and their content; with every column in one index the count reads the index
alone (17.5 ms -> 7.8 ms at national scale on SQLite).

Revision ID: 0010_publication_execution
Revises: 0009_segment_changes
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_publication_execution"
down_revision: str | Sequence[str] | None = "0009_segment_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ["campaign_id", "channel_id", "state", "scheduled_at", "published_at", "content_id"]


def upgrade() -> None:
    op.create_index("ix_publication_execution", "publication", _COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_publication_execution", table_name="publication")
