"""Every table can leave the app as CSV or Excel, with its context: the campaign, the filters in
force, the moment the numbers are as of, and when it was exported."""

import io
from collections.abc import Mapping
from datetime import datetime

import pandas as pd
import streamlit as st

from analytics_app.i18n import t
from campaigns.timeutil import utcnow


def context_rows(
    campaign: str, filters: Mapping[str, str], as_of: datetime, exported: datetime | None = None
) -> list[tuple[str, str]]:
    rows = [("campaign", campaign)]
    rows += [(f"filter.{k}", v or "all") for k, v in filters.items() if k != "campaign"]
    rows += [("as_of", as_of.isoformat()), ("exported_at", (exported or utcnow()).isoformat())]
    return rows


def to_csv(frame: pd.DataFrame, context: list[tuple[str, str]]) -> bytes:
    """CSV (UTF-8 with BOM, so Excel reads Vietnamese): `# key: value` context lines, then
    the table."""
    head = "".join(f"# {k}: {v}\n" for k, v in context)
    return ("\ufeff" + head + frame.to_csv(index=False)).encode("utf-8")


def to_xlsx(frame: pd.DataFrame, context: list[tuple[str, str]]) -> bytes:
    """A workbook with the table on its first sheet and the context on a second."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="data", index=False)
        pd.DataFrame(context, columns=["key", "value"]).to_excel(
            writer, sheet_name="context", index=False
        )
    return buffer.getvalue()


def export_buttons(
    frame: pd.DataFrame,
    name: str,
    campaign: str,
    filters: Mapping[str, str],
    as_of: datetime,
    key: str,
) -> None:
    """Two download buttons under a table."""
    context = context_rows(campaign, filters, as_of)
    stamp = as_of.strftime("%Y%m%d-%H%M")
    left, right, _ = st.columns([1, 1, 6])
    # The files are made when a button is clicked, not on every run of the page.
    left.download_button(
        t("export.csv"),
        lambda: to_csv(frame, context),
        file_name=f"{campaign}-{name}-{stamp}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
    )
    right.download_button(
        t("export.xlsx"),
        lambda: to_xlsx(frame, context),
        file_name=f"{campaign}-{name}-{stamp}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/table:",
    )
