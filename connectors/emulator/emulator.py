"""`Emulator`: the HTTPS server, its state directory and the handles tests and the demo use."""

import json
import os
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from connectors.base import ConnectorConfig, Secret
from connectors.emulator.analytics import Analytics
from connectors.emulator.app import EmulatorApp
from connectors.emulator.certs import make_ssl_context
from connectors.emulator.clock import Clock, SystemClock
from connectors.emulator.faults import FaultSet
from connectors.emulator.graph import Graph
from connectors.emulator.graph_usage import GraphUsage
from connectors.emulator.oauth import GoogleOAuth
from connectors.emulator.platform import Platform, PlatformSwitches
from connectors.emulator.quota import QuotaLedger
from connectors.emulator.server import EmulatorServer, KeepAliveHandler
from connectors.emulator.state import State
from connectors.emulator.youtube import YouTube
from connectors.graph_versions import DEFAULT_VERSION

GRAPH_VERSION = DEFAULT_VERSION


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read: it holds tokens."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


class Emulator:
    """Facebook Graph, YouTube Data and Analytics, and Google OAuth on one loopback HTTPS host.

    Use as a context manager, or `start()` / `stop()`. `state_dir` receives `ca.pem`,
    `accounts.json` and `emulator.env`.
    """

    def __init__(
        self,
        state_dir: Path,
        port: int = 0,
        seed: int = 7,
        faults: str = "",
        pages: int = 40,
        channels: int = 10,
        clock: Clock | None = None,
        latency_ms: int = 0,
        timeout_s: float = 10.0,
        youtube_daily_units: int = 10_000,
        youtube_daily_uploads: int = 100,
        token_lifetime_s: int = 3600,
        graph_app_calls_per_hour: int = 100_000,
        graph_page_calls_per_day: int = 4_800,  # BUC allowance per Page per 24 h
        platform: PlatformSwitches | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.port = port
        self.seed = seed
        self.pages = pages
        self.channels = channels
        self.clock: Clock = clock or SystemClock()
        self.timeout_s = timeout_s
        spec = faults
        if latency_ms:
            spec = ",".join(x for x in (f"latency={latency_ms}", faults) if x)
        self.faults = FaultSet(spec, seed=seed)  # parsed now: a bad spec fails before serving
        # Documented or reported platform behaviours a test selects (see platform.py).
        self.platform = Platform(platform)
        self._limits = (
            youtube_daily_units,
            youtube_daily_uploads,
            token_lifetime_s,
            graph_app_calls_per_hour,
            graph_page_calls_per_day,
        )
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.base_url = ""
        self.ca_file = self.state_dir / "ca.pem"
        self.state: State | None = None

    # ---- lifecycle

    def start(self) -> "Emulator":
        if self._server is not None:
            return self
        self.state_dir.mkdir(parents=True, exist_ok=True)
        ctx, self.ca_file = make_ssl_context(self.state_dir)
        server = EmulatorServer(
            "127.0.0.1", self.port, self._placeholder, handler=KeepAliveHandler, ssl_context=ctx
        )
        self.port = server.server_port
        self.base_url = f"https://127.0.0.1:{self.port}/"
        self._build()
        server.app = self.app
        self._server = server
        self._write_files()
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"loa-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def wait(self) -> None:
        """Block until stopped (for `loa emulator`)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    @staticmethod
    def _placeholder(environ: dict[str, Any], start_response: Any) -> Any:
        raise RuntimeError("emulator not ready")

    def _build(self) -> None:
        units, uploads, lifetime, app_calls, page_calls = self._limits
        self.state = State(self.seed, self.pages, self.channels, self.base_url)
        self.quota = QuotaLedger(units, uploads)
        oauth = GoogleOAuth(self.state, self.clock, lifetime)
        youtube = YouTube(self.state, self.clock, oauth, self.quota, self.platform)
        self.app = EmulatorApp(
            graph=Graph(
                self.state,
                self.clock,
                GraphUsage(self.state, app_calls, page_calls),
                self.platform,
            ),
            youtube=youtube,
            analytics=Analytics(self.state, self.clock, oauth, youtube, self.platform),
            oauth=oauth,
            faults=self.faults,
            quota=self.quota,
            clock=self.clock,
            timeout_s=self.timeout_s,
            stopping=self._stopping,
            objects=self.objects,
            reset=self.reset,
        )

    def reset(self) -> None:
        """Forget everything created and every count; accounts and tokens stay as seeded."""
        state = self._state()
        with state.lock:
            fresh = State(self.seed, self.pages, self.channels, self.base_url)
            keep = {"google_tokens": state.google_tokens}
            state.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "lock"})
            state.__dict__.update(keep)
        self.quota.reset()

    # ---- handles

    def _state(self) -> State:
        if self.state is None:
            raise RuntimeError("the emulator is not started")
        return self.state

    @property
    def accounts(self) -> dict[str, Any]:
        return self._state().accounts()

    def objects(self) -> list[dict[str, Any]]:
        return self._state().objects()

    @property
    def connections_opened(self) -> int:
        """Client connections the server has accepted since it started."""
        return self._server.connections_opened if self._server is not None else 0

    @property
    def requests_served(self) -> int:
        """HTTP requests the server has read since it started (faulted ones included)."""
        return self._server.requests_served if self._server is not None else 0

    def set_faults(self, spec: str) -> None:
        self.faults.set(spec)

    @property
    def env(self) -> dict[str, str]:
        state = self._state()
        return {
            "LOA_FACEBOOK_GRAPH_URL": self.base_url,
            "LOA_FACEBOOK_API_VERSION": GRAPH_VERSION,
            "LOA_FACEBOOK_APP_ID": state.app_id,
            "LOA_FACEBOOK_APP_SECRET": state.app_secret,
            "LOA_YOUTUBE_API_URL": self.base_url,
            "LOA_YOUTUBE_ANALYTICS_URL": self.base_url,
            "LOA_GOOGLE_TOKEN_URL": self.base_url + "token",
            "LOA_CA_BUNDLE": str(self.ca_file),
        }

    def connector_config(self) -> ConnectorConfig:
        state = self._state()
        return ConnectorConfig(
            facebook_graph_url=self.base_url,
            facebook_api_version=GRAPH_VERSION,
            facebook_app_id=state.app_id,
            facebook_app_secret=Secret(state.app_secret),
            youtube_api_url=self.base_url,
            youtube_analytics_url=self.base_url,
            google_token_url=self.base_url + "token",
            ca_bundle=self.ca_file,
            timeout_s=max(1.0, min(30.0, self.timeout_s / 2)),
        )

    @property
    def env_file(self) -> Path:
        return self.state_dir / "emulator.env"

    @property
    def accounts_file(self) -> Path:
        return self.state_dir / "accounts.json"

    def _write_files(self) -> None:
        lines = "".join(f"{k}={v}\n" for k, v in self.env.items())
        _write_private(self.env_file, lines)
        _write_private(self.accounts_file, json.dumps(self.accounts, ensure_ascii=False, indent=2))
