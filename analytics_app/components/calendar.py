"""The calendar widget: FullCalendar (streamlit-calendar) in month, week and list views, with
events coloured by state, and a plain list beside it that works without JavaScript.

FullCalendar gets wall-clock times of the campaign zone without an offset and
`timeZone: "Asia/Ho_Chi_Minh"`, so an event sits at the minute an officer planned whatever the
browser's zone. A drag-and-drop comes back as `eventChange`, and the component repeats its last
value on every rerun: each change is handled once (remembered by its content), then the widget
is remounted so it shows the database again, whether the move was accepted or refused.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from analytics_app.i18n import t
from analytics_app.services.calendar import COLOURS, CalendarEvent, Group

VIEWS = ("dayGridMonth", "timeGridWeek", "listWeek")  # FullCalendar's free views only
# The time of a coloured event stays whole; a long title is cut with an ellipsis instead.
CSS = """
.fc-event-time { flex-shrink: 0; overflow: visible; margin-right: 4px; }
.fc-event-title { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.fc-daygrid-event { font-size: 0.8rem; }
"""
EVENT_MINUTES = 30  # how long an event looks in the week view
# Every rerun sends the events to the browser: beyond this many, the list and the filters
# (unit, dates) are the way to work, and the calendar says so.
MAX_EVENTS = 4000


@dataclass(frozen=True)
class Clicked:
    publication: int


@dataclass(frozen=True)
class Moved:
    publication: int
    to: datetime  # aware, campaign zone


def _wall(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes")


def event_dicts(
    events: list[CalendarEvent], zone: ZoneInfo, can_move: bool
) -> list[dict[str, Any]]:
    """FullCalendar's event objects. Titles are plain strings, which FullCalendar renders as
    text (never as HTML)."""
    out = []
    for e in events:
        background, text = COLOURS[e.group]
        out.append(
            {
                "id": str(e.id),
                "title": f"{e.channel} · {e.title}",
                "start": _wall(e.start, zone),
                "end": _wall(e.start + timedelta(minutes=EVENT_MINUTES), zone),
                "backgroundColor": background,
                "borderColor": background,
                "textColor": text,
                "editable": can_move and e.movable,
                "extendedProps": {"state": e.state, "platform": e.platform},
            }
        )
    return out


def options(view: str, initial: date, first: date, last: date, lang: str) -> dict[str, Any]:
    return {
        "initialView": view if view in VIEWS else VIEWS[0],
        "initialDate": initial.isoformat(),
        "timeZone": "Asia/Ho_Chi_Minh",
        "locale": lang,
        "firstDay": 1,
        "headerToolbar": {
            "left": "prev,next today",
            "center": "title",
            "right": ",".join(VIEWS),
        },
        "buttonText": {
            "today": t("calendar.today"),
            "dayGridMonth": t("calendar.month"),
            "timeGridWeek": t("calendar.week"),
            "listWeek": t("calendar.list"),
        },
        "noEventsText": t("calendar.nothing"),
        "moreLinkText": t("calendar.more"),  # "+12 more" in the viewer's language
        "allDaySlot": False,
        "slotMinTime": "05:00:00",
        "slotMaxTime": "24:00:00",
        "eventDurationEditable": False,
        "eventTimeFormat": {"hour": "2-digit", "minute": "2-digit", "hour12": False},
        "validRange": {"start": first.isoformat(), "end": (last + timedelta(days=1)).isoformat()},
        "dayMaxEvents": 4,
        "eventDisplay": "block",  # the state's colour fills the event in every view
        "height": 720,
    }


def parse_start(raw: str, zone: ZoneInfo) -> datetime:
    """A time FullCalendar sends back: with an offset as given, without one in the zone."""
    value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def interpret(value: object, zone: ZoneInfo) -> Clicked | Moved | None:
    """What the component's value asks for (None for navigation, selection and the like)."""
    if not isinstance(value, dict):
        return None
    callback = value.get("callback")
    try:
        if callback == "eventClick":
            return Clicked(int(value["eventClick"]["event"]["id"]))
        if callback == "eventChange":
            event = value["eventChange"]["event"]
            return Moved(int(event["id"]), parse_start(str(event["start"]), zone))
    except (KeyError, TypeError, ValueError):
        return None
    return None


def calendar_widget(
    events: list[CalendarEvent],
    zone: ZoneInfo,
    *,
    view: str,
    initial: date,
    first: date,
    last: date,
    lang: str,
    can_move: bool,
    key: str,
) -> Clicked | Moved | None:
    """Draw the calendar; a click or a move not handled before, else None."""
    from streamlit_calendar import calendar  # type: ignore[import-untyped]

    generation = st.session_state.get(f"{key}_generation", 0)
    if len(events) > MAX_EVENTS:
        st.info(
            t("calendar.too_many", shown=MAX_EVENTS, n=len(events)), icon=":material/filter_alt:"
        )
    value = calendar(
        events=event_dicts(events[:MAX_EVENTS], zone, can_move),
        options=options(view, initial, first, last, lang),
        custom_css=CSS,
        callbacks=["eventClick", "eventChange"],
        key=f"{key}_{generation}",
    )
    action = interpret(value, zone)
    if action is None:
        return None
    signature = json.dumps(value, sort_keys=True, default=str)
    if st.session_state.get(f"{key}_handled") == signature:
        return None  # the same value again, on a rerun
    st.session_state[f"{key}_handled"] = signature
    return action


def remount(key: str) -> None:
    """Show the database's state again after a move (accepted or refused)."""
    st.session_state[f"{key}_generation"] = st.session_state.get(f"{key}_generation", 0) + 1


def legend(counts: dict[Group, int]) -> None:
    """The colours with their names and counts: the colour is never the only sign."""
    chips = []
    for group in Group:
        background, text = COLOURS[group]
        chips.append(
            f'<span style="background:{background};color:{text};border-radius:10px;'
            f'padding:2px 10px;margin:0 6px 4px 0;display:inline-block;font-size:0.85rem">'
            f"{_escape(t('calendar.group.' + group.value))} · {counts.get(group, 0)}</span>"
        )
    st.markdown("".join(chips), unsafe_allow_html=True)


def _escape(text: str) -> str:
    """Catalogue text inside the legend's markup (our own words, escaped all the same)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
