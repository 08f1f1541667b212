"""The unmodified client libraries, pointed at an emulator (shared by these tests)."""

import facebook
import pytest
import requests
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import Resource, build
from googleapiclient.http import build_http

from connectors.emulator import Emulator


def graph(emu: Emulator, token: str, monkeypatch: pytest.MonkeyPatch) -> facebook.GraphAPI:
    """facebook-sdk 3.1.0 as Loa uses it: an old version to pass the constructor, then v23.0."""
    monkeypatch.setattr(facebook, "FACEBOOK_GRAPH_URL", emu.base_url)
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify` otherwise
    session.verify = str(emu.ca_file)
    api = facebook.GraphAPI(access_token=token, version="3.1", session=session, timeout=5)
    api.version = "v23.0"
    return api


def page(emu: Emulator, n: int = 1) -> dict[str, str]:
    return emu.accounts["facebook_pages"][n - 1]


def google_credentials(emu: Emulator, n: int = 1) -> Credentials:
    # Credentials.from_authorized_user_info always replaces token_uri with Google's own, so the
    # document's fields are passed one by one.
    info = emu.accounts["youtube_channels"][n - 1]["credentials"]
    return Credentials(
        None,
        refresh_token=info["refresh_token"],
        token_uri=info["token_uri"],
        client_id=info["client_id"],
        client_secret=info["client_secret"],
    )


def google_http(emu: Emulator, creds: Credentials, timeout: float | None = None) -> AuthorizedHttp:
    h = build_http()
    h.ca_certs = str(emu.ca_file)
    if timeout is not None:
        h.timeout = timeout
    return AuthorizedHttp(creds, http=h)


def youtube(emu: Emulator, n: int = 1, timeout: float | None = None) -> Resource:
    return build(
        "youtube",
        "v3",
        static_discovery=True,
        client_options={"api_endpoint": emu.base_url},
        http=google_http(emu, google_credentials(emu, n), timeout),
    )


def analytics(emu: Emulator, n: int = 1) -> Resource:
    return build(
        "youtubeAnalytics",
        "v2",
        static_discovery=True,
        client_options={"api_endpoint": emu.base_url},
        http=google_http(emu, google_credentials(emu, n)),
    )
