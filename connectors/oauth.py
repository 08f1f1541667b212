"""Getting tokens: Google's installed-app flow and Facebook's long-lived token exchange."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from connectors.base import (
    ConnectorConfig,
    Credentials,
    PermissionDenied,
    Secret,
    TransientError,
)
from connectors.facebook import FacebookConnector
from connectors.redact import register_secret
from connectors.youtube.client import SCOPES

# How long `loa auth youtube` waits for the browser to come back (read at each sign-in).
SIGN_IN_SECONDS = 300


@dataclass(frozen=True)
class PageGrant:
    """A Page the user manages, with its Page token (which does not expire)."""

    page_id: str
    name: str
    token: Secret
    tasks: tuple[str, ...] = ()


def exchange_long_lived(
    connector: FacebookConnector, user_token: Secret
) -> tuple[Secret, datetime | None]:
    """A short-lived user token traded for a long-lived one (about 60 days) with the app's id
    and secret (`GET /oauth/access_token?grant_type=fb_exchange_token`)."""
    config = connector.config
    if not config.facebook_app_id or not config.facebook_app_secret:
        raise PermissionDenied(
            "the Facebook app id and secret are not configured "
            "(LOA_FACEBOOK_APP_ID, LOA_FACEBOOK_APP_SECRET)",
            platform="facebook",
        )
    answer = connector.graph(None).get(
        "oauth/access_token",
        grant_type="fb_exchange_token",
        client_id=config.facebook_app_id,
        client_secret=config.facebook_app_secret.reveal(),
        fb_exchange_token=user_token.reveal(),
    )
    token = str(answer["access_token"])
    register_secret(token)
    expires_in = answer.get("expires_in")
    expires = datetime.now(UTC) + timedelta(seconds=int(expires_in)) if expires_in else None
    return Secret(token), expires


def page_tokens(connector: FacebookConnector, user_token: Secret) -> list[PageGrant]:
    """The Pages the user manages (`GET /me/accounts`, every page of it)."""
    graph = connector.graph(Credentials("facebook", "me", user_token))
    grants: list[PageGrant] = []
    for data, _more in graph.pages("me/accounts", 50, fields="id,name,access_token,tasks"):
        for page in data:
            if page.get("access_token"):
                register_secret(str(page["access_token"]))
                grants.append(
                    PageGrant(
                        str(page["id"]),
                        str(page.get("name", "")),
                        Secret(str(page["access_token"])),
                        tuple(page.get("tasks") or ()),
                    )
                )
    return grants


def google_client_config(client_secrets: Path, config: ConnectorConfig) -> dict[str, Any]:
    """The OAuth client file (`client_secret_*.json`), pointed at the configured token URL."""
    data = json.loads(client_secrets.read_text(encoding="utf-8"))
    section = "installed" if "installed" in data else "web"
    if config.google_token_url and section in data:
        data[section]["token_uri"] = config.google_token_url
    return dict(data)


def google_installed_app(client_secrets: Path, config: ConnectorConfig) -> Secret:
    """Runs the browser consent flow on a local port; returns the authorized-user JSON.

    `access_type=offline` and `prompt=consent` make Google hand out a refresh token every time.
    """
    from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
    from oauthlib.oauth2 import OAuth2Error
    from requests import RequestException

    flow = InstalledAppFlow.from_client_config(
        google_client_config(client_secrets, config), scopes=list(SCOPES)
    )
    if config.ca_bundle:
        # The code-for-token exchange is a requests call that `run_local_server` makes without
        # `verify`; requests then trusts REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE or certifi, ahead of
        # even the session's own `verify` (`requests.Session.merge_environment_settings` replaces
        # only True or None). Only an explicit path on the call itself wins.
        flow.fetch_token = partial(flow.fetch_token, verify=str(config.ca_bundle))
    try:
        creds = flow.run_local_server(
            port=0, access_type="offline", prompt="consent", timeout_seconds=SIGN_IN_SECONDS
        )
    except WSGITimeoutError:
        # A closed tab or a failed consent page never redirects back: give up, do not wait on.
        raise TransientError(
            f"no answer from the browser within {SIGN_IN_SECONDS} seconds; "
            "run the command again and finish the sign-in there",
            platform="youtube",
        ) from None
    except OAuth2Error as exc:
        # The redirect carried an error, or the token endpoint refused the code or the client.
        detail = exc.error + (f": {exc.description}" if exc.description else "")
        raise PermissionDenied(
            f"Google refused the sign-in ({detail})", platform="youtube", code=exc.error
        ) from None
    except RequestException as exc:
        raise TransientError(
            f"Google's token endpoint could not be reached ({type(exc).__name__})",
            platform="youtube",
        ) from None
    document = creds.to_json()
    register_secret(document)
    return Secret(document)
