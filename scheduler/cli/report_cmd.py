"""`loa report weekly|final|list`: the weekly and final reports (Excel, web page, PDF), and the
history of what the scheduler wrote and sent.

The report code (openpyxl, Plotly, Playwright) is imported inside the commands, so `loa --help`
stays fast. Importing this module registers the scheduled report job with `loa run`.
"""

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

import scheduler.report_jobs  # noqa: F401  (registers the scheduled reports for `loa run`)
from campaigns.errors import UserError
from scheduler.cli.common import console, err_console, fail, session, settings

report_app = typer.Typer(
    help="Weekly and final reports (Excel, web page, PDF) from the scorecard's numbers.",
    no_args_is_help=True,
)

CAMPAIGN = typer.Option(None, "--campaign", help="Campaign key (default: the only one).")
UNIT = typer.Option(None, "--unit", help="One unit's report (default: every unit).")
LANG = typer.Option("vi", "--lang", help="vi (default) or en.")
OUT = typer.Option(..., "--out", help="Folder to write the files into.")


def _say_written(files: list[Path], skipped: list[str], notices: list[str]) -> None:
    for path in files:
        console.print(f"wrote {path}", markup=False, highlight=False)
    for line in notices:
        console.print(f"note: {line}", markup=False, highlight=False)
    for why in skipped:
        err_console.print(f"warning: {why}", markup=False, highlight=False)


def weekly(
    campaign: str | None = CAMPAIGN,
    week: str | None = typer.Option(
        None, "--week", help="ISO week, e.g. 2025-W47 (default: the last complete week)."
    ),
    unit: str | None = UNIT,
    lang: str = LANG,
    out: Path = OUT,
) -> None:
    """The weekly report of one ISO week in the campaign's zone."""
    from analytics_app.reports import IsoWeek, build_weekly, write_report
    from campaigns.timeutil import utcnow
    from scheduler.cli.scorecard_cmd import pick_campaign
    from scheduler.report_jobs import metric_sources

    try:
        wanted = IsoWeek.parse(week) if week else None
        with session() as s:
            key = pick_campaign(s, campaign).key
            report = build_weekly(
                s, key, now=utcnow(), week=wanted, unit=unit, lang=lang, sources=metric_sources()
            )
        written = write_report(report, out, chromium=settings().chromium_path)
    except UserError as exc:
        raise fail(str(exc)) from None
    _say_written(written.files, written.skipped, report.notices)


def final(
    campaign: str | None = CAMPAIGN,
    unit: str | None = UNIT,
    lang: str = LANG,
    out: Path = OUT,
) -> None:
    """The end-of-campaign report for the Ministry (provisional, and says so, before the end)."""
    from analytics_app.reports import build_final, write_report
    from campaigns.timeutil import utcnow
    from scheduler.cli.scorecard_cmd import pick_campaign
    from scheduler.report_jobs import metric_sources

    try:
        with session() as s:
            key = pick_campaign(s, campaign).key
            report = build_final(
                s, key, now=utcnow(), unit=unit, lang=lang, sources=metric_sources()
            )
        written = write_report(report, out, chromium=settings().chromium_path)
    except UserError as exc:
        raise fail(str(exc)) from None
    _say_written(written.files, written.skipped, report.notices)


def list_cmd(
    campaign: str | None = typer.Option(None, "--campaign", help="Only this campaign."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for other systems."),
) -> None:
    """What the scheduler wrote and sent: report, scope, files, to whom, when, mail state."""
    from rich.table import Table

    from scheduler.report_jobs import history

    zone = ZoneInfo(settings().timezone)
    with session() as s:
        rows = history(s, campaign)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "campaign": r.campaign_key,
                        "kind": r.kind,
                        "period": r.period,
                        "unit": r.unit_key or None,
                        "lang": r.lang,
                        "files": r.files,
                        "recipients": r.recipients,
                        "state": r.state,
                        "written_at": r.written_at.isoformat(),
                        "sent_at": r.sent_at.isoformat() if r.sent_at else None,
                        "error": r.error,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not rows:
        console.print("no report written by the scheduler yet")
        return
    table = Table(title=f"Reports written by the scheduler (times {zone.key})")
    for name in ("Campaign", "Report", "Scope", "Written", "To", "Mail", "Sent"):
        table.add_column(name, overflow="fold")
    for r in rows:
        table.add_row(
            r.campaign_key,
            f"{r.kind} {r.period} {r.lang}",
            r.unit_key or "all units",
            f"{r.written_at.astimezone(zone):%d/%m/%Y %H:%M}",
            ", ".join(r.recipients) or "—",
            r.state + (f": {r.error}" if r.error else ""),
            f"{r.sent_at.astimezone(zone):%d/%m/%Y %H:%M}" if r.sent_at else "—",
        )
    console.print(table)
    console.print("Files under LOA_HOME: `loa report list --json`.")


def register(app: typer.Typer) -> None:
    report_app.command("weekly")(weekly)
    report_app.command("final")(final)
    report_app.command("list")(list_cmd)
    app.add_typer(report_app, name="report")
