"""Which campaign, which time window, and which publications a KPI speaks about.

A KPI's filters (platforms, units, content kinds, audiences) narrow the campaign's publications.
Channels and content items are few (hundreds), so the filters are resolved into id lists here;
the metric rows (millions) are then aggregated in the database with `channel_id IN (...)` and
`content_id IN (...)` conditions that read the same on SQLite and PostgreSQL.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from analytics_app.engine.tables import CAMPAIGN, CHANNEL, CONTENT, PUB, UNIT
from campaigns.errors import UserError
from campaigns.models import Campaign, Kpi
from campaigns.timeutil import ensure_aware


@dataclass(frozen=True)
class CampaignWindow:
    """A campaign's identity and its time window: from the first day's midnight to the midnight
    after the last day, in the campaign's zone (`ends` is inclusive in campaign files)."""

    campaign_id: int
    key: str
    zone: ZoneInfo
    first_day: date
    last_day: date

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=self.zone)

    @property
    def ends(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=self.zone)

    def local_day(self, moment: datetime) -> date:
        return ensure_aware(moment).astimezone(self.zone).date()

    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.zone)


# What a CampaignWindow is made of, in `window_of`'s order (leading columns of a select).
WINDOW_COLUMNS: tuple[Any, ...] = (
    col(Campaign.id),
    col(Campaign.key),
    col(Campaign.timezone),
    col(Campaign.starts),
    col(Campaign.ends),
)


def window_of(row: Sequence[Any]) -> CampaignWindow:
    """The window of a result row whose first columns are `WINDOW_COLUMNS`."""
    campaign_id, key, timezone, starts, ends = row[: len(WINDOW_COLUMNS)]
    return CampaignWindow(campaign_id, key, ZoneInfo(timezone), starts, ends)


def load_window(session: Session, campaign_key: str) -> CampaignWindow:
    """The campaign called `campaign_key`; UserError naming the known keys when there is none."""
    row = session.execute(select(*WINDOW_COLUMNS).where(col(Campaign.key) == campaign_key)).first()
    if row is None:
        raise_unknown(session, campaign_key)
    return window_of(row)


def raise_unknown(session: Session, campaign_key: str) -> NoReturn:
    """UserError: no campaign is called `campaign_key` (naming the known keys)."""
    known = session.execute(select(CAMPAIGN.c.key).order_by(CAMPAIGN.c.key)).scalars().all()
    hint = f" (known: {', '.join(known)})" if known else " (none imported)"
    raise UserError(f"no campaign with key {campaign_key!r}{hint}")


@dataclass(frozen=True)
class KpiFilter:
    """A KPI's narrowing; an empty tuple means "no restriction" on that axis."""

    platforms: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    content_kinds: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()

    @classmethod
    def of(cls, kpi: Kpi) -> "KpiFilter":
        return cls(
            tuple(kpi.platforms or ()),
            tuple(kpi.units or ()),
            tuple(kpi.content_kinds or ()),
            tuple(kpi.audiences or ()),
        )

    def as_dict(self) -> dict[str, list[str]]:
        return {
            name: list(values)
            for name, values in (
                ("platforms", self.platforms),
                ("units", self.units),
                ("content_kinds", self.content_kinds),
                ("audiences", self.audiences),
            )
            if values
        }


def narrow(base: KpiFilter, extra: KpiFilter) -> KpiFilter | None:
    """Both filters at once; None when they exclude each other (e.g. a YouTube KPI under a
    Facebook filter)."""

    def axis(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...] | None:
        if not b:
            return a
        if not a:
            return b
        both = tuple(x for x in a if x in b)
        return both or None

    platforms = axis(base.platforms, extra.platforms)
    units = axis(base.units, extra.units)
    kinds = axis(base.content_kinds, extra.content_kinds)
    audiences = axis(base.audiences, extra.audiences)
    if platforms is None or units is None or kinds is None or audiences is None:
        return None
    return KpiFilter(platforms, units, kinds, audiences)


def _matching_channels(session: Session, campaign_id: int, flt: KpiFilter) -> list[int]:
    # A publication belongs to the unit that owns the channel it goes out on.
    rows = session.execute(
        select(CHANNEL.c.id, CHANNEL.c.platform, UNIT.c.key)
        .select_from(CHANNEL.outerjoin(UNIT, UNIT.c.id == CHANNEL.c.unit_id))
        .where(CHANNEL.c.campaign_id == campaign_id)
    ).all()
    return [
        cid
        for cid, platform, unit in rows
        if (not flt.platforms or platform in flt.platforms) and (not flt.units or unit in flt.units)
    ]


def _matching_content(session: Session, campaign_id: int, flt: KpiFilter) -> list[int]:
    # An item matches an audience filter when its audiences intersect the filter's.
    rows = session.execute(
        select(CONTENT.c.id, CONTENT.c.kind, CONTENT.c.audiences).where(
            CONTENT.c.campaign_id == campaign_id
        )
    ).all()
    wanted = set(flt.audiences)
    return [
        cid
        for cid, kind, audiences in rows
        if (not flt.content_kinds or kind in flt.content_kinds)
        and (not wanted or wanted.intersection(audiences or ()))
    ]


def publication_conditions(
    session: Session, campaign_id: int, flt: KpiFilter
) -> Sequence[ColumnElement[bool]]:
    """WHERE conditions on `Publication` selecting the campaign's publications the filter keeps."""
    conds: list[ColumnElement[bool]] = [PUB.c.campaign_id == campaign_id]
    if flt.platforms or flt.units:
        conds.append(PUB.c.channel_id.in_(_matching_channels(session, campaign_id, flt)))
    if flt.content_kinds or flt.audiences:
        conds.append(PUB.c.content_id.in_(_matching_content(session, campaign_id, flt)))
    return conds
