"""The schema: migrations create it on both databases, match the models, keep times aware."""

from datetime import UTC, date, datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from campaigns.models import Campaign


def test_migrations_match_models(any_engine: Engine) -> None:
    with any_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_times_come_back_aware_in_utc(any_engine: Engine) -> None:
    hanoi = timezone(timedelta(hours=7))
    created = datetime(2025, 11, 15, 8, 0, tzinfo=hanoi)
    with Session(any_engine) as s:
        s.add(
            Campaign(
                key="k",
                name="n",
                starts=date(2025, 11, 15),
                ends=date(2025, 12, 15),
                created_at=created,
            )
        )
        s.commit()
    with Session(any_engine) as s:
        row = s.exec(select(Campaign)).one()
    assert row.created_at.tzinfo is not None
    assert row.created_at == created
    assert row.created_at.utcoffset() == UTC.utcoffset(None)
