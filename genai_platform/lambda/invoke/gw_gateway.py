"""The guarded inference gateway: ``POST /v1/chat``, ``POST /v1/chat/completions`` (the same
path in the OpenAI chat-completions shape, see ``gw_openai``), ``GET /v1/models`` and
``POST /v1/retrieve``.

Retrieval (``POST /v1/retrieve``, and ``POST /v1/chat`` with ``"knowledge_base"``) lives in
``gw_retrieval``: its filter comes from the caller's identity only, it runs inside the same
deadline (its calls get read timeouts from what is left), and a grounded chat's passages count
towards the quota reservation and go to Converse as the guardrail's grounding source.

Plain functions over an explicit :class:`Runtime` (clients, quota store, kill switch, breakers,
clock, sleep, random source, logger, metrics sink), so every behaviour is testable without AWS
and without waiting. ``invoke_app.lambda_handler`` builds the real runtime once per execution
environment and calls :func:`handle`.

A chat request goes through, in order:

1. identity: the tenant is the one whose ``principals`` contain the caller's IAM principal
   from ``requestContext.identity`` (403 if none). Nothing in the body can choose it;
2. the body: a 400 naming the field for anything malformed (see ``gw_request``);
3. the model alias: the requested one or the tenant's default; 403 listing the tenant's aliases
   if it is not one of them;
4. the kill switch (SSM parameter ``on``, cached ``KILL_SWITCH_MAX_AGE_SECONDS``; a failed read
   keeps the last value for up to ``KILL_SWITCH_MAX_STALE_SECONDS`` and is not retried for
   ``KILL_SWITCH_ERROR_BACKOFF_SECONDS``; never read at all: serve): 503 ``ServiceDisabled``;
   then the tenant's own switch, set by the cost guard for a tenant budget (``gw_cost``);
5. the quota: one conditional DynamoDB update reserves an upper bound of the request's tokens,
   with ``max_tokens`` capped to what remains (the response says so); 429 ``QuotaExceeded``
   with the reset time and ``Retry-After`` only when nothing fits (see ``gw_quota``); then,
   for a tenant with ``monthly_budget_usd``, its upper-bound cost against the budget in USD
   (429 ``BudgetExceeded``, see ``gw_cost``);
6. the model, inside the request's deadline: Bedrock ``Converse`` with the guardrail (through
   the tenant's application inference profile of the alias, see ``gw_cost``), or
   ``ApplyGuardrail`` (input) -> SageMaker ``InvokeEndpoint`` -> ``ApplyGuardrail`` (output).
   Throttling is retried with backoff and full jitter; timeouts and failures feed the target's
   circuit breakers (the tenant's own and the target's shared one, see ``gw_breaker``); while
   a breaker is open, or while an inference component wakes from zero, the alias's
   ``fallback`` serves (one hop, only if the tenant may use it), else 503 with ``Retry-After``;
7. the quota reservation is settled with the tokens the model reported (also when a later
   step, such as the output guardrail, failed); a timed-out model call is charged its input
   bound; anything else that failed is refunded. Refunds ride on the next reservation of the
   same tenant-month item (one store call per request, see ``gw_quota``).

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

``GET /v1/models`` lists the caller tenant's aliases; it costs nothing, so the kill switch does
not apply to it.

Logs carry ids, sizes, token counts, status and latency; prompt and completion text only for a
tenant with ``log_content``, and then masked; every logged string has unpaired surrogates
replaced, so a line is never dropped for its encoding. Nothing a caller can send ends in a 500:
those are reserved for bugs, and say only the request id.

Every answer carries a ``response_id`` signed for the calling principal (see
``gw_common.ResponseIds``): the feedback function accepts feedback only on those.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from gw_breaker import OPEN, BreakerRegistry
from gw_common import (
    HttpError,
    ResponseIds,
    caller_identity,
    error_response,
    json_response,
    parse_json_body,
    scrub_text,
)
from gw_config import BEDROCK, GatewayConfig, ModelTarget, Settings, Tenant
from gw_cost import (
    BudgetStore,
    TenantSwitches,
    check_tenant_switch,
    cost_nano_usd,
    record_cost,
    reserve_budget,
    settle_budget,
    target_for,
)
from gw_masking import mask
from gw_metrics import (
    BREAKER_OPENS,
    ERRORS,
    FALLBACKS,
    GUARDRAIL_INTERVENTIONS,
    INPUT_TOKENS,
    LATENCY,
    OUTPUT_TOKENS,
    QUOTA_REJECTIONS,
    REQUESTS,
    THROTTLES,
    Dimensions,
    MetricsRecorder,
)
from gw_openai import to_chat_event, to_openai_response
from gw_quota import (
    QuotaExceeded,
    QuotaUnavailable,
    Reservation,
    TokenQuota,
    iso,
    seconds_until,
)
from gw_request import FEATURE_NONE, ChatRequest, feature_dimension, parse_chat_request
from gw_retrieval import (
    Grounding,
    RetrievalCall,
    RetrievalRuntime,
    ground,
    handle_retrieve,
    take_knowledge_base,
)
from gw_retry import DeadlineExceeded, call_with_retry
from gw_targets import (
    CONNECTION,
    GUARDRAIL_INTERVENED,
    REJECTED,
    THROTTLED,
    TIMEOUT,
    UNEXPECTED,
    WAKING,
    Completion,
    apply_guardrail,
    bedrock_converse,
    classify_error,
    rejection_message,
    sagemaker_chat,
)

__all__ = [
    "DEADLINE_MARGIN_SECONDS",
    "KILL_SWITCH_ERROR_BACKOFF_SECONDS",
    "KILL_SWITCH_MAX_AGE_SECONDS",
    "KILL_SWITCH_MAX_STALE_SECONDS",
    "KILL_SWITCH_RETRY_AFTER_SECONDS",
    "PLATFORM_CONNECT_TIMEOUT_SECONDS",
    "PLATFORM_READ_TIMEOUT_SECONDS",
    "UNAVAILABLE_RETRY_AFTER_SECONDS",
    "WAKING_RETRY_AFTER_SECONDS",
    "KillSwitchCache",
    "Runtime",
    "handle",
    "kill_switch_engaged",
    "read_timeout_for",
]

KILL_SWITCH_RETRY_AFTER_SECONDS = 300
"""``Retry-After`` while the kill switch is on."""
WAKING_RETRY_AFTER_SECONDS = 60
"""``Retry-After`` while an inference component scales out from zero (takes minutes)."""
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
KILL_SWITCH_MAX_AGE_SECONDS = 10.0
"""How long a kill-switch value read from SSM is used before it is read again."""
KILL_SWITCH_ERROR_BACKOFF_SECONDS = 10.0
"""After a failed kill-switch read, how long no request tries SSM again."""
KILL_SWITCH_MAX_STALE_SECONDS = 300.0
"""How long the last value read is used while SSM keeps failing; after that, serve (fail open)."""

_UNKNOWN = "unknown"
_ROUTES = {
    ("POST", "/v1/chat"): "chat",
    ("POST", "/v1/chat/completions"): "openai_chat",
    ("GET", "/v1/models"): "models",
    ("POST", "/v1/retrieve"): "retrieve",
}
_CHAT_ROUTES = ("chat", "openai_chat")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _uuid() -> str:
    import uuid  # imported on first use: a request id is only generated when API Gateway's
    # is missing, and the module costs ~10 ms of cold start

    return str(uuid.uuid4())


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


@dataclass
class Runtime:
    """Everything the gateway talks to, injected. Clients are providers taking the read
    timeout (seconds) the call may use, so the real ones are created lazily, once per timeout
    bucket (see ``invoke_app``)."""

    settings: Settings
    bedrock: Callable[[float], Any]
    sagemaker: Callable[[float], Any]
    quota: TokenQuota
    kill_switch: Callable[[float], str]
    breakers: BreakerRegistry
    logger: Any
    emit_metrics: Callable[[MetricsRecorder], None]
    response_ids: ResponseIds
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = _utcnow
    epoch: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    uniform: Callable[[float, float], float] = random.uniform
    new_id: Callable[[], str] = _uuid
    kill_switch_cache: KillSwitchCache = field(default_factory=KillSwitchCache)
    retrieval: RetrievalRuntime | None = None
    """Knowledge-base clients and the issuers' key sets (``gw_retrieval``); None: no retrieval."""
    budget: BudgetStore | None = None
    """The tenants' monthly budgets (``gw_cost``); a tenant with a budget gets 503 without."""
    tenant_switches: TenantSwitches | None = None
    """The per-tenant kill switches (``gw_cost``); None: only the global switch."""

    @property
    def config(self) -> GatewayConfig:
        return self.settings.config


class _TargetUnavailable(Exception):
    """A target could not serve now (breaker open, waking, throttled, failed, timed out)."""

    def __init__(self, alias: str, reason: str, retry_after: int) -> None:
        super().__init__(f"model {alias} unavailable: {reason}")
        self.alias = alias
        self.reason = reason
        self.retry_after = retry_after


class _DeadlineSpent(Exception):
    """The request's deadline passed before (or while) a call could complete."""


@dataclass
class _RequestState:
    """What one request has learned so far (for the log line and the metrics)."""

    request_id: str
    started: float
    deadline: float = 0.0
    recorder: MetricsRecorder = field(default_factory=MetricsRecorder)
    principal: str = ""
    model_timed_out: bool = False
    model_used_tokens: int | None = None
    last_call_cut: bool = False
    tenant: Tenant | None = None
    feature: str = FEATURE_NONE
    model: str = "none"
    log: dict[str, Any] = field(default_factory=dict)
    grounding: Grounding | None = None

    def dims(self, model: str | None = None) -> Dimensions:
        tenant = self.tenant.id if self.tenant else _UNKNOWN
        return Dimensions(tenant=tenant, feature=self.feature, model=model or self.model)


def handle(
    event: dict[str, Any],
    runtime: Runtime,
    *,
    remaining_millis: int | None = None,
    spent_before_seconds: float = 0.0,
) -> dict[str, Any]:
    """Answer one API Gateway proxy event. Never raises.

    ``remaining_millis``: the function's remaining time; ``spent_before_seconds``: time API
    Gateway's integration timeout already ran before this call (the cold start's init phase).
    """
    started = runtime.clock()
    if not isinstance(event, dict):
        event = {}
    request_id = _request_id(event, runtime)
    state = _RequestState(request_id=request_id, started=started)
    state.deadline = started + _budget(runtime, remaining_millis, spent_before_seconds)
    route = _route(event)
    try:
        response = _dispatch(event, route, runtime, state)
    except HttpError as exc:
        response = exc.response()
        state.log["error_code"] = exc.code
        if exc.field is not None:
            state.log["error_field"] = exc.field
    except Exception:
        runtime.logger.exception(
            "unhandled error", extra={"request_id": request_id, "route": route or "unknown"}
        )
        response = error_response(
            500,
            "InternalError",
            f"internal error; quote request id {request_id} to the platform team",
        )
        state.log["error_code"] = "InternalError"
    if route == "openai_chat":  # the same answer or error, in OpenAI's shape
        response = to_openai_response(response, created=int(runtime.epoch()))
    response["headers"]["X-Request-Id"] = request_id
    _finish(route, response, runtime, state)
    return response


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


def _deadline_error(runtime: Runtime, state: _RequestState) -> HttpError:
    budget = round(state.deadline - state.started, 1)
    return HttpError(
        504,
        "GatewayTimeout",
        f"the request could not be completed within its deadline of {budget} s; retry, "
        "perhaps with a smaller max_tokens",
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)},
    )


def _request_id(event: dict[str, Any], runtime: Runtime) -> str:
    context = event.get("requestContext")
    value = context.get("requestId") if isinstance(context, dict) else None
    if isinstance(value, str) and 0 < len(value) <= 128 and value.isprintable():
        return value
    return runtime.new_id()


def _route(event: dict[str, Any]) -> str | None:
    method = event.get("httpMethod")
    for key in ("resource", "path"):
        path = event.get(key)
        if isinstance(method, str) and isinstance(path, str):
            route = _ROUTES.get((method.upper(), path.rstrip("/") or "/"))
            if route:
                return route
    return None


def _dispatch(
    event: dict[str, Any],
    route: str | None,
    runtime: Runtime,
    state: _RequestState,
) -> dict[str, Any]:
    identity = caller_identity(event)
    if identity is None:
        raise HttpError(403, "AccessDenied", "the request carries no IAM caller identity")
    tenant = runtime.config.tenant_for(identity.principal_key)
    if tenant is None:
        raise HttpError(
            403,
            "AccessDenied",
            f"principal {identity.principal_key} is not registered with any tenant of the gateway",
        )
    state.tenant = tenant
    state.principal = identity.principal_key
    state.log["principal"] = identity.principal_key
    if route == "models":
        return _list_models(tenant, runtime.config)
    if route == "openai_chat":
        # Translated into a /v1/chat body, then served by exactly the same path.
        event = to_chat_event(event, max_bytes=runtime.config.limits.max_body_bytes)
        route = "chat"
    if route in ("chat", "retrieve"):
        try:
            if route == "retrieve":
                return _retrieve(event, tenant, runtime, state)
            return _chat(event, tenant, runtime, state)
        except (_DeadlineSpent, DeadlineExceeded):
            raise _deadline_error(runtime, state) from None
    method, path = event.get("httpMethod"), event.get("path")
    if any(p == path for (_, p) in _ROUTES):
        raise HttpError(
            405, "MethodNotAllowed", f"method {str(method)[:10]} is not allowed on {path}"
        )
    raise HttpError(
        404,
        "NotFound",
        "no such route; use POST /v1/chat, POST /v1/chat/completions, POST /v1/retrieve or "
        "GET /v1/models",
    )


def _list_models(tenant: Tenant, config: GatewayConfig) -> dict[str, Any]:
    default = config.default_alias_for(tenant)
    models = [
        {"alias": alias, "kind": config.models[alias].kind, "default": alias == default}
        for alias in tenant.aliases
    ]
    return json_response(200, {"models": models})


def _chat(
    event: dict[str, Any],
    tenant: Tenant,
    runtime: Runtime,
    state: _RequestState,
) -> dict[str, Any]:
    config = runtime.config
    body = parse_json_body(event, max_bytes=config.limits.max_body_bytes)
    body, knowledge_base = take_knowledge_base(body)
    request = parse_chat_request(body, config.limits)
    state.feature = feature_dimension(request.feature, config.features)
    state.log.update(
        messages=len(request.messages),
        input_chars=request.input_chars,
        max_tokens=request.max_tokens,
    )
    alias = request.model or config.default_alias_for(tenant)
    state.model = alias if alias in config.models else "other"
    state.log["requested_model"] = alias if alias in config.models else "other"
    if alias not in tenant.aliases:
        raise HttpError(
            403,
            "ModelNotAllowed",
            f"model {alias!r} is not available to tenant {tenant.id}; "
            f"allowed: {', '.join(tenant.aliases)}",
            field="model",
        )
    if knowledge_base is not None and config.models[alias].kind != BEDROCK:
        raise HttpError(
            400,
            "BadRequest",
            f"knowledge_base: grounded answers need a Bedrock model; {alias!r} is self-hosted",
            field="knowledge_base",
        )
    if kill_switch_engaged(runtime, state):
        raise HttpError(
            503,
            "ServiceDisabled",
            "the inference gateway is switched off by the platform's cost controls",
            headers={"Retry-After": str(KILL_SWITCH_RETRY_AFTER_SECONDS)},
        )
    check_tenant_switch(runtime, tenant.id, _left(runtime, state, PLATFORM_READ_TIMEOUT_SECONDS))
    if knowledge_base is not None:
        # The passages count towards the quota reservation: they are part of the input.
        state.grounding = ground(
            event, tenant, knowledge_base, request, _retrieval_call(runtime, state)
        )
        request = state.grounding.request
    reservation = _reserve(request, tenant, runtime, state)
    if reservation.capped:
        request = replace(request, max_tokens=reservation.output_tokens)
        state.log["max_tokens_capped_to"] = reservation.output_tokens
    settle_timeout = SETTLE_TIMEOUT_SECONDS
    price = config.models[alias].price
    try:  # the tenant's monthly budget in USD, after the tokens (see gw_cost)
        budget = reserve_budget(
            runtime,
            tenant,
            price,
            request.input_token_bound,
            request.max_tokens,
            runtime.now(),
            _left(runtime, state, PLATFORM_READ_TIMEOUT_SECONDS),
            lambda: state.recorder.add(QUOTA_REJECTIONS, 1, state.dims()),
        )
    except BaseException:
        _quota_safely(
            runtime,
            state,
            "refund",
            lambda: runtime.quota.refund(reservation, timeout=settle_timeout),
        )
        raise
    if budget is not None and budget.capped and budget.max_tokens is not None:
        request = replace(request, max_tokens=budget.max_tokens)  # what the budget still buys
        state.log["max_tokens_capped_to"] = budget.max_tokens
        reservation = replace(reservation, capped=True)
    timed_out_nano = cost_nano_usd(price, request.input_token_bound, 0)
    # What a timed-out model call is charged: its input bound (the model may have run).
    timed_out_charge = request.input_token_bound
    try:
        served, completion = _serve(request, alias, tenant, runtime, state)
    except BaseException:
        # Settled whatever failed: with what a model that answered reported (e.g. the output
        # guardrail then failed), else the input bound after a timeout, else nothing.
        if state.model_used_tokens is not None:
            used_before = state.model_used_tokens + (
                timed_out_charge if state.model_timed_out else 0
            )
            _quota_safely(
                runtime,
                state,
                "settle",
                lambda: runtime.quota.settle(reservation, used_before, timeout=settle_timeout),
            )
        elif state.model_timed_out:
            _quota_safely(
                runtime,
                state,
                "charge",
                lambda: runtime.quota.charge_input(reservation, timeout=settle_timeout),
            )
        else:
            _quota_safely(
                runtime,
                state,
                "refund",
                lambda: runtime.quota.refund(reservation, timeout=settle_timeout),
            )
        if budget is not None:  # a model that answered keeps its (upper-bound) reservation
            timed_out = timed_out_nano if state.model_timed_out else 0
            kept = budget.nano_usd if state.model_used_tokens is not None else timed_out
            settle_budget(runtime, budget, kept, settle_timeout)
        raise
    used = completion.input_tokens + completion.output_tokens
    if state.model_timed_out:
        # A fallback served after the first model timed out: that one is charged its input
        # bound too (the one case where usage can pass the reservation, by one input bound).
        used += timed_out_charge
    _quota_safely(
        runtime,
        state,
        "settle",
        lambda: runtime.quota.settle(reservation, used, timeout=settle_timeout),
    )
    if budget is not None:
        spent = cost_nano_usd(
            config.models[served].price, completion.input_tokens, completion.output_tokens
        )
        spent += timed_out_nano if state.model_timed_out else 0
        settle_budget(runtime, budget, spent, settle_timeout)
    return _chat_response(request, alias, served, completion, runtime, state, reservation)


def _retrieval_call(runtime: Runtime, state: _RequestState) -> RetrievalCall:
    """The request's view of the gateway for ``gw_retrieval``."""
    if runtime.config.retrieval is None:
        raise HttpError(
            403,
            "RetrievalNotAllowed",
            "this gateway serves no knowledge base",
            field="knowledge_base",
        )
    if runtime.retrieval is None:
        raise HttpError(
            503, "RetrievalUnavailable", "this gateway has no knowledge-base client configured"
        )

    def timeout(cap: float) -> float:
        left = state.deadline - runtime.clock()
        if left < MIN_CALL_SECONDS:
            raise DeadlineExceeded("no time left for the call")
        return read_timeout_for(left, cap, runtime.config.timeouts.connect_seconds)

    return RetrievalCall(
        config=runtime.config,
        runtime=runtime.retrieval,
        clock=runtime.clock,
        sleep=runtime.sleep,
        uniform=runtime.uniform,
        deadline=state.deadline,
        timeout=timeout,
        recorder=state.recorder,
        log=state.log,
        logger=runtime.logger,
        request_id=state.request_id,
    )


def _retrieve(
    event: dict[str, Any], tenant: Tenant, runtime: Runtime, state: _RequestState
) -> dict[str, Any]:
    """``POST /v1/retrieve`` (see ``gw_retrieval``); the kill switch applies, as for chat."""
    body = parse_json_body(event, max_bytes=runtime.config.limits.max_body_bytes)
    call = _retrieval_call(runtime, state)
    if kill_switch_engaged(runtime, state):
        raise HttpError(
            503,
            "ServiceDisabled",
            "the inference gateway is switched off by the platform's cost controls",
            headers={"Retry-After": str(KILL_SWITCH_RETRY_AFTER_SECONDS)},
        )
    return handle_retrieve(event, body, tenant, call)


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


def _reserve(
    request: ChatRequest, tenant: Tenant, runtime: Runtime, state: _RequestState
) -> Reservation:
    now = runtime.now()
    try:
        reservation = call_with_retry(
            lambda: runtime.quota.reserve(
                tenant.id,
                request.input_token_bound,
                request.max_tokens,
                tenant.monthly_token_quota,
                now,
                timeout=_left(runtime, state, PLATFORM_READ_TIMEOUT_SECONDS),
            ),
            policy=runtime.config.retry,
            deadline=state.deadline,
            is_retryable=lambda exc: isinstance(exc, QuotaUnavailable) and exc.retryable,
            clock=runtime.clock,
            sleep=runtime.sleep,
            uniform=runtime.uniform,
        )
    except (DeadlineExceeded, _DeadlineSpent):
        raise _DeadlineSpent() from None
    except QuotaExceeded as exc:
        state.recorder.add(QUOTA_REJECTIONS, 1, state.dims())
        raise HttpError(
            429,
            "QuotaExceeded",
            f"tenant {tenant.id} has used its monthly token quota "
            f"({tenant.monthly_token_quota} tokens; this request needs at least "
            f"{exc.requested}: its input and one output token); it resets at "
            f"{iso(exc.resets_at)}",
            headers={"Retry-After": str(seconds_until(exc.resets_at, now))},
        ) from None
    except Exception as exc:
        reason = exc.reason if isinstance(exc, QuotaUnavailable) else type(exc).__name__
        runtime.logger.error(
            "quota store unavailable",
            extra={"request_id": state.request_id, "error_type": reason},
        )
        raise HttpError(
            503,
            "QuotaUnavailable",
            "the token quota could not be checked; try again shortly",
            headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)},
        ) from None
    state.log["reserved_tokens"] = reservation.tokens
    return reservation


def _quota_safely(
    runtime: Runtime, state: _RequestState, action: str, call: Callable[[], None]
) -> None:
    """Settle/refund without failing the response: the model already answered (or failed)."""
    try:
        call()
    except Exception as exc:
        runtime.logger.error(
            f"quota {action} failed",
            extra={"request_id": state.request_id, "error_type": type(exc).__name__},
        )


def _serve(
    request: ChatRequest,
    alias: str,
    tenant: Tenant,
    runtime: Runtime,
    state: _RequestState,
) -> tuple[str, Completion]:
    """The model that served and its completion: the alias, or its fallback when unavailable
    (tried only inside the same deadline); 504 when the deadline ran out."""
    config = runtime.config
    deadline = state.deadline
    target = config.models[alias]
    try:
        return alias, _call_target(target, request, tenant, runtime, state, deadline)
    except _TargetUnavailable as unavailable:
        fallback = target.fallback
        state.log["unavailable_reason"] = unavailable.reason
        if (
            fallback is None
            or fallback not in tenant.aliases
            or (state.grounding is not None and config.models[fallback].kind != BEDROCK)
        ):
            if unavailable.reason == "deadline":
                raise _deadline_error(runtime, state) from None
            raise _unavailable_error(unavailable) from None
        state.recorder.add(FALLBACKS, 1, state.dims(alias))
        state.log["fallback_reason"] = unavailable.reason
        try:
            completion = _call_target(
                config.models[fallback], request, tenant, runtime, state, deadline
            )
        except _TargetUnavailable as second:
            if second.reason == "deadline":
                raise _deadline_error(runtime, state) from None
            raise _unavailable_error(
                unavailable, retry_after=min(unavailable.retry_after, second.retry_after)
            ) from None
        return fallback, completion


def _unavailable_error(
    unavailable: _TargetUnavailable, retry_after: int | None = None
) -> HttpError:
    reasons = {
        "breaker_open": "is failing and temporarily switched off",
        WAKING: "is starting up from zero capacity",
        THROTTLED: "is throttling requests",
        CONNECTION: "could not be reached",
        "deadline": "did not answer within the request deadline",
    }
    reason = reasons.get(unavailable.reason, "failed to answer")
    seconds = unavailable.retry_after if retry_after is None else retry_after
    return HttpError(
        503,
        "ModelUnavailable",
        f"model {unavailable.alias} {reason} and no fallback is available; retry later",
        headers={"Retry-After": str(max(1, seconds))},
    )


def _call_target(
    target: ModelTarget,
    request: ChatRequest,
    tenant: Tenant,
    runtime: Runtime,
    state: _RequestState,
    deadline: float,
) -> Completion:
    """One target, behind its breaker, with retries; :class:`_TargetUnavailable` if it can't.

    Every path that got past ``breaker.allow()`` reports back to the breaker exactly once:
    success (the model answered, even if it refused the request), failure (timeout, error,
    throttling that outlasted the retries) or release (no verdict: waking from zero, deadline
    already spent, guardrail trouble, or a bug in this code).
    """
    breaker = runtime.breakers.for_call(tenant.id, target.alias)
    if not breaker.allow():
        raise _TargetUnavailable(target.alias, "breaker_open", breaker.retry_after_seconds())
    verdict_given = False
    try:
        if target.kind != BEDROCK and _guardrail(runtime, state, "INPUT", _texts(request)):
            return Completion(runtime.config.blocked_message, "guardrail_intervened", 0, 0, True)
        started = runtime.clock()
        try:
            completion = _with_retry(
                lambda: _invoke(target, request, tenant, runtime, state, deadline),
                target.kind,
                target.alias,
                runtime,
                state,
                deadline,
            )
        except (DeadlineExceeded, _DeadlineSpent):
            raise _TargetUnavailable(
                target.alias, "deadline", UNAVAILABLE_RETRY_AFTER_SECONDS
            ) from None
        except Exception as exc:
            kind = classify_error(exc, target.kind)
            state.log.setdefault("model_errors", []).append(f"{target.alias}:{kind}")
            if kind == TIMEOUT:
                state.model_timed_out = True
                if state.last_call_cut:
                    # Cut by the request's deadline, not by the model's own read timeout: no
                    # verdict on the model's health.
                    raise _TargetUnavailable(
                        target.alias, "deadline", UNAVAILABLE_RETRY_AFTER_SECONDS
                    ) from None
            if kind == WAKING:
                raise _TargetUnavailable(target.alias, WAKING, WAKING_RETRY_AFTER_SECONDS) from None
            if kind == UNEXPECTED:
                raise
            if kind == REJECTED:
                breaker.record_success()
                verdict_given = True
                raise HttpError(
                    400,
                    "ModelRejectedRequest",
                    f"model {target.alias} rejected the conversation: {rejection_message(exc)}",
                    field="messages",
                ) from None
            verdict_given = True
            if breaker.record_failure(kind):
                state.recorder.add(BREAKER_OPENS, 1, state.dims(target.alias))
                runtime.logger.warning(
                    "circuit breaker opened",
                    extra={"request_id": state.request_id, "model": target.alias, "cause": kind},
                )
            retry_after = (
                breaker.retry_after_seconds()
                if breaker.state == OPEN
                else UNAVAILABLE_RETRY_AFTER_SECONDS
            )
            raise _TargetUnavailable(target.alias, kind, retry_after) from None
        breaker.record_success()
        verdict_given = True
        state.model_used_tokens = completion.input_tokens + completion.output_tokens
        latency_ms = (runtime.clock() - started) * 1000
        state.recorder.add(LATENCY, latency_ms, state.dims(target.alias))
        state.log["model_latency_ms"] = round(latency_ms, 1)
        if target.kind != BEDROCK and _guardrail(runtime, state, "OUTPUT", [completion.text]):
            completion = replace(
                completion, stop_reason="guardrail_intervened", guardrail_intervened=True
            )
        return completion
    finally:
        if not verdict_given:
            breaker.release()


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


def _invoke(
    target: ModelTarget,
    request: ChatRequest,
    tenant: Tenant,
    runtime: Runtime,
    state: _RequestState,
    deadline: float,
) -> Completion:
    timeout = _call_timeout(runtime, state, deadline)
    if target.kind == BEDROCK:
        metadata = {"tenant": tenant.id, "feature": state.feature, "request_id": state.request_id}
        grounding = state.grounding
        return bedrock_converse(  # through the tenant's application inference profile
            runtime.bedrock(timeout),
            target_for(target, tenant.profiles),
            request,
            runtime.config.guardrail,
            metadata,
            messages=grounding.converse_messages(request) if grounding else None,
            on_response=grounding.inspect if grounding else None,
        )
    return sagemaker_chat(runtime.sagemaker(timeout), target, request)


def _with_retry(
    call: Callable[[], Completion],
    kind: str,
    alias: str,
    runtime: Runtime,
    state: _RequestState,
    deadline: float,
) -> Completion:
    def count_throttle(exc: Exception) -> None:
        if classify_error(exc, kind) == THROTTLED:
            state.recorder.add(THROTTLES, 1, state.dims(alias))

    return call_with_retry(
        call,
        policy=runtime.config.retry,
        deadline=deadline,
        is_retryable=lambda exc: classify_error(exc, kind) in (THROTTLED, CONNECTION),
        clock=runtime.clock,
        sleep=runtime.sleep,
        uniform=runtime.uniform,
        on_retryable_failure=count_throttle,
    )


def _texts(request: ChatRequest) -> list[str]:
    texts = [request.system] if request.system else []
    return texts + [m.content for m in request.messages]


def _guardrail(runtime: Runtime, state: _RequestState, source: str, texts: list[str]) -> bool:
    """``ApplyGuardrail`` with retries; fails CLOSED (503, or 504 once the deadline is spent) --
    unguarded text is never served."""
    guardrail = runtime.config.guardrail
    try:
        return call_with_retry(
            lambda: apply_guardrail(
                runtime.bedrock(_call_timeout(runtime, state, state.deadline)),
                guardrail,
                source,
                texts,
            ),
            policy=runtime.config.retry,
            deadline=state.deadline,
            is_retryable=lambda exc: classify_error(exc, BEDROCK) in (THROTTLED, CONNECTION),
            clock=runtime.clock,
            sleep=runtime.sleep,
            uniform=runtime.uniform,
        )
    except (DeadlineExceeded, _DeadlineSpent):
        raise _DeadlineSpent() from None
    except Exception as exc:
        if classify_error(exc, BEDROCK) == TIMEOUT and state.last_call_cut:
            raise _DeadlineSpent() from None
        runtime.logger.error(
            "guardrail unavailable",
            extra={
                "request_id": state.request_id,
                "source": source,
                "cause": classify_error(exc, BEDROCK),
                "error_type": type(exc).__name__,
            },
        )
        raise HttpError(
            503,
            "GuardrailUnavailable",
            "the platform guardrail could not check this request; retry later",
            headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)},
        ) from None


def _chat_response(
    request: ChatRequest,
    requested: str,
    served: str,
    completion: Completion,
    runtime: Runtime,
    state: _RequestState,
    reservation: Reservation,
) -> dict[str, Any]:
    config = runtime.config
    dims = state.dims(served)
    state.recorder.add(INPUT_TOKENS, completion.input_tokens, dims)
    state.recorder.add(OUTPUT_TOKENS, completion.output_tokens, dims)
    record_cost(
        state.recorder,
        dims,
        config.models[served].price,
        completion.input_tokens,
        completion.output_tokens,
    )
    intervened = completion.guardrail_intervened
    if intervened:
        state.recorder.add(GUARDRAIL_INTERVENTIONS, 1, dims)
    text = config.blocked_message if intervened else completion.text
    response_id = runtime.response_ids.issue(state.principal, runtime.epoch(), dims.model)
    state.log.update(
        response_id=response_id,
        served_model=served,
        fallback=served != requested,
        input_tokens=completion.input_tokens,
        output_tokens=completion.output_tokens,
        output_chars=len(text),
        stop_reason=completion.stop_reason,
        guardrail_intervened=intervened,
    )
    if state.tenant is not None and state.tenant.log_content:
        state.log["prompt_masked"] = [mask(t) for t in _texts(request)]
        state.log["completion_masked"] = mask(completion.text)
    body = {
        "response_id": response_id,
        "model": served,
        "requested_model": requested,
        "fallback": served != requested,
        "output": {"role": "assistant", "content": text},
        "stop_reason": completion.stop_reason,
        "max_tokens": request.max_tokens,
        "max_tokens_capped": reservation.capped,
        "usage": {
            "input_tokens": completion.input_tokens,
            "output_tokens": completion.output_tokens,
        },
        "guardrail": {
            "intervened": intervened,
            "action": GUARDRAIL_INTERVENED if intervened else "NONE",
        },
    }
    if state.grounding is not None:
        state.grounding.finish(body, intervened, state.recorder, dims)
    return json_response(200, body)


def _finish(
    route: str | None, response: dict[str, Any], runtime: Runtime, state: _RequestState
) -> None:
    """Count the request, write the one log line, emit the metrics."""
    status = int(response["statusCode"])
    if route in _CHAT_ROUTES:
        state.recorder.add(REQUESTS, 1, state.dims())
    # The kill switch is a deliberate 503 (the cost controls flipped it), not a fault.
    if status >= 500 and state.log.get("error_code") != "ServiceDisabled":
        state.recorder.add(ERRORS, 1, state.dims())
    _flush_stale_refunds(runtime, state)
    latency_ms = round((runtime.clock() - state.started) * 1000, 1)
    fields = {
        "request_id": state.request_id,
        "route": route or "unknown",
        "status": status,
        "tenant": state.tenant.id if state.tenant else _UNKNOWN,
        "feature": state.feature,
        "model": state.model,
        "latency_ms": latency_ms,
        "response_bytes": len(response.get("body") or ""),
        **state.log,
    }
    runtime.logger.info("request served", extra={k: _loggable(v) for k, v in fields.items()})
    try:
        runtime.emit_metrics(state.recorder)
    except Exception as exc:
        runtime.logger.error("metrics not emitted", extra={"error_type": type(exc).__name__})


def _loggable(value: Any) -> Any:
    """``value`` with unpaired surrogates replaced in every string (a log line must encode)."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, list):
        return [_loggable(item) for item in value]
    return value


def _flush_stale_refunds(runtime: Runtime, state: _RequestState) -> None:
    """Apply deferred quota refunds that waited too long for a reservation of their item (at
    most one store call per item, only when some are stale and the margin allows it)."""
    try:
        if runtime.quota.has_stale():
            runtime.quota.flush(
                older_than=runtime.quota.max_defer_seconds, timeout=SETTLE_TIMEOUT_SECONDS
            )
    except Exception as exc:
        runtime.logger.error(
            "quota refunds not flushed",
            extra={"request_id": state.request_id, "error_type": type(exc).__name__},
        )
