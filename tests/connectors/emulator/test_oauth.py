"""The emulator's Google OAuth endpoints hold a code to whoever asked for it, as Google does:
client credentials in the body or as HTTP Basic, the same redirect URI, the PKCE verifier."""

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.emulator import Emulator

REDIRECT = "http://127.0.0.1:8765/"
VERIFIER = "a-verifier-of-enough-length-0123456789-abcdefghijklmnop"


def _session(emu: Emulator) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify` otherwise
    session.verify = str(emu.ca_file)
    return session


def _code(emu: Emulator, session: requests.Session, **extra: str) -> str:
    """Consent as the first channel; the code from the redirect back."""
    client = emu.accounts["google_client"]
    params = {
        "client_id": client["client_id"],
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "state": "xyz",
        **extra,
    }
    answer = session.get(emu.base_url + "o/oauth2/auth", params=params, allow_redirects=False)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert location.geturl().startswith(REDIRECT)
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def _redeem(
    emu: Emulator, session: requests.Session, code: str, *, basic: bool = False, **form: str
) -> requests.Response:
    client = emu.accounts["google_client"]
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **form}
    if basic:
        auth = (client["client_id"], client["client_secret"])
        return session.post(client["token_uri"], data=body, auth=auth)
    body |= {"client_id": client["client_id"], "client_secret": client["client_secret"]}
    return session.post(client["token_uri"], data=body)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.mark.parametrize("basic", [False, True], ids=["body", "basic"])
def test_a_code_is_redeemed_once_with_client_credentials_either_way(
    emulator: Emulator, basic: bool
) -> None:
    session = _session(emulator)
    code = _code(emulator, session)
    answer = _redeem(emulator, session, code, basic=basic)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["refresh_token"]
    again = _redeem(emulator, session, code, basic=basic)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_a_wrong_basic_secret_is_an_unknown_client(emulator: Emulator) -> None:
    session = _session(emulator)
    client = emulator.accounts["google_client"]
    code = _code(emulator, session)
    answer = session.post(
        client["token_uri"],
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=(client["client_id"], "GOCSPX-not-this-one"),
    )
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")


def test_the_code_needs_the_redirect_uri_it_was_granted_for(emulator: Emulator) -> None:
    session = _session(emulator)
    code = _code(emulator, session)
    answer = _redeem(emulator, session, code, redirect_uri="http://127.0.0.1:9999/")
    assert (answer.status_code, answer.json()["error"]) == (400, "redirect_uri_mismatch")


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_the_code_needs_the_pkce_verifier_of_its_challenge(emulator: Emulator, method: str) -> None:
    session = _session(emulator)
    challenge = _s256(VERIFIER) if method == "S256" else VERIFIER
    for verifier, status in (("", 400), ("another-verifier-" + "x" * 40, 400), (VERIFIER, 200)):
        code = _code(emulator, session, code_challenge=challenge, code_challenge_method=method)
        answer = _redeem(emulator, session, code, code_verifier=verifier)
        assert answer.status_code == status, (verifier, answer.text)
        if status == 400:
            assert answer.json()["error"] == "invalid_grant"
