"""Building the Google API clients for one channel's credentials, against configured hosts."""

import json
from collections.abc import Callable
from typing import Any

import google_auth_httplib2
from google.oauth2.credentials import Credentials as GoogleCredentials
from googleapiclient.discovery import build
from googleapiclient.http import build_http

from connectors.base import AuthRevoked, ConnectorConfig, Secret

SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube",
    "https://www.googleapis.com/auth/yt-analytics.readonly",
)

HttpFactory = Callable[[Secret], Any]
"""Makes the (authorised) httplib2-compatible transport for one credentials document."""


def google_credentials(secret: Secret, config: ConnectorConfig) -> GoogleCredentials:
    """The authorized-user JSON as google-auth credentials, refreshing at our token URL."""
    try:
        info = json.loads(secret.reveal())
        if not isinstance(info, dict):
            raise ValueError("not a JSON object")
        creds: GoogleCredentials = GoogleCredentials.from_authorized_user_info(info)
        # from_authorized_user_info always puts Google's own token URI: set ours after it.
        token_uri = config.google_token_url or info.get("token_uri")
        if token_uri:
            creds = creds.with_token_uri(token_uri)
    except (ValueError, KeyError) as exc:
        # Never echo the document: it holds the tokens.
        raise AuthRevoked(
            f"the stored Google credentials are not an authorized-user document ({type(exc).__name__})",
            platform="youtube",
        ) from None
    return creds


def authorized_http(secret: Secret, config: ConnectorConfig) -> Any:
    # build_http() drops 308 from httplib2's redirect codes, which resumable uploads need.
    http = build_http()
    http.timeout = config.timeout_s
    if config.ca_bundle:
        http.ca_certs = str(config.ca_bundle)
    return google_auth_httplib2.AuthorizedHttp(google_credentials(secret, config), http=http)


def services(http: Any, config: ConnectorConfig) -> tuple[Any, Any]:
    """The YouTube Data v3 and YouTube Analytics v2 clients (no network call at build time)."""
    youtube = build(
        "youtube",
        "v3",
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": config.youtube_api_url},
    )
    analytics = build(
        "youtubeAnalytics",
        "v2",
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": config.youtube_analytics_url},
    )
    return youtube, analytics
