"""Migrations of the metric tables keep the data: snapshots move to their natural key."""

from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import Session

from campaigns.db import alembic_config, make_engine
from tests.scheduler.fakes_metrics import seed_campaign


def _upgrade(engine: Engine, target: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, target)


def test_snapshots_and_deltas_survive_the_move_to_natural_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _upgrade(engine, "0002_engine_indexes")  # the schema before the natural key
    with Session(engine) as s:
        pid = seed_campaign(s, platforms=("facebook",), per_channel=1)[0].id
        s.commit()
    snapshot = (
        "INSERT INTO metricsnapshot (publication_id, metric, value, captured_at, source_metric) "
        "VALUES (:p, :m, :v, :t, '')"
    )
    with engine.begin() as conn:
        for metric, value, at in [
            ("reach", 10.0, "2025-11-15 02:00:00"),
            ("reach", 11.0, "2025-11-15 02:00:00"),  # a replayed capture, written later
            ("reach", 30.0, "2025-11-16 02:00:00"),
            ("views", 50.0, "2025-11-15 02:00:00"),
        ]:
            conn.execute(text(snapshot), {"p": pid, "m": metric, "v": value, "t": at})
        conn.execute(
            text("INSERT INTO metricdelta VALUES (:p, 'reach', :d, 11.0), (:p, 'reach', :e, 19.0)"),
            {"p": pid, "d": date(2025, 11, 15), "e": date(2025, 11, 16)},
        )
    _upgrade(engine, "heads")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT metric, captured_at, value FROM metricsnapshot ORDER BY metric, captured_at"
            )
        ).all()
        deltas = conn.execute(text("SELECT day, delta FROM metricdelta ORDER BY day")).all()
        snapshot_ddl, delta_ddl = (
            conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": t}
            ).scalar_one()
            for t in ("metricsnapshot", "metricdelta")
        )
        ddl = conn.execute(
            text(
                "SELECT group_concat(sql, ';') FROM sqlite_master WHERE tbl_name IN ('metricsnapshot', 'metricdelta')"
            )
        ).scalar_one()
    # Whole-second times end in the form SQLAlchemy binds them (0008), so queries find them.
    assert [tuple(r) for r in rows] == [
        ("reach", "2025-11-15 02:00:00.000000", 11.0),
        ("reach", "2025-11-16 02:00:00.000000", 30.0),
        ("views", "2025-11-15 02:00:00.000000", 50.0),
    ]
    assert [tuple(r) for r in deltas] == [("2025-11-15", 11.0), ("2025-11-16", 19.0)]
    assert ddl.count("WITHOUT ROWID") == 2
    assert "ix_metricdelta_metric_day" not in ddl
    # Ingestion checks publication ids per batch; deltas derive from those snapshots only.
    assert "REFERENCES" not in snapshot_ddl
    assert "REFERENCES" not in delta_ddl
    engine.dispose()
