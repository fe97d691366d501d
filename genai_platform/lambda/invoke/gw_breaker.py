"""A circuit breaker per model target, so a failing model is not hammered.

CLOSED: calls go through; ``failure_threshold`` consecutive failures open the breaker.
OPEN: calls are refused (the gateway serves the fallback alias or answers 503) until
``open_seconds`` have passed. HALF-OPEN: exactly ONE probe call is let through; its success
closes the breaker, its failure opens it again for another ``open_seconds``.

The state lives in memory, per Lambda execution environment: each warm environment learns on
its own that a target is failing (at most ``failure_threshold`` failed calls each) and there is
no shared store on the request path to slow every call down or to fail itself. A cold start
begins CLOSED.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["CLOSED", "HALF_OPEN", "OPEN", "BreakerRegistry", "CircuitBreaker"]

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


@dataclass
class _State:
    name: str = CLOSED
    failures: int = 0
    opened_at: float = 0.0
    probe_in_flight: bool = False


class CircuitBreaker:
    """One target's breaker. ``clock`` is monotonic seconds (injected for tests)."""

    def __init__(
        self, failure_threshold: int, open_seconds: float, clock: Callable[[], float]
    ) -> None:
        if failure_threshold < 1 or open_seconds <= 0:
            raise ValueError(
                f"failure_threshold must be >= 1 (got {failure_threshold}) and open_seconds "
                f"> 0 (got {open_seconds})"
            )
        self._threshold = failure_threshold
        self._open_seconds = open_seconds
        self._clock = clock
        self._state = _State()
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half_open`` (an expired OPEN reads as ``half_open``)."""
        with self._lock:
            if self._state.name == OPEN and self._expired():
                return HALF_OPEN
            return self._state.name

    def allow(self) -> bool:
        """Whether a call may go out now. In HALF-OPEN, True for exactly one probe."""
        with self._lock:
            state = self._state
            if state.name == CLOSED:
                return True
            if state.name == OPEN:
                if not self._expired():
                    return False
                state.name = HALF_OPEN
                state.probe_in_flight = False
            if state.probe_in_flight:
                return False
            state.probe_in_flight = True
            return True

    def record_success(self) -> None:
        """The target answered: close the breaker."""
        with self._lock:
            self._state = _State()

    def record_failure(self) -> bool:
        """The target failed. Returns True when this failure OPENED the breaker."""
        with self._lock:
            state = self._state
            if state.name == HALF_OPEN:
                self._open()
                return True
            if state.name == OPEN:
                return False
            state.failures += 1
            if state.failures >= self._threshold:
                self._open()
                return True
            return False

    def release(self) -> None:
        """The call ended without telling whether the target is healthy (e.g. it is still
        waking from zero): let the next call probe again, without changing the state."""
        with self._lock:
            self._state.probe_in_flight = False

    def retry_after_seconds(self) -> int:
        """Seconds until the breaker lets a probe through (at least 1)."""
        with self._lock:
            if self._state.name != OPEN:
                return 1
            remaining = self._state.opened_at + self._open_seconds - self._clock()
            return max(1, math.ceil(remaining))

    def _expired(self) -> bool:
        return self._clock() >= self._state.opened_at + self._open_seconds

    def _open(self) -> None:
        self._state = _State(name=OPEN, failures=self._threshold, opened_at=self._clock())


class BreakerRegistry:
    """Breakers by target alias, created on first use with the same policy."""

    def __init__(
        self, failure_threshold: int, open_seconds: float, clock: Callable[[], float]
    ) -> None:
        self._threshold = failure_threshold
        self._open_seconds = open_seconds
        self._clock = clock
        self._breakers: dict[str, CircuitBreaker] = {}
        self._lock = threading.Lock()

    def for_target(self, alias: str) -> CircuitBreaker:
        """The breaker of ``alias``."""
        with self._lock:
            breaker = self._breakers.get(alias)
            if breaker is None:
                breaker = CircuitBreaker(self._threshold, self._open_seconds, self._clock)
                self._breakers[alias] = breaker
            return breaker
