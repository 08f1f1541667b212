"""The calendar's reads: events of a person's units in a date range, and one item in full."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.services.calendar import (
    Group,
    ItemAction,
    YouTubePreview,
    calendar_data,
    item_detail,
    table_rows,
)
from campaigns.access import Forbidden
from campaigns.errors import UserError
from campaigns.models import Attempt, PublicationState
from tests.analytics_app.services.calendar_fixtures import (
    DAK_LAK_OFFICER,
    HA_NOI_MANAGER,
    HA_NOI_OFFICER,
    NATIONAL,
    NCFAW_OFFICER,
    ZONE,
    load_example,
    local,
    pub_id,
    set_state,
)


@pytest.fixture
def engine(any_engine: Engine, tmp_path: Path) -> Engine:
    """The example on SQLite and on PostgreSQL."""
    load_example(any_engine, tmp_path)
    return any_engine


def test_an_officer_sees_only_their_units_publications(engine: Engine) -> None:
    with Session(engine) as s:
        data = calendar_data(s, HA_NOI_OFFICER)
    # ha-noi-fb: launch, tips 01-03 (series), orange-day.
    assert {e.channel for e in data.events} == {"ha-noi-fb"}
    assert [e.content for e in data.events] == [
        "launch",
        "tip-01",
        "tip-02",
        "tip-03",
        "orange-day",
    ]
    assert all(e.unit == "ha-noi" for e in data.events)
    assert [c.key for c in data.channels] == ["ha-noi-fb"]
    assert data.can_plan
    assert not data.can_approve


def test_national_sees_every_unit_plans_nothing(engine: Engine) -> None:
    with Session(engine) as s:
        data = calendar_data(s, NATIONAL)
    # 3 launch + 6 tips + 3 orange-day + 2 clips.
    assert len(data.events) == 14
    assert data.counts()[Group.DRAFT] == 14
    assert data.channels == []
    assert not data.can_plan
    assert not data.can_approve


def test_range_unit_filter_and_times_in_campaign_zone(engine: Engine) -> None:
    with Session(engine) as s:
        data = calendar_data(
            s, NATIONAL, start=date(2025, 11, 25), end=date(2025, 11, 25), units=["ncfaw"]
        )
    assert [(e.content, e.channel) for e in data.events] == [
        ("orange-day", "ncfaw-fb"),
        ("clip-online-safety", "ncfaw-yt"),
    ]
    assert data.events[0].start == local(25, 11, 7, 30)
    assert data.events[0].start.tzinfo == ZONE


def test_a_unit_filter_never_widens_an_officers_scope(engine: Engine) -> None:
    with Session(engine) as s:
        data = calendar_data(s, HA_NOI_OFFICER, units=["dak-lak"])
    assert data.events == []


def test_states_group_into_colours_and_cancelled_hide_by_default(engine: Engine) -> None:
    launch = pub_id(engine, "launch", "ha-noi-fb")
    tip = pub_id(engine, "tip-01", "ha-noi-fb")
    set_state(engine, launch, PublicationState.QUEUED)
    set_state(engine, tip, PublicationState.CANCELLED)
    with Session(engine) as s:
        shown = {e.id: e for e in calendar_data(s, HA_NOI_OFFICER).events}
        every = calendar_data(s, HA_NOI_OFFICER, include_cancelled=True).events
    assert shown[launch].group == Group.APPROVED
    assert tip not in shown
    assert {e.id for e in every} == set(shown) | {tip}


def test_empty_range_is_a_user_error(engine: Engine) -> None:
    with Session(engine) as s, pytest.raises(UserError, match="before it starts"):
        calendar_data(s, NATIONAL, start=date(2025, 12, 1), end=date(2025, 11, 30))


def test_detail_of_a_clip_has_the_youtube_preview_and_the_attempts(engine: Engine) -> None:
    clip = pub_id(engine, "clip-online-safety", "ncfaw-yt")
    set_state(engine, clip, PublicationState.NEEDS_REVIEW, attempts=1)
    with Session(engine) as s:
        s.add(
            Attempt(
                publication_id=clip,
                number=1,
                worker_id="w1",
                started_at=local(25, 11, 19, 0),
                ended_at=local(25, 11, 19, 1),
                outcome="unknown",
                error_code="timeout",
                error_message="no answer after sending",
                evidence={"searched": "marker", "found": 0},
            )
        )
        s.commit()
        detail = item_detail(s, NCFAW_OFFICER, clip)
    assert isinstance(detail.preview, YouTubePreview)
    assert detail.preview.title == "An toàn cho trẻ em gái trên không gian mạng"
    assert detail.preview.description.startswith("Những kỹ năng đơn giản")
    assert detail.preview.description_bytes > len(detail.preview.description)  # Vietnamese
    assert detail.preview.tags == ("bình đẳng giới", "an toàn trên mạng", "trẻ em gái")
    assert detail.media is not None
    assert detail.media.name == "clip-online-safety.mp4"
    [attempt] = detail.attempts
    assert (attempt.outcome, attempt.error_code, attempt.worker) == ("unknown", "timeout", "w1")
    assert attempt.started_at == local(25, 11, 19, 0)
    assert detail.evidence == [(1, {"searched": "marker", "found": 0})]
    # An officer may cancel but not resolve a needs_review item; the state offers both.
    assert detail.possible == {ItemAction.CANCEL, ItemAction.REVIEW}
    assert detail.allowed == {ItemAction.CANCEL}


def test_detail_of_a_post_lists_the_same_content_elsewhere_and_what_each_role_may(
    engine: Engine,
) -> None:
    orange = pub_id(engine, "orange-day", "ha-noi-fb")
    with Session(engine) as s:
        officer = item_detail(s, HA_NOI_OFFICER, orange)
        manager = item_detail(s, HA_NOI_MANAGER, orange)
        national = item_detail(s, NATIONAL, orange)
    assert officer.preview.message.startswith("25/11")  # type: ignore[union-attr]
    assert {sib.channel for sib in officer.siblings} == {"ncfaw-fb", "dak-lak-fb"}
    assert ItemAction.APPROVE in officer.possible
    assert ItemAction.APPROVE not in officer.allowed
    assert ItemAction.APPROVE in manager.allowed
    assert national.allowed == frozenset()


def test_detail_of_another_units_item_is_refused(engine: Engine) -> None:
    orange = pub_id(engine, "orange-day", "ha-noi-fb")
    with Session(engine) as s, pytest.raises(Forbidden):
        item_detail(s, DAK_LAK_OFFICER, orange)


def test_table_rows_keep_the_officers_text_as_is(engine: Engine) -> None:
    with Session(engine) as s:
        rows = table_rows(calendar_data(s, HA_NOI_OFFICER).events)
    assert rows[0]["id"] == pub_id(engine, "launch", "ha-noi-fb")
    assert rows[0]["state"] == "draft"
    assert rows[1]["title"].startswith("Không chia sẻ mật khẩu")


def test_the_objective_and_audience_filters_narrow_to_the_content_that_has_them(
    engine: Engine,
) -> None:
    with Session(engine) as s:
        parents = calendar_data(s, NATIONAL, audience="parents")
        o1 = calendar_data(s, NATIONAL, objective="O1")
    assert {e.content for e in parents.events} == {"tip-03"}
    assert {e.content for e in o1.events} == {"launch"}


def test_an_item_says_whether_the_campaign_file_owns_its_content(engine: Engine) -> None:
    with Session(engine) as s:
        detail = item_detail(s, HA_NOI_OFFICER, pub_id(engine, "tip-01", "ha-noi-fb"))
    assert detail.from_file  # a re-import of the file would put the file's text back
