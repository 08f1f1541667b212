"""Alerts: one per problem, reopened when a resolved problem comes back, named publications."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.errors import UserError
from campaigns.models import AlertKind, AuditLog
from scheduler.alerts import (
    alert_for_publication,
    list_alerts,
    open_alert_count,
    raise_alert,
    resolve_alert,
)
from tests.scheduler.ops_data import add_publication, make_world


def test_same_problem_is_one_alert(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        first = raise_alert(s, AlertKind.FAILED, "boom", dedupe="failed:1")
        second = raise_alert(s, AlertKind.FAILED, "boom again", dedupe="failed:1")
        s.commit()
        assert first is not None
        assert second is None
        assert [a.message for a in list_alerts(s)] == ["boom"]
        assert open_alert_count(s) == 1


def test_resolved_problem_that_returns_is_reopened(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        alert = raise_alert(s, AlertKind.PREFLIGHT, "no token", dedupe="preflight:7:token")
        assert alert is not None
        assert alert.id is not None
        resolve_alert(s, alert.id, actor="officer")
        s.commit()
        assert list_alerts(s) == []
        assert len(list_alerts(s, include_resolved=True)) == 1
        again = raise_alert(s, AlertKind.PREFLIGHT, "still no token", dedupe="preflight:7:token")
        s.commit()
        assert again is not None
        assert again.id == alert.id
        assert again.resolved_at is None
        assert again.message == "still no token"
        audit = s.exec(select(AuditLog)).all()
        assert [(a.actor, a.action, a.entity_id) for a in audit] == [
            ("officer", "resolve", str(alert.id))
        ]


def test_resolving_unknown_alert_is_a_user_error(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s, pytest.raises(UserError, match="no alert with id 99"):
        resolve_alert(s, 99)


def test_bad_severity_is_refused(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s, pytest.raises(ValueError, match="severity"):
        raise_alert(s, AlertKind.FAILED, "x", severity="panic", dedupe="x")


def test_publication_alert_names_the_post_in_campaign_time(sqlite_engine: Engine) -> None:
    world = make_world(sqlite_engine)
    pub = add_publication(
        sqlite_engine, world, "post", "fb", datetime(2025, 11, 16, 13, 0, tzinfo=UTC)
    )
    with Session(sqlite_engine) as s:
        alert = alert_for_publication(s, pub, AlertKind.FAILED, "token revoked")
        s.commit()
        assert alert is not None
        assert alert.publication_id == pub.id
        assert alert.channel_id == world.channels["fb"].id
        assert alert.campaign_id == world.campaign.id
        # 13:00 UTC is 20:00 in Ha Noi.
        assert alert.message == (
            f"publication #{pub.id} 'tip-01' on ncfaw-fb (facebook 104251380000001) "
            "planned 16/11/2025 20:00 Asia/Ho_Chi_Minh: token revoked"
        )
        assert alert.dedupe_key == f"failed:{pub.id}"


def test_list_filters_by_kind_and_campaign(sqlite_engine: Engine) -> None:
    world = make_world(sqlite_engine)
    with Session(sqlite_engine) as s:
        raise_alert(s, AlertKind.QUOTA_SHORT, "q", campaign_id=world.campaign.id, dedupe="q")
        raise_alert(s, AlertKind.MISSED, "m", dedupe="m")
        s.commit()
        assert [a.kind for a in list_alerts(s, kinds=[AlertKind.MISSED])] == ["missed"]
        assert [a.kind for a in list_alerts(s, campaign_id=world.campaign.id)] == ["quota_short"]
