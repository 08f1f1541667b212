"""Equal-age values read by seeking the two snapshots around each moment equal the values
interpolated over each item's whole series, on generated series with every edge case."""

import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.metrics_store import SnapshotRow, record_snapshots, values_at_age
from campaigns.models import MetricSnapshot, Publication
from tests.scheduler.fakes_metrics import START, seed_campaign

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
AGES = (
    timedelta(0),
    timedelta(hours=1),
    timedelta(hours=24),
    timedelta(days=7),
    timedelta(hours=30, microseconds=250),
)
METRICS = ("reach", "views")


def _whole_series(
    published: datetime, points: list[tuple[datetime, float]], target: datetime
) -> float | None:
    """The value at `target` from the item's whole series, as the rule states it: unknown past
    the newest capture; else the first capture at or after `target`, interpolated linearly from
    the last capture before it (or from 0 at publication when there is none)."""
    points = sorted(points)
    if not points or points[-1][0] < target:
        return None
    after = next(p for p in points if p[0] >= target)
    earlier = [p for p in points if p[0] < target]
    before = earlier[-1] if earlier else (published, 0.0)
    if after[0] == target or after[0] <= before[0]:
        return after[1]
    share = (target - before[0]).total_seconds() / (after[0] - before[0]).total_seconds()
    return before[1] + (after[1] - before[1]) * share


def _case(
    published: datetime, points: list[tuple[datetime, float]], target: datetime, value: Any
) -> str:
    if value is None:
        return "unknown"
    if any(at == target for at, _ in points):
        return "exact"
    return "between" if any(at < target for at, _ in points) else "from_zero"


def _captures(rng: random.Random, published: datetime) -> list[datetime]:
    """Capture times around the ranking ages: on the exact moment, a microsecond either side,
    whole seconds and odd microseconds, some before publication (a skewed clock)."""
    out: set[datetime] = set()
    for _ in range(rng.randint(0, 9)):
        kind = rng.random()
        if kind < 0.25:
            age = rng.choice(AGES)
            nudge = timedelta(microseconds=rng.choice((-1, 0, 0, 1)))
            out.add(published + age + nudge)
        elif kind < 0.35:
            out.add(published - timedelta(minutes=rng.randint(1, 90)))
        else:
            offset = timedelta(seconds=rng.randint(0, 10 * 86_400))
            micros = timedelta(microseconds=rng.choice((0, rng.randint(1, 999_999))))
            out.add(published + offset + micros)
    return sorted(out)


def test_values_at_age_equal_the_whole_series_rule(any_engine: Engine) -> None:
    rng = random.Random(20251125)
    with Session(any_engine) as s:
        pubs = seed_campaign(s, per_channel=30)
        # Varied publication moments (whole seconds and not); one item never published.
        for pub in pubs:
            pub.published_at = START + timedelta(
                seconds=rng.randint(0, 20 * 86_400), microseconds=rng.choice((0, 123_457))
            )
        pubs[-1].published_at = None
        s.commit()
        published = {p.id: p.published_at for p in pubs if p.id is not None}
    rows = [
        SnapshotRow(pid, metric, float(rng.randint(0, 10**6)) / rng.choice((1, 7)), at)
        for pid, at in published.items()
        for metric in METRICS
        for at in _captures(rng, at or START)
    ]
    with Session(any_engine) as s:
        record_snapshots(s, rows, HANOI)
        s.commit()

    with Session(any_engine) as s:
        series: dict[tuple[int, str], list[tuple[datetime, float]]] = defaultdict(list)
        for snap in s.exec(select(MetricSnapshot)):
            series[(snap.publication_id, snap.metric)].append((snap.captured_at, snap.value))
        stored = {p.id: p.published_at for p in s.exec(select(Publication)) if p.id is not None}
        cases: Counter[str] = Counter()  # which rule each expected value came from
        for metric in METRICS:
            for age in AGES:
                expected: dict[int, float] = {}
                for pid, at in stored.items():
                    if at is None:
                        continue
                    points, target = series[(pid, metric)], at + age
                    value = _whole_series(at, points, target)
                    if value is not None:
                        expected[pid] = value
                    cases[_case(at, points, target, value)] += 1
                got = values_at_age(s, list(stored), metric, age)
                assert got.keys() == expected.keys(), (metric, age)
                for pid, value in expected.items():
                    assert got[pid] == pytest.approx(value, rel=1e-12, abs=1e-9), (pid, age)
        unpublished = next(pid for pid, at in stored.items() if at is None)
        assert values_at_age(s, [unpublished], "reach", timedelta(0)) == {}
    # The generated series reach every rule, each many times.
    assert min(cases[c] for c in ("unknown", "exact", "from_zero", "between")) >= 10, cases
