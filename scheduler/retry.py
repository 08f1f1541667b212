"""When to try a publication again after a transient failure.

Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
the n-th wait is uniform in [0, min(cap, base * 2**(n-1))], so workers that failed together do
not come back together. After `max_attempts` transient failures the publication fails.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from campaigns.settings import Settings

# Pause before reconciling an unknown outcome: lets the platform finish what it may have started.
RECONCILE_DELAY = timedelta(seconds=2)
# How far before the first attempt the reconciliation search starts (clock skew between hosts).
RECONCILE_MARGIN = timedelta(minutes=5)


@dataclass
class RetryPolicy:
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(minutes=15)
    max_attempts: int = 5
    rng: random.Random = field(default_factory=random.Random)
    # Zero: one look proves absence (tests that script the platform). Otherwise absence needs a
    # second look at least this long after the call (see scheduler/reconcile.py).
    settle: timedelta = timedelta(0)

    @classmethod
    def from_settings(cls, settings: Settings, rng: random.Random | None = None) -> "RetryPolicy":
        return cls(
            base=timedelta(seconds=settings.retry_base_seconds),
            cap=timedelta(seconds=settings.retry_cap_seconds),
            max_attempts=settings.max_attempts,
            rng=rng or random.Random(),
            settle=timedelta(seconds=settings.reconcile_settle_seconds),
        )

    def ceiling(self, failures: int) -> timedelta:
        """The longest wait after the `failures`-th failure (1-based), before jitter."""
        exponent = min(max(failures, 1) - 1, 40)  # 2**40 * base is past any cap
        return min(self.cap, self.base * (2**exponent))

    def backoff(self, failures: int) -> timedelta:
        """The wait after the `failures`-th transient failure: full jitter under the ceiling."""
        return self.ceiling(failures) * self.rng.random()

    def exhausted(self, failures: int) -> bool:
        """True when `failures` transient failures mean: stop and fail the publication."""
        return failures >= self.max_attempts
