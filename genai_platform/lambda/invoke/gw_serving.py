"""Serving a chat from a model (step 6 of ``gw_gateway``): the alias behind its circuit
breakers, with retries inside the request's deadline; its ``fallback`` when it is unavailable;
``ApplyGuardrail`` on the input and output of a self-hosted model (failing closed); and the
503/504 errors when nothing can serve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from gw_breaker import OPEN
from gw_common import HttpError
from gw_config import BEDROCK, ModelTarget, Tenant
from gw_cost import target_for
from gw_deadline import (
    UNAVAILABLE_RETRY_AFTER_SECONDS,
    _call_timeout,
    _deadline_error,
    _DeadlineSpent,
)
from gw_metrics import BREAKER_OPENS, FALLBACKS, LATENCY, THROTTLES
from gw_request import ChatRequest
from gw_retry import DeadlineExceeded, call_with_retry
from gw_runtime import Runtime, _RequestState
from gw_targets import (
    CONNECTION,
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

__all__ = ["WAKING_RETRY_AFTER_SECONDS"]

WAKING_RETRY_AFTER_SECONDS = 60
"""``Retry-After`` while an inference component scales out from zero (takes minutes)."""


class _TargetUnavailable(Exception):
    """A target could not serve now (breaker open, waking, throttled, failed, timed out)."""

    def __init__(self, alias: str, reason: str, retry_after: int) -> None:
        super().__init__(f"model {alias} unavailable: {reason}")
        self.alias = alias
        self.reason = reason
        self.retry_after = retry_after


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
