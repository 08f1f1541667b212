"""Alert e-mail over SMTP (stdlib smtplib): each alert is sent once, then `emailed_at` is set.

Sending happens outside any database transaction: an alert is marked only after the server
accepted it, so a mail server that is down delays notices but never loses them.
"""

import logging
import smtplib
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from campaigns.db import session_scope
from campaigns.models import Alert
from campaigns.settings import Settings
from campaigns.timeutil import utcnow

log = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 15.0


def mail_enabled(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.alert_recipients)


def compose(alert: Alert, settings: Settings) -> EmailMessage:
    zone = ZoneInfo(settings.timezone)
    msg = EmailMessage()
    msg["Subject"] = f"[Loa] {alert.severity}: {alert.kind} (alert #{alert.id})"
    msg["From"] = settings.smtp_sender
    msg["To"] = ", ".join(settings.alert_recipients)
    raised = alert.created_at.astimezone(zone)
    msg.set_content(
        f"{alert.message}\n\n"
        f"Kind: {alert.kind}\nSeverity: {alert.severity}\n"
        f"Raised: {raised:%d/%m/%Y %H:%M} {zone.key}\n\n"
        f"See `loa alerts`; mark it handled with `loa alerts resolve {alert.id}`.\n"
    )
    return msg


def email_pending(engine: Engine, settings: Settings) -> int:
    """E-mail every open alert not yet e-mailed; returns the number sent (0 when disabled)."""
    if not mail_enabled(settings):
        return 0
    with Session(engine, expire_on_commit=False) as session:
        pending = list(
            session.exec(
                select(Alert)
                .where(col(Alert.resolved_at).is_(None), col(Alert.emailed_at).is_(None))
                .order_by(col(Alert.id))
            )
        )
    sent_ids: list[int] = []
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
            for alert in pending:
                smtp.send_message(compose(alert, settings))
                assert alert.id is not None
                sent_ids.append(alert.id)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("alert e-mail to %s:%s failed: %s", settings.smtp_host, settings.smtp_port, exc)
    if sent_ids:
        now = utcnow()
        with session_scope(engine) as session:
            for alert_id in sent_ids:
                row = session.get(Alert, alert_id)
                if row is not None:
                    row.emailed_at = now
                    session.add(row)
    return len(sent_ids)
