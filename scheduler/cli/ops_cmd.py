"""`loa status`, `loa alerts [--all] [--json]` and `loa alerts resolve ID`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from scheduler.cli.common import console, human_time, plural, session, settings

if TYPE_CHECKING:
    from sqlmodel import Session

    from campaigns.models import Alert
    from scheduler.alert_lines import AlertFacts
    from scheduler.status import StatusReport

alerts_app = typer.Typer(help="Problems Loa found: failed, missed, paused channels, pre-flight.")


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return human_time(value, zone)


def _facts(s: Session, alerts: list[Alert]) -> list[AlertFacts]:
    """Each alert with its channel and the publication's last error code, for the advice."""
    from sqlmodel import col, select

    from campaigns.models import Channel, Publication
    from scheduler.alert_lines import AlertFacts

    pub_ids = [a.publication_id for a in alerts if a.publication_id]
    pubs = {p.id: p for p in s.exec(select(Publication).where(col(Publication.id).in_(pub_ids)))}
    channel_ids = {a.channel_id for a in alerts if a.channel_id} | {
        p.channel_id for p in pubs.values()
    }
    channels = {c.id: c for c in s.exec(select(Channel).where(col(Channel.id).in_(channel_ids)))}
    out = []
    for a in alerts:
        pub = pubs.get(a.publication_id) if a.publication_id else None
        channel = channels.get(a.channel_id or (pub.channel_id if pub else None))
        out.append(
            AlertFacts(
                id=a.id or 0,
                kind=a.kind,
                severity=a.severity,
                message=a.message,
                created_at=a.created_at,
                publication_id=a.publication_id,
                channel=channel.key if channel else "",
                platform=channel.platform if channel else "",
                error_code=pub.last_error_code if pub else "",
            )
        )
    return out


@alerts_app.callback(invoke_without_command=True)
def alerts_cmd(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Include resolved alerts."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List open alerts, newest first: what happened, then what to do (`--json`: in full)."""
    if ctx.invoked_subcommand is not None:
        return
    from scheduler.alert_lines import alert_lines
    from scheduler.alerts import alert_as_dict, list_alerts
    from scheduler.cli.campaign_cmd import ensure_schema

    ensure_schema()
    zone = settings().zone
    with session() as s:
        alerts = list_alerts(s, include_resolved=all_)
        facts = _facts(s, alerts)
    if as_json:
        print(json.dumps([alert_as_dict(a, zone) for a in alerts], ensure_ascii=False, indent=2))
        return
    if not alerts:
        console.print("No open alerts." if not all_ else "No alerts.")
        return
    what = "alert" if all_ else "open alert"
    console.print(f"{plural(len(alerts), what)}, newest first, times in {zone.key}:")
    for alert, fact in zip(alerts, facts, strict=True):
        lines = alert_lines(fact, zone)
        if alert.resolved_at is not None:
            lines[0] = lines[0][:64] + f" (resolved {alert.resolved_at.astimezone(zone):%d/%m})"
        for line in lines:
            console.print(line, markup=False, highlight=False, crop=True, overflow="ellipsis")
    console.print("Each in full: `loa alerts --json`; when handled: `loa alerts resolve ID`.")


@alerts_app.command("resolve")
def resolve_cmd(
    alert_ids: list[int] = typer.Argument(
        ..., metavar="ID", min=1, max=2**63 - 1, help="Alert ids."
    ),
) -> None:
    """Mark alerts as handled, as the signed-in person (managers of the unit, admins)."""
    from analytics_app.services.health import acknowledge
    from scheduler.cli.campaign_cmd import ensure_schema
    from scheduler.cli.identity import current_identity

    ensure_schema()
    identity = current_identity()
    with session() as s:
        for alert_id in alert_ids:
            acknowledge(s, identity, alert_id)
    console.print(f"Resolved {plural(len(alert_ids), 'alert')}.")


def render_status(report: StatusReport) -> None:
    zone = ZoneInfo(report.timezone)
    from scheduler.wording import humanize_times, state_word

    queue = Table(title=f"Queue at {_when(report.as_of, zone)} ({report.timezone})")
    queue.add_column("state")
    queue.add_column("publications", justify="right")
    counts: dict[str, int] = {}
    for state, count in report.queue.items():  # one word per state, as every command says it
        counts[state_word(state)] = counts.get(state_word(state), 0) + count
    for state, count in counts.items():
        if count:
            queue.add_row(state, f"{count:,}")
    console.print(queue if any(counts.values()) else "No publication yet.")

    due = Table(title="Next due")
    for column in ("id", "planned", "state", "channel", "platform", "content", "campaign"):
        due.add_column(column)
    for item in report.next_due:
        due.add_row(
            str(item.id),
            _when(item.scheduled_at, zone),
            state_word(item.state),
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
    console.print(
        f"Leases held: {len(report.leases)} ({len(expired)} expired, to be reaped)"
        if report.leases
        else "Leases held: none"
    )

    channels = Table(title="Channels")
    for column in ("campaign", "channel", "platform", "state", "token", "token expires"):
        channels.add_column(column, overflow="fold")
    for c in report.channels:
        reason = humanize_times(c.paused_reason, zone)
        state = "paused: " + reason if c.paused else "active"
        if c.blocked_until and c.blocked_until > report.as_of:
            state += f" (held until {_when(c.blocked_until, zone)})"
        channels.add_row(
            c.campaign, c.key, c.platform, state, c.token, _when(c.token_expires_at, zone)
        )
    console.print(
        channels if report.channels else "No channel yet: `loa campaign import FILE` adds them."
    )
    for warning in report.quota_warnings:
        console.print(f"[yellow]Quota:[/] {humanize_times(warning, zone)}", highlight=False)
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
    from campaigns.clock import utcnow
    from campaigns.errors import UserError
    from campaigns.reader import open_reader
    from scheduler.cli.campaign_cmd import EMPTY_DATABASE
    from scheduler.status import gather_status

    # Plain SQL, no SQLAlchemy session: the command starts in half the time (scheduler/status.py).
    with open_reader(settings().effective_database_url) as db:
        if not db.has_table("publication"):
            raise UserError(EMPTY_DATABASE)
        report = gather_status(db, settings(), utcnow(), campaign_key=campaign)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        render_status(report)


def register(app: typer.Typer) -> None:
    app.command("status")(status_cmd)
    app.add_typer(alerts_app, name="alerts")
