"""How report files are named, and what a name says it covers: one rule for the writers and
for the list that decides who may download which file.

    CAMPAIGN-weekly-YYYY-Www-SCOPE-LANG    CAMPAIGN-final-SCOPE-LANG

SCOPE is a unit key, or `all` for the whole campaign.
"""

import re

ALL = "all"
_SCOPE = re.compile(r"-(?:final|weekly-\d{4}-W\d{2})-(?P<scope>.+)-[a-z]{2}$")


def weekly_stem(campaign: str, week: str, unit: str | None, lang: str) -> str:
    return f"{campaign}-weekly-{week}-{unit or ALL}-{lang}"


def final_stem(campaign: str, unit: str | None, lang: str) -> str:
    return f"{campaign}-final-{unit or ALL}-{lang}"


def covered_unit(stem: str) -> str | None:
    """The unit a report file covers; None for the whole campaign or a name not given here."""
    found = _SCOPE.search(stem)
    return found["scope"] if found and found["scope"] != ALL else None
