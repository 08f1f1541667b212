"""covering indexes for the objective engine's rollup queries

Revision ID: 0002_engine_indexes
Revises: 0001
Create Date: 2026-11-28
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0002_engine_indexes'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('metriclatest', schema=None) as batch_op:
        batch_op.create_index(
            'ix_metriclatest_cover', ['metric', 'publication_id', 'value', 'captured_at'], unique=False
        )
    with op.batch_alter_table('metricdelta', schema=None) as batch_op:
        batch_op.create_index(
            'ix_metricdelta_cover', ['metric', 'day', 'publication_id', 'delta'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('metricdelta', schema=None) as batch_op:
        batch_op.drop_index('ix_metricdelta_cover')
    with op.batch_alter_table('metriclatest', schema=None) as batch_op:
        batch_op.drop_index('ix_metriclatest_cover')
