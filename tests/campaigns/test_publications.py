"""Listing, approving and cancelling publications, with the audit trail."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.errors import UserError
from campaigns.importer import import_campaign
from campaigns.models import Attempt, AttemptOutcome, AuditLog, Publication, PublicationState
from campaigns.outbox import CANCEL_REQUESTED
from campaigns.publications import approve, cancel, list_publications, resolve_campaign
from tests.conftest import EXAMPLE_CAMPAIGN
from tests.identities import MANAGER, OFFICER


@pytest.fixture
def imported(any_engine: Engine) -> Engine:
    with Session(any_engine) as s:
        import_campaign(s, EXAMPLE_CAMPAIGN)
    return any_engine


def set_state(engine: Engine, pub_id: int, state: str, **values: object) -> None:
    with Session(engine) as s:
        pub = s.get(Publication, pub_id)
        assert pub is not None
        pub.state = state
        for name, value in values.items():
            setattr(pub, name, value)
        s.commit()


def test_list_filters_and_zone(imported: Engine) -> None:
    with Session(imported) as s:
        views = list_publications(s, campaign="action-month-2025")
        yt = list_publications(s, channel="ncfaw-yt")
        none = list_publications(s, states=["published"])
    assert len(views) == 14
    assert views == sorted(views, key=lambda v: (v.scheduled_at, v.channel, v.id))
    assert views[0].scheduled_at.isoformat() == "2025-11-15T08:00:00+07:00"
    assert [v.content for v in yt] == ["clip-online-safety", "clip-hotline"]
    assert none == []
    row = views[0].to_json()
    for key in ("id", "campaign", "content", "channel", "platform", "scheduled_at", "state"):
        assert key in row
    for key in ("external_id", "published_at", "attempts", "last_error"):
        assert key in row
    with Session(imported) as s, pytest.raises(UserError, match="unknown state 'done'"):
        list_publications(s, states=["done"])


def test_approve_records_who_and_when(imported: Engine) -> None:
    with Session(imported) as s:
        assert approve(s, [1, 2], MANAGER) == 2
        s.commit()
    with Session(imported) as s:
        pub = s.get(Publication, 1)
        assert pub is not None
        assert pub.state == PublicationState.APPROVED
        assert pub.approved_by == "lan"
        assert pub.approved_at is not None
        assert (datetime.now(UTC) - pub.approved_at).total_seconds() < 60
        audit = s.exec(select(AuditLog).where(AuditLog.action == "approve")).all()
        assert sorted(a.entity_id for a in audit) == ["1", "2"]
        assert audit[0].actor == "lan"
        # Approving again is a no-op; --all takes the remaining drafts.
        assert approve(s, [1], MANAGER) == 0
        assert approve(s, None, MANAGER) == 12
        s.commit()


def test_approve_refuses_non_drafts_and_unknown_ids(imported: Engine) -> None:
    set_state(imported, 3, PublicationState.PUBLISHED)
    with Session(imported) as s:
        with pytest.raises(UserError, match="publication 3 is published"):
            approve(s, [2, 3], MANAGER)
        with pytest.raises(UserError, match="no publication with id 99"):
            approve(s, [99], MANAGER)
        assert s.get(Publication, 2).state == PublicationState.DRAFT  # type: ignore[union-attr]


def test_cancel_rules(imported: Engine) -> None:
    set_state(imported, 1, PublicationState.CLAIMED, locked_by="worker-7")
    set_state(imported, 2, PublicationState.PUBLISHED)
    set_state(imported, 4, PublicationState.HANDED_OFF, handoff=True, external_id="104_55")
    with Session(imported) as s:
        with pytest.raises(UserError, match=r"publication 1 is being published .*worker-7"):
            cancel(s, [1], OFFICER)
        with pytest.raises(UserError, match="publication 2 is already published"):
            cancel(s, [2, 3], OFFICER)
        assert cancel(s, [3, 4], OFFICER) == 2
        s.commit()
    with Session(imported) as s:
        handed = s.get(Publication, 4)
        assert handed is not None
        assert handed.state == PublicationState.CANCELLED
        assert handed.handoff is True
        assert handed.external_id == "104_55"
        assert s.get(Publication, 3).state == PublicationState.CANCELLED  # type: ignore[union-attr]
        assert cancel(s, [3], OFFICER) == 0  # already cancelled
        actions = [(a.action, a.entity_id) for a in s.exec(select(AuditLog)).all()]
        assert ("cancel", "4") in actions


def test_cancel_of_a_row_whose_last_attempt_may_be_live_asks_the_platform_first(
    imported: Engine,
) -> None:
    set_state(imported, 5, PublicationState.RETRY_WAIT)
    with Session(imported) as s:
        s.add(Attempt(publication_id=5, number=1, worker_id="w", outcome=AttemptOutcome.UNKNOWN))
        s.commit()
        assert cancel(s, [5, 6], OFFICER) == 2
        s.commit()
        maybe_live, plain = s.get(Publication, 5), s.get(Publication, 6)
    assert maybe_live is not None
    assert plain is not None
    # Not cancelled blind: the scheduler reconciles it first, then cancels or keeps it published.
    assert (maybe_live.state, maybe_live.last_error_code) == (
        PublicationState.RETRY_WAIT,
        CANCEL_REQUESTED,
    )
    assert plain.state == PublicationState.CANCELLED


def test_resolve_campaign(any_engine: Engine, tmp_path: object) -> None:
    with Session(any_engine) as s, pytest.raises(UserError, match="no campaign imported"):
        resolve_campaign(s, None)
    with Session(any_engine) as s:
        import_campaign(s, EXAMPLE_CAMPAIGN)
        assert resolve_campaign(s, None).key == "action-month-2025"
        with pytest.raises(UserError, match="no campaign 'x'"):
            resolve_campaign(s, "x")
