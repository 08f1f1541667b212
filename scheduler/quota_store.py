"""YouTube's quota ledger in the database (table QuotaUsage), shared by every worker.

Increments are single conditional UPDATEs (`used = used + n WHERE used + n <= limit`), which
PostgreSQL serialises on the row and SQLite on its one writer: two workers never both spend the
last units.
"""

from datetime import date

from sqlalchemy import Engine, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from campaigns.models import QuotaUsage

_TABLE = QuotaUsage.__table__  # type: ignore[attr-defined]


class DbQuotaStore:
    """Implements `connectors.youtube.quota.QuotaStore` on Loa's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _ensure_row(self, conn: object, account: str, day: date, bucket: str) -> None:
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = (
            insert(_TABLE)
            .values(account=account, day=day, bucket=bucket, used=0)
            .on_conflict_do_nothing(index_elements=["account", "day", "bucket"])
        )
        conn.execute(stmt)  # type: ignore[attr-defined]

    def used(self, account: str, day: date, bucket: str) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(
                text("SELECT used FROM quotausage WHERE account = :a AND day = :d AND bucket = :b"),
                {"a": account, "d": day, "b": bucket},
            ).scalar()
        return int(value or 0)

    def try_spend(self, account: str, day: date, bucket: str, units: int, limit: int) -> bool:
        with self.engine.begin() as conn:
            self._ensure_row(conn, account, day, bucket)
            result = conn.execute(
                text(
                    "UPDATE quotausage SET used = used + :u "
                    "WHERE account = :a AND day = :d AND bucket = :b AND used + :u <= :limit"
                ),
                {"u": units, "a": account, "d": day, "b": bucket, "limit": limit},
            )
            return bool(result.rowcount == 1)

    def add(self, account: str, day: date, bucket: str, units: int) -> int:
        with self.engine.begin() as conn:
            self._ensure_row(conn, account, day, bucket)
            conn.execute(
                text(
                    "UPDATE quotausage SET used = used + :u "
                    "WHERE account = :a AND day = :d AND bucket = :b"
                ),
                {"u": units, "a": account, "d": day, "b": bucket},
            )
            value = conn.execute(
                text("SELECT used FROM quotausage WHERE account = :a AND day = :d AND bucket = :b"),
                {"a": account, "d": day, "b": bucket},
            ).scalar()
        return int(value or 0)
