"""The filter bar (sidebar): campaign, date range, platform, unit, objective, audience.

The choices persist across pages (the sidebar is drawn on every run) and live in the URL's
query parameters, so a link reopens the same view; the unit list holds only the units the
signed-in person sees, and a unit in the URL that they may not see is ignored.
"""

from datetime import date
from zoneinfo import ZoneInfo

import streamlit as st

from analytics_app.components import cached
from analytics_app.engine.moment import default_last_day
from analytics_app.i18n import lang, t
from analytics_app.i18n.format import metric_label
from analytics_app.services.cache import generation
from analytics_app.services.catalog import CampaignInfo, FilterOptions
from analytics_app.services.filters import PARAMS, Filters, Scope
from campaigns.access import Identity

SCOPE_KEY = "scope"
_KEYS = {
    "platform": "f_platform",
    "unit": "f_unit",
    "objective": "f_objective",
    "audience": "f_audience",
}
ALL = ""
PENDING_KEY = "filters_pending"  # values a drill-down asked for, taken on the next run
WRITTEN_KEY = "filters_in_url"  # the filters the app last wrote into the URL


def current_scope() -> Scope | None:
    """The scope the filter bar computed on this run (None: no campaign imported)."""
    scope = st.session_state.get(SCOPE_KEY)
    return scope if isinstance(scope, Scope) else None


def drill_down(page: str, **values: str) -> None:
    """Open `page` with some filters changed (e.g. one unit, from the Units page): the URL
    carries them, and the widgets take them on the next run."""
    st.session_state[PENDING_KEY] = values
    st.switch_page(page, query_params={**st.query_params.to_dict(), **values})


def _from_url(camps: list[CampaignInfo]) -> None:
    """Widgets without a value (a session's first run, or state Streamlit dropped) take the
    URL's filters; when the URL differs from what the app last wrote there (a drill-down, an
    edited link), every widget takes the URL's value."""
    params = {**st.query_params.to_dict(), **st.session_state.pop(PENDING_KEY, {})}
    written = st.session_state.get(WRITTEN_KEY)
    in_url = {k: v for k, v in params.items() if k in PARAMS}
    # Moving to another page clears the URL's parameters: only a URL that names filters
    # (a drill-down, an edited link) overrides what the widgets hold.
    changed = written is not None and bool(in_url) and in_url != written
    f = Filters.from_params(params)
    keys = [c.key for c in camps]
    if changed or st.session_state.get("f_campaign") not in keys:
        st.session_state["f_campaign"] = f.campaign if f.campaign in keys else keys[0]
    for name, key in _KEYS.items():
        if changed or key not in st.session_state:
            st.session_state[key] = getattr(f, name) or ALL
    if changed or "f_range" not in st.session_state:
        info = camps[keys.index(st.session_state["f_campaign"])]
        st.session_state["f_range"] = (f.start or info.starts, f.end or default_end(info))
        st.session_state["f_range_for"] = info.key


def default_end(info: CampaignInfo) -> date:
    """The range's default last day: the day of the default "as of" (the campaign's last day
    once it is over, today while it runs), so the range and the numbers agree."""
    return default_last_day(info.starts, info.ends, ZoneInfo(info.timezone), cached.now())


def _choices(opts: FilterOptions, restricted_units: bool) -> dict[str, list[str]]:
    return {
        "platform": [ALL, *opts.platforms],
        "unit": ([] if restricted_units else [ALL]) + [u.key for u in opts.units],
        "objective": [ALL, *(o.key for o in opts.objectives)],
        "audience": [ALL, *opts.audiences],
    }


def filter_bar(who: Identity) -> Scope | None:
    """Draw the filters in the sidebar; the resulting scope (also in the session state)."""
    camps = cached.campaigns(generation())
    if not camps:
        st.session_state[SCOPE_KEY] = None
        return None
    _from_url(camps)
    by_key = {c.key: c for c in camps}
    language = lang()
    side = st.sidebar
    side.subheader(t("filters.title"))
    campaign = side.selectbox(
        t("filters.campaign"),
        list(by_key),
        key="f_campaign",
        format_func=lambda k: by_key[k].title(language),
    )
    info = by_key[campaign]
    if st.session_state.get("f_range_for") != campaign:
        st.session_state["f_range"] = (info.starts, default_end(info))
        st.session_state["f_range_for"] = campaign
    side.date_input(
        t("filters.dates"),
        key="f_range",
        min_value=info.starts,
        max_value=info.ends,
        format="DD/MM/YYYY",
    )
    opts = cached.filter_options(campaign, who.units, generation())
    choices = _choices(opts, who.units is not None)
    for name, key in _KEYS.items():
        if st.session_state.get(key, ALL) not in choices[name]:
            st.session_state[key] = choices[name][0] if choices[name] else ALL
    unit_names = {u.key: u.title(language) for u in opts.units}
    objective_names = {o.key: o.title(language) for o in opts.objectives}
    side.selectbox(
        t("filters.platform"),
        choices["platform"],
        key="f_platform",
        format_func=lambda p: t("filters.all") if p == ALL else t(f"platform.{p}"),
    )
    side.selectbox(
        t("filters.unit"),
        choices["unit"] or [ALL],
        key="f_unit",
        format_func=lambda u: t("filters.all_units") if u == ALL else unit_names.get(u, u),
        disabled=who.units is not None,
    )
    side.selectbox(
        t("filters.objective"),
        choices["objective"],
        key="f_objective",
        format_func=lambda o: t("filters.all") if o == ALL else objective_names.get(o, o),
    )
    side.selectbox(
        t("filters.audience"),
        choices["audience"],
        key="f_audience",
        format_func=lambda a: t("filters.all") if a == ALL else a,
    )
    start, end = _range(st.session_state.get("f_range"), info)
    filters = Filters(
        campaign=campaign,
        start=start if start != info.starts else None,
        end=end if end != default_end(info) else None,
        platform=st.session_state["f_platform"] or None,
        unit=st.session_state["f_unit"] or None,
        objective=st.session_state["f_objective"] or None,
        audience=st.session_state["f_audience"] or None,
    )
    _to_url(filters)
    scope = Scope(campaign, who.units, filters)
    st.session_state[SCOPE_KEY] = scope
    return scope


def _range(value: object, info: CampaignInfo) -> tuple[date, date]:
    """The chosen range; while only its first day is picked, that day to the campaign's end."""
    if isinstance(value, tuple | list) and value:
        start = value[0]
        end = value[1] if len(value) > 1 else info.ends
        return start, end
    return info.starts, default_end(info)


def _to_url(filters: Filters) -> None:
    """Write the filters into the query parameters (only when they changed)."""
    wanted = filters.to_params()
    st.session_state[WRITTEN_KEY] = wanted
    current = st.query_params.to_dict()
    for name in PARAMS:
        if name in wanted and current.get(name) != wanted[name]:
            st.query_params[name] = wanted[name]
        elif name not in wanted and name in current:
            del st.query_params[name]


def metric_choice(label_key: str, metrics: tuple[str, ...], key: str) -> str:
    """A metric selector labelled in the viewer's language."""
    language = lang()
    return str(
        st.selectbox(
            t(label_key), metrics, key=key, format_func=lambda m: metric_label(m, language)
        )
    )
