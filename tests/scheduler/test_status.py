"""`loa status` data: queue counts, next due in the campaign zone, leases, channel health."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.errors import UserError
from campaigns.models import AlertKind, Credential, PublicationState, Worker
from campaigns.settings import Settings
from scheduler.alerts import raise_alert
from scheduler.status import gather_status
from tests.scheduler.ops_data import add_publication, make_world

NOW = datetime(2025, 11, 16, 12, 0, tzinfo=UTC)


def test_status_reports_queue_due_leases_and_health(any_engine: Engine, tmp_path: Path) -> None:
    world = make_world(any_engine)
    first = add_publication(any_engine, world, "post", "fb", NOW + timedelta(hours=1))
    second = add_publication(any_engine, world, "post", "fb", NOW + timedelta(hours=3))
    add_publication(
        any_engine, world, "post", "fb", NOW - timedelta(days=1), PublicationState.PUBLISHED
    )
    add_publication(
        any_engine, world, "post", "fb", NOW + timedelta(days=2), PublicationState.DRAFT
    )
    claimed = add_publication(
        any_engine,
        world,
        "clip",
        "yt",
        NOW - timedelta(minutes=1),
        PublicationState.CLAIMED,
        locked_by="w1",
        locked_until=NOW + timedelta(minutes=2),
    )
    with Session(any_engine) as s:
        s.add(Worker(id="w1", host="ha-noi-1", pid=42, started_at=NOW, heartbeat_at=NOW))
        s.add(
            Credential(
                platform="facebook",
                account_id="104251380000001",
                ciphertext=b"encrypted",
                health="expiring",
                health_detail="expires in 5 days",
                expires_at=NOW + timedelta(days=5),
            )
        )
        yt = world.channels["yt"]
        yt.paused, yt.paused_reason = True, "token expired"
        s.add(yt)
        raise_alert(s, AlertKind.CHANNEL_PAUSED, "paused", dedupe="paused:yt")
        s.commit()

        report = gather_status(s, Settings(home=tmp_path), NOW)

    assert report.queue["approved"] == 2
    assert report.queue["published"] == 1
    assert report.queue["draft"] == 1
    assert report.queue["claimed"] == 1
    assert report.queue["failed"] == 0
    assert [d.id for d in report.next_due] == [claimed.id, first.id, second.id]
    # 13:00 UTC is 20:00 in the campaign zone.
    assert report.next_due[1].scheduled_at.isoformat() == "2025-11-16T20:00:00+07:00"
    assert report.next_due[1].channel == "ncfaw-fb"
    assert report.next_due[1].content == "tip-01"
    assert [(lease.publication_id, lease.locked_by, lease.expired) for lease in report.leases] == [
        (claimed.id, "w1", False)
    ]
    assert [(w.id, w.leases) for w in report.workers] == [("w1", 1)]
    health = {c.key: c for c in report.channels}
    assert health["ncfaw-fb"].token == "expiring"
    assert health["ncfaw-fb"].paused is False
    assert health["ncfaw-yt"].token == "missing"
    assert health["ncfaw-yt"].paused_reason == "token expired"
    assert report.open_alerts == 1

    data = report.as_dict()
    assert data["next_due"][1]["scheduled_at"] == "2025-11-16T20:00:00+07:00"
    assert data["leases"][0]["locked_until"] == "2025-11-16T19:02:00+07:00"


def test_expired_lease_is_flagged(sqlite_engine: Engine, tmp_path: Path) -> None:
    world = make_world(sqlite_engine)
    add_publication(
        sqlite_engine,
        world,
        "post",
        "fb",
        NOW,
        PublicationState.CLAIMED,
        locked_by="gone",
        locked_until=NOW - timedelta(seconds=1),
    )
    with Session(sqlite_engine) as s:
        report = gather_status(s, Settings(home=tmp_path), NOW)
    assert [lease.expired for lease in report.leases] == [True]
    assert report.workers == []


def test_unknown_campaign_is_a_user_error(sqlite_engine: Engine, tmp_path: Path) -> None:
    with Session(sqlite_engine) as s, pytest.raises(UserError, match="no campaign with key"):
        gather_status(s, Settings(home=tmp_path), NOW, campaign_key="nope")
