"""A part's target: what a unit, a platform or an audience is judged against.

One rule for the app, the reports and `loa scorecard`: a narrowed part's target is its share of
the campaign target, the share of the KPI's planned publications that fall in the part. The plan
is the commitment each unit made in the campaign file, so the parts' targets add up to the
campaign's (a province is not judged against the national reach). Rates and shares are levels:
each part keeps the target. A count of active units is capped at the units in the part.
"""

from analytics_app.engine.execution import ExecutionFacts
from analytics_app.engine.kinds import is_ratio
from analytics_app.engine.scope import KpiFilter


def target_share(
    execution: ExecutionFacts, metric: str, own: KpiFilter, part: KpiFilter, target: float
) -> float:
    """The share (0..1) of a KPI's target that `part` (the KPI's own filter `own` narrowed) is
    judged against; `execution` must count both filters."""
    if is_ratio(metric) or own == part:
        return 1.0
    if metric == "active_units":
        if not part.units or not target:
            return 1.0
        return min(target, float(len(part.units))) / target
    planned = execution.total(own).planned
    if not planned:
        return 0.0
    return execution.total(part).planned / planned
