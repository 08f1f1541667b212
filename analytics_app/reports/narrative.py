"""The final report's few paragraphs, written from its numbers in Vietnamese and in English.

Every figure quoted here is one the report's tables show; the words add no judgement of their own
beyond the engine's statuses.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from analytics_app.engine import KpiScore
from analytics_app.engine.status import fmt


@dataclass(frozen=True)
class Facts:
    first_day: date
    last_day: date
    ended: bool
    as_of: datetime  # in the campaign's zone
    scope_vi: str
    scope_en: str
    posts: int
    clips: int
    key_date_items: int
    on_time: int
    late: int
    failed: int
    missed: int
    active_units: int
    kpis: list[KpiScore]
    best: tuple[str, str, float] | None  # content, channel, engagements at 7 days
    no_channel: bool = False  # the scope is a unit with no channel: nothing to tell


def _n(value: float, lang: str) -> str:
    """Grouped digits: 1.234.567 in Vietnamese, 1,234,567 in English."""
    text = f"{value:,.0f}"
    return text.replace(",", ".") if lang == "vi" else text


def _value(score: KpiScore, lang: str) -> str:
    assert score.actual is not None
    text = fmt(score.actual, score.metric)
    return text.replace(",", ".") if lang == "vi" else text


def _count(n: int, one: str, many: str) -> str:
    """English count with its noun: 1 clip, 2 clips."""
    return f"{_n(n, 'en')} {one if n == 1 else many}"


def narrative(f: Facts) -> dict[str, list[str]]:
    """lang -> paragraphs."""
    return {"vi": _vi(f), "en": _en(f)}


def _statuses(f: Facts) -> Counter[str]:
    return Counter(s.status for s in f.kpis)


def _vi(f: Facts) -> list[str]:
    period = f"từ {f.first_day:%d/%m/%Y} đến {f.last_day:%d/%m/%Y}"
    if f.no_channel:
        return [
            f"Trong Tháng hành động ({period}), đơn vị {f.scope_vi} chưa có kênh nào: không có "
            "số liệu đăng bài hay kết quả để báo cáo."
        ]
    out = [
        f"Trong Tháng hành động ({period}), phạm vi {f.scope_vi} đã đăng {_n(f.posts, 'vi')} "
        f"bài viết và {_n(f.clips, 'vi')} clip, trong đó {_n(f.key_date_items, 'vi')} lượt "
        f"đăng vào các ngày trọng điểm; {_n(f.active_units, 'vi')} đơn vị có nội dung được "
        f"đăng. {_n(f.on_time, 'vi')} lượt đăng đúng giờ, {_n(f.late, 'vi')} muộn, "
        f"{_n(f.failed, 'vi')} lỗi và {_n(f.missed, 'vi')} bị bỏ lỡ."
    ]
    st = _statuses(f)
    out.append(
        f"Trên {len(f.kpis)} chỉ tiêu: {st['on_track']} đúng tiến độ, {st['at_risk']} có nguy cơ, "
        f"{st['behind']} chậm tiến độ, {st['no_data']} chưa có số liệu."
    )
    parts = []
    for s in f.kpis:
        if s.actual is None:
            parts.append(f"{s.kpi}: chưa có số liệu")
        elif s.percent is not None:
            parts.append(f"{s.kpi}: {_value(s, 'vi')} ({s.percent:.0f}% mục tiêu)")
    if parts:
        out.append("Kết quả: " + "; ".join(parts) + ".")
    if f.best is not None:
        content, channel, value = f.best
        out.append(
            f"Nội dung nổi bật nhất: {content} trên kênh {channel}, {_n(value, 'vi')} lượt "
            "tương tác sau 7 ngày."
        )
    if not f.ended:
        out.append(f"Chiến dịch chưa kết thúc: số liệu tạm tính đến {f.as_of:%d/%m/%Y %H:%M}.")
    return out


def _en(f: Facts) -> list[str]:
    period = f"{f.first_day:%d/%m/%Y} to {f.last_day:%d/%m/%Y}"
    if f.no_channel:
        return [
            f"During the Action Month ({period}), unit {f.scope_en} had no channel: there are "
            "no publishing figures or results to report."
        ]
    out = [
        f"During the Action Month ({period}), {f.scope_en} published "
        f"{_count(f.posts, 'post', 'posts')} and {_count(f.clips, 'clip', 'clips')}, "
        f"{_n(f.key_date_items, 'en')} of them on key dates; "
        f"{_count(f.active_units, 'unit', 'units')} had content published. "
        f"{_n(f.on_time, 'en')} went "
        f"out on time, {_n(f.late, 'en')} late, {_n(f.failed, 'en')} failed and "
        f"{_n(f.missed, 'en')} were missed."
    ]
    st = _statuses(f)
    out.append(
        f"Of {len(f.kpis)} KPIs: {st['on_track']} on track, {st['at_risk']} at risk, "
        f"{st['behind']} behind, {st['no_data']} without data."
    )
    parts = []
    for s in f.kpis:
        if s.actual is None:
            parts.append(f"{s.kpi}: no data")
        elif s.percent is not None:
            parts.append(f"{s.kpi}: {_value(s, 'en')} ({s.percent:.0f}% of target)")
    if parts:
        out.append("Results: " + "; ".join(parts) + ".")
    if f.best is not None:
        content, channel, value = f.best
        out.append(
            f"Top content: {content} on {channel}, {_n(value, 'en')} engagements after 7 days."
        )
    if not f.ended:
        out.append(
            f"The campaign has not ended: figures are provisional as of {f.as_of:%d/%m/%Y %H:%M}."
        )
    return out
