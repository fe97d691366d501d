"""Retries with exponential backoff and FULL jitter, inside a total deadline.

Attempt ``k`` (0-based) that fails retryably is followed by a sleep drawn uniformly from
``[0, min(max_delay, base_delay * 2**k)]`` ("full jitter": concurrent callers spread out instead
of retrying in lock-step). No sleep is started that would end past the deadline, and no attempt
is started after it. The clock, the sleep and the random source are parameters, so tests run
instantly and deterministically.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from gw_config import RetryPolicy

__all__ = ["DeadlineExceeded", "backoff_ceiling", "call_with_retry"]

T = TypeVar("T")


class DeadlineExceeded(Exception):
    """The request's total deadline passed before (another) attempt could start."""


def backoff_ceiling(policy: RetryPolicy, attempt: int) -> float:
    """The upper bound of the jittered sleep after failed attempt ``attempt`` (0-based)."""
    return float(min(policy.max_delay_seconds, policy.base_delay_seconds * (2**attempt)))


def call_with_retry(
    call: Callable[[], T],
    *,
    policy: RetryPolicy,
    deadline: float,
    is_retryable: Callable[[Exception], bool],
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    uniform: Callable[[float, float], float],
    on_retryable_failure: Callable[[Exception], None] | None = None,
) -> T:
    """Run ``call`` up to ``policy.max_attempts`` times while it fails retryably.

    ``deadline`` is an absolute ``clock()`` value. Raises :class:`DeadlineExceeded` when no
    attempt could start; otherwise the last exception when attempts or time run out.
    ``on_retryable_failure`` sees every retryable failure (to count throttles).
    """
    if clock() >= deadline:
        raise DeadlineExceeded("no time left for the first attempt")
    attempt = 0
    while True:
        try:
            return call()
        except Exception as exc:
            if not is_retryable(exc):
                raise
            if on_retryable_failure is not None:
                on_retryable_failure(exc)
            if attempt + 1 >= policy.max_attempts:
                raise
            delay = uniform(0.0, backoff_ceiling(policy, attempt))
            if clock() + delay >= deadline:
                raise
            sleep(delay)
            attempt += 1
