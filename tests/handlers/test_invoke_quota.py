"""Invoke function: the monthly per-tenant token quota: a reservation that is an upper bound of
what a request can consume, ``max_tokens`` capped to what remains, the 429 with its reset time,
refunds piggybacked on the next reservation (one store call per request), and concurrency.

Single-threaded behaviour runs against moto's DynamoDB; concurrency against
:class:`FakeQuotaTable` (DynamoDB's per-item atomic conditional update under a lock), because
moto is not atomic across threads.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime
from typing import Any

import gw_quota
import pytest
from botocore.exceptions import ReadTimeoutError

from tests.handlers.conftest import (
    TENANT_B_ROLE_ARN,
    ApiEventFactory,
    FakeQuotaTable,
    Gateway,
    GatewayFactory,
    aws_client,
    chat_body,
    chat_completion_response,
    client_error,
    converse_response,
)

NOV_15 = datetime(2026, 11, 15, 12, 0, 0, tzinfo=UTC)
TEAM_B_QUOTA = 1000  # tenants[1].monthly_token_quota in the example config
TEMPLATE = 16  # gw_request.TEMPLATE_TOKENS_PER_MESSAGE


def _store(quota_table: str) -> Any:
    return gw_quota.QuotaStore(aws_client("dynamodb"), quota_table)


def _item(quota_table: str, pk: str) -> dict[str, Any] | None:
    client = aws_client("dynamodb")
    item: dict[str, Any] | None = client.get_item(TableName=quota_table, Key={"pk": {"S": pk}}).get(
        "Item"
    )
    return item


def _set_used(quota_table: str, pk: str, tokens: int) -> None:
    aws_client("dynamodb").put_item(
        TableName=quota_table, Item={"pk": {"S": pk}, "tokens_used": {"N": str(tokens)}}
    )


def _team_b_chat(
    api_event: ApiEventFactory, max_tokens: int | None = 100, text: str = "abcd"
) -> Any:
    fields = {} if max_tokens is None else {"max_tokens": max_tokens}
    return api_event("POST", "/v1/chat", chat_body(text, **fields), user_arn=TENANT_B_ROLE_ARN)


def _bound(text: str) -> int:
    """The input bound of a one-message request: UTF-8 bytes + template tokens (message, reply)."""
    return len(text.encode("utf-8")) + 2 * TEMPLATE


# --- through the gateway --------------------------------------------------------------------


def test_usage_is_recorded_per_tenant_and_utc_month(
    gateway: Gateway, api_event: ApiEventFactory, quota_table: str
) -> None:
    # GIVEN it is 15 November 2026 and the model reports 40 + 9 tokens
    gateway.runtime.now = lambda: NOV_15
    gateway.bedrock.script("converse", converse_response(input_tokens=40, output_tokens=9))

    # WHEN team-a chats and its refund is flushed
    gateway.call(api_event("POST", "/v1/chat", chat_body()))
    gateway.runtime.quota.flush()

    # THEN the month item holds the actual tokens (the estimate was settled)
    assert _item(quota_table, "team-a#2026-11") == {
        "pk": {"S": "team-a#2026-11"},
        "tokens_used": {"N": "49"},
    }


def test_each_request_makes_one_store_call_with_the_previous_refund_piggybacked(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN a quota table that records its calls, and a model that uses 40 + 9 tokens
    table = FakeQuotaTable()
    gateway = make_gateway(quota_client=table)
    gateway.runtime.now = lambda: NOV_15
    gateway.bedrock.defaults["converse"] = converse_response(input_tokens=40, output_tokens=9)
    text = "What is our refund policy?"
    reserved = _bound(text) + 100

    # WHEN team-a chats twice
    for _ in range(2):
        assert (
            gateway.call(api_event("POST", "/v1/chat", chat_body(text, max_tokens=100))).status
            == 200
        )

    # THEN each request made exactly one (conditional) update; the second carried the first's
    # refund; after a flush the item holds exactly what was used
    assert len(table.calls) == 2
    amounts = [int(call["ExpressionAttributeValues"][":n"]["N"]) for call in table.reservations()]
    assert amounts == [reserved, reserved + (49 - reserved)]
    gateway.runtime.quota.flush()
    assert table.items["team-a#2026-11"] == 2 * 49


def test_stale_refunds_are_flushed_by_a_later_request(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN team-a was served, leaving a refund pending on its item
    table = FakeQuotaTable()
    gateway = make_gateway(quota_client=table)
    gateway.runtime.now = lambda: NOV_15
    gateway.bedrock.defaults["converse"] = converse_response(input_tokens=1, output_tokens=1)
    gateway.call(api_event("POST", "/v1/chat", chat_body("hi", max_tokens=10)))
    assert gateway.runtime.quota.pending() == {"team-a#2026-11": 2 - (_bound("hi") + 10)}

    # WHEN, 30 s later, team-b (another item) is served
    gateway.clock.advance(gw_quota.DEFAULT_MAX_DEFER_SECONDS)
    gateway.call(_team_b_chat(api_event, max_tokens=10))

    # THEN team-a's refund was applied on its own: its item holds exactly what it used
    assert table.items["team-a#2026-11"] == 2
    assert "team-a#2026-11" not in gateway.runtime.quota.pending()


def test_over_quota_is_429_saying_when_it_resets(
    gateway: Gateway, api_event: ApiEventFactory, quota_table: str
) -> None:
    # GIVEN team-b has so little left that not one output token fits after its input bound
    gateway.runtime.now = lambda: NOV_15
    _set_used(quota_table, "team-b#2026-11", TEAM_B_QUOTA - _bound("abcd"))

    # WHEN it sends a request
    result = gateway.call(_team_b_chat(api_event))

    # THEN 429 with the reset time and Retry-After in seconds; no model call; counted
    assert (result.status, result.error["code"]) == (429, "QuotaExceeded")
    assert "resets at 2026-12-01T00:00:00Z" in result.error["message"]
    assert result.headers["Retry-After"] == str(
        int((datetime(2026, 12, 1, tzinfo=UTC) - NOV_15).total_seconds())
    )
    assert gateway.bedrock.calls == []
    assert gateway.dimensions("QuotaRejections") == [
        {"Tenant": "team-b", "Feature": "none", "Model": "fast"}
    ]


def test_max_tokens_is_capped_to_what_remains_and_the_response_says_so(
    gateway: Gateway, api_event: ApiEventFactory, quota_table: str
) -> None:
    # GIVEN team-b has 100 tokens left and asks for up to 500
    gateway.runtime.now = lambda: NOV_15
    _set_used(quota_table, "team-b#2026-11", TEAM_B_QUOTA - 100)
    gateway.bedrock.script("converse", converse_response(input_tokens=2, output_tokens=50))

    # WHEN it chats
    result = gateway.call(_team_b_chat(api_event, max_tokens=500))

    # THEN it is served with max_tokens cut to what fits after the input bound, and says so
    room = 100 - _bound("abcd")
    assert result.status == 200
    assert (result.body["max_tokens"], result.body["max_tokens_capped"]) == (room, True)
    assert gateway.bedrock.calls_to("converse")[0]["inferenceConfig"]["maxTokens"] == room


def test_tenant_whose_quota_is_below_the_default_max_tokens_is_served(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN team-b (1000 tokens a month) has used nothing and sends no max_tokens (default 1024)
    gateway.bedrock.script("converse", converse_response())

    # WHEN it chats
    result = gateway.call(_team_b_chat(api_event, max_tokens=None))

    # THEN it is served, with max_tokens capped to the quota less the input bound
    assert result.status == 200
    assert result.body["max_tokens"] == TEAM_B_QUOTA - _bound("abcd")
    assert result.body["max_tokens_capped"] is True


def test_quota_resets_in_january_after_december(
    gateway: Gateway, api_event: ApiEventFactory, quota_table: str
) -> None:
    # GIVEN team-b exhausted its quota in December
    dec = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    gateway.runtime.now = lambda: dec
    _set_used(quota_table, "team-b#2026-12", TEAM_B_QUOTA)

    # WHEN it chats
    result = gateway.call(_team_b_chat(api_event))

    # THEN the reset is the first of January, an hour away
    assert "resets at 2027-01-01T00:00:00Z" in result.error["message"]
    assert result.headers["Retry-After"] == "3600"


def test_a_new_month_starts_from_zero(
    gateway: Gateway, api_event: ApiEventFactory, quota_table: str
) -> None:
    # GIVEN team-b exhausted November
    _set_used(quota_table, "team-b#2026-11", TEAM_B_QUOTA)
    gateway.runtime.now = lambda: datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC)
    gateway.bedrock.script("converse", converse_response())

    # WHEN it chats on 1 December
    result = gateway.call(_team_b_chat(api_event))

    # THEN it is served
    assert result.status == 200


def test_request_exactly_reaching_the_limit_is_allowed(
    gateway: Gateway, api_event: ApiEventFactory, quota_table: str
) -> None:
    # GIVEN team-b has exactly room for the input bound + 100 output tokens
    gateway.runtime.now = lambda: NOV_15
    _set_used(quota_table, "team-b#2026-11", TEAM_B_QUOTA - (_bound("abcd") + 100))
    gateway.bedrock.script("converse", converse_response())

    # WHEN it chats with max_tokens 100
    result = gateway.call(_team_b_chat(api_event, max_tokens=100, text="abcd"))

    # THEN it is served uncapped (the limit itself is allowed)
    assert (result.status, result.body["max_tokens_capped"]) == (200, False)


@pytest.mark.parametrize(
    "text",
    [
        "plain English text",
        "日本語のテキストです",
        "Ελληνικά κείμενα",
        "emoji 🎉🎉🎉",
        "mixed 中文 and ascii",
    ],
)
def test_reservation_bounds_the_input_of_any_script(
    make_gateway: GatewayFactory, api_event: ApiEventFactory, text: str
) -> None:
    # GIVEN a recording table
    table = FakeQuotaTable()
    gateway = make_gateway(quota_client=table)
    gateway.bedrock.script("converse", converse_response())

    # WHEN team-a sends the text
    gateway.call(api_event("POST", "/v1/chat", chat_body(text, max_tokens=10)))

    # THEN what was reserved covers one token per UTF-8 byte (no tokenizer emits more) + max_tokens
    (reservation,) = table.reservations()
    assert int(reservation["ExpressionAttributeValues"][":n"]["N"]) >= len(text.encode()) + 10


def test_failed_call_refunds_the_reservation(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN fast (no fallback) fails
    gateway.bedrock.script("converse", client_error("AccessDeniedException", "no"))

    # WHEN team-b chats
    result = gateway.call(_team_b_chat(api_event))

    # THEN nothing stays reserved
    assert result.status == 503
    gateway.runtime.quota.flush()
    assert gateway.runtime.quota.used("team-b", gateway.runtime.now()) == 0


def test_timed_out_call_is_charged_its_input_bound(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN fast (no fallback) times out: the model may have run
    gateway.bedrock.script("converse", ReadTimeoutError(endpoint_url="https://bedrock"))

    # WHEN team-b chats
    gateway.call(_team_b_chat(api_event))

    # THEN the input bound stays charged; the output reservation is refunded
    gateway.runtime.quota.flush()
    assert gateway.runtime.quota.used("team-b", gateway.runtime.now()) == _bound("abcd")


def test_quota_store_failure_on_reserve_is_503(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN DynamoDB is failing
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise gw_quota.QuotaUnavailable("InternalServerError", retryable=False)

    gateway.runtime.quota.reserve = broken

    # WHEN team-a chats
    result = gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN 503 QuotaUnavailable (fail closed: spend is never unmetered), no model call
    assert (result.status, result.error["code"]) == (503, "QuotaUnavailable")
    assert gateway.bedrock.calls == []


def test_throttled_reservation_is_retried_inside_the_deadline(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN DynamoDB throttles the first reservation (certainly not applied)
    table = FakeQuotaTable()
    gateway = make_gateway(quota_client=table)
    throttles = [client_error("ThrottlingException", operation="UpdateItem")]

    def throttle_once(kwargs: dict[str, Any]) -> None:
        if throttles:
            raise throttles.pop()

    table.before_update = throttle_once
    gateway.bedrock.script("converse", converse_response())

    # WHEN team-a chats
    result = gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN it is served after one backoff
    assert result.status == 200
    assert len(gateway.clock.sleeps) == 1


def test_quota_store_failure_on_settle_still_answers(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN DynamoDB fails after the model answered
    def broken(*args: Any, **kwargs: Any) -> None:
        raise client_error("InternalServerError", operation="UpdateItem")

    gateway.runtime.quota.settle = broken
    gateway.bedrock.script("converse", converse_response())

    # WHEN team-a chats
    result = gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN the caller gets the answer and the failure is logged
    assert result.status == 200
    assert any(r.getMessage() == "quota settle failed" for r in gateway.logs.records)


# --- concurrency (deterministic: FakeQuotaTable) --------------------------------------------


def test_concurrent_requests_near_the_limit_cannot_both_pass(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN team-b has room for one request of its input bound + 100 but not for two
    table = FakeQuotaTable()
    gateway = make_gateway(quota_client=table)
    gateway.runtime.now = lambda: NOV_15
    need = _bound("abcd") + 100
    table.items["team-b#2026-11"] = TEAM_B_QUOTA - need - _bound("abcd")
    gateway.bedrock.defaults["converse"] = converse_response(
        input_tokens=_bound("abcd"), output_tokens=100
    )
    events = [_team_b_chat(api_event), _team_b_chat(api_event)]
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send(event: dict[str, Any]) -> None:
        start.wait()
        statuses.append(gateway.call(event).status)

    # WHEN both are sent at the same moment
    threads = [threading.Thread(target=send, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN exactly one is served; for the other not one output token fits: 429
    assert sorted(statuses) == [200, 429]


def test_parallel_reservations_admit_exactly_what_fits() -> None:
    # GIVEN 950 of 1000 tokens used, and 12 callers each reserving 30 input + 10 output at once
    store = gw_quota.QuotaStore(FakeQuotaTable(), "quota")
    store.reserve("team-x", 940, 10, 1000, NOV_15)
    start = threading.Barrier(12)
    admitted: list[int] = []

    def reserve() -> None:
        start.wait()
        try:
            admitted.append(store.reserve("team-x", 30, 10, 1000, NOV_15).tokens)
        except gw_quota.QuotaExceeded:
            admitted.append(0)

    # WHEN they all reserve concurrently
    threads = [threading.Thread(target=reserve) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN exactly one fits (990); with 10 left, 30 input tokens do not fit, so every other
    # caller gets QuotaExceeded
    assert sorted(admitted, reverse=True)[:2] == [40, 0]
    assert store.used("team-x", NOV_15) == 990


def test_32_threads_of_mixed_scripts_end_with_0_tokens_over_quota(
    make_gateway: GatewayFactory, api_event: ApiEventFactory, gateway_config: dict[str, Any]
) -> None:
    # GIVEN a tenant with a 40,000-token quota, a model that bills at most one token per UTF-8
    # byte of input (plus template tokens) and at most max_tokens of output
    gateway_config["tenants"][1]["monthly_token_quota"] = 40_000
    table = FakeQuotaTable()
    gateway = make_gateway(gateway_config, quota_client=table)
    gateway.runtime.now = lambda: NOV_15
    rng = random.Random(8)
    lock = threading.Lock()
    billed: list[int] = []

    def model(kwargs: dict[str, Any]) -> dict[str, Any]:
        text = kwargs["messages"][0]["content"][0]["text"]
        with lock:
            input_tokens = rng.randint(len(text), len(text.encode("utf-8")) + 2 * TEMPLATE)
            output_tokens = rng.randint(1, kwargs["inferenceConfig"]["maxTokens"])
            billed.append(input_tokens + output_tokens)
        return converse_response(input_tokens=input_tokens, output_tokens=output_tokens)

    gateway.bedrock.defaults["converse"] = model
    texts = ["English " * 40, "中文文本" * 40, "日本語のテキスト" * 30, "Ελληνικά " * 40, "🎉" * 80]
    start = threading.Barrier(32)
    statuses: list[int] = []

    def caller(index: int) -> None:
        start.wait()
        for round_ in range(6):
            text = texts[(index + round_) % len(texts)]
            status = gateway.call(_team_b_chat(api_event, max_tokens=200 + index, text=text)).status
            with lock:
                statuses.append(status)

    # WHEN 32 callers send 6 requests each, all at once
    threads = [threading.Thread(target=caller, args=(i,)) for i in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN some were refused, and once every refund is applied the tenant used exactly what
    # was billed: 0 tokens over its quota
    gateway.runtime.quota.flush()
    used = table.items["team-b#2026-11"]
    assert statuses.count(429) > 0 and statuses.count(200) == len(billed)
    assert used == sum(billed)
    assert used <= 40_000


# --- the store itself -----------------------------------------------------------------------


def test_reservation_is_one_conditional_update(quota_table: str) -> None:
    # GIVEN a store whose client records its calls
    calls: list[dict[str, Any]] = []

    class Recording:
        def update_item(self, **kwargs: Any) -> None:
            calls.append(kwargs)

    store = gw_quota.QuotaStore(Recording(), quota_table)

    # WHEN a reservation of 200 input + 100 output tokens is made
    store.reserve("team-a", 200, 100, 1000, NOV_15)

    # THEN it is a single ADD guarded by the documented condition
    assert calls == [
        {
            "TableName": quota_table,
            "Key": {"pk": {"S": "team-a#2026-11"}},
            "UpdateExpression": "ADD tokens_used :n",
            "ConditionExpression": (
                "attribute_not_exists(tokens_used) OR tokens_used <= :limit_minus_n"
            ),
            "ExpressionAttributeValues": {":n": {"N": "300"}, ":limit_minus_n": {"N": "700"}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    ]


def test_refunds_wait_for_the_next_reservation_and_charges_go_out_at_once(
    quota_table: str,
) -> None:
    # GIVEN two reservations of 500
    table = FakeQuotaTable()
    store = gw_quota.QuotaStore(table, quota_table)
    first = store.reserve("team-a", 100, 400, 10_000, NOV_15)
    second = store.reserve("team-a", 100, 400, 10_000, NOV_15)

    # WHEN the first is settled at 120 tokens and the second refunded
    store.settle(first, 120)
    store.refund(second)

    # THEN no store call was made for them; usage (with what is pending) is the 120 used
    assert len(table.calls) == 2
    assert store.used("team-a", NOV_15) == 120
    assert store.used("team-a", NOV_15, include_pending=False) == 1000

    # WHEN a call turns out to have used more than reserved (a miscounting model)
    third = store.reserve("team-a", 10, 10, 10_000, NOV_15)
    store.settle(third, 25)

    # THEN that charge went out at once, and the flush leaves exactly what was used
    assert table.calls[-1]["ExpressionAttributeValues"] == {":d": {"N": "5"}}
    store.flush()
    assert table.items["team-a#2026-11"] == 120 + 25


def test_refunds_carried_by_a_reservation_with_unknown_outcome_are_not_applied_twice() -> None:
    # GIVEN a pending refund of 380 and a reservation whose answer is lost (read timeout)
    table = FakeQuotaTable()
    store = gw_quota.QuotaStore(table, "quota")
    store.settle(store.reserve("team-a", 100, 400, 10_000, NOV_15), 120)

    def lost(kwargs: dict[str, Any]) -> None:
        table.before_update = None
        table.update_item(**kwargs)  # DynamoDB applied it...
        raise ReadTimeoutError(endpoint_url="https://dynamodb")  # ...but the answer was lost

    table.before_update = lost

    # WHEN the reservation fails THEN it is reported, not retryable
    with pytest.raises(gw_quota.QuotaUnavailable) as raised:
        store.reserve("team-a", 100, 400, 10_000, NOV_15)
    assert raised.value.retryable is False

    # AND the refund it carried is considered applied: never refunded twice (no under-count)
    assert store.pending() == {}
    assert table.items["team-a#2026-11"] == 120 + 500


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC), "2026-02-01T00:00:00Z"),
        (datetime(2026, 12, 1, 0, 0, 0, tzinfo=UTC), "2027-01-01T00:00:00Z"),
    ],
)
def test_next_reset_is_the_first_of_the_next_utc_month(now: datetime, expected: str) -> None:
    # GIVEN/WHEN the next reset is computed THEN it is midnight UTC on the 1st of next month
    assert gw_quota.iso(gw_quota.next_reset(now)) == expected


def test_a_model_that_answered_is_charged_even_when_the_output_guardrail_fails(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN llama answers with 20 + 7 tokens, and then ApplyGuardrail on the output fails
    gateway.bedrock.script(
        "apply_guardrail",
        {"action": "NONE"},
        client_error("InternalServerException", operation="ApplyGuardrail"),
    )
    gateway.bedrock.defaults["apply_guardrail"] = client_error(
        "InternalServerException", operation="ApplyGuardrail"
    )
    gateway.sagemaker.script("invoke_endpoint", chat_completion_response())

    # WHEN team-a chats with llama
    result = gateway.call(api_event("POST", "/v1/chat", chat_body(model="llama")))

    # THEN the caller gets 503 (unguarded text is never served) and the tokens the model
    # reported are charged, not refunded
    assert (result.status, result.error["code"]) == (503, "GuardrailUnavailable")
    gateway.runtime.quota.flush()
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 20 + 7


def test_a_fallback_after_a_timeout_is_charged_with_the_timed_out_input(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN chat times out and its fallback fast answers with 12 + 5 tokens
    chat_id = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

    def by_model(kwargs: dict[str, Any]) -> Any:
        if kwargs["modelId"] == chat_id:
            raise ReadTimeoutError(endpoint_url="https://bedrock")
        return converse_response(input_tokens=12, output_tokens=5)

    gateway.bedrock.defaults["converse"] = by_model

    # WHEN team-a chats with chat
    result = gateway.call(api_event("POST", "/v1/chat", chat_body("abcd")))

    # THEN fast served; usage is fast's tokens plus chat's input bound
    assert result.body["model"] == "fast"
    gateway.runtime.quota.flush()
    assert gateway.runtime.quota.used("team-a", gateway.runtime.now()) == 12 + 5 + _bound("abcd")
