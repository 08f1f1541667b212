"""The emulator's HTTPS server: Werkzeug's threaded server with HTTP/1.1 keep-alive.

Werkzeug's development server answers every request with `Connection: close` and then waits
10 ms draining the socket, so each client call paid a new TLS handshake plus that wait. Real
platform front ends keep connections alive, and the connectors' sessions reuse them. This handler
answers with a Content-Length, drains whatever of the request body the application left unread
(bounded by the request's Content-Length, so the next request line is where it should be), and
keeps the connection open unless the client asked to close it.

A fault that drops the connection shuts the socket down and raises `Dropped` (a ConnectionError);
the handler then ends the connection without a word, so the client still sees it dropped.
"""

import contextlib
import logging
import socket
import ssl
import sys
import threading
from collections.abc import Iterable
from typing import IO, Any, cast

from werkzeug.exceptions import ClientDisconnected
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

log = logging.getLogger(__name__)

IDLE_TIMEOUT_S = 30.0  # an idle kept-alive connection is closed after this
_NO_BODY = frozenset({204, 304})
_DROPPED = (ConnectionError, socket.timeout, ssl.SSLError)


class EmulatorServer(ThreadedWSGIServer):
    """Counts the connections it accepts and closes the open ones on `close_connections()`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._conn_lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self.connections_opened = 0
        self.requests_served = 0

    def opened(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._open.add(conn)
            self.connections_opened += 1

    def served(self) -> None:
        with self._conn_lock:
            self.requests_served += 1

    def closed(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._open.discard(conn)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request is routine here (timeouts, drops, tests ending):
        log it quietly instead of printing a traceback on stderr."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (*_DROPPED, ClientDisconnected)):
            log.debug("client %s went away: %r", client_address, exc)
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """End every kept-alive connection: a stopped emulator must not answer on them."""
        with self._conn_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 with persistent connections; logs nothing per request (request lines carry
    access tokens in their query strings)."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    # Headers and body leave in two writes: with Nagle on, the body waits for the client's
    # delayed ACK of the headers (40 ms on Linux) on every kept-alive request.
    disable_nagle_algorithm = True
    server: EmulatorServer

    def setup(self) -> None:
        super().setup()
        self.server.opened(self.connection)

    def finish(self) -> None:
        self.server.closed(self.connection)
        with contextlib.suppress(OSError):  # a dropped connection has nothing left to flush
            super().finish()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error":
            log.debug("emulator server: %s", message.split("?", 1)[0])

    def make_environ(self) -> Any:
        # Werkzeug drops header names with an underscore (a spoofing guard for proxies), but
        # Graph's Resumable Upload API takes its offset in a `file_offset` header.
        environ = super().make_environ()
        for key, value in self.headers.items():
            if "_" in key:
                environ.setdefault("HTTP_" + key.upper().replace("-", "_"), value)
        return environ

    def _body_stream(self, environ: dict[str, Any]) -> IO[bytes]:
        """The request body, bounded, so whatever the application leaves unread can be drained."""
        if environ.get("wsgi.input_terminated"):  # chunked transfer encoding, already wrapped
            return cast(IO[bytes], environ["wsgi.input"])
        try:
            length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
        except ValueError:
            length = 0
        environ["CONTENT_LENGTH"] = str(length)
        return cast(IO[bytes], LimitedStream(cast(IO[bytes], self.rfile), length))

    def _drain(self, body: IO[bytes]) -> None:
        """Read the rest of the body so the next request line is where it should be."""
        try:
            while body.read(65536):
                pass
        except _DROPPED:
            self.close_connection = True
        if isinstance(body, LimitedStream) and not body.is_exhausted:
            self.close_connection = True  # the client went away mid-body

    def run_wsgi(self) -> None:
        self.server.served()
        self.environ = environ = self.make_environ()
        body = self._body_stream(environ)
        environ["wsgi.input"] = body
        captured: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured[:] = [status, headers]
            return lambda data: None

        try:
            result: Iterable[bytes] = self.server.app(environ, start_response)
            try:
                payload = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except _DROPPED:
            self.close_connection = True
            return
        except Exception as exc:  # never a traceback with a token in it
            log.error("emulator server failed: %r", exc)
            captured[:] = ["500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")]]
            payload = b"Internal Server Error"
        # Answer first, then drain: a fault answers without reading an upload, and the client
        # only reads the answer once it has sent everything.
        self._respond(captured[0], captured[1], payload)
        if not self.close_connection:
            self._drain(body)

    def _respond(self, status: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        code_text, _, reason = status.partition(" ")
        code = int(code_text)
        try:
            self.send_response(code, reason)
            for key, value in headers:
                if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(key, value)
            if code not in _NO_BODY and not 100 <= code < 200:
                self.send_header("Content-Length", str(len(payload)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            self.wfile.flush()
        except _DROPPED:
            self.close_connection = True
