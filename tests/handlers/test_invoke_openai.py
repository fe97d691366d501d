"""``POST /v1/chat/completions``: OpenAI's request, response and error shapes on the chat path
(same identity, quota, guardrail, breaker and fallback as ``/v1/chat``)."""

from __future__ import annotations

import re
from typing import Any

import gw_common
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.handlers.conftest import (
    GUARDRAIL_ARN,
    TENANT_B_ROLE_ARN,
    UNKNOWN_ROLE_ARN,
    ApiEventFactory,
    Gateway,
    client_error,
    converse_response,
)

PATH = "/v1/chat/completions"


def openai_body(text: str = "What is our refund policy?", **fields: Any) -> dict[str, Any]:
    return {"model": "chat", "messages": [{"role": "user", "content": text}], **fields}


def test_answers_in_the_chat_completions_shape(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN a Bedrock model that answers
    gateway.bedrock.script("converse", converse_response("Refunds take 5 days.", input_tokens=30))
    gateway.clock.now = 0.0
    # WHEN team-a calls the OpenAI route with a system message and max_completion_tokens
    body = openai_body(max_completion_tokens=200, temperature=0.2, user="end-user-42")
    body["messages"].insert(0, {"role": "system", "content": "Answer briefly."})
    result = gateway.call(api_event("POST", PATH, body))
    # THEN the OpenAI shape, with the gateway's response id for feedback
    assert result.status == 200
    answer = result.body
    response_id = answer.pop("response_id")
    assert re.fullmatch(gw_common.RESPONSE_ID_PATTERN, response_id)
    assert answer.pop("id") == f"chatcmpl-{response_id}"
    assert isinstance(answer.pop("created"), int)
    assert answer == {
        "object": "chat.completion",
        "model": "chat",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Refunds take 5 days."},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 30, "completion_tokens": 5, "total_tokens": 35},
    }
    # AND the model was called as /v1/chat calls it: system prompt, limits, the guardrail
    (call,) = gateway.bedrock.calls_to("converse")
    assert call["system"] == [{"text": "Answer briefly."}]
    assert call["inferenceConfig"]["maxTokens"] == 200
    assert call["guardrailConfig"]["guardrailIdentifier"] == GUARDRAIL_ARN
    # AND the tokens are charged to the caller's tenant, not to the body's "user"
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 35


def test_text_parts_and_length_finish_reason(gateway: Gateway, api_event: ApiEventFactory) -> None:
    gateway.bedrock.script("converse", converse_response("Ref", stop_reason="max_tokens"))
    body = openai_body()
    body["messages"][0]["content"] = [
        {"type": "text", "text": "What is "},
        {"type": "text", "text": "our refund policy?"},
    ]
    result = gateway.call(api_event("POST", PATH, body))
    assert result.body["choices"][0]["finish_reason"] == "length"
    (call,) = gateway.bedrock.calls_to("converse")
    assert call["messages"][0]["content"] == [{"text": "What is our refund policy?"}]


def test_guardrail_intervention_is_a_content_filter_finish(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    gateway.bedrock.script("converse", converse_response("x", stop_reason="guardrail_intervened"))
    result = gateway.call(api_event("POST", PATH, openai_body()))
    choice = result.body["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"] == gateway.runtime.config.blocked_message


def test_fallback_serves_and_names_the_model_that_answered(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN chat fails for good (access denied is not retried) and falls back to fast
    gateway.bedrock.script(
        "converse",
        client_error("ModelNotReadyException", "not ready"),
        client_error("ModelNotReadyException", "not ready"),
        client_error("ModelNotReadyException", "not ready"),
        client_error("ModelNotReadyException", "not ready"),
        converse_response("from the fallback"),
    )
    result = gateway.call(api_event("POST", PATH, openai_body()))
    assert result.status == 200, result.body
    assert result.body["model"] == "fast"
    assert result.body["choices"][0]["message"]["content"] == "from the fallback"


# --- errors in OpenAI's shape ----------------------------------------------------------------


def test_unknown_principal_is_a_403_permission_error(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    result = gateway.call(api_event("POST", PATH, openai_body(), user_arn=UNKNOWN_ROLE_ARN))
    assert result.status == 403
    assert result.body["error"]["type"] == "permission_error"
    assert result.body["error"]["code"] == "AccessDenied"
    assert gateway.bedrock.calls == []


def test_alias_not_allowed_names_the_param(gateway: Gateway, api_event: ApiEventFactory) -> None:
    result = gateway.call(api_event("POST", PATH, openai_body(), user_arn=TENANT_B_ROLE_ARN))
    assert result.status == 403
    assert result.body["error"]["param"] == "model"
    assert "allowed: fast" in result.body["error"]["message"]


def test_kill_switch_is_a_503_api_error_keeping_retry_after(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN the cost controls switched the gateway off
    gateway.kill_switch_value[0] = "on"
    result = gateway.call(api_event("POST", PATH, openai_body()))
    # THEN OpenAI's error shape with the same status and Retry-After, nothing served
    assert result.status == 503
    assert result.body["error"]["type"] == "api_error"
    assert result.body["error"]["code"] == "ServiceDisabled"
    assert "Retry-After" in result.headers
    assert gateway.bedrock.calls == []


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (openai_body(stream=True), "stream"),
        (openai_body(n=2), "n"),
        (openai_body(tools=[]), "tools"),
        (openai_body(max_tokens=10, max_completion_tokens=10), "max_completion_tokens"),
        ({"model": "chat", "messages": [{"role": "tool", "content": "x"}]}, "messages[0].role"),
        (
            {"model": "chat", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
            "messages[0].content[0]",
        ),
        (openai_body(user=["not", "a", "string"]), "user"),
        (openai_body(temperature=1.5), "temperature"),
    ],
)
def test_bad_requests_are_400_invalid_request_errors_naming_the_param(
    gateway: Gateway, api_event: ApiEventFactory, body: dict[str, Any], param: str
) -> None:
    result = gateway.call(api_event("POST", PATH, body))
    assert result.status == 400, result.body
    assert result.body["error"]["type"] == "invalid_request_error"
    assert result.body["error"]["param"] == param
    assert gateway.bedrock.calls == []


def test_malformed_json_is_a_400_in_openai_shape(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    result = gateway.call(api_event("POST", PATH, "{not json"))
    assert result.status == 400
    assert set(result.body["error"]) == {"message", "type", "param", "code"}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body=st.dictionaries(
        st.sampled_from(["messages", "model", "max_tokens", "temperature", "user", "n", "x"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=8), inner, max_size=3)
            ),
            max_leaves=8,
        ),
        max_size=5,
    )
)
def test_any_body_gets_an_openai_shaped_answer_never_a_500(
    gateway: Gateway, api_event: ApiEventFactory, body: dict[str, Any]
) -> None:
    gateway.bedrock.defaults["converse"] = converse_response()
    result = gateway.call(api_event("POST", PATH, body))
    assert result.status < 500, result.body
    if result.status == 200:
        assert result.body["object"] == "chat.completion"
    else:
        assert set(result.body["error"]) == {"message", "type", "param", "code"}
