"""`loa review`: before a person resolves a needs_review publication, the platform is asked
whether the post exists, and the person's finding is checked against the answer."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.errors import UserError
from campaigns.models import Attempt, AttemptOutcome, PublicationState
from connectors.base import FoundPost, TransientError, UploadState
from scheduler.outbox import marker_for
from scheduler.review import Evidence, checked_external_id, gather
from scheduler.upload_sessions import keeper
from tests.scheduler.ops_data import FakeConnectors, add_publication, make_world

AT = datetime(2025, 11, 25, 2, 0, tzinfo=UTC)
PAGE = "104251380000001"


def needs_review(engine: Engine) -> int:
    world = make_world(engine)
    pub = add_publication(
        engine,
        world,
        "post",
        "fb",
        AT,
        PublicationState.NEEDS_REVIEW,
        attempts=1,
        last_error="connection dropped after sending",
        last_error_code="UnknownOutcome",
    )
    assert pub.id is not None
    with Session(engine) as s:
        s.add(
            Attempt(
                publication_id=pub.id,
                number=1,
                worker_id="w1",
                started_at=AT,
                ended_at=AT + timedelta(seconds=30),
                outcome=AttemptOutcome.UNKNOWN,
                error_code="UnknownOutcome",
                error_message="connection dropped after sending",
                marker=marker_for(pub.id),
            )
        )
        s.commit()
    return pub.id


def test_the_platform_holds_the_post(sqlite_engine: Engine) -> None:
    pub_id = needs_review(sqlite_engine)
    connectors = FakeConnectors()
    fb = connectors.publishers["facebook"]
    fb.posts[f"{PAGE}_77"] = FoundPost(f"{PAGE}_77", AT, AT, None, "marker")
    fb.markers[f"{PAGE}_77"] = marker_for(pub_id)

    evidence = gather(sqlite_engine, pub_id, connectors, now=AT + timedelta(hours=1))

    assert evidence.verdict == "found"
    assert evidence.found_id == f"{PAGE}_77"
    assert [a.outcome for a in evidence.attempts] == ["unknown"]
    assert evidence.last_error == "connection dropped after sending"
    assert "loa review" in evidence.advice
    # Saying it is absent would publish it twice: refused, with the command that resolves it.
    with pytest.raises(UserError, match="not absent"):
        checked_external_id(evidence, None, None, absent=True)
    link = f"https://www.facebook.com/{PAGE}/posts/77"
    assert checked_external_id(evidence, link, None, absent=False) == f"{PAGE}_77"
    with pytest.raises(UserError, match="names post"):
        checked_external_id(evidence, f"https://www.facebook.com/{PAGE}/posts/78", None, False)


def test_a_complete_search_that_finds_nothing(sqlite_engine: Engine) -> None:
    pub_id = needs_review(sqlite_engine)
    evidence = gather(sqlite_engine, pub_id, FakeConnectors(), now=AT + timedelta(hours=1))
    assert evidence.verdict == "absent"
    assert checked_external_id(evidence, None, None, absent=True) is None


def test_a_platform_that_cannot_answer_leaves_the_person_to_check(sqlite_engine: Engine) -> None:
    pub_id = needs_review(sqlite_engine)
    connectors = FakeConnectors()

    def down(*_args: object) -> None:
        raise TransientError("HTTP 503", platform="facebook")

    connectors.publishers["facebook"].reconcile = down  # type: ignore[method-assign,assignment]
    evidence = gather(sqlite_engine, pub_id, connectors, now=AT + timedelta(hours=1))
    assert evidence.verdict == "not_asked"
    assert "could not ask: HTTP 503" in evidence.platform_says
    # The person's link is then the only evidence: its id is read from it.
    link = "https://www.facebook.com/ncfaw.vn/posts/991"
    assert checked_external_id(evidence, link, None, absent=False) == f"{PAGE}_991"
    with pytest.raises(UserError, match="--external-id"):
        checked_external_id(evidence, "https://www.facebook.com/share/p/1AbC/", None, False)


def test_an_unconnected_channel_is_not_asked(sqlite_engine: Engine) -> None:
    pub_id = needs_review(sqlite_engine)
    evidence = gather(sqlite_engine, pub_id, FakeConnectors(connected=set()))
    assert evidence.verdict == "not_asked"
    assert "not connected" in evidence.platform_says


def test_the_evidence_without_asking(sqlite_engine: Engine) -> None:
    pub_id = needs_review(sqlite_engine)
    connectors = FakeConnectors()
    evidence = gather(sqlite_engine, pub_id, connectors, ask_platform=False)
    assert isinstance(evidence, Evidence)
    assert evidence.verdict == "not_asked"
    assert connectors.publishers["facebook"].calls == []


def test_a_kept_upload_session_names_the_video_it_made(
    sqlite_engine: Engine, loa_home: Path
) -> None:
    """The listing may not show the clip; the upload session it was sent in does."""
    world = make_world(sqlite_engine)
    pub = add_publication(sqlite_engine, world, "clip", "yt", AT, PublicationState.NEEDS_REVIEW)
    assert pub.id is not None
    with Session(sqlite_engine) as s:
        attempt = Attempt(
            publication_id=pub.id,
            number=1,
            worker_id="w1",
            started_at=AT,
            ended_at=AT + timedelta(minutes=3),
            outcome=AttemptOutcome.UNKNOWN,
            marker=marker_for(pub.id),
        )
        s.add(attempt)
        s.commit()
        assert attempt.id is not None
        attempt_id = attempt.id
    address = "https://upload.example/upload/youtube/v3/videos?upload_id=abc"
    keeper(sqlite_engine, attempt_id)(address, 2048)
    connectors = FakeConnectors()
    video = FoundPost("vid123", AT, None, None, "upload_session")
    connectors.publishers["youtube"].sessions[address] = UploadState(video, 2048, 2048)

    evidence = gather(sqlite_engine, pub.id, connectors, now=AT + timedelta(hours=1))

    assert evidence.verdict == "found"
    assert evidence.found_id == "vid123"
    assert ("upload_status", address) in connectors.publishers["youtube"].calls
