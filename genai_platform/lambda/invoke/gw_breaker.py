"""Circuit breakers, so a failing model is not hammered -- and one tenant cannot switch a
model off for everyone.

Every call passes two breakers (:class:`CallBreakers`):

- the tenant's own breaker for that target, fed by every failure of that tenant's calls that
  is not the caller's fault in the narrow sense of a 4xx: server errors, malformed answers,
  connection failures, throttling that outlasted the retries, and read timeouts (which a caller
  can provoke with a large ``max_tokens`` on a slow model: so they only ever open the
  caller's own breaker);
- the target's shared breaker, fed only by failures that show the TARGET is unhealthy
  (:data:`SHARED_FAILURES`: server errors, malformed answers, connection failures) and that
  opens only when its consecutive failures came from at least ``min_tenants`` different
  tenants. A single tenant's traffic, however bad, can open its own breaker but never the
  shared one, so it never turns the model off for another tenant.

A success from anyone closes the shared breaker (the target answered); a success of a tenant
closes that tenant's own. Validation rejections (4xx) count as successes: the target is
healthy and answered.

CLOSED: calls go through; ``failure_threshold`` consecutive failures open the breaker.
OPEN: calls are refused (the gateway serves the fallback alias or answers 503) until
``open_seconds`` have passed. HALF-OPEN: exactly ONE probe call is let through; its success
closes the breaker, its failure opens it again for another ``open_seconds``.

The state of each breaker lives in memory, per Lambda execution environment: each warm
environment learns on its own that a target is failing (at most ``failure_threshold`` failed
calls each) and there is no shared store on the request path to slow every call down or to fail
itself. A cold start begins CLOSED.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "CLOSED",
    "HALF_OPEN",
    "OPEN",
    "SHARED_FAILURES",
    "BreakerRegistry",
    "CallBreakers",
    "CircuitBreaker",
]

SHARED_FAILURES = frozenset({"failed", "connection"})
"""Failure kinds (see ``gw_targets.classify_error``) that count toward a target's shared
breaker: the target erred or could not be reached. Timeouts and throttling do not."""

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


@dataclass
class _State:
    name: str = CLOSED
    failures: int = 0
    opened_at: float = 0.0
    probe_in_flight: bool = False
    tenants: set[str] = field(default_factory=set)


class CircuitBreaker:
    """One target's breaker. ``clock`` is monotonic seconds (injected for tests)."""

    def __init__(
        self,
        failure_threshold: int,
        open_seconds: float,
        clock: Callable[[], float],
        *,
        min_tenants: int = 1,
    ) -> None:
        if failure_threshold < 1 or open_seconds <= 0 or min_tenants < 1:
            raise ValueError(
                f"failure_threshold must be >= 1 (got {failure_threshold}), open_seconds "
                f"> 0 (got {open_seconds}) and min_tenants >= 1 (got {min_tenants})"
            )
        self._min_tenants = min_tenants
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

    def record_failure(self, tenant: str = "") -> bool:
        """The target failed for ``tenant``. Returns True when this failure OPENED the breaker:
        ``failure_threshold`` consecutive failures from at least ``min_tenants`` tenants (a
        failed half-open probe re-opens it)."""
        with self._lock:
            state = self._state
            if state.name == HALF_OPEN:
                self._open()
                return True
            if state.name == OPEN:
                return False
            state.failures += 1
            if len(state.tenants) < self._min_tenants:
                state.tenants.add(tenant)
            if state.failures >= self._threshold and len(state.tenants) >= self._min_tenants:
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


class CallBreakers:
    """The two breakers one call passes: the target's shared one and the tenant's own."""

    def __init__(self, shared: CircuitBreaker, own: CircuitBreaker, tenant: str) -> None:
        self.shared = shared
        self.own = own
        self._tenant = tenant

    def allow(self) -> bool:
        """Whether the call may go out (both breakers let it through)."""
        if not self.shared.allow():
            return False
        if not self.own.allow():
            self.shared.release()
            return False
        return True

    def record_success(self) -> None:
        """The target answered: both close."""
        self.shared.record_success()
        self.own.record_success()

    def record_failure(self, kind: str) -> bool:
        """A failure of ``kind``; True when it opened either breaker."""
        opened = self.own.record_failure(self._tenant)
        if kind in SHARED_FAILURES:
            opened = self.shared.record_failure(self._tenant) or opened
        else:
            self.shared.release()
        return opened

    def release(self) -> None:
        """No verdict on the target's health."""
        self.shared.release()
        self.own.release()

    @property
    def state(self) -> str:
        """``open`` when either is open, else ``half_open`` when either is, else ``closed``."""
        states = {self.shared.state, self.own.state}
        return OPEN if OPEN in states else HALF_OPEN if HALF_OPEN in states else CLOSED

    def retry_after_seconds(self) -> int:
        """Seconds until both let a probe through (at least 1)."""
        return max(self.shared.retry_after_seconds(), self.own.retry_after_seconds())


class BreakerRegistry:
    """Breakers created on first use with the same policy: one shared per target alias, one per
    (tenant, target alias). Memory: a few hundred bytes per pair actually used."""

    def __init__(
        self,
        failure_threshold: int,
        open_seconds: float,
        clock: Callable[[], float],
        *,
        min_tenants: int = 2,
    ) -> None:
        self._threshold = failure_threshold
        self._open_seconds = open_seconds
        self._clock = clock
        self._min_tenants = min_tenants
        self._breakers: dict[tuple[str, str], CircuitBreaker] = {}
        self._lock = threading.Lock()

    def for_target(self, alias: str) -> CircuitBreaker:
        """The shared breaker of ``alias``."""
        return self._get(("", alias), self._min_tenants)

    def for_tenant(self, tenant: str, alias: str) -> CircuitBreaker:
        """``tenant``'s own breaker for ``alias``."""
        return self._get((tenant, alias), 1)

    def for_call(self, tenant: str, alias: str) -> CallBreakers:
        """Both breakers a call of ``tenant`` to ``alias`` passes."""
        return CallBreakers(self.for_target(alias), self.for_tenant(tenant, alias), tenant)

    def _get(self, key: tuple[str, str], min_tenants: int) -> CircuitBreaker:
        with self._lock:
            breaker = self._breakers.get(key)
            if breaker is None:
                breaker = CircuitBreaker(
                    self._threshold, self._open_seconds, self._clock, min_tenants=min_tenants
                )
                self._breakers[key] = breaker
            return breaker
