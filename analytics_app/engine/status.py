"""A KPI's status, with the reason in words a manager reads.

- on track: the projection reaches the target (ahead of the pacing curve or not);
- at risk: the projection falls short but reaches at least `AT_RISK_SHARE` (80 %) of the
  target, or the actual is at or above what the pacing curve expects by now while the
  projection falls short (ahead of the curve today, yet the recent pace will not carry it:
  actual 3, projection 3, target 5 is not on track);
- behind: otherwise;
- no data: nothing is measured yet (the reason says why), so nothing can be judged.
"""

from dataclasses import dataclass
from enum import StrEnum

from analytics_app.engine.kinds import is_ratio
from campaigns.vocabulary import TERMS

AT_RISK_SHARE = 0.8


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BEHIND = "behind"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str


def fmt(value: float, metric: str) -> str:
    """A number as people read it, with its unit: `55.0 %` for rates and shares, `6,000 h`
    and `42.5 s` for durations, whole numbers for counts (there is no 7.74th post)."""
    term = TERMS.get(metric)
    unit = term.unit if term is not None else ""
    if unit == "%":
        return f"{value * 100:.1f} %"
    if unit in ("h", "s"):
        digits = 0 if abs(value) >= 100 or float(value).is_integer() else 1
        return f"{value:,.{digits}f} {unit}"
    if term is None and not float(value).is_integer() and abs(value) < 100:
        return f"{value:,.2f}"  # a metric the vocabulary does not know: keep its precision
    return f"{round(value):,}"


class Case(StrEnum):
    """Which of the reasons applies: one verdict, worded by the engine (English) and by the
    app's catalogue (Vietnamese) from the same case, never re-derived from the status."""

    NO_DATA = "no_data"
    LEVEL_MET = "level_met"  # a rate or share at or above its target
    LEVEL_NEAR = "level_near"  # below, within AT_RISK_SHARE of it
    LEVEL_SHORT = "level_short"  # below AT_RISK_SHARE of it
    AHEAD_REACHES = "ahead_reaches"  # at/above the curve, projected to reach the target
    BELOW_REACHES = "below_reaches"  # below the curve, yet projected to reach it
    AHEAD_SHORT = "ahead_short"  # at/above the curve, but projected short
    BELOW_NEAR = "below_near"  # below the curve, projected within AT_RISK_SHARE
    BELOW_SHORT = "below_short"  # below the curve, projected below AT_RISK_SHARE


STATUS_OF: dict[Case, Status] = {
    Case.NO_DATA: Status.NO_DATA,
    Case.LEVEL_MET: Status.ON_TRACK,
    Case.LEVEL_NEAR: Status.AT_RISK,
    Case.LEVEL_SHORT: Status.BEHIND,
    Case.AHEAD_REACHES: Status.ON_TRACK,
    Case.BELOW_REACHES: Status.ON_TRACK,
    Case.AHEAD_SHORT: Status.AT_RISK,
    Case.BELOW_NEAR: Status.AT_RISK,
    Case.BELOW_SHORT: Status.BEHIND,
}


def case_of(
    metric: str, target: float, actual: float | None, expected: float, projection: float | None
) -> Case:
    """The reason's case from a KPI's numbers (those a `KpiScore` carries)."""
    if actual is None:
        return Case.NO_DATA
    if is_ratio(metric):
        # A level: now is both the expectation and the projection.
        if actual >= target:
            return Case.LEVEL_MET
        return Case.LEVEL_NEAR if actual >= AT_RISK_SHARE * target else Case.LEVEL_SHORT
    proj = projection if projection is not None else actual
    if proj >= target:
        return Case.AHEAD_REACHES if actual >= expected else Case.BELOW_REACHES
    if actual >= expected:
        return Case.AHEAD_SHORT
    return Case.BELOW_NEAR if proj >= AT_RISK_SHARE * target else Case.BELOW_SHORT


def judge(
    metric: str,
    target: float,
    actual: float | None,
    expected: float,
    projection: float | None,
    *,
    no_data_reason: str = "nothing measured yet",
) -> Verdict:
    """The status of one KPI and why."""
    case = case_of(metric, target, actual, expected, projection)
    if actual is None:
        return Verdict(Status.NO_DATA, f"No data: {no_data_reason}.")
    a, e, t = fmt(actual, metric), fmt(expected, metric), fmt(target, metric)
    proj = projection if projection is not None else actual
    p = fmt(proj, metric)
    share = proj / target if target else 1.0
    words = {
        Case.LEVEL_MET: f"{a} meets the target of {t}.",
        Case.LEVEL_NEAR: f"{a} is below the target of {t} but within {AT_RISK_SHARE:.0%} of it.",
        Case.LEVEL_SHORT: f"{a} is below {AT_RISK_SHARE:.0%} of the target of {t}.",
        Case.AHEAD_REACHES: f"{a} is at or above the {e} expected by now; the recent pace "
        f"projects {p}, reaching the target of {t}.",
        Case.BELOW_REACHES: f"{a} is below the {e} expected by now, but the recent pace "
        f"projects {p}, reaching the target of {t}.",
        Case.AHEAD_SHORT: f"{a} is at or above the {e} expected by now, but the recent pace "
        f"projects only {p} ({share:.0%} of the target of {t}).",
        Case.BELOW_NEAR: f"{a} is below the {e} expected by now; the recent pace projects {p} "
        f"({share:.0%} of the target of {t}).",
        Case.BELOW_SHORT: f"{a} is below the {e} expected by now; the recent pace projects "
        f"only {p} ({share:.0%} of the target of {t}).",
    }
    return Verdict(STATUS_OF[case], words[case])
