"""`loa publications list`, `loa approve`, `loa cancel`: the outbox as officers handle it."""

import json
from datetime import datetime

import typer
from rich.table import Table

from analytics_app.services import publishing
from campaigns.publications import list_publications, resolve_campaign
from scheduler.cli.campaign_cmd import STATE_STYLES, ensure_schema
from scheduler.cli.common import console, engine, fail, session, settings
from scheduler.cli.identity import current_identity

publications_app = typer.Typer(help="Publications (the outbox).", no_args_is_help=True)


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


def _parse_at(value: str | None) -> datetime | None:
    """`--at` in the campaign's zone (YYYY-MM-DD HH:MM) or with an explicit offset."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        raise fail(f"--at '{value}' is not a time like 2025-11-25 09:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=settings().zone)


def approve_cmd(
    ids: list[int] = typer.Argument(None, help="Publication ids."),
    all_drafts: bool = typer.Option(False, "--all", help="Approve every draft you may approve."),
    campaign: str | None = typer.Option(None, "--campaign", help="With --all: this campaign."),
) -> None:
    """Approve drafts so the scheduler publishes them at their time (managers)."""
    if all_drafts == bool(ids):
        raise fail("give publication ids or --all, not both and not neither")
    ensure_schema()
    count = publishing.approve(
        engine(), current_identity(), None if all_drafts else list(ids), campaign=campaign
    )
    typer.echo(f"approved {count} publication{'s' if count != 1 else ''}")


def cancel_cmd(
    ids: list[int] = typer.Argument(..., help="Publication ids."),
) -> None:
    """Cancel publications that are not yet published (handed-off ones are withdrawn)."""
    ensure_schema()
    count = publishing.cancel(engine(), current_identity(), list(ids))
    typer.echo(f"cancelled {count} publication{'s' if count != 1 else ''}")


def retry_cmd(
    ids: list[int] = typer.Argument(..., help="Ids of failed or missed publications."),
    at: str | None = typer.Option(
        None, "--at", help="When to publish, in the campaign's zone (default: now)."
    ),
    reason: str = typer.Option("", "--reason", help="Why, for the audit log."),
) -> None:
    """Put failed or missed publications back in the queue, now or at a new time."""
    ensure_schema()
    due = _parse_at(at)
    count = publishing.retry(engine(), current_identity(), list(ids), at=due, reason=reason)
    when = f"at {due:%Y-%m-%d %H:%M}" if due else "now"
    typer.echo(f"queued {count} publication{'s' if count != 1 else ''} again, due {when}")


def review_cmd(
    pub_id: int = typer.Argument(..., help="Id of a needs_review publication."),
    published: str | None = typer.Option(
        None, "--published", help="The post is live: its link (https://...)."
    ),
    external_id: str | None = typer.Option(
        None, "--external-id", help="With --published: the platform's id of the post."
    ),
    absent: bool = typer.Option(False, "--absent", help="You checked: the post is not there."),
) -> None:
    """Resolve a publication whose last attempt has no known outcome (managers)."""
    ensure_schema()
    state = publishing.review(
        engine(),
        current_identity(),
        pub_id,
        published_url=published,
        external_id=external_id,
        absent=absent,
    )
    typer.echo(f"publication {pub_id}: {state}")


def register(app: typer.Typer) -> None:
    app.add_typer(publications_app, name="publications")
    app.command("approve")(approve_cmd)
    app.command("cancel")(cancel_cmd)
    app.command("retry")(retry_cmd)
    app.command("review")(review_cmd)
