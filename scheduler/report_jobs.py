"""Scheduled reports: the weekly report every Monday 08:00 (campaign zone) for the week before,
and the final report the morning after the campaign's last day; written under
`LOA_HOME/reports/<campaign>/<period>/` and e-mailed with their files when SMTP is configured.

Each report is one `ReportDelivery` row (campaign, kind, period, unit, language), inserted before
anything is written: a restarted or second scheduler finds it and neither writes nor sends the
report again. Its mail follows the outbox's rule: `sending` is committed before the SMTP call,
`sent` after the server accepted it; a refusal goes back to `pending` (the server took nothing),
while a row left `sending` by a process that stopped mid-call becomes `unknown` and is not sent
blind again (`loa report list` shows it).

Only the newest due weekly report is written: after a long stop the scheduler does not send a
burst of old weeks (`loa report weekly --week` writes any of them by hand); the final report is
written within `FINAL_WINDOW` after the campaign's end, not by a scheduler started a year later.
"""

import logging
import mimetypes
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from campaigns.models import Campaign, DeliveryState, ReportDelivery, Unit
from campaigns.settings import Settings
from scheduler.mailer import SMTP_TIMEOUT_S
from scheduler.ticker import JobContext, Ticker, register_installer

log = logging.getLogger(__name__)

REPORT_EVERY_S = 300.0
# The final report is written by the scheduler in the weeks after the campaign (the Ministry
# compiles by 20 December); a scheduler started long after, on an old campaign, writes and sends
# nothing unasked (`loa report final` writes it by hand).
FINAL_WINDOW = timedelta(days=21)
SEND_HOUR = time(8, 0)  # campaign zone
STALE_SENDING = timedelta(minutes=10)  # far beyond the SMTP timeout: that process is gone
DEFAULT_LANG = "vi"


@dataclass(frozen=True)
class DueReport:
    campaign_key: str
    kind: str  # weekly | final
    period: str  # 2025-W47 | final
    unit_key: str  # "" = every unit
    lang: str
    recipients: tuple[str, ...]


def _at(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, SEND_HOUR, tzinfo=zone)


def due_reports(session: Session, settings: Settings, now: datetime) -> list[DueReport]:
    """The reports due at `now`: per campaign the newest weekly report whose Monday 08:00 has
    passed (for a week overlapping the campaign), and the final one from the morning after its
    last day; each for every unit, and for each unit that has recipients of its own."""
    from analytics_app.reports.period import IsoWeek

    wide = tuple(settings.report_recipients or settings.alert_recipients)
    out: list[DueReport] = []
    for campaign in session.exec(select(Campaign).order_by(col(Campaign.key))):
        zone = ZoneInfo(campaign.timezone)
        local = now.astimezone(zone)
        this_week = IsoWeek.of(local.date())
        week = this_week.previous()
        if local < _at(this_week.monday, zone):
            week = week.previous()
        units = set(session.exec(select(Unit.key).where(Unit.campaign_id == campaign.id)).all())
        scopes: list[tuple[str, tuple[str, ...]]] = [("", wide)]
        scopes += [
            (unit, tuple(to))
            for unit, to in sorted(settings.report_unit_recipients.items())
            if unit in units and to
        ]
        periods: list[tuple[str, str]] = []
        if week.sunday >= campaign.starts and week.monday <= campaign.ends:
            periods.append(("weekly", str(week)))
        final_from = _at(campaign.ends + timedelta(days=1), zone)
        if final_from <= local < final_from + FINAL_WINDOW:
            periods.append(("final", "final"))
        for kind, period in periods:
            for unit, to in scopes:
                out.append(DueReport(campaign.key, kind, period, unit, DEFAULT_LANG, to))
    return out


def metric_sources() -> dict[str, list[str]]:
    """Per vocabulary measure, the platform metrics that feed it (with retirement dates)."""
    from connectors.metric_map import METRICS

    out: dict[str, list[str]] = {}
    for spec in METRICS:
        text = f"{spec.platform} {spec.level}: {spec.name}"
        if spec.retired is not None:
            text += f" (retired {spec.retired:%d/%m/%Y}"
            text += f", replaced by {spec.replaced_by})" if spec.replaced_by else ")"
        out.setdefault(spec.measure, []).append(text)
    return out


def report_dir(home: Path, due: DueReport) -> Path:
    return home / "reports" / due.campaign_key / due.period


def write_due(
    engine: Engine, settings: Settings, due: DueReport, now: datetime
) -> tuple[list[Path], list[str]]:
    """Builds and writes one due report; returns its files and what was skipped (no PDF)."""
    from analytics_app.reports import IsoWeek, build_final, build_weekly, write_report

    unit = due.unit_key or None
    with Session(engine) as session:
        if due.kind == "weekly":
            report = build_weekly(
                session,
                due.campaign_key,
                now=now,
                week=IsoWeek.parse(due.period),
                unit=unit,
                lang=due.lang,
                sources=metric_sources(),
            )
        else:
            report = build_final(
                session,
                due.campaign_key,
                now=now,
                unit=unit,
                lang=due.lang,
                sources=metric_sources(),
            )
    written = write_report(report, report_dir(settings.home, due), chromium=settings.chromium_path)
    return written.files, written.skipped


def compose(due: DueReport, files: Sequence[Path], settings: Settings) -> EmailMessage:
    """One mail per report: a few lines, and the workbook and the PDF attached (the web page
    only when there is no PDF)."""
    scope = due.unit_key or "toàn quốc / national"
    name = "Báo cáo tuần" if due.kind == "weekly" else "Báo cáo tổng kết"
    name_en = "weekly report" if due.kind == "weekly" else "final report"
    msg = EmailMessage()
    msg["Subject"] = f"[Loa] {name} {due.period} — {due.campaign_key} ({scope})"
    msg["From"] = settings.smtp_sender
    msg["To"] = ", ".join(due.recipients)
    msg.set_content(
        f"{name} {due.period}, chiến dịch {due.campaign_key}, phạm vi {scope}.\n"
        f"The {name_en} {due.period} of campaign {due.campaign_key} ({scope}) is attached.\n\n"
        + "\n".join(f"- {p.name}" for p in files)
        + "\n"
    )
    has_pdf = any(p.suffix == ".pdf" for p in files)
    for path in files:
        if path.suffix == ".html" and has_pdf:
            continue
        kind, _ = mimetypes.guess_type(path.name)
        main, sub = (kind or "application/octet-stream").split("/", 1)
        msg.add_attachment(path.read_bytes(), maintype=main, subtype=sub, filename=path.name)
    return msg


Sender = Callable[[EmailMessage, Settings], None]


def smtp_send(msg: EmailMessage, settings: Settings) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
        smtp.send_message(msg)


def _claim(engine: Engine, due: DueReport, mail: bool) -> ReportDelivery | None:
    """The report's row, inserted now when there is none; None when another process inserted
    it at the same moment (that one writes it)."""
    with Session(engine, expire_on_commit=False) as session:
        found = session.exec(
            select(ReportDelivery).where(
                ReportDelivery.campaign_key == due.campaign_key,
                ReportDelivery.kind == due.kind,
                ReportDelivery.period == due.period,
                ReportDelivery.unit_key == due.unit_key,
                ReportDelivery.lang == due.lang,
            )
        ).first()
        if found is not None:
            return found
        row = ReportDelivery(
            campaign_key=due.campaign_key,
            kind=due.kind,
            period=due.period,
            unit_key=due.unit_key,
            lang=due.lang,
            recipients=list(due.recipients) if mail else [],
            state=DeliveryState.PENDING if mail else DeliveryState.WRITTEN,
        )
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            return None
        return row


def _update(engine: Engine, row_id: int, **values: object) -> None:
    with Session(engine) as session:
        row = session.get(ReportDelivery, row_id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
        session.commit()


def _start_sending(engine: Engine, row_id: int, now: datetime) -> bool:
    """`pending` -> `sending`, committed before the SMTP call; False when another process made
    the change first (one conditional UPDATE: only one of them sends)."""
    table = ReportDelivery.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        changed = conn.execute(
            update(table)
            .where(table.c.id == row_id, table.c.state == DeliveryState.PENDING)
            .values(state=DeliveryState.SENDING, sending_at=now)
        ).rowcount
    return bool(changed == 1)


def settle_interrupted(engine: Engine, now: datetime) -> int:
    """Rows left `sending` by a process that stopped mid-call become `unknown`."""
    with Session(engine) as session:
        stale = list(
            session.exec(
                select(ReportDelivery).where(
                    ReportDelivery.state == DeliveryState.SENDING,
                    col(ReportDelivery.sending_at) < now - STALE_SENDING,
                )
            )
        )
        for row in stale:
            row.state = DeliveryState.UNKNOWN
            row.error = (
                "the scheduler stopped while this mail was being sent: it may or may not have "
                "arrived, so it is not sent again (ask the recipients)"
            )
            session.add(row)
        session.commit()
    return len(stale)


def run_reports(
    engine: Engine,
    settings: Settings,
    now: datetime,
    *,
    send: Sender = smtp_send,
) -> list[ReportDelivery]:
    """One pass: write every due report not yet written, mail every written one not yet sent.
    Returns the rows this pass touched."""
    settle_interrupted(engine, now)
    with Session(engine) as session:
        due = due_reports(session, settings, now)
    touched: list[ReportDelivery] = []
    for item in due:
        mail = bool(settings.smtp_host and item.recipients)
        row = _claim(engine, item, mail)
        if row is None or row.id is None:
            continue
        if not row.files:
            try:
                files, skipped = write_due(engine, settings, item, now)
            except Exception as exc:  # one bad report must not stop the others
                log.exception("report %s %s failed", item.campaign_key, item.period)
                _update(engine, row.id, error=f"writing failed: {exc}")
                continue
            names = [str(p.relative_to(settings.home)) for p in files]
            _update(engine, row.id, files=names, error="; ".join(skipped), written_at=now)
            row.files = names
            touched.append(row)
        if row.state == DeliveryState.PENDING and mail:
            _deliver(engine, settings, item, row, send, now)
            touched.append(row)
    return touched


def _deliver(
    engine: Engine,
    settings: Settings,
    item: DueReport,
    row: ReportDelivery,
    send: Sender,
    now: datetime,
) -> None:
    assert row.id is not None
    paths = [settings.home / name for name in row.files]
    msg = compose(item, paths, settings)
    if not _start_sending(engine, row.id, now):
        return  # another scheduler took this mail at the same moment
    try:
        send(msg, settings)
    except (OSError, smtplib.SMTPException) as exc:
        # The server did not take the mail: the next pass tries again.
        log.warning("report mail to %s:%s failed: %s", settings.smtp_host, settings.smtp_port, exc)
        _update(engine, row.id, state=DeliveryState.PENDING, error=f"mail not accepted: {exc}")
        row.state = DeliveryState.PENDING
        return
    _update(engine, row.id, state=DeliveryState.SENT, sent_at=now)
    row.state = DeliveryState.SENT


def history(session: Session, campaign_key: str | None = None) -> list[ReportDelivery]:
    query = select(ReportDelivery).order_by(col(ReportDelivery.written_at), col(ReportDelivery.id))
    if campaign_key is not None:
        query = query.where(ReportDelivery.campaign_key == campaign_key)
    return list(session.exec(query))


def _job(context: JobContext) -> Callable[[], None]:
    def reports() -> None:
        try:
            run_reports(context.engine, context.settings, context.clock.now())
        except Exception:  # the next pass tries again
            log.exception("report pass failed")

    return reports


@register_installer
def install(ticker: Ticker, context: JobContext) -> None:
    ticker.add_job(_job(context), REPORT_EVERY_S, name="reports", run_now=True)
