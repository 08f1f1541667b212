"""What the app's AppTest tests share: a private database seeded with the hand campaign, the
identity the app sees (through `analytics_app.identity.current_identity`, the one function
tests replace), and the app itself, read as of 20/11/2025 (the URL's `to`)."""

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from analytics_app import identity as identity_module
from analytics_app.services import data
from analytics_app.services.cache import clear_caches
from campaigns.access import Identity
from campaigns.db import make_engine, upgrade
from campaigns.models import Alert, ContentItem, Objective, Role
from campaigns.settings import get_settings
from tests.analytics_app.factories import ZONE, Hand, add_kpi, build_hand
from tests.conftest import REPO

APP = str(REPO / "analytics_app" / "app.py")
XSS = "<img src=x onerror=alert(1)>"
AS_OF_DAY = "2025-11-20"
# The end of 20/11/2025 in the campaign zone: what the app reads with ?to=2025-11-20, and
# what `loa scorecard --as-of 2025-11-20` reads.
AS_OF: datetime = datetime(2025, 11, 21, tzinfo=ZONE) - timedelta(microseconds=1)

NATIONAL = Identity("nga", Role.NATIONAL, display_name="Nga")
ADMIN = Identity("an", Role.ADMIN)
MANAGER_U1 = Identity("minh", Role.MANAGER, unit_key="u1")
OFFICER_U1 = Identity("lan", Role.OFFICER, unit_key="u1")
OFFICER_U2 = Identity("hoa", Role.OFFICER, unit_key="u2")
ROLES = {
    "national": NATIONAL,
    "admin": ADMIN,
    "manager_u1": MANAGER_U1,
    "officer_u1": OFFICER_U1,
}


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """An empty, migrated database that the app (and every `loa` command) reads."""
    home = tmp_path / "loa-home"
    monkeypatch.setenv("LOA_HOME", str(home))
    monkeypatch.setenv("LOA_DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    get_settings.cache_clear()
    data.dispose()
    st.cache_data.clear()
    clear_caches()
    engine = make_engine(get_settings().effective_database_url)
    upgrade(engine)
    yield engine
    engine.dispose()
    data.dispose()
    st.cache_data.clear()
    get_settings.cache_clear()


def seed(engine: Engine) -> Hand:
    """The hand campaign, its KPIs (one per kind of number, one YouTube KPI that nothing
    measures), user text with markup, and one open alert per unit."""
    hand = build_hand(engine)
    with Session(engine) as s:
        add_kpi(s, hand.campaign_id, "reach", "reach", 10_000)
        add_kpi(s, hand.campaign_id, "posts", "posts_published", 10)
        add_kpi(s, hand.campaign_id, "clicks_yt", "clicks", 100, platforms=["youtube"])
        add_kpi(s, hand.campaign_id, "views", "views", 5_000, objective="O2")
        add_kpi(s, hand.campaign_id, "women", "female_viewer_share", 0.5, objective="O2")
        first = s.exec(select(Objective).where(Objective.key == "O1")).one()
        first.title = f"Giới trẻ {XSS}"
        first.title_en = "Young people"
        p1 = s.exec(select(ContentItem).where(ContentItem.key == "p1")).one()
        p1.message = XSS
        p1.title = "Bài p1"
        for letter, unit in (("D", "u2"), ("A", "u1")):
            s.add(
                Alert(
                    campaign_id=hand.campaign_id,
                    kind="failed",
                    publication_id=hand.pubs[letter],
                    message=f"publication {letter} of {unit} failed",
                    dedupe_key=f"test|{letter}",
                )
            )
        s.commit()
    return hand


@pytest.fixture
def seeded(app_db: Engine) -> Hand:
    return seed(app_db)


UseIdentity = Callable[[Identity | None], None]


@pytest.fixture
def as_identity(monkeypatch: pytest.MonkeyPatch) -> UseIdentity:
    """Make the app see `who` (None: nobody signed in)."""

    def use(who: Identity | None) -> None:
        monkeypatch.setattr(identity_module, "current_identity", lambda: who)

    return use


def make_app(**params: str) -> AppTest:
    """The app read as of the end of 20/11/2025, with more query parameters if given."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["to"] = AS_OF_DAY
    for name, value in params.items():
        at.query_params[name] = value
    return at


def run(at: AppTest, page: str | None = None) -> AppTest:
    """Run (on `page` when given) and fail on any exception the page shows."""
    if page is not None:
        at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Everything the page says in text elements, one string (for `in` checks)."""
    parts = [
        *(m.value for m in at.markdown),
        *(c.value for c in at.caption),
        *(i.value for i in at.info),
        *(w.value for w in at.warning),
        *(e.value for e in at.error),
        *(s.value for s in at.subheader),
        *(t.value for t in at.title),
        *(x.value for x in at.text),
    ]
    return "\n".join(str(p) for p in parts)


def day(text: str) -> date:
    return date.fromisoformat(text)
