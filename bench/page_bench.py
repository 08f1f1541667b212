"""Each page of the web app beside the service calls it makes alone, on the national data set.

Builds the national data set (`bench.national.generate`) in a fresh SQLite file (or the empty
PostgreSQL database given) and points the app at it. For each page, as a national viewer (every
unit) reading the campaign as of 01/12/2025 12:00 (mid-campaign: trend windows, projections and
the segment rows as of that day are all in play):

- page: one script run of the page in Streamlit's AppTest (the server-side time a viewer waits
  for, charts and tables built, nothing cached: the app's cache is emptied before each run);
- services: the same service call the page makes, straight on a session (the engine and the
  service layer alone, no Streamlit);
- ratio: page / services, the page's own overhead (Plotly figures, data frames, widgets, the
  cache's pickling); goal: every page under 1 s.

Each page is opened from the app's first run with `switch_page`, after which AppTest runs only the
page's script; "(first run)" is the first run itself: the entry script (identity, filters,
navigation) with the Overview, and AppTest's own start-up. Each is measured `--repeat` times;
the best counts.

    python -m bench.page_bench [--scale 1.0] [--seed 1] [--repeat 3] [--postgres-url URL]
                               [--reuse FILE.db]
"""

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.national import CAMPAIGN_KEY, ZONE, build
from campaigns.db import make_engine

AS_OF = datetime(2025, 12, 1, 12, tzinfo=ZONE)
APP = Path(__file__).resolve().parents[1] / "analytics_app" / "app.py"


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def service_calls(scope: Any) -> dict[str, Callable[[], Any]]:
    """What each page asks of the services (its one call), made on a fresh session."""
    from analytics_app.services import audience, content, health, overview, trends, units
    from analytics_app.services.data import session
    from analytics_app.services.reports_index import list_reports

    def on_session(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def call() -> Any:
            with session() as s:
                return fn(s)

        return call

    return {
        "overview": on_session(lambda s: overview.overview(s, scope, AS_OF)),
        "trends": on_session(lambda s: trends.trends(s, scope, "reach", "platform", AS_OF)),
        "content": on_session(lambda s: content.content(s, scope, "reach", "24h", None, AS_OF)),
        "audience": on_session(lambda s: audience.audience(s, scope, AS_OF)),
        "units": on_session(lambda s: units.units(s, scope, AS_OF)),
        "health": on_session(lambda s: health.health(s, scope.campaign, (), AS_OF)),
        "reports": list_reports,
    }


def page_time(app_test: Any, fresh: Callable[[], None], page: str) -> tuple[float, float]:
    """(the app's first run, one run of `page`'s script), with nothing cached: each run reads
    under a new cache generation (what a write's `clear_caches()` does).
    The first run holds the entry script (identity, filters, navigation) and the Overview, and
    AppTest's own start-up (it scans the installed components once per instance)."""
    at = app_test.from_file(str(APP), default_timeout=600)
    fresh()
    began = time.perf_counter()
    at.run()
    first = time.perf_counter() - began
    fresh()
    at.switch_page(f"pages/{page}.py")
    began = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - began
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    return first, elapsed


def run(repeat: int) -> list[tuple[str, float, float]]:
    from streamlit.testing.v1 import AppTest

    from analytics_app import identity
    from analytics_app.components import cached
    from analytics_app.services.cache import clear_caches
    from analytics_app.services.filters import Filters, Scope
    from campaigns.access import Identity
    from campaigns.models import Role

    national = Identity("bench", Role.NATIONAL)
    identity.current_identity = lambda: national
    cached.now = lambda step_minutes=5: AS_OF  # the bench's moment
    scope = Scope(CAMPAIGN_KEY, None, Filters(campaign=CAMPAIGN_KEY))
    calls = service_calls(scope)
    for call in calls.values():  # warm the database's caches and the segment rows once
        call()
    results = []
    firsts: list[float] = []
    for page, call in calls.items():
        services = best_of(repeat, call)
        runs = [page_time(AppTest, clear_caches, page) for _ in range(repeat)]
        firsts.extend(first for first, _ in runs)
        results.append((page, min(t for _, t in runs), services))
    results.append(("(first run)", min(firsts), 0.0))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", default=None, help="an empty, dedicated database")
    parser.add_argument(
        "--reuse", default=None, help="an SQLite file this benchmark built before (kept)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.reuse:
            url = f"sqlite:///{Path(args.reuse).resolve()}"
        else:
            url = args.postgres_url or f"sqlite:///{Path(tmp) / 'national.db'}"
        engine = make_engine(url)
        print(f"database: {engine.dialect.name}")
        if not args.reuse:
            build(engine, args.scale, args.seed)
        engine.dispose()
        os.environ["LOA_DATABASE_URL"] = url
        os.environ["LOA_HOME"] = tmp
        from campaigns.settings import get_settings

        get_settings.cache_clear()
        results = run(args.repeat)
    print(f"{'page':12} {'page ms':>9} {'services ms':>12} {'page/services':>14} {'< 1 s':>6}")
    for page, ours, services in results:
        ratio = f"{ours / services:14.2f}" if services >= 0.001 else f"{'-':>14}"
        verdict = "yes" if ours < 1.0 else "NO"
        print(f"{page:12} {ours * 1000:9.1f} {services * 1000:12.1f} {ratio} {verdict:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
