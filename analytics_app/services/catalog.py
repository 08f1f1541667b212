"""Which campaigns exist and what the filters can choose from (units within the viewer's scope)."""

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Text, cast, select
from sqlmodel import Session, col

from analytics_app.engine.tables import CAMPAIGN, CHANNEL, CONTENT, UNIT
from campaigns.models import Campaign, Objective

OBJECTIVE = Objective.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CampaignInfo:
    key: str
    name: str
    name_en: str
    starts: date
    ends: date
    timezone: str

    def title(self, lang: str) -> str:
        return (self.name_en or self.name) if lang == "en" else self.name


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    label_en: str = ""

    def title(self, lang: str) -> str:
        return (self.label_en or self.label) if lang == "en" else self.label


@dataclass(frozen=True)
class FilterOptions:
    platforms: tuple[str, ...]
    units: tuple[Choice, ...]
    objectives: tuple[Choice, ...]
    audiences: tuple[str, ...]


def campaigns(session: Session) -> list[CampaignInfo]:
    """Every imported campaign, newest first."""
    rows = session.execute(
        select(Campaign).order_by(col(Campaign.starts).desc(), col(Campaign.key))
    ).scalars()
    return [CampaignInfo(c.key, c.name, c.name_en, c.starts, c.ends, c.timezone) for c in rows]


def filter_options(
    session: Session, campaign_key: str, units: frozenset[str] | None
) -> FilterOptions:
    """What each filter may choose in the campaign; units only those the viewer sees."""
    campaign = session.execute(select(CAMPAIGN.c.id).where(CAMPAIGN.c.key == campaign_key)).scalar()
    if campaign is None:
        return FilterOptions((), (), (), ())
    platforms = session.execute(
        select(CHANNEL.c.platform).where(CHANNEL.c.campaign_id == campaign).distinct()
    ).scalars()
    unit_rows = session.execute(
        select(UNIT.c.key, UNIT.c.name).where(UNIT.c.campaign_id == campaign).order_by(UNIT.c.key)
    ).all()
    objective_rows = session.execute(
        select(OBJECTIVE.c.key, OBJECTIVE.c.title, OBJECTIVE.c.title_en)
        .where(OBJECTIVE.c.campaign_id == campaign)
        .order_by(OBJECTIVE.c.position, OBJECTIVE.c.key)
    ).all()
    # Distinct audience lists (as stored), not every item's: a campaign has tens of thousands
    # of items but a handful of lists.
    audiences: set[str] = set()
    for text in session.execute(
        select(cast(CONTENT.c.audiences, Text)).where(CONTENT.c.campaign_id == campaign).distinct()
    ).scalars():
        audiences.update(json.loads(text) if text else ())
    return FilterOptions(
        platforms=tuple(sorted(set(platforms))),
        units=tuple(Choice(k, n) for k, n in unit_rows if units is None or k in units),
        objectives=tuple(Choice(k, t, te) for k, t, te in objective_rows),
        audiences=tuple(sorted(audiences)),
    )
