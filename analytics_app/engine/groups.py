"""Publication groups: the few attributes a KPI filter can look at, so that one grouped query
answers every KPI's filter.

A KPI narrows by platform and unit (both follow from the channel), by content kind and by
audience. Grouping the campaign's publications by channel (and, only when some KPI filters on
them, by content kind and by the item's audience list) yields at most a few thousand groups; each
filter then keeps or drops whole groups in Python, instead of one SQL query per KPI.
"""

import copy
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from analytics_app.engine.scope import KpiFilter
from analytics_app.engine.tables import CHANNEL, CONTENT, PUB, UNIT


def group_columns(by_kind: bool, by_audience: bool) -> list[ColumnElement[Any]]:
    """The SQL group columns of publications grouped by channel, and optionally by content kind
    and audience list, in the order `Grouping.key` reads them back."""
    cols: list[ColumnElement[Any]] = [PUB.c.channel_id]
    if by_kind:
        cols.append(CONTENT.c.kind)
    if by_audience:
        # JSON cannot be grouped on PostgreSQL: the list's text is grouped instead.
        cols.append(cast(CONTENT.c.audiences, Text))
    return cols


@dataclass(frozen=True)
class GroupKey:
    """One group of publications; `kind`/`audiences` are None when not grouped by them."""

    channel_id: int
    kind: str | None = None
    audiences: frozenset[str] | None = None


@dataclass(frozen=True)
class ChannelInfo:
    platform: str
    unit_id: int | None
    unit_key: str | None
    key: str = ""


class Grouping:
    """How the campaign's publications are grouped for a set of KPI filters."""

    def __init__(
        self,
        session: Session,
        campaign_id: int,
        filters: Iterable[KpiFilter],
        *,
        by_kind: bool = False,
    ) -> None:
        wanted = list(filters)
        self.by_kind = by_kind or any(f.content_kinds for f in wanted)
        self.by_audience = any(f.audiences for f in wanted)
        self.channels: dict[int, ChannelInfo] = {
            cid: ChannelInfo(platform, unit_id, unit_key, key)
            for cid, platform, unit_id, unit_key, key in session.execute(
                select(
                    CHANNEL.c.id, CHANNEL.c.platform, CHANNEL.c.unit_id, UNIT.c.key, CHANNEL.c.key
                )
                .select_from(CHANNEL.outerjoin(UNIT, UNIT.c.id == CHANNEL.c.unit_id))
                .where(CHANNEL.c.campaign_id == campaign_id)
            )
        }
        self._matches: dict[tuple[KpiFilter, GroupKey], bool] = {}

    def with_kind(self) -> "Grouping":
        """The same grouping, also split by content kind (the channels are not read again)."""
        twin = copy.copy(self)
        twin.by_kind = True
        twin._matches = {}
        return twin

    @property
    def needs_content(self) -> bool:
        """Whether the grouped queries must join the content items."""
        return self.by_kind or self.by_audience

    def columns(self) -> list[ColumnElement[Any]]:
        """The SQL group columns, in the order `key` reads them back."""
        return group_columns(self.by_kind, self.by_audience)

    def key(self, values: Sequence[Any]) -> GroupKey:
        """The group of a result row whose first columns are `columns()`."""
        kind = values[1] if self.by_kind else None
        audiences = None
        if self.by_audience:
            text = values[2 if self.by_kind else 1]
            audiences = frozenset(json.loads(text) if text else ())
        return GroupKey(int(values[0]), kind, audiences)

    def matches(self, flt: KpiFilter, key: GroupKey) -> bool:
        """Whether the filter keeps the publications of this group."""
        found = self._matches.get((flt, key))
        if found is None:
            found = self._match(flt, key)
            self._matches[(flt, key)] = found
        return found

    def _match(self, flt: KpiFilter, key: GroupKey) -> bool:
        if flt.platforms or flt.units:
            channel = self.channels.get(key.channel_id)
            if channel is None:
                return False
            if flt.platforms and channel.platform not in flt.platforms:
                return False
            if flt.units and channel.unit_key not in flt.units:
                return False
        if flt.content_kinds and key.kind not in flt.content_kinds:
            return False
        # An item matches an audience filter when its audiences intersect the filter's.
        return not flt.audiences or bool(
            key.audiences and key.audiences.intersection(flt.audiences)
        )
