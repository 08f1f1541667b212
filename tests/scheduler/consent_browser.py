"""A stand-in for the system browser in Google sign-in tests.

    python consent_browser.py CA_FILE [--account CHANNEL_ID] URL

Python's `webbrowser` runs it with the consent URL (through `BROWSER`). It opens the URL trusting
the emulator's CA and follows the redirects back to the flow's local port, as a browser would;
`--account` is the account the user picks (Google's `login_hint`). When the consent page fails,
it still visits the flow's redirect URI with an `error`, so the waiting command stops and says why
instead of waiting for a redirect that never comes.
"""

import ssl
import sys
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

TIMEOUT_S = 10.0


def opener(ca_file: str) -> urllib.request.OpenerDirector:
    """Trusts only the given CA, and ignores proxy settings: both ends are on loopback."""
    context = ssl.create_default_context(cafile=ca_file)
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )


def with_account(url: str, account: str | None) -> str:
    if not account:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=parts.query + "&" + urlencode({"login_hint": account})))


def report_failure(browser: urllib.request.OpenerDirector, url: str, error: Exception) -> None:
    """Sends the flow's local server an OAuth error redirect (RFC 6749 section 4.1.2.1)."""
    query = parse_qs(urlsplit(url).query)
    redirect = query.get("redirect_uri", [""])[0]
    if not redirect:
        return
    answer = {"error": "access_denied", "error_description": f"browser: {error!r}"}
    if "state" in query:
        answer["state"] = query["state"][0]
    with browser.open(redirect + "?" + urlencode(answer), timeout=TIMEOUT_S) as page:
        page.read()


def main(argv: list[str]) -> int:
    args = argv[1:]
    account = None
    if "--account" in args:
        at = args.index("--account")
        account = args[at + 1]
        del args[at : at + 2]
    ca_file, url = args
    browser = opener(ca_file)
    try:
        with browser.open(with_account(url, account), timeout=TIMEOUT_S) as page:
            page.read()
    except Exception as exc:  # a browser shows any failure; here the flow is told of it
        print(f"consent_browser: {exc!r}", file=sys.stderr)
        report_failure(browser, url, exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
