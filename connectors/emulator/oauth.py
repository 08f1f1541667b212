"""Google's OAuth endpoints: `POST /token` (refresh and authorization-code grants) and the consent
page `/o/oauth2/auth`, which consents at once and redirects back with a code. The token endpoint
takes the client's id and secret in the body or as HTTP Basic, and redeems a code only with the
redirect URI and PKCE verifier it was asked for, as Google's does.

Bodies follow RFC 6749 section 5 as Google sends them: `{"access_token", "expires_in",
"token_type": "Bearer"}` on success, `{"error": "invalid_grant", "error_description"}` on failure.
"""

import base64
import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import unquote_plus, urlencode

from werkzeug.wrappers import Request, Response

from connectors.emulator.clock import Clock
from connectors.emulator.state import GoogleToken, State
from connectors.emulator.wire import ApiError, google_error, json_response

SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload "
    "https://www.googleapis.com/auth/youtube "
    "https://www.googleapis.com/auth/yt-analytics.readonly"
)


def oauth_error(error: str, description: str, status: int = 400) -> ApiError:
    return ApiError(json_response({"error": error, "error_description": description}, status))


class GoogleOAuth:
    def __init__(self, state: State, clock: Clock, token_lifetime_s: int) -> None:
        self.state = state
        self.clock = clock
        self.lifetime = timedelta(seconds=token_lifetime_s)
        # What each outstanding code was granted for: its redirect URI and PKCE challenge.
        self.pending: dict[str, tuple[str, str, str]] = {}

    def fault(self, kind: str) -> Response:
        if kind == "5xx":
            return json_response(
                {"error": "internal_failure", "error_description": "Backend Error"}, 503
            )
        return oauth_error("invalid_grant", "Token has been expired or revoked.").response

    def consent(self, request: Request) -> Response:
        """Consent at once for the channel named by `login_hint` (default: the first one)."""
        redirect = request.args.get("redirect_uri", "")
        if request.args.get("client_id") != self.state.google_client_id or not redirect:
            return Response("Error 401: invalid_client", status=401, content_type="text/plain")
        hint = request.args.get("login_hint", "")
        channel = hint if hint in self.state.channels else next(iter(self.state.channels))
        code = "4/0" + self.state.new_token("", 60)
        with self.state.lock:
            self.state.auth_codes[code] = channel
            self.pending[code] = (
                redirect,
                request.args.get("code_challenge", ""),
                request.args.get("code_challenge_method", "plain"),
            )
        query = {"code": code, "scope": request.args.get("scope", SCOPES)}
        if "state" in request.args:
            query["state"] = request.args["state"]
        sep = "&" if "?" in redirect else "?"
        return Response(status=302, headers={"Location": redirect + sep + urlencode(query)})

    def token(self, request: Request) -> Response:
        try:
            return json_response(self._token(request.form, _basic_client(request)))
        except ApiError as err:
            return err.response

    def _token(
        self, form: Mapping[str, str], basic: tuple[str, str] | None = None
    ) -> dict[str, object]:
        get = form.get
        client_id, secret = basic or (get("client_id"), get("client_secret"))
        if client_id != self.state.google_client_id or secret != self.state.google_client_secret:
            raise oauth_error("invalid_client", "The OAuth client was not found.", 401)
        grant = get("grant_type")
        now = self.clock.now()
        if grant == "refresh_token":
            channel_id = self.state.refresh_to_channel.get(get("refresh_token") or "")
            channel = self.state.channels.get(channel_id or "")
            if channel is None or channel.revoked:
                raise oauth_error("invalid_grant", "Token has been expired or revoked.")
            return {**self._issue(channel.id, now), "scope": SCOPES}
        if grant == "authorization_code":
            with self.state.lock:
                channel_id = self.state.auth_codes.pop(get("code") or "", "")
                pending = self.pending.pop(get("code") or "", ("", "", ""))
            if not channel_id:
                raise oauth_error("invalid_grant", "Malformed auth code.")
            _check_redemption(form, *pending)
            channel = self.state.channels[channel_id]
            return {
                **self._issue(channel_id, now),
                "refresh_token": channel.refresh_token,
                "scope": SCOPES,
            }
        raise oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant}")

    def _issue(self, channel_id: str, now: datetime) -> dict[str, object]:
        token = self.state.new_token("ya29.a0", 150)
        with self.state.lock:
            self.state.google_tokens[token] = GoogleToken(channel_id, now + self.lifetime)
        return {
            "access_token": token,
            "expires_in": int(self.lifetime.total_seconds()) - 1,
            "token_type": "Bearer",
        }

    def channel_of(self, request: Request) -> str | None:
        """The channel a bearer token acts for, without judging it (for fault scopes)."""
        token = _bearer(request)
        with self.state.lock:
            found = self.state.google_tokens.get(token)
        return found.channel_id if found else None

    def authenticate(self, request: Request) -> str:
        """The channel id of a valid bearer token, else Google's 401 authError."""
        token = _bearer(request)
        with self.state.lock:
            found = self.state.google_tokens.get(token)
        if found is None or found.expires_at <= self.clock.now():
            raise unauthenticated()
        return found.channel_id


def unauthenticated() -> ApiError:
    return google_error(
        401,
        "authError",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential.",
        location="Authorization",
        locationType="header",
    )


def _check_redemption(form: Mapping[str, str], redirect: str, challenge: str, method: str) -> None:
    """Only whoever asked for the code may redeem it, as Google enforces: with the same
    `redirect_uri` (RFC 6749 section 4.1.3) and a `code_verifier` that, as is for `plain` or as
    its S256 digest, is the consent request's `code_challenge` (RFC 7636 section 4.6). The
    error descriptions are ours."""
    if form.get("redirect_uri") != redirect:
        raise oauth_error("redirect_uri_mismatch", "Bad Request")
    if not challenge:
        return
    verifier = form.get("code_verifier", "")
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    if verifier != challenge:
        raise oauth_error("invalid_grant", "Invalid code verifier.")


def _basic_client(request: Request) -> tuple[str, str] | None:
    """The client id and secret of an `Authorization: Basic` header, if the client sent one.

    RFC 6749 section 2.3.1: a token endpoint must accept the client's credentials this way
    (`client_secret_basic`, each part form-urlencoded before base64) as well as in the body
    (`client_secret_post`); Google's discovery document
    (https://accounts.google.com/.well-known/openid-configuration, as mirrored in the
    panva/wellknown repository, issuers/google) lists both among its
    `token_endpoint_auth_methods_supported`, and `plain` and `S256` as PKCE methods. requests_oauthlib 2.0 `fetch_token`, which Google's
    installed-app flow uses, sends Basic whenever it has a client id and no explicit `auth`.
    """
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return None
    return unquote_plus(auth.username or ""), unquote_plus(auth.password or "")


def _bearer(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.args.get("access_token", "")
