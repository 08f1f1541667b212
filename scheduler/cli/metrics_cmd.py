"""`loa metrics pull [--since DATE] [--campaign KEY]`: measure what is due, or backfill."""

from datetime import date, datetime

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from campaigns.errors import UserError
from scheduler.cli.common import console, engine, settings
from scheduler.clock import SystemClock
from scheduler.metrics_jobs import PullReport, pull_metrics

metrics_app = typer.Typer(help="Numbers pulled back from the platforms.", no_args_is_help=True)


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
        None, "--since", help="Backfill every item published since DATE (YYYY-MM-DD), now."
    ),
    campaign: str | None = typer.Option(None, "--campaign", help="Only this campaign's key."),
) -> None:
    """Pull metrics of the published items that are due (or all since DATE), then daily insights."""
    day = _parse_day(since)
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
    _print_summary(report)


def _print_summary(report: PullReport) -> None:
    console.print(
        f"{report.items_measured} items measured ({report.due} due), "
        f"{report.snapshots_written} snapshots written, "
        f"{report.daily_rows} daily insight rows, {report.audience_rows} audience rows "
        f"(as of {datetime.now().astimezone().isoformat(timespec='seconds')})."
    )
    for key, reason in sorted(report.skipped.items()):
        console.print(f"skipped {key}: {reason}", markup=False, highlight=False)
    for metric, objects in sorted(report.unavailable.items()):
        console.print(
            f"unavailable {metric}: the platform refused it for {len(objects)} items",
            markup=False,
            highlight=False,
        )
    if report.missing:
        console.print(f"{len(report.missing)} items were not returned by the platform.")


def register(app: typer.Typer) -> None:
    app.add_typer(metrics_app, name="metrics")
