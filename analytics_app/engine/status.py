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
    if actual is None:
        return Verdict(Status.NO_DATA, f"No data: {no_data_reason}.")
    a, e, t = fmt(actual, metric), fmt(expected, metric), fmt(target, metric)
    if is_ratio(metric):
        # A level: now is both the expectation and the projection.
        if actual >= target:
            return Verdict(Status.ON_TRACK, f"{a} meets the target of {t}.")
        if actual >= AT_RISK_SHARE * target:
            return Verdict(
                Status.AT_RISK,
                f"{a} is below the target of {t} but within {AT_RISK_SHARE:.0%} of it.",
            )
        return Verdict(Status.BEHIND, f"{a} is below {AT_RISK_SHARE:.0%} of the target of {t}.")
    proj = projection if projection is not None else actual
    p = fmt(proj, metric)
    share = proj / target if target else 1.0
    if proj >= target:
        if actual >= expected:
            return Verdict(
                Status.ON_TRACK,
                f"{a} is at or above the {e} expected by now; the recent pace projects {p}, "
                f"reaching the target of {t}.",
            )
        return Verdict(
            Status.ON_TRACK,
            f"{a} is below the {e} expected by now, but the recent pace projects {p}, "
            f"reaching the target of {t}.",
        )
    if actual >= expected:
        return Verdict(
            Status.AT_RISK,
            f"{a} is at or above the {e} expected by now, but the recent pace projects only "
            f"{p} ({share:.0%} of the target of {t}).",
        )
    if proj >= AT_RISK_SHARE * target:
        return Verdict(
            Status.AT_RISK,
            f"{a} is below the {e} expected by now; the recent pace projects {p} "
            f"({share:.0%} of the target of {t}).",
        )
    return Verdict(
        Status.BEHIND,
        f"{a} is below the {e} expected by now; the recent pace projects only {p} "
        f"({share:.0%} of the target of {t}).",
    )
