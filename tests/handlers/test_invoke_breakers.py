"""Invoke function: one tenant cannot switch a model off for everyone.

Each call passes the tenant's own breaker for the target and the target's shared breaker. Read
timeouts (which a caller can provoke with a large ``max_tokens``) and throttling only count
toward the caller's own; server errors, malformed answers and connection failures also count
toward the shared one, which opens only when they came from at least two tenants.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from tests.handlers.conftest import (
    APP_ACCOUNT,
    TENANT_A_ROLE_ARN,
    TENANT_B_ROLE_ARN,
    ApiEventFactory,
    Gateway,
    GatewayFactory,
    chat_body,
    client_error,
    converse_response,
)

THRESHOLD = 5
TENANT_C_ROLE_ARN = f"arn:aws:sts::{APP_ACCOUNT}:assumed-role/app-c-workload/session-1"


@pytest.fixture
def three_tenants(make_gateway: GatewayFactory, gateway_config: dict[str, Any]) -> Gateway:
    """The example config plus team-c, which may also use ``fast``."""
    gateway_config["tenants"].append(
        {
            "id": "team-c",
            "principals": [f"{APP_ACCOUNT}:role:app-c-workload"],
            "aliases": ["fast"],
            "monthly_token_quota": 1_000_000,
        }
    )
    return make_gateway(gateway_config)


def _fast(api_event: ApiEventFactory, arn: str, max_tokens: int = 50) -> dict[str, Any]:
    return api_event(
        "POST", "/v1/chat", chat_body(model="fast", max_tokens=max_tokens), user_arn=arn
    )


def _times_out_at_the_read_timeout(gateway: Gateway) -> Any:
    def outcome(kwargs: dict[str, Any]) -> Any:
        gateway.clock.advance(float(gateway.bedrock.timeout or 0))
        raise ReadTimeoutError(endpoint_url="https://bedrock")

    return outcome


def test_one_tenants_timeouts_cannot_switch_the_model_off_for_another(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN team-a's big requests time out on fast, THRESHOLD times in a row
    gateway.bedrock.defaults["converse"] = _times_out_at_the_read_timeout(gateway)
    for _ in range(THRESHOLD):
        assert gateway.call(_fast(api_event, TENANT_A_ROLE_ARN, max_tokens=4000)).status == 503

    # WHEN team-b then calls fast, which answers it
    gateway.bedrock.defaults["converse"] = converse_response()
    calls_before = len(gateway.bedrock.calls)
    served = gateway.call(_fast(api_event, TENANT_B_ROLE_ARN))
    # AND team-a calls again
    refused = gateway.call(_fast(api_event, TENANT_A_ROLE_ARN))

    # THEN team-b was served by the model; only team-a's own breaker is open
    assert served.status == 200
    assert len(gateway.bedrock.calls) == calls_before + 1
    assert (refused.status, refused.error["code"]) == (503, "ModelUnavailable")
    assert gateway.runtime.breakers.for_target("fast").state == "closed"
    assert gateway.runtime.breakers.for_tenant("team-a", "fast").state == "open"


def test_one_tenants_server_errors_do_not_open_the_shared_breaker(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN fast answers team-a's requests with server errors, twice the threshold
    gateway.bedrock.defaults["converse"] = client_error("InternalServerException")
    for _ in range(2 * THRESHOLD):
        gateway.call(_fast(api_event, TENANT_A_ROLE_ARN))

    # WHEN team-b calls fast
    gateway.bedrock.defaults["converse"] = converse_response()
    result = gateway.call(_fast(api_event, TENANT_B_ROLE_ARN))

    # THEN it reaches the model: failures seen from one tenant never open the shared breaker
    assert result.status == 200
    assert gateway.runtime.breakers.for_target("fast").state == "closed"


def test_server_errors_seen_by_two_tenants_open_the_shared_breaker(
    three_tenants: Gateway, api_event: ApiEventFactory
) -> None:
    gateway = three_tenants
    # GIVEN fast fails for team-a (3 times) and team-b (2 times): THRESHOLD failures in a row
    gateway.bedrock.defaults["converse"] = client_error("InternalServerException")
    for arn in [TENANT_A_ROLE_ARN] * 3 + [TENANT_B_ROLE_ARN] * 2:
        gateway.call(_fast(api_event, arn))
    calls_before = len(gateway.bedrock.calls)

    # WHEN team-c, which never saw a failure, calls fast
    result = gateway.call(_fast(api_event, TENANT_C_ROLE_ARN))

    # THEN the shared breaker is open: 503 without calling the model
    assert (result.status, result.error["code"]) == (503, "ModelUnavailable")
    assert "temporarily switched off" in result.error["message"]
    assert len(gateway.bedrock.calls) == calls_before
    assert gateway.metric("BreakerOpens") >= 1


def test_timeouts_seen_by_many_tenants_do_not_open_the_shared_breaker(
    three_tenants: Gateway, api_event: ApiEventFactory
) -> None:
    gateway = three_tenants
    # GIVEN team-a and team-b each time out THRESHOLD - 1 times on fast
    gateway.bedrock.defaults["converse"] = _times_out_at_the_read_timeout(gateway)
    for arn in [TENANT_A_ROLE_ARN, TENANT_B_ROLE_ARN] * (THRESHOLD - 1):
        gateway.call(_fast(api_event, arn))

    # WHEN team-c calls fast
    gateway.bedrock.defaults["converse"] = converse_response()
    result = gateway.call(_fast(api_event, TENANT_C_ROLE_ARN))

    # THEN it is served: timeouts are caller-provokable, so they never count toward sharing
    assert result.status == 200


def test_a_malformed_200_from_the_model_is_a_failure_that_falls_back(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN chat answers 200 with something that is not a Converse answer, fast answers well
    chat_id = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

    def by_model(kwargs: dict[str, Any]) -> Any:
        if kwargs["modelId"] == chat_id:
            return {"output": {"message": {"content": [42]}}, "stopReason": "end_turn"}
        return converse_response("from fast")

    gateway.bedrock.defaults["converse"] = by_model

    # WHEN team-a chats with chat
    result = gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN fast served; the malformed answer counted as chat's failure (not a 500)
    assert (result.status, result.body["model"]) == (200, "fast")
    assert gateway.metric("Fallbacks", model="chat") == 1
    assert gateway.logs.summary()["model_errors"] == ["chat:failed"]


@pytest.mark.parametrize(
    "garbage",
    [
        {},
        {"output": None},
        {"output": {"message": {"content": "text"}}, "stopReason": "end_turn"},
        {"output": {"message": {"content": []}}, "stopReason": None},
        {
            "output": {"message": {"content": [{"text": "hi"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 10**30},
        },
        {"output": {"message": {"content": [{"text": "hi"}]}}, "stopReason": "x", "usage": []},
    ],
    ids=["empty", "null-output", "content-string", "null-stop", "huge-usage", "usage-array"],
)
def test_malformed_converse_answers_are_upstream_failures(
    gateway: Gateway, api_event: ApiEventFactory, garbage: dict[str, Any]
) -> None:
    # GIVEN fast (no fallback) answers 200 with a malformed body
    gateway.bedrock.defaults["converse"] = garbage

    # WHEN team-b chats
    result = gateway.call(_fast(api_event, TENANT_B_ROLE_ARN))

    # THEN 503 ModelUnavailable (an upstream failure), counted toward team-b's breaker
    assert (result.status, result.error["code"]) == (503, "ModelUnavailable")
    assert gateway.logs.summary()["model_errors"] == ["fast:failed"]
