"""Every `loa` command and subcommand, tried as a new user would: in an empty folder, on a
database with no campaign, and with bad arguments. None may answer with a traceback; each
answers exit 0, or exit 1 with one clear line (a usage error too, not Click's 2).

The command tree is walked from the Typer app itself, so a command added later is swept too.
Every run is a subprocess with a private LOA_HOME in a fresh folder.
"""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer.main

from scheduler.cli import app
from tests.scheduler.cli_process import loa

# Commands that serve or run until stopped: swept with bad arguments and --help only.
LONG_RUNNING = {("emulator",), ("demo",), ("dashboard",)}
# What a no-argument run needs to end by itself.
EXTRA = {("run",): ["--once"]}
BUGS = ("Traceback (most recent call last)", "unexpected problem")


def _leaves(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every runnable command under `command` (Typer's own Click), as its words."""
    if hasattr(command, "commands"):
        # A group that runs by itself (`loa alerts`) is a command too.
        runs = path and getattr(command, "invoke_without_command", False)
        found: list[tuple[str, ...]] = [path] if runs else []
        for name, sub in sorted(command.commands.items()):
            found.extend(_leaves(sub, (*path, name)))
        return found
    return [path]


ROOT = typer.main.get_command(app)
LEAVES = _leaves(ROOT)
IDS = [" ".join(p) for p in LEAVES]


def _command(path: tuple[str, ...]) -> Any:
    command = ROOT
    for name in path:
        command = command.commands[name]
    return command


def _required(path: tuple[str, ...]) -> bool:
    return any(p.required for p in _command(path).params)


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    """Exit 0, or exit 1 with a message; never a traceback."""
    output = result.stdout + result.stderr
    for bug in BUGS:
        assert bug not in output, output
    assert result.returncode in (0, 1), (result.returncode, output)
    if result.returncode == 1:
        assert result.stderr.strip(), f"exit 1 without a word on stderr: {output}"


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LOA_HOME whose database has the schema and nothing else (copied for each test)."""
    folder = tmp_path_factory.mktemp("upgraded")
    result = loa(folder, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    return folder / ".loa"


def test_the_sweep_covers_the_commands_the_readme_promises() -> None:
    for expected in ("status", "alerts", "scorecard", "run", "retry", "review", "approve"):
        assert (expected,) in LEAVES
    assert ("channel", "list") in LEAVES
    assert ("metrics", "pull") in LEAVES
    assert ("publications", "list") in LEAVES


@pytest.mark.parametrize("path", LEAVES, ids=IDS)
def test_in_an_empty_folder(path: tuple[str, ...], tmp_path: Path) -> None:
    if path in LONG_RUNNING:
        pytest.skip("serves until stopped")
    result = loa(tmp_path, *path, *EXTRA.get(path, []))
    assert_clean(result)
    if _required(path):
        assert result.returncode == 1
        assert "Usage:" in result.stderr + result.stdout


@pytest.mark.parametrize("path", LEAVES, ids=IDS)
def test_on_a_database_without_a_campaign(
    path: tuple[str, ...], tmp_path: Path, empty_database: Path
) -> None:
    if path in LONG_RUNNING:
        pytest.skip("serves until stopped")
    shutil.copytree(empty_database, tmp_path / ".loa")
    assert_clean(loa(tmp_path, *path, *EXTRA.get(path, [])))


@pytest.mark.parametrize("path", LEAVES, ids=IDS)
def test_with_bad_arguments(path: tuple[str, ...], tmp_path: Path) -> None:
    unknown = loa(tmp_path, *path, "--no-such-option")
    assert_clean(unknown)
    assert unknown.returncode == 1
    assert "Usage:" in unknown.stderr
    wrong = loa(tmp_path, *path, "not-a-number", "--campaign", "no-such-campaign")
    assert_clean(wrong)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("status",), "loa db upgrade"),
        (("alerts",), "loa db upgrade"),
        (("channel", "list"), "loa db upgrade"),
        (("metrics", "pull"), "loa db upgrade"),
        (("run", "--once"), "loa db upgrade"),
        (("scorecard",), "loa db upgrade"),
    ],
)
def test_an_empty_folder_says_what_to_do_in_one_line(
    args: tuple[str, ...], words: str, tmp_path: Path
) -> None:
    """The commands that printed an 84-line SQLAlchemy traceback (issue 17, found 2)."""
    result = loa(tmp_path, *args)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert words in lines[0]


def test_a_missing_argument_exits_1_with_the_usage_line(tmp_path: Path) -> None:
    result = loa(tmp_path, "retry")
    assert result.returncode == 1
    assert "Usage: " in result.stderr
    assert "Missing argument" in result.stderr


def test_a_missing_campaign_is_named(tmp_path: Path, empty_database: Path) -> None:
    shutil.copytree(empty_database, tmp_path / ".loa")
    for args in (("scorecard", "--campaign", "nope"), ("publications", "list")):
        result = loa(tmp_path, *args)
        assert result.returncode == 1
        assert "campaign" in result.stderr
        assert "loa campaign import" in result.stderr or "nope" in result.stderr


def test_user_help_names_every_role() -> None:
    """The role names are written out in the help (lazy import); they must match the model."""
    from campaigns.accounts import MIN_PASSWORD
    from campaigns.models import Role
    from scheduler.cli import user_cmd

    assert tuple(r.value for r in Role) == user_cmd.ROLE_NAMES
    assert user_cmd.MIN_PASSWORD == MIN_PASSWORD


@pytest.mark.parametrize(
    "command", [("approve",), ("cancel",), ("retry",), ("review",), ("alerts", "resolve")]
)
def test_an_id_too_large_for_the_database_is_a_usage_error(
    command: tuple[str, ...], tmp_path: Path, empty_database: Path
) -> None:
    shutil.copytree(empty_database, tmp_path / ".loa")
    result = loa(tmp_path, *command, "99999999999999999999")
    assert_clean(result)
    assert result.returncode == 1
    assert "Invalid value for 'ID'" in result.stderr
