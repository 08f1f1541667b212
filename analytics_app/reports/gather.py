"""Reads what a report shows from the objective engine, section by section.

Every figure comes from `analytics_app.engine` (scorecard, breakdowns, equal-age ranking,
execution counts, channel audiences); this module only picks the moments and the scope, lays the
answers out as tables and says when a figure is absent. It holds no metric rule of its own.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from analytics_app.engine import KpiScore, scorecard
from analytics_app.engine.actuals import channel_audiences
from analytics_app.engine.breakdowns import BreakdownRow, breakdown
from analytics_app.engine.execution import ExecutionCounts, ExecutionFacts
from analytics_app.engine.groups import Grouping
from analytics_app.engine.ranking import AGES, Ranking, rank_at_age
from analytics_app.engine.scope import KpiFilter
from analytics_app.engine.tables import CAMPAIGN, CHANNEL, CONTENT, PUB, UNIT
from analytics_app.reports.content import Chart, Column, Fmt, Missing, Section
from analytics_app.reports.labels import metric_label, status_label, word
from campaigns.errors import UserError
from campaigns.models import PublicationState
from campaigns.settings import get_settings
from campaigns.vocabulary import TERMS

# The measured metrics the channel, unit, audience and item tables show.
SHOWN: tuple[str, ...] = ("reach", "views", "engagements")
RETIRED_MARK = "has not been reported since"


@dataclass
class Context:
    """One report's campaign, scope and language, and the engine's answers read so far."""

    session: Session
    campaign_id: int
    key: str
    name: str
    zone: ZoneInfo
    first_day: date
    last_day: date
    report_due: date | None
    lang: str
    unit: str | None
    unit_name: str = ""
    sources: Mapping[str, Sequence[str]] = field(default_factory=dict)
    on_time_minutes: int = 5
    unit_has_channel: bool = True  # False: the scope is a unit with no channel at all

    @property
    def flt(self) -> KpiFilter:
        return KpiFilter(units=(self.unit,)) if self.unit else KpiFilter()

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.first_day, datetime.min.time(), tzinfo=self.zone)

    @property
    def ends(self) -> datetime:
        return self.starts + timedelta(days=(self.last_day - self.first_day).days + 1)

    def w(self, key: str) -> str:
        return word(key, self.lang)

    def local(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.zone):%d/%m/%Y %H:%M}"

    @property
    def scope_text(self) -> str:
        if self.unit is None:
            return self.w("all_units")
        return f"{self.unit} — {self.unit_name}" if self.unit_name else self.unit


def open_context(
    session: Session,
    campaign_key: str,
    unit: str | None,
    lang: str,
    sources: Mapping[str, Sequence[str]] | None = None,
) -> Context:
    """The campaign and unit asked for; UserError naming the known keys otherwise."""
    row = session.execute(
        select(
            CAMPAIGN.c.id,
            CAMPAIGN.c.name,
            CAMPAIGN.c.name_en,
            CAMPAIGN.c.timezone,
            CAMPAIGN.c.starts,
            CAMPAIGN.c.ends,
            CAMPAIGN.c.report_due,
        ).where(CAMPAIGN.c.key == campaign_key)
    ).first()
    if row is None:
        known = session.execute(select(CAMPAIGN.c.key).order_by(CAMPAIGN.c.key)).scalars().all()
        hint = ", ".join(known) or "none imported"
        raise UserError(f"no campaign with key {campaign_key!r} (known: {hint})")
    cid, name, name_en, tz, starts, ends, due = row
    unit_name = ""
    if unit is not None:
        units = dict(
            session.execute(select(UNIT.c.key, UNIT.c.name).where(UNIT.c.campaign_id == cid)).all()
        )
        if unit not in units:
            raise UserError(
                f"campaign {campaign_key!r} has no unit {unit!r} "
                f"(known: {', '.join(sorted(units)) or 'none'})"
            )
        unit_name = units[unit]
    has_channel = unit is None or bool(
        session.execute(
            select(CHANNEL.c.id)
            .select_from(CHANNEL.join(UNIT, UNIT.c.id == CHANNEL.c.unit_id))
            .where(CHANNEL.c.campaign_id == cid, UNIT.c.key == unit)
            .limit(1)
        ).first()
    )
    return Context(
        session=session,
        campaign_id=cid,
        key=campaign_key,
        name=(name_en or name) if lang == "en" else name,
        zone=ZoneInfo(tz),
        first_day=starts,
        last_day=ends,
        report_due=due,
        lang=lang,
        unit=unit,
        unit_name=unit_name,
        sources=sources or {},
        on_time_minutes=get_settings().on_time_minutes,
        unit_has_channel=has_channel,
    )


# --- the scorecard -------------------------------------------------------------------------


def scores(ctx: Context, as_of: datetime) -> list[KpiScore]:
    return scorecard(ctx.session, ctx.key, as_of, unit=ctx.unit)


def _value(value: float | None, why: str) -> float | Missing:
    return Missing(why) if value is None else value


def is_retired_note(score: KpiScore) -> bool:
    return RETIRED_MARK in score.reason


def kpi_section(
    ctx: Context,
    now: list[KpiScore],
    before: list[KpiScore] | None,
    week_starts: datetime | None,
) -> Section:
    """Every KPI against its target; with `before`, the change since the previous week.

    A change needs a figure at both ends: a KPI with nothing measured says "no data", and a
    measured KPI whose newest capture is older than the week says no new measurement came."""
    earlier = {s.kpi: s for s in before or []}
    nd = ctx.w("no_data")
    columns = [
        Column(ctx.w("objective"), width=10),
        Column(ctx.w("objective_title"), width=36),
        Column(ctx.w("kpi"), width=18),
        Column(ctx.w("kpi_title"), width=24),
        Column(ctx.w("metric"), width=18),
        Column(ctx.w("target"), Fmt.METRIC, 13, metric_column=4),
        Column(ctx.w("actual"), Fmt.METRIC, 13, metric_column=4),
        Column(ctx.w("percent"), Fmt.PCT, 11),
        Column(ctx.w("expected"), Fmt.METRIC, 13, metric_column=4),
        Column(ctx.w("projection"), Fmt.METRIC, 13, metric_column=4),
        Column(ctx.w("status"), width=14),
        Column(ctx.w("reason"), width=70),
    ]
    if before is not None:
        columns += [
            Column(ctx.w("previous"), Fmt.METRIC, 13, metric_column=4),
            Column(ctx.w("change"), Fmt.METRIC, 14, metric_column=4),
        ]
    columns.append(Column(ctx.w("data_as_of"), Fmt.TIME, 17))
    rows: list[list[Any]] = []
    for s in now:
        title = s.objective_title_en or s.objective_title if ctx.lang == "en" else s.objective_title
        if not ctx.unit_has_channel:
            # Nothing can be published in this scope: every figure says so (counts included,
            # which the engine gives as 0).
            nc = Missing(ctx.w("no_channel"))
            blank: list[Any] = [s.objective, title, s.kpi, metric_label(s.metric, ctx.lang)]
            blank += [s.metric, s.target, nc, nc, s.expected, nc, ctx.w("no_channel"), ""]
            blank += [nc, nc] if before is not None else []
            rows.append([*blank, None])
            continue
        row: list[Any] = [
            s.objective,
            title,
            s.kpi,
            metric_label(s.metric, ctx.lang),
            s.metric,
            s.target,
            _value(s.actual, nd),
            _value(None if s.percent is None else s.percent / 100.0, nd),
            s.expected,
            _value(s.projection, nd),
            status_label(s.status, ctx.lang),
            reason_text(s, ctx.lang),
        ]
        if before is not None:
            prev = earlier.get(s.kpi)
            row += [_value(prev.actual if prev else None, nd), _change(ctx, s, prev, week_starts)]
        row.append(s.data_as_of)
        rows.append(row)
    return Section(
        "summary",
        ctx.w("summary") if before is not None else ctx.w("results"),
        columns,
        rows,
        Chart("bar", ctx.w("percent"), category=2, values=(7,)),
        # The same rule as the app's narrowed Overview (engine.targets).
        note=ctx.w("unit_targets") if ctx.unit else "",
    )


def reason_text(s: KpiScore, lang: str) -> str:
    """The engine's reason; in Vietnamese the same verdict from the same numbers, worded as
    the app words it."""
    from analytics_app.i18n.format import score_reason

    return score_reason(s, lang)


def _change(
    ctx: Context, s: KpiScore, prev: KpiScore | None, week_starts: datetime | None
) -> float | Missing:
    if s.actual is None:
        return Missing(ctx.w("no_data"))
    measured = TERMS.get(s.metric) is not None and TERMS[s.metric].aggregation != "count"
    stale = s.data_as_of is None or (week_starts is not None and s.data_as_of < week_starts)
    if measured and week_starts is not None and stale:
        return Missing(ctx.w("no_new_data"))
    if prev is None or prev.actual is None:
        # Nothing stood before this week: all of it came this week (counts and sums), while a
        # rate has no earlier level to compare with.
        is_level = TERMS.get(s.metric) is not None and TERMS[s.metric].unit == "%"
        return Missing(ctx.w("no_data")) if is_level else s.actual
    return s.actual - prev.actual


# --- breakdowns ----------------------------------------------------------------------------


def by_group(ctx: Context, by: str, as_of: datetime) -> dict[str, dict[str, BreakdownRow]]:
    """metric -> group -> row, for the shown metrics."""
    return {
        m: {r.key: r for r in breakdown(ctx.session, ctx.key, m, by, as_of, ctx.flt)} for m in SHOWN
    }


def daily_section(ctx: Context, as_of: datetime, first: date, last: date) -> Section:
    """Growth per campaign-zone day between `first` and `last` (days with no growth: no data)."""
    per = {
        m: {r.key: r.value for r in breakdown(ctx.session, ctx.key, m, "day", as_of, ctx.flt)}
        for m in SHOWN
    }
    rows: list[list[Any]] = []
    day = first
    nd = ctx.w("no_data")
    while day <= last:
        key = day.isoformat()
        rows.append([f"{day:%d/%m}", *(_value(per[m].get(key), nd) for m in SHOWN)])
        day += timedelta(days=1)
    columns = [Column(ctx.w("day"), width=10)] + [
        Column(metric_label(m, ctx.lang), Fmt.INT, 16) for m in SHOWN
    ]
    return Section(
        "daily", ctx.w("daily"), columns, rows, Chart("line", ctx.w("daily"), 0, (1, 2, 3))
    )


# --- channels, units, audience --------------------------------------------------------------


def channels_of(ctx: Context) -> list[tuple[int, str, str, str, str | None, bool]]:
    """(id, key, name, platform, unit key, paused) of the scope's channels."""
    query = (
        select(
            CHANNEL.c.id,
            CHANNEL.c.key,
            CHANNEL.c.name,
            CHANNEL.c.platform,
            UNIT.c.key,
            CHANNEL.c.paused,
        )
        .select_from(CHANNEL.outerjoin(UNIT, UNIT.c.id == CHANNEL.c.unit_id))
        .where(CHANNEL.c.campaign_id == ctx.campaign_id)
        .order_by(CHANNEL.c.key)
    )
    if ctx.unit is not None:
        query = query.where(UNIT.c.key == ctx.unit)
    return [
        (cid, key, name, platform, unit, bool(paused))
        for cid, key, name, platform, unit, paused in ctx.session.execute(query)
    ]


def execution_facts(ctx: Context, as_of: datetime, flts: Iterable[KpiFilter]) -> ExecutionFacts:
    grouping = Grouping(ctx.session, ctx.campaign_id, list(flts), by_kind=True)
    return ExecutionFacts(ctx.session, ctx.campaign_id, grouping, as_of, ctx.on_time_minutes)


def published_per_channel(facts: ExecutionFacts) -> dict[int, int]:
    """Publications out by the facts' moment, per channel (the engine's execution groups)."""
    out: dict[int, int] = {}
    for key, counts in facts.groups.items():
        out[key.channel_id] = out.get(key.channel_id, 0) + counts.out
    return out


@dataclass(frozen=True)
class ChannelWeek:
    key: str
    name: str
    published_before: int
    published_now: int


def channels_section(
    ctx: Context,
    as_of: datetime,
    before: datetime | None,
    now_facts: ExecutionFacts,
    before_facts: ExecutionFacts | None,
) -> tuple[Section, list[ChannelWeek]]:
    """Each channel's lifetime results, and (weekly) what it published and gained this week."""
    channels = channels_of(ctx)
    now = by_group(ctx, "channel", as_of)
    then = by_group(ctx, "channel", before) if before is not None else None
    out_now = published_per_channel(now_facts)
    out_then = published_per_channel(before_facts) if before_facts is not None else {}
    nd = ctx.w("no_data")
    columns = [
        Column(ctx.w("channel"), width=18),
        Column(ctx.w("label"), width=28),
        Column(ctx.w("platform"), width=10),
        Column(ctx.w("unit"), width=12),
        Column(ctx.w("published"), Fmt.INT, 11),
    ]
    columns += [Column(metric_label(m, ctx.lang), Fmt.INT, 14) for m in SHOWN]
    if then is not None:
        columns.insert(5, Column(f"{ctx.w('published')} — {ctx.w('this_week')}", Fmt.INT, 12))
        columns += [
            Column(f"{metric_label(m, ctx.lang)} — {ctx.w('gained')}", Fmt.INT, 16) for m in SHOWN
        ]
    rows: list[list[Any]] = []
    weeks: list[ChannelWeek] = []
    for cid, ckey, name, platform, unit, _paused in channels:
        row: list[Any] = [ckey, name, platform, unit or "", out_now.get(cid, 0)]
        if then is not None:
            row.append(out_now.get(cid, 0) - out_then.get(cid, 0))
        for m in SHOWN:
            found = now[m].get(ckey)
            row.append(_value(found.value if found else None, nd))
        if then is not None:
            for m in SHOWN:
                a, b = now[m].get(ckey), then[m].get(ckey)
                if a is None or a.value is None:
                    row.append(Missing(nd))
                else:
                    row.append(a.value - (b.value or 0.0 if b is not None else 0.0))
            weeks.append(ChannelWeek(ckey, name, out_then.get(cid, 0), out_now.get(cid, 0)))
        rows.append(row)
    chart_col = len(columns) - len(SHOWN) if then is not None else 5
    section = Section(
        "channels",
        ctx.w("channels"),
        columns,
        rows,
        Chart("bar", ctx.w("channels"), 0, (chart_col,)),
    )
    return section, weeks


def _units(ctx: Context) -> list[tuple[str, str, str, bool]]:
    """(key, name, kind, has a channel) of the scope's units."""
    with_channel = set(
        ctx.session.execute(
            select(CHANNEL.c.unit_id).where(
                CHANNEL.c.campaign_id == ctx.campaign_id, CHANNEL.c.unit_id.is_not(None)
            )
        ).scalars()
    )
    query = (
        select(UNIT.c.id, UNIT.c.key, UNIT.c.name, UNIT.c.kind)
        .where(UNIT.c.campaign_id == ctx.campaign_id)
        .order_by(UNIT.c.key)
    )
    if ctx.unit is not None:
        query = query.where(UNIT.c.key == ctx.unit)
    return [(k, n, kind, uid in with_channel) for uid, k, n, kind in ctx.session.execute(query)]


def units_without_channel(ctx: Context) -> list[str]:
    return [key for key, _, _, has in _units(ctx) if not has]


def units_section(ctx: Context, as_of: datetime, facts: ExecutionFacts) -> Section:
    """Each unit's execution and results (a unit with no channel says so in every figure)."""
    per = by_group(ctx, "unit", as_of)
    nd, nc = ctx.w("no_data"), ctx.w("no_channel")
    counts_names = ("posts_published", "clips_published", "on_time", "late", "failed", "missed")
    columns = [
        Column(ctx.w("unit"), width=14),
        Column(ctx.w("unit_name"), width=32),
        Column(ctx.w("kind"), width=12),
    ]
    columns += [Column(ctx.w(c), Fmt.INT, 11) for c in counts_names]
    columns += [Column(metric_label(m, ctx.lang), Fmt.INT, 14) for m in SHOWN]
    rows: list[list[Any]] = []
    for key, name, kind, has_channel in _units(ctx):
        if not has_channel:
            rows.append([key, name, kind, *([Missing(nc)] * (len(counts_names) + len(SHOWN)))])
            continue
        c = facts.counts(KpiFilter(units=(key,)))
        row: list[Any] = [key, name, kind]
        row += [
            c.posts_published,
            c.clips_published,
            c.on_time,
            c.late,
            c.failed,
            c.missed,
        ]
        for m in SHOWN:
            found = per[m].get(key)
            row.append(_value(found.value if found else None, nd))
        rows.append(row)
    return Section(
        "units",
        ctx.w("units") if ctx.unit is not None else ctx.w("roll_up"),
        columns,
        rows,
        Chart("bar", ctx.w("units"), 0, (len(columns) - len(SHOWN),)),
    )


def audience_sections(ctx: Context, as_of: datetime) -> list[Section]:
    """Results per audience of the content, and each channel's viewers (women, 13-24)."""
    per = by_group(ctx, "audience", as_of)
    nd = ctx.w("no_data")
    labels = sorted({k for m in SHOWN for k in per[m]})
    columns = [Column(ctx.w("audience"), width=16)] + [
        Column(metric_label(m, ctx.lang), Fmt.INT, 14) for m in SHOWN
    ]
    rows = [
        [label, *(_value(per[m][label].value if label in per[m] else None, nd) for m in SHOWN)]
        for label in labels
    ]
    content = Section(
        "audience", ctx.w("audience"), columns, rows, Chart("bar", ctx.w("audience"), 0, (1,))
    )
    shares = channel_audiences(ctx.session, ctx.campaign_id, as_of)
    vcols = [
        Column(ctx.w("channel"), width=18),
        Column(ctx.w("platform"), width=10),
        Column(ctx.w("female_share"), Fmt.PCT, 14),
        Column(ctx.w("youth_share"), Fmt.PCT, 14),
        Column(ctx.w("captured_at"), Fmt.TIME, 17),
    ]
    vrows: list[list[Any]] = []
    for cid, ckey, _name, platform, _unit, _paused in channels_of(ctx):
        a = shares.get(cid)
        if a is None or not a.total:
            vrows.append([ckey, platform, Missing(nd), Missing(nd), None])
        else:
            vrows.append([ckey, platform, a.female / a.total, a.youth / a.total, a.captured_at])
    viewers = Section("viewers", ctx.w("audiences") + " — " + ctx.w("channels"), vcols, vrows)
    return [content, viewers]


# --- execution ------------------------------------------------------------------------------

EXECUTION_ROWS: tuple[str, ...] = (
    "planned",
    "due",
    "on_time",
    "late",
    "failed",
    "missed",
    "needs_review",
    "pending",
)


def _count(c: ExecutionCounts, name: str) -> int:
    return int(getattr(c, name))


def execution_section(
    ctx: Context, now: ExecutionCounts, before: ExecutionCounts | None
) -> Section:
    """Planned, due, published on time / late, failed, missed, needs review, pending: to date,
    and (weekly) what fell due in the week (the difference of the engine's counts at the week's
    two ends; `planned` this week is what fell due in it)."""
    columns = [Column(ctx.w("measure"), width=30)]
    if before is not None:
        columns.append(Column(ctx.w("this_week"), Fmt.INT, 14))
    columns.append(Column(ctx.w("to_date"), Fmt.INT, 16))
    rows: list[list[Any]] = []
    if not ctx.unit_has_channel:  # the engine counts 0; the unit cannot publish at all
        nc = Missing(ctx.w("no_channel"))
        width = len(columns) - 1
        rows = [[ctx.w(name), *([nc] * width)] for name in EXECUTION_ROWS]
        return Section("execution", ctx.w("execution"), columns, rows)
    for name in EXECUTION_ROWS:
        row: list[Any] = [ctx.w(name)]
        if before is not None:
            if name == "planned":
                row.append(now.due - before.due)
            elif name == "pending":
                row.append(None)
            else:
                row.append(_count(now, name) - _count(before, name))
        row.append(_count(now, name))
        rows.append(row)
    return Section(
        "execution",
        ctx.w("execution"),
        columns,
        rows,
        Chart("bar", ctx.w("execution"), 0, (1,)),
    )


def issues_section(ctx: Context, starts: datetime, ends: datetime) -> Section:
    """The publications due in the period that failed, were missed or need review."""
    query = (
        select(
            PUB.c.id,
            CONTENT.c.key,
            CHANNEL.c.key,
            PUB.c.scheduled_at,
            PUB.c.state,
            PUB.c.last_error,
        )
        .select_from(
            PUB.join(CONTENT, CONTENT.c.id == PUB.c.content_id)
            .join(CHANNEL, CHANNEL.c.id == PUB.c.channel_id)
            .outerjoin(UNIT, UNIT.c.id == CHANNEL.c.unit_id)
        )
        .where(
            PUB.c.campaign_id == ctx.campaign_id,
            PUB.c.state.in_(
                [
                    PublicationState.FAILED,
                    PublicationState.MISSED,
                    PublicationState.NEEDS_REVIEW,
                ]
            ),
            PUB.c.scheduled_at >= starts,
            PUB.c.scheduled_at < ends,
        )
        .order_by(PUB.c.scheduled_at, PUB.c.id)
    )
    if ctx.unit is not None:
        query = query.where(UNIT.c.key == ctx.unit)
    rows = [
        [pid, content, channel, at, ctx.w(str(state)), (error or "")[:200]]
        for pid, content, channel, at, state, error in ctx.session.execute(query)
    ]
    columns = [
        Column("#", Fmt.INT, 8),
        Column(ctx.w("content"), width=22),
        Column(ctx.w("channel"), width=16),
        Column(ctx.w("scheduled_at"), Fmt.TIME, 17),
        Column(ctx.w("state"), width=14),
        Column(ctx.w("error"), width=60),
    ]
    return Section("issues", ctx.w("issues"), columns, rows)


# --- items at equal age ---------------------------------------------------------------------


# Items are compared by engagements at an age, reach and views beside them. Each (metric, age)
# reads the two snapshots around every item's age (`values_at_age`: key seeks, not series).
RANK_BY = "engagements"
Pair = tuple[str, str]  # (metric, age)


def shown_at(*ages: str) -> list[Pair]:
    """Every shown metric at each age, the ranking one first: the rankings a report reads."""
    order = (RANK_BY, *(m for m in SHOWN if m != RANK_BY))
    return [(m, age) for age in ages for m in order]


@dataclass(frozen=True)
class ItemLine:
    publication_id: int
    content: str
    channel: str
    platform: str
    kind: str
    published_at: datetime
    values: dict[Pair, float]  # (metric, age) -> value at that age


def rankings(
    ctx: Context,
    as_of: datetime,
    pairs: Sequence[Pair],
    published: tuple[datetime, datetime] | None = None,
) -> dict[Pair, Ranking]:
    """The engine's equal-age rankings of the scope's items (published in a span, if given)."""
    since, until = published if published is not None else (None, None)
    return {
        (m, age): rank_at_age(
            ctx.session,
            ctx.key,
            m,
            AGES[age],
            as_of,
            ctx.flt,
            published_from=since,
            published_until=until,
        )
        for m, age in pairs
    }


def item_lines(ranked: Mapping[Pair, Ranking]) -> list[ItemLine]:
    """Every item the rankings measured, with its value at each (metric, age) it reached."""
    base: dict[int, Any] = {}
    values: dict[int, dict[Pair, float]] = {}
    for pair, ranking in ranked.items():
        for item in ranking.items:
            base[item.publication_id] = item
            values.setdefault(item.publication_id, {})[pair] = item.value
    lines = [
        ItemLine(pid, it.content, it.channel, it.platform, it.kind, it.published_at, values[pid])
        for pid, it in base.items()
    ]
    return sorted(lines, key=lambda line: (line.published_at, line.publication_id))


def _pair_label(pair: Pair, lang: str) -> str:
    return f"{metric_label(pair[0], lang)} @ {pair[1]}"


def items_section(
    ctx: Context,
    lines: Sequence[ItemLine],
    ranked: Mapping[Pair, Ranking],
    week: tuple[datetime, datetime] | None,
) -> Section:
    """Every measured item with its values at equal ages: the workbook's list (too long for
    the page at national scale, which shows the top and bottom instead)."""
    nm = ctx.w("not_measured")
    pairs = list(ranked)
    columns = [
        Column(ctx.w("content"), width=22),
        Column(ctx.w("channel"), width=16),
        Column(ctx.w("platform"), width=10),
        Column(ctx.w("kind"), width=8),
        Column(ctx.w("published_at"), Fmt.TIME, 17),
    ]
    if week is not None:
        columns.append(Column(ctx.w("this_week"), width=10))
    columns += [Column(_pair_label(p, ctx.lang), Fmt.INT, 15) for p in pairs]
    rows: list[list[Any]] = []
    for line in lines:
        row: list[Any] = [line.content, line.channel, line.platform, line.kind, line.published_at]
        if week is not None:
            inside = week[0] <= line.published_at < week[1]
            row.append(ctx.w("yes") if inside else ctx.w("no"))
        row += [line.values.get(p, Missing(nm)) for p in pairs]
        rows.append(row)
    young = max((r.too_young for r in ranked.values()), default=0)
    unmeasured = max((r.unmeasured for r in ranked.values()), default=0)
    note = (
        f"So ở cùng độ tuổi sau khi đăng; {young} mục chưa đủ tuổi, {unmeasured} mục chưa được "
        "đo đến tuổi đó."
        if ctx.lang == "vi"
        else f"Compared at the same age after publication; {young} items too young, "
        f"{unmeasured} not measured that late yet."
    )
    return Section("items", ctx.w("items"), columns, rows, note=note, in_page=False)


def top_bottom(
    ctx: Context, lines: Sequence[ItemLine], age: str, pool_note: str, n: int = 5
) -> list[Section]:
    """The best and the weakest items by engagements at one age (equal age)."""
    pair = (RANK_BY, age)
    others = [(m, age) for m in SHOWN if m != RANK_BY]
    measured = [line for line in lines if pair in line.values]
    ordered = sorted(measured, key=lambda li: (-li.values[pair], li.published_at))
    columns = [
        Column(ctx.w("content"), width=22),
        Column(ctx.w("channel"), width=16),
        Column(ctx.w("kind"), width=8),
        Column(ctx.w("published_at"), Fmt.TIME, 17),
        Column(_pair_label(pair, ctx.lang), Fmt.INT, 15),
        *(Column(_pair_label(other, ctx.lang), Fmt.INT, 15) for other in others),
    ]
    nm = ctx.w("not_measured")

    def row(li: ItemLine) -> list[Any]:
        return [
            li.content,
            li.channel,
            li.kind,
            li.published_at,
            li.values[pair],
            *(li.values.get(other, Missing(nm)) for other in others),
        ]

    top = [row(li) for li in ordered[:n]]
    bottom = [row(li) for li in list(reversed(ordered))[:n]]
    return [
        Section("top", ctx.w("top"), columns, top, Chart("bar", ctx.w("top"), 0, (4,)), pool_note),
        Section("bottom", ctx.w("bottom"), columns, bottom, note=pool_note),
    ]


# --- definitions ----------------------------------------------------------------------------


def definitions_section(ctx: Context, kpis: Sequence[KpiScore]) -> Section:
    """Every metric of the vocabulary: label, definition, how it adds up, its platform names."""
    users: dict[str, list[str]] = {}
    for s in kpis:
        users.setdefault(s.metric, []).append(s.kpi)
    retired = {s.metric for s in kpis if is_retired_note(s)}
    columns = [
        Column(ctx.w("metric"), width=22),
        Column(ctx.w("label"), width=26),
        Column(ctx.w("definition"), width=60),
        Column(ctx.w("aggregation"), width=12),
        Column(ctx.w("sources"), width=60),
        Column(ctx.w("used_by"), width=24),
    ]
    rows: list[list[Any]] = []
    for name, term in TERMS.items():
        sources = "; ".join(ctx.sources.get(name, ()))
        if name in retired:
            sources = (sources + " — " if sources else "") + (
                "ngừng báo cáo giữa chiến dịch" if ctx.lang == "vi" else "stopped mid-campaign"
            )
        rows.append(
            [
                name,
                metric_label(name, ctx.lang),
                term.definition,
                str(term.aggregation),
                sources or ("Loa (lịch đăng)" if term.aggregation == "count" else ""),
                ", ".join(users.get(name, [])),
            ]
        )
    return Section("definitions", ctx.w("definitions"), columns, rows)
