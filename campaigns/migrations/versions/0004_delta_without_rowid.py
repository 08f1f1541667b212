"""metric deltas WITHOUT ROWID on SQLite; drop the (metric, day) index the covering one contains

Every snapshot write adds daily deltas; on a rowid table each one costs the rowid B-tree, the
primary-key index and two secondary indexes. Keyed by its primary key, with the covering index
(metric, day, publication, delta) serving the (metric, day) lookups too, it costs two.
Merges the engine-index and snapshot-key branches: the table is rebuilt after both.

Revision ID: 0004_delta_without_rowid
Revises: 0002_engine_indexes, 0003_snapshot_natural_key
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004_delta_without_rowid"
down_revision: str | Sequence[str] | None = ("0002_engine_indexes", "0003_snapshot_natural_key")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "publication_id, metric, day, delta"
_COVER = ["metric", "day", "publication_id", "delta"]


def _rebuild(with_rowid: bool) -> None:
    """SQLite cannot switch a table's rowid in place: copy into a new one and swap."""
    op.create_table(
        "metricdelta_new",
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("delta", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["publication_id"], ["publication.id"]),
        sa.PrimaryKeyConstraint("publication_id", "metric", "day"),
        sqlite_with_rowid=with_rowid,
    )
    op.execute(f"INSERT INTO metricdelta_new ({_COLUMNS}) SELECT {_COLUMNS} FROM metricdelta")
    op.drop_table("metricdelta")  # its indexes go with it
    op.rename_table("metricdelta_new", "metricdelta")
    op.create_index("ix_metricdelta_cover", "metricdelta", _COVER, unique=False)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(with_rowid=False)
    else:
        op.drop_index("ix_metricdelta_metric_day", table_name="metricdelta")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(with_rowid=True)
    op.create_index("ix_metricdelta_metric_day", "metricdelta", ["metric", "day"], unique=False)
