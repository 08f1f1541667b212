"""A Loa home pointed at a running emulator, with one campaign's channels (the CLI tests that
connect channels share it)."""

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from campaigns.db import make_engine, upgrade
from campaigns.models import Campaign, Channel
from campaigns.settings import get_settings
from connectors.emulator import Emulator


def point_at(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, channels: Sequence[tuple[str, str, str]]
) -> None:
    """Settings aimed at `emulator`, and campaign am-2025 with `channels` (key, platform,
    external id), in the upgraded database of the current Loa home."""
    for key, value in emulator.env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    engine = make_engine(get_settings().effective_database_url)
    upgrade(engine)
    with Session(engine) as s:
        camp = Campaign(key="am-2025", name="x", starts=date(2025, 11, 15), ends=date(2025, 12, 15))
        s.add(camp)
        s.flush()
        assert camp.id is not None
        for key, platform, external_id in channels:
            s.add(
                Channel(
                    campaign_id=camp.id,
                    key=key,
                    platform=platform,
                    external_id=external_id,
                    name=key,
                )
            )
        s.commit()
    engine.dispose()


def db_bytes() -> bytes:
    """The SQLite database's bytes, its write-ahead log included: what a thief would read."""
    path = Path(get_settings().effective_database_url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
