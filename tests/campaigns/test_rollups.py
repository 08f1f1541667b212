"""The set-based rollup refresh: incremental, idempotent, safe after a crash, right for late data."""

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, text
from sqlmodel import Session, select

from campaigns.metrics_store import SnapshotRow, ingest_snapshots
from campaigns.models import MetricDelta, MetricLatest, MetricPending
from campaigns.rollups import _growth_by_day, analyze_if_never, pending_series, refresh_rollups
from tests.scheduler.fakes_metrics import START, seed_campaign

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DAY1, DAY2, DAY3 = date(2025, 11, 15), date(2025, 11, 16), date(2025, 11, 17)


def _pids(engine: Engine, n: int = 2) -> list[int]:
    with Session(engine) as s:
        pubs = seed_campaign(s, platforms=("facebook",), per_channel=n)
        s.commit()
        return [p.id for p in pubs if p.id is not None]


def _ingest(engine: Engine, rows: list[SnapshotRow]) -> None:
    with Session(engine) as s:
        ingest_snapshots(s, rows, HANOI)
        s.commit()


def _refresh(engine: Engine) -> int:
    with Session(engine) as s:
        n = refresh_rollups(s)
        s.commit()
    return n


def _deltas(engine: Engine, pid: int, metric: str = "reach") -> dict[date, float]:
    with Session(engine) as s:
        return {
            d.day: d.delta
            for d in s.exec(
                select(MetricDelta).where(
                    MetricDelta.publication_id == pid, MetricDelta.metric == metric
                )
            )
        }


def test_ingest_leaves_deltas_pending_and_refresh_brings_them_up(any_engine: Engine) -> None:
    pid, other = _pids(any_engine)
    # START + 18 h is 19:00 UTC on the 15th, 02:00 on the 16th in Ha Noi.
    _ingest(
        any_engine,
        [
            SnapshotRow(pid, "reach", 10.0, START + timedelta(hours=1)),
            SnapshotRow(pid, "reach", 25.0, START + timedelta(hours=18)),
            SnapshotRow(other, "views", 7.0, START + timedelta(hours=2)),
        ],
    )
    with Session(any_engine) as s:
        assert pending_series(s) == 2
        latest = s.get(MetricLatest, (pid, "reach"))
        assert latest is not None
        assert latest.value == 25.0  # latest is current at once
    assert _deltas(any_engine, pid) == {}
    assert _refresh(any_engine) == 2
    assert _deltas(any_engine, pid) == {DAY1: 10.0, DAY2: 15.0}
    assert _deltas(any_engine, other, "views") == {DAY1: 7.0}
    with Session(any_engine) as s:
        assert pending_series(s) == 0


def test_refresh_is_incremental_and_idempotent(any_engine: Engine) -> None:
    pid, other = _pids(any_engine)
    _ingest(any_engine, [SnapshotRow(pid, "reach", 10.0, START + timedelta(hours=1))])
    _ingest(any_engine, [SnapshotRow(other, "reach", 4.0, START + timedelta(hours=1))])
    assert _refresh(any_engine) == 2
    # A new capture of one series lists that series alone; the other's rows stay as they are.
    _ingest(any_engine, [SnapshotRow(pid, "reach", 30.0, START + timedelta(hours=3))])
    with Session(any_engine) as s:
        assert [(p.publication_id, p.metric) for p in s.exec(select(MetricPending))] == [
            (pid, "reach")
        ]
    assert _refresh(any_engine) == 1
    assert _deltas(any_engine, pid) == {DAY1: 30.0}  # the day's growth, not 10 + 30
    assert _deltas(any_engine, other) == {DAY1: 4.0}
    # Nothing pending: nothing changes.
    assert _refresh(any_engine) == 0
    # Listing a series again from its very first day recomputes the same numbers.
    with Session(any_engine) as s:
        s.add(MetricPending(publication_id=pid, metric="reach", since=START, zone=HANOI.key))
        s.commit()
    assert _refresh(any_engine) == 1
    assert _deltas(any_engine, pid) == {DAY1: 30.0}


def test_a_crash_between_ingest_and_refresh_leaves_rollups_behind_not_wrong(
    any_engine: Engine,
) -> None:
    (pid, _) = _pids(any_engine)
    _ingest(any_engine, [SnapshotRow(pid, "reach", 10.0, START + timedelta(hours=1))])
    _refresh(any_engine)
    _ingest(any_engine, [SnapshotRow(pid, "reach", 40.0, START + timedelta(days=1))])
    # The refresh runs but its transaction never commits (the process dies).
    with Session(any_engine) as s:
        assert refresh_rollups(s) == 1
        s.rollback()
    with Session(any_engine) as s:
        assert pending_series(s) == 1  # still listed for the next refresh
    assert _deltas(any_engine, pid) == {DAY1: 10.0}  # the sum as of the old capture
    assert _refresh(any_engine) == 1
    assert _deltas(any_engine, pid) == {DAY1: 10.0, DAY2: 30.0}


def test_a_late_older_capture_recomputes_the_days_after_it(any_engine: Engine) -> None:
    (pid, _) = _pids(any_engine)
    _ingest(
        any_engine,
        [
            SnapshotRow(pid, "reach", 10.0, START + timedelta(hours=1)),
            SnapshotRow(pid, "reach", 100.0, START + timedelta(days=2)),
        ],
    )
    _refresh(any_engine)
    assert _deltas(any_engine, pid) == {DAY1: 10.0, DAY3: 90.0}
    # A capture of the 16th arrives after the one of the 17th.
    _ingest(any_engine, [SnapshotRow(pid, "reach", 60.0, START + timedelta(days=1))])
    _refresh(any_engine)
    assert _deltas(any_engine, pid) == {DAY1: 10.0, DAY2: 50.0, DAY3: 40.0}
    with Session(any_engine) as s:
        latest = s.get(MetricLatest, (pid, "reach"))
        assert latest is not None
        assert (latest.value, latest.captured_at) == (100.0, START + timedelta(days=2))
        total = s.exec(
            select(func.sum(MetricDelta.delta)).where(MetricDelta.publication_id == pid)
        ).one()
        assert total == pytest.approx(100.0)


def test_refresh_after_a_replayed_capture_with_a_corrected_value(any_engine: Engine) -> None:
    (pid, _) = _pids(any_engine)
    t1, t2 = START + timedelta(hours=1), START + timedelta(days=1)
    _ingest(any_engine, [SnapshotRow(pid, "reach", 10.0, t1), SnapshotRow(pid, "reach", 40.0, t2)])
    _refresh(any_engine)
    _ingest(any_engine, [SnapshotRow(pid, "reach", 16.0, t1)])
    _refresh(any_engine)
    assert _deltas(any_engine, pid) == {DAY1: 16.0, DAY2: 24.0}


def test_tables_without_statistics_are_analyzed_once_filled(pg_engine: Engine) -> None:
    """A first backfill on PostgreSQL leaves the planner no statistics until autovacuum comes
    (or never, where it is off); the refresh analyzes what has none, and only that."""

    def reltuples(conn: Any, table: str) -> float:
        query = text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)")
        return float(conn.execute(query, {"t": table}).scalar_one())

    with pg_engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE loa_scratch_filled (n integer) WITH (autovacuum_enabled = false)")
        )
        conn.execute(text("INSERT INTO loa_scratch_filled SELECT generate_series(1, 500)"))
        conn.execute(
            text("CREATE TABLE loa_scratch_known (n integer) WITH (autovacuum_enabled = false)")
        )
        conn.execute(text("INSERT INTO loa_scratch_known SELECT generate_series(1, 10)"))
        conn.execute(text("ANALYZE loa_scratch_known"))
        conn.execute(text("INSERT INTO loa_scratch_known SELECT generate_series(1, 90)"))
    try:
        with pg_engine.begin() as conn:
            assert reltuples(conn, "loa_scratch_filled") < 0
            analyze_if_never(conn, ["loa_scratch_filled", "loa_scratch_known"])
        with pg_engine.connect() as conn:
            assert reltuples(conn, "loa_scratch_filled") == 500
            assert reltuples(conn, "loa_scratch_known") == 10  # had statistics: left alone
    finally:
        with pg_engine.begin() as conn:
            conn.execute(text("DROP TABLE loa_scratch_filled, loa_scratch_known"))


def test_growth_is_split_at_each_zone_midnight_to_the_microsecond() -> None:
    """Points in stored form (UTC text), as the SQLite refresh reads them. Ha Noi's midnight is
    17:00 UTC: a point at 16:59:59.999999 belongs to the day before, one at 17:00:00 to the day
    after. Los Angeles splits the same points elsewhere."""

    def points(zone: str) -> list[tuple[Any, ...]]:
        at = [
            "2025-11-14 16:00:00.000000",  # the series' base: 14/11 in both zones, before day0
            "2025-11-15 16:59:59.999999",
            "2025-11-15 17:00:00.000000",
            "2025-11-16 03:00:00.000000",
            "2025-11-16 17:00:00.000001",
        ]
        values = [10.0, 15.0, 21.0, 28.0, 36.0]
        return [(7, "reach", t, v, "2025-11-15", zone) for t, v in zip(at, values, strict=True)]

    assert list(_growth_by_day(points("Asia/Ho_Chi_Minh"))) == [
        (7, "reach", "2025-11-15", 5.0),  # 15 - 10, at 23:59:59.999999
        (7, "reach", "2025-11-16", 13.0),  # 21 - 15 at midnight, and 28 - 21
        (7, "reach", "2025-11-17", 8.0),  # 36 - 28, a microsecond after midnight
    ]
    # Los Angeles (UTC-8 in November): all but the last point fall on 15/11 there.
    assert list(_growth_by_day(points("America/Los_Angeles"))) == [
        (7, "reach", "2025-11-15", 18.0),
        (7, "reach", "2025-11-16", 8.0),
    ]
    # A second series starts over from 0, and a day without growth is left out.
    two = [
        *points("Asia/Ho_Chi_Minh")[:2],
        (8, "views", "2025-11-15 02:00:00.000000", 4.0, "2025-11-15", "Asia/Ho_Chi_Minh"),
        (8, "views", "2025-11-16 02:00:00.000000", 4.0, "2025-11-15", "Asia/Ho_Chi_Minh"),
    ]
    assert list(_growth_by_day(two)) == [
        (7, "reach", "2025-11-15", 5.0),
        (8, "views", "2025-11-15", 4.0),  # from 0; 16/11 grew nothing
    ]
