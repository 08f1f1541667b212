"""Keeps tokens out of logs and error messages.

Two nets: every secret the vault decrypts is registered here and replaced verbatim wherever it
appears, and the shapes of platform tokens (Graph `EAA...`, Google `ya29.` access and `1//`
refresh tokens, `access_token=` query parameters, `Authorization:` headers, JSON `refresh_token`
fields) are replaced even when nobody registered them.
"""

import json
import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

MASK = "***"
_MIN_SECRET_LEN = 8  # shorter strings are too likely to be ordinary words

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"EAA[A-Za-z0-9]+"), MASK),
    (re.compile(r"ya29\.[\w.-]+"), MASK),
    (re.compile(r"1//[\w-]+"), MASK),
    (
        re.compile(r"((?:access_token|input_token|fb_exchange_token|client_secret)=)[^&\s\"']+"),
        r"\1" + MASK,
    ),
    (
        re.compile(r"(Authorization['\"]?\s*[:=]\s*['\"]?)(?:Bearer |OAuth )?[^\s'\",}]+", re.I),
        r"\1" + MASK,
    ),
    (
        re.compile(
            r"([\"'](?:refresh_token|access_token|token|client_secret)[\"']\s*:\s*[\"'])[^\"']*"
        ),
        r"\1" + MASK,
    ),
)

_lock = threading.Lock()
_secrets: set[str] = set()
_secret_re: re.Pattern[str] | None = None
_stale = False  # secrets were added since the pattern was compiled

NOISY_LOGGERS = (
    "urllib3",
    "requests",
    "requests_oauthlib",  # logs token request and response bodies at DEBUG
    "oauthlib",
    "googleapiclient",
    "google.auth",
    "google_auth_oauthlib",
    "httplib2",
    "facebook",
)


def register_secret(value: str) -> None:
    """Remember a secret so that it is masked wherever it later appears."""
    candidates = {value.strip()}
    for line in value.splitlines():
        candidates.add(line.strip())
    candidates.update(_document_secrets(value))
    new = {c for c in candidates if len(c) >= _MIN_SECRET_LEN and c not in _secrets}
    if not new:
        return
    global _stale
    with _lock:
        _secrets.update(new)
        _stale = True  # compiled when next needed: a worker decrypting 160 tokens pays once


def _secret_pattern() -> re.Pattern[str] | None:
    """The pattern of every registered secret, recompiled only after registrations."""
    global _secret_re, _stale
    if _stale:
        with _lock:
            if _stale:
                ordered = sorted(_secrets, key=len, reverse=True)  # longest first: no leftovers
                _secret_re = re.compile("|".join(re.escape(s) for s in ordered))
                _stale = False
    return _secret_re


_DOCUMENT_SECRET_KEYS = ("token", "access_token", "refresh_token", "client_secret")


def _document_secrets(value: str) -> set[str]:
    """The tokens inside a JSON credential document (Google authorized-user JSON), which
    later travel alone: in refresh form bodies, error texts, headers."""
    if not value.lstrip().startswith("{"):
        return set()
    try:
        doc = json.loads(value)
    except ValueError:
        return set()
    if not isinstance(doc, dict):
        return set()
    return {str(doc[k]).strip() for k in _DOCUMENT_SECRET_KEYS if doc.get(k)}


def register_secrets(values: Iterable[str]) -> None:
    for value in values:
        register_secret(value)


def redact(text: str) -> str:
    """The text with every registered secret and every token pattern masked."""
    pattern = _secret_pattern()
    if pattern is not None:
        text = pattern.sub(MASK, text)
    for regex, replacement in _PATTERNS:
        text = regex.sub(replacement, text)
    return text


def redact_value(value: Any) -> Any:
    """Redacts strings, bytes and the items of tuples, lists and dicts; leaves others alone."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):
        return redact(value.decode("utf-8", "replace"))
    if isinstance(value, tuple):
        return tuple(redact_value(v) for v in value)
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    return value


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback text) with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so handlers never format the raw exception.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactingFilter()
_factory_installed = False


def _install_record_factory() -> None:
    # A logger's filters see only records made on that very logger (not its children, such as
    # urllib3.connectionpool), and handlers added later (pytest's caplog) carry no filter; so
    # every record is also redacted where it is made.
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _FILTER.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def install_redaction() -> RedactingFilter:
    """Adds the filter to the root logger, its handlers, and the noisy libraries' loggers.

    Idempotent; also redacts each record as it is made, which covers child loggers and
    handlers added afterwards.
    """
    _install_record_factory()
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in NOISY_LOGGERS)]
    for logger in loggers:
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
    return _FILTER
