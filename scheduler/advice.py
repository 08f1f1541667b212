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
    ("facebook", "190"): "the Page token has expired or was revoked: an admin reconnects the "
    "channel (`loa channel connect KEY --token-file FILE` or `loa auth facebook`)",
    ("facebook", "10"): "the token lacks a permission: reconnect the Page with a token that "
    "has pages_manage_posts and pages_read_engagement",
    ("facebook", "200"): "the token cannot post on this Page: check that the account is a Page "
    "admin or editor, then reconnect the channel",
    ("facebook", "368"): "Facebook blocked the post under its policies: edit the text or "
    "media, then `loa retry ID`",
    ("facebook", "506"): "Facebook refused a duplicate of a recent post: change the text, "
    "then `loa retry ID`",
    ("facebook", "100"): "Facebook refused the content (a field is invalid): check the link, "
    "media and text of the content item, then `loa retry ID`",
    ("facebook", "4"): "too many calls for the app: Loa waits and tries again by itself",
    ("facebook", "17"): "too many calls for the account: Loa waits and tries again by itself",
    ("facebook", "32"): "the Page's call limit is reached: Loa waits and tries again by itself",
    ("facebook", "613"): "too many calls: Loa waits and tries again by itself",
    ("facebook", "80001"): "the Page's call limit is reached: Loa waits and tries again by itself",
    ("youtube", "quotaExceeded"): "today's YouTube API quota is spent: uploads resume after the "
    "reset at midnight Pacific time; move clips to other days if this repeats",
    ("youtube", "dailyLimitExceeded"): "today's YouTube API quota is spent: uploads resume "
    "after the reset at midnight Pacific time",
    ("youtube", "uploadLimitExceeded"): "the channel reached YouTube's daily upload limit: "
    "spread the clips over more days (`loa plan show --channel KEY`)",
    ("youtube", "forbidden"): "the Google account cannot manage this channel: reconnect with "
    "the channel owner's account (`loa auth youtube`)",
    ("youtube", "insufficientPermissions"): "the grant lacks a YouTube scope: reconnect the "
    "channel (`loa auth youtube`) and accept every permission asked",
    ("youtube", "channelClosed"): "the YouTube channel is closed: remove it from the plan or "
    "connect another channel",
    ("youtube", "channelSuspended"): "the YouTube channel is suspended: contact its owner; "
    "remove its clips from the plan meanwhile",
    ("youtube", "invalid_grant"): "the Google sign-in was revoked or expired: an admin "
    "reconnects the channel (`loa auth youtube`)",
    ("youtube", "invalidTitle"): "YouTube refused the title (empty, too long or with < >): "
    "edit it, then `loa retry ID`",
    ("youtube", "invalidDescription"): "YouTube refused the description (over 5,000 bytes or "
    "with < >): shorten it, then `loa retry ID`",
}

# Error kind (the taxonomy's class name, or Loa's own codes) -> advice.
BY_KIND: dict[str, str] = {
    "AuthExpired": "the token has expired: an admin reconnects the channel "
    "(`loa channel connect KEY`)",
    "AuthRevoked": "the token was revoked: an admin reconnects the channel "
    "(`loa channel connect KEY`)",
    "AuthError": "the platform refused the token: an admin reconnects the channel",
    "PermissionDenied": "the token cannot act on this account: reconnect the channel with a "
    "token of a Page admin (or the channel owner)",
    "Duplicate": "the platform refused a duplicate: change the text, then `loa retry ID`",
    "PolicyBlocked": "the platform blocked the content under its policies: edit it, then "
    "`loa retry ID`",
    "Rejected": "the platform refused the content: fix the content item, then `loa retry ID`",
    "RateLimited": "too many calls: Loa waits and tries again by itself",
    "QuotaExhausted": "the daily quota is spent: Loa resumes after the reset",
    "TransientError": "the platform did not answer: Loa tries again by itself; if it lasts, "
    "check the network",
    "UnknownOutcome": "the post may or may not exist: Loa asks the platform; if it cannot "
    "tell, check the Page and run `loa review ID --published URL` or `--absent`",
    "lease_expired": "the worker stopped mid-attempt: Loa asks the platform before trying again",
    "not_connected": "the channel has no token: an admin runs `loa channel connect KEY`",
    "wrong_account": "the token opens another Page or channel: connect the right one's token",
}


def advice_for(platform: str, code: str, kind: str = "") -> str:
    """The next step for an error, or "" when nobody needs to do anything about it."""
    found = BY_CODE.get((platform, str(code)))
    if found:
        return found
    if platform == "facebook" and code.isdigit() and 200 <= int(code) <= 299:
        return BY_CODE[("facebook", "200")]
    return BY_KIND.get(kind, "") or BY_KIND.get(str(code), "")
