"""Invoke function: ONE deadline per request, from the handler's first line to the answer.

Every dependency here is slow on a fake clock: a fake that is given a read timeout shorter than
its latency spends exactly that timeout and raises ``ReadTimeoutError``, as botocore would. The
tests check that each outbound call's read timeout fits in what is left, that retries and the
fallback start only inside the deadline, that the caller gets a 504 JSON error before API
Gateway's integration timeout, that the reservation is settled, and that kill-switch read
failures are cached (stale-while-error).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import gw_gateway
import pytest
from botocore.exceptions import ReadTimeoutError

from tests.handlers.conftest import (
    ApiEventFactory,
    FakeQuotaTable,
    Gateway,
    GatewayFactory,
    chat_body,
    chat_completion_response,
    client_error,
    converse_response,
    guardrail_response,
)

CHAT_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
FAST_ID = "us.amazon.nova-lite-v1:0"
INTEGRATION_S = 29.0  # API_INTEGRATION_TIMEOUT_MS default
MARGIN_S = gw_gateway.DEADLINE_MARGIN_SECONDS


class Calls:
    """Every outbound call: (what, started at, read timeout given)."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, float, float]] = []

    def ends(self) -> list[float]:
        return [start + timeout for _, start, timeout in self.entries]


def _slow(gateway: Gateway, calls: Calls, what: str, latency: float, answer: Any) -> Any:
    """An outcome that takes ``latency`` seconds, or times out at the timeout it was given."""

    def outcome(kwargs: dict[str, Any]) -> Any:
        client = gateway.sagemaker if what == "invoke_endpoint" else gateway.bedrock
        timeout = float(client.timeout or 0)
        calls.entries.append((what, gateway.clock(), timeout))
        if latency > timeout:
            gateway.clock.advance(timeout)
            raise ReadTimeoutError(endpoint_url=f"https://{what}")
        gateway.clock.advance(latency)
        return answer(kwargs) if callable(answer) else answer

    return outcome


def _slow_platform(gateway: Gateway, calls: Calls, ssm_s: float, dynamodb_s: float) -> None:
    """SSM and DynamoDB that take ``ssm_s`` / ``dynamodb_s`` seconds (recording timeouts)."""

    def kill_switch(timeout: float) -> str:
        calls.entries.append(("ssm", gateway.clock(), timeout))
        if ssm_s > timeout:
            gateway.clock.advance(timeout)
            raise ReadTimeoutError(endpoint_url="https://ssm")
        gateway.clock.advance(ssm_s)
        return "off"

    table = FakeQuotaTable()

    def client_for(timeout: float) -> Any:
        calls.entries.append(("dynamodb", gateway.clock(), timeout))
        gateway.clock.advance(min(dynamodb_s, timeout))
        return table

    gateway.runtime.kill_switch = kill_switch
    gateway.runtime.quota._client = table  # used() reads the same table
    gateway.runtime.quota._client_for_timeout = client_for


@pytest.fixture
def calls() -> Calls:
    return Calls()


def test_slow_ssm_and_dynamodb_are_subtracted_and_the_caller_gets_a_504_in_time(
    gateway: Gateway, api_event: ApiEventFactory, calls: Calls
) -> None:
    # GIVEN SSM and DynamoDB each take 2.9 s, and every model hangs
    _slow_platform(gateway, calls, ssm_s=2.9, dynamodb_s=2.9)
    hang = _slow(gateway, calls, "converse", 600, converse_response())
    gateway.bedrock.defaults["converse"] = hang
    started = gateway.clock()

    # WHEN team-a chats with chat (fallback: fast), with plenty of Lambda time left
    result = gateway.call(api_event("POST", "/v1/chat", chat_body()), remaining_millis=60_000)

    # THEN a 504 JSON error comes back before API Gateway's 29 s (less the margin)...
    assert (result.status, result.error["code"]) == (504, "GatewayTimeout")
    deadline = started + 25  # timeouts.deadline_seconds: the smallest of the three here
    assert gateway.clock() <= started + INTEGRATION_S - MARGIN_S
    # ...every call's read timeout ended by the deadline (SSM and DynamoDB time included)
    assert [what for what, _, _ in calls.entries][:3] == ["ssm", "dynamodb", "converse"]
    assert max(calls.ends()) <= deadline + 1e-9
    # ...and the model call got what was left (25 - 5.8 s) less its 2 s connect timeout
    assert calls.entries[2][2] == pytest.approx(25 - 5.8 - 2)


def test_fallback_runs_only_inside_the_same_deadline(
    gateway: Gateway, api_event: ApiEventFactory, calls: Calls
) -> None:
    # GIVEN chat times out at its 20 s read timeout and fast answers in 1 s
    def by_model(kwargs: dict[str, Any]) -> Any:
        latency = 600 if kwargs["modelId"] == CHAT_ID else 1
        return _slow(gateway, calls, "converse", latency, converse_response("from fast"))(kwargs)

    gateway.bedrock.defaults["converse"] = by_model
    started = gateway.clock()

    # WHEN team-a chats with chat
    result = gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN fast served, with a read timeout of only what was left (25 - 20 = 5 s, not 20 s),
    # less a quarter of it for the connect
    assert (result.status, result.body["model"]) == (200, "fast")
    assert [round(timeout, 6) for _, _, timeout in calls.entries] == [20, 5 * 3 / 4]
    assert gateway.clock() - started <= 25


def test_a_call_cut_by_the_deadline_is_a_504_and_does_not_count_against_the_model(
    gateway: Gateway, api_event: ApiEventFactory, calls: Calls
) -> None:
    # GIVEN only 3 s of Lambda time are left and fast (no fallback) would take 10 s
    gateway.bedrock.defaults["converse"] = _slow(
        gateway, calls, "converse", 10, converse_response()
    )

    # WHEN team-a chats with fast
    result = gateway.call(
        api_event("POST", "/v1/chat", chat_body(model="fast")), remaining_millis=3000
    )

    # THEN 504 after 2 s (3 s less the margin; the read may use 3/4 of it, the connect the
    # rest); the model's breakers saw no failure
    assert (result.status, result.error["code"]) == (504, "GatewayTimeout")
    assert calls.entries[0][2] == pytest.approx(2.0 * 3 / 4)
    assert gateway.runtime.breakers.for_tenant("team-a", "fast").state == "closed"
    assert gateway.metric("BreakerOpens") == 0


def test_a_504_charges_the_input_bound_and_refunds_the_rest(
    gateway: Gateway, api_event: ApiEventFactory, calls: Calls
) -> None:
    # GIVEN fast hangs past the deadline
    gateway.bedrock.defaults["converse"] = _slow(
        gateway, calls, "converse", 60, converse_response()
    )

    # WHEN team-a chats with fast
    gateway.call(api_event("POST", "/v1/chat", chat_body("abcd", model="fast")))

    # THEN the reservation is settled at the input bound (4 bytes + 2 x 16 template tokens)
    gateway.runtime.quota.flush()
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 4 + 32


def test_api_integration_timeout_caps_the_deadline(
    gateway: Gateway, api_event: ApiEventFactory, calls: Calls
) -> None:
    # GIVEN an API whose integration timeout is 10 s (API_INTEGRATION_TIMEOUT_MS=10000)
    gateway.runtime.settings = replace(gateway.runtime.settings, integration_timeout_ms=10_000)
    gateway.bedrock.defaults["converse"] = _slow(gateway, calls, "converse", 1, converse_response())

    # WHEN team-a chats
    gateway.call(api_event("POST", "/v1/chat", chat_body(model="fast")))

    # THEN the model call may wait at most 10 s less the margin, less its 2 s connect timeout
    assert calls.entries[0][2] == pytest.approx(10 - MARGIN_S - 2)


def test_cold_start_time_is_taken_off_the_integration_timeout(
    gateway: Gateway, api_event: ApiEventFactory, calls: Calls
) -> None:
    # GIVEN a 20 s integration timeout and a cold start that already spent 4 s of it
    gateway.runtime.settings = replace(gateway.runtime.settings, integration_timeout_ms=20_000)
    gateway.bedrock.defaults["converse"] = _slow(gateway, calls, "converse", 1, converse_response())

    # WHEN the first request is handled
    gw_gateway.handle(
        api_event("POST", "/v1/chat", chat_body(model="fast")),
        gateway.runtime,
        spent_before_seconds=4.0,
    )

    # THEN the model call may wait at most 20 - 4 - margin seconds, less its connect timeout
    assert calls.entries[0][2] == pytest.approx(20 - 4 - MARGIN_S - 2)


def test_guardrail_and_endpoint_calls_share_the_deadline(
    gateway: Gateway, api_event: ApiEventFactory, calls: Calls
) -> None:
    # GIVEN a self-hosted model: each ApplyGuardrail takes 0.5 s and the endpoint 10 s
    gateway.bedrock.defaults["apply_guardrail"] = _slow(
        gateway, calls, "apply_guardrail", 0.5, guardrail_response()
    )
    gateway.sagemaker.defaults["invoke_endpoint"] = _slow(
        gateway, calls, "invoke_endpoint", 10, chat_completion_response()
    )

    # WHEN team-a chats with llama, with 16 s of Lambda time left (deadline: 15 s)
    result = gateway.call(
        api_event("POST", "/v1/chat", chat_body(model="llama")), remaining_millis=16_000
    )

    # THEN each call could wait only what the ones before it left of the 15 s, less its
    # connect timeout (2 s, or a quarter of what is left when that is less)
    assert result.status == 200
    assert [(what, round(t, 6)) for what, _, t in calls.entries] == [
        ("apply_guardrail", 15 - 2),
        ("invoke_endpoint", 14.5 - 2),
        ("apply_guardrail", 4.5 * 3 / 4),
    ]


def test_no_retry_starts_after_the_deadline_and_a_throttled_model_is_503_not_504(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN fast is throttled every time
    gateway.bedrock.defaults["converse"] = client_error("ThrottlingException", "slow down")

    # WHEN team-a chats with fast
    result = gateway.call(api_event("POST", "/v1/chat", chat_body(model="fast")))

    # THEN every sleep ended inside the deadline and the answer is a 503 with Retry-After
    assert result.status == 503
    assert sum(gateway.clock.sleeps) <= 25


# --- kill switch: stale-while-error ---------------------------------------------------------


def test_failed_kill_switch_reads_are_not_retried_on_every_request(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN SSM fails on every read
    reads: list[float] = []

    def broken(timeout: float) -> str:
        reads.append(gateway.clock())
        raise client_error("ThrottlingException", operation="GetParameter")

    gateway.runtime.kill_switch = broken
    gateway.bedrock.defaults["converse"] = converse_response()

    # WHEN 5 requests arrive within the backoff, then one after it
    for _ in range(5):
        assert gateway.call(api_event("POST", "/v1/chat", chat_body())).status == 200
        gateway.clock.advance(1)
    gateway.clock.advance(gw_gateway.KILL_SWITCH_ERROR_BACKOFF_SECONDS)
    gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN SSM was tried once per backoff window, and every request was served (fail open)
    assert len(reads) == 2


def test_last_kill_switch_value_is_kept_while_ssm_fails_then_fails_open(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN the switch was read "on", and then SSM starts failing
    values: list[Any] = ["on"]

    def read(timeout: float) -> str:
        value = values[0]
        if isinstance(value, Exception):
            raise value
        return str(value)

    gateway.runtime.kill_switch = read
    gateway.bedrock.defaults["converse"] = converse_response()
    assert gateway.call(api_event("POST", "/v1/chat", chat_body())).status == 503
    values[0] = client_error("InternalServerError", operation="GetParameter")

    # WHEN a request comes after the value's max age, but within the stale limit
    gateway.clock.advance(gw_gateway.KILL_SWITCH_MAX_AGE_SECONDS + 1)
    stale = gateway.call(api_event("POST", "/v1/chat", chat_body()))
    # AND one after the stale limit
    gateway.clock.advance(gw_gateway.KILL_SWITCH_MAX_STALE_SECONDS)
    expired = gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN the last value read still switched the gateway off; once too old, it serves
    assert stale.status == 503
    assert expired.status == 200


def test_kill_switch_read_gets_at_most_what_is_left(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN 1.5 s of Lambda time left (deadline 0.5 s)
    timeouts: list[float] = []

    def read(timeout: float) -> str:
        timeouts.append(timeout)
        return "off"

    gateway.runtime.kill_switch = read
    gateway.bedrock.defaults["converse"] = converse_response()

    # WHEN team-a chats
    gateway.call(api_event("POST", "/v1/chat", chat_body()), remaining_millis=1500)

    # THEN the SSM read and its connect share the 0.5 s, not the platform's 3 s + 1 s
    assert timeouts == [pytest.approx(0.5 * 3 / 4)]


def test_dynamodb_reservation_gets_at_most_what_is_left(
    make_gateway: GatewayFactory, api_event: ApiEventFactory, calls: Calls
) -> None:
    # GIVEN SSM took 1.2 s of a 2 s deadline
    gateway = make_gateway()
    _slow_platform(gateway, calls, ssm_s=1.2, dynamodb_s=0.01)
    gateway.bedrock.defaults["converse"] = converse_response()

    # WHEN team-a chats with 3 s of Lambda time left
    gateway.call(api_event("POST", "/v1/chat", chat_body()), remaining_millis=3000)

    # THEN the reservation's read timeout and its connect share the 0.8 s left
    assert calls.entries[1][0] == "dynamodb"
    assert calls.entries[1][2] == pytest.approx(0.8 * 3 / 4)
