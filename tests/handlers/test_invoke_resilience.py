"""Invoke function: retries with backoff and full jitter, timeouts, the circuit breaker, the
fallback alias, and inference components waking from zero. The clock, sleep and jitter are
fakes: nothing here waits."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from tests.handlers.conftest import (
    ApiEventFactory,
    ApiResult,
    Gateway,
    GatewayFactory,
    chat_body,
    chat_completion_response,
    client_error,
    converse_response,
    guardrail_response,
)

THRESHOLD = 5  # breaker.failure_threshold in the example config
OPEN_SECONDS = 30  # breaker.open_seconds
NO_CAPACITY = (
    "Inference Component has no capacity to process this request. ApplicationAutoScaling may "
    "be in-progress (if configured) or try to increase the capacity by invoking "
    "UpdateInferenceComponentRuntimeConfig API."
)


def _throttled() -> Exception:
    return client_error("ThrottlingException", "Too many requests, please wait.")


def _failure() -> Exception:
    return client_error("InternalServerException", "internal error")


def _chat(gateway: Gateway, api_event: ApiEventFactory, model: str = "chat") -> ApiResult:
    return gateway.call(api_event("POST", "/v1/chat", chat_body(model=model)))


def _converse_by_model(outcomes: dict[str, Any]) -> Any:
    """A converse answer that depends on the model id (primary fails, fallback answers)."""

    def answer(kwargs: dict[str, Any]) -> Any:
        outcome = outcomes[kwargs["modelId"]]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return answer


CHAT_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
FAST_ID = "us.amazon.nova-lite-v1:0"


def _chat_fails_fast_answers(gateway: Gateway) -> None:
    gateway.bedrock.defaults["converse"] = _converse_by_model(
        {CHAT_ID: _failure(), FAST_ID: converse_response("from fast")}
    )


def _model_ids(gateway: Gateway) -> list[str]:
    return [call["modelId"] for call in gateway.bedrock.calls_to("converse")]


# --- retries --------------------------------------------------------------------------------


def test_throttling_is_retried_until_success(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN Bedrock throttles twice, then answers
    gateway.bedrock.script("converse", _throttled(), _throttled(), converse_response("at last"))

    # WHEN team-a chats
    result = _chat(gateway, api_event)

    # THEN the third attempt serves it, and both throttles are counted
    assert result.status == 200
    assert result.body["output"]["content"] == "at last"
    assert len(gateway.bedrock.calls_to("converse")) == 3
    assert gateway.metric("Throttles", model="chat") == 2


def test_backoff_is_exponential_with_full_jitter(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN Bedrock throttles three times, then answers
    gateway.bedrock.script(
        "converse", _throttled(), _throttled(), _throttled(), converse_response()
    )

    # WHEN team-a chats
    _chat(gateway, api_event)

    # THEN each sleep is drawn from [0, base * 2**attempt] (full jitter; the fake draws the top)
    assert gateway.jitter == [(0.0, 0.2), (0.0, 0.4), (0.0, 0.8)]
    assert gateway.clock.sleeps == [0.2, 0.4, 0.8]


def test_backoff_is_capped_at_max_delay(
    make_gateway: GatewayFactory, gateway_config: dict[str, Any], api_event: ApiEventFactory
) -> None:
    # GIVEN 6 attempts with base 0.2 s capped at 0.5 s, and a model that keeps throttling
    config = copy.deepcopy(gateway_config)
    config["retry"] = {"max_attempts": 6, "base_delay_seconds": 0.2, "max_delay_seconds": 0.5}
    gateway = make_gateway(config)
    gateway.bedrock.defaults["converse"] = _converse_by_model(
        {CHAT_ID: _throttled(), FAST_ID: converse_response()}
    )

    # WHEN team-a chats
    _chat(gateway, api_event)

    # THEN no jitter window exceeds the cap
    assert [high for _, high in gateway.jitter] == [0.2, 0.4, 0.5, 0.5, 0.5]


def test_throttling_that_outlasts_the_retries_falls_back(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN chat keeps throttling and fast answers
    gateway.bedrock.defaults["converse"] = _converse_by_model(
        {CHAT_ID: _throttled(), FAST_ID: converse_response("from fast")}
    )

    # WHEN team-a chats with chat
    result = _chat(gateway, api_event)

    # THEN after max_attempts (4) tries the fallback serves, and says so
    assert _model_ids(gateway) == [CHAT_ID] * 4 + [FAST_ID]
    assert (result.body["model"], result.body["fallback"]) == ("fast", True)


def test_no_retry_starts_after_the_deadline(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN each throttled call takes 10 s of the 25 s deadline
    def slow_throttle(kwargs: dict[str, Any]) -> Any:
        gateway.clock.advance(10)
        raise _throttled()

    gateway.bedrock.defaults["converse"] = slow_throttle

    # WHEN team-a chats with fast (no fallback)
    result = _chat(gateway, api_event, model="fast")

    # THEN only the attempts that could start before the deadline ran, then a 503
    assert len(gateway.bedrock.calls_to("converse")) == 3
    assert (result.status, result.error["code"]) == (503, "ModelUnavailable")


def test_lambda_remaining_time_caps_the_deadline(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN only 3 s of Lambda time left and a call that throttles after 1.9 s
    def slow_throttle(kwargs: dict[str, Any]) -> Any:
        gateway.clock.advance(1.9)
        raise _throttled()

    gateway.bedrock.defaults["converse"] = slow_throttle

    # WHEN team-a chats with fast
    event = api_event("POST", "/v1/chat", chat_body(model="fast"))
    result = gateway.call(event, remaining_millis=3000)

    # THEN the deadline is 2 s (3 s minus the safety margin): the 0.2 s backoff would end past
    # it, so there is no second attempt (the 25 s config deadline alone would allow three)
    assert len(gateway.bedrock.calls_to("converse")) == 1
    assert result.status == 503


def test_connection_errors_are_retried(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN the endpoint cannot be reached once
    gateway.bedrock.script(
        "converse",
        EndpointConnectionError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"),
        converse_response(),
    )

    # WHEN team-a chats
    result = _chat(gateway, api_event)

    # THEN the retry serves it
    assert result.status == 200
    assert len(gateway.bedrock.calls_to("converse")) == 2


# --- timeouts and fallback ------------------------------------------------------------------


def test_read_timeout_falls_back_and_names_the_serving_model(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN chat does not answer within the read timeout, fast does
    gateway.bedrock.script(
        "converse",
        ReadTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"),
        converse_response("from fast"),
    )

    # WHEN team-a chats with chat
    result = _chat(gateway, api_event)

    # THEN the timeout is not retried, fast serves, and the response says so
    assert _model_ids(gateway) == [CHAT_ID, FAST_ID]
    assert result.status == 200
    assert result.body["model"] == "fast"
    assert result.body["requested_model"] == "chat"
    assert result.body["fallback"] is True
    assert result.body["output"]["content"] == "from fast"
    assert gateway.metric("Fallbacks", model="chat") == 1


def test_read_timeout_without_fallback_is_503_with_retry_after(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN fast (which has no fallback) times out
    gateway.bedrock.script("converse", ReadTimeoutError(endpoint_url="https://bedrock"))

    # WHEN team-a chats with fast
    result = _chat(gateway, api_event, model="fast")

    # THEN 503 ModelUnavailable with Retry-After; the model may have run, so the input bound
    # (26 bytes of text + 16 template tokens for the message and 16 for the reply) stays
    # charged and the output reservation is refunded
    assert (result.status, result.error["code"]) == (503, "ModelUnavailable")
    assert int(result.headers["Retry-After"]) >= 1
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 26 + 16 + 16


def test_fallback_is_one_hop_only(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN llama fails, and its fallback chat (whose own fallback is fast) fails too
    gateway.bedrock.script("apply_guardrail", guardrail_response())
    gateway.sagemaker.script("invoke_endpoint", client_error("InternalFailure", operation="X"))
    gateway.bedrock.script("converse", _failure())

    # WHEN team-a chats with llama
    result = _chat(gateway, api_event, model="llama")

    # THEN fast is not tried: 503
    assert _model_ids(gateway) == [CHAT_ID]
    assert result.status == 503


def test_fallback_the_tenant_may_not_use_is_not_served(
    make_gateway: GatewayFactory, gateway_config: dict[str, Any], api_event: ApiEventFactory
) -> None:
    # GIVEN team-a may use chat but not its fallback fast, and chat fails
    config = copy.deepcopy(gateway_config)
    config["tenants"][0]["aliases"] = ["chat", "llama"]
    gateway = make_gateway(config)
    gateway.bedrock.script("converse", _failure())

    # WHEN team-a chats with chat
    result = _chat(gateway, api_event)

    # THEN 503 rather than a model outside the tenant's approval
    assert _model_ids(gateway) == [CHAT_ID]
    assert result.status == 503


# --- circuit breaker ------------------------------------------------------------------------


def _open_chat_breaker(gateway: Gateway, api_event: ApiEventFactory) -> None:
    _chat_fails_fast_answers(gateway)
    for _ in range(THRESHOLD):
        _chat(gateway, api_event)


def test_breaker_opens_after_consecutive_failures(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN chat fails on every call
    _chat_fails_fast_answers(gateway)

    # WHEN team-a sends failure_threshold requests
    for _ in range(THRESHOLD):
        _chat(gateway, api_event)

    # THEN the breaker opened once, and it was counted and logged
    assert gateway.metric("BreakerOpens", model="chat") == 1
    assert any(r.getMessage() == "circuit breaker opened" for r in gateway.logs.records)


def test_open_breaker_serves_the_fallback_without_calling_the_model(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN chat's breaker is open
    _open_chat_breaker(gateway, api_event)
    gateway.bedrock.calls.clear()

    # WHEN team-a chats with chat again
    result = _chat(gateway, api_event)

    # THEN chat is not called; fast serves immediately
    assert _model_ids(gateway) == [FAST_ID]
    assert (result.body["model"], result.body["fallback"]) == ("fast", True)


def test_open_breaker_without_fallback_is_503_with_the_remaining_open_time(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN fast (no fallback) failed failure_threshold times, 10 s ago
    gateway.bedrock.defaults["converse"] = _failure()
    for _ in range(THRESHOLD):
        _chat(gateway, api_event, model="fast")
    gateway.bedrock.calls.clear()
    gateway.clock.advance(10)

    # WHEN team-a chats with fast
    result = _chat(gateway, api_event, model="fast")

    # THEN 503 without calling Bedrock, Retry-After = the 20 s the breaker stays open
    assert gateway.bedrock.calls == []
    assert (result.status, result.error["code"]) == (503, "ModelUnavailable")
    assert result.headers["Retry-After"] == str(OPEN_SECONDS - 10)


def test_half_open_breaker_probes_once_and_closes_on_success(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN chat's breaker opened, open_seconds have passed, and chat has recovered
    _open_chat_breaker(gateway, api_event)
    gateway.clock.advance(OPEN_SECONDS)
    gateway.bedrock.defaults["converse"] = converse_response("chat is back")
    gateway.bedrock.calls.clear()

    # WHEN team-a sends two requests
    probe = _chat(gateway, api_event)
    after = _chat(gateway, api_event)

    # THEN the probe went to chat and served; the breaker closed, so chat serves again
    assert _model_ids(gateway) == [CHAT_ID, CHAT_ID]
    assert (probe.body["model"], probe.body["fallback"]) == ("chat", False)
    assert after.body["model"] == "chat"


def test_failed_probe_reopens_the_breaker(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN chat's breaker opened and open_seconds have passed, but chat still fails
    _open_chat_breaker(gateway, api_event)
    gateway.clock.advance(OPEN_SECONDS)
    gateway.bedrock.calls.clear()

    # WHEN team-a sends two requests
    _chat(gateway, api_event)
    second = _chat(gateway, api_event)

    # THEN only the first (the probe) reached chat; the breaker re-opened for the second
    assert _model_ids(gateway) == [CHAT_ID, FAST_ID, FAST_ID]
    assert second.body["model"] == "fast"
    assert gateway.metric("BreakerOpens", model="chat") == 2


def test_success_resets_the_consecutive_failure_count(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN chat failed threshold-1 times, then answered once
    gateway.bedrock.defaults["converse"] = _converse_by_model(
        {CHAT_ID: _failure(), FAST_ID: converse_response()}
    )
    for _ in range(THRESHOLD - 1):
        _chat(gateway, api_event)
    gateway.bedrock.script("converse", converse_response("ok"))
    _chat(gateway, api_event)

    # WHEN chat fails threshold-1 more times
    for _ in range(THRESHOLD - 1):
        _chat(gateway, api_event)

    # THEN team-a's breaker for chat is still closed: the count restarted after the success
    assert gateway.runtime.breakers.for_tenant("team-a", "chat").state == "closed"
    assert gateway.metric("BreakerOpens") == 0


def test_breakers_are_per_target(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN chat's breaker is open
    _open_chat_breaker(gateway, api_event)
    gateway.bedrock.calls.clear()

    # WHEN team-a chats with fast directly
    result = _chat(gateway, api_event, model="fast")

    # THEN fast serves as itself, not as a fallback
    assert (result.body["model"], result.body["fallback"]) == ("fast", False)


def test_client_rejections_do_not_trip_the_breaker(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN chat rejects many malformed conversations (the model itself is healthy)
    gateway.bedrock.defaults["converse"] = client_error("ValidationException", "bad input")
    for _ in range(THRESHOLD * 2):
        _chat(gateway, api_event)

    # WHEN a valid conversation comes
    gateway.bedrock.script("converse", converse_response())
    result = _chat(gateway, api_event)

    # THEN chat serves it: rejections are not model failures
    assert result.body["model"] == "chat"
    assert gateway.metric("BreakerOpens") == 0


# --- inference components waking from zero --------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        client_error("ValidationError", NO_CAPACITY, operation="InvokeEndpoint"),
        client_error("ModelNotReadyException", "not ready", operation="InvokeEndpoint"),
    ],
    ids=["no_capacity", "model_not_ready"],
)
def test_waking_endpoint_is_served_by_the_fallback(
    gateway: Gateway, api_event: ApiEventFactory, error: Exception
) -> None:
    # GIVEN llama's inference component is scaled to zero; its fallback is chat
    gateway.bedrock.script("apply_guardrail", guardrail_response())
    gateway.sagemaker.script("invoke_endpoint", error)
    gateway.bedrock.script("converse", converse_response("from chat"))

    # WHEN team-a chats with llama
    result = _chat(gateway, api_event, model="llama")

    # THEN one invocation (which is what triggers the scale-out) and then chat serves
    assert len(gateway.sagemaker.calls_to("invoke_endpoint")) == 1
    assert (result.body["model"], result.body["requested_model"]) == ("chat", "llama")
    assert result.body["fallback"] is True
    assert gateway.metric("Fallbacks", model="llama") == 1


def test_waking_does_not_open_the_breaker(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN llama stays at zero capacity for many requests
    gateway.bedrock.defaults["apply_guardrail"] = guardrail_response()
    gateway.bedrock.defaults["converse"] = converse_response()
    gateway.sagemaker.defaults["invoke_endpoint"] = client_error(
        "ValidationError", NO_CAPACITY, operation="InvokeEndpoint"
    )

    # WHEN team-a sends more than failure_threshold requests to llama
    for _ in range(THRESHOLD * 2):
        _chat(gateway, api_event, model="llama")

    # THEN every request still reached the endpoint (keeping the scale-out signal alive)
    assert len(gateway.sagemaker.calls_to("invoke_endpoint")) == THRESHOLD * 2
    assert gateway.metric("BreakerOpens") == 0


def test_waking_endpoint_without_fallback_is_503_with_retry_after(
    make_gateway: GatewayFactory, gateway_config: dict[str, Any], api_event: ApiEventFactory
) -> None:
    # GIVEN llama has no fallback and is scaled to zero
    config = copy.deepcopy(gateway_config)
    del config["models"]["llama"]["fallback"]
    gateway = make_gateway(config)
    gateway.bedrock.script("apply_guardrail", guardrail_response())
    gateway.sagemaker.script(
        "invoke_endpoint", client_error("ValidationError", NO_CAPACITY, operation="InvokeEndpoint")
    )

    # WHEN team-a chats with llama
    result = _chat(gateway, api_event, model="llama")

    # THEN 503 saying it is starting, with a Retry-After of about a minute
    assert (result.status, result.error["code"]) == (503, "ModelUnavailable")
    assert "starting up" in result.error["message"]
    assert result.headers["Retry-After"] == "60"


def test_woken_endpoint_serves_itself_again(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN llama was waking on the first request and is up for the second
    gateway.bedrock.defaults["apply_guardrail"] = guardrail_response()
    gateway.bedrock.script("converse", converse_response())
    gateway.sagemaker.script(
        "invoke_endpoint",
        client_error("ValidationError", NO_CAPACITY, operation="InvokeEndpoint"),
        chat_completion_response("llama here"),
    )
    _chat(gateway, api_event, model="llama")

    # WHEN team-a chats with llama again
    result = _chat(gateway, api_event, model="llama")

    # THEN llama serves it
    assert (result.body["model"], result.body["fallback"]) == ("llama", False)


def test_other_sagemaker_validation_errors_are_rejections_not_waking(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN the container rejects the body
    gateway.bedrock.script("apply_guardrail", guardrail_response())
    gateway.sagemaker.script(
        "invoke_endpoint",
        client_error(
            "ModelError",
            "Received client error (400) from primary",
            operation="InvokeEndpoint",
            OriginalStatusCode=400,
            OriginalMessage="messages: roles must alternate",
        ),
    )

    # WHEN team-a chats with llama
    result = _chat(gateway, api_event, model="llama")

    # THEN a 400 with the container's reason, no fallback
    assert (result.status, result.error["code"]) == (400, "ModelRejectedRequest")
    assert "roles must alternate" in result.error["message"]
    assert gateway.bedrock.calls_to("converse") == []
