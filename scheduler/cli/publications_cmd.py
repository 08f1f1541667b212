"""`loa publications list`, `loa approve`, `loa cancel`: the outbox as officers handle it."""

import getpass
import json
import os

import typer
from rich.table import Table

from campaigns.publications import approve, cancel, list_publications, resolve_campaign
from scheduler.cli.campaign_cmd import STATE_STYLES, ensure_schema
from scheduler.cli.common import console, fail, session

publications_app = typer.Typer(help="Publications (the outbox).", no_args_is_help=True)


def default_actor() -> str:
    try:
        return os.environ.get("LOA_USER") or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return "unknown"


@publications_app.command("list")
def list_cmd(
    state: list[str] = typer.Option([], "--state", help="Only this state (repeatable)."),
    campaign: str | None = typer.Option(None, "--campaign", help="Campaign key."),
    channel: str | None = typer.Option(None, "--channel", help="Only this channel key."),
    as_json: bool = typer.Option(False, "--json", help="A JSON list for scripts."),
) -> None:
    """Publications in schedule order, times in the campaign's zone."""
    ensure_schema()
    states = [part.strip() for item in state for part in item.split(",") if part.strip()]
    with session() as s:
        camp = resolve_campaign(s, campaign)
        views = list_publications(s, campaign=camp.key, states=states, channel=channel)
    if as_json:
        typer.echo(json.dumps([v.to_json() for v in views], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{camp.key} · {len(views)} publications · {camp.timezone}")
    for name in ("id", "scheduled", "channel", "content", "state", "attempts", "external id"):
        table.add_column(name, overflow="fold")
    for v in views:
        table.add_row(
            str(v.id),
            f"{v.scheduled_at:%Y-%m-%d %H:%M}",
            v.channel,
            v.content,
            f"[{STATE_STYLES.get(v.state, '')}]{v.state}[/]"
            if v.state in STATE_STYLES
            else v.state,
            str(v.attempts),
            v.external_id or "",
        )
    console.print(table)


def approve_cmd(
    ids: list[int] = typer.Argument(None, help="Publication ids."),
    all_drafts: bool = typer.Option(False, "--all", help="Approve every draft."),
    campaign: str | None = typer.Option(None, "--campaign", help="With --all: this campaign."),
    actor: str = typer.Option("", "--as", help="Who approves (default: the login name)."),
) -> None:
    """Approve drafts so the scheduler publishes them at their time."""
    if all_drafts == bool(ids):
        raise fail("give publication ids or --all, not both and not neither")
    ensure_schema()
    with session() as s:
        count = approve(
            s, None if all_drafts else list(ids), actor or default_actor(), campaign=campaign
        )
    typer.echo(f"approved {count} publication{'s' if count != 1 else ''}")


def cancel_cmd(
    ids: list[int] = typer.Argument(..., help="Publication ids."),
    actor: str = typer.Option("", "--as", help="Who cancels (default: the login name)."),
) -> None:
    """Cancel publications that are not yet published (handed-off ones are withdrawn)."""
    ensure_schema()
    with session() as s:
        count = cancel(s, list(ids), actor or default_actor())
    typer.echo(f"cancelled {count} publication{'s' if count != 1 else ''}")


def register(app: typer.Typer) -> None:
    app.add_typer(publications_app, name="publications")
    app.command("approve")(approve_cmd)
    app.command("cancel")(cancel_cmd)
