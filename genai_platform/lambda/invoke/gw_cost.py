"""Cost per tenant in the gateway: the tenant's application inference profiles, the ``CostUSD``
metric, the optional monthly budget in US dollars, and the per-tenant kill switch.

**Profiles.** The routing config gives each tenant an application inference profile ARN per
Bedrock alias (``tenants[].profiles``, built by ``GuardedInferenceApi``); :func:`target_for`
returns the alias's target with that ARN as ``modelId``, so Bedrock bills the call to a profile
tagged with the tenant and Cost Explorer splits the spend by tenant. A fallback goes through the
tenant's profile of the fallback alias the same way. A tenant without a profile for an alias
(a config written before profiles existed) invokes the alias's model id, as before.

**Price.** Each priced Bedrock alias carries ``models.<alias>.price`` (USD per million input and
output tokens), resolved at synth from the package's price table for the stack's region (the
same table the cost estimator reads). :func:`record_cost` adds ``CostUSD`` = input tokens x input
price + output tokens x output price under the request's ``Tenant``/``Feature``/``Model``
dimensions. An alias without a price (self-hosted SageMaker models, billed per instance-hour
rather than per request, or a model the table lacks -- the pattern warns at synth) gets no
``CostUSD``: never a silent 0.

**Budget.** A tenant with ``monthly_budget_usd`` gets one more conditional ``UpdateItem`` on the
same quota item (``pk = <tenant>#<YYYY-MM>``, attribute ``cost_nano_usd``, integer nano-dollars so
that sums are exact): ``ADD cost_nano_usd :c`` only if the item has none yet or
``cost_nano_usd <= limit - c``. ``c`` is the requested alias's price of the request's input bound
plus its ``max_tokens`` (rounded up), so concurrent requests can never take the tenant over its
budget. Settlement replaces it by the served model's price of the tokens it reported (a charge or
a refund, applied at once: one more store call); a failed call is refunded, a timed-out one
charged its input bound. Aliases without a price reserve nothing, but a tenant at or over its
budget is still refused. When the full ``max_tokens`` does not fit, it is CAPPED to what the
rest of the budget buys (the failed condition returns the item, so the room is known without a
read) and the reservation tried once more; the response says ``max_tokens_capped``. When not
even one output token fits: :class:`BudgetExceeded`, which the gateway answers with 429
``BudgetExceeded``, the reset time (midnight UTC on the first of next month) and
``Retry-After``.

**Tenant kill switch.** The cost guard switches one tenant off by writing the item
``pk = tenant-switch#<tenant>`` (``state = on``) in the quota table (a per-tenant AWS Budget on
the tenant's profiles fired). :class:`TenantSwitches` reads it per tenant, cached like the global
kill switch, failing OPEN when the table cannot be read (the switch is a cost control).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from botocore.exceptions import ClientError
from gw_quota import month_key, next_reset

__all__ = [
    "NANO_PER_USD",
    "TENANT_SWITCH_MAX_AGE_SECONDS",
    "TENANT_SWITCH_PREFIX",
    "BudgetExceeded",
    "BudgetReservation",
    "BudgetStore",
    "BudgetUnavailable",
    "Price",
    "TenantSwitches",
    "budget_problems",
    "check_tenant_switch",
    "cost_nano_usd",
    "dynamodb_switch_reader",
    "price_problems",
    "profile_problems",
    "record_cost",
    "reserve_budget",
    "settle_budget",
    "target_for",
    "tenant_switch_key",
]

NANO_PER_USD = 1_000_000_000
"""Budget amounts are stored in integer nano-dollars: exact sums, no float drift."""
TENANT_SWITCH_PREFIX = "tenant-switch#"
"""Partition-key prefix of the per-tenant kill-switch items in the quota table."""
TENANT_SWITCH_MAX_AGE_SECONDS = 10.0
"""How long a tenant switch value read from DynamoDB is used before it is read again."""
TENANT_SWITCH_MAX_STALE_SECONDS = 300.0
"""How long the last value read is used while the table keeps failing; then serve."""
_MAX_PRICE = 1_000_000.0
_MAX_BUDGET_USD = 1_000_000_000.0
_PROFILE_ARN_PREFIXES = ("arn:aws:", "arn:aws-cn:", "arn:aws-us-gov:")


@dataclass(frozen=True)
class Price:
    """USD per million input and output tokens of one Bedrock alias."""

    input_usd_per_million: float
    output_usd_per_million: float

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        """USD for the tokens, as a float for the metric."""
        return (
            input_tokens * self.input_usd_per_million + output_tokens * self.output_usd_per_million
        ) / 1_000_000


def cost_nano_usd(price: Price | None, input_tokens: int, output_tokens: int) -> int:
    """Integer nano-dollars of the tokens at ``price`` (0 without a price), rounded up."""
    if price is None:
        return 0
    exact = (
        Decimal(input_tokens) * Decimal(str(price.input_usd_per_million))
        + Decimal(output_tokens) * Decimal(str(price.output_usd_per_million))
    ) * 1000  # USD per million tokens -> nano-dollars per token
    return int(exact.to_integral_value(rounding=ROUND_CEILING))


def tenant_switch_key(tenant_id: str) -> str:
    """``tenant-switch#<tenant>``: the quota-table item of a tenant's kill switch."""
    return f"{TENANT_SWITCH_PREFIX}{tenant_id}"


# ---------------------------------------------------------------------------- config parts


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def price_problems(key: str, value: Any) -> tuple[Price | None, list[str]]:
    """``models.<alias>.price`` of the routing config: a :class:`Price`, or the problems."""
    if not isinstance(value, dict) or set(value) != {
        "input_usd_per_million",
        "output_usd_per_million",
    }:
        return None, [
            f"{key}: got {value!r:.200}; must be an object with exactly input_usd_per_million "
            "and output_usd_per_million"
        ]
    problems = []
    for name in ("input_usd_per_million", "output_usd_per_million"):
        number = value[name]
        if not _is_number(number) or not 0 <= number <= _MAX_PRICE:
            problems.append(
                f"{key}.{name}: got {number!r:.50}; must be a number from 0 to {_MAX_PRICE:g}"
            )
    if problems:
        return None, problems
    return Price(float(value["input_usd_per_million"]), float(value["output_usd_per_million"])), []


def profile_problems(
    key: str, value: Any, bedrock_aliases: set[str]
) -> tuple[dict[str, str], list[str]]:
    """``tenants[i].profiles`` (alias -> application inference profile ARN), or the problems."""
    if not isinstance(value, dict):
        return {}, [f"{key}: got {value!r:.200}; must be an object of alias -> profile ARN"]
    problems = []
    profiles: dict[str, str] = {}
    for alias, arn in value.items():
        if alias not in bedrock_aliases:
            problems.append(
                f"{key}: alias {alias!r:.70} is not a Bedrock model alias; known: "
                f"{sorted(bedrock_aliases)}"
            )
        elif (
            not isinstance(arn, str)
            or not arn.startswith(_PROFILE_ARN_PREFIXES)
            or ":application-inference-profile/" not in arn
            or len(arn) > 2048
            or " " in arn
        ):
            problems.append(
                f"{key}.{alias}: got {arn!r:.200}; must be an application inference profile "
                "ARN (arn:aws:bedrock:<region>:<account>:application-inference-profile/<id>)"
            )
        else:
            profiles[alias] = arn
    return profiles, problems


def budget_problems(key: str, value: Any) -> tuple[float | None, list[str]]:
    """``tenants[i].monthly_budget_usd`` (absent or null: no budget), or the problems."""
    if value is None:
        return None, []
    if not _is_number(value) or not 0 < value <= _MAX_BUDGET_USD:
        return None, [
            f"{key}: got {value!r:.50}; must be a number of US dollars greater than 0 and at "
            f"most {_MAX_BUDGET_USD:g}"
        ]
    return float(value), []


# ---------------------------------------------------------------------------- routing & metric


def target_for(target: Any, profiles: Mapping[str, str]) -> Any:
    """The target with the tenant's application inference profile ARN as its ``model_id``
    (a Bedrock target of an alias the tenant has a profile for; anything else unchanged)."""
    arn = profiles.get(target.alias)
    if arn is None or target.model_id is None:
        return target
    return replace(target, model_id=arn)


def record_cost(
    recorder: Any, dimensions: Any, price: Price | None, input_tokens: int, output_tokens: int
) -> float | None:
    """Add ``CostUSD`` for the tokens at ``price`` (nothing without a price); returns it."""
    if price is None:
        return None
    from gw_metrics import COST_USD

    cost = price.cost_usd(input_tokens, output_tokens)
    recorder.add(COST_USD, cost, dimensions)
    return cost


# ---------------------------------------------------------------------------- the budget


class BudgetExceeded(Exception):
    """The tenant's monthly budget would be exceeded; ``resets_at`` is the next reset."""

    def __init__(
        self,
        tenant_id: str,
        budget_usd: float,
        resets_at: datetime,
        *,
        room_nano_usd: int | None = None,
    ) -> None:
        super().__init__(f"tenant {tenant_id} would exceed its monthly budget of {budget_usd} USD")
        self.tenant_id = tenant_id
        self.budget_usd = budget_usd
        self.resets_at = resets_at
        self.room_nano_usd = room_nano_usd
        """What was left of the budget when the condition failed (None: unknown)."""


class BudgetUnavailable(Exception):
    """The store did not answer the budget reservation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class BudgetReservation:
    """Nano-dollars reserved for one request against one tenant-month."""

    pk: str
    nano_usd: int
    max_tokens: int | None = None
    """The request's ``max_tokens`` the reservation covers (capped when less fitted)."""
    capped: bool = False


class BudgetStore:
    """The budget half of the quota table (low-level DynamoDB client, partition key ``pk``).

    ``client_for_timeout(seconds)`` returns a client whose read timeout is at most ``seconds``
    (the gateway's clients by timeout); each call uses the ``timeout`` it is given.
    """

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        client_for_timeout: Callable[[float], Any] | None = None,
    ) -> None:
        self._client = client
        self._table = table_name
        self._client_for_timeout = client_for_timeout

    def _client_for(self, timeout: float | None) -> Any:
        if timeout is None or self._client_for_timeout is None:
            return self._client
        return self._client_for_timeout(timeout)

    def reserve(
        self,
        tenant_id: str,
        nano_usd: int,
        budget_usd: float,
        now: datetime,
        *,
        timeout: float | None = None,
    ) -> BudgetReservation:
        """Reserve ``nano_usd`` unless the tenant-month would pass ``budget_usd``:
        :class:`BudgetExceeded`; store failures: :class:`BudgetUnavailable`."""
        pk = month_key(tenant_id, now)
        limit = int(Decimal(str(budget_usd)) * NANO_PER_USD)
        if nano_usd > limit:
            raise BudgetExceeded(tenant_id, budget_usd, next_reset(now))
        try:
            self._client_for(timeout).update_item(
                TableName=self._table,
                Key={"pk": {"S": pk}},
                UpdateExpression="ADD cost_nano_usd :c",
                ConditionExpression=(
                    "attribute_not_exists(cost_nano_usd) OR cost_nano_usd <= :limit_minus_c"
                ),
                ExpressionAttributeValues={
                    ":c": {"N": str(nano_usd)},
                    ":limit_minus_c": {"N": str(limit - nano_usd)},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code == "ConditionalCheckFailedException":
                spent = _cost_of(exc.response.get("Item"))
                raise BudgetExceeded(
                    tenant_id,
                    budget_usd,
                    next_reset(now),
                    room_nano_usd=None if spent is None else limit - spent,
                ) from None
            raise BudgetUnavailable(code or "ClientError") from None
        except Exception as exc:
            raise BudgetUnavailable(type(exc).__name__) from None
        return BudgetReservation(pk=pk, nano_usd=nano_usd)

    def settle(
        self, reservation: BudgetReservation, actual_nano_usd: int, *, timeout: float | None = None
    ) -> None:
        """Replace the reservation by what the call cost (one unconditional ``ADD``)."""
        delta = actual_nano_usd - reservation.nano_usd
        if delta == 0:
            return
        self._client_for(timeout).update_item(
            TableName=self._table,
            Key={"pk": {"S": reservation.pk}},
            UpdateExpression="ADD cost_nano_usd :d",
            ExpressionAttributeValues={":d": {"N": str(delta)}},
        )

    def spent_nano_usd(self, tenant_id: str, now: datetime) -> int:
        """Nano-dollars charged this month (a strongly consistent read): tests and operators."""
        item = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": month_key(tenant_id, now)}}, ConsistentRead=True
        ).get("Item")
        if isinstance(item, dict) and isinstance(item.get("cost_nano_usd"), dict):
            return int(item["cost_nano_usd"].get("N", "0"))
        return 0


def _cost_of(item: Any) -> int | None:
    if isinstance(item, dict) and isinstance(item.get("cost_nano_usd"), dict):
        return int(item["cost_nano_usd"].get("N", "0"))
    return None


# ---------------------------------------------------------------------------- tenant switches


class TenantSwitches:
    """Per-tenant kill switches read from the quota table, each cached like the global one:
    a value read is used for :data:`TENANT_SWITCH_MAX_AGE_SECONDS`; after a failed read the last
    value is used for up to :data:`TENANT_SWITCH_MAX_STALE_SECONDS`, then the gateway serves."""

    def __init__(self, read: Callable[[str, float], bool]) -> None:
        """``read(tenant_id, timeout)``: whether the tenant's switch is on (raises on failure)."""
        self._read = read
        self._values: dict[str, tuple[bool, float]] = {}
        self._failed: dict[str, float] = {}
        self._lock = threading.Lock()

    def engaged(self, tenant_id: str, now: float, timeout: float) -> tuple[bool, Exception | None]:
        """Whether the tenant is switched off, and the read error if one happened."""
        with self._lock:
            cached = self._values.get(tenant_id)
            failed = self._failed.get(tenant_id)
        if cached is not None and now - cached[1] < TENANT_SWITCH_MAX_AGE_SECONDS:
            return cached[0], None
        if failed is not None and now - failed < TENANT_SWITCH_MAX_AGE_SECONDS:
            return self._stale(cached, now), None
        try:
            value = bool(self._read(tenant_id, timeout))
        except Exception as exc:
            with self._lock:
                self._failed[tenant_id] = now
            return self._stale(cached, now), exc
        with self._lock:
            self._values[tenant_id] = (value, now)
            self._failed.pop(tenant_id, None)
        return value, None

    @staticmethod
    def _stale(cached: tuple[bool, float] | None, now: float) -> bool:
        if cached is not None and now - cached[1] <= TENANT_SWITCH_MAX_STALE_SECONDS:
            return cached[0]
        return False


def dynamodb_switch_reader(
    client_for_timeout: Callable[[float], Any], table_name: str
) -> Callable[[str, float], bool]:
    """``read(tenant, timeout)`` over the quota table: True when the item's ``state`` is on."""

    def read(tenant_id: str, timeout: float) -> bool:
        item = (
            client_for_timeout(timeout)
            .get_item(TableName=table_name, Key={"pk": {"S": tenant_switch_key(tenant_id)}})
            .get("Item")
        )
        if not isinstance(item, dict):
            return False
        state = item.get("state")
        return isinstance(state, dict) and str(state.get("S", "")).strip().lower() == "on"

    return read


# ---------------------------------------------------------------------------- gateway glue

BUDGET_UNAVAILABLE_RETRY_AFTER_SECONDS = 5
"""``Retry-After`` when the budget could not be checked."""
TENANT_DISABLED_RETRY_AFTER_SECONDS = 300
"""``Retry-After`` while a tenant's own kill switch is on."""


def check_tenant_switch(runtime: Any, tenant_id: str, timeout: float) -> None:
    """503 ``ServiceDisabled`` when the cost guard switched this tenant off (fails open)."""
    switches = getattr(runtime, "tenant_switches", None)
    if switches is None:
        return
    engaged, error = switches.engaged(tenant_id, runtime.clock(), timeout)
    if error is not None:
        runtime.logger.warning(
            "tenant kill switch unreadable; serving with the last value read, if any",
            extra={"tenant": tenant_id, "error_type": type(error).__name__},
        )
    if engaged:
        from gw_common import HttpError

        raise HttpError(
            503,
            "ServiceDisabled",
            f"the inference gateway is switched off for tenant {tenant_id} by the platform's "
            "cost controls (the tenant's budget); ask the platform team to release it",
            headers={"Retry-After": str(TENANT_DISABLED_RETRY_AFTER_SECONDS)},
        )


def reserve_budget(
    runtime: Any,
    tenant: Any,
    price: Price | None,
    input_tokens: int,
    max_tokens: int,
    now: datetime,
    timeout: float,
    on_rejected: Callable[[], None],
) -> BudgetReservation | None:
    """Reserve the request's upper-bound cost against the tenant's monthly budget (None when
    the tenant has no budget); 429 ``BudgetExceeded`` with the reset time, or 503."""
    budget_usd = getattr(tenant, "monthly_budget_usd", None)
    if budget_usd is None:
        return None
    from gw_common import HttpError
    from gw_quota import iso, seconds_until

    store = getattr(runtime, "budget", None)
    if store is None:
        raise HttpError(
            503,
            "BudgetUnavailable",
            "the tenant's budget could not be checked; try again shortly",
            headers={"Retry-After": str(BUDGET_UNAVAILABLE_RETRY_AFTER_SECONDS)},
        )
    nano = cost_nano_usd(price, input_tokens, max_tokens)
    try:
        try:
            reservation: BudgetReservation = store.reserve(
                tenant.id, nano, budget_usd, now, timeout=timeout
            )
            return replace(reservation, max_tokens=max_tokens)
        except BudgetExceeded as first:
            # Like the token quota: cap max_tokens to what the rest of the budget buys, and
            # try once more (429 only when not even one output token fits).
            capped = _affordable_output(price, input_tokens, first.room_nano_usd)
            if capped is None or capped >= max_tokens:
                raise
            nano = cost_nano_usd(price, input_tokens, capped)
            reservation = store.reserve(tenant.id, nano, budget_usd, now, timeout=timeout)
            return replace(reservation, max_tokens=capped, capped=True)
    except BudgetExceeded as exc:
        on_rejected()
        raise HttpError(
            429,
            "BudgetExceeded",
            f"tenant {tenant.id} has used its monthly budget of {budget_usd:g} USD (this "
            f"request may cost up to {nano / NANO_PER_USD:.6f} USD: its input and max_tokens "
            f"at the model's price); it resets at {iso(exc.resets_at)}",
            headers={"Retry-After": str(seconds_until(exc.resets_at, now))},
        ) from None
    except BudgetUnavailable as exc:
        runtime.logger.error("budget store unavailable", extra={"error_type": exc.reason})
        raise HttpError(
            503,
            "BudgetUnavailable",
            "the tenant's budget could not be checked; try again shortly",
            headers={"Retry-After": str(BUDGET_UNAVAILABLE_RETRY_AFTER_SECONDS)},
        ) from None


def _affordable_output(price: Price | None, input_tokens: int, room: int | None) -> int | None:
    """The most output tokens ``room`` nano-dollars buy after the input (None: not one)."""
    if price is None or room is None or price.output_usd_per_million <= 0:
        return None
    per_token = Decimal(str(price.output_usd_per_million)) * 1000
    left = room - cost_nano_usd(price, input_tokens, 0)
    tokens = int(Decimal(left) / per_token) if left > 0 else 0
    return tokens if tokens >= 1 else None


def settle_budget(
    runtime: Any, reservation: BudgetReservation | None, actual_nano_usd: int, timeout: float
) -> None:
    """Settle a budget reservation with what the call cost, without failing the response."""
    if reservation is None:
        return
    try:
        runtime.budget.settle(reservation, actual_nano_usd, timeout=timeout)
    except Exception as exc:
        runtime.logger.error("budget settle failed", extra={"error_type": type(exc).__name__})
