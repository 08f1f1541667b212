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

The Overview is the app's first run, so its time includes the entry script (identity, filters);
after that AppTest runs only the page's script. Each is measured `--repeat` times; the best
counts.

    python -m bench.page_bench [--scale 1.0] [--seed 1] [--repeat 3] [--postgres-url URL]
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


def page_time(app_test: Any, st: Any, page: str) -> float:
    """One script run of `page` with the app's cache empty (the Overview: the first run)."""
    at = app_test.from_file(str(APP), default_timeout=600)
    st.cache_data.clear()
    if page != "overview":
        at.run()
        st.cache_data.clear()
        at.switch_page(f"pages/{page}.py")
    began = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - began
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    return float(elapsed)


def run(repeat: int) -> list[tuple[str, float, float]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from analytics_app import identity
    from analytics_app.components import cached
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
    for page, call in calls.items():
        services = best_of(repeat, call)
        times = [page_time(AppTest, st, page) for _ in range(repeat)]
        results.append((page, min(times), services))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", default=None, help="an empty, dedicated database")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres_url or f"sqlite:///{Path(tmp) / 'national.db'}"
        engine = make_engine(url)
        print(f"database: {engine.dialect.name}")
        build(engine, args.scale, args.seed)
        engine.dispose()
        os.environ["LOA_DATABASE_URL"] = url
        os.environ["LOA_HOME"] = tmp
        from campaigns.settings import get_settings

        get_settings.cache_clear()
        results = run(args.repeat)
    print(f"{'page':10} {'page ms':>9} {'services ms':>12} {'page/services':>14} {'< 1 s':>6}")
    slow = 0
    for page, ours, services in results:
        slow += ours >= 1.0
        ratio = ours / services if services else float("inf")
        verdict = "yes" if ours < 1.0 else "NO"
        print(f"{page:10} {ours * 1000:9.1f} {services * 1000:12.1f} {ratio:14.2f} {verdict:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
