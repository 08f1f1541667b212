"""Collection passes: the decaying schedule, batching, per-channel failures, backfill."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from campaigns.errors import UserError
from campaigns.models import (
    AudienceSnapshot,
    Campaign,
    Channel,
    ChannelDailyMetric,
    MeasurementPlan,
    MetricLatest,
    MetricSnapshot,
    RateLimitBlock,
)
from campaigns.settings import Settings
from connectors.base import AuthExpired, Credentials, MetricsSource, RateLimited, Secret
from scheduler.metrics_jobs import DONE, campaign_end, next_due, pull_metrics
from tests.scheduler.fakes_metrics import START, FakeMetrics, seed_campaign


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class Access:
    def __init__(self, clock: Clock, **kw: object) -> None:
        self.sources = {p: FakeMetrics(p, clock.now, **kw) for p in ("facebook", "youtube")}  # type: ignore[arg-type]
        self.no_creds: set[str] = set()

    def source(self, platform: str) -> MetricsSource:
        return self.sources[platform]

    def credentials(self, session: Session, channel: Channel) -> Credentials:
        if channel.key in self.no_creds:
            raise UserError(f"channel {channel.key} is not connected")
        return Credentials(channel.platform, channel.external_id, Secret("t"))


SETTINGS = Settings(timezone="Asia/Ho_Chi_Minh")


def _snapshot_count(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.exec(select(func.count()).select_from(MetricSnapshot)).one())


def test_schedule_decays_then_runs_daily_until_a_week_after_the_end() -> None:
    end = datetime(2025, 12, 15, 17, 0, tzinfo=UTC)  # 16 Dec 00:00 in Ha Noi
    pub = START
    points = []
    at = pub
    while (nxt := next_due(pub, at, end)) is not None:
        points.append(nxt - pub)
        at = nxt
    assert points[:5] == [timedelta(hours=h) for h in (1, 3, 6, 24, 48)]
    assert timedelta(days=7) in points
    assert timedelta(days=28) in points
    # Daily from day 2 up to the end plus 7 days, then the +28 d point is the last.
    daily = [p for p in points if p > timedelta(hours=48)]
    assert all(b - a <= timedelta(days=1) for a, b in itertools.pairwise(daily))
    # The last daily point is the last whole day before 22 Dec 17:00 UTC (end + 7 days).
    assert points[-1] == timedelta(days=37)
    assert pub + points[-1] <= end + timedelta(days=7) < pub + points[-1] + timedelta(days=1)


def test_published_items_gain_snapshots_on_schedule(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        seed_campaign(s, per_channel=2)
        s.commit()
    clock = Clock(START + timedelta(minutes=30))
    access = Access(clock)
    report = pull_metrics(any_engine, SETTINGS, clock, access=access)
    assert (report.due, _snapshot_count(any_engine)) == (0, 0)

    written = []
    for hours in (1, 2, 3, 5, 6):
        clock.at = START + timedelta(hours=hours, minutes=5)
        report = pull_metrics(any_engine, SETTINGS, clock, access=access)
        written.append(report.items_measured)
    # Due at +1 h, +3 h and +6 h only; 4 items each time, 3 metrics each.
    assert written == [4, 0, 4, 0, 4]
    assert _snapshot_count(any_engine) == 3 * 4 * 3
    with Session(any_engine) as s:
        latest = s.exec(select(MetricLatest).where(MetricLatest.metric == "reach")).all()
        fb = access.sources["facebook"]
        for row in latest:
            assert row.captured_at == clock.at
        assert sorted(r.value for r in latest) == sorted(
            fb.value(e, "reach", clock.at) for e in ("104251380000001_0", "104251380000001_1")
        )
        plans = s.exec(select(MeasurementPlan)).all()
        assert {p.pulls for p in plans} == {3}
        assert {p.next_due_at for p in plans} == {
            START + timedelta(minutes=m, hours=24) for m in (0, 1)
        }


def test_batches_never_exceed_fifty_ids(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        seed_campaign(s, platforms=("youtube",), per_channel=120)
        s.commit()
    clock = Clock(START + timedelta(hours=3))  # published a minute apart: all past +1 h
    access = Access(clock)
    report = pull_metrics(sqlite_engine, SETTINGS, clock, access=access)
    sizes = [len(ids) for name, ids in access.sources["youtube"].calls if name == "object_metrics"]
    assert sizes == [50, 50, 20]
    assert report.items_measured == 120


def test_a_failing_channel_stops_alone(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        seed_campaign(s, per_channel=2)
        s.commit()
    clock = Clock(START + timedelta(hours=1, minutes=1))
    access = Access(clock)
    access.sources["facebook"].fail_with = RateLimited(
        "(#32) Page request limit reached", retry_after=timedelta(minutes=30), scope="account"
    )
    report = pull_metrics(any_engine, SETTINGS, clock, access=access)
    assert report.items_measured == 2  # the YouTube channel went on
    assert "rate limited" in report.skipped["facebook-1"]
    with Session(any_engine) as s:
        block = s.get(RateLimitBlock, "facebook:page:104251380000001")
        assert block is not None
        assert block.until == clock.at + timedelta(minutes=30)
    # Still due, and held back while the block lasts: no call is spent on it.
    access.sources["facebook"].fail_with = None
    calls = len(access.sources["facebook"].calls)
    clock.at += timedelta(minutes=10)
    report = pull_metrics(any_engine, SETTINGS, clock, access=access)
    assert len(access.sources["facebook"].calls) == calls
    assert "block" in report.skipped["facebook-1"]
    clock.at += timedelta(minutes=30)
    report = pull_metrics(any_engine, SETTINGS, clock, access=access)
    assert report.items_measured == 2


def test_auth_failure_in_a_pull_alerts_without_pausing_publishing(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        seed_campaign(s, per_channel=1)
        s.commit()
    clock = Clock(START + timedelta(hours=1, minutes=1))
    access = Access(clock)
    access.sources["youtube"].fail_with = AuthExpired("token expired", platform="youtube")
    access.no_creds.add("facebook-1")
    report = pull_metrics(sqlite_engine, SETTINGS, clock, access=access)
    assert report.items_measured == 0
    assert report.skipped["facebook-1"] == "channel facebook-1 is not connected"
    assert report.skipped["youtube-2"].startswith("stopped: token refused")
    with Session(sqlite_engine) as s:
        channel = s.exec(select(Channel).where(Channel.key == "youtube-2")).one()
        assert not channel.paused  # a read refused pauses no publishing


def test_retired_metric_leaves_the_others_flowing(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        seed_campaign(s, platforms=("facebook",), per_channel=2)
        s.commit()
    clock = Clock(START + timedelta(hours=1, minutes=1))
    access = Access(clock, unavailable=("reach",))
    report = pull_metrics(any_engine, SETTINGS, clock, access=access)
    assert report.items_measured == 2
    assert report.unavailable["reach"] == {"104251380000001_0", "104251380000001_1"}
    with Session(any_engine) as s:
        metrics = set(s.exec(select(MetricSnapshot.metric)).all())
        assert metrics == {"reactions", "comments"}
        reasons = {p.last_error for p in s.exec(select(MeasurementPlan))}
        assert reasons == {"unavailable: reach"}


def test_backfill_ignores_the_schedule_and_daily_insights_come_once_a_day(
    sqlite_engine: Engine,
) -> None:
    with Session(sqlite_engine) as s:
        seed_campaign(s, per_channel=2)
        s.commit()
    clock = Clock(START + timedelta(days=2, hours=2))
    access = Access(clock)
    pull_metrics(sqlite_engine, SETTINGS, clock, access=access)
    clock.at += timedelta(minutes=5)
    assert pull_metrics(sqlite_engine, SETTINGS, clock, access=access).items_measured == 0
    seen: list[tuple[int, int]] = []
    report = pull_metrics(
        sqlite_engine,
        SETTINGS,
        clock,
        since=date(2025, 11, 15),
        progress=lambda done, total: seen.append((done, total)),
        access=access,
    )
    assert report.items_measured == 4
    assert seen[0] == (0, 4)
    assert seen[-1] == (4, 4)
    # Insights: one call per channel for the day, days since the campaign's start.
    daily_calls = [c for c in access.sources["facebook"].calls if c[0] == "account_daily"]
    assert daily_calls == [("account_daily", ("2025-11-15", "2025-11-17"))]
    with Session(sqlite_engine) as s:
        days = s.exec(select(col(ChannelDailyMetric.day), col(ChannelDailyMetric.value))).all()
        assert sorted(days)[:3] == [
            (date(2025, 11, 15), 3.0),
            (date(2025, 11, 15), 3.0),
            (date(2025, 11, 16), 4.0),
        ]
        assert s.exec(select(func.count()).select_from(AudienceSnapshot)).one() == 4


def test_unknown_campaign_is_a_user_error(sqlite_engine: Engine) -> None:
    clock = Clock(START)
    with pytest.raises(UserError, match="nope"):
        pull_metrics(sqlite_engine, SETTINGS, clock, campaign="nope", access=Access(clock))


def test_finished_items_are_not_measured_again(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        seed_campaign(s, platforms=("facebook",), per_channel=1)
        s.commit()
        camp = s.exec(select(Campaign)).one()
        end = campaign_end(camp)
    clock = Clock(START + timedelta(days=60))
    access = Access(clock)
    assert pull_metrics(sqlite_engine, SETTINGS, clock, access=access).items_measured == 1
    assert end < clock.at
    with Session(sqlite_engine) as s:
        assert s.exec(select(MeasurementPlan.next_due_at)).one() == DONE
