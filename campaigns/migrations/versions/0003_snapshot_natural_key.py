"""metric snapshots keyed by (publication, metric, capture time); WITHOUT ROWID on SQLite

The surrogate id and the separate (publication, metric, time) index cost two extra B-tree
inserts per snapshot; the natural key as primary key costs one. Snapshots that repeat a key
(a replayed capture) collapse to the newest written row, which is what the rollups already held.

Revision ID: 0003_snapshot_natural_key
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import campaigns.timeutil

revision: str = "0003_snapshot_natural_key"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "publication_id, metric, captured_at, value, source_metric"
# One row per natural key: the last one written (highest id) wins.
_NEWEST = (
    f"SELECT {_COLUMNS} FROM metricsnapshot WHERE id IN "
    "(SELECT max(id) FROM metricsnapshot GROUP BY publication_id, metric, captured_at)"
)


def _columns(with_id: bool) -> list[sa.Column]:
    cols: list[sa.Column] = []
    if with_id:
        cols.append(sa.Column("id", sa.Integer(), nullable=False))
    cols += [
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("captured_at", campaigns.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source_metric", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    ]
    return cols


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A rowid table cannot become WITHOUT ROWID in place: copy into a new table.
        op.create_table(
            "metricsnapshot_new",
            *_columns(with_id=False),
            sa.ForeignKeyConstraint(["publication_id"], ["publication.id"]),
            sa.PrimaryKeyConstraint("publication_id", "metric", "captured_at"),
            sqlite_with_rowid=False,
        )
        op.execute(f"INSERT INTO metricsnapshot_new ({_COLUMNS}) {_NEWEST}")
        op.drop_index("ix_snapshot_pub_metric_time", table_name="metricsnapshot")
        op.drop_table("metricsnapshot")
        op.rename_table("metricsnapshot_new", "metricsnapshot")
        return
    op.execute(
        "DELETE FROM metricsnapshot WHERE id NOT IN "
        "(SELECT max(id) FROM metricsnapshot GROUP BY publication_id, metric, captured_at)"
    )
    op.drop_index("ix_snapshot_pub_metric_time", table_name="metricsnapshot")
    op.drop_constraint("metricsnapshot_pkey", "metricsnapshot", type_="primary")
    op.drop_column("metricsnapshot", "id")
    op.create_primary_key(
        "metricsnapshot_pkey", "metricsnapshot", ["publication_id", "metric", "captured_at"]
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_table(
            "metricsnapshot_old",
            *_columns(with_id=True),
            sa.ForeignKeyConstraint(["publication_id"], ["publication.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
        op.execute(
            f"INSERT INTO metricsnapshot_old ({_COLUMNS}) SELECT {_COLUMNS} FROM metricsnapshot"
        )
        op.drop_table("metricsnapshot")
        op.rename_table("metricsnapshot_old", "metricsnapshot")
    else:
        op.drop_constraint("metricsnapshot_pkey", "metricsnapshot", type_="primary")
        op.add_column(
            "metricsnapshot", sa.Column("id", sa.Integer(), sa.Identity(), nullable=False)
        )
        op.create_primary_key("metricsnapshot_pkey", "metricsnapshot", ["id"])
    op.create_index(
        "ix_snapshot_pub_metric_time",
        "metricsnapshot",
        ["publication_id", "metric", "captured_at"],
        unique=False,
    )
