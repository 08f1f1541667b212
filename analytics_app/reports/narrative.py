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


def _count(n: int, lang: str, nouns: tuple[str, str]) -> str:
    """A count with its noun, singular for one: 1 clip, 2 clips (Vietnamese nouns do not change)."""
    one, many = nouns
    return f"{_n(n, lang)} {one if n == 1 else many}"


@dataclass(frozen=True)
class _Wording:
    """One language's sentences; `{names}` are filled in by `_paragraphs` from the facts."""

    period: str
    no_channel: str
    summary: str
    post: tuple[str, str]  # singular, plural
    clip: tuple[str, str]
    unit: tuple[str, str]
    statuses: str
    kpi_no_data: str
    kpi_value: str
    results: str
    best: str
    provisional: str


_WORDING: dict[str, _Wording] = {
    "vi": _Wording(
        period="từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}",
        no_channel="Trong Tháng hành động ({period}), đơn vị {scope} chưa có kênh nào: không có "
        "số liệu đăng bài hay kết quả để báo cáo.",
        summary="Trong Tháng hành động ({period}), phạm vi {scope} đã đăng {posts} và {clips}, "
        "trong đó {key_dates} lượt đăng vào các ngày trọng điểm; {units} có nội dung được đăng. "
        "{on_time} lượt đăng đúng giờ, {late} muộn, {failed} lỗi và {missed} bị bỏ lỡ.",
        post=("bài viết", "bài viết"),
        clip=("clip", "clip"),
        unit=("đơn vị", "đơn vị"),
        statuses="Trên {total} chỉ tiêu: {on_track} đúng tiến độ, {at_risk} có nguy cơ, "
        "{behind} chậm tiến độ, {no_data} chưa có số liệu.",
        kpi_no_data="{kpi}: chưa có số liệu",
        kpi_value="{kpi}: {value} ({percent:.0f}% mục tiêu)",
        results="Kết quả: {parts}.",
        best="Nội dung nổi bật nhất: {content} trên kênh {channel}, {engagements} lượt tương tác "
        "sau 7 ngày.",
        provisional="Chiến dịch chưa kết thúc: số liệu tạm tính đến {as_of:%d/%m/%Y %H:%M}.",
    ),
    "en": _Wording(
        period="{first:%d/%m/%Y} to {last:%d/%m/%Y}",
        no_channel="During the Action Month ({period}), unit {scope} had no channel: there are "
        "no publishing figures or results to report.",
        summary="During the Action Month ({period}), {scope} published {posts} and {clips}, "
        "{key_dates} of them on key dates; {units} had content published. {on_time} went out "
        "on time, {late} late, {failed} failed and {missed} were missed.",
        post=("post", "posts"),
        clip=("clip", "clips"),
        unit=("unit", "units"),
        statuses="Of {total} KPIs: {on_track} on track, {at_risk} at risk, {behind} behind, "
        "{no_data} without data.",
        kpi_no_data="{kpi}: no data",
        kpi_value="{kpi}: {value} ({percent:.0f}% of target)",
        results="Results: {parts}.",
        best="Top content: {content} on {channel}, {engagements} engagements after 7 days.",
        provisional="The campaign has not ended: figures are provisional as of "
        "{as_of:%d/%m/%Y %H:%M}.",
    ),
}


def narrative(f: Facts) -> dict[str, list[str]]:
    """lang -> paragraphs."""
    return {lang: _paragraphs(f, lang) for lang in _WORDING}


def _paragraphs(f: Facts, lang: str) -> list[str]:
    w = _WORDING[lang]
    period = w.period.format(first=f.first_day, last=f.last_day)
    scope = f.scope_vi if lang == "vi" else f.scope_en
    if f.no_channel:
        return [w.no_channel.format(period=period, scope=scope)]
    out = [
        w.summary.format(
            period=period,
            scope=scope,
            posts=_count(f.posts, lang, w.post),
            clips=_count(f.clips, lang, w.clip),
            key_dates=_n(f.key_date_items, lang),
            units=_count(f.active_units, lang, w.unit),
            on_time=_n(f.on_time, lang),
            late=_n(f.late, lang),
            failed=_n(f.failed, lang),
            missed=_n(f.missed, lang),
        )
    ]
    st = Counter(s.status for s in f.kpis)
    out.append(
        w.statuses.format(
            total=len(f.kpis),
            on_track=st["on_track"],
            at_risk=st["at_risk"],
            behind=st["behind"],
            no_data=st["no_data"],
        )
    )
    parts = []
    for s in f.kpis:
        if s.actual is None:
            parts.append(w.kpi_no_data.format(kpi=s.kpi))
        elif s.percent is not None:
            parts.append(w.kpi_value.format(kpi=s.kpi, value=_value(s, lang), percent=s.percent))
    if parts:
        out.append(w.results.format(parts="; ".join(parts)))
    if f.best is not None:
        content, channel, value = f.best
        out.append(w.best.format(content=content, channel=channel, engagements=_n(value, lang)))
    if not f.ended:
        out.append(w.provisional.format(as_of=f.as_of))
    return out
