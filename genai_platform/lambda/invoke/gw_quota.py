"""Monthly per-tenant token quota in DynamoDB: reserve before the model call, settle after.

One item per tenant and UTC month: ``pk = "<tenant>#<YYYY-MM>"``, ``tokens_used`` (N). A
reservation is ONE conditional ``UpdateItem`` (``ADD tokens_used :n`` if the item is new or
``tokens_used <= limit - n``), so DynamoDB serializes concurrent requests near the limit and at
most one of them gets through; there is no read-then-write window. After the call the
reservation is settled (``ADD actual - estimate``) or refunded (``ADD -estimate``); those updates
are unconditional, because the tokens were (or were not) spent whatever the quota says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError

__all__ = [
    "QuotaExceeded",
    "QuotaStore",
    "Reservation",
    "TokenQuota",
    "month_key",
    "next_reset",
]


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


@dataclass(frozen=True)
class Reservation:
    """Tokens reserved for one request against one tenant-month."""

    pk: str
    tokens: int


class TokenQuota(Protocol):
    """What the gateway needs from a quota store (the DynamoDB one, or a fake in tests)."""

    def reserve(self, tenant_id: str, tokens: int, limit: int, now: datetime) -> Reservation: ...

    def settle(self, reservation: Reservation, actual_tokens: int) -> None: ...

    def refund(self, reservation: Reservation) -> None: ...


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
    """The DynamoDB quota table (low-level client; the partition key is ``pk``)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def reserve(self, tenant_id: str, tokens: int, limit: int, now: datetime) -> Reservation:
        """Add ``tokens`` to this month's usage unless that would exceed ``limit``.

        Raises :class:`QuotaExceeded` when it would; other DynamoDB errors propagate.
        """
        pk = month_key(tenant_id, now)
        if tokens > limit:
            raise QuotaExceeded(tenant_id, limit, tokens, next_reset(now))
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": pk}},
                UpdateExpression="ADD tokens_used :n",
                ConditionExpression=(
                    "attribute_not_exists(tokens_used) OR tokens_used <= :limit_minus_n"
                ),
                ExpressionAttributeValues={
                    ":n": {"N": str(tokens)},
                    ":limit_minus_n": {"N": str(limit - tokens)},
                },
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise QuotaExceeded(tenant_id, limit, tokens, next_reset(now)) from None
            raise
        return Reservation(pk=pk, tokens=tokens)

    def settle(self, reservation: Reservation, actual_tokens: int) -> None:
        """Replace the estimate by what the call actually used."""
        self._add(reservation.pk, actual_tokens - reservation.tokens)

    def refund(self, reservation: Reservation) -> None:
        """Give the whole reservation back (the call did not happen or failed)."""
        self._add(reservation.pk, -reservation.tokens)

    def used(self, tenant_id: str, now: datetime) -> int:
        """Tokens used this month (a strongly consistent read; for tests and operators)."""
        item = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": month_key(tenant_id, now)}}, ConsistentRead=True
        ).get("Item")
        return int(item["tokens_used"]["N"]) if item and "tokens_used" in item else 0

    def _add(self, pk: str, delta: int) -> None:
        if delta == 0:
            return
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": pk}},
            UpdateExpression="ADD tokens_used :d",
            ExpressionAttributeValues={":d": {"N": str(delta)}},
        )
