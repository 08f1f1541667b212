"""`loa scorecard [--campaign KEY] [--as-of DATE] [--json]`: the objectives and how they stand."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from campaigns.errors import UserError
from scheduler.cli.common import console, session

if TYPE_CHECKING:
    from sqlmodel import Session

    from analytics_app.engine import KpiScore
    from campaigns.models import Campaign

STATUS_STYLE = {
    "on_track": ("on track", "bold green"),
    "at_risk": ("at risk", "bold yellow"),
    "behind": ("behind", "bold red"),
    "no_data": ("no data", "dim"),
}


def pick_campaign(s: Session, key: str | None) -> Campaign:
    """The campaign asked for, or the only one imported."""
    from sqlalchemy import select

    from campaigns.models import Campaign

    rows = list(s.execute(select(Campaign).order_by(Campaign.key)).scalars())
    if key is not None:
        for row in rows:
            if row.key == key:
                return row
        known = ", ".join(r.key for r in rows) or "none imported"
        raise UserError(f"no campaign with key {key!r} (known: {known})")
    if not rows:
        raise UserError("no campaign imported yet: run `loa campaign import FILE` first")
    if len(rows) > 1:
        raise UserError(
            f"several campaigns are imported ({', '.join(r.key for r in rows)}): "
            "choose one with --campaign KEY"
        )
    return rows[0]


def parse_as_of(text: str | None, zone: ZoneInfo, ends: date | None = None) -> datetime:
    """`YYYY-MM-DD` means the end of that day in the campaign's zone; an ISO date-time without
    an offset is read in the campaign's zone too. Default: now, or the end of the campaign's
    last day (`ends`) once it is over, the rule the app follows too."""
    from analytics_app.engine.moment import default_as_of, end_of_day

    if text is None:
        now = datetime.now(UTC)
        return now if ends is None else default_as_of(ends, zone, now)
    try:
        if len(text) == 10:
            return end_of_day(date.fromisoformat(text), zone)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UserError(
            f"--as-of {text!r} is not a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDTHH:MM)"
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _check_unit(s: Session, campaign: Campaign, key: str) -> None:
    from sqlmodel import col, select

    from campaigns.models import Unit

    query = select(Unit.key).where(Unit.campaign_id == campaign.id).order_by(col(Unit.key))
    known = list(s.exec(query))
    if key not in known:
        shown = ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
        raise UserError(f"--unit {key!r}: no such unit in {campaign.key} (units: {shown})")


def _short(value: float | None, metric: str) -> str:
    """Large figures as 1.99 M / 250 k so the table fits 80 columns, with their unit (`h`,
    `s`, `%`); counts whole, as `fmt` gives them."""
    from analytics_app.engine.status import fmt
    from campaigns.vocabulary import TERMS

    if value is None:
        return "—"
    term = TERMS.get(metric)
    unit = f" {term.unit}" if term is not None and term.unit in ("h", "s") else ""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.2f} M{unit}"
    if abs(value) >= 10_000:
        return f"{value / 1_000:.0f} k{unit}"
    return fmt(value, metric)


def render(scores: list[KpiScore], campaign: Campaign, as_of: datetime) -> Group:
    """The numbers in a table that fits 80 columns, then why each KPI stands where it does."""
    zone = ZoneInfo(campaign.timezone)
    table = Table(
        title=f"{campaign.key} as of {as_of.astimezone(zone):%d/%m/%Y %H:%M} ({campaign.timezone})",
        box=box.SIMPLE_HEAD,
        # One space between columns and none at the edges: KPI names then fit 80 columns whole.
        collapse_padding=True,
        pad_edge=False,
    )
    table.add_column("Obj.", no_wrap=True)
    table.add_column("KPI", overflow="fold", min_width=12)
    for name in ("Target", "Actual", "%", "Expected", "Projected"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    # Why, one paragraph per KPI wrapped at the terminal's width (a grid with the KPI key in a
    # column of its own left the reasons a sliver beside long keys).
    reasons: list[Text] = []
    for s in scores:
        label, style = STATUS_STYLE.get(s.status, (s.status, ""))
        table.add_row(
            s.objective,
            s.kpi,
            _short(s.target, s.metric),
            _short(s.actual, s.metric),
            "—" if s.percent is None else f"{s.percent:.0f} %",
            _short(s.expected, s.metric),
            _short(s.projection, s.metric),
            f"[{style}]{label}[/]",
        )
        line = Text(s.kpi, style=style)
        line.append(f" ({s.metric}): {s.reason}")
        reasons.append(line)
    return Group(table, *reasons)


def scorecard_cmd(
    campaign: str | None = typer.Option(None, "--campaign", help="Campaign key."),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="YYYY-MM-DD (end of that day, campaign zone) or a date-time; default: now, or "
        "the end of the campaign's last day once it is over.",
    ),
    unit: str | None = typer.Option(
        None,
        "--unit",
        help="One unit's part: its channels, judged against its planned share of each target "
        "(as the unit's report and the app's Overview narrowed to it).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for other systems."),
) -> None:
    """Each KPI: actual, % of target, expected by now, projection, status and why."""
    from analytics_app.engine import scorecard
    from scheduler.cli.campaign_cmd import ensure_schema

    ensure_schema()
    with session() as s:
        row = pick_campaign(s, campaign)
        moment = parse_as_of(as_of, ZoneInfo(row.timezone), row.ends)
        if unit is not None:
            _check_unit(s, row, unit)
        scores = scorecard(s, row.key, moment, unit=unit)
    if as_json:
        print(json.dumps([x.to_json() for x in scores], ensure_ascii=False, indent=2))
        return
    console.print(render(scores, row, moment), soft_wrap=False)  # reasons wrap at the width


def register(app: typer.Typer) -> None:
    app.command("scorecard")(scorecard_cmd)
