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

**One deadline per request**, fixed on the handler's first line, covers every outbound call;
when it is spent the caller gets a 504 ``GatewayTimeout`` (see ``gw_deadline``).

``GET /v1/models`` lists the caller tenant's aliases; it costs nothing, so the kill switch does
not apply to it.

Logs carry ids, sizes, token counts, status and latency; prompt and completion text only for a
tenant with ``log_content``, and then masked; every logged string has unpaired surrogates
replaced, so a line is never dropped for its encoding. Nothing a caller can send ends in a 500:
those are reserved for bugs, and say only the request id.

Every answer carries a ``response_id`` signed for the calling principal (see
``gw_common.ResponseIds``): the feedback function accepts feedback only on those.

The code, one concern per module: this one routes a request, answers it and writes its log line
and metrics; ``gw_runtime`` holds the injected :class:`Runtime` and the request's state,
``gw_deadline`` the deadline and read timeouts, ``gw_kill_switch`` the kill switch, ``gw_chat``
the chat route (quota and budget reservations and settlement, the answer), ``gw_serving`` the
model calls (breakers, retries, fallback, guardrail checks) and ``gw_retrieve_route`` the
retrieval route. The public names below stay importable from here.
"""

from __future__ import annotations

from typing import Any

from gw_chat import _chat
from gw_common import (
    HttpError,
    caller_identity,
    error_response,
    json_response,
    scrub_text,
)
from gw_config import GatewayConfig, Tenant
from gw_deadline import (
    DEADLINE_MARGIN_SECONDS,
    PLATFORM_CONNECT_TIMEOUT_SECONDS,
    PLATFORM_READ_TIMEOUT_SECONDS,
    SETTLE_TIMEOUT_SECONDS,
    UNAVAILABLE_RETRY_AFTER_SECONDS,
    _budget,
    _deadline_error,
    _DeadlineSpent,
    read_timeout_for,
)
from gw_kill_switch import (
    KILL_SWITCH_ERROR_BACKOFF_SECONDS,
    KILL_SWITCH_MAX_AGE_SECONDS,
    KILL_SWITCH_MAX_STALE_SECONDS,
    KILL_SWITCH_RETRY_AFTER_SECONDS,
    KillSwitchCache,
    kill_switch_engaged,
)
from gw_metrics import ERRORS, REQUESTS
from gw_openai import to_chat_event, to_openai_response
from gw_retrieve_route import _retrieve
from gw_retry import DeadlineExceeded
from gw_runtime import _UNKNOWN, Runtime, _RequestState
from gw_serving import WAKING_RETRY_AFTER_SECONDS

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

_ROUTES = {
    ("POST", "/v1/chat"): "chat",
    ("POST", "/v1/chat/completions"): "openai_chat",
    ("GET", "/v1/models"): "models",
    ("POST", "/v1/retrieve"): "retrieve",
}
_CHAT_ROUTES = ("chat", "openai_chat")


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
