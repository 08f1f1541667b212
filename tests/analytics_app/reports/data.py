"""The hand campaign (tests/analytics_app/factories.py) with KPIs across every kind of metric,
for the report tests: sums, a ratio, an audience share, execution counts, a KPI narrowed to a
unit, and clicks, which stopped arriving after 15/11 (retired mid-campaign)."""

from sqlalchemy import Engine
from sqlmodel import Session

from tests.analytics_app.factories import Hand, add_kpi, build_hand

KPIS: list[tuple[str, str, float, str, dict[str, list[str]]]] = [
    ("reach", "reach", 2000.0, "O1", {}),
    ("fb-reach", "reach", 1500.0, "O1", {"platforms": ["facebook"]}),
    ("yt-views", "views", 3000.0, "O1", {"platforms": ["youtube"]}),
    ("engagements", "engagements", 300.0, "O2", {}),
    ("clicks", "clicks", 50.0, "O2", {}),
    ("engagement-rate", "engagement_rate", 0.05, "O2", {}),
    ("female-share", "female_viewer_share", 0.5, "O2", {}),
    ("posts", "posts_published", 10.0, "O3", {}),
    ("clips", "clips_published", 3.0, "O3", {}),
    ("on-time", "on_time_rate", 0.9, "O3", {}),
    ("active-units", "active_units", 3.0, "O3", {}),
    ("u2-reach", "reach", 500.0, "O3", {"units": ["u2"]}),
]


def build(engine: Engine) -> Hand:
    hand = build_hand(engine)
    with Session(engine) as s:
        for key, metric, target, objective, filters in KPIS:
            add_kpi(s, hand.campaign_id, key, metric, target, objective, **filters)
        s.commit()
    return hand
