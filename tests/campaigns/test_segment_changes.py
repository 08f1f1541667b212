"""The incremental segment refresh writes exactly the rows a full rebuild writes, after any
sequence of ingests (late captures, new days, days that lose their last growth, publications that
start reporting a basis metric) and of imports that add publications or move one to another
segment; a pull's refresh is incremental, and a crash loses no listed change. Basis rows cover
every day of the campaign, so a ratio as of a day only other metrics grew on is answered."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlmodel import Session

import campaigns.segment_changes as segment_changes
from analytics_app.engine import scorecard
from bench.national import ZONE, generate
from campaigns.metrics_store import SnapshotRow, ingest_snapshots, record_snapshots
from campaigns.models import ContentItem, Publication, SegmentChange
from campaigns.rollup_version import bump
from campaigns.segments import refresh_segments, refresh_stale, segment_rows, update_segments
from tests.analytics_app.factories import add_kpi, build_hand, local

PUBLICATIONS = 40  # generate(scale=0.002): 40 publications on 3 channels
METRICS = ("reach", "views", "reactions", "clicks", "video_views", "watch_time_hours")
FIRST_DAY = date(2025, 11, 15)

Capture = tuple[int, str, int, int, int]  # publication index, metric, day, hour, value
captures = st.tuples(
    st.integers(0, PUBLICATIONS - 1),
    st.sampled_from(METRICS),
    st.integers(0, 14),
    st.integers(0, 23),
    st.sampled_from([0, 10, 20, 35, 60]),  # repeats: a day's growth may vanish on a replay
)
steps = st.one_of(
    st.tuples(st.just("ingest"), st.lists(captures, min_size=1, max_size=10)),
    st.tuples(st.just("move"), st.integers(0, PUBLICATIONS - 1)),
    st.tuples(st.just("add"), st.integers(0, PUBLICATIONS - 1)),
)


@pytest.fixture
def campaign(any_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[Engine, int, int]:
    """(engine, campaign id, first publication id) of a small campaign without snapshots; the
    incremental path is taken whatever share of the rows a change reaches."""
    monkeypatch.setattr(segment_changes, "FULL_SHARE", 2.0)
    info = generate(any_engine, scale=0.002, seed=3, snapshots=False)
    return any_engine, info.campaign_id, info.first_publication_id


def rebuilt(engine: Engine, campaign_id: int) -> dict[str, Any]:
    """The rows a full rebuild writes, rolled back after reading them."""
    with Session(engine) as s:
        refresh_segments(s, campaign_id)
        rows = segment_rows(s.connection(), campaign_id)
        s.rollback()
    return rows


def _stored(engine: Engine, campaign_id: int) -> dict[str, Any]:
    with Session(engine) as s:
        return segment_rows(s.connection(), campaign_id)


def _at(day: int, hour: int) -> datetime:
    return datetime(2025, 11, 15, hour, tzinfo=ZONE) + timedelta(days=day)


def _ingest(engine: Engine, first_pid: int, batch: list[Capture]) -> None:
    rows = [
        SnapshotRow(first_pid + i, metric, float(value), _at(day, hour))
        for i, metric, day, hour, value in batch
    ]
    with Session(engine) as s:
        ingest_snapshots(s, rows, ZONE)
        s.commit()


def _move(engine: Engine, campaign_id: int, pid: int) -> None:
    """What an import that changes a content item's kind writes."""
    with Session(engine) as s:
        pub = s.get(Publication, pid)
        assert pub is not None
        item = s.get(ContentItem, pub.content_id)
        assert item is not None
        item.kind = {"post": "photo", "photo": "clip", "clip": "post"}[item.kind]
        s.add(item)
        s.flush()
        bump(s.connection(), [campaign_id])
        s.commit()


def _add(engine: Engine, campaign_id: int, like: int) -> int:
    """What an import that plans one more publication writes: a copy of `like`'s."""
    with Session(engine) as s:
        pub = s.get(Publication, like)
        assert pub is not None
        count = len(s.exec(select(Publication.id)).all())  # type: ignore[call-overload]
        copy = Publication(
            **pub.model_dump(exclude={"id", "dedupe_key"}), dedupe_key=f"copy-{count}"
        )
        s.add(copy)
        s.flush()
        bump(s.connection(), [campaign_id])
        s.commit()
        assert copy.id is not None
        return copy.id


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(steps, min_size=1, max_size=6))
def test_incremental_refresh_equals_a_full_rebuild(
    campaign: tuple[Engine, int, int], program: list[tuple[str, Any]]
) -> None:
    engine, campaign_id, first_pid = campaign
    for op, arg in program:
        if op == "ingest":
            _ingest(engine, first_pid, arg)
        elif op == "move":
            _move(engine, campaign_id, first_pid + arg)
        else:
            _add(engine, campaign_id, first_pid + arg)
        refresh_stale(engine)  # what a metric pull runs after its pass
        assert _stored(engine, campaign_id) == rebuilt(engine, campaign_id), (op, arg)


def test_a_pull_refreshes_only_its_segments_from_its_day(
    campaign: tuple[Engine, int, int],
) -> None:
    engine, campaign_id, first_pid = campaign
    _ingest(
        engine,
        first_pid,
        [(i, m, d, 9, 10 * (d + 1)) for i in range(40) for d in range(5) for m in METRICS],
    )
    refresh_stale(engine)
    # A pass on a new day over three publications.
    _ingest(engine, first_pid, [(i, "reach", 6, 10, 99) for i in (0, 1, 2)])
    [report] = refresh_stale(engine)
    assert not report.full
    assert report.days == 6
    assert _stored(engine, campaign_id) == rebuilt(engine, campaign_id)
    _ingest(engine, first_pid, [(3, "views", 3, 20, 77)])  # a late capture, days back
    with Session(engine) as s:
        report = update_segments(s, campaign_id)
        s.commit()
    assert not report.full
    assert report.segments == 1  # the late capture's segment alone
    assert _stored(engine, campaign_id) == rebuilt(engine, campaign_id)
    _move(engine, campaign_id, first_pid)
    [report] = refresh_stale(engine)
    assert report.full  # a publication changed segment


def test_a_refresh_that_fails_keeps_its_changes_listed(
    campaign: tuple[Engine, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, campaign_id, first_pid = campaign
    _ingest(engine, first_pid, [(i, "reach", 1, 9, 10) for i in range(10)])
    refresh_stale(engine)
    _ingest(engine, first_pid, [(0, "reach", 3, 9, 50)])

    def crash(*_: Any) -> int:
        raise RuntimeError("killed mid-refresh")

    monkeypatch.setattr(segment_changes._Work, "recompute_latest", crash)
    with pytest.raises(RuntimeError):
        refresh_stale(engine)
    monkeypatch.undo()
    monkeypatch.setattr(segment_changes, "FULL_SHARE", 2.0)
    with Session(engine) as s:
        listed = s.execute(select(SegmentChange.publication_id)).scalars().all()
    assert listed == [first_pid]
    [report] = refresh_stale(engine)
    assert not report.full
    assert _stored(engine, campaign_id) == rebuilt(engine, campaign_id)
    with Session(engine) as s:
        assert s.execute(select(SegmentChange.publication_id)).scalars().all() == []


def test_a_ratio_reads_its_basis_on_a_day_only_other_metrics_grew(any_engine: Engine) -> None:
    hand = build_hand(any_engine)
    with Session(any_engine) as s:
        add_kpi(s, hand.campaign_id, "rate", "engagement_rate", 0.1)
        rows = [
            SnapshotRow(hand.pubs["C"], "views", 1800, local(22, 11, 10)),  # YouTube only
            SnapshotRow(hand.pubs["A"], "reach", 500, local(25, 11, 10)),
        ]
        record_snapshots(s, rows, ZONE)  # the hand campaign's zone too
        s.commit()
        at = local(22, 11, 12)  # before the newest capture: the day rows of 22/11 answer
        ours = {x.kpi: x.actual for x in scorecard(s, "hand", at)}
        oracle = {x.kpi: x.actual for x in scorecard(s, "hand", at, per_publication=True)}
    assert oracle["rate"] is not None
    assert ours["rate"] == pytest.approx(oracle["rate"])
