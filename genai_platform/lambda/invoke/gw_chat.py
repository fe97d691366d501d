"""``POST /v1/chat`` (and the OpenAI shape, translated into it): steps 2 to 7 of
``gw_gateway`` -- the body, the model alias, the switches, the token quota and budget
reservations, serving (``gw_serving``), settling what the model used, and the answer with its
metrics, log fields and signed ``response_id``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from gw_common import HttpError, json_response, parse_json_body
from gw_config import BEDROCK, Tenant
from gw_cost import (
    check_tenant_switch,
    cost_nano_usd,
    record_cost,
    reserve_budget,
    settle_budget,
)
from gw_deadline import (
    PLATFORM_READ_TIMEOUT_SECONDS,
    SETTLE_TIMEOUT_SECONDS,
    UNAVAILABLE_RETRY_AFTER_SECONDS,
    _DeadlineSpent,
    _left,
)
from gw_kill_switch import KILL_SWITCH_RETRY_AFTER_SECONDS, kill_switch_engaged
from gw_masking import mask
from gw_metrics import GUARDRAIL_INTERVENTIONS, INPUT_TOKENS, OUTPUT_TOKENS, QUOTA_REJECTIONS
from gw_quota import QuotaExceeded, QuotaUnavailable, Reservation, iso, seconds_until
from gw_request import ChatRequest, feature_dimension, parse_chat_request
from gw_retrieval import ground, take_knowledge_base
from gw_retrieve_route import _retrieval_call
from gw_retry import DeadlineExceeded, call_with_retry
from gw_runtime import Runtime, _RequestState
from gw_serving import _serve, _texts
from gw_targets import GUARDRAIL_INTERVENED, Completion

__all__: list[str] = []


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
