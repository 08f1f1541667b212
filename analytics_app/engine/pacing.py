"""The value a KPI should have reached by a moment, on a pacing curve.

Linear (the default): the target times the share of the campaign's time elapsed.

Key dates (`pacing: key_dates`): the Action Month concentrates its communication around its key
dates (launch 15/11, 25/11, 10/12, close 15/12; `campaigns.keydates`), so more of the target is
expected on and just after them. Each day gets a weight: 1 on an ordinary day,
`KEY_DAY_WEIGHT` (3) on a key date and `AFTER_KEY_DAY_WEIGHT` (2) on the day after one (posts keep
gaining reach the next day); the expected share at a moment is the weight of the days elapsed,
the current day counted by the part of it elapsed, over the weight of all days.

Ratio KPIs expect the target itself at every moment.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from analytics_app.engine.kinds import is_ratio
from analytics_app.engine.scope import CampaignWindow
from campaigns.keydates import key_dates_between
from campaigns.timeutil import ensure_aware

KEY_DAY_WEIGHT = 3.0
AFTER_KEY_DAY_WEIGHT = 2.0


def linear_fraction(window: CampaignWindow, as_of: datetime) -> float:
    """Share of the campaign's time elapsed at `as_of`, within 0..1."""
    total = (window.ends - window.starts).total_seconds()
    done = (ensure_aware(as_of) - window.starts).total_seconds()
    return min(1.0, max(0.0, done / total))


def campaign_key_dates(window: CampaignWindow) -> list[date]:
    return [day for day, _ in key_dates_between(window.first_day, window.last_day)]


def day_weights(window: CampaignWindow, key_dates: Iterable[date]) -> dict[date, float]:
    """Weight of each campaign day on the key-date curve."""
    keys = set(key_dates)
    weights: dict[date, float] = {}
    day = window.first_day
    while day <= window.last_day:
        if day in keys:
            weights[day] = KEY_DAY_WEIGHT
        elif day - timedelta(days=1) in keys:
            weights[day] = AFTER_KEY_DAY_WEIGHT
        else:
            weights[day] = 1.0
        day += timedelta(days=1)
    return weights


def key_date_fraction(
    window: CampaignWindow, as_of: datetime, key_dates: Iterable[date] | None = None
) -> float:
    """Share of the target expected by `as_of` on the key-date curve, within 0..1."""
    moment = ensure_aware(as_of)
    if moment <= window.starts:
        return 0.0
    if moment >= window.ends:
        return 1.0
    weights = day_weights(
        window, campaign_key_dates(window) if key_dates is None else list(key_dates)
    )
    today = window.local_day(moment)
    done = sum(w for day, w in weights.items() if day < today)
    part_of_today = (moment - window.midnight(today)).total_seconds() / 86400.0
    done += weights[today] * part_of_today
    return done / sum(weights.values())


def expected_value(
    metric: str,
    target: float,
    pacing: str,
    window: CampaignWindow,
    as_of: datetime,
    key_dates: Iterable[date] | None = None,
) -> float:
    """What the KPI should stand at by `as_of` to reach `target` at the end."""
    if is_ratio(metric):
        return target
    if pacing == "key_dates":
        return target * key_date_fraction(window, as_of, key_dates)
    return target * linear_fraction(window, as_of)
