"""What an officer can do about a platform error: one table, error code -> advice.

The connectors map every platform answer to a small taxonomy (connectors.base) and keep the
platform's own code (`PlatformError.code`, stored as `Publication.last_error_code`). Officers
need the next step, not the code: this table gives it for every code a person can act on.
Codes nobody can act on (a server hiccup the scheduler retries) fall back to advice by kind.

No imports beyond the standard library: the command line reads this table on its error path.
"""

# (platform, code) -> advice. Facebook codes: Graph API "Handling Errors"; YouTube: the
# `errors[].reason` of the Data API.
BY_CODE: dict[tuple[str, str], str] = {
    ("facebook", "190"): "token expired or revoked: an admin runs `loa channel connect KEY`",
    ("facebook", "10"): "token lacks pages_manage_posts: reconnect with a full Page token",
    ("facebook", "200"): "account is not a Page admin or editor: reconnect with one who is",
    ("facebook", "368"): "blocked by Facebook's policies: edit the post, then `loa retry ID`",
    ("facebook", "506"): "duplicate of a recent post: change the text, then `loa retry ID`",
    ("facebook", "100"): "a field was refused: check link, media, text; then `loa retry ID`",
    ("facebook", "4"): "app call limit: Loa waits and tries again by itself",
    ("facebook", "17"): "account call limit: Loa waits and tries again by itself",
    ("facebook", "32"): "Page call limit: Loa waits and tries again by itself",
    ("facebook", "613"): "call limit: Loa waits and tries again by itself",
    ("facebook", "80001"): "Page call limit: Loa waits and tries again by itself",
    ("youtube", "quotaExceeded"): "API quota spent: uploads resume after midnight Pacific time",
    ("youtube", "dailyLimitExceeded"): "API quota spent: resumes after midnight Pacific time",
    ("youtube", "uploadLimitExceeded"): "daily upload limit: spread the clips over more days",
    ("youtube", "forbidden"): "account cannot manage the channel: `loa auth youtube` as owner",
    ("youtube", "insufficientPermissions"): "a scope is missing: `loa auth youtube`, accept all",
    ("youtube", "channelClosed"): "channel closed: take it out of the plan",
    ("youtube", "channelSuspended"): "channel suspended: ask its owner; hold its clips",
    ("youtube", "invalid_grant"): "Google sign-in revoked or expired: `loa auth youtube`",
    ("youtube", "invalidTitle"): "title refused (empty, long or < >): edit, `loa retry ID`",
    ("youtube", "invalidDescription"): "description over 5,000 bytes or < >: edit, retry",
}

# Error kind (the taxonomy's class name, or Loa's own codes) -> advice.
BY_KIND: dict[str, str] = {
    "AuthExpired": "token expired: an admin runs `loa channel connect KEY`",
    "AuthRevoked": "token revoked: an admin runs `loa channel connect KEY`",
    "AuthError": "token refused: an admin runs `loa channel connect KEY`",
    "PermissionDenied": "token cannot act here: reconnect with an admin's or owner's token",
    "Duplicate": "duplicate: change the text, then `loa retry ID`",
    "PolicyBlocked": "blocked by the platform's policies: edit it, then `loa retry ID`",
    "Rejected": "content refused: fix the content item, then `loa retry ID`",
    "RateLimited": "call limit: Loa waits and tries again by itself",
    "QuotaExhausted": "daily quota spent: Loa resumes after the reset",
    "TransientError": "no answer: Loa tries again; if it lasts, check the network",
    "UnknownOutcome": "may be live: `loa review ID` asks the platform and shows why",
    "lease_expired": "worker stopped mid-call: Loa asks the platform before retrying",
    "not_connected": "no token: an admin runs `loa channel connect KEY`",
    "wrong_account": "token of another Page or channel: connect this one's token",
}


def advice_for(platform: str, code: str, kind: str = "") -> str:
    """The next step for an error, or "" when nobody needs to do anything about it."""
    found = BY_CODE.get((platform, str(code)))
    if found:
        return found
    if platform == "facebook" and code.isdigit() and 200 <= int(code) <= 299:
        return BY_CODE[("facebook", "200")]
    return BY_KIND.get(kind, "") or BY_KIND.get(str(code), "")
