"""The app's filters as a value: campaign, date range, platform, unit, objective, audience.

They travel in the URL (`to_params` / `from_params`) so that a manager can send a link, and they
narrow what services read together with the viewer's unit scope (`Scope`): a viewer bound to a
unit never reads another unit, whatever the URL says.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from analytics_app.engine.moment import end_of_day
from analytics_app.engine.scope import KpiFilter, narrow

__all__ = ["PARAMS", "Filters", "Scope", "narrow"]

PARAMS = ("campaign", "from", "to", "platform", "unit", "objective", "audience")


@dataclass(frozen=True)
class Filters:
    """What the viewer chose; None means "all"."""

    campaign: str | None = None
    start: date | None = None
    end: date | None = None
    platform: str | None = None
    unit: str | None = None
    objective: str | None = None
    audience: str | None = None

    def to_params(self) -> dict[str, str]:
        """The URL's query parameters (only those set)."""
        values = {
            "campaign": self.campaign,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "platform": self.platform,
            "unit": self.unit,
            "objective": self.objective,
            "audience": self.audience,
        }
        return {k: v for k, v in values.items() if v}

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "Filters":
        """Filters from query parameters; a malformed date is ignored, not an error."""

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(params.get(name, "") or "")
            except ValueError:
                return None

        def text(name: str) -> str | None:
            value = (params.get(name) or "").strip()
            return value or None

        return cls(
            campaign=text("campaign"),
            start=day("from"),
            end=day("to"),
            platform=text("platform"),
            unit=text("unit"),
            objective=text("objective"),
            audience=text("audience"),
        )

    def with_unit(self, unit: str | None) -> "Filters":
        return replace(self, unit=unit)

    def as_of(self, now: datetime, zone: ZoneInfo) -> datetime:
        """The moment the numbers are read at: the end of the range's last day (campaign
        zone), or `now` when that is earlier or no end is chosen. `now` is the default moment
        (`engine.moment.default_as_of`: the campaign's end once it is over)."""
        if self.end is None:
            return now
        return min(now, end_of_day(self.end, zone))

    def describe(self) -> dict[str, str]:
        """The filters in force, for an export's context."""
        out = self.to_params()
        return {k: out.get(k, "") for k in PARAMS}


@dataclass(frozen=True)
class Scope:
    """What one request may read: the campaign, the units (None: every unit) and the filters.

    `units` comes from the signed-in identity, never from the URL."""

    campaign: str
    units: frozenset[str] | None
    filters: Filters

    @property
    def unit_keys(self) -> tuple[str, ...]:
        """The units to narrow to: the chosen unit when the viewer may see it, else the
        viewer's own units; () for every unit."""
        chosen = self.filters.unit
        if self.units is None:
            return (chosen,) if chosen else ()
        if chosen and chosen in self.units:
            return (chosen,)
        return tuple(sorted(self.units))

    @property
    def restricted(self) -> bool:
        """Whether some narrowing (units, platform, audience) applies to the numbers."""
        return bool(self.unit_keys or self.filters.platform or self.filters.audience)

    def kpi_filter(self) -> KpiFilter:
        """The narrowing as an engine filter (platform, units, audience)."""
        f = self.filters
        return KpiFilter(
            platforms=(f.platform,) if f.platform else (),
            units=self.unit_keys,
            audiences=(f.audience,) if f.audience else (),
        )

    def sees(self, unit_key: str | None) -> bool:
        """Whether a row of `unit_key` may be shown under this scope."""
        keys = self.unit_keys
        if not keys:
            return True
        return unit_key in keys
