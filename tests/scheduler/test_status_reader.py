"""`loa status` reads with plain SQL (campaigns.reader), not the models: the SQL must name only
columns the models' tables have, and read them as the models would (aware UTC times, booleans,
dates), whether it runs on sqlite3 directly or through SQLAlchemy."""

import ast
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

import campaigns.models  # noqa: F401  (every table on SQLModel.metadata)
from campaigns.models import AlertKind, Credential, Publication, PublicationState, QuotaUsage
from campaigns.models import Worker as WorkerRow
from campaigns.reader import SqliteReader, open_reader
from campaigns.settings import Settings
from scheduler.alerts import raise_alert
from scheduler.status import gather_status
from tests.conftest import REPO
from tests.scheduler.ops_data import add_publication, make_world

# Every module whose SQL `loa status` runs.
READ_MODULES = ("scheduler/status.py", "scheduler/quota_plan.py")
NOW = datetime(2025, 11, 16, 12, 0, 0, 250_000, tzinfo=UTC)


def _sql_fragments(path: Path) -> list[str]:
    """The module's string literals (f-strings' literal parts included), docstrings aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_every_column_the_status_sql_names_is_in_the_models() -> None:
    tables = SQLModel.metadata.tables
    named: set[tuple[str, str]] = set()
    from_tables: set[str] = set()
    for module in READ_MODULES:
        for fragment in _sql_fragments(REPO / module):
            named |= set(re.findall(r"\b([a-z_]+)\.([a-z_]+)\b", fragment))
            from_tables |= set(re.findall(r"\b(?:FROM|JOIN) ([a-z_]+)\b", fragment))
    assert ("publication", "scheduled_at") in named  # the scan finds the SQL at all
    assert {"publication", "campaign", "quotausage", "alert"} <= from_tables
    missing = sorted(f"{t}.{c}" for t, c in named if t not in tables or c not in tables[t].columns)
    assert missing == [], f"status SQL names columns the models lack: {missing}"
    assert sorted(t for t in from_tables if t not in tables) == []


def _world(engine: Engine) -> None:
    world = make_world(engine)
    add_publication(
        engine,
        world,
        "clip",
        "yt",
        NOW + timedelta(hours=1, microseconds=123_456),
        PublicationState.RETRY_WAIT,
        next_attempt_at=NOW + timedelta(minutes=30, microseconds=7),
        locked_by="w1#token",
        locked_until=NOW + timedelta(minutes=2, microseconds=999_999),
    )
    add_publication(engine, world, "clip", "yt", datetime(2025, 11, 25, 12, 0, tzinfo=UTC))
    with Session(engine) as s:
        s.add(WorkerRow(id="w1", host="h", pid=1, started_at=NOW, heartbeat_at=NOW))
        s.add(
            Credential(
                platform="youtube",
                account_id="UCvnGenderEquality0000001",
                ciphertext=b"x",
                health="expired",
                health_detail="revoked by the owner",
                expires_at=NOW - timedelta(seconds=1),
            )
        )
        s.add(QuotaUsage(account="loa", day=date(2025, 11, 25), bucket="uploads", used=1))
        yt = world.channels["yt"]
        yt.paused, yt.paused_reason, yt.blocked_until = True, "token expired", NOW
        s.add(yt)
        raise_alert(s, AlertKind.CHANNEL_PAUSED, "paused", dedupe="paused:yt")
        s.commit()


def test_the_reader_reads_what_the_models_read(any_engine: Engine, tmp_path: Path) -> None:
    # On SQLite, `open_reader` runs the SQL on sqlite3 itself; on PostgreSQL, via SQLAlchemy.
    _world(any_engine)
    settings = Settings(home=tmp_path, youtube_daily_uploads=1)
    with Session(any_engine) as s:
        through_a_session = gather_status(s, settings, NOW)
        pub = s.get(Publication, through_a_session.next_due[0].id)
    with open_reader(any_engine.url.render_as_string(hide_password=False)) as reader:
        assert reader.dialect == any_engine.dialect.name
        assert isinstance(reader, SqliteReader) == (reader.dialect == "sqlite")
        report = gather_status(reader, settings, NOW)

    assert report.as_dict() == through_a_session.as_dict()
    assert pub is not None
    assert report.next_due[0].scheduled_at == pub.scheduled_at  # microseconds kept, aware
    assert report.next_due[0].next_attempt_at == pub.next_attempt_at
    assert report.leases[0].locked_until == pub.locked_until
    assert report.leases[0].expired is False
    assert report.workers[0].heartbeat_at == NOW
    yt = next(c for c in report.channels if c.key == "ncfaw-yt")
    assert yt.paused is True  # a bool, not SQLite's 1: `--json` prints `true`
    assert (yt.blocked_until, yt.token) == (NOW, "expired")
    assert yt.token_expires_at == NOW - timedelta(seconds=1)
    # The spent upload of 25/11 (a date column) counts with the planned one: over a budget of 1.
    assert [w.split(":")[0] for w in report.quota_warnings] == [
        "quota day 2025-11-25 (midnight to midnight Pacific time; 1 of this campaign)"
    ]
    assert report.open_alerts == 1


def test_a_missing_sqlite_file_reads_as_empty_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "loa.db"
    with open_reader(f"sqlite:///{path}") as reader:
        assert reader.has_table("publication") is False
    assert not path.parent.exists()
