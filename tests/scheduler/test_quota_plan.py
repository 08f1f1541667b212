"""Plan-time quota warnings: uploads are counted per Pacific day against the project's budget."""

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from campaigns.models import Alert, PublicationState, QuotaUsage
from campaigns.settings import Settings
from scheduler.alerts import list_alerts
from scheduler.quota_plan import check_plan_fits, plan_by_day, raise_quota_alerts
from tests.scheduler.ops_data import add_publication, make_world


def test_uploads_are_grouped_by_pacific_day(sqlite_engine: Engine, tmp_path: Path) -> None:
    world = make_world(sqlite_engine)
    # 19:00 Ha Noi on 25/11 and 06:00 Ha Noi on 26/11 are both 25/11 in California.
    add_publication(sqlite_engine, world, "clip", "yt", datetime(2025, 11, 25, 12, 0, tzinfo=UTC))
    add_publication(sqlite_engine, world, "clip", "yt", datetime(2025, 11, 25, 23, 0, tzinfo=UTC))
    add_publication(sqlite_engine, world, "clip", "yt", datetime(2025, 11, 27, 12, 0, tzinfo=UTC))
    add_publication(
        sqlite_engine,
        world,
        "clip",
        "yt",
        datetime(2025, 11, 28, 12, 0, tzinfo=UTC),
        state=PublicationState.CANCELLED,
    )
    settings = Settings(home=tmp_path, youtube_daily_uploads=1)
    assert world.campaign.id is not None
    with Session(sqlite_engine) as s:
        days = plan_by_day(s, settings, world.campaign.id)
        assert [(d.day, d.uploads, d.fits) for d in days] == [
            (date(2025, 11, 25), 2, False),
            (date(2025, 11, 27), 1, True),
        ]
        problems = check_plan_fits(s, world.campaign.id, settings)
    assert len(problems) == 1
    assert problems[0].startswith("quota day 2025-11-25")
    assert "2 YouTube uploads planned, the project allows 1 a day (1 would wait" in problems[0]


def test_quota_already_spent_counts_and_alerts_once(sqlite_engine: Engine, tmp_path: Path) -> None:
    world = make_world(sqlite_engine)
    add_publication(sqlite_engine, world, "clip", "yt", datetime(2025, 11, 25, 12, 0, tzinfo=UTC))
    add_publication(sqlite_engine, world, "post", "fb", datetime(2025, 11, 25, 12, 0, tzinfo=UTC))
    settings = Settings(home=tmp_path, youtube_daily_uploads=3)
    assert world.campaign.id is not None
    with Session(sqlite_engine) as s:
        assert check_plan_fits(s, world.campaign.id, settings) == []
        s.add(QuotaUsage(account="loa", day=date(2025, 11, 25), bucket="uploads", used=3))
        s.commit()
        assert len(check_plan_fits(s, world.campaign.id, settings)) == 1
        assert raise_quota_alerts(s, world.campaign.id, settings) == 1
        assert raise_quota_alerts(s, world.campaign.id, settings) == 0
        s.commit()
        alerts: list[Alert] = list_alerts(s)
        assert [a.kind for a in alerts] == ["quota_short"]
        assert alerts[0].campaign_id == world.campaign.id
