"""Monthly per-tenant token quota in DynamoDB: reserve before the model call, settle after.

One item per tenant and UTC month: ``pk = "<tenant>#<YYYY-MM>"``, ``tokens_used`` (N).

**Reservation** is ONE conditional ``UpdateItem``: ``ADD tokens_used :n`` if the item is new or
``tokens_used <= limit - n``, so DynamoDB serializes concurrent requests near the limit and at
most the ones that fit get through; there is no read-then-write window. What is reserved is an
upper bound of what the request can consume (``ChatRequest.input_token_bound`` + ``max_tokens``),
so no mix of scripts and concurrency ends over the quota. When the full ``max_tokens`` does not
fit, ``max_tokens`` is CAPPED to what remains (the failed condition returns the item, so the
remaining room is known without another read) and the reservation retried; :class:`QuotaExceeded`
(429) only when not even one output token fits.

**Settlement** replaces the estimate by what the call used. A refund (the call used less than
reserved, or failed) does not need a store call of its own: it is kept in the execution
environment and PIGGYBACKED onto the next reservation of the same tenant-month item, as part of
that reservation's single ``ADD`` (``:n = new reservation + pending refunds``; the condition
still compares the resulting total with the limit, so nothing is admitted that would not fit).
So the hot path makes one synchronous store call per request. Deferred refunds only ever make
usage look HIGHER for a while, never lower: the quota is never weakened. They are applied:

- with the next reservation of the same item (the common case);
- by :meth:`QuotaStore.flush` at the end of any request once older than ``max_defer_seconds``
  (default 30 s), and for all of them when the environment shuts down (``invoke_app`` flushes
  on SIGTERM, which Lambda sends to the runtime before shutting an environment down when the
  function has an extension registered -- see "Lambda execution environment lifecycle",
  https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html);
- never, if the environment dies abruptly (out of memory, no extension to get SIGTERM): the
  tenant is then over-charged by at most that environment's pending refunds until the month
  item rolls over. That is the one case where reserved tokens stay charged; they never let a
  tenant exceed its quota.

A charge (the call used MORE than reserved, which the upper bound makes impossible unless a
model miscounts) is applied at once, synchronously. A model call that timed out is charged its
input bound (:meth:`QuotaStore.charge_input`): the model may have run, and the input is what is
known; the output reservation is refunded.

When a reservation's outcome is unknown (DynamoDB's answer was lost: read timeout, 5xx), the
reservation and any refunds it carried are considered applied (a possible over-charge of one
request, never an under-count); when it was certainly not applied (throttled, could not
connect, condition failed) pending refunds are kept for the next attempt.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError

__all__ = [
    "DEFAULT_MAX_DEFER_SECONDS",
    "QuotaExceeded",
    "QuotaStore",
    "QuotaUnavailable",
    "Reservation",
    "TokenQuota",
    "month_key",
    "next_reset",
]

DEFAULT_MAX_DEFER_SECONDS = 30.0
"""How long a refund may wait for a reservation of the same item before it is flushed alone."""

_NOT_APPLIED_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
_MAX_RESERVE_ATTEMPTS = 3


class QuotaExceeded(Exception):
    """The tenant's monthly token quota would be exceeded; ``resets_at`` is the next reset."""

    def __init__(self, tenant_id: str, limit: int, requested: int, resets_at: datetime) -> None:
        super().__init__(
            f"tenant {tenant_id} would exceed its monthly token quota of {limit} "
            f"(this request reserves {requested}); resets at {iso(resets_at)}"
        )
        self.tenant_id = tenant_id
        self.limit = limit
        self.requested = requested
        self.resets_at = resets_at


class QuotaUnavailable(Exception):
    """The store did not answer. ``retryable``: the update was certainly not applied
    (throttled, no connection), so it may be sent again."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True)
class Reservation:
    """Tokens reserved for one request against one tenant-month."""

    pk: str
    tokens: int
    input_tokens: int = 0
    output_tokens: int = 0
    """The ``max_tokens`` the request may use (capped when the full request did not fit)."""
    capped: bool = False
    """True when ``output_tokens`` is less than the ``max_tokens`` asked for."""


class TokenQuota(Protocol):
    """What the gateway needs from a quota store (the DynamoDB one, or a fake in tests)."""

    def reserve(
        self,
        tenant_id: str,
        input_tokens: int,
        max_output_tokens: int,
        limit: int,
        now: datetime,
        *,
        timeout: float | None = None,
    ) -> Reservation: ...

    def settle(
        self, reservation: Reservation, actual_tokens: int, *, timeout: float | None = None
    ) -> None: ...

    def refund(self, reservation: Reservation, *, timeout: float | None = None) -> None: ...

    def charge_input(self, reservation: Reservation, *, timeout: float | None = None) -> None: ...

    def flush(self, *, older_than: float = 0.0, timeout: float | None = None) -> None: ...

    def has_stale(self) -> bool: ...

    @property
    def max_defer_seconds(self) -> float: ...


def month_key(tenant_id: str, now: datetime) -> str:
    """``<tenant>#<YYYY-MM>`` for the UTC month of ``now``."""
    return f"{tenant_id}#{now.astimezone(UTC):%Y-%m}"


def next_reset(now: datetime) -> datetime:
    """Midnight UTC on the first day of the next month."""
    utc = now.astimezone(UTC)
    year, month = (utc.year + 1, 1) if utc.month == 12 else (utc.year, utc.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def iso(moment: datetime) -> str:
    """``2026-12-01T00:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds from ``now`` until ``moment`` (at least 1), for ``Retry-After``."""
    return max(1, math.ceil((moment - now).total_seconds()))


class QuotaStore:
    """The DynamoDB quota table (low-level client; the partition key is ``pk``).

    ``client_for_timeout(seconds)``, when given, returns a client whose read timeout is at most
    ``seconds``: each call then uses the ``timeout`` it is given (what is left of the request's
    deadline). ``defer_refunds=False`` applies every settlement at once (two store calls per
    request). ``clock`` is monotonic seconds (injected in tests).
    """

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        client_for_timeout: Callable[[float], Any] | None = None,
        defer_refunds: bool = True,
        max_defer_seconds: float = DEFAULT_MAX_DEFER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._client_for_timeout = client_for_timeout
        self._table = table_name
        self._defer = defer_refunds
        self._max_defer = max_defer_seconds
        self._clock = clock
        self._pending: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    # -- reservation ---------------------------------------------------------------------------

    def reserve(
        self,
        tenant_id: str,
        input_tokens: int,
        max_output_tokens: int,
        limit: int,
        now: datetime,
        *,
        timeout: float | None = None,
    ) -> Reservation:
        """Reserve ``input_tokens + max_output_tokens`` (``max_output_tokens`` capped to what
        remains) unless not even one output token fits: :class:`QuotaExceeded`. Store failures
        raise :class:`QuotaUnavailable`."""
        pk = month_key(tenant_id, now)
        output = min(max_output_tokens, limit - input_tokens)
        if output < 1:
            raise QuotaExceeded(tenant_id, limit, input_tokens + 1, next_reset(now))
        for _ in range(_MAX_RESERVE_ATTEMPTS):
            tokens = input_tokens + output
            pending = self._take_pending(pk)
            amount = tokens + pending
            try:
                self._client_for(timeout).update_item(
                    TableName=self._table,
                    Key={"pk": {"S": pk}},
                    UpdateExpression="ADD tokens_used :n",
                    ConditionExpression=(
                        "attribute_not_exists(tokens_used) OR tokens_used <= :limit_minus_n"
                    ),
                    ExpressionAttributeValues={
                        ":n": {"N": str(amount)},
                        ":limit_minus_n": {"N": str(limit - amount)},
                    },
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if code == "ConditionalCheckFailedException":
                    self._restore_pending(pk, pending)
                    used = _tokens_used(exc.response.get("Item"))
                    room = limit - (used + pending) - input_tokens
                    if room < 1:
                        raise QuotaExceeded(
                            tenant_id, limit, input_tokens + 1, next_reset(now)
                        ) from None
                    output = min(output, room)
                    continue
                if code in _NOT_APPLIED_CODES:
                    self._restore_pending(pk, pending)
                    raise QuotaUnavailable(code, retryable=True) from None
                raise QuotaUnavailable(code or "ClientError", retryable=False) from None
            except (ConnectTimeoutError, EndpointConnectionError) as exc:
                self._restore_pending(pk, pending)
                raise QuotaUnavailable(type(exc).__name__, retryable=True) from None
            except Exception as exc:
                # Outcome unknown: treat the update (and the refunds it carried) as applied.
                raise QuotaUnavailable(type(exc).__name__, retryable=False) from None
            return Reservation(
                pk=pk,
                tokens=tokens,
                input_tokens=input_tokens,
                output_tokens=output,
                capped=output < max_output_tokens,
            )
        raise QuotaExceeded(tenant_id, limit, input_tokens + output, next_reset(now))

    # -- settlement ----------------------------------------------------------------------------

    def settle(
        self, reservation: Reservation, actual_tokens: int, *, timeout: float | None = None
    ) -> None:
        """Replace the estimate by what the call actually used (refunds deferred, see the
        module documentation; charges at once)."""
        delta = actual_tokens - reservation.tokens
        if delta == 0:
            return
        if delta < 0 and self._defer:
            self._restore_pending(reservation.pk, delta)
            return
        self._add(reservation.pk, delta, timeout)

    def refund(self, reservation: Reservation, *, timeout: float | None = None) -> None:
        """Give the whole reservation back (the call did not happen or failed)."""
        self.settle(reservation, 0, timeout=timeout)

    def charge_input(self, reservation: Reservation, *, timeout: float | None = None) -> None:
        """Keep only the input bound (the call timed out: the model may have run)."""
        self.settle(reservation, reservation.input_tokens, timeout=timeout)

    def flush(self, *, older_than: float = 0.0, timeout: float | None = None) -> None:
        """Apply the deferred refunds waiting longer than ``older_than`` seconds, one
        ``UpdateItem`` per item. A failed one stays pending."""
        now = self._clock()
        with self._lock:
            due = [
                (pk, delta)
                for pk, (delta, since) in self._pending.items()
                if now - since >= older_than
            ]
            for pk, _ in due:
                del self._pending[pk]
        for pk, delta in due:
            try:
                self._add(pk, delta, timeout)
            except Exception:
                self._restore_pending(pk, delta)
                raise

    def has_stale(self) -> bool:
        """Whether a deferred refund has waited longer than ``max_defer_seconds``."""
        now = self._clock()
        with self._lock:
            return any(now - since >= self._max_defer for _, since in self._pending.values())

    @property
    def max_defer_seconds(self) -> float:
        """How long a deferred refund waits for a reservation of its item."""
        return self._max_defer

    def pending(self) -> dict[str, int]:
        """Deferred refunds by item (negative token counts)."""
        with self._lock:
            return {pk: delta for pk, (delta, _) in self._pending.items()}

    def used(self, tenant_id: str, now: datetime, *, include_pending: bool = True) -> int:
        """Tokens used this month (a strongly consistent read), with this environment's
        deferred refunds applied unless ``include_pending`` is False; for tests and operators."""
        pk = month_key(tenant_id, now)
        item = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": pk}}, ConsistentRead=True
        ).get("Item")
        stored = _tokens_used(item)
        return stored + (self.pending().get(pk, 0) if include_pending else 0)

    # -- internals -----------------------------------------------------------------------------

    def _client_for(self, timeout: float | None) -> Any:
        if timeout is None or self._client_for_timeout is None:
            return self._client
        return self._client_for_timeout(timeout)

    def _take_pending(self, pk: str) -> int:
        with self._lock:
            delta, _ = self._pending.pop(pk, (0, 0.0))
            return delta

    def _restore_pending(self, pk: str, delta: int) -> None:
        if delta == 0:
            return
        with self._lock:
            earlier, since = self._pending.get(pk, (0, self._clock()))
            self._pending[pk] = (earlier + delta, since)

    def _add(self, pk: str, delta: int, timeout: float | None) -> None:
        if delta == 0:
            return
        self._client_for(timeout).update_item(
            TableName=self._table,
            Key={"pk": {"S": pk}},
            UpdateExpression="ADD tokens_used :d",
            ExpressionAttributeValues={":d": {"N": str(delta)}},
        )


def _tokens_used(item: Any) -> int:
    if isinstance(item, dict) and isinstance(item.get("tokens_used"), dict):
        return int(item["tokens_used"].get("N", "0"))
    return 0
