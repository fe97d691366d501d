"""Invoke function: cost per tenant (``gw_cost``): Converse through the tenant's application
inference profile, ``CostUSD`` from the routing config's prices, the monthly budget in USD
(reservation, settlement, 429 with the reset time, exactness under threads) and the per-tenant
kill switch.

Single-threaded budget behaviour runs against moto's DynamoDB; concurrency against
:class:`FakeBudgetTable` (DynamoDB's per-item atomic conditional update under a lock).
"""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, datetime
from typing import Any

import gw_config
import gw_cost
import gw_metrics
import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from tests.handlers.conftest import (
    EXAMPLE_CONFIG,
    PLATFORM_ACCOUNT,
    REGION,
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
from tests.handlers.test_hostile_events import (
    _PROPERTY,
    _chat_bodies,
    _event,
    _events,
    assert_error_shape,
)

CHAT_PRICE = {"input_usd_per_million": 3.3, "output_usd_per_million": 16.5}
FAST_PRICE = {"input_usd_per_million": 0.06, "output_usd_per_million": 0.24}
PROFILE = f"arn:aws:bedrock:{REGION}:{PLATFORM_ACCOUNT}:application-inference-profile/"
TEAM_A_CHAT = PROFILE + "teamachat01"
TEAM_A_FAST = PROFILE + "teamafast01"
TEAM_B_FAST = PROFILE + "teambfast01"
NOV_15 = datetime(2026, 11, 15, 12, 0, 0, tzinfo=UTC)


def cost_config(budget_b: float | None = None) -> dict[str, Any]:
    """The example config with prices, the tenants' profiles and (optionally) a budget."""
    config = copy.deepcopy(EXAMPLE_CONFIG)
    config["models"]["chat"]["price"] = dict(CHAT_PRICE)
    config["models"]["fast"]["price"] = dict(FAST_PRICE)
    config["tenants"][0]["profiles"] = {"chat": TEAM_A_CHAT, "fast": TEAM_A_FAST}
    config["tenants"][1]["profiles"] = {"fast": TEAM_B_FAST}
    config["tenants"][1]["monthly_token_quota"] = 10**9
    if budget_b is not None:
        config["tenants"][1]["monthly_budget_usd"] = budget_b
    return config


def with_budget(gateway: Gateway, client: Any = None) -> Gateway:
    gateway.runtime.budget = gw_cost.BudgetStore(
        client or aws_client("dynamodb"), gateway.runtime.settings.quota_table_name
    )
    gateway.runtime.now = lambda: NOV_15
    return gateway


def team_b_chat(api_event: ApiEventFactory, max_tokens: int = 100, text: str = "abcd") -> Any:
    return api_event(
        "POST",
        "/v1/chat",
        chat_body(text, max_tokens=max_tokens, model="fast"),
        user_arn=TENANT_B_ROLE_ARN,
    )


def spent(quota_table: str, pk: str = "team-b#2026-11") -> int:
    item = aws_client("dynamodb").get_item(TableName=quota_table, Key={"pk": {"S": pk}}).get("Item")
    return int(item["cost_nano_usd"]["N"]) if item and "cost_nano_usd" in item else 0


# --- profiles ---------------------------------------------------------------------------------


def test_converse_goes_through_the_tenants_application_inference_profile(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN team-a has a profile per Bedrock alias
    gateway = make_gateway(cost_config())
    gateway.bedrock.script("converse", converse_response())

    # WHEN it chats with "chat"
    result = gateway.call(api_event("POST", "/v1/chat", chat_body(model="chat")))

    # THEN Converse names team-a's profile of "chat", not the shared model id
    assert result.status == 200
    assert gateway.bedrock.calls_to("converse")[0]["modelId"] == TEAM_A_CHAT


def test_a_fallback_goes_through_the_tenants_profile_of_the_fallback_alias(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN "chat" fails (its fallback is "fast")
    gateway = make_gateway(cost_config())
    gateway.bedrock.script("converse", client_error("InternalServerException"), converse_response())

    # WHEN team-a chats with "chat"
    result = gateway.call(api_event("POST", "/v1/chat", chat_body(model="chat")))

    # THEN the fallback call uses team-a's profile of "fast"
    assert result.status == 200 and result.body["model"] == "fast"
    model_ids = [call["modelId"] for call in gateway.bedrock.calls_to("converse")]
    assert model_ids == [TEAM_A_CHAT, TEAM_A_FAST]


def test_each_tenant_invokes_its_own_profile_of_the_same_alias(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN both tenants may use "fast", each with its own profile
    gateway = make_gateway(cost_config())
    gateway.bedrock.defaults["converse"] = converse_response()

    # WHEN each chats with "fast"
    gateway.call(api_event("POST", "/v1/chat", chat_body(model="fast")))
    gateway.call(team_b_chat(api_event))

    # THEN each call went through the caller tenant's profile
    assert [c["modelId"] for c in gateway.bedrock.calls_to("converse")] == [
        TEAM_A_FAST,
        TEAM_B_FAST,
    ]


def test_a_tenant_without_profiles_invokes_the_alias_model_id(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN the example config (no profiles)
    gateway.bedrock.script("converse", converse_response())

    # WHEN team-a chats
    gateway.call(api_event("POST", "/v1/chat", chat_body(model="fast")))

    # THEN the model id of the alias is invoked
    assert gateway.bedrock.calls_to("converse")[0]["modelId"] == "us.amazon.nova-lite-v1:0"


# --- CostUSD ----------------------------------------------------------------------------------


def test_cost_usd_is_the_reported_usage_at_the_aliases_price(
    make_gateway: GatewayFactory, api_event: ApiEventFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN "chat" costs 3.3 / 16.5 USD per million input / output tokens
    gateway = make_gateway(cost_config())
    gateway.bedrock.script("converse", converse_response(input_tokens=1200, output_tokens=500))

    # WHEN team-a chats, and the request's metrics are written as EMF
    gateway.call(api_event("POST", "/v1/chat", chat_body(model="chat", feature="search")))
    gw_metrics.emit_emf(gateway.recorders[-1], "GenAiPlatform")

    # THEN CostUSD = 1200 x 3.3e-6 + 500 x 16.5e-6 = 0.012210 USD, per tenant, feature, model
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    costs = [d for d in documents if "CostUSD" in d and "Tenant" in d]
    assert len(costs) == 1
    assert costs[0]["CostUSD"] == [pytest.approx(0.01221)]
    assert (costs[0]["Tenant"], costs[0]["Feature"], costs[0]["Model"]) == (
        "team-a",
        "search",
        "chat",
    )
    directive = costs[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Dimensions"] == [["Tenant", "Feature", "Model"]]


def test_cost_usd_is_recorded_under_the_model_that_served(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN "chat" fails and "fast" serves 1,000,000 input and 1,000,000 output tokens
    gateway = make_gateway(cost_config())
    gateway.bedrock.script(
        "converse",
        client_error("InternalServerException"),
        converse_response(input_tokens=1_000_000, output_tokens=1_000_000),
    )

    # WHEN team-a chats with "chat"
    gateway.call(api_event("POST", "/v1/chat", chat_body(model="chat")))

    # THEN the cost is fast's price, under Model=fast
    assert gateway.metric("CostUSD", model="fast") == pytest.approx(0.30)
    assert gateway.metric("CostUSD", model="chat") == 0


def test_self_hosted_and_unpriced_aliases_emit_no_cost_rather_than_zero(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN "llama" is self-hosted (no price) and "fast" has no price in the config
    config = cost_config()
    del config["models"]["fast"]["price"]
    gateway = make_gateway(config)
    gateway.sagemaker.script("invoke_endpoint", chat_completion_response())
    gateway.bedrock.defaults["apply_guardrail"] = {"action": "NONE"}
    gateway.bedrock.script("converse", converse_response())

    # WHEN team-a uses both
    gateway.call(api_event("POST", "/v1/chat", chat_body(model="llama")))
    gateway.call(api_event("POST", "/v1/chat", chat_body(model="fast")))

    # THEN no CostUSD data point exists at all (not even 0)
    assert gateway.dimensions("CostUSD") == []
    assert gateway.metric("InputTokens") > 0


# --- the budget -------------------------------------------------------------------------------


def test_budget_reserves_the_upper_bound_and_settles_with_the_reported_usage(
    make_gateway: GatewayFactory, api_event: ApiEventFactory, quota_table: str
) -> None:
    # GIVEN team-b has a budget and "fast" costs 0.06 / 0.24 USD per million tokens
    gateway = with_budget(make_gateway(cost_config(budget_b=5.0)))
    reserved: list[int] = []
    gateway.bedrock.script(
        "converse",
        lambda kwargs: (
            reserved.append(spent(quota_table))
            or converse_response(input_tokens=40, output_tokens=10)
        ),
    )

    # WHEN team-b chats with max_tokens 100 and the 4-byte prompt "abcd" (input bound 36)
    result = gateway.call(team_b_chat(api_event))

    # THEN during the call 36 x 60 + 100 x 240 nano-dollars were reserved; afterwards the
    # charge is the reported usage: 40 x 60 + 10 x 240
    assert result.status == 200
    assert reserved == [36 * 60 + 100 * 240]
    assert spent(quota_table) == 40 * 60 + 10 * 240


def test_a_failed_call_refunds_the_budget(
    make_gateway: GatewayFactory, api_event: ApiEventFactory, quota_table: str
) -> None:
    # GIVEN team-b's model fails (no fallback for "fast")
    gateway = with_budget(make_gateway(cost_config(budget_b=5.0)))
    gateway.bedrock.script("converse", client_error("ValidationException", "bad input"))

    # WHEN team-b chats
    result = gateway.call(team_b_chat(api_event))

    # THEN nothing stays charged
    assert result.status == 400
    assert spent(quota_table) == 0


def test_over_budget_is_429_with_the_reset_time_and_refunds_the_token_reservation(
    make_gateway: GatewayFactory, api_event: ApiEventFactory, quota_table: str
) -> None:
    # GIVEN team-b has 2,000 nano-dollars of its 1 USD budget left: less than the input
    # (36 tokens x 60) and one output token (240) cost
    gateway = with_budget(make_gateway(cost_config(budget_b=1.0)))
    aws_client("dynamodb").put_item(
        TableName=quota_table,
        Item={"pk": {"S": "team-b#2026-11"}, "cost_nano_usd": {"N": str(999_998_000)}},
    )

    # WHEN it asks for a request
    result = gateway.call(team_b_chat(api_event, max_tokens=1000))

    # THEN 429 BudgetExceeded, saying when it resets, with Retry-After until then
    assert result.status == 429
    assert result.error["code"] == "BudgetExceeded"
    assert "2026-12-01T00:00:00Z" in result.error["message"]
    assert "1 USD" in result.error["message"]
    assert int(result.headers["Retry-After"]) == int(
        (datetime(2026, 12, 1, tzinfo=UTC) - NOV_15).total_seconds()
    )
    # AND no model was called, the budget is untouched and no tokens stay reserved
    assert gateway.bedrock.calls_to("converse") == []
    assert spent(quota_table) == 999_998_000
    assert gateway.runtime.quota.used("team-b", NOV_15) == 0
    assert gateway.metric("QuotaRejections") == 1


def test_max_tokens_is_capped_to_what_the_rest_of_the_budget_buys(
    make_gateway: GatewayFactory, api_event: ApiEventFactory, quota_table: str
) -> None:
    # GIVEN team-b has 10,000 nano-dollars left: the input (36 x 60 = 2,160) and 32 output
    # tokens (32 x 240 = 7,680) fit, 33 do not
    gateway = with_budget(make_gateway(cost_config(budget_b=1.0)))
    aws_client("dynamodb").put_item(
        TableName=quota_table,
        Item={"pk": {"S": "team-b#2026-11"}, "cost_nano_usd": {"N": str(999_990_000)}},
    )
    gateway.bedrock.script("converse", converse_response(input_tokens=30, output_tokens=32))

    # WHEN it asks for max_tokens 1000
    result = gateway.call(team_b_chat(api_event, max_tokens=1000))

    # THEN it is served with max_tokens capped to 32, and the response says so
    assert result.status == 200
    assert gateway.bedrock.calls_to("converse")[0]["inferenceConfig"]["maxTokens"] == 32
    assert result.body["max_tokens"] == 32 and result.body["max_tokens_capped"] is True
    # AND the month's charge is the reported usage, within the budget
    assert spent(quota_table) == 999_990_000 + 30 * 60 + 32 * 240 <= 1_000_000_000


def test_a_tenant_with_a_budget_but_no_budget_store_is_refused_not_served_unmetered(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN a runtime without a budget store
    gateway = make_gateway(cost_config(budget_b=5.0))

    # WHEN team-b chats
    result = gateway.call(team_b_chat(api_event))

    # THEN 503 (fails closed), nothing invoked
    assert result.status == 503 and result.error["code"] == "BudgetUnavailable"
    assert gateway.bedrock.calls_to("converse") == []


def test_budget_store_failure_is_503_with_retry_after(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN DynamoDB throttles the budget reservation (the token one goes to another table)
    class Throttled:
        def update_item(self, **kwargs: Any) -> None:
            raise client_error("ProvisionedThroughputExceededException", operation="UpdateItem")

    gateway = with_budget(make_gateway(cost_config(budget_b=5.0)), client=Throttled())

    # WHEN team-b chats
    result = gateway.call(team_b_chat(api_event))

    # THEN 503 BudgetUnavailable, and the token reservation is refunded
    assert result.status == 503 and result.error["code"] == "BudgetUnavailable"
    assert result.headers["Retry-After"] == "5"
    assert gateway.runtime.quota.used("team-b", NOV_15) == 0


class FakeBudgetTable:
    """The quota table's budget attribute with DynamoDB's per-item atomic conditional update
    (under one lock), deterministic under threads, like :class:`FakeQuotaTable`."""

    CONDITION = "attribute_not_exists(cost_nano_usd) OR cost_nano_usd <= :limit_minus_c"

    def __init__(self) -> None:
        self.items: dict[str, int] = {}
        self._lock = threading.Lock()

    def update_item(self, **kwargs: Any) -> dict[str, Any]:
        with self._lock:
            pk = kwargs["Key"]["pk"]["S"]
            values = kwargs["ExpressionAttributeValues"]
            current = self.items.get(pk)
            if kwargs["UpdateExpression"] == "ADD cost_nano_usd :c":
                assert kwargs["ConditionExpression"] == self.CONDITION
                if current is not None and current > int(values[":limit_minus_c"]["N"]):
                    response: dict[str, Any] = {
                        "Error": {"Code": "ConditionalCheckFailedException", "Message": "x"}
                    }
                    if kwargs.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD":
                        response["Item"] = {"pk": {"S": pk}, "cost_nano_usd": {"N": str(current)}}
                    raise ClientError(response, "UpdateItem")
                self.items[pk] = (current or 0) + int(values[":c"]["N"])
            else:
                assert kwargs["UpdateExpression"] == "ADD cost_nano_usd :d"
                self.items[pk] = (current or 0) + int(values[":d"]["N"])
        return {}


def test_parallel_budget_reservations_admit_exactly_what_fits() -> None:
    # GIVEN a 1 USD budget and requests that each reserve 0.07 USD
    store = gw_cost.BudgetStore(FakeBudgetTable(), "quota")
    admitted: list[int] = []
    refused: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(32)

    def reserve() -> None:
        start.wait()
        try:
            store.reserve("team-b", 70_000_000, 1.0, NOV_15)
        except gw_cost.BudgetExceeded:
            with lock:
                refused.append(1)
        else:
            with lock:
                admitted.append(1)

    # WHEN 32 threads reserve at once
    threads = [threading.Thread(target=reserve) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN exactly floor(1 / 0.07) = 14 got through and the total is within the budget
    assert len(admitted) == 14 and len(refused) == 18
    assert store._client.items["team-b#2026-11"] == 14 * 70_000_000 <= 1_000_000_000


def test_32_threads_through_the_gateway_end_within_the_budget(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN team-b with a 0.01 USD budget, requests reserving 36 x 60 + 100 x 240 nano-USD
    # and using 40 x 60 + 10 x 240 (less than reserved)
    budget_table = FakeBudgetTable()
    gateway = with_budget(
        make_gateway(cost_config(budget_b=0.01), quota_client=FakeQuotaTable()),
        client=budget_table,
    )
    gateway.bedrock.defaults["converse"] = converse_response(input_tokens=40, output_tokens=10)
    statuses: list[int] = []
    lock = threading.Lock()
    events = [team_b_chat(api_event) for _ in range(32)]

    def send(event: dict[str, Any]) -> None:
        result = gateway.call(event)
        with lock:
            statuses.append(result.status)

    # WHEN 32 threads call at once, twice over
    for _ in range(2):
        threads = [threading.Thread(target=send, args=(event,)) for event in events]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # THEN only 200s and 429s, and the month's charge never passes the budget
    assert set(statuses) <= {200, 429}
    charged = budget_table.items["team-b#2026-11"]
    assert charged == statuses.count(200) * (40 * 60 + 10 * 240)
    assert charged <= 10_000_000


# --- the tenant kill switch -------------------------------------------------------------------


def test_the_tenant_switch_stops_only_that_tenant(
    make_gateway: GatewayFactory, api_event: ApiEventFactory, quota_table: str
) -> None:
    # GIVEN the cost guard switched team-b off in the quota table
    gateway = make_gateway(cost_config())
    gateway.runtime.tenant_switches = gw_cost.TenantSwitches(
        gw_cost.dynamodb_switch_reader(lambda timeout: aws_client("dynamodb"), quota_table)
    )
    aws_client("dynamodb").put_item(
        TableName=quota_table,
        Item={"pk": {"S": gw_cost.tenant_switch_key("team-b")}, "state": {"S": "on"}},
    )
    gateway.bedrock.defaults["converse"] = converse_response()

    # WHEN both tenants chat
    b = gateway.call(team_b_chat(api_event))
    a = gateway.call(api_event("POST", "/v1/chat", chat_body(model="fast")))

    # THEN team-b gets 503 ServiceDisabled naming it, team-a is served
    assert b.status == 503 and b.error["code"] == "ServiceDisabled"
    assert "team-b" in b.error["message"] and b.headers["Retry-After"] == "300"
    assert a.status == 200
    assert [c["modelId"] for c in gateway.bedrock.calls_to("converse")] == [TEAM_A_FAST]
    # AND the deliberate 503 does not count as an error
    assert gateway.metric("Errors") == 0


def test_the_tenant_switch_fails_open_and_is_cached(
    make_gateway: GatewayFactory, api_event: ApiEventFactory
) -> None:
    # GIVEN a switch store that fails
    reads: list[str] = []

    def failing(tenant: str, timeout: float) -> bool:
        reads.append(tenant)
        raise client_error("InternalServerError", operation="GetItem")

    gateway = make_gateway(cost_config())
    gateway.runtime.tenant_switches = gw_cost.TenantSwitches(failing)
    gateway.bedrock.defaults["converse"] = converse_response()

    # WHEN team-b chats twice within the backoff
    first = gateway.call(team_b_chat(api_event))
    second = gateway.call(team_b_chat(api_event))

    # THEN both are served and the store was asked once
    assert (first.status, second.status) == (200, 200)
    assert reads == ["team-b"]


# --- config -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda c: c["models"]["chat"].update(
                price={"input_usd_per_million": -1, "output_usd_per_million": 1}
            ),
            r"models\.chat\.price\.input_usd_per_million: got -1",
        ),
        (
            lambda c: c["models"]["chat"].update(price={"input_usd_per_million": 1}),
            r"models\.chat\.price: .*exactly input_usd_per_million and output_usd_per_million",
        ),
        (
            lambda c: c["models"]["llama"].update(price=dict(CHAT_PRICE)),
            r"models\.llama\.price: .*only allowed for bedrock models",
        ),
        (
            lambda c: c["tenants"][0].update(profiles={"chat": "us.amazon.nova-lite-v1:0"}),
            r"tenants\[0\]\.profiles\.chat: got 'us\.amazon\.nova-lite-v1:0'; must be an "
            "application inference profile ARN",
        ),
        (
            lambda c: c["tenants"][0].update(profiles={"llama": TEAM_A_CHAT}),
            r"tenants\[0\]\.profiles: alias 'llama' is not a Bedrock model alias",
        ),
        (
            lambda c: c["tenants"][0].update(monthly_budget_usd=0),
            r"tenants\[0\]\.monthly_budget_usd: got 0; must be a number of US dollars greater "
            "than 0",
        ),
        (
            lambda c: c["tenants"][0].update(monthly_budget_usd=float("inf")),
            r"tenants\[0\]\.monthly_budget_usd: got inf",
        ),
        (
            lambda c: c["tenants"][0].update(monthly_budget_usd="100"),
            r"tenants\[0\]\.monthly_budget_usd: got '100'",
        ),
    ],
)
def test_bad_cost_config_is_refused_naming_the_key_and_value(mutate: Any, expected: str) -> None:
    # GIVEN a routing config with one bad cost setting
    config = cost_config()
    mutate(config)

    # WHEN it is validated THEN the problem names the key and the value
    with pytest.raises(gw_config.ConfigError, match=expected):
        gw_config.validate_gateway_config(config)


def test_cost_nano_usd_rounds_up_and_is_exact() -> None:
    price = gw_cost.Price(3.3, 16.5)
    assert gw_cost.cost_nano_usd(price, 1, 0) == 3300
    assert gw_cost.cost_nano_usd(gw_cost.Price(0.035, 0.14), 1, 1) == 35 + 140
    assert gw_cost.cost_nano_usd(gw_cost.Price(0.0000001, 0), 1, 0) == 1
    assert gw_cost.cost_nano_usd(None, 10**6, 10**6) == 0


# --- hostile inputs ---------------------------------------------------------------------------


@_PROPERTY
@given(drawn=_events("/v1/chat", _chat_bodies()), upstream=st.sampled_from(["ok", "error"]))
def test_hostile_events_against_budgets_and_profiles_never_answer_500(
    make_gateway: GatewayFactory,
    api_event: ApiEventFactory,
    drawn: dict[str, Any],
    upstream: str,
) -> None:
    # GIVEN the gateway with profiles, prices and a budget for team-b, on fake tables
    config = cost_config(budget_b=1000.0)
    for tenant in config["tenants"]:
        tenant["monthly_token_quota"] = 10**12
    gateway = with_budget(
        make_gateway(config, quota_client=FakeQuotaTable()), client=FakeBudgetTable()
    )
    gateway.bedrock.defaults["converse"] = (
        converse_response() if upstream == "ok" else client_error("InternalServerException")
    )
    gateway.bedrock.defaults["apply_guardrail"] = {"action": "NONE"}
    gateway.sagemaker.defaults["invoke_endpoint"] = chat_completion_response()

    # WHEN a generated event arrives
    result = gateway.call(_event(api_event, drawn))

    # THEN never a 500, errors in the documented shape, and only profile ARNs are invoked
    assert result.status != 500, result.body
    if result.status >= 400:
        assert_error_shape(result.status, result.body)
    for call in gateway.bedrock.calls_to("converse"):
        assert call["modelId"].startswith(PROFILE)
