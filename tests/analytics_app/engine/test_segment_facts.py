"""The segment rollup answers every scorecard question exactly as the per-publication rollups
do (the hand campaign and a generated one, at moments before, during and after the captures),
and it is never stale: a capture written after a rebuild shows in the next scorecard."""

import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.engine import scorecard
from analytics_app.engine.scorecard import KpiScore
from bench.national import ZONE, generate
from campaigns.metrics_store import SnapshotRow, ingest_snapshots, record_snapshots
from tests.analytics_app.factories import add_kpi, build_hand, local

METRICS = ("reach", "views", "engagements", "engagement_rate", "avg_view_duration_s", "clicks")
MOMENTS = [local(14, 11, 12), local(16, 11, 9), local(17, 11, 12), local(20, 11, 12)]


def _same(a: list[KpiScore], b: list[KpiScore]) -> None:
    assert [s.kpi for s in a] == [s.kpi for s in b]
    for x, y in zip(a, b, strict=True):
        for name in ("actual", "percent", "expected", "projection"):
            got, want = getattr(x, name), getattr(y, name)
            assert (got is None) == (want is None), (
                f"{x.kpi} {x.metric} {x.filters} {name} {got} {want} {x.data_as_of} {y.reason}"
            )
            if want is not None:
                assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (x.kpi, name)
        assert (x.status, x.reason, x.data_as_of) == (y.status, y.reason, y.data_as_of), x.kpi


def _both(s: Session, key: str, at: datetime) -> tuple[list[KpiScore], list[KpiScore]]:
    return (
        scorecard(s, key, at, on_time_minutes=5),
        scorecard(s, key, at, on_time_minutes=5, per_publication=True),
    )


def test_hand_campaign_segments_equal_the_publication_rollups(any_engine: Engine) -> None:
    hand = build_hand(any_engine)
    with Session(any_engine) as s:
        filters: list[dict[str, Any]] = [
            {},
            {"units": ["u2"]},
            {"platforms": ["youtube"]},
            {"content_kinds": ["photo", "post"]},
            {"audiences": ["youth", "men"]},
            {"units": ["u3"]},
        ]
        for i, flt in enumerate(filters):
            for metric in METRICS:
                add_kpi(s, hand.campaign_id, f"{metric}-{i}", metric, 100, **flt)
        s.commit()
        for at in [*MOMENTS, local(25, 11, 12)]:
            ours, reference = _both(s, "hand", at)
            _same(ours, reference)
    # Numbers by hand, so the comparison cannot pass on two equally wrong paths.
    with Session(any_engine) as s:
        by = {x.kpi: x for x in scorecard(s, "hand", local(17, 11, 12))}
    assert by["reach-0"].actual == pytest.approx(350)
    assert by["engagement_rate-0"].actual == pytest.approx(2 / 350)  # A's clicks over reach


def test_generated_campaign_segments_equal_the_publication_rollups(any_engine: Engine) -> None:
    info = generate(any_engine, scale=0.004, seed=5)
    rng = random.Random(11)
    with Session(any_engine) as s:
        for i in range(24):
            flt: dict[str, Any] = {}
            if rng.random() < 0.5:
                flt["platforms"] = [rng.choice(["facebook", "youtube"])]
            if rng.random() < 0.4:
                flt["units"] = rng.sample(["unit-00", "unit-01"], 1)
            if rng.random() < 0.4:
                flt["content_kinds"] = rng.sample(["post", "photo", "clip"], 2)
            if rng.random() < 0.4:
                flt["audiences"] = [rng.choice(["youth", "general"])]
            add_kpi(s, info.campaign_id, f"k{i}", rng.choice(METRICS), 1000, **flt)
        s.commit()
        start = datetime(2025, 11, 15, tzinfo=ZONE)
        for hours in (30, 24 * 9 + 5, 24 * 20, 24 * 60):
            ours, reference = _both(s, info.campaign_key, start + timedelta(hours=hours))
            _same(ours, reference)


@pytest.mark.parametrize(
    "filters",
    [
        # Platforms only: the segment rows are grouped per platform, not per channel.
        [{}, {"platforms": ["facebook"]}, {"platforms": ["youtube"]}],
        # No place at all: grouped by content kind and audience list only.
        [{}, {"content_kinds": ["post", "photo"]}, {"audiences": ["youth"]}],
        [{}],
    ],
    ids=["by-platform", "by-kind-and-audience", "whole-campaign"],
)
def test_coarser_groupings_equal_the_publication_rollups(
    any_engine: Engine, filters: list[dict[str, Any]]
) -> None:
    info = generate(any_engine, scale=0.004, seed=5)
    with Session(any_engine) as s:
        for i, flt in enumerate(filters):
            for metric in METRICS:
                add_kpi(s, info.campaign_id, f"{metric}-{i}", metric, 1000, **flt)
        s.commit()
        start = datetime(2025, 11, 15, tzinfo=ZONE)
        for hours in (-5, 30, 24 * 9 + 5, 24 * 20, 24 * 60):
            ours, reference = _both(s, info.campaign_key, start + timedelta(hours=hours))
            _same(ours, reference)


def test_a_capture_after_a_rebuild_is_seen_by_the_next_scorecard(any_engine: Engine) -> None:
    hand = build_hand(any_engine)
    with Session(any_engine) as s:
        add_kpi(s, hand.campaign_id, "reach", "reach", 1000)
        s.commit()
        before = {x.kpi: x.actual for x in scorecard(s, "hand", local(25, 11))}
        # A newer capture of B, older than the campaign's newest capture (A's, 20/11 10:00).
        record_snapshots(s, [SnapshotRow(hand.pubs["B"], "reach", 300, local(19, 11, 9))], ZONE)
        s.commit()
        after = {x.kpi: x.actual for x in scorecard(s, "hand", local(25, 11))}
        # A late capture of A on 17/11, left pending in the daily rollup: history changes.
        ingest_snapshots(s, [SnapshotRow(hand.pubs["A"], "reach", 350, local(17, 11, 9))], ZONE)
        s.commit()
        history = {x.kpi: x.actual for x in scorecard(s, "hand", local(17, 11, 12))}
    assert before["reach"] == pytest.approx(650)
    assert after["reach"] == pytest.approx(700)
    # As of 17/11: A 350 (its late capture), B 50.
    assert history["reach"] == pytest.approx(400)
