"""snapshots and daily deltas without a foreign key to publication: ingestion checks the ids

A foreign key is checked row by row (a trigger per row on PostgreSQL, where it was about two
thirds of a bulk `COPY` of snapshots and a third of a daily-rollup refresh); `ingest_snapshots`
checks the batch's distinct publication ids in one query instead and refuses the batch naming
the unknown ids, and deltas are derived from those snapshots only. Publications are never
deleted (a withdrawn one is cancelled), so nothing can orphan a row afterwards.

On SQLite, capture times that bulk ingestion wrote on a whole second lacked the ".000000" that
SQLAlchemy binds (so `captured_at == t` or `>= t` missed them); they are rewritten in the form
every query binds, in the snapshot, newest-value and pending tables.

Revision ID: 0008_snapshot_without_fk
Revises: 0007_rollup_version
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import campaigns.timeutil

revision: str = "0008_snapshot_without_fk"
down_revision: str | Sequence[str] | None = "0007_rollup_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "publication_id, metric, captured_at, value, source_metric"
_FK = "metricsnapshot_publication_id_fkey"
_DELTA_FK = "metricdelta_publication_id_fkey"
_DELTA = "publication_id, metric, day, delta"
# 'YYYY-MM-DD HH:MM:SS' (19 characters) -> 'YYYY-MM-DD HH:MM:SS.000000', as SQLAlchemy binds it.
_WHOLE_SECONDS = "CASE WHEN length({c}) = 19 THEN {c} || '.000000' ELSE {c} END"


def _copy_sqlite(with_fk: bool) -> None:
    """SQLite cannot drop or add a constraint in place: copy into a new WITHOUT ROWID table."""
    constraints: list[sa.Constraint] = [
        sa.PrimaryKeyConstraint("publication_id", "metric", "captured_at")
    ]
    if with_fk:
        constraints.append(sa.ForeignKeyConstraint(["publication_id"], ["publication.id"]))
    op.create_table(
        "metricsnapshot_new",
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("captured_at", campaigns.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source_metric", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        *constraints,
        sqlite_with_rowid=False,
    )
    op.execute(
        f"INSERT INTO metricsnapshot_new ({_COLUMNS}) "
        f"SELECT {_COLUMNS.replace('captured_at', _WHOLE_SECONDS.format(c='captured_at'))} "
        "FROM metricsnapshot"
    )
    op.drop_table("metricsnapshot")
    op.rename_table("metricsnapshot_new", "metricsnapshot")


def _copy_delta_sqlite(with_fk: bool) -> None:
    constraints: list[sa.Constraint] = [sa.PrimaryKeyConstraint("publication_id", "metric", "day")]
    if with_fk:
        constraints.append(sa.ForeignKeyConstraint(["publication_id"], ["publication.id"]))
    op.create_table(
        "metricdelta_new",
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("delta", sa.Float(), nullable=False),
        *constraints,
        sqlite_with_rowid=False,
    )
    op.execute(f"INSERT INTO metricdelta_new ({_DELTA}) SELECT {_DELTA} FROM metricdelta")
    op.drop_table("metricdelta")  # its covering index goes with it
    op.rename_table("metricdelta_new", "metricdelta")
    op.create_index(
        "ix_metricdelta_cover", "metricdelta", ["metric", "day", "publication_id", "delta"]
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _copy_sqlite(with_fk=False)
        _copy_delta_sqlite(with_fk=False)
        for table, column in (("metriclatest", "captured_at"), ("metricpending", "since")):
            fixed = _WHOLE_SECONDS.format(c=column)
            op.execute(f"UPDATE {table} SET {column} = {fixed} WHERE length({column}) = 19")
    else:
        op.drop_constraint(_FK, "metricsnapshot", type_="foreignkey")
        op.drop_constraint(_DELTA_FK, "metricdelta", type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _copy_sqlite(with_fk=True)
        _copy_delta_sqlite(with_fk=True)
    else:
        op.create_foreign_key(_FK, "metricsnapshot", "publication", ["publication_id"], ["id"])
        op.create_foreign_key(_DELTA_FK, "metricdelta", "publication", ["publication_id"], ["id"])
