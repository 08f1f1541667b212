"""Who runs a `loa` command: the signed-in person, never a name typed on the command line.

`loa login` opens a session and keeps its token in `LOA_HOME/session` (mode 0600); scripts may
pass it as `LOA_SESSION_TOKEN` instead. While no user is registered, commands run as the local
setup operator (campaigns.accounts). The role checks themselves live in campaigns.access, the
same for the app and the command line.
"""

import os
from pathlib import Path

from campaigns.access import Identity
from campaigns.accounts import SignInFailed, identity_for_token, setup_identity, users_exist
from scheduler.cli.common import session, settings

TOKEN_ENV = "LOA_SESSION_TOKEN"


def token_path() -> Path:
    return settings().home / "session"


def stored_token() -> str | None:
    """The session token from the environment or the session file, if any."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        return token
    path = token_path()
    if path.is_file():
        return path.read_text(encoding="utf-8").strip() or None
    return None


def save_token(token: str) -> Path:
    """Write the session file readable by its owner only (created so, never chmod-ed after)."""
    path = token_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token)
    os.replace(tmp, path)
    return path


def forget_token() -> None:
    token_path().unlink(missing_ok=True)


def current_identity() -> Identity:
    """The person this command acts for; `SignInFailed` when someone must sign in first."""
    with session() as s:
        if not users_exist(s):
            return setup_identity()
        token = stored_token()
        if token is None:
            raise SignInFailed(
                "sign in first: `loa login NAME` (users are registered, so every change is "
                "made by a signed-in person)"
            )
        return identity_for_token(s, token)
