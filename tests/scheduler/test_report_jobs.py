"""The scheduled reports against a real local SMTP server (aiosmtpd): one mail per report with
its files attached intact, none repeated after a restart, none sent blind after a crash."""

from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.db import make_engine
from campaigns.models import DeliveryState, ReportDelivery
from campaigns.settings import Settings
from scheduler.report_jobs import DueReport, _deliver, install, run_reports, smtp_send
from scheduler.ticker import installers
from tests.analytics_app.factories import local
from tests.analytics_app.reports.data import build
from tests.scheduler.test_mailer import Inbox, free_port

NO_CHROMIUM = "/nonexistent/chromium"


def settings_for(home: Path, port: int, **kw: Any) -> Settings:
    values: dict[str, Any] = {
        "home": home,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_sender": "loa@example.org",
        "report_recipients": ["national@example.org"],
        "chromium_path": NO_CHROMIUM,
    }
    values.update(kw)
    return Settings(**values)


def rows(engine: Engine) -> list[ReportDelivery]:
    with Session(engine) as s:
        return list(s.exec(select(ReportDelivery).order_by(ReportDelivery.id)))  # type: ignore[arg-type]


def subject(msg: Message) -> str:
    return str(make_header(decode_header(str(msg["Subject"]))))


def attachments(msg: Message) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for part in msg.walk():
        name = part.get_filename()
        if name:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            out[name] = payload
    return out


@pytest.fixture
def hand(sqlite_engine: Engine) -> Engine:
    build(sqlite_engine)
    return sqlite_engine


@pytest.fixture
def mail_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_monday_report_is_mailed_once_with_its_files_intact(
    hand: Engine, mail_server: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = mail_server
    settings = settings_for(tmp_path, port, chromium_path="/usr/bin/chromium")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no Chromium installed")
    monday = local(24, 11, 8, 30)
    run_reports(hand, settings, monday)
    assert len(inbox.messages) == 1
    to, msg = inbox.messages[0]
    assert to == ["national@example.org"]
    assert subject(msg) == "[Loa] Báo cáo tuần 2025-W47 — hand (toàn quốc / national)"
    folder = tmp_path / "reports" / "hand" / "2025-W47"
    stem = "hand-weekly-2025-W47-all-vi"
    files = attachments(msg)
    assert sorted(files) == [f"{stem}.pdf", f"{stem}.xlsx"]  # the page travels as the PDF
    for name, data in files.items():
        assert data == (folder / name).read_bytes()
    assert (folder / f"{stem}.html").exists()
    [row] = rows(hand)
    assert row.state == DeliveryState.SENT
    assert row.sent_at is not None
    assert row.recipients == ["national@example.org"]
    assert row.files == [f"reports/hand/2025-W47/{stem}.{x}" for x in ("xlsx", "html", "pdf")]

    # The next passes, and a restarted scheduler on the same database, send nothing again.
    written = (folder / f"{stem}.xlsx").stat().st_mtime_ns
    run_reports(hand, settings, monday + timedelta(minutes=5))
    restarted = make_engine(str(hand.url))
    run_reports(restarted, settings, local(27, 11, 10))
    restarted.dispose()
    assert len(inbox.messages) == 1
    assert (folder / f"{stem}.xlsx").stat().st_mtime_ns == written
    assert len(rows(hand)) == 1


def test_before_monday_eight_the_week_before_is_due(
    hand: Engine, mail_server: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = mail_server
    settings = settings_for(tmp_path, port)
    run_reports(hand, settings, local(24, 11, 7, 59))
    assert [r.period for r in rows(hand)] == ["2025-W46"]
    run_reports(hand, settings, local(24, 11, 8, 0))
    assert [r.period for r in rows(hand)] == ["2025-W46", "2025-W47"]
    assert len(inbox.messages) == 2


def test_final_report_after_the_end_and_each_units_own(
    hand: Engine, mail_server: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = mail_server
    settings = settings_for(tmp_path, port, report_unit_recipients={"u1": ["u1@example.org"]})
    run_reports(hand, settings, local(14, 12, 9))  # last day: the final report is not due
    assert {(r.kind, r.period) for r in rows(hand)} == {("weekly", "2025-W49")}
    run_reports(hand, settings, local(15, 12, 8, 5))
    got = {(r.kind, r.period, r.unit_key, tuple(r.recipients)) for r in rows(hand)}
    assert got == {
        ("weekly", "2025-W49", "", ("national@example.org",)),
        ("weekly", "2025-W49", "u1", ("u1@example.org",)),
        ("weekly", "2025-W50", "", ("national@example.org",)),
        ("weekly", "2025-W50", "u1", ("u1@example.org",)),
        ("final", "final", "", ("national@example.org",)),
        ("final", "final", "u1", ("u1@example.org",)),
    }
    assert len(inbox.messages) == 6
    finals = [m for _, m in inbox.messages if "tổng kết" in subject(m)]
    assert len(finals) == 2
    for msg in finals:
        # No Chromium here: the page goes instead of the PDF, and the rows say why.
        assert sorted(n.rsplit(".", 1)[1] for n in attachments(msg)) == ["html", "xlsx"]
    assert all("no Chromium" in r.error for r in rows(hand))


def test_a_scheduler_started_long_after_the_campaign_writes_nothing_unasked(
    hand: Engine, mail_server: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = mail_server
    settings = settings_for(tmp_path, port)
    # A year on, the old campaign's final report is not written or mailed by the scheduler.
    run_reports(hand, settings, local(15, 12, 8, 5) + timedelta(days=365))
    assert rows(hand) == []
    assert inbox.messages == []


def test_a_refused_mail_is_sent_once_the_server_answers(
    hand: Engine, mail_server: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = mail_server
    down = settings_for(tmp_path, free_port())
    run_reports(hand, down, local(24, 11, 9))
    [row] = rows(hand)
    assert row.state == DeliveryState.PENDING
    assert "mail not accepted" in row.error
    up = settings_for(tmp_path, port)
    run_reports(hand, up, local(24, 11, 9, 5))
    run_reports(hand, up, local(24, 11, 9, 10))
    assert len(inbox.messages) == 1
    assert rows(hand)[0].state == DeliveryState.SENT


def test_a_mail_interrupted_mid_call_is_not_sent_blind(
    hand: Engine, mail_server: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = mail_server
    settings = settings_for(tmp_path, port)

    def crash(_msg: EmailMessage, _settings: Settings) -> None:
        raise KeyboardInterrupt  # the process dies during the SMTP call

    with pytest.raises(KeyboardInterrupt):
        run_reports(hand, settings, local(24, 11, 9), send=crash)
    assert rows(hand)[0].state == DeliveryState.SENDING
    run_reports(hand, settings, local(24, 11, 9, 2))  # it may still be under way elsewhere
    assert rows(hand)[0].state == DeliveryState.SENDING
    run_reports(hand, settings, local(24, 11, 9, 30))
    [row] = rows(hand)
    assert row.state == DeliveryState.UNKNOWN
    assert "not sent again" in row.error
    assert inbox.messages == []


def test_without_smtp_the_files_are_written_once_and_recorded(hand: Engine, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, chromium_path=NO_CHROMIUM)
    run_reports(hand, settings, local(24, 11, 9))
    run_reports(hand, settings, local(24, 11, 10))
    [row] = rows(hand)
    assert row.state == DeliveryState.WRITTEN
    assert row.recipients == []
    assert all((tmp_path / f).exists() for f in row.files)


def test_loa_run_installs_the_report_job() -> None:
    assert install in installers()
    added: list[tuple[str, float]] = []

    class Ticker:
        def add_job(
            self, _func: Any, seconds: float, *, name: str = "", run_now: bool = False
        ) -> str:
            added.append((name, seconds))
            return name

    install(Ticker(), None)  # type: ignore[arg-type]
    assert added == [("reports", 300.0)]


def test_two_schedulers_send_a_report_once(
    hand: Engine, mail_server: tuple[Inbox, int], tmp_path: Path
) -> None:
    """A second scheduler read the report's row while it was still `pending` and goes to send
    it while the first is in its SMTP call: the conditional change to `sending` lets only the
    first one send."""
    inbox, port = mail_server
    settings = settings_for(tmp_path, port)
    calls: list[str] = []

    def second(msg: EmailMessage, s: Settings) -> None:
        calls.append("second")
        smtp_send(msg, s)

    def first(msg: EmailMessage, s: Settings) -> None:
        [stale] = rows(hand)
        stale.state = DeliveryState.PENDING  # as the second one read it a moment ago
        due = DueReport("hand", "weekly", "2025-W47", "", "vi", ("national@example.org",))
        _deliver(hand, settings, due, stale, second, local(24, 11, 9, 1))
        calls.append("first")
        smtp_send(msg, s)

    run_reports(hand, settings, local(24, 11, 9), send=first)
    assert calls == ["first"]
    assert len(inbox.messages) == 1
    assert rows(hand)[0].state == DeliveryState.SENT
