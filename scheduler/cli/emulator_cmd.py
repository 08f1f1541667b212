"""`loa emulator`: serve the platform emulator until interrupted."""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import typer

from campaigns.errors import UserError

if TYPE_CHECKING:
    from connectors.emulator.clock import Clock


def _clock(speed: float, start: str) -> Clock:
    from connectors.emulator import AcceleratedClock, SystemClock

    if speed == 1.0 and not start:
        return SystemClock()
    if speed <= 0:
        raise UserError("--speed must be positive")
    try:
        begin = datetime.fromisoformat(start) if start else datetime.now(UTC)
    except ValueError as exc:
        raise UserError(f"--start {start!r} is not an ISO 8601 time") from exc
    if begin.tzinfo is None:
        raise UserError(f"--start {start!r} needs an offset, e.g. 2025-11-15T00:00+07:00")
    return AcceleratedClock(begin, speed)


def serve(
    port: int = typer.Option(8443, "--port", help="Port on 127.0.0.1 (0: any free port)."),
    state_dir: Path = typer.Option(
        Path(".loa/emulator"), "--state-dir", help="Where ca.pem, accounts.json, emulator.env go."
    ),
    seed: int = typer.Option(7, "--seed", help="Seed of accounts, numbers and random faults."),
    faults: str = typer.Option("", "--faults", help="Fault spec, e.g. 5xx@0.05,drop:publish#1."),
    pages: int = typer.Option(40, "--pages", min=1, help="Facebook Pages to seed."),
    channels: int = typer.Option(10, "--channels", min=1, help="YouTube channels to seed."),
    speed: float = typer.Option(1.0, "--speed", help="Emulated seconds per real second."),
    start: str = typer.Option("", "--start", help="Emulated start time (ISO 8601 with offset)."),
    latency_ms: int = typer.Option(0, "--latency-ms", min=0, help="Delay added to every call."),
    timeout_s: float = typer.Option(10.0, "--timeout-s", help="How long a `timeout` fault hangs."),
    platform: list[str] = typer.Option(
        [],
        "--platform",
        help="A platform switch NAME=VALUE (repeatable), e.g. unverified_project=true, "
        "upload_bucket_reply=400, analytics_delay_hours=0, page_user_content_granted=false.",
    ),
) -> None:
    """Serve Facebook Graph, YouTube and Google OAuth look-alikes over HTTPS on 127.0.0.1."""
    from connectors.emulator import Emulator, FaultSpecError

    try:
        emu = Emulator(
            state_dir,
            port=port,
            seed=seed,
            faults=faults,
            pages=pages,
            channels=channels,
            clock=_clock(speed, start),
            latency_ms=latency_ms,
            timeout_s=timeout_s,
        )
    except FaultSpecError as exc:
        raise UserError(f"--faults: {exc}") from exc
    from connectors.emulator.platform import parse_assignments

    try:
        emu.platform.update(parse_assignments(platform))
    except ValueError as exc:
        raise UserError(f"--platform: {exc}") from exc
    try:
        emu.start()
    except OSError as exc:
        raise UserError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}") from exc

    def _stop(signum: int, frame: FrameType | None) -> None:
        emu.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    # Plain lines, flushed at once: scripts read the URL and paths from them (no wrapping).
    print(f"Emulator serving at {emu.base_url}", flush=True)
    print(f"Settings: {emu.env_file}", flush=True)
    print(f"Accounts: {emu.accounts_file}", flush=True)
    emu.wait()


def register(app: typer.Typer) -> None:
    """Adds this module's commands to `app`."""
    app.command("emulator")(serve)
