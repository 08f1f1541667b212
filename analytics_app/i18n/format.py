"""Numbers, dates and KPI reasons in the viewer's language (Babel), without Streamlit.

Vietnamese groups digits with dots and writes decimals with a comma (1.234.567,5), dates as
dd/MM/yyyy; English as en_GB. Every number has a metric: rates and shares are percentages,
watch time in hours, counts whole.
"""

import re
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_compact_decimal, format_decimal, format_percent

from analytics_app.engine.status import AT_RISK_SHARE, STATUS_OF, Case, case_of
from analytics_app.i18n.catalog import message
from campaigns.vocabulary import TERMS

if TYPE_CHECKING:
    from analytics_app.engine.scorecard import KpiScore

LOCALES = {"vi": "vi_VN", "en": "en_GB"}


def locale_of(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["vi"])


def is_percent(metric: str) -> bool:
    term = TERMS.get(metric)
    return term is not None and term.unit == "%"


def number(value: float | None, metric: str, lang: str, *, compact: bool = False) -> str:
    """A KPI value as a reader reads it; None is "not available", never 0."""
    if value is None:
        return message(lang, "common.not_available")
    loc = locale_of(lang)
    if is_percent(metric):
        return format_percent(value, "#,##0.0%", locale=loc)
    if compact and abs(value) >= 10_000:
        return format_compact_decimal(value, locale=loc, fraction_digits=1)
    if abs(value) >= 100 or float(value).is_integer():
        return format_decimal(round(value), "#,##0", locale=loc)
    # As the engine words them (`engine.status.fmt`): durations to a tenth, counts whole (there
    # is no 2.74th unit), a metric the vocabulary does not know with its precision.
    term = TERMS.get(metric)
    if term is None:
        return format_decimal(value, "#,##0.##", locale=loc)
    if term.unit in ("h", "s"):
        return format_decimal(value, "#,##0.#", locale=loc)
    return format_decimal(round(value), "#,##0", locale=loc)


def percent(share: float | None, lang: str) -> str:
    """A share (0.25) as a percentage; None is "not available"."""
    if share is None:
        return message(lang, "common.not_available")
    return format_percent(share, "#,##0.0%", locale=locale_of(lang))


def signed_percent(change: float | None, lang: str) -> str | None:
    """A change (+0.12) as "+12,0%"; None when there is nothing to compare."""
    if change is None:
        return None
    text = format_percent(abs(change), "#,##0.0%", locale=locale_of(lang))
    return ("+" if change >= 0 else "−") + text


def moment(value: datetime | None, zone: ZoneInfo, lang: str) -> str:
    """An aware time in the campaign zone, short date and time."""
    if value is None:
        return message(lang, "common.not_available")
    pattern = "dd/MM/yyyy HH:mm" if lang == "vi" else "d MMM yyyy HH:mm"
    return format_datetime(value.astimezone(zone), pattern, locale=locale_of(lang))


def day(value: date, lang: str) -> str:
    pattern = "dd/MM/yyyy" if lang == "vi" else "d MMM yyyy"
    return format_date(value, pattern, locale=locale_of(lang))


def metric_label(metric: str, lang: str) -> str:
    term = TERMS.get(metric)
    if term is None:
        return metric
    return term.label_en if lang == "en" else term.label_vi


# The engine's reasons for "no data", and their Vietnamese.
_NO_DATA = [
    (re.compile(r"no publication matches this KPI"), "không có bài đăng nào thuộc KPI này"),
    (
        re.compile(r"none of the (\d+) matching publications is published yet"),
        "chưa bài nào trong {0} bài thuộc KPI này được đăng",
    ),
    (
        re.compile(r"(\d+) matching publications are published but none reports (.+) yet"),
        "{0} bài đã đăng nhưng chưa bài nào có số liệu {1}",
    ),
    (re.compile(r"no matching publication has fallen due yet"), "chưa đến hạn bài nào"),
    (re.compile(r"no audience breakdown measured yet"), "chưa đo được cơ cấu người xem"),
    (re.compile(r"nothing measured yet"), "chưa đo được gì"),
]


def _no_data_vi(reason: str) -> str:
    text = reason.removeprefix("No data: ").split(". Note:")[0].rstrip(".")
    for pattern, vi in _NO_DATA:
        found = pattern.fullmatch(text)
        if found:
            return "Chưa có dữ liệu: " + vi.format(*found.groups()) + "."
    return "Chưa có dữ liệu: " + text + "."


# The engine's notes on a figure (engine.actuals), and their Vietnamese; one note may join
# several of these with "; ".
_NOTES = [
    (
        re.compile(
            r"(?P<metrics>.+) has not been reported since (?P<last>\S+ \S+) while other metrics "
            r"have \(retired by the platform\?\): the actual counts only what was measured "
            r"until then"
        ),
        "Chỉ số {metrics} không còn được báo cáo từ {last}, trong khi các chỉ số khác vẫn có "
        "(có thể nền tảng đã ngừng cung cấp): số liệu thực tế chỉ tính phần đã đo được đến lúc đó",
    ),
    (
        re.compile(
            r"(?P<missing>\d+) of (?P<measured>\d+) measured publications never reported it"
        ),
        "{missing} trong số {measured} bài được đo chưa từng báo cáo chỉ số này",
    ),
    (
        re.compile(
            r"YouTube Analytics reports (?P<metrics>.+) (?P<hours>\d+) hours late or more: the "
            r"YouTube part counts what happened until about (?P<until>\S+ \S+)"
        ),
        "YouTube Analytics báo cáo chỉ số {metrics} chậm từ {hours} giờ trở lên: phần số liệu "
        "YouTube chỉ tính đến khoảng {until}",
    ),
]


def _metrics_vi(names: str) -> str:
    """Metric names ("clicks, reach") as words inside a Vietnamese sentence."""
    labels = (metric_label(name, "vi") for name in names.split(", "))
    return ", ".join(label[:1].lower() + label[1:] for label in labels)


def _note_vi(note: str) -> str:
    """One engine note in Vietnamese; a part Loa does not know is kept as the engine wrote it."""
    parts = []
    for part in note.removesuffix(".").split("; "):
        for pattern, vi in _NOTES:
            found = pattern.fullmatch(part)
            if found:
                fields = found.groupdict()
                if "metrics" in fields:
                    fields["metrics"] = _metrics_vi(fields["metrics"])
                part = vi.format(**fields)
                break
        parts.append(part)
    return "; ".join(parts) + "."


def reason(
    *,
    status: str,
    metric: str,
    target: float,
    actual: float | None,
    expected: float,
    projection: float | None,
    engine_reason: str,
    lang: str,
) -> str:
    """Why a KPI stands where it does: the engine's words in English, the same verdict in
    Vietnamese from the engine's own case (`engine.status.case_of`) on the same numbers, its
    notes from their known wordings (`_NOTES`); when the numbers do not give the status shown,
    the engine's words are kept rather than guessed."""
    case = case_of(metric, target, actual, expected, projection)
    if lang == "en" or str(STATUS_OF[case]) != status:
        return engine_reason
    notes = [_note_vi(n.strip()) for n in engine_reason.split("Note:")[1:]]
    tail = "".join(f" Ghi chú: {n}" for n in notes)
    if actual is None:
        return _no_data_vi(engine_reason) + tail

    def f(v: float) -> str:
        return number(v, metric, "vi")

    a, e, t = f(actual), f(expected), f(target)
    proj = projection if projection is not None else actual
    p = f(proj)
    share = percent(proj / target if target else 1.0, "vi")
    near = format_percent(AT_RISK_SHARE, "#,##0%", locale=locale_of("vi"))
    words = {
        Case.LEVEL_MET: f"{a} đạt mục tiêu {t}.",
        Case.LEVEL_NEAR: f"{a} thấp hơn mục tiêu {t} nhưng trong khoảng {near} của mục tiêu.",
        Case.LEVEL_SHORT: f"{a} thấp hơn {near} mục tiêu {t}.",
        Case.AHEAD_REACHES: f"{a} bằng hoặc vượt mức {e} cần đạt đến nay; nhịp gần đây dự báo "
        f"{p}, đạt mục tiêu {t}.",
        Case.BELOW_REACHES: f"{a} thấp hơn mức {e} cần đạt đến nay, nhưng nhịp gần đây dự báo "
        f"{p}, đạt mục tiêu {t}.",
        Case.AHEAD_SHORT: f"{a} bằng hoặc vượt mức {e} cần đạt đến nay, nhưng nhịp gần đây chỉ "
        f"dự báo {p} ({share} mục tiêu {t}).",
        Case.BELOW_NEAR: f"{a} thấp hơn mức {e} cần đạt đến nay; nhịp gần đây dự báo {p} "
        f"({share} mục tiêu {t}).",
        Case.BELOW_SHORT: f"{a} thấp hơn mức {e} cần đạt đến nay; nhịp gần đây chỉ dự báo {p} "
        f"({share} mục tiêu {t}).",
    }
    return words[case] + tail


def score_reason(score: "KpiScore", lang: str) -> str:
    """`reason` for one scored KPI: its status, numbers and the engine's words."""
    return reason(
        status=score.status,
        metric=score.metric,
        target=score.target,
        actual=score.actual,
        expected=score.expected,
        projection=score.projection,
        engine_reason=score.reason,
        lang=lang,
    )


def compact(value: float | None, metric: str, lang: str) -> str:
    return number(value, metric, lang, compact=True)
