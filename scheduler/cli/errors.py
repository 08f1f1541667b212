"""Every failure of a `loa` command as one line an officer can act on, never a traceback.

`explain` turns what a command raised into that line: bad input (`UserError`), a database
that is missing, empty or older than the code, a platform error (with advice from
scheduler.advice), unreadable settings or files. Anything else is a bug: its traceback goes to
`LOA_HOME/errors.log` for whoever fixes it, and the officer reads one line saying so.

Nothing heavy is imported here: the classes are recognised by name and module, so a command
that never touched the database does not pay for importing SQLAlchemy to fail cleanly.
"""

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path

from scheduler.advice import advice_for

UPGRADE = "run `loa db upgrade` (then `loa campaign import FILE`)"


def _where() -> str:
    """Where the database is, in the words of the settings (it is relative to the folder)."""
    url = os.environ.get("LOA_DATABASE_URL", "")
    if url:
        return "the database in LOA_DATABASE_URL"
    home = os.environ.get("LOA_HOME", ".loa")
    return f"the database in {home}/ (LOA_HOME; relative to this folder)"


def _database(exc: BaseException) -> str | None:
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return f"{_where()} has no tables yet: {UPGRADE}"
    if "no such column" in text or ("column" in text and "does not exist" in text):
        return f"{_where()} is older than this version of Loa: run `loa db upgrade`"
    if "unable to open database file" in text:
        return f"cannot open {_where()}: check that the folder exists and is writable"
    if "connection refused" in text or "could not connect" in text or "connection failed" in text:
        return "cannot reach the database server in LOA_DATABASE_URL: start it or fix the URL"
    if "database is locked" in text:
        return "the database is busy (another `loa` is writing): try again in a moment"
    if "password authentication failed" in text or ("role" in text and "does not exist" in text):
        return "the database refused the user in LOA_DATABASE_URL: check its name and password"
    return None


def _platform(exc: BaseException) -> str:
    platform = str(getattr(exc, "platform", "") or "the platform")
    message = str(getattr(exc, "message", "") or exc)
    advice = advice_for(platform, str(getattr(exc, "code", "")), type(exc).__name__)
    name = {"facebook": "Facebook", "youtube": "YouTube"}.get(platform, platform)
    return f"{name} answered: {message}" + (f" — {advice}" if advice else "")


def _settings(exc: BaseException) -> str:
    errors = getattr(exc, "errors", None)
    first = errors()[0] if callable(errors) and errors() else {}
    field = ".".join(str(p) for p in first.get("loc", ())) if isinstance(first, dict) else ""
    message = first.get("msg", str(exc)) if isinstance(first, dict) else str(exc)
    setting = f"LOA_{field.upper()}" if field else "a setting"
    return f"settings: {setting}: {message} (fix it in the environment or loa.toml)"


def _mro_names(exc: BaseException) -> set[str]:
    return {f"{c.__module__}.{c.__qualname__}" for c in type(exc).__mro__}


def explain(exc: BaseException) -> str | None:
    """The one line to print for `exc`, or None when it is a bug (see `log_bug`)."""
    names = _mro_names(exc)
    if "campaigns.errors.UserError" in names:
        return str(exc)
    if "connectors.base.PlatformError" in names:
        return _platform(exc)
    if type(exc).__module__.startswith("sqlalchemy") or "psycopg" in type(exc).__module__:
        return _database(exc)
    if "pydantic_core._pydantic_core.ValidationError" in names:
        return _settings(exc)
    if isinstance(exc, OSError):
        name = exc.filename or ""
        reason = exc.strerror or str(exc)
        return f"{name}: {reason}" if name else f"system error: {reason}"
    return None


def log_bug(exc: BaseException) -> str:
    """Append the traceback to LOA_HOME/errors.log and return the one line to print."""
    from connectors.redact import redact  # tokens never reach a file, even in a traceback

    home = Path(os.environ.get("LOA_HOME", ".loa"))
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        home.mkdir(parents=True, exist_ok=True)
        with (home / "errors.log").open("a", encoding="utf-8") as log:
            log.write(f"--- {stamp}\n")
            log.write(redact("".join(traceback.format_exception(exc))))
        where = f"the details are in {home / 'errors.log'}"
    except OSError:
        where = "set LOA_DEBUG=1 to see the details"
    return (
        f"Loa hit an unexpected problem ({type(exc).__name__}: {redact(str(exc))[:120]}); "
        f"{where}: send it to the operator"
    )
