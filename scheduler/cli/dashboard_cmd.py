"""`loa dashboard [--port P] [--address A]`: the web app on the configured database.

Runs `streamlit run analytics_app/app.py` headless with the same `LOA_*` settings as every other
command. The app listens on loopback unless sign-in is configured: an address beyond loopback
is refused while no user is registered (anyone reaching it would act as the setup operator).
"""

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import typer

from campaigns.errors import UserError
from scheduler.cli.common import console, session, settings

APP = Path(__file__).resolve().parents[2] / "analytics_app" / "app.py"
THEME = {
    "theme.base": "light",
    "theme.primaryColor": "#5b3cc4",
    "theme.backgroundColor": "#ffffff",
    "theme.secondaryBackgroundColor": "#f5f6fa",
    "theme.textColor": "#1d2433",
}


def is_loopback(address: str) -> bool:
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip()).is_loopback
    except ValueError:
        return False  # a host name: it may resolve beyond this machine


def streamlit_command(port: int, address: str) -> list[str]:
    """The `streamlit run` command line of the app (also used by the browser test)."""
    options = {
        "server.port": str(port),
        "server.address": address,
        "server.headless": "true",
        "server.fileWatcherType": "none",
        "browser.gatherUsageStats": "false",
        "client.toolbarMode": "minimal",
        **THEME,
    }
    args = [sys.executable, "-m", "streamlit", "run", str(APP)]
    for name, value in options.items():
        args += [f"--{name}", value]
    return args


def app_environment() -> dict[str, str]:
    """The environment of the app's process: this one, with the database and home made
    absolute so that the app reads exactly what this command would."""
    env = dict(os.environ)
    current = settings()
    env["LOA_DATABASE_URL"] = current.effective_database_url
    env["LOA_HOME"] = str(current.home.resolve())
    url = current.effective_database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        env["LOA_DATABASE_URL"] = "sqlite:///" + str(Path(url.removeprefix("sqlite:///")).resolve())
    return env


def dashboard_cmd(
    port: int = typer.Option(8501, "--port", help="Port to listen on."),
    address: str = typer.Option(
        "127.0.0.1", "--address", help="Address to listen on (beyond loopback needs users)."
    ),
) -> None:
    """Open the web app (scorecard, trends, content, calendar...) on this machine."""
    if not is_loopback(address):
        with session() as s:
            from campaigns.accounts import users_exist  # the database layer: only when asked

            if not users_exist(s):
                raise UserError(
                    f"refusing to listen on {address}: no user is registered, so anyone "
                    "reaching the app would act as the setup operator; add one with "
                    "`loa user add NAME --role admin`, or listen on 127.0.0.1"
                )
    console.print(f"Loa dashboard: http://{address}:{port}  (Ctrl+C to stop)", highlight=False)
    try:
        code = subprocess.call(streamlit_command(port, address), env=app_environment())
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard_cmd)
