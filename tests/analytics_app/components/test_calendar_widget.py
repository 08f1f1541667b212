"""The calendar widget's translation to and from FullCalendar: wall-clock times of the campaign
zone, colours by state, only movable items draggable, and each drag-and-drop read back."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from analytics_app.components.calendar import Clicked, Moved, event_dicts, interpret, options
from analytics_app.services.calendar import COLOURS, CalendarEvent, Group

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def _event(state: str, group: Group, title: str = "<b>x</b>") -> CalendarEvent:
    return CalendarEvent(
        id=7,
        title=title,
        start=datetime(2025, 11, 25, 0, 30, tzinfo=UTC),  # 07:30 in Hanoi
        state=state,
        group=group,
        channel="ha-noi-fb",
        channel_name="Sở Nội vụ Hà Nội",
        platform="facebook",
        kind="post",
        unit="ha-noi",
        content="orange-day",
        approved_by="",
        last_error="",
    )


def test_events_carry_the_campaign_wall_clock_and_the_states_colour() -> None:
    [event] = event_dicts([_event("draft", Group.DRAFT)], ZONE, can_move=True)
    assert event["start"] == "2025-11-25T07:30"  # no offset: FullCalendar keeps the minute
    assert event["end"] == "2025-11-25T08:00"
    assert event["backgroundColor"] == COLOURS[Group.DRAFT][0]
    assert event["title"] == "ha-noi-fb · <b>x</b>"  # a plain string, drawn as text
    assert event["editable"] is True


def test_only_items_not_yet_out_are_draggable_and_only_for_planners() -> None:
    published = event_dicts([_event("published", Group.PUBLISHED)], ZONE, can_move=True)
    assert published[0]["editable"] is False
    draft = event_dicts([_event("draft", Group.DRAFT)], ZONE, can_move=False)
    assert draft[0]["editable"] is False


def test_only_free_views_and_the_campaign_zone() -> None:
    opts = options("resourceTimeline", date(2025, 11, 20), *_span(), "vi")
    assert opts["initialView"] == "dayGridMonth"  # a premium view is never asked for
    assert opts["timeZone"] == "Asia/Ho_Chi_Minh"
    assert opts["headerToolbar"]["right"] == "dayGridMonth,timeGridWeek,listWeek"
    assert opts["validRange"] == {"start": "2025-11-15", "end": "2025-12-16"}


def _span() -> tuple[date, date]:
    return date(2025, 11, 15), date(2025, 12, 15)


def test_a_click_and_a_drop_are_read_back_in_the_campaign_zone() -> None:
    click = {"callback": "eventClick", "eventClick": {"event": {"id": "7", "title": "x"}}}
    assert interpret(click, ZONE) == Clicked(7)
    drop = {
        "callback": "eventChange",
        "eventChange": {"event": {"id": "7", "start": "2025-11-26T07:30:00"}, "oldEvent": {}},
    }
    assert interpret(drop, ZONE) == Moved(7, datetime(2025, 11, 26, 7, 30, tzinfo=ZONE))
    with_offset = {
        "callback": "eventChange",
        "eventChange": {"event": {"id": "7", "start": "2025-11-26T00:30:00Z"}},
    }
    assert interpret(with_offset, ZONE) == Moved(7, datetime(2025, 11, 26, 7, 30, tzinfo=ZONE))


def test_anything_else_asks_for_nothing() -> None:
    assert interpret(None, ZONE) is None  # what the component gives before any interaction
    assert interpret({}, ZONE) is None
    assert interpret({"callback": "dateClick", "dateClick": {}}, ZONE) is None
    assert interpret({"callback": "eventChange", "eventChange": {"event": {}}}, ZONE) is None
