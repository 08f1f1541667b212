"""`loa publications list`, `loa approve`, `loa cancel`, `loa retry`, `loa review`: the outbox
as officers handle it. Times read and printed in the campaign's zone (UTC only in --json)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import typer
from rich import box
from rich.table import Table

from campaigns.errors import UserError
from scheduler.cli.campaign_cmd import STATE_STYLES, ensure_schema
from scheduler.cli.common import console, engine, fail, human_time, plural, session, settings

if TYPE_CHECKING:
    from campaigns.access import Identity
    from scheduler.review import Evidence

MAX_ID = 2**63 - 1  # the largest id a database row can have (SQLite and PostgreSQL BIGINT)

publications_app = typer.Typer(help="Publications (the outbox).", no_args_is_help=True)


@publications_app.command("list")
def list_cmd(
    state: list[str] = typer.Option([], "--state", help="Only this state (repeatable)."),
    campaign: str | None = typer.Option(None, "--campaign", help="Campaign key."),
    channel: str | None = typer.Option(None, "--channel", help="Only this channel key."),
    as_json: bool = typer.Option(False, "--json", help="A JSON list for scripts."),
) -> None:
    """Publications in schedule order, when they went out and their links."""
    from campaigns.publications import list_publications, resolve_campaign
    from scheduler.wording import state_word

    ensure_schema()
    states = [part.strip() for item in state for part in item.split(",") if part.strip()]
    if "approved" in states and "queued" not in states:
        states.append("queued")  # what people call approved includes work put back in the queue
    with session() as s:
        camp = resolve_campaign(s, campaign)
        views = list_publications(s, campaign=camp.key, states=states, channel=channel)
    if as_json:
        typer.echo(json.dumps([v.to_json() for v in views], ensure_ascii=False, indent=2))
        return
    table = Table(
        title=f"{camp.key} · {plural(len(views), 'publication')} · {camp.timezone}",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,  # fits 80 columns with times and keys whole
        pad_edge=False,
    )
    for name in ("id", "planned", "channel", "content", "state", "tries", "went out"):
        table.add_column(name, overflow="fold", no_wrap=name not in ("content",), justify="left")
    for v in views:
        word = state_word(v.state)
        style = STATE_STYLES.get(word)
        table.add_row(
            str(v.id),
            human_time(v.scheduled_at, camp.timezone),
            v.channel,
            v.content,
            f"[{style}]{word}[/]" if style else word,
            str(v.attempts),
            _went_out(v.published_at, v.scheduled_at, camp.timezone),
        )
    console.print(table)
    # Links whole, one a line, after the table: folded inside a cell they cannot be copied.
    for v in views:
        if v.permalink or v.external_id:
            link = v.permalink or f"(platform id {v.external_id})"
            console.print(f"#{v.id} {link}", markup=False, highlight=False, soft_wrap=True)


def _went_out(published: datetime | None, planned: datetime, tz: str) -> str:
    """When it went out; the date only when it differs from the planned day."""
    if published is None:
        return ""
    text = human_time(published, tz)
    return text[-5:] if text[:10] == human_time(planned, tz)[:10] else text


def _parse_at(value: str | None) -> datetime | None:
    """`--at` in the campaign's zone (YYYY-MM-DD HH:MM) or with an explicit offset."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        raise fail(f"--at '{value}' is not a time like 2025-11-25 09:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=settings().zone)


def _warn_unconnected(ids: list[int] | None) -> None:
    """Approving posts on a channel with no token is allowed (an admin may connect it before
    the time comes), but never silent."""
    from scheduler.cli.common import warn
    from scheduler.plan_warnings import unconnected_channels

    with session() as s:
        for key, count in unconnected_channels(s, ids).items():
            warn(
                f"channel {key} is not connected: {plural(count, 'approved publication')} "
                f"will not go out until an admin runs `loa channel connect {key}`"
            )


def _warn_past(ids: list[int] | None) -> None:
    from scheduler.cli.common import warn
    from scheduler.plan_warnings import past_due

    with session() as s:
        rows = past_due(s, ids)
    for pub_id, when in rows[:5]:
        warn(
            f"publication {pub_id} was planned for {human_time(when)}, already past: it will be "
            "missed unless moved (`loa retry` after it is missed, or change its slot)"
        )
    if len(rows) > 5:
        warn(f"{plural(len(rows) - 5, 'more publication')} planned in the past")


def approve_cmd(
    ids: list[int] = typer.Argument(None, metavar="ID", min=1, max=MAX_ID, help="Publication ids."),
    all_drafts: bool = typer.Option(False, "--all", help="Approve every draft you may approve."),
    campaign: str | None = typer.Option(None, "--campaign", help="With --all: this campaign."),
) -> None:
    """Approve drafts so the scheduler publishes them at their time (managers)."""
    from analytics_app.services import publishing
    from scheduler.cli.identity import current_identity

    if all_drafts == bool(ids):
        raise fail("give publication ids or --all, not both and not neither")
    ensure_schema()
    count = publishing.approve(
        engine(), current_identity(), None if all_drafts else list(ids), campaign=campaign
    )
    typer.echo(f"approved {plural(count, 'publication')}")
    if count:
        _warn_past(None if all_drafts else list(ids))
        _warn_unconnected(None if all_drafts else list(ids))


def cancel_cmd(
    ids: list[int] = typer.Argument(..., metavar="ID", min=1, max=MAX_ID, help="Publication ids."),
) -> None:
    """Cancel publications that are not yet published (handed-off ones are withdrawn)."""
    from analytics_app.services import publishing
    from scheduler.cli.identity import current_identity

    ensure_schema()
    count = publishing.cancel(engine(), current_identity(), list(ids))
    typer.echo(f"cancelled {plural(count, 'publication')}")


def retry_cmd(
    ids: list[int] = typer.Argument(
        ..., metavar="ID", min=1, max=MAX_ID, help="Ids of failed or missed publications."
    ),
    at: str | None = typer.Option(
        None, "--at", help="When to publish, in the campaign's zone (default: now)."
    ),
    reason: str = typer.Option("", "--reason", help="Why, for the audit log."),
) -> None:
    """Put failed or missed publications back in the queue, now or at a new time."""
    from analytics_app.services import publishing
    from scheduler.cli.identity import current_identity

    ensure_schema()
    due = _parse_at(at)
    count = publishing.retry(engine(), current_identity(), list(ids), at=due, reason=reason)
    when = human_time(due) if due else "now"
    typer.echo(f"queued {plural(count, 'publication')} again, due {when}")
    _warn_unconnected(list(ids))


def _show_evidence(ev: Evidence, tz: str) -> None:
    """What Loa tried and what the platform says, one fact a line."""
    say = lambda text: console.print(text, markup=False, highlight=False)  # noqa: E731
    say(
        f"publication {ev.publication_id} · {ev.state} · {ev.channel} ({ev.platform} "
        f"{ev.account_id}) · planned {human_time(ev.scheduled_at, tz)}"
    )
    for a in ev.attempts:
        error = f" · {a.error_code}: {a.error_message}" if a.error_code or a.error_message else ""
        post = f" · post {a.external_id}" if a.external_id else ""
        say(f"  attempt {a.number} · {human_time(a.started_at, tz)} · {a.outcome}{post}{error}")
    if not ev.attempts:
        say("  no attempt recorded")
    if ev.last_error:
        say(f"  last error: {ev.last_error}" + (f" — {ev.advice}" if ev.advice else ""))
    say(f"  {ev.platform} says: {ev.platform_says}")
    if ev.found_link:
        say(f"  link: {ev.found_link}")


def _require_unit(identity: Identity, pub_id: int) -> None:
    from campaigns.access import Action
    from campaigns.models import Publication
    from campaigns.publications import require_rows

    with session() as s:
        pub = s.get(Publication, pub_id)
        if pub is None:
            raise UserError(f"no publication with id {pub_id}")
        require_rows(s, identity, Action.REVIEW, [pub])


def review_cmd(
    pub_id: int = typer.Argument(
        ..., metavar="ID", min=1, max=MAX_ID, help="Id of a needs_review publication."
    ),
    published: str | None = typer.Option(
        None, "--published", help="The post is live: its link (https://...)."
    ),
    external_id: str | None = typer.Option(
        None, "--external-id", help="With --published: the platform's id (read from the link)."
    ),
    absent: bool = typer.Option(False, "--absent", help="You checked: the post is not there."),
    no_check: bool = typer.Option(
        False, "--no-check", help="Do not ask the platform first (it is down, or you know)."
    ),
) -> None:
    """Resolve a publication whose last attempt has no known outcome (managers).

    Loa first asks the platform whether the post exists and shows the evidence; without
    --published or --absent it only shows it.
    """
    from analytics_app.services import publishing
    from campaigns.access import Action, require
    from scheduler.cli.identity import current_identity
    from scheduler.dispatcher import RealConnectors
    from scheduler.review import checked_external_id, gather

    ensure_schema()
    if published and absent:
        raise fail("say what you found: --published URL or --absent, one of the two")
    identity = current_identity()
    require(identity, Action.REVIEW)
    _require_unit(identity, pub_id)  # before the platform is asked about another unit's post
    eng = engine()
    evidence = gather(eng, pub_id, RealConnectors(settings(), eng), ask_platform=not no_check)
    _show_evidence(evidence, settings().timezone)
    if evidence.state != "needs_review":
        raise fail(f"publication {pub_id} is {evidence.state}, not needs_review: nothing to do")
    if not published and not absent:
        if evidence.verdict == "found":
            link = evidence.found_link or "LINK"
            typer.echo(f"next: `loa review {pub_id} --published {link}`")
        else:
            typer.echo(f"next: check the page, then `loa review {pub_id} --published URL|--absent`")
        return
    external_id = checked_external_id(evidence, published, external_id, absent)
    state = publishing.review(
        eng,
        identity,
        pub_id,
        published_url=published,
        external_id=external_id,
        absent=absent,
    )
    words = {"published": "published (it will be measured)", "approved": "approved, due now"}
    typer.echo(f"publication {pub_id}: {words.get(state, state)}")


def register(app: typer.Typer) -> None:
    app.add_typer(publications_app, name="publications")
    app.command("approve")(approve_cmd)
    app.command("cancel")(cancel_cmd)
    app.command("retry")(retry_cmd)
    app.command("review")(review_cmd)
