"""The Graph version table: which version serves a call, and when `loa status` must warn."""

import itertools
from datetime import date

from campaigns.settings import Settings
from connectors.base import ConnectorConfig
from connectors.graph_versions import (
    DEFAULT_VERSION,
    VERSIONS,
    find,
    served_as,
    version_warning,
)


def test_the_default_version_is_current_everywhere() -> None:
    assert ConnectorConfig().facebook_api_version == DEFAULT_VERSION
    assert Settings().facebook_api_version == DEFAULT_VERSION
    default = find(DEFAULT_VERSION)
    assert default is not None
    # Current at the end of 2026: released, and far from its end.
    assert version_warning(DEFAULT_VERSION, date(2026, 12, 6)) == ""
    assert default.released <= date(2026, 12, 6)


def test_the_table_follows_the_two_year_rule() -> None:
    ordered = sorted(VERSIONS, key=lambda v: v.released)
    for older, newer in itertools.pairwise(ordered):
        if older.derived:  # two years after the next release, to the day
            assert older.ends == newer.released.replace(year=newer.released.year + 2)
        else:
            assert older.ends is not None
    assert ordered[-1].ends is None  # the newest has no successor yet


def test_an_ended_version_is_served_as_the_oldest_usable_one() -> None:
    assert served_as("v20.0", date(2026, 9, 23)) == "v20.0"
    assert served_as("v20.0", date(2026, 9, 24)) == "v21.0"
    assert served_as("23.0", date(2027, 10, 8)) == "v24.0"
    assert served_as("v99.0", date(2026, 12, 6)) is None


def test_status_warns_90_days_before_the_end() -> None:
    assert version_warning("v23.0", date(2027, 7, 9)) == ""
    soon = version_warning("v23.0", date(2027, 7, 10))
    assert "ends on 2027-10-08 (90 days left)" in soon
    assert "v27.0" in soon
    ended = version_warning("v20.0", date(2026, 12, 6))
    assert "ended on 2026-09-24" in ended
    assert "as v21.0" in ended
    assert "not in Loa's version table" in version_warning("v9.9", date(2026, 12, 6))
