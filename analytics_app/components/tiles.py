"""Headline tiles: a number, its change against the week before, and "not available" (never 0)
where no platform reports it; per platform in the tile's help."""

from zoneinfo import ZoneInfo

import streamlit as st

from analytics_app.i18n import lang, t
from analytics_app.i18n.format import metric_label, moment, number, signed_percent
from analytics_app.services.overview import Headline


def headline_tiles(headlines: list[Headline], zone: ZoneInfo) -> None:
    language = lang()
    columns = st.columns(len(headlines))
    for column, h in zip(columns, headlines, strict=True):
        per_platform = " · ".join(
            f"{t('platform.' + p)}: {number(v, h.metric, language)}"
            for p, v in h.per_platform.items()
        )
        fresh = t("common.data_as_of", moment=moment(h.data_as_of, zone, language))
        column.metric(
            metric_label(h.metric, language),
            number(h.value, h.metric, language, compact=True),
            delta=signed_percent(h.change, language),
            help=f"{per_platform}\n\n{fresh}" if per_platform else fresh,
            border=False,
        )
        column.caption(per_platform or t("common.not_available"))
