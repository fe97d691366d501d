"""Invoke function: the monthly per-tenant token quota in DynamoDB (moto): atomic reservation,
settlement, refunds, the 429 with its reset time, and the race near the limit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.handlers.conftest import (
    TENANT_B_ROLE_ARN,
    ApiEventFactory,
    Gateway,
    aws_client,
    chat_body,
    client_error,
    converse_response,
)

NOV_15 = datetime(2026, 11, 15, 12, 0, 0, tzinfo=UTC)
TEAM_B_QUOTA = 1000  # tenants[1].monthly_token_quota in the example config


def _store(quota_table: str) -> Any:
    import gw_quota

    return gw_quota.QuotaStore(aws_client("dynamodb"), quota_table)


def _item(quota_table: str, pk: str) -> dict[str, Any] | None:
    client = aws_client("dynamodb")
    item: dict[str, Any] | None = client.get_item(TableName=quota_table, Key={"pk": {"S": pk}}).get(
        "Item"
    )
    return item


def _team_b_chat(api_event: ApiEventFactory, max_tokens: int = 100, text: str = "abcd") -> Any:
    return api_event(
        "POST", "/v1/chat", chat_body(text, max_tokens=max_tokens), user_arn=TENANT_B_ROLE_ARN
    )


# --- through the gateway --------------------------------------------------------------------


def test_usage_is_recorded_per_tenant_and_utc_month(
    gateway: Gateway, api_event: ApiEventFactory, quota_table: str
) -> None:
    # GIVEN it is 15 November 2026 and the model reports 40 + 9 tokens
    gateway.runtime.now = lambda: NOV_15
    gateway.bedrock.script("converse", converse_response(input_tokens=40, output_tokens=9))

    # WHEN team-a chats
    gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN the month item holds the actual tokens (the estimate was settled)
    assert _item(quota_table, "team-a#2026-11") == {
        "pk": {"S": "team-a#2026-11"},
        "tokens_used": {"N": "49"},
    }


def test_over_quota_is_429_saying_when_it_resets(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN team-b has used 950 of its 1000 tokens this month
    gateway.runtime.now = lambda: NOV_15
    gateway.runtime.quota.reserve("team-b", 950, TEAM_B_QUOTA, NOV_15)

    # WHEN it sends a request that may need 101 tokens
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


def test_quota_resets_in_january_after_december(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN team-b exhausted its quota in December
    dec = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    gateway.runtime.now = lambda: dec
    gateway.runtime.quota.reserve("team-b", TEAM_B_QUOTA, TEAM_B_QUOTA, dec)

    # WHEN it chats
    result = gateway.call(_team_b_chat(api_event))

    # THEN the reset is the first of January, an hour away
    assert "resets at 2027-01-01T00:00:00Z" in result.error["message"]
    assert result.headers["Retry-After"] == "3600"


def test_a_new_month_starts_from_zero(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN team-b exhausted November
    gateway.runtime.quota.reserve("team-b", TEAM_B_QUOTA, TEAM_B_QUOTA, NOV_15)
    gateway.runtime.now = lambda: datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC)
    gateway.bedrock.script("converse", converse_response())

    # WHEN it chats on 1 December
    result = gateway.call(_team_b_chat(api_event))

    # THEN it is served
    assert result.status == 200


def test_request_exactly_reaching_the_limit_is_allowed(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN team-b has 101 tokens left and a request estimated at exactly 101 (4 chars + 100)
    now = gateway.runtime.now()
    gateway.runtime.quota.reserve("team-b", TEAM_B_QUOTA - 101, TEAM_B_QUOTA, now)
    gateway.bedrock.script("converse", converse_response())

    # WHEN it chats
    result = gateway.call(_team_b_chat(api_event, max_tokens=100, text="abcd"))

    # THEN it is served (the limit itself is allowed)
    assert result.status == 200


def test_failed_call_refunds_the_reservation(gateway: Gateway, api_event: ApiEventFactory) -> None:
    # GIVEN fast (no fallback) fails
    gateway.bedrock.script("converse", client_error("AccessDeniedException", "no"))

    # WHEN team-b chats
    result = gateway.call(_team_b_chat(api_event))

    # THEN nothing stays reserved
    assert result.status == 503
    assert gateway.runtime.quota.used("team-b", gateway.runtime.now()) == 0


def test_quota_store_failure_on_reserve_is_503(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN DynamoDB is failing
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise client_error("InternalServerError", operation="UpdateItem")

    gateway.runtime.quota.reserve = broken

    # WHEN team-a chats
    result = gateway.call(api_event("POST", "/v1/chat", chat_body()))

    # THEN 503 QuotaUnavailable (fail closed: spend is never unmetered), no model call
    assert (result.status, result.error["code"]) == (503, "QuotaUnavailable")
    assert gateway.bedrock.calls == []


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


def test_concurrent_requests_near_the_limit_cannot_both_pass(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN team-b has room for one 101-token request but not two
    now = gateway.runtime.now()
    gateway.runtime.quota.reserve("team-b", TEAM_B_QUOTA - 150, TEAM_B_QUOTA, now)
    gateway.bedrock.defaults["converse"] = converse_response(input_tokens=1, output_tokens=100)
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

    # THEN exactly one is served and the other gets 429
    assert sorted(statuses) == [200, 429]


# --- the store itself -----------------------------------------------------------------------


def test_parallel_reservations_admit_exactly_what_fits(quota_table: str) -> None:
    # GIVEN 950 of 1000 tokens used, and 12 callers each reserving 40 at once
    store = _store(quota_table)
    store.reserve("team-x", 950, 1000, NOV_15)
    start = threading.Barrier(12)
    admitted: list[bool] = []

    def reserve() -> None:
        import gw_quota

        start.wait()
        try:
            store.reserve("team-x", 40, 1000, NOV_15)
            admitted.append(True)
        except gw_quota.QuotaExceeded:
            admitted.append(False)

    # WHEN they all reserve concurrently
    threads = [threading.Thread(target=reserve) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN exactly one fits (990), and usage never passes the limit
    assert admitted.count(True) == 1
    assert store.used("team-x", NOV_15) == 990


def test_reservation_is_one_conditional_update(quota_table: str) -> None:
    # GIVEN a store whose client records its calls
    import gw_quota

    calls: list[dict[str, Any]] = []

    class Recording:
        def update_item(self, **kwargs: Any) -> None:
            calls.append(kwargs)

    store = gw_quota.QuotaStore(Recording(), quota_table)

    # WHEN a reservation is made
    store.reserve("team-a", 300, 1000, NOV_15)

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
        }
    ]


def test_settle_adds_the_difference_and_refund_removes_the_estimate(quota_table: str) -> None:
    # GIVEN two reservations of 500
    store = _store(quota_table)
    first = store.reserve("team-a", 500, 10_000, NOV_15)
    second = store.reserve("team-a", 500, 10_000, NOV_15)

    # WHEN the first is settled at 120 tokens and the second refunded
    store.settle(first, 120)
    store.refund(second)

    # THEN usage is exactly the 120 actually used
    assert store.used("team-a", NOV_15) == 120


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC), "2026-02-01T00:00:00Z"),
        (datetime(2026, 12, 1, 0, 0, 0, tzinfo=UTC), "2027-01-01T00:00:00Z"),
    ],
)
def test_next_reset_is_the_first_of_the_next_utc_month(now: datetime, expected: str) -> None:
    import gw_quota

    # GIVEN/WHEN the next reset is computed THEN it is midnight UTC on the 1st of next month
    assert gw_quota.iso(gw_quota.next_reset(now)) == expected
