"""Alert e-mail against a real local SMTP server (aiosmtpd): sent once, never lost when down."""

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.models import Alert, AlertKind
from campaigns.settings import Settings
from scheduler.alerts import raise_alert, resolve_alert
from scheduler.mailer import email_pending


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def mail_settings(tmp_path: Path, port: int) -> Settings:
    return Settings(
        home=tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_sender="loa@example.org",
        alert_recipients=["officer@example.org", "manager@example.org"],
    )


def test_each_open_alert_is_mailed_once(
    sqlite_engine: Engine, smtp_server: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp_server
    settings = mail_settings(tmp_path, port)
    with Session(sqlite_engine) as s:
        raise_alert(s, AlertKind.FAILED, "publication #4 failed", dedupe="failed:4")
        handled = raise_alert(s, AlertKind.MISSED, "already handled", dedupe="missed:5")
        assert handled is not None
        assert handled.id is not None
        resolve_alert(s, handled.id)
        s.commit()

    assert email_pending(sqlite_engine, settings) == 1
    assert email_pending(sqlite_engine, settings) == 0  # not twice

    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["officer@example.org", "manager@example.org"]
    assert message["From"] == "loa@example.org"
    assert "failed" in message["Subject"]
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert "publication #4 failed" in body.decode()
    with Session(sqlite_engine) as s:
        sent = s.exec(select(Alert).where(Alert.dedupe_key == "failed:4")).one()
        assert sent.emailed_at is not None


def test_server_down_keeps_alerts_for_later(
    sqlite_engine: Engine, smtp_server: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp_server
    with Session(sqlite_engine) as s:
        raise_alert(s, AlertKind.CHANNEL_PAUSED, "page paused", dedupe="paused:1")
        s.commit()
    assert email_pending(sqlite_engine, mail_settings(tmp_path, free_port())) == 0
    with Session(sqlite_engine) as s:
        assert s.exec(select(Alert)).one().emailed_at is None
    assert email_pending(sqlite_engine, mail_settings(tmp_path, port)) == 1
    assert len(inbox.messages) == 1


def test_no_smtp_host_sends_nothing(sqlite_engine: Engine, tmp_path: Path) -> None:
    with Session(sqlite_engine) as s:
        raise_alert(s, AlertKind.FAILED, "x", dedupe="x")
        s.commit()
    assert email_pending(sqlite_engine, Settings(home=tmp_path)) == 0
