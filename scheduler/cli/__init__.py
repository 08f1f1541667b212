"""The `loa` command line: one module per group of commands, each registering itself here."""

import typer

from scheduler.cli import (
    calendar_cmd,
    campaign_cmd,
    channel_cmd,
    dashboard_cmd,
    db_cmd,
    demo_cmd,
    emulator_cmd,
    metrics_cmd,
    ops_cmd,
    publications_cmd,
    report_cmd,
    run_cmd,
    scorecard_cmd,
    user_cmd,
    vault_cmd,
)
from scheduler.cli.common import run_guarded

app = typer.Typer(
    name="loa",
    help="Loa plans, publishes and measures the Action Month's Facebook and YouTube communication.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Plain Click help and usage errors: they fit 80 columns and pipes, and rich's help
    # renderer (with Markdown) cost more than the rest of `loa --help` together.
    rich_markup_mode=None,
)

for module in (
    db_cmd,
    campaign_cmd,
    calendar_cmd,
    publications_cmd,
    channel_cmd,
    run_cmd,
    metrics_cmd,
    scorecard_cmd,
    report_cmd,
    ops_cmd,
    user_cmd,
    vault_cmd,
    emulator_cmd,
    dashboard_cmd,
    demo_cmd,
):
    module.register(app)


def main() -> None:
    run_guarded(app)
