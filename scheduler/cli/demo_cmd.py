"""`loa demo [--no-serve] [--seed N] [--faults SPEC] [--speed X] [--port P]`: the whole Action
Month on the real product against an in-process emulator, then the dashboard on its data."""

import os
import signal
import subprocess
from types import FrameType

import typer

from scheduler.cli.common import console, fail, settings
from scheduler.cli.dashboard_cmd import streamlit_command

LOOPBACK = "127.0.0.1"


def serve(env: dict[str, str], port: int) -> int:
    """Serve the dashboard as `loa dashboard` does, on loopback with the demo's settings, until
    Ctrl-C or SIGTERM (both stop the app too); returns its exit code, 0 when stopped."""
    process = subprocess.Popen(streamlit_command(port, LOOPBACK), env={**os.environ, **env})
    stopped: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopped.append(signum)
        process.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        code = process.wait()
    except KeyboardInterrupt:
        stop(signal.SIGINT, None)
        code = process.wait(timeout=10)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0 if stopped else code


def demo_cmd(
    no_serve: bool = typer.Option(
        False, "--no-serve", help="End after the month and its reports (for CI and tests)."
    ),
    seed: int = typer.Option(7, "--seed", help="The emulator's seed: the same seed, the same run."),
    faults: str | None = typer.Option(
        None,
        "--faults",
        help="Fault spec for the emulator (see `loa emulator --help`); '' for none. "
        "Default: a realistic share of server errors, lost answers, slow reads and one refused token.",
    ),
    speed: float = typer.Option(
        72.0,
        "--speed",
        min=0.001,
        help="Emulated seconds per second of the scheduler's ticker: at 72 the 5-minute "
        "metric pass runs every 6 emulated hours; higher is quicker and coarser.",
    ),
    port: int = typer.Option(8501, "--port", min=1, max=65535, help="The dashboard's port."),
) -> None:
    """The Action Month published, measured and reported on an in-process emulator; then served."""
    from connectors.emulator.faults import FaultSpecError, parse_spec
    from scheduler.demo import DEFAULT_FAULTS, run_demo

    spec = DEFAULT_FAULTS if faults is None else faults
    try:
        parse_spec(spec)
    except FaultSpecError as exc:
        raise fail(f"--faults: {exc}") from None
    home = settings().home.resolve() / "demo"  # absolute: the app's process reads it too
    result = run_demo(home, console=console, seed=seed, faults=spec, speed=speed)
    url = f"http://{LOOPBACK}:{port}"
    console.print(f"The demo's data stays in {home} (LOA_HOME={home} loa status).")
    console.print("Sign in as:", highlight=False)
    for person in result.people:
        who = person.identity
        scope = who.unit_key or "every unit"
        console.print(
            f"  {who.username:<8} password {person.password}  ({who.role.value}, {scope})",
            highlight=False,
            markup=False,
        )
    if no_serve:
        return
    console.print(f"The dashboard: {url}  (Ctrl-C stops it)", highlight=False)
    env = {"LOA_HOME": str(home), "LOA_DATABASE_URL": result.database_url}
    code = serve(env, port)
    if code:
        raise fail(f"the dashboard stopped with exit code {code} (is port {port} free? --port)")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)
