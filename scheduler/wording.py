"""Words people read, made consistent where many producers write them.

Alert messages and last errors are written all over the scheduler (dispatcher, reaper, metric
jobs); these helpers bring them to one voice when shown: times in the campaign's zone and one
format, no subject said twice, and one name per publication state.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

TIME_FORMAT = "%d/%m/%Y %H:%M"

# `queued` is approved work the scheduler put back (a deferred claim, a reaped lease): for a
# person it is still approved, and every command says so.
STATE_WORDS = {"queued": "approved"}

_ISO = re.compile(
    r"\b(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})(?!\d)"
)


def state_word(state: str) -> str:
    return STATE_WORDS.get(state, state)


def humanize_times(text: str, zone: ZoneInfo) -> str:
    """Every ISO 8601 time with an offset in `text`, rewritten as `06/12/2026 09:00` in `zone`."""

    def local(match: re.Match[str]) -> str:
        day, clock, offset = match.groups()
        offset = "+00:00" if offset == "Z" else offset
        try:
            moment = datetime.fromisoformat(f"{day}T{clock}{offset}")
        except ValueError:
            return match.group(0)
        return moment.astimezone(zone).strftime(TIME_FORMAT)

    return _ISO.sub(local, text)


def _words(text: str) -> list[str]:
    return text.split()


def without_repeats(message: str, zone_name: str = "") -> str:
    """`channel X (…) paused: channel X (…) is not connected` -> `channel X (…) paused: is not
    connected`: a clause that starts by naming again what the clause before named loses that
    name. The zone's name is dropped too when the reader's heading already gives it."""
    if zone_name:
        message = message.replace(f" {zone_name}", "")
    parts = message.split(": ")
    kept = [parts[0]]
    for part in parts[1:]:
        before, words = _words(kept[-1]), _words(part)
        same = 0
        while same < min(len(before), len(words)) and before[same] == words[same]:
            same += 1
        kept.append(" ".join(words[same:]) if same >= 2 and same < len(words) else part)
    return ": ".join(kept)
