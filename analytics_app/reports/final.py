"""The final report: the whole campaign in the shape the Ministry compiles.

Activities by kind (posts, clips, key-date activities), results per objective against targets,
per unit for the national roll-up, top content, execution, and a short narrative in Vietnamese and
English built from those numbers. Read as of now; before the campaign's end it says the figures
are provisional.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from analytics_app.engine import KpiScore
from analytics_app.engine.execution import ExecutionCounts
from analytics_app.reports import gather
from analytics_app.reports.content import Chart, Column, Fmt, Header, Missing, Report, Section
from analytics_app.reports.gather import Context, ItemLine
from analytics_app.reports.labels import check_lang
from analytics_app.reports.naming import final_stem
from analytics_app.reports.narrative import Facts, narrative
from analytics_app.reports.period import INSTANT
from campaigns.errors import UserError
from campaigns.keydates import key_dates_between
from campaigns.timeutil import ensure_aware

TOP_N = 10


def build_final(
    session: Session,
    campaign_key: str,
    *,
    now: datetime,
    unit: str | None = None,
    lang: str = "vi",
    sources: Mapping[str, Sequence[str]] | None = None,
) -> Report:
    now = ensure_aware(now)
    ctx = gather.open_context(session, campaign_key, unit, check_lang(lang), sources)
    if now < ctx.starts:
        raise UserError(
            f"campaign {campaign_key!r} has not begun yet (it begins {ctx.first_day:%d/%m/%Y})"
        )
    ended = now >= ctx.ends
    as_of = now
    kpis = gather.scores(ctx, as_of)
    facts = gather.execution_facts(ctx, as_of, [ctx.flt])
    counts = facts.counts(ctx.flt)
    activities, key_total = _activities(ctx, counts, as_of)
    ranked = gather.rankings(ctx, as_of, gather.shown_at("7d"))
    lines = gather.item_lines(ranked)
    top = _top_content(ctx, lines)
    channels, _ = gather.channels_section(ctx, as_of, None, facts, None)
    sections = [
        activities,
        gather.kpi_section(ctx, kpis, None, None),
        gather.units_section(ctx, as_of, facts),
        top,
        gather.execution_section(ctx, counts, None),
        channels,
        *gather.audience_sections(ctx, as_of),
        gather.items_section(ctx, lines, ranked, None),
        gather.definitions_section(ctx, kpis),
    ]
    period = f"{ctx.first_day:%d/%m/%Y} - {ctx.last_day:%d/%m/%Y}"
    lines_header = [
        (ctx.w("campaign"), f"{ctx.key} — {ctx.name}"),
        (ctx.w("scope"), ctx.scope_text),
        (ctx.w("period"), period),
        (ctx.w("as_of"), f"{ctx.local(as_of)} ({ctx.zone.key})"),
        (ctx.w("generated"), f"{ctx.local(now)} ({ctx.zone.key})"),
    ]
    if ctx.report_due is not None:
        due = "Hạn nộp báo cáo" if ctx.lang == "vi" else "Report due"
        lines_header.append((due, f"{ctx.report_due:%d/%m/%Y}"))
    header = Header(
        title=ctx.w("final_title"),
        campaign_key=ctx.key,
        campaign_name=ctx.name,
        scope=ctx.scope_text,
        period=period,
        as_of=as_of,
        generated_at=now,
        zone=ctx.zone.key,
        lang=ctx.lang,
        lines=tuple(lines_header),
    )
    best = next(iter(top.rows), None)
    facts_for_words = Facts(
        first_day=ctx.first_day,
        last_day=ctx.last_day,
        ended=ended,
        as_of=as_of.astimezone(ctx.zone),
        scope_vi=gather.word("all_units", "vi") if unit is None else unit,
        scope_en=gather.word("all_units", "en") if unit is None else unit,
        posts=counts.posts_published or 0,
        clips=counts.clips_published or 0,
        key_date_items=key_total,
        on_time=counts.on_time,
        late=counts.late,
        failed=counts.failed,
        missed=counts.missed,
        active_units=counts.active_units,
        kpis=list(kpis),
        best=(str(best[0]), str(best[1]), float(best[4])) if best else None,
        no_channel=not ctx.unit_has_channel,
    )
    report = Report(
        kind="final",
        stem=final_stem(ctx.key, unit, ctx.lang),
        header=header,
        sections=sections,
        narrative=narrative(facts_for_words),
    )
    report.notices = _notices(ctx, kpis, ended)
    report.anomalies = [
        f"{s.kpi}: {gather.reason_text(s, ctx.lang)}" for s in kpis if gather.is_retired_note(s)
    ]
    return report


def _activities(ctx: Context, counts: ExecutionCounts, as_of: datetime) -> tuple[Section, int]:
    """Posts and clips published, and what went out on each key date (the engine's execution
    counts at the key day's two midnights)."""
    rows: list[list[object]] = [
        [ctx.w("posts_published"), "", counts.posts_published],
        [ctx.w("clips_published"), "", counts.clips_published],
    ]
    total = 0
    for day, key_date in key_dates_between(ctx.first_day, ctx.last_day):
        begin = datetime.combine(day, datetime.min.time(), tzinfo=ctx.zone)
        if begin > as_of:
            continue
        end = min(begin + timedelta(days=1) - INSTANT, as_of)
        at_end = gather.execution_facts(ctx, end, [ctx.flt]).counts(ctx.flt)
        at_begin = gather.execution_facts(ctx, begin - INSTANT, [ctx.flt]).counts(ctx.flt)
        n = at_end.published - at_begin.published
        total += n
        name = key_date.name if ctx.lang == "vi" else key_date.name_en
        rows.append([f"{ctx.w('key_date_activities')}: {name}", f"{day:%d/%m/%Y}", n])
    if not ctx.unit_has_channel:  # counted 0 by the engine; the unit cannot publish at all
        for row in rows:
            row[2] = Missing(ctx.w("no_channel"))
    columns = [
        Column(ctx.w("activity"), width=60),
        Column(ctx.w("day"), width=12),
        Column(ctx.w("count"), Fmt.INT, 12),
    ]
    section = Section(
        "activities",
        ctx.w("activities"),
        columns,
        rows,
        Chart("bar", ctx.w("activities"), 0, (2,)),
    )
    return section, total


def _top_content(ctx: Context, lines: Sequence[ItemLine]) -> Section:
    """The campaign's items with the most engagements seven days after publication."""
    [top, _] = gather.top_bottom(ctx, lines, "7d", "", n=TOP_N)
    top.key, top.title = "top_content", ctx.w("top_content")
    top.note = (
        "So sánh ở cùng độ tuổi: 7 ngày sau khi đăng."
        if ctx.lang == "vi"
        else "Compared at the same age: 7 days after publication."
    )
    if top.chart is not None:
        top.chart = Chart("bar", top.title, top.chart.category, top.chart.values)
    return top


def _notices(ctx: Context, kpis: Sequence[KpiScore], ended: bool) -> list[str]:
    vi = ctx.lang == "vi"
    out: list[str] = []
    if not ended:
        out.append(
            f"Chiến dịch chưa kết thúc (ngày cuối {ctx.last_day:%d/%m/%Y}): đây là số liệu tạm "
            "tính, chưa phải báo cáo tổng kết."
            if vi
            else f"The campaign has not ended (last day {ctx.last_day:%d/%m/%Y}): these figures "
            "are provisional, not the final results."
        )
    missing = gather.units_without_channel(ctx)
    if missing:
        out.append(
            f"Đơn vị chưa có kênh (không có số liệu, không phải bằng 0): {', '.join(missing)}."
            if vi
            else f"Units with no channel (no figures, not zeros): {', '.join(missing)}."
        )
    if all(s.actual is None for s in kpis):
        out.append(
            "Chưa chỉ tiêu nào có số liệu trong phạm vi này."
            if vi
            else "No KPI has data in this scope yet."
        )
    return out
