"""The Calendar page through the app: the list shows the unit's publications; approving from the
page works for a manager and is refused, with a message and no change, for an officer; user
text shows as typed; no exception on any run."""

# ruff: noqa: F811  (the shared fixtures are imported by name, then requested as arguments)

from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from analytics_app.services.calendar import Group
from campaigns.access import Identity
from campaigns.models import Attempt, AuditLog, Publication, PublicationState
from tests.analytics_app.app_support import (
    ADMIN,
    APP,
    MANAGER_U1,
    OFFICER_U1,
    OFFICER_U2,
    XSS,
    app_db,  # noqa: F401  (fixture)
    as_identity,  # noqa: F401  (fixture)
    seeded,  # noqa: F401  (fixture)
    texts,
)
from tests.analytics_app.factories import Hand

PAGE = "pages/calendar.py"


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_calendar(who: Identity, use: Callable[[Identity | None], None]) -> AppTest:
    """The app on the Calendar page over the whole campaign."""
    use(who)
    at = AppTest.from_file(APP, default_timeout=60)
    _run(at)
    at.switch_page(PAGE)
    return _run(at)


def listed(at: AppTest) -> list[int]:
    [frame] = [d.value for d in at.dataframe if "Đơn vị" in d.value.columns]  # not the editor
    return [int(i) for i in frame["id"]]


def open_item(at: AppTest, publication: int) -> AppTest:
    at.number_input(key="cal_pick").set_value(publication)
    return _run(at)


@pytest.fixture
def draft(seeded: Hand, app_db: Engine) -> int:
    """Publication E (p2 on fb1, unit u1, due 30/11) as a draft waiting for approval."""
    with Session(app_db) as s:
        pub = s.get(Publication, seeded.pubs["E"])
        assert pub is not None
        pub.state = PublicationState.DRAFT
        s.add(pub)
        s.commit()
    return seeded.pubs["E"]


def _state(engine: Engine, publication: int) -> str:
    with Session(engine) as s:
        pub = s.get(Publication, publication)
        assert pub is not None
        return pub.state


def test_the_list_shows_the_units_publications(seeded: Hand, draft: int, as_identity) -> None:
    at = open_calendar(OFFICER_U1, as_identity)
    # u1: A (fb1), C (yt1), E (fb1); never u2's B and D.
    assert listed(at) == [seeded.pubs["A"], seeded.pubs["C"], draft]
    other = open_calendar(OFFICER_U2, as_identity)
    assert listed(other) == [seeded.pubs["B"], seeded.pubs["D"]]
    said = texts(at)
    assert "Nháp · 1" in said  # the legend names each colour with its count
    assert f"{Group.PUBLISHED.value}" not in said  # state names are words, not codes


def test_a_manager_approves_from_the_page(
    seeded: Hand,
    draft: int,
    as_identity,
    app_db: Engine,
) -> None:
    at = open_item(open_calendar(MANAGER_U1, as_identity), draft)
    at.button(key="cal_approve").click()
    _run(at)
    assert _state(app_db, draft) == PublicationState.APPROVED
    assert any("Đã duyệt" in s.value for s in at.success)
    with Session(app_db) as s:
        row = s.exec(select(AuditLog).where(AuditLog.action == "approve")).one()
    assert row.actor == "minh"


def test_an_officer_is_refused_with_a_message_and_nothing_changes(
    seeded: Hand,
    draft: int,
    as_identity,
    app_db: Engine,
) -> None:
    at = open_item(open_calendar(OFFICER_U1, as_identity), draft)
    at.button(key="cal_approve").click()
    _run(at)
    assert _state(app_db, draft) == PublicationState.DRAFT
    [error] = at.error
    assert "Không thực hiện được" in error.value
    assert "officer" in error.value
    with Session(app_db) as s:
        assert s.exec(select(AuditLog).where(AuditLog.action == "approve")).all() == []


def test_markup_in_a_message_shows_as_text(seeded: Hand, as_identity) -> None:
    at = open_item(open_calendar(OFFICER_U1, as_identity), seeded.pubs["A"])  # p1: the XSS text
    assert XSS in [t.value for t in at.text]
    assert not any("<img" in m.value for m in at.markdown)
    # The published item offers no approval, and the attempts table is drawn.
    assert not [b for b in at.button if b.key == "cal_approve"]


def test_an_officer_retries_a_failed_item(seeded: Hand, as_identity, app_db: Engine) -> None:
    failed = seeded.pubs["D"]  # p1 on fb2 (u2)
    at = open_item(open_calendar(OFFICER_U2, as_identity), failed)
    at.button(key="cal_retry").click()
    _run(at)
    assert _state(app_db, failed) == PublicationState.APPROVED
    assert not at.error


def test_a_review_shows_the_evidence_and_records_the_managers_finding(
    seeded: Hand, as_identity, app_db: Engine
) -> None:
    clip = seeded.pubs["C"]  # c1 on yt1 (u1)
    with Session(app_db) as s:
        pub = s.get(Publication, clip)
        assert pub is not None
        pub.state = PublicationState.NEEDS_REVIEW
        pub.last_error = "the upload timed out after sending"
        s.add(pub)
        s.add(
            Attempt(
                publication_id=clip,
                number=1,
                worker_id="w1",
                outcome="unknown",
                evidence={"searched": "loa-marker", "found": []},
            )
        )
        s.commit()
    at = open_item(open_calendar(MANAGER_U1, as_identity), clip)
    assert [j.value for j in at.json] == ['{"searched": "loa-marker", "found": []}']
    assert "the upload timed out after sending" in [t.value for t in at.text]
    at.text_input(key=f"cal_review_url_{clip}").input("https://youtu.be/abc")
    at.button(key="cal_review_found").click()
    _run(at)
    with Session(app_db) as s:
        pub = s.get(Publication, clip)
        assert pub is not None
        assert (pub.state, pub.permalink) == ("published", "https://youtu.be/abc")


def test_the_new_item_form_shows_each_error_and_writes_nothing(
    seeded: Hand, as_identity, app_db: Engine
) -> None:
    at = open_calendar(MANAGER_U1, as_identity)
    at.multiselect(key="cal_new_channels").set_value(["fb1"])
    at.selectbox(key="cal_new_kind").set_value("link")
    at.text_input(key="cal_new_link").input("not a web address")
    next(b for b in at.button if b.key == "FormSubmitter:cal_new-Lưu").click()
    _run(at)
    errors = [e.value for e in at.error]
    assert any("is not an http" in e for e in errors)  # the link, as a campaign file says it
    assert any("a Facebook post needs a message" in e for e in errors)
    assert any("already past" in e for e in errors)  # the campaign ran in 2025
    with Session(app_db) as s:
        assert s.exec(select(AuditLog).where(AuditLog.action == "create")).all() == []


def test_another_units_item_does_not_open(seeded: Hand, as_identity) -> None:
    at = open_item(open_calendar(OFFICER_U1, as_identity), seeded.pubs["D"])  # fb2, unit u2
    assert [e.value for e in at.error] == ["lan may not see publication " + str(seeded.pubs["D"])]
    assert not at.text  # nothing of the item is drawn


def test_an_edit_with_errors_shows_them_in_the_drawer_and_changes_nothing(
    seeded: Hand, as_identity, app_db: Engine
) -> None:
    queued = seeded.pubs["E"]  # p2, a photo without its media file
    at = open_item(open_calendar(ADMIN, as_identity), queued)
    at.text_area(key=f"cal_edit_{queued}_message").input("Nội dung mới")
    next(b for b in at.button if b.key == f"FormSubmitter:cal_edit_{queued}-Lưu").click()
    _run(at)
    assert any("a photo needs its media file" in e.value for e in at.error)
    with Session(app_db) as s:
        assert s.exec(select(AuditLog).where(AuditLog.action == "edit")).all() == []
