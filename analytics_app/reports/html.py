"""A report as one self-contained web page: plotly.js embedded once, every chart a Plotly
figure, no request to any network when it opens (and so printable to PDF offline).

Page layout for print: a cover (header, notices, anomaly notes, narrative), then one page per
section (its chart above its table). An absent figure is printed as the word that says why, and
is a gap in its chart, never a zero.
"""

import html
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from analytics_app.reports.content import Fmt, Missing, Report, Section
from analytics_app.reports.labels import word
from campaigns.vocabulary import TERMS

CHART_WIDTH, CHART_HEIGHT = 1000, 200

STYLE = """
@page { size: A4 landscape; margin: 8mm 10mm; }
body { font-family: "Noto Sans", "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
       font-size: 10pt; color: #1a1a1a; margin: 0 12px; }
h1 { font-size: 18pt; color: #1f4e79; margin: 4px 0 8px; }
h2 { font-size: 13pt; color: #1f4e79; margin: 0 0 4px; }
table { border-collapse: collapse; width: 100%; font-size: 7pt; line-height: 1.15; }
table.head { width: auto; }
th { background: #1f4e79; color: #fff; text-align: left; padding: 3px 4px; }
td { border-bottom: 1px solid #ddd; padding: 1px 4px; vertical-align: top; }
td.n { text-align: right; white-space: nowrap; }
td.missing { color: #808080; font-style: italic; }
.head td { border: none; padding: 1px 8px 1px 0; font-size: 9pt; }
.note { font-style: italic; color: #444; margin: 0 0 4px; }
.page { break-before: page; page-break-before: always; }
.cover ul { margin: 2px 0 8px; }
"""


def _number(value: float, decimals: int, lang: str) -> str:
    text = f"{value:,.{decimals}f}"
    if lang == "vi":  # 1.234.567,5
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def show(value: Any, fmt: Fmt, metric: str, zone: ZoneInfo, lang: str) -> str:
    """A cell as the page prints it."""
    if value is None:
        return ""
    if isinstance(value, Missing):
        return value.why
    if isinstance(value, datetime):
        return f"{value.astimezone(zone):%d/%m/%Y %H:%M}"
    if not isinstance(value, int | float):
        return str(value)
    if fmt == Fmt.METRIC:
        term = TERMS.get(metric)
        unit = term.unit if term else ""
        fmt = Fmt.PCT if unit == "%" else Fmt.NUM if unit in ("h", "s") else Fmt.INT
    if fmt == Fmt.PCT:
        return _number(value * 100, 1, lang) + " %"
    if fmt == Fmt.NUM:
        return _number(value, 2, lang)
    if fmt == Fmt.INT:
        return _number(value, 0, lang)
    return str(value)


def table(section: Section, zone: ZoneInfo, lang: str) -> str:
    head = "".join(f"<th>{html.escape(c.name)}</th>" for c in section.columns)
    body: list[str] = []
    for values in section.rows:
        cells = []
        for column, value in zip(section.columns, values, strict=True):
            metric = str(values[column.metric_column]) if column.metric_column is not None else ""
            text = html.escape(show(value, column.fmt, metric, zone, lang))
            cls = (
                "missing"
                if isinstance(value, Missing)
                else ("n" if column.fmt not in (Fmt.TEXT, Fmt.TIME) else "")
            )
            cells.append(f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not section.rows:
        span = len(section.columns)
        none = html.escape(word("chart_no_data", lang))
        body.append(f'<tr><td class="missing" colspan="{span}">{none}</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def figure(section: Section, lang: str) -> Any:
    """The section's chart as a Plotly figure (absent figures are gaps, not zeros)."""
    import plotly.graph_objects as go

    spec = section.chart
    assert spec is not None
    rows = section.rows[: spec.rows] if spec.rows else section.rows
    categories = [str(r[spec.category]) for r in rows]
    fig = go.Figure()
    for col in spec.values:
        ys = [r[col] if isinstance(r[col], int | float) else None for r in rows]
        name = section.columns[col].name
        if spec.kind == "line":
            fig.add_trace(go.Scatter(x=categories, y=ys, mode="lines+markers", name=name))
        else:
            fig.add_trace(go.Bar(x=categories, y=ys, name=name))
    if section.columns[spec.values[0]].fmt == Fmt.PCT:
        fig.update_yaxes(tickformat=".0%")
    if not rows or all(not isinstance(r[c], int | float) for r in rows for c in spec.values):
        fig.add_annotation(
            text=word("chart_no_data", lang),
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            font={"size": 16, "color": "#808080"},
        )
    fig.update_layout(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        margin={"l": 50, "r": 20, "t": 30, "b": 50},
        title={"text": spec.title, "font": {"size": 13}},
        font={"family": "Noto Sans, DejaVu Sans, sans-serif"},
        showlegend=len(spec.values) > 1,
        template="plotly_white",
    )
    return fig


def _figure_html(section: Section, lang: str) -> str:
    import plotly.io as pio

    return str(
        pio.to_html(
            figure(section, lang),
            full_html=False,
            include_plotlyjs=False,
            config={"displaylogo": False, "responsive": False},
        )
    )


def _block(section: Section, zone: ZoneInfo, lang: str) -> str:
    parts = [f'<section class="page" id="{section.key}"><h2>{html.escape(section.title)}</h2>']
    if section.note:
        parts.append(f'<p class="note">{html.escape(section.note)}</p>')
    if section.chart is not None:
        parts.append(_figure_html(section, lang))
    parts.append(table(section, zone, lang))
    parts.append("</section>")
    return "".join(parts)


def _list(title: str, lines: list[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{html.escape(x)}</li>" for x in lines)
    return f"<h2>{html.escape(title)}</h2><ul>{items}</ul>"


def render_html(report: Report) -> str:
    """The whole page (about 4.5 MB: plotly.js once, then the report)."""
    from plotly.offline import get_plotlyjs

    h = report.header
    zone = ZoneInfo(h.zone)
    lang = h.lang
    head_rows = "".join(
        f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in h.lines
    )
    cover = [
        f'<section class="cover"><h1>{html.escape(h.title)}</h1>',
        f'<table class="head">{head_rows}</table>',
        _list(word("notices", lang), report.notices),
        _list(word("notes", lang), report.anomalies),
    ]
    for code in sorted(report.narrative, key=lambda c: c != lang):
        title = f"{word('narrative', lang)} ({code})"
        paras = "".join(f"<p>{html.escape(p)}</p>" for p in report.narrative[code])
        cover.append(f"<h2>{html.escape(title)}</h2>{paras}")
    cover.append("</section>")
    blocks = [_block(s, zone, lang) for s in report.in_page]
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(h.title)} — {html.escape(h.campaign_key)}</title>"
        f"<style>{STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        + "".join(cover)
        + "".join(blocks)
        + "</body></html>"
    )


def page_count(report: Report) -> int:
    """Pages of the printed report when every section fits one page: the cover, then one page
    per highlight and section."""
    return 1 + len(report.in_page)


def write_html(report: Report, path: Path) -> Path:
    path.write_text(render_html(report), encoding="utf-8")
    return path
