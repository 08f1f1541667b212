"""Backoff with full jitter: bounded by an exponential ceiling and a cap, and spread out."""

from datetime import timedelta
from random import Random

from campaigns.settings import Settings
from scheduler.retry import RetryPolicy


def _policy(seed: int = 3) -> RetryPolicy:
    return RetryPolicy(
        base=timedelta(seconds=30), cap=timedelta(minutes=10), max_attempts=4, rng=Random(seed)
    )


def test_ceiling_doubles_up_to_the_cap() -> None:
    policy = _policy()
    assert [policy.ceiling(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]
    assert policy.ceiling(500) == timedelta(minutes=10)


def test_backoff_stays_under_the_ceiling_and_is_jittered() -> None:
    policy = _policy()
    waits = [policy.backoff(3) for _ in range(200)]
    assert all(timedelta(0) <= w <= timedelta(seconds=120) for w in waits)
    assert len({w for w in waits}) > 150  # workers failing together do not return together
    assert min(waits) < timedelta(seconds=30) < max(waits)


def test_same_seed_same_waits() -> None:
    assert [_policy(5).backoff(2) for _ in range(3)] == [_policy(5).backoff(2) for _ in range(3)]


def test_exhausted_after_max_attempts() -> None:
    policy = _policy()
    assert [policy.exhausted(n) for n in (1, 3, 4, 5)] == [False, False, True, True]


def test_policy_from_settings() -> None:
    policy = RetryPolicy.from_settings(
        Settings(retry_base_seconds=5, retry_cap_seconds=20, max_attempts=2)
    )
    assert (policy.base, policy.cap, policy.max_attempts) == (
        timedelta(seconds=5),
        timedelta(seconds=20),
        2,
    )
