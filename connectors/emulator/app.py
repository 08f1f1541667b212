"""The WSGI application: routes each request to Graph, YouTube, Analytics or OAuth, after the
fault injector has had its say, plus the `/_emulator/*` control endpoints."""

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from connectors.emulator.analytics import Analytics
from connectors.emulator.clock import Clock, FrozenClock
from connectors.emulator.faults import FaultSet, FaultSpecError
from connectors.emulator.graph import Graph
from connectors.emulator.oauth import GoogleOAuth
from connectors.emulator.quota import QuotaLedger
from connectors.emulator.wire import Dropped, json_response
from connectors.emulator.youtube import YouTube

log = logging.getLogger(__name__)

_API_FAULTS = frozenset(
    {
        "5xx",
        "5xx_after",
        "timeout",
        "drop",
        "stall",
        "rate_limit",
        "quota",
        "token_expired",
        "password_changed",
    }
)
# Faults that let the operation happen, then spoil or delay its answer.
_AFTER = frozenset({"drop", "5xx_after", "stall"})
_TOKEN_FAULTS = frozenset({"5xx", "timeout", "drop", "token_expired"})

StartResponse = Callable[..., Any]


class EmulatorApp:
    def __init__(
        self,
        *,
        graph: Graph,
        youtube: YouTube,
        analytics: Analytics,
        oauth: GoogleOAuth,
        faults: FaultSet,
        quota: QuotaLedger,
        clock: Clock,
        timeout_s: float,
        stopping: threading.Event,
        objects: Callable[[], list[dict[str, Any]]],
        reset: Callable[[], None],
    ) -> None:
        self.graph, self.youtube, self.analytics, self.oauth = graph, youtube, analytics, oauth
        self.faults, self.quota, self.clock = faults, quota, clock
        self.timeout_s = timeout_s
        self.stopping = stopping
        self.objects = objects
        self.reset = reset
        graph.listing_lag = faults.lag_ms  # listings that lag behind creates (`lag=MS`)
        youtube.listing_lag = faults.lag_ms

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except Dropped:
            raise
        except Exception as exc:  # a bug of ours must not print a request line full of tokens
            log.error("emulator failed on %s %s: %r", request.method, request.path, exc)
            response = json_response({"error": {"message": "emulator error", "code": 1}}, 500)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/_emulator/"):
            return self.control(request)
        if path.startswith(("/youtube/v3/", "/upload/youtube/v3/")):
            call = self.youtube.classify(request)
            return self._guarded(
                request,
                call.tags,
                _API_FAULTS,
                lambda kind, _scope: self.youtube.fault(
                    "token_expired" if kind == "password_changed" else kind, call
                ),
                lambda: self.youtube.handle(request, call),
            )
        if path.startswith("/v2/reports"):
            tags = self.analytics.classify(request)
            return self._guarded(
                request,
                tags,
                _API_FAULTS,
                lambda kind, _scope: self.analytics.fault(kind),
                lambda: self.analytics.handle(request),
            )
        if path == "/token":
            return self._guarded(
                request,
                frozenset({"token", "youtube"}),
                _TOKEN_FAULTS,
                lambda kind, _scope: self.oauth.fault(kind),
                lambda: self.oauth.token(request),
            )
        if path.startswith("/o/oauth2/auth"):
            return self.oauth.consent(request)
        gcall = self.graph.classify(request)
        return self._guarded(
            request,
            gcall.tags,
            _API_FAULTS,
            lambda kind, scope: self.graph.fault(kind, gcall, scope),
            lambda: self.graph.handle(request, gcall),
        )

    def _guarded(
        self,
        request: Request,
        tags: frozenset[str],
        applicable: frozenset[str],
        fault: Callable[[str, str], Response],
        handle: Callable[[], Response],
    ) -> Response:
        decision = self.faults.decide(tags, applicable)
        if decision.latency_ms:
            self.stopping.wait(decision.latency_ms / 1000)
        if decision.fault == "timeout":
            # Hang longer than the caller waits, then leave without a word.
            self.stopping.wait(self.timeout_s)
            self._drop(request)
        if decision.fault and decision.fault not in _AFTER:
            return fault(decision.fault, decision.scope)
        response = handle()
        if decision.fault == "5xx_after":
            return fault("5xx", decision.scope)
        if decision.fault == "stall":
            self.stopping.wait(decision.stall_ms / 1000)
        if decision.fault == "drop":
            # The operation is done; the caller never learns it.
            self._drop(request)
        return response

    def _drop(self, request: Request) -> None:
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        raise Dropped("connection dropped by the fault injector")

    # ---- control

    def control(self, request: Request) -> Response:
        name = request.path[len("/_emulator/") :].strip("/")
        method = request.method
        if name == "health":
            return json_response(
                {
                    "ok": True,
                    "now": self.clock.now().isoformat(),
                    "faults": self.faults.describe(),
                    "quota": self.quota.used(self.clock.now()),
                }
            )
        if name == "objects":
            return json_response(self.objects())
        if name == "faults":
            if method == "POST":
                spec = (request.get_json(silent=True) or {}).get("spec", "")
                try:
                    self.faults.set(str(spec))
                except FaultSpecError as exc:
                    return json_response({"error": str(exc)}, 400)
            return json_response({"spec": self.faults.describe()})
        if name == "clock":
            if method == "POST":
                return self._set_clock(request.get_json(silent=True) or {})
            return json_response({"now": self.clock.now().isoformat()})
        if name == "platform":
            return self._platform(request)
        if name == "reset" and method == "POST":
            self.reset()
            return json_response({"ok": True})
        return json_response({"error": f"unknown control endpoint {name!r}"}, 404)

    def _platform(self, request: Request) -> Response:
        """GET: the platform switches in force; POST a JSON object of fields to change them."""
        platform = self.youtube.platform
        if request.method == "POST":
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                return json_response({"error": "give a JSON object of switches"}, 400)
            try:
                platform.update(body)
            except ValueError as exc:
                return json_response({"error": str(exc)}, 400)
        return json_response(platform.describe())

    def _set_clock(self, body: dict[str, Any]) -> Response:
        if not isinstance(self.clock, FrozenClock):
            return json_response({"error": "only a frozen clock can be set"}, 409)
        try:
            if "now" in body:
                self.clock.set(datetime.fromisoformat(str(body["now"])))
            elif "advance_s" in body:
                self.clock.advance(timedelta(seconds=float(body["advance_s"])))
            else:
                return json_response({"error": "give now (ISO 8601) or advance_s"}, 400)
        except (ValueError, TypeError) as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"now": self.clock.now().isoformat()})


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
