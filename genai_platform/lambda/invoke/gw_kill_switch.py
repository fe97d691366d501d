"""The platform's kill switch: an SSM parameter that the cost controls set to ``on`` to stop
every chat and retrieval (503 ``ServiceDisabled``, see ``gw_chat`` and ``gw_retrieve_route``).

It is read through a stale-while-error cache (:class:`KillSwitchCache`) inside the request's
deadline, and fails OPEN (:func:`kill_switch_engaged`). The tenants' own switches, set by the cost
guard for a tenant budget, live in ``gw_cost``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from gw_deadline import PLATFORM_READ_TIMEOUT_SECONDS, _left

if TYPE_CHECKING:
    from gw_runtime import Runtime, _RequestState

__all__ = [
    "KILL_SWITCH_ERROR_BACKOFF_SECONDS",
    "KILL_SWITCH_MAX_AGE_SECONDS",
    "KILL_SWITCH_MAX_STALE_SECONDS",
    "KILL_SWITCH_RETRY_AFTER_SECONDS",
    "KillSwitchCache",
    "kill_switch_engaged",
]

KILL_SWITCH_RETRY_AFTER_SECONDS = 300
"""``Retry-After`` while the kill switch is on."""
KILL_SWITCH_MAX_AGE_SECONDS = 10.0
"""How long a kill-switch value read from SSM is used before it is read again."""
KILL_SWITCH_ERROR_BACKOFF_SECONDS = 10.0
"""After a failed kill-switch read, how long no request tries SSM again."""
KILL_SWITCH_MAX_STALE_SECONDS = 300.0
"""How long the last value read is used while SSM keeps failing; after that, serve (fail open)."""


class KillSwitchCache:
    """The last kill-switch value, stale-while-error.

    A value read from SSM is used for :data:`KILL_SWITCH_MAX_AGE_SECONDS`. A failed read is
    not retried for :data:`KILL_SWITCH_ERROR_BACKOFF_SECONDS` (so a failing SSM costs one call
    per environment per backoff, not one per request); meanwhile the last value read is used
    while it is younger than :data:`KILL_SWITCH_MAX_STALE_SECONDS`, and after that (or when
    nothing was ever read) the gateway serves: the switch is a cost control, and an SSM outage
    must not take every product down.
    """

    def __init__(self) -> None:
        self.value: str | None = None
        self.read_at = 0.0
        self.failed_at: float | None = None

    def current(self, now: float, read: Callable[[], str]) -> tuple[str | None, Exception | None]:
        """The value to act on (None: unknown, serve) and the read error, if one happened."""
        if self.value is not None and now - self.read_at < KILL_SWITCH_MAX_AGE_SECONDS:
            return self.value, None
        if self.failed_at is not None and now - self.failed_at < KILL_SWITCH_ERROR_BACKOFF_SECONDS:
            return self._stale(now), None
        try:
            value = read()
        except Exception as exc:
            self.failed_at = now
            return self._stale(now), exc
        self.value, self.read_at, self.failed_at = str(value), now, None
        return self.value, None

    def _stale(self, now: float) -> str | None:
        if self.value is not None and now - self.read_at <= KILL_SWITCH_MAX_STALE_SECONDS:
            return self.value
        return None


def kill_switch_engaged(runtime: Runtime, state: _RequestState | None = None) -> bool:
    """True when the kill-switch parameter reads ``on`` (see :class:`KillSwitchCache`).

    Fails OPEN: if the parameter cannot be read, the gateway keeps serving (and logs it) -- the
    switch is a cost control, and an SSM hiccup must not take every product down.
    """

    timeout = PLATFORM_READ_TIMEOUT_SECONDS
    if state is not None:
        timeout = _left(runtime, state, PLATFORM_READ_TIMEOUT_SECONDS)
    value, error = runtime.kill_switch_cache.current(
        runtime.clock(), lambda: runtime.kill_switch(timeout)
    )
    if error is not None:
        runtime.logger.warning(
            "kill switch unreadable; serving with the last value read, if any",
            extra={"error_type": type(error).__name__, "last_value": str(value)[:16]},
        )
    if value is None:
        return False
    normalized = str(value).strip().lower()
    if normalized not in ("on", "off"):
        runtime.logger.warning(
            "kill switch has an unexpected value; serving", extra={"value": str(value)[:16]}
        )
    return normalized == "on"
