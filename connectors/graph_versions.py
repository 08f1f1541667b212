"""Graph API versions, when each came out and until when Meta serves it.

Configuration in code, like the metric retirements in `metric_map`: a Graph release touches this
table. It lives in `connectors` because the emulator needs it too (it serves an expired version
as the oldest usable one); `loa status` reads it to warn before the configured version ends.

Rule (developers.facebook.com/docs/graph-api/guides/versioning, "Version Schedules"): a version
is usable until two years after the next version's release; once it is not, "any calls made to
it will be defaulted to the next oldest usable version". Every Graph answer names the version
that served it in the `facebook-api-version` header (same page, "Debugging").

Dates (developers.facebook.com/docs/graph-api/changelog, re-read December 2026): v25.0 released
2026-02-18, v26.0 2026-07-29, v27.0 2026-11-04; v20.0 ended 2026-09-24, v23.0 ends 2027-10-08,
v24.0 2028-02-18, v25.0 2028-07-29. Ends marked `derived` follow from the rule and the next
release date; v27.0 has no successor yet, so no end.
"""

import re
from dataclasses import dataclass
from datetime import date

DEFAULT_VERSION = "v26.0"  # current: released 2026-07-29, served until at least 2028-11-04
WARN_DAYS = 90  # `loa status` warns this long before the configured version's end
_VERSION = re.compile(r"^v?(\d{1,2})\.(\d{1,2})$")


@dataclass(frozen=True)
class GraphVersion:
    name: str  # "v26.0"
    released: date
    ends: date | None  # last usable day is the day before; None: no successor yet
    derived: bool = False  # the end date follows from the two-year rule, not a published date


VERSIONS: tuple[GraphVersion, ...] = (
    GraphVersion("v19.0", date(2024, 1, 23), date(2026, 5, 21), derived=True),
    GraphVersion("v20.0", date(2024, 5, 21), date(2026, 9, 24)),
    GraphVersion("v21.0", date(2024, 10, 2), date(2027, 1, 21), derived=True),
    GraphVersion("v22.0", date(2025, 1, 21), date(2027, 5, 29), derived=True),
    GraphVersion("v23.0", date(2025, 5, 29), date(2027, 10, 8)),
    GraphVersion("v24.0", date(2025, 10, 8), date(2028, 2, 18)),
    GraphVersion("v25.0", date(2026, 2, 18), date(2028, 7, 29)),
    GraphVersion("v26.0", date(2026, 7, 29), date(2028, 11, 4), derived=True),
    GraphVersion("v27.0", date(2026, 11, 4), None),
)


def normalise(version: str) -> str:
    """'26.0' or 'v26.0' -> 'v26.0'; other text is returned as given."""
    m = _VERSION.match(version.strip())
    return f"v{int(m[1])}.{int(m[2])}" if m else version.strip()


def find(version: str, table: tuple[GraphVersion, ...] = VERSIONS) -> GraphVersion | None:
    name = normalise(version)
    return next((v for v in table if v.name == name), None)


def usable(version: GraphVersion, today: date) -> bool:
    return version.released <= today and (version.ends is None or today < version.ends)


def served_as(version: str, today: date, table: tuple[GraphVersion, ...] = VERSIONS) -> str | None:
    """The version Graph serves a call made with `version` on `today`: itself while usable, the
    oldest usable one once it has ended; None when the table does not know it."""
    known = find(version, table)
    if known is None:
        return None
    if usable(known, today) or known.released > today:
        return known.name
    live = [v for v in table if usable(v, today)]
    return live[0].name if live else known.name


def version_warning(version: str, today: date, table: tuple[GraphVersion, ...] = VERSIONS) -> str:
    """A sentence for the operator when `version` is unknown, ended, or ends within WARN_DAYS;
    empty when all is well."""
    known = find(version, table)
    newest = max(table, key=lambda v: v.released).name
    if known is None:
        return (
            f"Graph API version {version!r} is not in Loa's version table; set "
            f"LOA_FACEBOOK_API_VERSION to a current one (newest known: {newest})"
        )
    if known.ends is None:
        return ""
    left = (known.ends - today).days
    if left <= 0:
        served = served_as(known.name, today, table) or newest
        return (
            f"Graph API {known.name} ended on {known.ends.isoformat()}: Meta now answers its "
            f"calls as {served}; set LOA_FACEBOOK_API_VERSION to {newest} after checking the "
            "changelog"
        )
    if left <= WARN_DAYS:
        return (
            f"Graph API {known.name} ends on {known.ends.isoformat()} ({left} days left); "
            f"move LOA_FACEBOOK_API_VERSION to {newest} after checking the changelog"
        )
    return ""
