"""`loa login|logout|whoami|user`: commands act as the signed-in person, whatever name is typed."""

import json
import stat
from pathlib import Path

from click.testing import Result
from sqlmodel import Session
from typer.testing import CliRunner

from campaigns.db import make_engine
from campaigns.models import Publication, PublicationState
from scheduler.cli import app
from tests.conftest import EXAMPLE_CAMPAIGN

runner = CliRunner()
PASSWORD = "mật khẩu rất dài"


def said(result: Result) -> str:
    """What the person sees: the output, or the user error `loa` prints on stderr."""
    return result.output + (str(result.exception) if result.exception else "")


def _password_file(tmp_path: Path, name: str, password: str = PASSWORD) -> str:
    path = tmp_path / f"{name}.pw"
    path.write_text(password + "\n", encoding="utf-8")
    return str(path)


def _login(tmp_path: Path, name: str) -> None:
    result = runner.invoke(app, ["login", name, "--password-file", _password_file(tmp_path, name)])
    assert result.exit_code == 0, result.output


def _setup(tmp_path: Path) -> None:
    """An imported campaign, an admin (first, at setup), an officer and a manager."""
    assert runner.invoke(app, ["campaign", "import", str(EXAMPLE_CAMPAIGN)]).exit_code == 0
    pw = _password_file(tmp_path, "an")
    first = runner.invoke(app, ["user", "add", "an", "--role", "admin", "--password-file", pw])
    assert first.exit_code == 0, first.output
    _login(tmp_path, "an")
    for name, role, unit in (("lan", "officer", "ha-noi"), ("minh", "manager", None)):
        args = ["user", "add", name, "--role", role, "--password-file", pw]
        result = runner.invoke(app, args + (["--unit", unit] if unit else []))
        assert result.exit_code == 0, result.output


def test_the_first_user_is_an_admin_and_then_sign_in_is_required(
    loa_home: Path, tmp_path: Path
) -> None:
    pw = _password_file(tmp_path, "x")
    refused = runner.invoke(app, ["user", "add", "lan", "--role", "officer", "--password-file", pw])
    assert refused.exit_code == 1
    assert "the first user must be an admin" in said(refused)
    _setup(tmp_path)
    runner.invoke(app, ["logout"])
    nobody = runner.invoke(app, ["approve", "--all"])
    assert nobody.exit_code == 1
    assert "sign in first: `loa login NAME`" in said(nobody)
    # Nobody makes themselves admin any more.
    self_made = runner.invoke(app, ["user", "add", "eve", "--role", "admin", "--password-file", pw])
    assert self_made.exit_code == 1
    assert "sign in first" in said(self_made)


def test_an_officer_is_refused_whatever_name_they_type(loa_home: Path, tmp_path: Path) -> None:
    _setup(tmp_path)
    _login(tmp_path, "lan")
    as_other = runner.invoke(app, ["approve", "--all", "--as", "minh"])
    assert as_other.exit_code != 0  # there is no --as any more
    refused = runner.invoke(app, ["approve", "--all"])
    assert refused.exit_code == 1
    assert "lan is officer: only manager or admin may approve" in said(refused)
    promote = runner.invoke(app, ["user", "add", "lan", "--role", "admin", "--keep-password"])
    assert promote.exit_code == 1
    assert "only admin may manage users" in said(promote)
    _login(tmp_path, "minh")
    approved = runner.invoke(app, ["approve", "--all"])
    assert approved.stdout.strip() == "approved 14 publications"


def test_session_file_is_private_and_whoami_tells_the_role(loa_home: Path, tmp_path: Path) -> None:
    _setup(tmp_path)
    _login(tmp_path, "lan")
    token_file = loa_home / "session"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    who = runner.invoke(app, ["whoami"])
    assert who.stdout.splitlines()[0] == "lan: officer for ha-noi"
    assert "approve" not in who.stdout.splitlines()[1]
    wrong = runner.invoke(
        app, ["login", "lan", "--password-file", _password_file(tmp_path, "bad", "not it at all")]
    )
    assert wrong.exit_code == 1
    assert "wrong name or password" in said(wrong)
    runner.invoke(app, ["logout"])
    assert not token_file.exists()


def test_user_list_is_for_admins(loa_home: Path, tmp_path: Path) -> None:
    _setup(tmp_path)
    users = json.loads(runner.invoke(app, ["user", "list", "--json"]).stdout)
    assert [(u["username"], u["role"], u["unit"]) for u in users] == [
        ("an", "admin", None),
        ("lan", "officer", "ha-noi"),
        ("minh", "manager", None),
    ]
    _login(tmp_path, "lan")
    assert runner.invoke(app, ["user", "list"]).exit_code == 1


def test_review_of_another_units_publication_is_refused_before_the_platform_is_asked(
    loa_home: Path, tmp_path: Path
) -> None:
    _setup(tmp_path)
    pw = _password_file(tmp_path, "hoa")
    args = ["user", "add", "hoa", "--role", "manager", "--unit", "ha-noi", "--password-file", pw]
    assert runner.invoke(app, args).exit_code == 0
    engine = make_engine(f"sqlite:///{loa_home / 'loa.db'}")
    with Session(engine) as s:
        pub = s.get(Publication, 3)  # on ncfaw-fb, a channel of unit ncfaw
        assert pub is not None
        pub.state = PublicationState.NEEDS_REVIEW
        s.add(pub)
        s.commit()
    engine.dispose()
    _login(tmp_path, "hoa")
    refused = runner.invoke(app, ["review", "3"])
    assert refused.exit_code == 1
    assert "hoa works for unit 'ha-noi' and may not review for unit 'ncfaw'" in said(refused)
    assert "facebook says" not in refused.output  # no evidence gathered for another unit


def test_an_organisation_account_is_registered_without_a_password(
    loa_home: Path, tmp_path: Path
) -> None:
    _setup(tmp_path)
    added = runner.invoke(
        app, ["user", "add", "hoa@bo.gov.vn", "--role", "manager", "--organisation-account"]
    )
    assert added.exit_code == 0, said(added)
    users = {
        u["username"]: u for u in json.loads(runner.invoke(app, ["user", "list", "--json"]).stdout)
    }
    assert users["hoa@bo.gov.vn"]["sign_in"] == "organisation"
    assert users["an"]["sign_in"] == "password"
    pw = _password_file(tmp_path, "x")
    args = ["user", "add", "x@bo.gov.vn", "--role", "officer", "--organisation-account"]
    both = runner.invoke(app, [*args, "--password-file", pw])
    assert both.exit_code == 1
    assert "takes no --password-file" in said(both)
