"""The national data generator at a tiny scale: sizes, determinism, and consistent rollups."""

from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bench.ingest_bench import main as ingest_main
from bench.national import CAPTURES, generate, rows, sizes
from campaigns.models import Channel, MetricDelta, MetricLatest, MetricSnapshot, Publication


def test_tiny_national_campaign(sqlite_engine: Engine) -> None:
    info = generate(sqlite_engine, scale=0.01, seed=3)
    units, channels, pubs = sizes(0.01)
    assert (info.units, info.channels, info.publications) == (units, channels, pubs)
    assert info.published > 0.9 * pubs
    assert info.snapshots == info.published * CAPTURES * 8
    with Session(sqlite_engine) as s:
        assert s.exec(select(func.count()).select_from(MetricSnapshot)).one() == info.snapshots
        assert s.exec(select(func.count()).select_from(Publication)).one() == pubs
        platforms = set(s.exec(select(Channel.platform)).all())
        assert platforms == {"facebook", "youtube"}
        # Rollups agree with the raw rows: latest reach summed two ways.
        latest = s.exec(
            select(func.sum(MetricLatest.value)).where(MetricLatest.metric == "reach")
        ).one()
        deltas = s.exec(
            select(func.sum(MetricDelta.delta)).where(MetricDelta.metric == "reach")
        ).one()
        assert latest is not None
        assert deltas is not None
        assert abs(latest - deltas) < 1e-6 * max(latest, 1.0)
    # The same (scale, seed) yields the same rows for the baselines.
    again = list(rows(0.01, 3, info.first_publication_id))
    assert len(again) == info.snapshots
    assert again[:50] == list(rows(0.01, 3, info.first_publication_id))[:50]


def test_ingest_bench_runs_and_prints_ratios(tmp_path: Path, capsys: object) -> None:
    assert ingest_main(["--scale", "0.005", "--no-postgres"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "sqlite" in out
    assert "ratio" in out
    assert "of keyed executemany" in out  # the key's own cost is measured beside the bare rate
    # Loa's own statement shape, bare, is shown for reference; the goal is against executemany.
    assert "of multi-row INSERT" in out
    assert "goal against multi-row INSERT" not in out
    assert "goal against executemany" in out
