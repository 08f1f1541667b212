"""A token must open the channel it is connected to: Page B's token on channel A is refused
at connection (Facebook `GET /me`, YouTube `channels.list mine=true`) and by pre-flight."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from campaigns.models import Credential
from campaigns.settings import get_settings
from connectors.base import Credentials, Secret
from connectors.emulator import Emulator
from scheduler.cli import app
from scheduler.cli.common import engine
from scheduler.credentials import token_account, wrong_account
from tests.scheduler.emulator_home import point_at
from tests.scheduler.ops_data import FakeConnectors, make_world

runner = CliRunner()


@pytest.fixture
def loa(loa_home: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    point_at(
        emulator,
        monkeypatch,
        [
            ("ncfaw-fb", "facebook", emulator.accounts["facebook_pages"][0]["id"]),
            ("ncfaw-yt", "youtube", emulator.accounts["youtube_channels"][0]["id"]),
        ],
    )
    yield loa_home
    get_settings.cache_clear()


def stored() -> list[str]:
    with Session(engine()) as s:
        return [c.account_id for c in s.exec(select(Credential))]


def test_another_pages_token_is_refused(loa: Path, emulator: Emulator, tmp_path: Path) -> None:
    page_a, page_b = emulator.accounts["facebook_pages"][:2]
    token_file = tmp_path / "b.txt"
    token_file.write_text(page_b["access_token"])
    result = runner.invoke(app, ["channel", "connect", "ncfaw-fb", "--token-file", str(token_file)])
    assert result.exit_code == 1
    message = f"the token opens Page {page_b['id']}, not ncfaw-fb's Page {page_a['id']}"
    assert message in str(result.exception)
    assert stored() == []
    token_file.write_text(page_a["access_token"])
    right = runner.invoke(app, ["channel", "connect", "ncfaw-fb", "--token-file", str(token_file)])
    assert right.exit_code == 0, right.output
    assert stored() == [page_a["id"]]


def test_another_youtube_channels_grant_is_refused(
    loa: Path, emulator: Emulator, tmp_path: Path
) -> None:
    other = emulator.accounts["youtube_channels"][1]
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other["credentials"]))
    result = runner.invoke(
        app, ["channel", "connect", "ncfaw-yt", "--google-credentials", str(path)]
    )
    assert result.exit_code == 1
    assert f"the token opens channel {other['id']}" in str(result.exception)
    assert stored() == []


def test_token_account_asks_the_platform(emulator: Emulator, loa: Path) -> None:
    from connectors.registry import build
    from scheduler.config import connector_config

    page = emulator.accounts["facebook_pages"][1]
    facebook = build("facebook", connector_config(get_settings()))
    creds = Credentials("facebook", page["id"], Secret(page["access_token"]))
    assert token_account(facebook, creds) == page["id"]


class WrongChannel(FakeConnectors):
    """A YouTube grant that opens another channel than the one connected."""

    def __init__(self) -> None:
        super().__init__()
        self.publishers["youtube"].my_channel_id = lambda creds: "UCsomeoneElse"  # type: ignore[attr-defined]


def test_preflight_finds_a_token_of_another_channel(sqlite_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from campaigns.models import PublicationState
    from campaigns.settings import Settings
    from scheduler.preflight import run_preflight
    from tests.scheduler.ops_data import add_publication

    now = datetime(2025, 11, 25, 1, 0, tzinfo=UTC)
    world = make_world(sqlite_engine)
    add_publication(
        sqlite_engine, world, "clip", "yt", now + timedelta(minutes=30), PublicationState.APPROVED
    )

    class Frozen:
        def now(self) -> datetime:
            return now

    findings = run_preflight(
        sqlite_engine, Settings(home=tmp_path, preflight_minutes=60), Frozen(), WrongChannel()
    )
    account = [f for f in findings if f.problem == "account"]
    assert len(account) == 1
    assert "opens channel UCsomeoneElse, not ncfaw-yt's channel" in account[0].message
    fine = FakeConnectors()
    with Session(sqlite_engine) as s:
        channel = s.get(type(world.channels["yt"]), world.channels["yt"].id)
        assert channel is not None
        creds = fine.credentials(s, channel)
    assert wrong_account(fine.publisher("youtube"), creds, channel) == ""  # cannot tell: quiet
