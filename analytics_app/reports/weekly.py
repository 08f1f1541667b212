"""The weekly report: one ISO week of a campaign (or of one unit), against its objectives.

Figures are read as of the week's last instant (now, while the week runs) and, for the
week-on-week change, as of the instant before it began.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from analytics_app.engine import KpiScore
from analytics_app.engine.execution import ExecutionCounts, ExecutionFacts
from analytics_app.reports import gather
from analytics_app.reports.content import Header, Missing, Report, Section
from analytics_app.reports.gather import Context
from analytics_app.reports.labels import check_lang, status_label
from analytics_app.reports.naming import weekly_stem
from analytics_app.reports.period import (
    INSTANT,
    IsoWeek,
    check_week_in_campaign,
    last_complete_week,
)
from campaigns.errors import UserError
from campaigns.timeutil import ensure_aware


def build_weekly(
    session: Session,
    campaign_key: str,
    *,
    now: datetime,
    week: IsoWeek | None = None,
    unit: str | None = None,
    lang: str = "vi",
    sources: Mapping[str, Sequence[str]] | None = None,
) -> Report:
    """The weekly report's content (default week: the last complete one in the campaign zone)."""
    now = ensure_aware(now)
    ctx = gather.open_context(session, campaign_key, unit, check_lang(lang), sources)
    if week is None:
        # The last complete week; once the campaign is over, its last week.
        week = last_complete_week(now, ctx.zone)
        if week.monday > ctx.last_day:
            week = IsoWeek.of(ctx.last_day)
    check_week_in_campaign(week, ctx.first_day, ctx.last_day)
    starts, ends = week.starts(ctx.zone), week.ends(ctx.zone)
    if now < starts:
        raise UserError(f"week {week} has not begun yet (it begins {ctx.local(starts)})")
    running = now < ends
    as_of = now if running else ends - INSTANT
    before_at = starts - INSTANT
    earlier_at = starts - timedelta(days=7) - INSTANT

    kpis_now = gather.scores(ctx, as_of)
    kpis_before = gather.scores(ctx, before_at) if before_at >= ctx.starts else []
    flts = [ctx.flt]
    facts_now = gather.execution_facts(ctx, as_of, flts)
    facts_before = gather.execution_facts(ctx, before_at, flts)
    facts_earlier = gather.execution_facts(ctx, earlier_at, flts)
    counts_now, counts_before = facts_now.counts(ctx.flt), facts_before.counts(ctx.flt)

    daily = gather.daily_section(ctx, as_of, week.monday - timedelta(days=7), week.sunday)
    # Every item published so far, at 24 hours and 7 days; this week's items are the pool.
    ranked = gather.rankings(ctx, as_of, gather.shown_at("24h", "7d"))
    lines = gather.item_lines(ranked)
    in_week = [li for li in lines if starts <= li.published_at < ends]
    pool = (
        "Các mục đăng trong tuần, so ở 24 giờ sau khi đăng."
        if ctx.lang == "vi"
        else "Items published this week, compared 24 hours after publication."
    )
    if not any((gather.RANK_BY, "24h") in li.values for li in in_week):
        in_week = [li for li in lines if starts - timedelta(days=7) <= li.published_at < starts]
        pool = (
            "Không mục nào đăng trong tuần đã được đo ở 24 giờ: so các mục của tuần trước."
            if ctx.lang == "vi"
            else "No item published this week was measured at 24 hours: the items of the week "
            "before are compared."
        )
    channels, channel_weeks = gather.channels_section(
        ctx, as_of, before_at, facts_now, facts_before
    )
    sections: list[Section] = [
        gather.kpi_section(ctx, kpis_now, kpis_before, starts),
        daily,
        gather.items_section(ctx, lines, ranked, (starts, ends)),
        channels,
        gather.units_section(ctx, as_of, facts_now),
        *gather.audience_sections(ctx, as_of),
        gather.execution_section(ctx, counts_now, counts_before),
        gather.issues_section(ctx, starts, ends),
        gather.definitions_section(ctx, kpis_now),
    ]
    period = f"{week} ({week.monday:%d/%m/%Y} - {week.sunday:%d/%m/%Y})"
    if running:
        period += f" — {ctx.w('week_in_progress')}"
    header = Header(
        title=f"{ctx.w('weekly_title')} {week}",
        campaign_key=ctx.key,
        campaign_name=ctx.name,
        scope=ctx.scope_text,
        period=period,
        as_of=as_of,
        generated_at=now,
        zone=ctx.zone.key,
        lang=ctx.lang,
        lines=(
            (ctx.w("campaign"), f"{ctx.key} — {ctx.name}"),
            (ctx.w("scope"), ctx.scope_text),
            (ctx.w("period"), period),
            (ctx.w("as_of"), f"{ctx.local(as_of)} ({ctx.zone.key})"),
            (ctx.w("generated"), f"{ctx.local(now)} ({ctx.zone.key})"),
        ),
    )
    earlier_out = gather.published_per_channel(facts_earlier)
    report = Report(
        kind="weekly",
        stem=weekly_stem(ctx.key, str(week), unit, ctx.lang),
        header=header,
        sections=sections,
        highlights=gather.top_bottom(ctx, in_week, "24h", pool),
    )
    report.notices = _notices(ctx, kpis_now, daily, running)
    report.anomalies = _anomalies(
        ctx,
        kpis_now,
        kpis_before,
        channel_weeks,
        earlier_out,
        facts_before,
        counts_now,
        counts_before,
    )
    return report


def _notices(ctx: Context, kpis: Sequence[KpiScore], daily: Section, running: bool) -> list[str]:
    vi = ctx.lang == "vi"
    out: list[str] = []
    if running:
        out.append(
            "Tuần chưa kết thúc: số liệu tính đến thời điểm lập báo cáo."
            if vi
            else "The week is still running: figures stand as of the report's time."
        )
    missing = gather.units_without_channel(ctx)
    if ctx.unit is not None and missing:
        out.append(
            f"Đơn vị {ctx.unit} chưa có kênh nào: không có số liệu đăng bài hay tương tác "
            "(không phải bằng 0)."
            if vi
            else f"Unit {ctx.unit} has no channel: it has no publishing or audience figures "
            "(not zeros)."
        )
    elif missing:
        out.append(
            f"{len(missing)} đơn vị chưa có kênh (không có số liệu): {', '.join(missing)}."
            if vi
            else f"{len(missing)} units have no channel (no figures): {', '.join(missing)}."
        )
    week_rows = daily.rows[7:]
    if all(isinstance(v, Missing) for row in week_rows for v in row[1:]):
        out.append(
            "Không có số đo mới nào trong tuần: các con số lũy kế giữ nguyên từ lần đo trước, "
            "thay đổi trong tuần ghi là không có dữ liệu."
            if vi
            else "No new measurement arrived this week: cumulative figures stand at the last "
            "capture before it, and the week's changes say no data."
        )
    if all(s.actual is None for s in kpis):
        out.append(
            "Chưa chỉ tiêu nào có số liệu trong phạm vi này."
            if vi
            else "No KPI has data in this scope yet."
        )
    return out


def _anomalies(
    ctx: Context,
    now: Sequence[KpiScore],
    before: Sequence[KpiScore],
    channels: Sequence[gather.ChannelWeek],
    earlier_out: Mapping[int, int],
    facts_before: ExecutionFacts,
    counts_now: ExecutionCounts,
    counts_before: ExecutionCounts,
) -> list[str]:
    """A channel that went silent, a KPI whose status turned, failures and missed slots, a
    metric the platform stopped reporting."""
    vi = ctx.lang == "vi"
    notes: list[str] = []
    before_out = gather.published_per_channel(facts_before)
    ids = {key: cid for cid, key, *_ in gather.channels_of(ctx)}
    for ch in channels:
        cid = ids.get(ch.key)
        last_week = before_out.get(cid, 0) - earlier_out.get(cid, 0) if cid else 0
        if last_week > 0 and ch.published_now == ch.published_before:
            notes.append(
                f"Kênh {ch.key} im lặng: tuần trước đăng {last_week} mục, tuần này không đăng."
                if vi
                else f"Channel {ch.key} went silent: {last_week} items last week, none this week."
            )
    earlier = {s.kpi: s for s in before}
    for s in now:
        prev = earlier.get(s.kpi)
        if prev is None or "no_data" in (prev.status, s.status) or prev.status == s.status:
            continue
        a, b = status_label(prev.status, ctx.lang), status_label(s.status, ctx.lang)
        notes.append(
            f"Chỉ tiêu {s.kpi} chuyển từ «{a}» sang «{b}»."
            if vi
            else f"KPI {s.kpi} turned from {a} to {b}."
        )
    failed = counts_now.failed - counts_before.failed
    missed = counts_now.missed - counts_before.missed
    review = counts_now.needs_review - counts_before.needs_review
    if failed or missed or review:
        notes.append(
            f"Trong tuần: {failed} lượt đăng lỗi, {missed} lượt bỏ lỡ, {review} cần kiểm tra "
            "(xem danh sách)."
            if vi
            else f"This week: {failed} failed, {missed} missed, {review} needing review "
            "(see the list)."
        )
    for s in now:
        if gather.is_retired_note(s):
            notes.append(
                f"Chỉ tiêu {s.kpi}: một chỉ số nguồn đã ngừng được nền tảng báo cáo giữa chiến "
                f"dịch; số liệu chỉ tính đến lần đo cuối. ({gather.reason_text(s, 'vi')})"
                if vi
                else f"KPI {s.kpi}: a source metric stopped being reported mid-campaign; the "
                f"actual counts only what was measured until then. ({s.reason})"
            )
    return notes
