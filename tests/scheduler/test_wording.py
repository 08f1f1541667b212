"""One voice for messages written all over the scheduler: zone, format, no repeats, states."""

from zoneinfo import ZoneInfo

from scheduler.advice import advice_for
from scheduler.log_format import ZoneFormatter
from scheduler.wording import humanize_times, state_word, without_repeats

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_iso_times_become_local_in_one_format() -> None:
    text = "publication 4 was due at 2026-12-06T02:00:00+00:00 and nothing ran"
    assert (
        humanize_times(text, HANOI) == "publication 4 was due at 06/12/2026 09:00 and nothing ran"
    )
    assert (
        humanize_times("until 2025-11-25T10:30:00.123+07:00.", HANOI) == "until 25/11/2025 10:30."
    )
    assert humanize_times("day 2025-11-25 has no time", HANOI) == "day 2025-11-25 has no time"


def test_a_clause_does_not_name_its_subject_twice() -> None:
    message = "channel hn-yt (youtube UC1) paused: channel hn-yt (youtube UC1) is not connected"
    assert without_repeats(message) == "channel hn-yt (youtube UC1) paused: is not connected"
    assert without_repeats("token: token expired") == "token: token expired"  # one word is fine
    planned = "planned 06/12/2026 09:00 Asia/Ho_Chi_Minh: missed"
    assert without_repeats(planned, "Asia/Ho_Chi_Minh") == "planned 06/12/2026 09:00: missed"


def test_queued_is_approved_for_people() -> None:
    assert state_word("queued") == "approved"
    assert state_word("needs_review") == "needs_review"


def test_every_actionable_error_code_has_advice() -> None:
    assert "loa channel connect" in advice_for("facebook", "190")
    assert "Page admin or editor" in advice_for("facebook", "230")  # the 200-299 family
    assert "duplicate" in advice_for("facebook", "506")
    assert "quota" in advice_for("youtube", "quotaExceeded")
    assert "loa auth youtube" in advice_for("youtube", "invalid_grant")
    assert "loa review" in advice_for("facebook", "", "UnknownOutcome")
    assert advice_for("facebook", "1") == ""  # a server hiccup: nothing for a person to do


def test_log_lines_are_stamped_in_the_campaign_zone() -> None:
    import logging

    record = logging.LogRecord("loa", logging.INFO, __file__, 1, "published", None, None)
    record.created = 1796522400.0  # 2026-12-06 02:00:00 UTC
    line = ZoneFormatter(HANOI).format(record)
    assert line.startswith("06/12/2026 09:00:00 +07 INFO loa: published")


def test_log_messages_with_iso_times_read_in_the_same_zone() -> None:
    import logging

    record = logging.LogRecord(
        "loa", logging.WARNING, __file__, 1, "due at %s", ("2026-12-06T02:00:00+00:00",), None
    )
    record.created = 1796522400.0
    assert ZoneFormatter(HANOI).format(record).endswith("loa: due at 06/12/2026 09:00")
