"""The request's deadline: how long one request may spend, and the read timeout of each
outbound call inside it.

**One deadline per request**, fixed on the handler's first line: the smallest of the config's
``timeouts.deadline_seconds``, the API's integration timeout (``API_INTEGRATION_TIMEOUT_MS``,
less the time the cold start already spent) and the function's remaining time, each less
:data:`DEADLINE_MARGIN_SECONDS` (kept to answer). Every outbound call -- the kill-switch read,
the quota reservation, ``Converse``, ``ApplyGuardrail``, ``InvokeEndpoint``, the fallback -- gets
a read timeout no longer than what is left of it (clients are chosen by timeout, see
``invoke_app``), retries and the fallback start only inside it, and when it is spent the caller
gets a 504 ``GatewayTimeout`` JSON error from the function, before API Gateway would give up.
A read timeout bounds each wait for bytes: ``Converse``, ``ApplyGuardrail`` and
``InvokeEndpoint`` answer in one piece, so it bounds the whole call; the read timeout leaves
room for the client's connect timeout (:func:`read_timeout_for`), so connect + read fit in what
is left.

:class:`_DeadlineSpent` is raised when less than :data:`MIN_CALL_SECONDS` is left for a call;
``gw_gateway`` and ``gw_serving`` turn it into the 504 (:func:`_deadline_error`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gw_common import HttpError

if TYPE_CHECKING:
    from gw_runtime import Runtime, _RequestState

__all__ = [
    "DEADLINE_MARGIN_SECONDS",
    "MIN_CALL_SECONDS",
    "PLATFORM_CONNECT_TIMEOUT_SECONDS",
    "PLATFORM_READ_TIMEOUT_SECONDS",
    "SETTLE_TIMEOUT_SECONDS",
    "UNAVAILABLE_RETRY_AFTER_SECONDS",
    "read_timeout_for",
]

UNAVAILABLE_RETRY_AFTER_SECONDS = 5
"""``Retry-After`` after a failed call that did not open the breaker."""
DEADLINE_MARGIN_SECONDS = 1.0
"""Time kept back from the Lambda timeout and the API's integration timeout to answer (and
settle the quota) once the deadline has passed."""
MIN_CALL_SECONDS = 0.1
"""No outbound call is started with less than this left of the deadline."""
PLATFORM_READ_TIMEOUT_SECONDS = 3.0
"""Read timeout of a kill-switch read or quota update when more than that is left."""
PLATFORM_CONNECT_TIMEOUT_SECONDS = 1.0
"""Connect timeout of the DynamoDB, SSM and KMS clients (less for short read timeouts)."""
SETTLE_TIMEOUT_SECONDS = 0.5
"""Read timeout of a synchronous settlement (a charge), spent from the margin if need be."""


class _DeadlineSpent(Exception):
    """The request's deadline passed before (or while) a call could complete."""


def _budget(runtime: Runtime, remaining_millis: int | None, spent_before_seconds: float) -> float:
    """Seconds this request may spend before answering (see the module documentation)."""
    budget = min(
        runtime.config.timeouts.deadline_seconds,
        runtime.settings.integration_timeout_ms / 1000
        - max(0.0, spent_before_seconds)
        - DEADLINE_MARGIN_SECONDS,
    )
    if remaining_millis is not None:
        budget = min(budget, remaining_millis / 1000 - DEADLINE_MARGIN_SECONDS)
    return max(0.0, budget)


def read_timeout_for(left: float, read_cap: float, connect_cap: float) -> float:
    """The read timeout of a call that must end within ``left`` seconds: ``read_cap``, or less
    so that a connect (at most ``min(connect_cap, left / 4)``; clients by timeout never connect
    longer than a quarter of their read timeout, see ``invoke_app.ClientsByTimeout``) plus the
    read still fit in ``left``."""
    return min(read_cap, left - min(connect_cap, left / 4))


def _left(runtime: Runtime, state: _RequestState, cap: float) -> float:
    """The read timeout of the next platform call (SSM, DynamoDB): at most ``cap``, and with its
    connect, at most what is left; raises :class:`_DeadlineSpent` when less than
    :data:`MIN_CALL_SECONDS` is left."""
    left = state.deadline - runtime.clock()
    if left < MIN_CALL_SECONDS:
        raise _DeadlineSpent()
    return read_timeout_for(left, cap, PLATFORM_CONNECT_TIMEOUT_SECONDS)


def _call_timeout(runtime: Runtime, state: _RequestState, deadline: float) -> float:
    """The read timeout of the next model call: the configured one, or less when less is left
    (``state.last_call_cut`` remembers which, to tell a deadline from a slow model)."""
    timeouts = runtime.config.timeouts
    left = deadline - runtime.clock()
    if left < MIN_CALL_SECONDS:
        raise _DeadlineSpent()
    read = read_timeout_for(left, timeouts.read_seconds, timeouts.connect_seconds)
    state.last_call_cut = read < timeouts.read_seconds
    return read


def _deadline_error(runtime: Runtime, state: _RequestState) -> HttpError:
    budget = round(state.deadline - state.started, 1)
    return HttpError(
        504,
        "GatewayTimeout",
        f"the request could not be completed within its deadline of {budget} s; retry, "
        "perhaps with a smaller max_tokens",
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)},
    )
