"""Snapshots and their rollups: latest never regresses, deltas sum to the lifetime value."""

import math
import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, text
from sqlmodel import Session, select

from campaigns.errors import UserError
from campaigns.metrics_store import (
    AudienceRow,
    ChannelDailyRow,
    SnapshotRow,
    ingest_snapshots,
    record_audience,
    record_channel_daily,
    record_snapshots,
    value_at_age,
    values_at_age,
)
from campaigns.models import (
    AudienceSnapshot,
    ChannelDailyMetric,
    MetricDelta,
    MetricLatest,
    MetricSnapshot,
)
from tests.scheduler.fakes_metrics import START, seed_campaign

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def _pub_ids(engine: Engine, n: int = 2) -> list[int]:
    with Session(engine) as s:
        pubs = seed_campaign(s, platforms=("facebook",), per_channel=n)
        s.commit()
        return [p.id for p in pubs if p.id is not None]


def _latest(s: Session, pid: int, metric: str) -> MetricLatest | None:
    return s.get(MetricLatest, (pid, metric))


def _record(engine: Engine, rows: list[SnapshotRow]) -> None:
    with Session(engine) as s:
        record_snapshots(s, rows, HANOI)
        s.commit()


def _by_key(rows: Iterable[SnapshotRow | MetricSnapshot]) -> dict[tuple[int, str, datetime], float]:
    """Each snapshot's value by its key (publication, metric, capture time)."""
    return {(r.publication_id, r.metric, r.captured_at): r.value for r in rows}


def _delta_sum(s: Session, pid: int, metric: str, day: date) -> float:
    total = s.exec(
        select(func.coalesce(func.sum(MetricDelta.delta), 0.0)).where(
            MetricDelta.publication_id == pid, MetricDelta.metric == metric, MetricDelta.day <= day
        )
    ).one()
    return float(total)


def test_rollups_follow_in_order_captures(any_engine: Engine) -> None:
    (pid, _) = _pub_ids(any_engine)
    # 23:30 UTC is 06:30 the next day in Ha Noi: the delta belongs to that next day.
    caps = [(START + timedelta(hours=1), 10.0), (START + timedelta(hours=22, minutes=30), 25.0)]
    with Session(any_engine) as s:
        n = record_snapshots(
            s,
            [SnapshotRow(pid, "reach", v, at, "post_impressions_unique") for at, v in caps],
            HANOI,
        )
        s.commit()
    assert n == 2
    with Session(any_engine) as s:
        latest = _latest(s, pid, "reach")
        assert latest is not None
        assert (latest.value, latest.captured_at) == (25.0, caps[1][0])
        deltas = {
            d.day: d.delta
            for d in s.exec(select(MetricDelta).where(MetricDelta.publication_id == pid))
        }
        assert deltas == {date(2025, 11, 15): 10.0, date(2025, 11, 16): 15.0}
        sources = set(s.exec(select(MetricSnapshot.source_metric)).all())
        assert sources == {"post_impressions_unique"}


def test_late_older_capture_never_regresses_latest(any_engine: Engine) -> None:
    (pid, _) = _pub_ids(any_engine)
    newest = START + timedelta(days=3)
    with Session(any_engine) as s:
        record_snapshots(s, [SnapshotRow(pid, "reach", 300.0, newest)], HANOI)
        s.commit()
    with Session(any_engine) as s:
        record_snapshots(s, [SnapshotRow(pid, "reach", 120.0, START + timedelta(days=1))], HANOI)
        s.commit()
    with Session(any_engine) as s:
        latest = _latest(s, pid, "reach")
        assert latest is not None
        assert (latest.value, latest.captured_at) == (300.0, newest)
        # As of the late capture's day the lifetime value was 120; three days in, 300.
        assert _delta_sum(s, pid, "reach", date(2025, 11, 16)) == pytest.approx(120.0)
        assert _delta_sum(s, pid, "reach", date(2025, 11, 18)) == pytest.approx(300.0)
        assert _delta_sum(s, pid, "reach", date(2025, 11, 14)) == 0.0


def test_delta_sums_equal_lifetime_value_as_of_each_day(any_engine: Engine) -> None:
    """Random captures arriving in shuffled batches: the rollups match a recomputation."""
    pids = _pub_ids(any_engine, 3)
    rng = random.Random(5)
    rows: list[SnapshotRow] = []
    for pid in pids:
        for metric in ("reach", "comments"):
            value = 0.0
            at = START
            for _ in range(25):
                at += timedelta(minutes=rng.randint(30, 60 * 30))
                value += rng.randint(0, 50)
                rows.append(SnapshotRow(pid, metric, value, at))
    rng.shuffle(rows)
    for start in range(0, len(rows), 17):
        with Session(any_engine) as s:
            record_snapshots(s, rows[start : start + 17], HANOI)
            s.commit()

    series: dict[tuple[int, str], list[SnapshotRow]] = defaultdict(list)
    for r in rows:
        series[(r.publication_id, r.metric)].append(r)
    with Session(any_engine) as s:
        assert s.exec(select(func.count()).select_from(MetricSnapshot)).one() == len(rows)
        for (pid, metric), items in series.items():
            items.sort(key=lambda r: r.captured_at)
            latest = _latest(s, pid, metric)
            assert latest is not None
            assert latest.value == items[-1].value
            first_day = items[0].captured_at.astimezone(HANOI).date()
            last_day = items[-1].captured_at.astimezone(HANOI).date()
            day = first_day - timedelta(days=1)
            while day <= last_day:
                upto = [r.value for r in items if r.captured_at.astimezone(HANOI).date() <= day]
                expected = upto[-1] if upto else 0.0
                assert _delta_sum(s, pid, metric, day) == pytest.approx(expected), (
                    pid,
                    metric,
                    day,
                )
                day += timedelta(days=1)


def test_unknown_metric_and_naive_time_are_refused(sqlite_engine: Engine) -> None:
    (pid, _) = _pub_ids(sqlite_engine)
    with Session(sqlite_engine) as s, pytest.raises(UserError, match="post_impressions"):
        record_snapshots(s, [SnapshotRow(pid, "post_impressions", 1.0, START)], HANOI)
    with Session(sqlite_engine) as s, pytest.raises(ValueError, match="naive"):
        record_snapshots(s, [SnapshotRow(pid, "reach", 1.0, datetime(2025, 11, 15))], HANOI)
    with Session(sqlite_engine) as s:
        assert s.exec(select(func.count()).select_from(MetricSnapshot)).one() == 0


def test_a_batch_naming_an_unknown_publication_writes_nothing(any_engine: Engine) -> None:
    """The snapshot table has no foreign key; ingestion checks the batch's ids itself."""
    (pid, _) = _pub_ids(any_engine)
    rows = [SnapshotRow(pid, "reach", 5.0, START), SnapshotRow(pid + 999, "reach", 7.0, START)]
    with (
        Session(any_engine) as s,
        pytest.raises(UserError, match=f"unknown publication ids: {pid + 999}"),
    ):
        record_snapshots(s, rows, HANOI)
    with Session(any_engine) as s:
        assert s.exec(select(func.count()).select_from(MetricSnapshot)).one() == 0
        assert _latest(s, pid, "reach") is None


def test_stored_capture_times_are_found_by_ordinary_queries(any_engine: Engine) -> None:
    """Bulk ingestion writes capture times itself; ORM queries bound the usual way find them,
    with and without microseconds, and before 1970."""
    (pid, _) = _pub_ids(any_engine)
    times = [
        START + timedelta(hours=1),
        START + timedelta(hours=2, microseconds=5),
        datetime(1969, 12, 31, 23, 59, 59, 250, tzinfo=HANOI),
    ]
    with Session(any_engine) as s:
        record_snapshots(
            s, [SnapshotRow(pid, "reach", float(i), at) for i, at in enumerate(times)], HANOI
        )
        s.commit()
    with Session(any_engine) as s:
        for i, at in enumerate(times):
            found = s.exec(
                select(MetricSnapshot.value).where(MetricSnapshot.captured_at == at)
            ).all()
            assert found == [float(i)], at


def test_a_value_that_is_not_a_number_is_refused_by_name(sqlite_engine: Engine) -> None:
    (pid, _) = _pub_ids(sqlite_engine)
    rows = [SnapshotRow(pid, "reach", 5.0, START), SnapshotRow(pid, "views", math.nan, START)]
    with Session(sqlite_engine) as s, pytest.raises(UserError, match="views of publication"):
        record_snapshots(s, rows, HANOI)
    for bad in (math.inf, None, "many"):
        rows = [SnapshotRow(pid, "reach", 5.0, START), SnapshotRow(pid, "shares", bad, START)]  # type: ignore[arg-type]
        with Session(sqlite_engine) as s, pytest.raises(UserError, match="shares of publication"):
            record_snapshots(s, rows, HANOI)
    # An int from a caller is the number it is, stored as a float.
    with Session(sqlite_engine) as s:
        record_snapshots(s, [SnapshotRow(pid, "reach", 7, START)], HANOI)
        s.commit()
        assert s.exec(select(MetricSnapshot.value)).all() == [7.0]


def test_value_at_age_interpolates_between_captures(any_engine: Engine) -> None:
    (pid, other) = _pub_ids(any_engine)
    published = START  # seed_campaign publishes the first item at START
    with Session(any_engine) as s:
        record_snapshots(
            s,
            [
                SnapshotRow(pid, "reach", 100.0, published + timedelta(hours=12)),
                SnapshotRow(pid, "reach", 300.0, published + timedelta(hours=36)),
            ],
            HANOI,
        )
        s.commit()
    with Session(any_engine) as s:
        assert value_at_age(s, pid, "reach", timedelta(hours=24)) == pytest.approx(200.0)
        assert value_at_age(s, pid, "reach", timedelta(hours=6)) == pytest.approx(50.0)
        assert value_at_age(s, pid, "reach", timedelta(hours=36)) == pytest.approx(300.0)
        # Older than its newest capture: unknown, never extrapolated.
        assert value_at_age(s, pid, "reach", timedelta(days=7)) is None
        assert value_at_age(s, other, "reach", timedelta(hours=1)) is None
        assert values_at_age(s, [pid, other], "reach", timedelta(hours=24)) == {
            pid: pytest.approx(200.0)
        }


def test_channel_daily_keeps_the_newest_capture(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        pubs = seed_campaign(s, platforms=("facebook",), per_channel=1)
        s.commit()
        cid = pubs[0].channel_id
    day = date(2025, 11, 16)
    t1, t2 = START + timedelta(days=2), START + timedelta(days=3)
    with Session(any_engine) as s:
        record_channel_daily(
            s, [ChannelDailyRow(cid, day, "followers_gained", 7.0, t2, "page_daily_follows_unique")]
        )
        s.commit()
    with Session(any_engine) as s:
        record_channel_daily(s, [ChannelDailyRow(cid, day, "followers_gained", 5.0, t1)])
        record_channel_daily(
            s, [ChannelDailyRow(cid, day + timedelta(days=1), "followers_gained", 2.0, t2)]
        )
        s.commit()
    with Session(any_engine) as s:
        got = {(r.day, r.value, r.source_metric) for r in s.exec(select(ChannelDailyMetric))}
    assert got == {(day, 7.0, "page_daily_follows_unique"), (day + timedelta(days=1), 2.0, "")}


def test_audience_capture_replaces_itself(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        pubs = seed_campaign(s, platforms=("youtube",), per_channel=1)
        s.commit()
        cid = pubs[0].channel_id
    at = datetime(2025, 11, 20, tzinfo=UTC)
    first = [
        AudienceRow(cid, "female", "age18-24", 0.5, at),
        AudienceRow(cid, "male", "age18-24", 0.5, at),
    ]
    again = [
        AudienceRow(cid, "female", "age18-24", 0.7, at),
        AudienceRow(cid, "male", "age18-24", 0.3, at),
    ]
    for rows in (first, again):
        with Session(any_engine) as s:
            record_audience(s, rows)
            s.commit()
    with Session(any_engine) as s:
        got = {(r.gender, r.share) for r in s.exec(select(AudienceSnapshot))}
    assert got == {("female", 0.7), ("male", 0.3)}
    with Session(any_engine) as s, pytest.raises(UserError):
        record_audience(s, [AudienceRow(cid, "female", "age18-24", 1.5, at)])


def test_a_replayed_capture_replaces_its_snapshot(any_engine: Engine) -> None:
    """The natural key (publication, metric, capture time) holds one value: the last written,
    whether it repeats a stored capture or another row of the same call."""
    (pid, _) = _pub_ids(any_engine)
    t1, t2 = START + timedelta(hours=1), START + timedelta(hours=25)
    with Session(any_engine) as s:
        record_snapshots(
            s,
            [
                SnapshotRow(pid, "reach", 10.0, t1),
                SnapshotRow(pid, "reach", 12.0, t1, "post_total_media_view_unique"),
                SnapshotRow(pid, "reach", 40.0, t2),
            ],
            HANOI,
        )
        s.commit()
    with Session(any_engine) as s:
        # The platform corrected its +1 h number; the pull is replayed with the same time.
        record_snapshots(s, [SnapshotRow(pid, "reach", 15.0, t1, "again")], HANOI)
        s.commit()
    with Session(any_engine) as s:
        snaps = s.exec(select(MetricSnapshot).order_by(MetricSnapshot.captured_at)).all()  # type: ignore[arg-type]
        assert [(r.captured_at, r.value, r.source_metric) for r in snaps] == [
            (t1, 15.0, "again"),
            (t2, 40.0, ""),
        ]
        latest = _latest(s, pid, "reach")
        assert latest is not None
        assert (latest.value, latest.captured_at) == (40.0, t2)
        assert _delta_sum(s, pid, "reach", date(2025, 11, 15)) == pytest.approx(15.0)
        assert _delta_sum(s, pid, "reach", date(2025, 11, 16)) == pytest.approx(40.0)


def test_same_time_in_another_zone_is_the_same_capture(any_engine: Engine) -> None:
    (pid, _) = _pub_ids(any_engine)
    utc = START + timedelta(hours=2)
    with Session(any_engine) as s:
        record_snapshots(
            s,
            [
                SnapshotRow(pid, "views", 5.0, utc),
                SnapshotRow(pid, "views", 6.0, utc.astimezone(HANOI)),
            ],
            HANOI,
        )
        s.commit()
    with Session(any_engine) as s:
        assert s.exec(select(MetricSnapshot.value)).all() == [6.0]
        assert _delta_sum(s, pid, "views", date(2025, 11, 15)) == pytest.approx(6.0)


def test_a_shuffled_batch_with_repeats_stores_what_an_ordered_one_does(any_engine: Engine) -> None:
    """A pull may deliver its rows in any order and repeat a capture: per series the last
    arrival of each capture time is kept, the newest capture is the latest value, and the
    deltas sum to it, exactly as for the same rows sent in order."""
    pids = _pub_ids(any_engine)
    times = [START + timedelta(hours=h) for h in (1, 3, 30, 50)]
    ordered = [
        SnapshotRow(pid, metric, float(10 * i + pid % 7 + len(metric)), at)
        for pid in pids
        for metric in ("reach", "views")
        for i, at in enumerate(times)
    ]
    shuffled = ordered[:]
    random.Random(5).shuffle(shuffled)
    stale = [SnapshotRow(r.publication_id, r.metric, -1.0, r.captured_at) for r in ordered[::3]]
    batch = stale + shuffled  # each repeat arrives before the row that must win
    _record(any_engine, batch)
    with Session(any_engine) as s:
        assert _by_key(s.exec(select(MetricSnapshot))) == _by_key(ordered)
        for pid in pids:
            for metric in ("reach", "views"):
                newest = max(
                    (r for r in ordered if (r.publication_id, r.metric) == (pid, metric)),
                    key=lambda r: r.captured_at,
                )
                latest = _latest(s, pid, metric)
                assert latest is not None
                assert (latest.value, latest.captured_at) == (newest.value, newest.captured_at)
                assert _delta_sum(s, pid, metric, date(2025, 12, 31)) == pytest.approx(newest.value)


def test_two_pulls_of_one_capture_at_once_both_land(pg_engine: Engine) -> None:
    """Two workers (or a retry racing its first try) ingest the same capture at the same time:
    the second waits for the first's commit, then replaces the value instead of failing."""
    (pid, _) = _pub_ids(pg_engine)
    at = START + timedelta(hours=1)
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with Session(pg_engine) as s:
                ingest_snapshots(s, [SnapshotRow(pid, "reach", 12.0, at, "second")], HANOI)
                s.commit()
        except BaseException as exc:  # reported by the test thread below
            failures.append(exc)

    with Session(pg_engine) as first:
        ingest_snapshots(first, [SnapshotRow(pid, "reach", 10.0, at, "first")], HANOI)
        thread = threading.Thread(target=second)
        thread.start()
        _wait_for_a_lock_wait(pg_engine)  # the second is blocked on the first's new key
        first.commit()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert failures == []
    with Session(pg_engine) as s:
        snaps = s.exec(select(MetricSnapshot)).all()
        assert [(r.captured_at, r.value, r.source_metric) for r in snaps] == [(at, 12.0, "second")]
        latest = _latest(s, pid, "reach")
        assert latest is not None
        assert latest.value == 12.0


def _wait_for_a_lock_wait(engine: Engine, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with engine.connect() as conn:
        while conn.execute(query).scalar_one() == 0:
            assert time.monotonic() < deadline, "the second ingest never waited for the first"
            time.sleep(0.02)
            conn.rollback()


def test_a_batch_of_many_statements_stores_every_row(any_engine: Engine) -> None:
    """More rows than one multi-row INSERT holds (SQLite), with a remainder: all are stored."""
    pids = _pub_ids(any_engine)
    times = [START + timedelta(hours=h) for h in range(1, 131)]
    rows = [
        SnapshotRow(pid, metric, float(i * (pid % 5 + 1)), at)
        for pid in pids
        for i, at in enumerate(times)
        for metric in ("reach", "views")
    ]
    _record(any_engine, rows)
    with Session(any_engine) as s:
        assert _by_key(s.exec(select(MetricSnapshot))) == _by_key(rows)
        for pid in pids:
            assert _delta_sum(s, pid, "views", date(2025, 12, 31)) == 129.0 * (pid % 5 + 1)
