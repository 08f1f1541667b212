"""`python -m bench` (`make bench`): every benchmark in one run, each printing its ratios."""

import importlib
import sys

MODULES = (
    "bench.publish_bench",
    "bench.ingest_bench",
    "bench.query_bench",
    "bench.segment_bench",
    "bench.report_bench",
    "bench.startup_bench",
    "bench.page_bench",
)


def main() -> int:
    failed = 0
    for name in MODULES:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(name)
        failed += int(module.main([]) != 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
