"""The HTTP session facebook-sdk runs on: our base URL, our CA, a timeout, and the headers.

facebook-sdk 3.1.0 builds every URL as `facebook.FACEBOOK_GRAPH_URL + path` from a module
global; patching it would leak between configurations and threads, so each session rewrites
that prefix to its own base URL instead. The SDK also throws response headers away, and Graph's
rate-limit state lives in them (`X-App-Usage`, `X-Business-Use-Case-Usage`): the session keeps
the last response's status and headers per thread.
"""

import threading
from pathlib import Path
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

SDK_BASE_URL = "https://graph.facebook.com/"  # what facebook-sdk prefixes to every path


class GraphSession(requests.Session):
    def __init__(self, base_url: str, ca_bundle: Path | None, timeout_s: float) -> None:
        super().__init__()
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        # REQUESTS_CA_BUNDLE in the environment would otherwise override `verify`.
        self.trust_env = False
        self.verify = str(ca_bundle) if ca_bundle else True
        self.timeout_s = timeout_s
        self._last = threading.local()

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if isinstance(url, bytes):
            url = url.decode()
        if url.startswith(SDK_BASE_URL):
            url = self.base_url + url[len(SDK_BASE_URL) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout_s
        self._last.status = None
        self._last.headers = CaseInsensitiveDict()
        response = super().request(method, url, *args, **kwargs)
        self._last.status = response.status_code
        self._last.headers = response.headers
        return response

    @property
    def last_status(self) -> int | None:
        return getattr(self._last, "status", None)

    @property
    def last_headers(self) -> CaseInsensitiveDict[str]:
        headers = getattr(self._last, "headers", None)
        return headers if headers is not None else CaseInsensitiveDict()
