"""`loa auth youtube` end to end: Google's real installed-app flow against the emulator.

The system browser is `consent_browser.py`, run by Python's `webbrowser` through `BROWSER`: it
opens the emulator's consent page and follows the redirect back to the flow's local port.
"""

import json
import shlex
import sys
import webbrowser
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from campaigns.db import make_engine
from campaigns.models import Channel, Credential
from campaigns.settings import get_settings
from connectors import oauth
from connectors.base import Credentials, Secret
from connectors.emulator import Emulator
from connectors.registry import build
from scheduler.cli import app
from scheduler.credentials import check_health, load_credentials
from tests.scheduler.emulator_home import db_bytes, point_at

runner = CliRunner()
BROWSER_SCRIPT = Path(__file__).with_name("consent_browser.py")
# A hang here would be a regression of the sign-in's own time limit.
pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def loa(loa_home: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A Loa home pointed at the emulator whose campaign has the first emulated channel."""
    point_at(emulator, monkeypatch, [("ncfaw-yt", "youtube", channel_id(emulator, 0))])
    yield loa_home
    get_settings.cache_clear()


def channel_id(emulator: Emulator, index: int) -> str:
    return str(emulator.accounts["youtube_channels"][index]["id"])


def use_browser(monkeypatch: pytest.MonkeyPatch, emulator: Emulator, account: str) -> None:
    """Makes `webbrowser` open consent_browser.py, signing in as `account`, and nothing else.

    `webbrowser` reads BROWSER once, when it first registers browsers: forgetting the registry
    makes it read ours now, and monkeypatch restores the registry afterwards. A command line with
    `%s` is used as given; the trailing `&` runs it in the background like a real browser, so the
    flow goes on to serve the redirect.
    """
    command = [sys.executable, str(BROWSER_SCRIPT), str(emulator.ca_file), "--account", account]
    monkeypatch.setenv("BROWSER", shlex.join(command) + " %s &")
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})


def client_file(tmp_path: Path, emulator: Emulator, **changes: str) -> Path:
    """The OAuth client file Google Cloud gives, for the emulator's client."""
    client = emulator.accounts["google_client"]
    installed = {
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
        "auth_uri": emulator.base_url + "o/oauth2/auth",
        "token_uri": client["token_uri"],
        "redirect_uris": ["http://localhost"],
        **changes,
    }
    path = tmp_path / "client_secret.json"
    path.write_text(json.dumps({"installed": installed}), encoding="utf-8")
    return path


def stored_rows() -> list[Credential]:
    engine = make_engine(get_settings().effective_database_url)
    with Session(engine) as s:
        rows = list(s.exec(select(Credential)).all())
    engine.dispose()
    return rows


def refused(client_secrets: Path) -> str:
    """What `loa auth youtube` says when it ends in an error; nothing may have been stored."""
    result = runner.invoke(app, ["auth", "youtube", "--client-secrets", str(client_secrets)])
    assert result.exit_code == 1
    assert stored_rows() == []
    return str(result.exception) + result.output


def test_signs_in_and_connects_the_granted_channel(
    loa: Path, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = channel_id(emulator, 0)
    use_browser(monkeypatch, emulator, mine)
    result = runner.invoke(
        app,
        ["auth", "youtube", "--client-secrets", str(client_file(tmp_path, emulator))],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert f"Connected ncfaw-yt (youtube {mine}): health ok" in result.output

    engine = make_engine(get_settings().effective_database_url)
    with Session(engine) as s:
        channel = s.exec(select(Channel).where(Channel.key == "ncfaw-yt")).one()
        document = json.loads(load_credentials(s, channel).secret.reveal())
        # The stored grant works for a later check, as the scheduler's health pass makes it.
        health = check_health(s, build("youtube", emulator.connector_config()), channel)
    engine.dispose()
    assert health.valid, health.detail
    secrets = (document["token"], document["refresh_token"], document["client_secret"])
    raw = db_bytes()
    for secret in secrets:
        assert secret.encode() not in raw
        assert secret not in result.output
    # Weeks later only the refresh token is left to act with: it must be this channel's.
    del document["token"], document["expiry"]
    refreshed = Credentials("youtube", mine, Secret(json.dumps(document)))
    connector = build("youtube", emulator.connector_config())
    assert connector.my_channel_id(refreshed) == mine  # type: ignore[union-attr]


def test_a_channel_that_is_not_in_loa_is_named_and_not_stored(
    loa: Path, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = channel_id(emulator, 2)
    use_browser(monkeypatch, emulator, other)
    message = refused(client_file(tmp_path, emulator))
    assert f"the signed-in channel {other} is not a channel in Loa" in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not an OAuth client file"),
        ('{"other": {}}', "not an OAuth client file"),
        ('{"installed": {"client_secret": "s"}}', "not an OAuth client file"),
    ],
)
def test_a_bad_client_file_is_named(
    loa: Path,
    emulator: Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content: str | None,
    message: str,
) -> None:
    use_browser(monkeypatch, emulator, channel_id(emulator, 0))
    path = tmp_path / "client_secret.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    text = refused(path)
    assert f"{path}: {message}" in text


def test_a_client_google_refuses_is_named(
    loa: Path, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong client secret passes the consent page and fails at the token exchange."""
    use_browser(monkeypatch, emulator, channel_id(emulator, 0))
    path = client_file(tmp_path, emulator, client_secret="GOCSPX-not-this-one")
    text = refused(path)
    assert f"Google sign-in with {path} failed: Google refused the sign-in (invalid_client" in text


def test_a_sign_in_the_browser_never_finishes_gives_up_clearly(
    loa: Path, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A closed tab never redirects back: the command stops after its time limit and says so,
    instead of waiting until someone presses Ctrl-C."""
    monkeypatch.setenv("BROWSER", shlex.join([sys.executable, "-c", "pass"]) + " %s &")
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    monkeypatch.setattr(oauth, "SIGN_IN_SECONDS", 1)
    path = client_file(tmp_path, emulator)
    text = refused(path)
    assert f"Google sign-in with {path} failed: no answer from the browser" in text
