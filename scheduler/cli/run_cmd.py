"""`loa run [--once] [--worker-id ID] [--catch-up] [--concurrency N]`: the scheduler daemon, or
one pass."""

import importlib
import signal
import threading
from types import FrameType

import typer

from scheduler.cli.common import console, engine, fail, settings

# Modules whose import registers the scheduler's periodic jobs (ticker installers); imported
# by `loa run` only, so other commands do not pay for them.
JOB_MODULES = ("scheduler.ops_jobs", "scheduler.report_jobs")


def _stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM/SIGINT: claim nothing new; the attempts in hand finish, then exit 0."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        console.print(
            f"{signal.Signals(signum).name}: finishing the attempts in hand, then stopping"
        )
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run(
    once: bool = typer.Option(
        False, "--once", help="One pass (reap, reconcile, dispatch), then exit."
    ),
    worker_id: str = typer.Option("", "--worker-id", help="This worker's name (default host-pid)."),
    catch_up: bool = typer.Option(
        False, "--catch-up", help="Publish overdue items even past the grace period."
    ),
    poll_seconds: float = typer.Option(5.0, "--poll-seconds", min=0.2, help="Safety-net tick."),
    concurrency: int | None = typer.Option(
        None,
        "--concurrency",
        min=1,
        max=64,
        help="Attempts in flight at once in this worker (default: setting LOA_CONCURRENCY, 8).",
    ),
) -> None:
    """Publish due publications: exactly once, at their minute, with retries and reconciliation."""
    from pydantic import ValidationError

    from scheduler.clock import shared_clock
    from scheduler.log_format import configure_logging
    from scheduler.worker import Daemon, default_worker_id, run_once, single_worker_guard

    try:
        cfg = settings()
    except ValidationError as exc:
        raise fail(f"settings: {exc}") from None
    configure_logging(cfg.zone)
    for name in JOB_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    eng = engine()
    clock = shared_clock(eng)  # leases and due times by the database's clock
    wid = worker_id or default_worker_id()
    with single_worker_guard(eng, clock):
        if once:
            stop = threading.Event()
            _stop_on_signals(stop)
            report = run_once(
                eng, cfg, clock, wid, catch_up=catch_up, stop=stop, concurrency=concurrency
            )
            console.print(f"Worker {wid}: {report.summary()}.")
            return
        daemon = Daemon(
            eng,
            cfg,
            clock,
            wid,
            catch_up=catch_up,
            poll_seconds=poll_seconds,
            concurrency=concurrency,
        )
        _stop_on_signals(daemon.stop)
        console.print(f"Worker {wid} running on {eng.dialect.name}; Ctrl-C or SIGTERM stops it.")
        totals = daemon.run()
        console.print(f"Worker {wid} stopped: {totals.summary()}.")


def register(app: typer.Typer) -> None:
    app.command("run")(run)
