"""Resumable upload sessions, kept on their attempt so a later look can ask them.

A YouTube upload runs in a resumable session that outlives the call (about a week). When the
answer to an upload is lost, the session itself says what became of it: the video it made, or
how many bytes it holds (a session short of its last byte has made nothing). That answer does
not lag like a listing, so it settles an unknown outcome on the first look: found, or proven
absent when every open attempt's session says so.

The session's address is a credential for the upload (anyone holding it may send the bytes),
so it is kept sealed with the token vault, never shown, and dropped when the attempt succeeds
(`outbox.record_published` replaces the evidence).
"""

import base64
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine

from campaigns.db import session_scope
from campaigns.models import Attempt
from connectors.base import (
    Credentials,
    FoundPost,
    Publisher,
    Secret,
    UploadSessionCallback,
)
from connectors.vault import VaultError
from scheduler.credentials import vault_for
from scheduler.reconcile import Reconciliation

log = logging.getLogger(__name__)

KEY = "upload_session"


@dataclass(frozen=True)
class KeptSession:
    attempt_id: int
    address: Secret
    total: int


@dataclass(frozen=True)
class SessionAnswer:
    """What the kept sessions said: the object one of them made, or whether every open
    attempt had a session and none made anything (`all_unmade`: proof of absence)."""

    made: FoundPost | None
    all_unmade: bool
    evidence: list[dict[str, Any]]


def keeper(engine: Engine, attempt_id: int) -> UploadSessionCallback:
    """The callback a publish call reports its session to: sealed onto the attempt at once."""

    def keep(address: str, total: int) -> None:
        try:
            sealed = base64.b64encode(vault_for().encrypt(address)).decode("ascii")
            with session_scope(engine) as session:
                attempt = session.get(Attempt, attempt_id)
                if attempt is not None:
                    attempt.evidence = {**attempt.evidence, KEY: {"sealed": sealed, "total": total}}
                    session.add(attempt)
        except Exception as exc:  # keeping it is a help, never a reason to fail the upload
            log.warning("attempt %s: upload session not kept: %s", attempt_id, type(exc).__name__)

    return keep


def kept(attempts: Sequence[Attempt]) -> tuple[tuple[KeptSession, ...], bool]:
    """The readable sessions of open attempts, and whether every attempt has one."""
    sessions: list[KeptSession] = []
    for attempt in attempts:
        info = attempt.evidence.get(KEY)
        if not isinstance(info, dict) or attempt.id is None:
            continue
        try:
            address = vault_for().decrypt(base64.b64decode(str(info["sealed"])))
        except (VaultError, ValueError, KeyError):
            continue  # sealed under a retired key, or damaged: only a search can tell
        sessions.append(KeptSession(attempt.id, address, int(info.get("total", 0))))
    return tuple(sessions), bool(attempts) and len(sessions) == len(attempts)


def ask(
    publisher: Publisher, creds: Credentials, sessions: Sequence[KeptSession], covers_all: bool
) -> SessionAnswer:
    """Ask each kept session (raises PlatformError when the platform cannot answer)."""
    evidence: list[dict[str, Any]] = []
    unmade = 0
    for kept_session in sessions:
        state = publisher.upload_status(creds, kept_session.address.reveal(), kept_session.total)
        if state is None:
            evidence.append({"attempt": kept_session.attempt_id, "session": "gone"})
            continue
        evidence.append(
            {
                "attempt": kept_session.attempt_id,
                "received": state.received,
                "total": state.total,
                "made": state.made.external_id if state.made else None,
            }
        )
        if state.made is not None:
            return SessionAnswer(state.made, False, evidence)
        unmade += 1
    return SessionAnswer(None, covers_all and unmade == len(sessions), evidence)


def with_sessions(answer: SessionAnswer, searched: Reconciliation) -> Reconciliation:
    """A search's verdict, with what the sessions said: a search that found nothing (or could
    not tell) is proof of absence when every open attempt's session made nothing."""
    evidence = {**searched.evidence, "upload_sessions": answer.evidence}
    if answer.all_unmade and searched.verdict != "found":
        return Reconciliation("absent", None, evidence, proven=True)
    return replace(searched, evidence=evidence)


def made(answer: SessionAnswer) -> Reconciliation | None:
    """Found by its session: the object the upload made."""
    if answer.made is None:
        return None
    return Reconciliation(
        "found",
        answer.made,
        {"upload_sessions": answer.evidence, "found": [{"external_id": answer.made.external_id}]},
    )


def look(
    publisher: Publisher,
    creds: Credentials,
    sessions: Sequence[KeptSession],
    covers_all: bool,
    search: Callable[[], Reconciliation],
) -> Reconciliation:
    """Ask the kept sessions first: the video one made is found at once; else `search` the
    account, with what the sessions said (absence they prove needs no second look)."""
    if not sessions:
        return search()
    answer = ask(publisher, creds, sessions, covers_all)
    return made(answer) or with_sessions(answer, search())
