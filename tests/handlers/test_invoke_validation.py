"""Invoke function: malformed requests get a 400 naming the field, and nothing a caller can send
produces a 500 (or reaches a model, or touches the quota)."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest

from tests.handlers.conftest import (
    EXAMPLE_CONFIG,
    TENANT_A_ROLE_ARN,
    ApiEventFactory,
    Gateway,
    chat_body,
    converse_response,
    load_event,
)

MALFORMED = load_event("chat_malformed_bodies")  # a list of {id, body, field, isBase64Encoded?}
LIMITS = EXAMPLE_CONFIG["limits"]


def _assert_bad_request(gateway: Gateway, result: Any, field: str) -> None:
    assert result.status == 400, result.body
    assert result.error["code"] == "BadRequest"
    assert result.error["field"] == field
    assert result.error["message"].startswith(f"{field}: ")
    assert gateway.bedrock.calls == [] and gateway.sagemaker.calls == []


@pytest.mark.parametrize("case", MALFORMED, ids=[case["id"] for case in MALFORMED])
def test_malformed_body_is_a_400_naming_the_field(
    gateway: Gateway, api_event: ApiEventFactory, case: dict[str, Any]
) -> None:
    # GIVEN a chat request whose body is malformed in one way
    event = api_event(
        "POST", "/v1/chat", case["body"], isBase64Encoded=case.get("isBase64Encoded", False)
    )

    # WHEN the gateway handles it
    result = gateway.call(event)

    # THEN it answers 400 naming the offending field, and no model was called
    _assert_bad_request(gateway, result, case["field"])


def _many_messages() -> dict[str, Any]:
    turns = [
        {"role": "user", "content": f"question {i}"} for i in range(LIMITS["max_messages"] + 1)
    ]
    return {"messages": turns}


SIZE_CASES: list[tuple[str, Any, str]] = [
    ("too_many_messages", _many_messages(), "messages"),
    (
        "oversized_message",
        chat_body("x" * (LIMITS["max_message_chars"] + 1)),
        "messages[0].content",
    ),
    (
        "oversized_second_message",
        {
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "y" * (LIMITS["max_message_chars"] + 1)},
                {"role": "user", "content": "and?"},
            ]
        },
        "messages[1].content",
    ),
    ("oversized_system", chat_body(system="s" * (LIMITS["max_system_chars"] + 1)), "system"),
    (
        "body_too_large",
        json.dumps(chat_body("z" * (LIMITS["max_body_bytes"] + 10))),
        "body",
    ),
]


@pytest.mark.parametrize(
    ("body", "field"), [case[1:] for case in SIZE_CASES], ids=[case[0] for case in SIZE_CASES]
)
def test_oversized_request_is_a_400_naming_the_field(
    gateway: Gateway, api_event: ApiEventFactory, body: Any, field: str
) -> None:
    # GIVEN a request over one of the configured size limits
    event = api_event("POST", "/v1/chat", body)

    # WHEN the gateway handles it
    result = gateway.call(event)

    # THEN it answers 400 naming the field that is too large
    _assert_bad_request(gateway, result, field)


def test_malformed_request_reserves_no_quota(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN a malformed request from team-a
    event = api_event("POST", "/v1/chat", {"messages": []})

    # WHEN the gateway handles it
    gateway.call(event)

    # THEN nothing was reserved against team-a's quota
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 0


def test_unknown_field_error_lists_the_allowed_fields(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN a body with a field the API does not have
    event = api_event("POST", "/v1/chat", chat_body(top_p=0.9))

    # WHEN the gateway handles it
    result = gateway.call(event)

    # THEN the 400 names the field and lists what is allowed
    assert result.error["field"] == "top_p"
    assert (
        "allowed: messages, system, max_tokens, temperature, model, feature"
        in (result.error["message"])
    )


def test_valid_base64_encoded_body_is_accepted(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN a valid chat body that API Gateway passed base64-encoded
    gateway.bedrock.script("converse", converse_response())
    encoded = base64.b64encode(json.dumps(chat_body()).encode()).decode()
    event = api_event("POST", "/v1/chat", encoded, isBase64Encoded=True)

    # WHEN the gateway handles it
    result = gateway.call(event)

    # THEN it is served
    assert result.status == 200


def _junk(rng: random.Random, depth: int = 0) -> Any:
    choices: list[Any] = [
        None,
        True,
        rng.randint(-(10**12), 10**12),
        rng.random() * 10,
        "",
        "user",
        "assistant",
        "x" * rng.randint(0, 40),
        "\u0000\ud7ff\u202e",
    ]
    if depth < 3:
        choices.append([_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))])
        choices.append(
            {
                rng.choice(["role", "content", "messages", "model", "x", ""]): _junk(rng, depth + 1)
                for _ in range(rng.randint(0, 3))
            }
        )
    return rng.choice(choices)


def _fuzz_bodies() -> list[Any]:
    rng = random.Random(20260101)
    fields = ["messages", "system", "max_tokens", "temperature", "model", "feature", "tenant"]
    bodies: list[Any] = []
    for _ in range(150):
        body = chat_body()
        for name in rng.sample(fields, rng.randint(1, 3)):
            body[name] = _junk(rng)
        bodies.append(body)
    bodies.extend(["{", "}", "[]", "1e999999", '{"messages": [{"role": "user"', "\ufeff{}"])
    return bodies


def test_nothing_a_caller_sends_produces_a_500(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN a model that answers anything, and 150+ randomly mangled bodies
    gateway.bedrock.defaults["converse"] = converse_response()

    # WHEN the gateway handles each of them
    statuses = {gateway.call(api_event("POST", "/v1/chat", body)).status for body in _fuzz_bodies()}

    # THEN every answer is a success or a 4xx, and the unexpected-error path never ran
    assert statuses <= {200, 400, 403}
    assert not any(record.exc_info for record in gateway.logs.records)


@pytest.mark.parametrize(
    "overrides",
    [
        {"requestContext": None},
        {"requestContext": {"identity": None}},
        {"requestContext": {"identity": {"userArn": 42}}},
        {"requestContext": {"identity": {"userArn": "arn:aws:iam::111111111111:root"}}},
        {"httpMethod": None},
        {"body": {"messages": "not a string body"}},
        {"headers": None, "isBase64Encoded": "yes"},
    ],
    ids=[
        "no_request_context",
        "no_identity",
        "arn_not_string",
        "root_principal",
        "no_method",
        "body_not_string",
        "odd_flags",
    ],
)
def test_odd_event_shapes_are_client_errors(
    gateway: Gateway, api_event: ApiEventFactory, overrides: dict[str, Any]
) -> None:
    # GIVEN an event with a structural oddity (API Gateway would not send it, but a test or a
    # misconfigured integration might)
    event = api_event("POST", "/v1/chat", chat_body(), user_arn=TENANT_A_ROLE_ARN)
    event.update(overrides)

    # WHEN the gateway handles it
    result = gateway.call(event)

    # THEN it is a 4xx with a JSON error, never a 500
    assert 400 <= result.status < 500
    assert set(result.error) >= {"code", "message"}
