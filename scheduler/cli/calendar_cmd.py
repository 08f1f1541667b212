"""`loa calendar import` (an officer's Excel/CSV plan) and `loa calendar template`."""

from pathlib import Path

import typer

from campaigns.errors import UserError
from scheduler.cli.common import console, fail, session, warn_past_slots, warn_quota

calendar_app = typer.Typer(help="Officers' Excel and CSV calendars.", no_args_is_help=True)


@calendar_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="The plan: .xlsx, or .csv saved as CSV UTF-8."),
    campaign: str = typer.Option(..., "--campaign", help="Key of the campaign to add it to."),
) -> None:
    """Add a sheet's rows to a campaign; every bad row is reported and then nothing is added."""
    from campaigns.sheets import import_sheet
    from scheduler.cli.identity import current_identity

    try:
        identity = current_identity()
        with session() as s:
            report = import_sheet(s, file, campaign, display=str(file), identity=identity)
    except UserError as exc:
        raise fail(str(exc)) from None
    console.print(str(report), markup=False, highlight=False, soft_wrap=True)
    warn_quota(campaign)
    warn_past_slots(campaign)


@calendar_app.command("template")
def template_cmd(
    out: Path = typer.Option(Path("calendar-template.xlsx"), "--out", help="Where to write it."),
    campaign: str | None = typer.Option(
        None, "--campaign", help="Fill the channel and objective lists from this campaign."
    ),
    lang: str = typer.Option("vi", "--lang", help="Language of the headers: vi or en."),
) -> None:
    """Write the Excel template for `loa calendar import`."""
    # openpyxl (and NumPy under it) load only for this command, not for every `loa`.
    from campaigns.sheet_template import LANGS, TemplateCampaign, template_campaign, write_template

    try:
        if lang not in LANGS:
            raise UserError(f"unknown language '{lang}'; expected vi or en")
        info: TemplateCampaign | None = None
        if campaign is not None:
            with session() as s:
                info = template_campaign(s, campaign)
        path = write_template(out, lang=lang, campaign=info)
    except UserError as exc:
        raise fail(str(exc)) from None
    console.print(f"Template written to {path}", markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")
