"""Freshness of the segment rollup: every write it summarises bumps its campaign's version in
the same transaction, the next scorecard sees the change (a late capture on a day that already
has one included), current rows cost no rebuild, and reading never commits the reader's session."""

from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

import campaigns.segments as segments
from analytics_app.engine import scorecard
from bench.national import generate
from campaigns.importer import import_campaign
from campaigns.metrics_store import SnapshotRow, ingest_snapshots, record_snapshots
from campaigns.models import (
    AuditLog,
    ContentItem,
    MetricSegment,
    MetricSegmentLatest,
    Publication,
    SegmentState,
)
from campaigns.rollup_version import current_version
from campaigns.rollups import refresh_rollups
from campaigns.segments import ensure_segments, refresh_stale
from campaigns.sheets.importer import import_sheet
from tests.analytics_app.factories import ZONE, add_kpi, build_hand, local
from tests.campaigns.test_importer import copy_example, edit
from tests.campaigns.test_sheets import EN, add_campaign, write_xlsx


def _reach(s: Session, at: Any, per_publication: bool = False) -> float | None:
    scores = scorecard(s, "hand", at, on_time_minutes=5, per_publication=per_publication)
    return {x.kpi: x.actual for x in scores}["reach"]


def _version(engine: Engine, campaign_id: int) -> int:
    with Session(engine) as s:
        return current_version(s.connection(), campaign_id)


def _built(engine: Engine, campaign_id: int) -> int | None:
    with Session(engine) as s:
        state = s.get(SegmentState, campaign_id)
        return None if state is None else state.version


@pytest.fixture
def hand(any_engine: Engine) -> Any:
    built = build_hand(any_engine)
    with Session(any_engine) as s:
        add_kpi(s, built.campaign_id, "reach", "reach", 1000)
        s.commit()
    return built


def test_a_late_capture_on_a_day_that_has_one_is_seen(any_engine: Engine, hand: Any) -> None:
    with Session(any_engine) as s:
        assert _reach(s, local(17, 11, 12)) == pytest.approx(350)  # A 300, B 50
        # Between A's 16/11 10:00 and 20/11 captures: no new row in MetricLatest or a new day
        # in MetricDelta, only 16/11's growth changes (the case a table signature missed).
        record_snapshots(s, [SnapshotRow(hand.pubs["A"], "reach", 320, local(16, 11, 18))], ZONE)
        s.commit()
        assert _reach(s, local(17, 11, 12)) == pytest.approx(370)
        assert _reach(s, local(17, 11, 12), per_publication=True) == pytest.approx(370)
        # A replayed capture with a corrected value, same key, same counts everywhere.
        record_snapshots(s, [SnapshotRow(hand.pubs["B"], "reach", 60, local(16, 11, 12))], ZONE)
        s.commit()
        assert _reach(s, local(17, 11, 12)) == pytest.approx(380)


def test_ingest_and_daily_refresh_each_bump_the_version(any_engine: Engine, hand: Any) -> None:
    with Session(any_engine) as s:
        ensure_segments(s, hand.campaign_id)
    start = _version(any_engine, hand.campaign_id)
    assert _built(any_engine, hand.campaign_id) == start
    with Session(any_engine) as s:
        ingest_snapshots(s, [SnapshotRow(hand.pubs["A"], "reach", 330, local(17, 11, 9))], ZONE)
        s.rollback()  # the bump goes with the write
    assert _version(any_engine, hand.campaign_id) == start
    with Session(any_engine) as s:
        ingest_snapshots(s, [SnapshotRow(hand.pubs["A"], "reach", 330, local(17, 11, 9))], ZONE)
        s.commit()
    assert _version(any_engine, hand.campaign_id) == start + 1
    with Session(any_engine) as s:
        assert refresh_rollups(s) == 1
        s.commit()
    assert _version(any_engine, hand.campaign_id) == start + 2
    with Session(any_engine) as s:
        # As of 17/11 12:00: A's late capture (330) beside B's 50.
        assert _reach(s, local(17, 11, 12)) == pytest.approx(380)
    assert _built(any_engine, hand.campaign_id) == start + 2


def test_an_ingest_left_pending_is_seen_by_the_next_scorecard(
    any_engine: Engine, hand: Any
) -> None:
    with Session(any_engine) as s:
        assert _reach(s, local(17, 11, 12)) == pytest.approx(350)
        ingest_snapshots(s, [SnapshotRow(hand.pubs["B"], "reach", 90, local(17, 11, 9))], ZONE)
        s.commit()
        assert _reach(s, local(17, 11, 12)) == pytest.approx(390)


def test_one_campaigns_writes_leave_anothers_rollup_current(any_engine: Engine, hand: Any) -> None:
    info = generate(any_engine, scale=0.004, seed=3)
    assert _built(any_engine, info.campaign_id) == _version(any_engine, info.campaign_id)
    other = _version(any_engine, info.campaign_id)
    with Session(any_engine) as s:
        record_snapshots(s, [SnapshotRow(hand.pubs["A"], "reach", 999, local(21, 11))], ZONE)
        s.commit()
    assert _version(any_engine, info.campaign_id) == other
    assert [r.campaign_id for r in refresh_stale(any_engine)] == [hand.campaign_id]
    assert refresh_stale(any_engine) == []


def test_current_rows_are_read_without_a_rebuild(
    any_engine: Engine, hand: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(any_engine) as s:
        record_snapshots(s, [SnapshotRow(hand.pubs["A"], "reach", 500, local(21, 11))], ZONE)
        s.commit()
    refresh_stale(any_engine)  # what a metric pull does after its pass

    def no_rebuild(*_: Any) -> None:
        raise AssertionError("the scorecard rebuilt current segment rows")

    monkeypatch.setattr(segments, "_rebuild", no_rebuild)
    with Session(any_engine) as s:
        assert _reach(s, local(25, 11)) == pytest.approx(750)  # A 500, B 250


def test_reading_commits_nothing_of_the_readers_session(any_engine: Engine, hand: Any) -> None:
    with Session(any_engine) as s:
        record_snapshots(s, [SnapshotRow(hand.pubs["B"], "reach", 300, local(21, 11))], ZONE)
        s.commit()
    with Session(any_engine) as s:
        s.add(AuditLog(actor="t", action="note", entity="campaign", entity_id="hand"))
        s.flush()  # an uncommitted write of the reader's own
        assert _reach(s, local(25, 11)) == pytest.approx(700)
        assert s.in_transaction()
        s.rollback()
    with Session(any_engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 0
        # The rebuild went with the rollback: the next reader rebuilds and commits on its own.
        assert _reach(s, local(25, 11)) == pytest.approx(700)
    assert _built(any_engine, hand.campaign_id) == _version(any_engine, hand.campaign_id)


def test_a_reader_without_writes_gets_the_rebuild_committed_apart(
    any_engine: Engine, hand: Any
) -> None:
    with Session(any_engine) as s:
        record_snapshots(s, [SnapshotRow(hand.pubs["B"], "reach", 300, local(21, 11))], ZONE)
        s.commit()
    with Session(any_engine) as reader:
        assert _reach(reader, local(25, 11)) == pytest.approx(700)
        # Seen from another connection while the reader's session is still open.
        assert _built(any_engine, hand.campaign_id) == _version(any_engine, hand.campaign_id)


def test_a_capture_time_in_the_zone_counts_on_its_local_day(any_engine: Engine, hand: Any) -> None:
    late = local(17, 11, 0, 30) - timedelta(hours=1)  # 16/11 23:30 local
    with Session(any_engine) as s:
        record_snapshots(s, [SnapshotRow(hand.pubs["B"], "reach", 80, late)], ZONE)
        s.commit()
        assert _reach(s, local(16, 11, 23, 59)) == pytest.approx(380)  # A 300, B 80


def _segment_reach(engine: Engine, campaign_id: int) -> dict[str, float]:
    """Reach per audience list, from the segment rows as stored."""
    seg, latest = MetricSegment.__table__, MetricSegmentLatest.__table__  # type: ignore[attr-defined]
    with Session(engine) as s:
        rows = s.execute(
            select(seg.c.audience_key, latest.c.total)
            .join(latest, latest.c.segment_id == seg.c.id)
            .where(latest.c.campaign_id == campaign_id, latest.c.metric == "reach")
            .where(latest.c.basis == "")
        ).all()
    return {key: total for key, total in rows}


def test_a_campaign_import_that_moves_an_item_between_segments_is_seen(
    any_engine: Engine, tmp_path: Path
) -> None:
    path = copy_example(tmp_path)
    with Session(any_engine) as s:
        campaign_id = import_campaign(s, path).campaign_id
        item = s.scalars(select(ContentItem.id).where(ContentItem.key == "tip-01")).one()  # type: ignore[call-overload]
        pid = s.scalars(select(Publication.id).where(Publication.content_id == item)).first()  # type: ignore[call-overload]
        assert pid is not None
        record_snapshots(s, [SnapshotRow(pid, "reach", 42, local(20, 11))], ZONE)
        s.commit()
        ensure_segments(s, campaign_id)
    assert _segment_reach(any_engine, campaign_id) == {'["youth", "women"]': 42}
    before = _version(any_engine, campaign_id)
    edit(path, "audiences: [youth, women]", "audiences: [parents]")
    with Session(any_engine) as s:
        import_campaign(s, path)
    assert _version(any_engine, campaign_id) == before + 1
    with Session(any_engine) as s:
        ensure_segments(s, campaign_id)
    assert _segment_reach(any_engine, campaign_id) == {'["parents"]': 42}


def test_a_sheet_import_bumps_its_campaigns_version(sqlite_engine: Engine, tmp_path: Path) -> None:
    sheet = write_xlsx(
        tmp_path / "plan.xlsx",
        EN,
        [[date(2025, 11, 25), time(7, 30), "ha-noi-fb", "post", None, "Orange Day"]],
    )
    with Session(sqlite_engine, expire_on_commit=False) as s:
        campaign = add_campaign(s)
        assert campaign.id is not None
        before = current_version(s.connection(), campaign.id)
        import_sheet(s, sheet, "am-test")
        s.commit()
        assert current_version(s.connection(), campaign.id) == before + 1
