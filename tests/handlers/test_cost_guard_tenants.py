"""Cost guard, per tenant: a tenant budget's ACTUAL alert switches only that tenant off (an item
in the gateway's quota table the gateway honours), once; ``guard release --tenant`` clears it.
moto's DynamoDB and SNS; the gateway's reader is the real ``gw_cost.dynamodb_switch_reader``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import boto3
import pytest

from genai_platform.guard_release import release_tenant
from tests.handlers.test_cost_guard import (
    ASYNC_ENDPOINT,
    COMPONENT,
    KILL_SWITCH,
    REGION,
    TABLE,
    Aws,
    aws,  # noqa: F401  (the fixture)
    budget_message,
    sns_event,
)

_INVOKE_DIR = Path(__file__).resolve().parents[2] / "genai_platform" / "lambda" / "invoke"
if str(_INVOKE_DIR) not in sys.path:
    sys.path.insert(0, str(_INVOKE_DIR))

import cg_guard  # noqa: E402
import cost_guard_app  # noqa: E402
import gw_cost  # noqa: E402

QUOTA_TABLE = "genai-gateway-quota"
TENANT_BUDGET = "genai-us-east-1-tenant-team-b"


@pytest.fixture
def tenants(aws: Aws) -> Aws:  # noqa: F811
    """The guard with team-b's budget mapped, and the gateway's quota table."""
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=QUOTA_TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws.runtime.tenant_budgets = {TENANT_BUDGET: "team-b"}
    aws.runtime.tenant_switch_table = QUOTA_TABLE
    return aws


def switched_off(tenant: str) -> bool:
    read = gw_cost.dynamodb_switch_reader(
        lambda timeout: boto3.client("dynamodb", region_name=REGION), QUOTA_TABLE
    )
    return read(tenant, 1.0)


def test_a_tenant_budget_alert_switches_only_that_tenant_off(tenants: Aws) -> None:
    # WHEN team-b's budget alert arrives at 100 %
    result = cg_guard.handle_event(tenants.runtime, sns_event(budget_message(name=TENANT_BUDGET)))
    # THEN team-b's switch is on, as the gateway reads it; team-a's is not
    assert result == {"outcomes": ["engaged"]}
    assert switched_off("team-b") and not switched_off("team-a")
    # AND endpoints and the global kill switch are untouched
    assert tenants.kill_switch() == "off"
    assert tenants.sagemaker.copies == {COMPONENT: 2}
    assert tenants.sagemaker.instances == {ASYNC_ENDPOINT: 1}
    # AND the record names the tenant, the alert and where the switch is
    item = tenants.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "tenant#team-b"}})
    snapshot = json.loads(item["Item"]["snapshot"]["S"])
    assert item["Item"]["status"]["S"] == "engaged"
    assert snapshot["switch"] == {"table": QUOTA_TABLE, "pk": "tenant-switch#team-b"}
    assert snapshot["alert"]["budget_name"] == TENANT_BUDGET
    # AND the platform topic is told how to release it
    (subject, message) = tenants.notifications()[-1]
    assert "team-b" in subject and "--tenant team-b" in message


def test_a_second_tenant_alert_changes_nothing(tenants: Aws) -> None:
    event = sns_event(budget_message(name=TENANT_BUDGET))
    cg_guard.handle_event(tenants.runtime, event)
    sent = len(tenants.notifications())
    assert cg_guard.handle_event(tenants.runtime, event) == {"outcomes": ["unchanged"]}
    assert len(tenants.notifications()) == sent


def test_an_unmapped_budget_or_a_low_threshold_is_ignored(tenants: Aws) -> None:
    for message in (
        budget_message(name="someone-elses-budget"),
        budget_message(name=TENANT_BUDGET, threshold="1,000.00"),  # 50 %
        budget_message(name=TENANT_BUDGET, alert_type="FORECASTED"),
    ):
        assert cg_guard.handle_event(tenants.runtime, sns_event(message)) == {
            "outcomes": ["ignored"]
        }
    assert not switched_off("team-b")


def test_release_tenant_clears_the_switch_and_is_idempotent(tenants: Aws) -> None:
    # GIVEN team-b switched off
    cg_guard.handle_event(tenants.runtime, sns_event(budget_message(name=TENANT_BUDGET)))
    dynamodb = tenants.client("dynamodb")
    # WHEN released
    first = release_tenant(table_name=TABLE, tenant_id="team-b", dynamodb=dynamodb)
    # THEN the gateway serves it again, the record is history, and the guard can engage again
    assert first.released and not switched_off("team-b")
    assert "released tenant team-b" in first.summary()
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "tenant#team-b"}})
    history = [
        i["pk"]["S"] for i in dynamodb.scan(TableName=TABLE)["Items"] if "released#" in i["pk"]["S"]
    ]
    assert len(history) == 1 and history[0].endswith("#tenant#team-b")
    # AND a second release changes nothing
    again = release_tenant(table_name=TABLE, tenant_id="team-b", dynamodb=dynamodb)
    assert not again.released and "nothing to release" in again.summary()
    assert cg_guard.handle_event(
        tenants.runtime, sns_event(budget_message(name=TENANT_BUDGET), message_id="msg-2")
    ) == {"outcomes": ["engaged"]}


def test_cli_guard_release_tenant(tenants: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    from genai_platform.cli import main

    cg_guard.handle_event(tenants.runtime, sns_event(budget_message(name=TENANT_BUDGET)))
    code = main(["guard", "release", "--table", TABLE, "--region", REGION, "--tenant", "team-b"])
    assert code == 0 and not switched_off("team-b")
    assert "released tenant team-b" in capsys.readouterr().out
    # AND the global release is not involved: the kill switch stays as it was
    assert tenants.client("ssm").get_parameter(Name=KILL_SWITCH)["Parameter"]["Value"] == "off"


def test_cli_refuses_a_bad_tenant_id(tenants: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    from genai_platform.cli import main

    assert main(["guard", "release", "--table", TABLE, "--tenant", "Team B!"]) == 2
    assert "--tenant 'Team B!' is not a tenant id" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"TENANT_BUDGETS": "[]"}, "TENANT_BUDGETS: TENANT_BUDGETS: got list"),
        ({"TENANT_BUDGETS": '{"b": "Team B"}'}, "is not a tenant id"),
        ({"TENANT_BUDGETS": '{"b": "team-b"}'}, "TENANT_SWITCH_TABLE: missing"),
    ],
)
def test_tenant_environment_problems_are_named(environ: dict[str, str], expected: str) -> None:
    base = {
        "TARGETS": "[]",
        "RECORD_TABLE": TABLE,
        "NOTIFY_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t",
        "TRIGGER_PERCENT": "100",
    }
    with pytest.raises(ValueError, match=expected):
        cost_guard_app.runtime_from({**base, **environ}, None)
