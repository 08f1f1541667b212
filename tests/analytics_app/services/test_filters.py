"""The filters as a value: the URL round trip, and a scope never wider than the viewer's units."""

from datetime import date, datetime

from analytics_app.engine.scope import KpiFilter
from analytics_app.services.filters import Filters, Scope, narrow
from tests.analytics_app.factories import ZONE


def test_url_round_trip_and_bad_dates_ignored() -> None:
    f = Filters("hand", date(2025, 11, 15), date(2025, 11, 30), "facebook", "u1", "O2", "youth")
    assert Filters.from_params(f.to_params()) == f
    assert Filters.from_params({"from": "15/11", "to": "2025-02-30"}) == Filters()


def test_as_of_is_the_end_of_the_last_day_or_now() -> None:
    now = datetime(2025, 12, 3, 9, tzinfo=ZONE)
    assert Filters(end=date(2025, 11, 20)).as_of(now, ZONE).isoformat() == (
        "2025-11-20T23:59:59.999999+07:00"
    )
    assert Filters(end=date(2025, 12, 31)).as_of(now, ZONE) == now
    assert Filters().as_of(now, ZONE) == now


def test_a_unit_bound_viewer_never_widens_by_url() -> None:
    mine = frozenset({"u1"})
    assert Scope("hand", mine, Filters(unit="u2")).unit_keys == ("u1",)
    assert Scope("hand", mine, Filters()).unit_keys == ("u1",)
    assert Scope("hand", None, Filters(unit="u2")).unit_keys == ("u2",)
    assert Scope("hand", None, Filters()).unit_keys == ()
    scope = Scope("hand", mine, Filters(platform="facebook"))
    assert scope.kpi_filter() == KpiFilter(platforms=("facebook",), units=("u1",))
    assert scope.sees("u1")
    assert not scope.sees("u2")
    assert not scope.sees(None)  # rows of no unit belong to the campaign as a whole


def test_narrowing_a_kpi() -> None:
    youtube = KpiFilter(platforms=("youtube",))
    assert narrow(youtube, KpiFilter(platforms=("facebook",))) is None
    assert narrow(youtube, KpiFilter(units=("u1",))) == KpiFilter(("youtube",), ("u1",))
    assert narrow(KpiFilter(units=("u1", "u2")), KpiFilter(units=("u2",))) == KpiFilter(
        units=("u2",)
    )
    assert narrow(KpiFilter(), KpiFilter()) == KpiFilter()
