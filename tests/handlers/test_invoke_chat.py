"""Invoke function: identity and tenants, aliases, the kill switch, Bedrock and SageMaker calls
with the guardrail, the response contract, metrics and logs."""

from __future__ import annotations

import json
import re
from typing import Any

import gw_common
import gw_gateway
import pytest

from tests.handlers.conftest import (
    GUARDRAIL_ARN,
    TENANT_B_ROLE_ARN,
    UNKNOWN_ROLE_ARN,
    ApiEventFactory,
    Gateway,
    chat_body,
    chat_completion_response,
    client_error,
    converse_response,
    guardrail_response,
    load_event,
)

GUARDRAIL_CONFIG = {
    "guardrailIdentifier": GUARDRAIL_ARN,
    "guardrailVersion": "3",
    "trace": "enabled",
}
BLOCKED = "Sorry, the platform's guardrail blocked this request or response."


# --- the response contract ------------------------------------------------------------------


def test_chat_answers_in_the_documented_shape(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN a Bedrock model that answers
    gateway.bedrock.script("converse", converse_response("Refunds take 5 days.", input_tokens=30))
    event = api_event("POST", "/v1/chat", chat_body(model="chat"))

    # WHEN team-a chats
    result = gateway.call(event)

    # THEN the body has every documented field, and the request id comes back as a header
    assert result.status == 200
    body = result.body
    assert re.fullmatch(gw_common.RESPONSE_ID_PATTERN, body.pop("response_id"))
    assert body == {
        "model": "chat",
        "requested_model": "chat",
        "fallback": False,
        "output": {"role": "assistant", "content": "Refunds take 5 days."},
        "stop_reason": "end_turn",
        "max_tokens": 1024,
        "max_tokens_capped": False,
        "usage": {"input_tokens": 30, "output_tokens": 5},
        "guardrail": {"intervened": False, "action": "NONE"},
    }
    assert result.headers["X-Request-Id"] == event["requestContext"]["requestId"]


def test_chat_without_model_uses_the_default_alias(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN a body without a model
    gateway.bedrock.script("converse", converse_response())

    # WHEN team-a chats
    result = gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN the platform default alias (chat) serves it
    assert result.body["model"] == "chat"
    assert gateway.bedrock.calls_to("converse")[0]["modelId"] == (
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    )


def test_event_that_is_not_an_object_is_answered(gateway: Gateway) -> None:
    # GIVEN an event that is not a JSON object at all
    event: Any = None

    # WHEN the gateway handles it
    result = gateway.call(event)

    # THEN a 403 (no identity), not an exception
    assert result.status == 403


def test_unknown_route_is_404(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN a path the API does not serve
    event = api_event("POST", "/v1/embeddings", chat_body())

    # WHEN the gateway handles it
    result = gateway.call(event)

    # THEN 404
    assert (result.status, result.error["code"]) == (404, "NotFound")


def test_wrong_method_is_405(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN GET on the chat route
    event = api_event("GET", "/v1/chat")

    # WHEN the gateway handles it
    result = gateway.call(event)

    # THEN 405
    assert (result.status, result.error["code"]) == (405, "MethodNotAllowed")


# --- identity and tenants -------------------------------------------------------------------


def test_unknown_principal_is_403(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN a signed caller that is not registered with any tenant
    event = api_event("POST", "/v1/chat", chat_body(), user_arn=UNKNOWN_ROLE_ARN)

    # WHEN it chats
    result = gateway.call(event)

    # THEN 403 naming the principal, and no model is called
    assert (result.status, result.error["code"]) == (403, "AccessDenied")
    assert "111111111111:role:someone-else" in result.error["message"]
    assert gateway.bedrock.calls == []


def test_request_without_identity_is_403(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN an event without an IAM identity in the request context
    event = api_event("POST", "/v1/chat", chat_body(), user_arn=None)

    # WHEN the gateway handles it
    result = gateway.call(event)

    # THEN 403
    assert (result.status, result.error["code"]) == (403, "AccessDenied")


def test_tenant_comes_from_the_identity_not_from_headers_or_query(
    gateway: Gateway,
) -> None:
    # GIVEN team-a's request carrying X-Tenant-Id: team-b and ?tenant=team-b
    gateway.bedrock.script("converse", converse_response(input_tokens=40, output_tokens=10))
    event = load_event("chat_request")

    # WHEN the gateway serves it
    result = gateway.call(event)

    # THEN the tokens are charged to team-a and reported under team-a only
    assert result.status == 200
    now = gateway.runtime.now()
    assert gateway.runtime.quota.used("team-a", now) == 50
    assert gateway.runtime.quota.used("team-b", now) == 0
    assert {d["Tenant"] for d in gateway.dimensions("InputTokens")} == {"team-a"}


@pytest.mark.parametrize("field", ["tenant", "tenant_id"])
def test_body_cannot_choose_the_tenant(
    gateway: Gateway, api_event: ApiEventFactory, field: str
) -> None:
    # GIVEN team-b's caller naming team-a (which may use "chat") in the body
    event = api_event(
        "POST", "/v1/chat", chat_body(model="chat", **{field: "team-a"}), user_arn=TENANT_B_ROLE_ARN
    )

    # WHEN it chats
    result = gateway.call(event)

    # THEN the field is rejected as unknown and nothing is served or charged
    assert (result.status, result.error["field"]) == (400, field)
    assert gateway.bedrock.calls == []
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 0


# --- aliases --------------------------------------------------------------------------------


def test_alias_not_allowed_for_the_tenant_is_403_listing_allowed_aliases(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN team-b, which may only use "fast", asking for "chat"
    event = api_event("POST", "/v1/chat", chat_body(model="chat"), user_arn=TENANT_B_ROLE_ARN)

    # WHEN it chats
    result = gateway.call(event)

    # THEN 403 listing the aliases team-b may use, and no model is called
    assert result.status == 403
    assert result.error["code"] == "ModelNotAllowed"
    assert result.error["field"] == "model"
    assert result.error["message"].endswith("allowed: fast")
    assert gateway.bedrock.calls == []


def test_unknown_alias_is_403_listing_allowed_aliases(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN an alias that is not in the catalogue at all
    event = api_event("POST", "/v1/chat", chat_body(model="gpt-9"))

    # WHEN team-a chats
    result = gateway.call(event)

    # THEN 403 listing team-a's aliases (the catalogue is not revealed beyond them)
    assert result.status == 403
    assert result.error["message"].endswith("allowed: chat, fast, llama")


def test_models_lists_only_the_callers_aliases(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN team-a (chat, fast, llama)
    event = api_event("GET", "/v1/models")

    # WHEN it lists models
    result = gateway.call(event)

    # THEN it sees its three aliases, their kind, and which is the default
    assert result.status == 200
    assert result.body == {
        "models": [
            {"alias": "chat", "kind": "bedrock", "default": True},
            {"alias": "fast", "kind": "bedrock", "default": False},
            {"alias": "llama", "kind": "sagemaker", "default": False},
        ]
    }


def test_models_default_is_the_tenants_first_alias_when_the_platform_default_is_not_allowed(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN team-b, which may not use the platform default "chat"
    event = api_event("GET", "/v1/models", user_arn=TENANT_B_ROLE_ARN)

    # WHEN it lists models
    result = gateway.call(event)

    # THEN it sees only "fast", marked as its default
    assert result.body == {"models": [{"alias": "fast", "kind": "bedrock", "default": True}]}


def test_models_for_an_unknown_principal_is_403(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN an unregistered caller
    event = api_event("GET", "/v1/models", user_arn=UNKNOWN_ROLE_ARN)

    # WHEN it lists models
    result = gateway.call(event)

    # THEN 403
    assert result.status == 403


# --- kill switch ----------------------------------------------------------------------------


def test_kill_switch_on_is_503_with_retry_after(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN the cost controls flipped the kill switch
    gateway.kill_switch_value[0] = "on"

    # WHEN team-a chats
    result = gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN 503 ServiceDisabled with Retry-After, no model call and no quota used
    assert (result.status, result.error["code"]) == (503, "ServiceDisabled")
    assert int(result.headers["Retry-After"]) > 0
    assert gateway.bedrock.calls == []
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 0


def test_kill_switch_rejections_are_not_counted_as_errors(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN the kill switch is on
    gateway.kill_switch_value[0] = "on"

    # WHEN team-a chats
    gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN the request is counted, but not as an error (it is the cost controls working)
    assert gateway.metric("Requests") == 1
    assert gateway.metric("Errors") == 0


def test_kill_switch_off_serves(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN the kill switch was on and is switched off again
    gateway.kill_switch_value[0] = "on"
    gateway.call(api_event("POST", "/v1/chat", chat_body()))
    gateway.kill_switch_value[0] = "off"
    gateway.bedrock.script("converse", converse_response())

    # WHEN team-a chats once the cached value is older than its maximum age
    gateway.clock.advance(gw_gateway.KILL_SWITCH_MAX_AGE_SECONDS)
    result = gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN it is served
    assert result.status == 200


def test_unreadable_kill_switch_keeps_serving(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN SSM cannot be read
    def broken(timeout: float) -> str:
        raise client_error("ThrottlingException", operation="GetParameter")

    gateway.runtime.kill_switch = broken
    gateway.bedrock.script("converse", converse_response())

    # WHEN team-a chats
    result = gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN the gateway fails open (serves) and says so in the log
    assert result.status == 200
    assert any(
        r.getMessage().startswith("kill switch unreadable; serving") for r in gateway.logs.records
    )


# --- Bedrock --------------------------------------------------------------------------------


def test_converse_always_carries_the_guardrail(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN a request with a system prompt, max tokens and temperature for "fast"
    gateway.bedrock.script("converse", converse_response())
    body = chat_body(system="Answer briefly.", max_tokens=200, temperature=0.3, model="fast")

    # WHEN team-a chats
    gateway.call(api_event("POST", "/v1/chat", body))

    # THEN Converse got the model id, the guardrail (id, version, trace) and the parameters
    call = gateway.bedrock.calls_to("converse")[0]
    assert call["modelId"] == "us.amazon.nova-lite-v1:0"
    assert call["guardrailConfig"] == GUARDRAIL_CONFIG
    assert call["system"] == [{"text": "Answer briefly."}]
    assert call["inferenceConfig"] == {"maxTokens": 200, "temperature": 0.3}
    assert call["messages"] == [
        {"role": "user", "content": [{"text": "What is our refund policy?"}]}
    ]
    assert call["requestMetadata"]["tenant"] == "team-a"


def test_consecutive_turns_of_one_role_are_merged_for_converse(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN a conversation with two user turns in a row (allowed by the API)
    gateway.bedrock.script("converse", converse_response())
    body = {
        "messages": [
            {"role": "user", "content": "Hi."},
            {"role": "user", "content": "Are you there?"},
            {"role": "assistant", "content": "Yes."},
            {"role": "user", "content": "Good."},
        ]
    }

    # WHEN team-a chats
    gateway.call(api_event("POST", "/v1/chat", body))

    # THEN Converse receives alternating roles, the double user turn as two content blocks
    messages = gateway.bedrock.calls_to("converse")[0]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[0]["content"] == [{"text": "Hi."}, {"text": "Are you there?"}]


def test_guardrail_intervention_on_bedrock_returns_the_blocked_message(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN Converse reports that the guardrail intervened
    gateway.bedrock.script(
        "converse",
        converse_response("[guardrail text]", stop_reason="guardrail_intervened", output_tokens=0),
    )

    # WHEN team-a chats
    result = gateway.call(api_event("POST", "/v1/chat", chat_body(feature="support")))

    # THEN the configured blocked message is returned, flagged, and counted
    assert result.status == 200
    assert result.body["output"]["content"] == BLOCKED
    assert result.body["guardrail"] == {"intervened": True, "action": "GUARDRAIL_INTERVENED"}
    assert result.body["stop_reason"] == "guardrail_intervened"
    assert gateway.dimensions("GuardrailInterventions") == [
        {"Tenant": "team-a", "Feature": "support", "Model": "chat"}
    ]


def test_model_rejecting_the_conversation_is_a_400_and_refunds_the_quota(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN Bedrock refuses the input (e.g. too long for the model's context)
    gateway.bedrock.script(
        "converse", client_error("ValidationException", "Input is too long for requested model.")
    )

    # WHEN team-a chats
    result = gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN a 400 explains it, and the reservation is given back
    assert (result.status, result.error["code"]) == (400, "ModelRejectedRequest")
    assert "Input is too long" in result.error["message"]
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 0


# --- SageMaker ------------------------------------------------------------------------------


def _llama(gateway: Gateway, *, output_intervened: bool = False, text: str = "Hi!") -> None:
    gateway.bedrock.script(
        "apply_guardrail", guardrail_response(), guardrail_response(output_intervened)
    )
    gateway.sagemaker.script("invoke_endpoint", chat_completion_response(text))


def test_sagemaker_is_invoked_on_the_inference_component_with_a_chat_completions_body(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN the self-hosted llama alias
    _llama(gateway)
    body = chat_body(model="llama", system="Be terse.", max_tokens=64, temperature=0.0)

    # WHEN team-a chats
    result = gateway.call(api_event("POST", "/v1/chat", body))

    # THEN InvokeEndpoint targets the inference component with an OpenAI-style body
    assert result.status == 200
    call = gateway.sagemaker.calls_to("invoke_endpoint")[0]
    assert call["EndpointName"] == "genai-llama-inf2"
    assert call["InferenceComponentName"] == "genai-llama-inf2-ic"
    assert call["ContentType"] == "application/json"
    assert json.loads(call["Body"]) == {
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "What is our refund policy?"},
        ],
        "max_tokens": 64,
        "temperature": 0.0,
    }
    assert result.body["usage"] == {"input_tokens": 20, "output_tokens": 7}
    assert result.body["output"]["content"] == "Hi!"


def test_sagemaker_call_is_wrapped_in_the_guardrail_on_input_and_output(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN the self-hosted llama alias
    _llama(gateway, text="Refunds take 5 days.")

    # WHEN team-a chats
    gateway.call(api_event("POST", "/v1/chat", chat_body(model="llama", system="Be terse.")))

    # THEN ApplyGuardrail checked the prompt (INPUT) before and the completion (OUTPUT) after
    first, second = gateway.bedrock.calls_to("apply_guardrail")
    assert first == {
        "guardrailIdentifier": GUARDRAIL_ARN,
        "guardrailVersion": "3",
        "source": "INPUT",
        "content": [
            {"text": {"text": "Be terse."}},
            {"text": {"text": "What is our refund policy?"}},
        ],
    }
    assert second["source"] == "OUTPUT"
    assert second["content"] == [{"text": {"text": "Refunds take 5 days."}}]


def test_guardrail_intervention_on_self_hosted_output_returns_the_blocked_message(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN the guardrail blocks what the self-hosted model wrote
    _llama(gateway, output_intervened=True, text="Here is jane@example.com's card number...")

    # WHEN team-a chats
    result = gateway.call(api_event("POST", "/v1/chat", chat_body(model="llama")))

    # THEN the blocked message replaces the completion, flagged and counted; tokens still count
    assert result.status == 200
    assert result.body["output"]["content"] == BLOCKED
    assert result.body["guardrail"] == {"intervened": True, "action": "GUARDRAIL_INTERVENED"}
    assert "jane@example.com" not in json.dumps(result.body)
    assert gateway.metric("GuardrailInterventions", model="llama") == 1
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 27


def test_guardrail_intervention_on_self_hosted_input_never_calls_the_endpoint(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN the guardrail blocks the prompt
    gateway.bedrock.script("apply_guardrail", guardrail_response(intervened=True))

    # WHEN team-a chats with llama
    result = gateway.call(api_event("POST", "/v1/chat", chat_body(model="llama")))

    # THEN the blocked message is returned, the endpoint is not called, no tokens are charged
    assert result.body["output"]["content"] == BLOCKED
    assert result.body["guardrail"]["intervened"] is True
    assert gateway.sagemaker.calls == []
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 0


def test_unavailable_guardrail_fails_closed(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN ApplyGuardrail is failing
    gateway.bedrock.script(
        "apply_guardrail", client_error("InternalServerException", operation="ApplyGuardrail")
    )

    # WHEN team-a chats with llama
    result = gateway.call(api_event("POST", "/v1/chat", chat_body(model="llama")))

    # THEN 503 GuardrailUnavailable: unguarded text is never served, the quota is refunded
    assert (result.status, result.error["code"]) == (503, "GuardrailUnavailable")
    assert "Retry-After" in result.headers
    assert gateway.sagemaker.calls == []
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 0


def test_malformed_model_output_is_treated_as_a_model_failure(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN the endpoint answers something that is not a chat completion, and its fallback
    # (chat) fails too
    gateway.bedrock.script("apply_guardrail", guardrail_response())
    gateway.sagemaker.script("invoke_endpoint", {"Body": _RawBody(b"<html>502</html>")})
    gateway.bedrock.script("converse", client_error("InternalServerException"))

    # WHEN team-a chats with llama
    result = gateway.call(api_event("POST", "/v1/chat", chat_body(model="llama")))

    # THEN the caller gets a clean 503, not a 500
    assert (result.status, result.error["code"]) == (503, "ModelUnavailable")


class _RawBody:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self) -> bytes:
        return self._data


# --- metrics and logs -----------------------------------------------------------------------


def test_tokens_are_recorded_per_tenant_feature_and_model(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN a served request tagged with a known feature
    gateway.bedrock.script("converse", converse_response(input_tokens=40, output_tokens=9))

    # WHEN team-a chats with "fast" for "search"
    gateway.call(api_event("POST", "/v1/chat", chat_body(model="fast", feature="search")))

    # THEN input/output tokens, latency and the request count carry those dimensions
    dims = {"Tenant": "team-a", "Feature": "search", "Model": "fast"}
    for name in ("InputTokens", "OutputTokens", "Latency", "Requests"):
        assert gateway.dimensions(name) == [dims], name
    assert gateway.metric("InputTokens") == 40
    assert gateway.metric("OutputTokens") == 9


@pytest.mark.parametrize(
    ("feature", "dimension"),
    [("summarize", "summarize"), ("brand-new-feature", "other"), (None, "none")],
)
def test_feature_dimension_has_bounded_cardinality(
    gateway: Gateway, api_event: ApiEventFactory, feature: str | None, dimension: str
) -> None:
    # GIVEN a request with a known, an unknown or no feature tag
    gateway.bedrock.script("converse", converse_response())
    body = chat_body() if feature is None else chat_body(feature=feature)

    # WHEN team-a chats
    gateway.call(api_event("POST", "/v1/chat", body))

    # THEN unknown tags fold into "other" and a missing tag is "none"
    assert {d["Feature"] for d in gateway.dimensions("Requests")} == {dimension}


def test_logs_carry_ids_and_sizes_but_never_content_by_default(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN team-a (log_content false) and a distinctive prompt and completion
    gateway.bedrock.script("converse", converse_response("COMPLETION-SECRET-7731"))
    event = api_event("POST", "/v1/chat", chat_body("PROMPT-SECRET-4410"))

    # WHEN team-a chats
    gateway.call(event)

    # THEN the log line has ids, sizes, tokens and latency, and neither text appears anywhere
    summary = gateway.logs.summary()
    assert summary["request_id"] == event["requestContext"]["requestId"]
    assert summary["tenant"] == "team-a"
    assert summary["input_chars"] == len("PROMPT-SECRET-4410")
    assert summary["output_chars"] == len("COMPLETION-SECRET-7731")
    assert "latency_ms" in summary and "response_id" in summary
    dump = gateway.logs.dump()
    assert "PROMPT-SECRET-4410" not in dump and "COMPLETION-SECRET-7731" not in dump


def test_opted_in_tenant_logs_content_with_personal_data_masked(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN team-b (log_content true) sending and receiving personal data
    gateway.bedrock.script("converse", converse_response("Call +1 (555) 123-4567 today."))
    prompt = "I am jane.doe@example.com, card 4111 1111 1111 1111, from 10.1.2.3"
    event = api_event(
        "POST", "/v1/chat", chat_body(prompt, max_tokens=50), user_arn=TENANT_B_ROLE_ARN
    )

    # WHEN team-b chats
    gateway.call(event)

    # THEN the masked prompt and completion are logged, and the raw identifiers are not
    summary = gateway.logs.summary()
    assert summary["prompt_masked"] == ["I am [EMAIL], card [CARD], from [IP]"]
    assert summary["completion_masked"] == "Call [PHONE] today."
    dump = gateway.logs.dump()
    for raw in ("jane.doe@example.com", "4111 1111 1111 1111", "10.1.2.3", "123-4567"):
        assert raw not in dump


def test_a_bug_is_a_500_with_the_request_id_and_a_logged_stack_trace(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN a client that fails in a way no AWS error does (a bug, not a caller error)
    gateway.bedrock.script("converse", RuntimeError("boom"))
    event = api_event("POST", "/v1/chat", chat_body())

    # WHEN team-a chats
    result = gateway.call(event)

    # THEN a generic 500 quoting the request id; the stack trace is logged; the quota refunded;
    # and the breaker is not left waiting for a probe that never reported back
    request_id = event["requestContext"]["requestId"]
    assert (result.status, result.error["code"]) == (500, "InternalError")
    assert request_id in result.error["message"] and "boom" not in result.error["message"]
    assert any(r.exc_info for r in gateway.logs.records)
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 0
    assert gateway.metric("Errors") == 1
    assert gateway.runtime.breakers.for_call("team-a", "chat").allow()


def test_tenant_and_principal_dimension_for_an_unknown_caller_is_bounded(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN an unknown caller naming a made-up model and feature
    event = api_event(
        "POST",
        "/v1/chat",
        chat_body(model="made-up", feature="made-up"),
        user_arn=UNKNOWN_ROLE_ARN,
    )

    # WHEN it chats
    gateway.call(event)

    # THEN the request is counted under bounded values only
    assert gateway.dimensions("Requests") == [
        {"Tenant": "unknown", "Feature": "none", "Model": "none"}
    ]
