"""`loa scorecard [--campaign KEY] [--as-of DATE] [--json]`: the objectives and how they stand."""

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Group
from rich.table import Table
from sqlalchemy import select
from sqlmodel import Session

from analytics_app.engine import KpiScore, scorecard
from analytics_app.engine.status import fmt
from campaigns.errors import UserError
from campaigns.models import Campaign
from campaigns.timeutil import utcnow
from scheduler.cli.common import console, session

STATUS_STYLE = {
    "on_track": ("on track", "bold green"),
    "at_risk": ("at risk", "bold yellow"),
    "behind": ("behind", "bold red"),
    "no_data": ("no data", "dim"),
}


def pick_campaign(s: Session, key: str | None) -> Campaign:
    """The campaign asked for, or the only one imported."""
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


def parse_as_of(text: str | None, zone: ZoneInfo) -> datetime:
    """`YYYY-MM-DD` means the end of that day in the campaign's zone; an ISO date-time without
    an offset is read in the campaign's zone too. Default: now."""
    if text is None:
        return utcnow()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone) - timedelta(
                microseconds=1
            )
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UserError(
            f"--as-of {text!r} is not a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDTHH:MM)"
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _num(value: float | None, metric: str) -> str:
    return "—" if value is None else fmt(value, metric)


def _short(value: float | None, metric: str) -> str:
    """Large counts as 1.99 M / 250 k so the table fits a terminal; rates as `fmt` has them."""
    if value is None:
        return "—"
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.2f} M"
    if abs(value) >= 10_000:
        return f"{value / 1_000:.0f} k"
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
    reasons = Table.grid(padding=(0, 1))
    reasons.add_column(no_wrap=True)
    reasons.add_column(overflow="fold")
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
        reasons.add_row(f"[{style}]{s.kpi}[/]", f"({s.metric}) {s.reason}")
    return Group(table, reasons)


def scorecard_cmd(
    campaign: str | None = typer.Option(None, "--campaign", help="Campaign key."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="YYYY-MM-DD (end of that day, campaign zone) or a date-time."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for other systems."),
) -> None:
    """Each KPI: actual, % of target, expected by now, projection, status and why."""
    with session() as s:
        row = pick_campaign(s, campaign)
        moment = parse_as_of(as_of, ZoneInfo(row.timezone))
        scores = scorecard(s, row.key, moment)
    if as_json:
        print(json.dumps([x.to_json() for x in scores], ensure_ascii=False, indent=2))
        return
    console.print(render(scores, row, moment))


def register(app: typer.Typer) -> None:
    app.command("scorecard")(scorecard_cmd)
