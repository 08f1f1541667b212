"""`loa campaign validate|import` and `loa plan show`: campaign files and their calendar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from rich.text import Text

from campaigns.errors import Problem, UserError, ValidationFailed
from scheduler.cli.common import (
    console,
    engine,
    fail,
    plural,
    session,
    warn_past_slots,
    warn_quota,
)
from scheduler.wording import state_word

if TYPE_CHECKING:
    from campaigns.calendar_view import CalendarDay, CalendarView

campaign_app = typer.Typer(help="Campaign files: check and import them.", no_args_is_help=True)
plan_app = typer.Typer(help="The planned calendar.", no_args_is_help=True)

STATE_STYLES = {
    "draft": "dim",
    "approved": "cyan",
    "queued": "cyan",
    "claimed": "yellow",
    "handed_off": "blue",
    "published": "green",
    "retry_wait": "yellow",
    "needs_review": "bold red",
    "failed": "bold red",
    "missed": "red",
    "cancelled": "strike dim",
}


def format_problem(problem: Problem) -> str:
    """`FILE:LINE: path: message`, warnings prefixed `warning:`."""
    where = f"{problem.file}:{problem.line}" if problem.line is not None else problem.file
    text = f"{where}: {problem.path}: {problem.message}"
    return f"warning: {text}" if problem.severity == "warning" else text


def _print_problems(problems: list[Problem]) -> None:
    for p in problems:
        typer.echo(format_problem(p), err=True)


EMPTY_DATABASE = "the database is empty: run `loa db upgrade` or `loa campaign import FILE`"


def ensure_schema() -> None:
    """Read commands need the tables; say how to create them rather than fail with SQL."""
    from sqlalchemy import inspect

    if not inspect(engine()).has_table("publication"):
        raise UserError(EMPTY_DATABASE)


@campaign_app.command("validate")
def validate_cmd(
    files: list[Path] = typer.Argument(..., metavar="FILE", help="Campaign files (YAML)."),
) -> None:
    """Check campaign files: every error on stderr as FILE:LINE: field: message."""
    from campaigns.loader import load_campaign
    from campaigns.plans import expand

    valid = errors = warnings = planned = 0
    for path in files:
        try:
            doc = load_campaign(path, display=str(path))
        except ValidationFailed as exc:
            _print_problems(exc.problems)
            errors += sum(p.severity == "error" for p in exc.problems)
            warnings += sum(p.severity == "warning" for p in exc.problems)
            continue
        _print_problems(doc.warnings)
        warnings += len(doc.warnings)
        planned += len(expand(doc))
        valid += 1
    invalid = len(files) - valid
    noun = "file" if len(files) == 1 else "files"
    verdict = "valid" if invalid == 0 else "invalid"
    typer.echo(
        f"{len(files)} {noun} {verdict}: {valid} valid, {invalid} invalid; "
        f"{plural(errors, 'error')}, {plural(warnings, 'warning')}; "
        f"{plural(planned, 'publication')} planned"
    )
    if invalid:
        raise typer.Exit(1)


@campaign_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="The campaign file (YAML)."),
) -> None:
    """Import a campaign file, all or nothing; importing it again changes nothing."""
    from campaigns.db import upgrade
    from campaigns.importer import import_campaign
    from scheduler.cli.identity import current_identity

    upgrade(engine())
    identity = current_identity()
    try:
        with session() as s:
            report = import_campaign(s, file, display=str(file), identity=identity)
    except ValidationFailed as exc:
        _print_problems(exc.problems)
        count = sum(p.severity == "error" for p in exc.problems)
        raise fail(f"nothing imported: {plural(count, 'error')} in {file}") from None
    _print_problems(report.warnings)
    for line in report.lines():
        typer.echo(line)
    warn_quota(report.campaign_key)
    warn_past_slots(report.campaign_key)


PROBLEM_STATES = frozenset({"failed", "needs_review", "missed"})


def _grid_cell(day: CalendarDay) -> Text:
    """Date (starred on key dates), how many posts and clips, coloured by how they went."""
    style = "bold magenta" if day.key_date else ("" if day.in_campaign else "dim")
    cell = Text(("★" if day.key_date else " ") + f"{day.day:%d/%m}", style=style)
    if not day.entries:
        return cell
    clips = sum(e.content_kind == "clip" for e in day.entries)
    posts = len(day.entries) - clips
    states = {e.state for e in day.entries}
    colour = "red" if states & PROBLEM_STATES else "green" if states == {"published"} else "cyan"
    cell.append(f"\n{posts:>2} post{'s' * (posts != 1)}" if posts else "", style=colour)
    cell.append(f"\n{clips:>2} clip{'s' * (clips != 1)}" if clips else "", style=colour)
    return cell


def render_grid(view: CalendarView) -> list[Table]:
    """Month at a glance: a column per weekday, a row per week; fits 80 columns."""
    table = Table(title=f"{view.title} · ★ key date · green published, red needs attention")
    for name in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        table.add_column(name, no_wrap=True, min_width=8)
    for week in view.weeks:
        table.add_row(*(_grid_cell(d) for d in week.days))
    return [table]


def render(view: CalendarView, zone_name: str) -> list[Table]:
    """One table per week, a row per publication under its day; key dates starred."""
    tables = []
    for week in view.weeks:
        table = Table(title=f"{view.title} · {week.label} · {zone_name}", expand=True)
        for name in ("day", "time", "id", "channel", "content", "state"):
            table.add_column(name, overflow="fold")
        for day in week.days:
            if not view.start <= day.day <= view.end:
                continue
            label = Text(f"{day.day:%a %d/%m}", style="" if day.in_campaign else "dim")
            if day.key_date is not None:
                label = Text(f"★ {day.day:%a %d/%m}", style="bold magenta")
                table.add_row(label, "", "", Text(day.key_date.name_en, style="magenta"), "", "")
                label = Text("")
            if not day.entries:
                table.add_row(label, "", "", "", Text("—", style="dim"), "")
            for entry in day.entries:
                table.add_row(
                    label,
                    f"{entry.scheduled_at:%H:%M}",
                    str(entry.id),
                    entry.channel,
                    entry.content,
                    Text(state_word(entry.state), style=STATE_STYLES.get(entry.state, "")),
                )
                label = Text("")
            table.add_section()
        tables.append(table)
    return tables


@plan_app.command("show")
def show_cmd(
    campaign: str | None = typer.Option(None, "--campaign", help="Campaign key."),
    week: str | None = typer.Option(None, "--week", help="ISO week, e.g. 2025-W47."),
    month: str | None = typer.Option(None, "--month", help="Month, e.g. 2025-11."),
    channel: str | None = typer.Option(None, "--channel", help="Only this channel key."),
    grid: bool = typer.Option(
        False, "--grid", help="A month-at-a-glance grid of counts instead of the agenda."
    ),
) -> None:
    """The calendar of publications, times in the campaign's zone, key dates marked."""
    from sqlmodel import select

    from campaigns.calendar_view import bounds, build, period
    from campaigns.models import Channel
    from campaigns.publications import list_publications, resolve_campaign

    ensure_schema()
    with session() as s:
        camp = resolve_campaign(s, campaign)
        known = s.exec(
            select(Channel).where(Channel.campaign_id == camp.id, Channel.key == channel)
        ).first()
        if channel and known is None:
            raise UserError(f"no channel '{channel}' in campaign {camp.key}")
        _, start, end = period(week, month, (camp.starts, camp.ends))
        lo, hi = bounds(start, end, ZoneInfo(camp.timezone))
        views = list_publications(s, campaign=camp.key, channel=channel, start=lo, end=hi)
        view = build(camp.key, start, end, views, (camp.starts, camp.ends))
    for table in render_grid(view) if grid else render(view, camp.timezone):
        console.print(table)
    console.print(f"{plural(view.count, 'publication')} from {start:%d/%m/%Y} to {end:%d/%m/%Y}")


def register(app: typer.Typer) -> None:
    app.add_typer(campaign_app, name="campaign")
    app.add_typer(plan_app, name="plan")
