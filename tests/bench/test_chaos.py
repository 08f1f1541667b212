"""The chaos harness, short: a campaign published through faults, kills, terminated database
connections and skewed clocks, then audited; nothing duplicated, nothing lost. The long run is
`make chaos` (figures in docs/RELIABILITY.md)."""

import pytest

from bench import chaos


@pytest.mark.slow
@pytest.mark.postgres
def test_short_chaos_run_on_postgres_publishes_each_post_once(
    postgres_url: str,  # skips without a server; the run makes its own database
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: object,
) -> None:
    monkeypatch.setenv("LOA_HOME", str(tmp_path))  # the harness points it at its own folder
    code = chaos.main(
        [
            "--database=postgres",
            "--count=90",
            "--workers=3",
            "--kills=6",
            "--kill-gap-s=2.5",
            "--spread-s=12",
            "--chaos-s=18",
            "--fault-tail-s=8",
            "--drain-s=60",
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert "injected: 6 SIGKILLs" in out
    assert "duplicated" not in out
    assert "lost" not in out
    assert code == 0, out
