"""`loa status`, `loa alerts [--all] [--json]` and `loa alerts resolve ID`."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

import scheduler.ops_jobs  # noqa: F401  (registers the periphery's jobs for `loa run`)
from campaigns.timeutil import utcnow
from scheduler.alerts import alert_as_dict, list_alerts, resolve_alert
from scheduler.cli.common import console, session, settings
from scheduler.status import StatusReport, gather_status

alerts_app = typer.Typer(help="Problems Loa found: failed, missed, paused channels, pre-flight.")


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%d/%m/%Y %H:%M") if value else "-"


@alerts_app.callback(invoke_without_command=True)
def alerts_cmd(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Include resolved alerts."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List open alerts, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    zone = settings().zone
    with session() as s:
        alerts = list_alerts(s, include_resolved=all_)
    if as_json:
        print(json.dumps([alert_as_dict(a, zone) for a in alerts], ensure_ascii=False, indent=2))
        return
    if not alerts:
        console.print("No open alerts." if not all_ else "No alerts.")
        return
    table = Table(title=f"Alerts ({len(alerts)})")
    for column in ("id", "raised", "kind", "severity", "message", "resolved"):
        table.add_column(column, overflow="fold")
    for a in alerts:
        table.add_row(
            str(a.id),
            _when(a.created_at, zone),
            a.kind,
            a.severity,
            a.message,
            _when(a.resolved_at, zone),
        )
    console.print(table)


@alerts_app.command("resolve")
def resolve_cmd(
    alert_ids: list[int] = typer.Argument(..., metavar="ID...", help="Alert ids."),
    actor: str = typer.Option("cli", "--as", help="Who handled it (kept in the audit log)."),
) -> None:
    """Mark alerts as handled."""
    with session() as s:
        for alert_id in alert_ids:
            resolve_alert(s, alert_id, actor=actor)
    console.print(f"Resolved {len(alert_ids)} alert(s).")


def render_status(report: StatusReport) -> None:
    zone = ZoneInfo(report.timezone)
    queue = Table(title=f"Queue at {_when(report.as_of, zone)} ({report.timezone})")
    queue.add_column("state")
    queue.add_column("publications", justify="right")
    for state, count in report.queue.items():
        if count:
            queue.add_row(state, str(count))
    console.print(queue)

    due = Table(title="Next due")
    for column in ("id", "planned", "state", "channel", "platform", "content", "campaign"):
        due.add_column(column)
    for item in report.next_due:
        due.add_row(
            str(item.id),
            _when(item.scheduled_at, zone),
            item.state,
            item.channel,
            item.platform,
            item.content,
            item.campaign,
        )
    console.print(due if report.next_due else "Nothing waiting to go out.")

    workers = Table(title="Workers")
    for column in ("worker", "host", "pid", "heartbeat", "stopped", "leases"):
        workers.add_column(column)
    for w in report.workers:
        workers.add_row(
            w.id,
            w.host,
            str(w.pid),
            _when(w.heartbeat_at, zone),
            _when(w.stopped_at, zone),
            str(w.leases),
        )
    console.print(workers if report.workers else "No worker has run yet.")
    expired = [lease for lease in report.leases if lease.expired]
    console.print(f"Leases held: {len(report.leases)} ({len(expired)} expired, to be reaped)")

    channels = Table(title="Channels")
    for column in ("campaign", "channel", "platform", "state", "token", "token expires"):
        channels.add_column(column, overflow="fold")
    for c in report.channels:
        state = "paused: " + c.paused_reason if c.paused else "active"
        if c.blocked_until and c.blocked_until > report.as_of:
            state += f" (held until {_when(c.blocked_until, zone)})"
        channels.add_row(
            c.campaign, c.key, c.platform, state, c.token, _when(c.token_expires_at, zone)
        )
    console.print(channels)
    for warning in report.quota_warnings:
        console.print(f"[yellow]Quota:[/] {warning}", highlight=False)
    for warning in report.platform_warnings:
        console.print(f"[yellow]Graph API:[/] {warning}", highlight=False)
    console.print(
        f"Open alerts: {report.open_alerts}" + (" (see `loa alerts`)" if report.open_alerts else "")
    )


def status_cmd(
    campaign: str | None = typer.Option(None, "--campaign", help="Only this campaign (key)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """The queue by state, the next due items, workers and leases, channel health, alerts."""
    with session() as s:
        report = gather_status(s, settings(), utcnow(), campaign_key=campaign)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        render_status(report)


def register(app: typer.Typer) -> None:
    app.command("status")(status_cmd)
    app.add_typer(alerts_app, name="alerts")
