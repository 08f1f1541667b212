"""How long `loa` takes to start, beside the interpreter alone.

Officers type `loa` dozens of times a day; a command that takes two seconds before it does
anything feels broken. Each command is run as a fresh process (`python -m scheduler.cli ...`,
what the `loa` script runs) in a folder with a private LOA_HOME, `--repeat` times; the median
wall time counts (and the median CPU time, user + system, which a busy machine inflates
less), beside `python -c pass` measured the same way in the same run:

- `loa --help`: the command tree only (goal: under 0.3 s);
- `loa status`: a read-only command on a database with the example campaign (goal: under
  0.6 s);
- `loa scorecard`: the objective engine on the same database.

The ratio is the command's median over `python -c pass`'s: what Loa adds to a bare start.

    python -m bench.startup_bench [--repeat 15] [--tree DIR]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "tests" / "data" / "example" / "campaign-example.yaml"
GOALS = {"loa --help": 0.3, "loa status": 0.6}


def _env(folder: Path, tree: Path = REPO) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOA_")}
    env.update({"LOA_HOME": str(folder / ".loa"), "PYTHONPATH": str(tree), "COLUMNS": "80"})
    return env


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(
    argv: Sequence[str], folder: Path, repeat: int, tree: Path
) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of each run. CPU time is what the command costs
    whatever else the machine is doing; wall time is what the officer waits."""
    env = _env(folder, tree)
    subprocess.run(argv, cwd=folder, env=env, capture_output=True, check=False)  # warm caches
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, start = _cpu(), time.perf_counter()
        done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-400:]}")
    return walls, cpus


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--tree", type=Path, default=REPO, help="Source tree to run (e.g. an older commit's)."
    )
    args = parser.parse_args(argv)
    loa = [sys.executable, "-m", "scheduler.cli"]
    with tempfile.TemporaryDirectory(prefix="loa-startup-") as tmp:
        folder = Path(tmp)
        setup = subprocess.run(
            [*loa, "campaign", "import", str(EXAMPLE)],
            cwd=folder,
            env=_env(folder, args.tree),
            capture_output=True,
            check=False,
        )
        if setup.returncode != 0:
            raise SystemExit(f"import failed: {setup.stderr.decode()[-400:]}")
        runs = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "loa --help": [*loa, "--help"],
            "loa status": [*loa, "status"],
            "loa scorecard": [*loa, "scorecard"],
        }
        medians: dict[str, float] = {}
        print(
            f"{'command':<16} {'wall s':>7} {'min s':>6} {'cpu s':>6} {'vs pass':>8}  goal (wall)"
        )
        for name, command in runs.items():
            walls, cpus = _time(command, folder, args.repeat, args.tree)
            medians[name] = statistics.median(walls)
            ratio = medians[name] / medians["python -c pass"]
            goal = GOALS.get(name)
            verdict = ""
            if goal is not None:
                verdict = f"< {goal} s " + ("met" if medians[name] < goal else "MISSED")
            print(
                f"{name:<16} {medians[name]:>7.3f} {min(walls):>6.3f} "
                f"{statistics.median(cpus):>6.3f} {ratio:>8.1f}  {verdict}",
                flush=True,
            )
    missed = [n for n, goal in GOALS.items() if medians[n] >= goal]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
