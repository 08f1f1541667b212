"""facebook-sdk 3.1.0, wrapped: current Graph versions, our base URL, and our error taxonomy."""

from collections.abc import Iterator, Mapping
from typing import IO, Any
from urllib.parse import parse_qs, urlparse

import facebook
import requests

from connectors.base import ConnectorConfig, PlatformError, Secret, UnknownOutcome
from connectors.facebook.errors import PLATFORM, map_graph_error, map_network_error
from connectors.facebook.session import GraphSession

_SDK_ACCEPTED_VERSION = "3.1"  # the newest its constructor accepts; replaced right after


class Graph:
    """One account's view of the Graph API. Every method raises only taxonomy errors."""

    def __init__(self, session: GraphSession, token: Secret | None, version: str) -> None:
        self.session = session
        self._token = token
        self.api = facebook.GraphAPI(
            access_token=token.reveal() if token else None,
            timeout=session.timeout_s,
            version=_SDK_ACCEPTED_VERSION,
            session=session,
        )
        # The constructor rejects current versions; paths are built from this attribute.
        self.api.version = version if version.startswith("v") else f"v{version}"
        self.version = self.api.version

    def request(
        self,
        method: str,
        path: str,
        args: Mapping[str, Any] | None = None,
        post_args: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        *,
        creating: bool = False,
    ) -> Any:
        """`method` on `/{version}/{path}`; `creating` marks calls that create something, whose
        failure after sending is an unknown outcome rather than a transient error."""
        try:
            return self.api.request(
                f"{self.version}/{path.lstrip('/')}",
                args=dict(args or {}),
                post_args=dict(post_args) if post_args is not None else None,
                files=dict(files) if files else None,
                method=method,
            )
        except facebook.GraphAPIError as exc:
            raise self._mapped(exc.result, creating) from None
        except requests.RequestException as exc:
            raise map_network_error(exc, creating=creating) from None
        except (KeyError, ValueError):
            # No content-type, or a body that is not JSON: judge by the HTTP status.
            status = self.session.last_status
            if creating and status is not None and 200 <= status < 300:
                # The platform accepted the call and we cannot read what it made: the post
                # may exist, so reconcile rather than fail (or repeat) it.
                raise UnknownOutcome(
                    f"Graph accepted the call but its answer was unreadable (HTTP {status})",
                    platform=PLATFORM,
                    http_status=status,
                ) from None
            raise self._mapped(f"unreadable answer (HTTP {status})", creating) from None

    def post_bytes(
        self,
        target: str,
        headers: Mapping[str, str],
        body: bytes | IO[bytes] | Any,  # a file-like object streams
        *,
        creating: bool = False,
    ) -> Any:
        """POST raw bytes with the token in `Authorization: OAuth`, as the upload endpoints want
        (Resumable Upload API `/upload:<id>`; the Reels `upload_url`). `target` is a path under
        the version, or the absolute URL the platform handed out."""
        url = target if "://" in target else f"{self.session.base_url}{self.version}/{target}"
        sent = {"Authorization": f"OAuth {self._token.reveal() if self._token else ''}"}
        try:
            response = self.session.post(url, headers={**sent, **headers}, data=body)
        except requests.RequestException as exc:
            raise map_network_error(exc, creating=creating) from None
        try:
            payload = response.json()
        except ValueError:
            raise self._mapped(f"unreadable answer (HTTP {response.status_code})") from None
        if isinstance(payload, dict) and payload.get("error"):
            raise self._mapped(payload, creating)
        return payload

    def served_version(self) -> str:
        """The version Graph says served the last call (`facebook-api-version`), if it said."""
        return str(self.session.last_headers.get("facebook-api-version", ""))

    def _mapped(self, result: Any, creating: bool = False) -> PlatformError:
        return map_graph_error(
            result,
            headers=self.session.last_headers,
            http_status=self.session.last_status,
            creating=creating,
        )

    def get(self, path: str, **args: Any) -> Any:
        return self.request("GET", path, args)

    def post(self, path: str, **data: Any) -> Any:
        return self.request("POST", path, post_args=data, creating=True)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def pages(
        self, path: str, max_pages: int, **args: Any
    ) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        """Each page of a listing with whether more follow, up to `max_pages` pages.

        Follows `paging.next` keeping our own token (facebook-sdk's `get_all_connections` needs
        the token inside the paging URL and deletes it)."""
        query: dict[str, Any] = dict(args)
        for _ in range(max_pages):
            page = self.get(path, **query)
            data = page.get("data", []) if isinstance(page, dict) else []
            nxt = page.get("paging", {}).get("next") if isinstance(page, dict) else None
            yield data, bool(nxt)
            if not nxt:
                return
            query = {k: v[0] for k, v in parse_qs(urlparse(nxt).query).items()}
            query.pop("access_token", None)


def make_session(config: ConnectorConfig, *, video: bool = False) -> GraphSession:
    base = (
        config.facebook_video_url
        if video and config.facebook_video_url
        else config.facebook_graph_url
    )
    return GraphSession(base, config.ca_bundle, config.timeout_s)
