"""`loa alerts`: each alert in at most two lines of 80 columns, the second the next step."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from scheduler.alert_lines import AlertFacts, alert_lines

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
RAISED = datetime(2026, 12, 6, 2, 5, tzinfo=UTC)


def test_a_missed_publication_in_two_short_lines_with_the_command() -> None:
    facts = AlertFacts(
        id=12,
        kind="missed",
        severity="warning",
        message=(
            "publication #34 'tet-post' on hn-fb (facebook 104251380000001) planned 06/12/2026 "
            "09:00 Asia/Ho_Chi_Minh: publication 34 was due at 2026-12-06T02:00:00+00:00 and "
            "nothing ran; it is past the grace period"
        ),
        created_at=RAISED,
        publication_id=34,
        channel="hn-fb",
        platform="facebook",
    )
    lines = alert_lines(facts, HANOI)
    assert len(lines) == 2
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].startswith(" #12 06/12 09:05 missed · pub 34 on hn-fb: ")
    assert "T02:00" not in lines[0]
    assert lines[0].count("34") == 1  # named once, in the header
    assert "loa retry 34" in lines[1]


def test_a_paused_channel_is_named_once_and_told_how_to_connect() -> None:
    facts = AlertFacts(
        id=3,
        kind="channel_paused",
        severity="critical",
        message="channel hn-yt (youtube UC1) paused: channel hn-yt (youtube UC1) is not connected",
        created_at=RAISED,
        channel="hn-yt",
        platform="youtube",
    )
    first, advice = alert_lines(facts, HANOI)
    assert first.count("hn-yt") == 1
    assert first.startswith("!#3 ")
    assert "loa channel connect hn-yt" in advice


def test_a_platform_error_code_gives_its_own_advice() -> None:
    facts = AlertFacts(
        id=5,
        kind="failed",
        severity="critical",
        message="publication #9 'x' on hn-fb (facebook 1) planned 06/12/2026 09:00: (#506) Duplicate",
        created_at=RAISED,
        publication_id=9,
        channel="hn-fb",
        platform="facebook",
        error_code="506",
    )
    lines = alert_lines(facts, HANOI)
    assert "duplicate" in lines[1]
    assert "loa retry 9" in lines[1]
