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
            "--count=75",
            "--workers=3",
            "--kills=5",
            "--kill-gap-s=2.0",
            "--spread-s=8",
            "--chaos-s=10",
            "--fault-tail-s=5",
            "--drain-s=60",
            "--without=rate_limit",  # a YouTube rate limit holds a clip a minute: too long here
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert "injected: 5 SIGKILLs" in out
    assert "duplicated" not in out
    assert "lost" not in out
    assert code == 0, out
