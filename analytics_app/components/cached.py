"""Service calls through Streamlit's cache, keyed by everything the answer depends on.

`st.cache_data` is shared by every viewer of the server: each key holds the campaign, the
viewer's unit scope (from the identity, never from the URL), the filters, the moment and the
cache generation (bumped by `services.cache.clear_caches()` after a write). Bounded in time
and size. The authorization happens before: a scope is built from the signed-in identity.
"""

from datetime import datetime, timedelta

import streamlit as st

from analytics_app.services import audience as audience_svc
from analytics_app.services import catalog as catalog_svc
from analytics_app.services import content as content_svc
from analytics_app.services import health as health_svc
from analytics_app.services import overview as overview_svc
from analytics_app.services import trends as trends_svc
from analytics_app.services import units as units_svc
from analytics_app.services.cache import generation, on_clear
from analytics_app.services.data import session
from analytics_app.services.filters import Scope
from campaigns.timeutil import utcnow

TTL = timedelta(minutes=5)
ENTRIES = 128


def register() -> None:
    """Let write services empty this cache (once per process)."""
    on_clear(st.cache_data.clear)


def now(step_minutes: int = 5) -> datetime:
    """Now, floored to a few minutes so that a page's cache entry serves for that long."""
    moment = utcnow().replace(second=0, microsecond=0)
    return moment - timedelta(minutes=moment.minute % step_minutes)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def campaigns(gen: int = 0) -> list[catalog_svc.CampaignInfo]:
    with session() as s:
        return catalog_svc.campaigns(s)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def filter_options(
    campaign: str, units: frozenset[str] | None, gen: int = 0
) -> catalog_svc.FilterOptions:
    with session() as s:
        return catalog_svc.filter_options(s, campaign, units)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def _overview(scope: Scope, as_of: datetime, gen: int) -> overview_svc.Overview:
    with session() as s:
        return overview_svc.overview(s, scope, as_of)


def overview(scope: Scope, as_of: datetime) -> overview_svc.Overview:
    return _overview(scope, as_of, generation())


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def _trends(scope: Scope, metric: str, split: str, as_of: datetime, gen: int) -> trends_svc.Trends:
    with session() as s:
        return trends_svc.trends(s, scope, metric, split, as_of)


def trends(scope: Scope, metric: str, split: str, as_of: datetime) -> trends_svc.Trends:
    return _trends(scope, metric, split, as_of, generation())


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def _content(
    scope: Scope, metric: str, age: str, kind: str | None, as_of: datetime, gen: int
) -> content_svc.ContentView:
    with session() as s:
        return content_svc.content(s, scope, metric, age, kind, as_of)


def content(
    scope: Scope, metric: str, age: str, kind: str | None, as_of: datetime
) -> content_svc.ContentView:
    return _content(scope, metric, age, kind, as_of, generation())


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def _audience(scope: Scope, as_of: datetime, gen: int) -> audience_svc.Audience:
    with session() as s:
        return audience_svc.audience(s, scope, as_of)


def audience(scope: Scope, as_of: datetime) -> audience_svc.Audience:
    return _audience(scope, as_of, generation())


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def _units(scope: Scope, as_of: datetime, gen: int) -> list[units_svc.UnitRow]:
    with session() as s:
        return units_svc.units(s, scope, as_of)


def units(scope: Scope, as_of: datetime) -> list[units_svc.UnitRow]:
    return _units(scope, as_of, generation())


@st.cache_data(ttl=timedelta(minutes=1), max_entries=ENTRIES, show_spinner=False)
def _health(campaign: str, units: tuple[str, ...], at: datetime, gen: int) -> health_svc.Health:
    with session() as s:
        return health_svc.health(s, campaign, units, at)


def health(scope: Scope) -> health_svc.Health:
    return _health(scope.campaign, scope.unit_keys, now(1), generation())
