"""Shared fixtures: isolated settings, an upgraded SQLite database, and real PostgreSQL.

PostgreSQL tests use the server at LOA_TEST_POSTGRES_URL (default: the local trust-auth server)
and skip with the reason when none answers; each test session gets its own fresh database.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from campaigns.db import make_engine, upgrade
from campaigns.settings import get_settings

if TYPE_CHECKING:
    from connectors.emulator import Emulator

POSTGRES_ADMIN_URL = os.environ.get(
    "LOA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REPO = Path(__file__).resolve().parents[1]
# The operator contract's example campaign, kept with the tests so that a bare clone passes.
EXAMPLE_CAMPAIGN = REPO / "tests" / "data" / "example" / "campaign-example.yaml"


def copy_example(tmp_path: Path) -> Path:
    """The reference example and its media, in a folder a test may edit."""
    target = tmp_path / "campaign"
    shutil.copytree(EXAMPLE_CAMPAIGN.parent, target)
    path = target / EXAMPLE_CAMPAIGN.name
    path.chmod(0o644)
    return path


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a text file; fails loudly when it is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def loa_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private LOA_HOME (and SQLite database) for one test; settings re-read."""
    home = tmp_path / "loa-home"
    monkeypatch.setenv("LOA_HOME", str(home))
    monkeypatch.delenv("LOA_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'loa.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _postgres_answers() -> str | None:
    """None when the server answers, else the reason to skip."""
    try:
        probe = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with probe.connect() as conn:
            conn.execute(text("select 1"))
        probe.dispose()
    except Exception as exc:  # any failure to connect means: no server for these tests
        return f"no PostgreSQL answers at {make_url(POSTGRES_ADMIN_URL).host}: {exc.__class__.__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session (dropped afterwards)."""
    reason = _postgres_answers()
    if reason:
        pytest.skip(reason)
    name = f"loa_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    """An upgraded PostgreSQL engine whose tables are emptied after each test."""
    engine = make_engine(postgres_url)
    upgrade(engine)
    yield engine
    from sqlmodel import SQLModel

    engine.dispose()  # the test's pooled connections first
    with engine.begin() as conn:
        # A connection the test leaked (a session never closed) would hold its locks and make
        # the TRUNCATE below wait forever: end every other session of this test database.
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on the embedded default and on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_engine")  # type: ignore[no-any-return]
    return request.getfixturevalue("pg_engine")  # type: ignore[no-any-return]


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator["Emulator"]:
    """A fresh platform emulator (HTTPS on loopback) on the system clock."""
    from connectors.emulator import Emulator

    with Emulator(tmp_path / "emulator", timeout_s=3.0) as emu:
        yield emu


@pytest.fixture
def frozen_emulator(tmp_path: Path) -> Iterator["Emulator"]:
    """A fresh emulator on a FrozenClock at midnight 15 November 2025 in Hanoi (`.clock`)."""
    from datetime import UTC, datetime

    from connectors.emulator import Emulator, FrozenClock

    clock = FrozenClock(datetime(2025, 11, 14, 17, 0, tzinfo=UTC))
    with Emulator(tmp_path / "frozen-emulator", timeout_s=3.0, clock=clock) as emu:
        yield emu
