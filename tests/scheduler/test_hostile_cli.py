"""Hostile command lines: random arguments to the commands that read files, ids and states end in
an exit code and a message, never a traceback."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from campaigns.db import make_engine, upgrade
from campaigns.errors import UserError
from scheduler.cli import app

runner = CliRunner()
WORDS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["-1", "0", "99999999999999999999", "--all", "../../etc/passwd", "/dev/null"]),
    st.sampled_from(["\u202e", "\x00", "published", "queued", "%s", "' OR 1=1 --", "x" * 300]),
)
COMMANDS = [
    ["publications", "list", "--state"],
    ["approve"],
    ["cancel"],
    ["campaign", "validate"],
    ["calendar", "import"],
    ["channel", "connect", "fb-1", "--token-file"],
]


@pytest.fixture
def home(loa_home: Path) -> Path:
    engine = make_engine(f"sqlite:///{loa_home / 'loa.db'}")
    upgrade(engine)
    engine.dispose()
    return loa_home


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(command=st.sampled_from(COMMANDS), args=st.lists(WORDS, min_size=1, max_size=3))
def test_random_arguments_never_end_in_a_traceback(
    home: Path, command: list[str], args: list[str]
) -> None:
    if any("\x00" in a for a in args):  # no operating system passes NUL in an argument
        args = [a.replace("\x00", "") for a in args]
    result = runner.invoke(app, [*command, *args], catch_exceptions=True)
    assert result.exit_code in (0, 1, 2), (command, args, result.output)
    # A UserError is what `loa` prints as one line (scheduler.cli.common.run_guarded).
    said = result.exception
    assert said is None or isinstance(said, SystemExit | UserError), (command, args, repr(said))
    assert not isinstance(said, UserError) or str(said).strip()
    assert "Traceback" not in result.output
