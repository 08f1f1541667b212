"""`loa metrics pull [--since DATE] [--due-only] [--campaign KEY]`: measure what is published.

By hand, a pull measures every published item now (an officer who just published wants its
numbers, whatever the decaying schedule says); `--due-only` does what the scheduler does,
only the items whose measuring point has come. Either way it says when numbers are next due.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from campaigns.errors import UserError
from scheduler.cli.common import console, engine, human_time, plural, settings

if TYPE_CHECKING:
    from scheduler.metrics_jobs import PullReport

metrics_app = typer.Typer(help="Numbers pulled back from the platforms.", no_args_is_help=True)

EVERYTHING = date(2000, 1, 1)  # `since` that covers every item ever published


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--since: {value!r} is not a date like 2025-11-15") from None


@metrics_app.command("pull")
def pull(
    since: str | None = typer.Option(
        None, "--since", help="Only items published since DATE (YYYY-MM-DD)."
    ),
    due_only: bool = typer.Option(
        False, "--due-only", help="Only items whose next measuring point has come (as `loa run`)."
    ),
    campaign: str | None = typer.Option(None, "--campaign", help="Only this campaign's key."),
) -> None:
    """Measure the published items now (or only the due ones), then the daily insights."""
    from scheduler.cli.campaign_cmd import ensure_schema
    from scheduler.clock import SystemClock
    from scheduler.metrics_jobs import pull_metrics

    if since is not None and due_only:
        raise UserError("--since and --due-only: choose one")
    ensure_schema()
    day = _parse_day(since) or (None if due_only else EVERYTHING)
    with Progress(
        TextColumn("[bold]Measuring"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("items", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = pull_metrics(
            engine(), settings(), SystemClock(), since=day, campaign=campaign, progress=progress
        )
    _print_summary(report, due_only=due_only)
    console.print(next_numbers(campaign), markup=False, highlight=False)


def next_numbers(campaign: str | None) -> str:
    """When the scheduler measures next, or what has to happen before there is anything."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from campaigns.models import Campaign, MeasurementPlan, Publication
    from scheduler.cli.common import session

    with session() as s:
        query = select(func.min(MeasurementPlan.next_due_at)).join(
            Publication, col(Publication.id) == MeasurementPlan.publication_id
        )
        if campaign is not None:
            query = query.join(Campaign, col(Campaign.id) == Publication.campaign_id).where(
                Campaign.key == campaign
            )
        nxt = s.exec(query).one()
    if nxt is None:
        return (
            "Nothing published is measured yet: numbers come with the first pull after a post "
            "goes out (`loa run` measures 1 hour after publishing, then 3 h, 6 h, 24 h, ...)."
        )
    moment: datetime = nxt if nxt.tzinfo else nxt.replace(tzinfo=settings().zone)
    return f"Next numbers due {human_time(moment)} ({settings().timezone}), while `loa run` runs."


def _print_summary(report: PullReport, *, due_only: bool) -> None:
    which = "due" if due_only else "published"
    console.print(
        f"{plural(report.items_measured, 'item')} measured of {report.due:,} {which}, "
        f"{plural(report.snapshots_written, 'snapshot')} written, "
        f"{plural(report.daily_rows, 'daily insight row')}, "
        f"{plural(report.audience_rows, 'audience row')} "
        f"(as of {human_time(datetime.now().astimezone())}).",
        markup=False,
        highlight=False,
    )
    from scheduler.wording import humanize_times

    for key, reason in sorted(report.skipped.items()):
        reason = humanize_times(reason, settings().zone)
        console.print(f"skipped {key}: {reason}", markup=False, highlight=False)
    for metric, objects in sorted(report.unavailable.items()):
        console.print(
            f"unavailable {metric}: the platform refused it for {plural(len(objects), 'item')}",
            markup=False,
            highlight=False,
        )
    if report.missing:
        console.print(f"{plural(len(report.missing), 'item')} not returned by the platform.")


def register(app: typer.Typer) -> None:
    app.add_typer(metrics_app, name="metrics")
