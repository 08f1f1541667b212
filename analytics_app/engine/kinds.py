"""How each vocabulary metric behaves over time, decided once from its aggregation.

Cumulative KPIs (sums and counts) grow through the campaign: they are paced and projected.
Ratio KPIs (rates, averages, audience shares) are levels: the target holds on every day, and the
best projection of a level is where it stands now.
"""

from campaigns.vocabulary import EXECUTION, TERMS, Aggregation

ENGAGEMENT_PARTS: tuple[str, ...] = ("reactions", "comments", "shares", "clicks")


def is_ratio(metric: str) -> bool:
    term = TERMS.get(metric)
    if term is None:
        return False
    return term.aggregation in (Aggregation.RATIO, Aggregation.SHARE, Aggregation.MEAN)


def is_execution(metric: str) -> bool:
    return metric in EXECUTION
