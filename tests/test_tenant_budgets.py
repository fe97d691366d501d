"""Per-tenant budgets and the cost guard's per-tenant switch: an AWS Budget per tenant filtered
on its tag, alerting the guard's topic; the guard's environment and its least-privilege grant
on the quota table's tenant-switch items only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms

from genai_platform import TenantBudgets
from genai_platform.checks import lint_template
from genai_platform.constructs.cost_guard import CostGuard
from genai_platform.constructs.tenant_budgets import tenant_budget_name
from tests.conftest import TEST_ENV
from tests.test_cost_guard import Synth, _budget, _kill_switch, _nag_synth


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Two tenant budgets on the account budget's topic, and the guard flipping tenants in a
    KMS-encrypted quota table."""

    def build(stack: cdk.Stack) -> None:
        budget = _budget(stack)
        table = dynamodb.Table(
            stack,
            "QuotaTable",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=kms.Key(stack, "QuotaKey", enable_key_rotation=True),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        )
        for pack in ("NIST.800.53.R5", "HIPAA.Security"):
            cdk.Validations.of(table.node.default_child or table).acknowledge(
                cdk.Acknowledgment(
                    id=f"{pack}-DynamoDBInBackupPlan",
                    reason="Test fixture table standing in for the gateway's quota table",
                )
            )
        tenants = TenantBudgets(
            stack,
            "TenantBudgets",
            monthly_budgets_usd={"team-a": 250, "team-b": 12.5},
            topic=budget.topic,
            name_prefix="genai",
            threshold_percent=90,
        )
        CostGuard(
            stack,
            "Guard",
            budget=budget,
            kill_switch=_kill_switch(stack),
            tenant_budgets=tenants.budget_names,
            tenant_switch_table=table,
        )

    return _nag_synth(tmp_path_factory.mktemp("tenant-budgets"), build)


def _budgets(synth: Synth) -> list[dict[str, Any]]:
    return [
        r["Properties"]
        for k, r in synth.data["Resources"].items()
        if r["Type"] == "AWS::Budgets::Budget" and k.startswith("TenantBudgets")
    ]


def test_each_tenant_gets_a_monthly_budget_filtered_on_its_tag(guarded: Synth) -> None:
    by_name = {b["Budget"]["BudgetName"]: b for b in _budgets(guarded)}
    assert set(by_name) == {"genai-us-east-1-tenant-team-a", "genai-us-east-1-tenant-team-b"}
    team_b = by_name["genai-us-east-1-tenant-team-b"]
    assert team_b["Budget"]["BudgetLimit"] == {"Amount": 12.5, "Unit": "USD"}
    assert team_b["Budget"]["TimeUnit"] == "MONTHLY"
    assert team_b["Budget"]["FilterExpression"] == {
        "Tags": {"Key": "genai-platform:tenant", "Values": ["team-b"], "MatchOptions": ["EQUALS"]}
    }
    (notification,) = team_b["NotificationsWithSubscribers"]
    assert notification["Notification"] == {
        "NotificationType": "ACTUAL",
        "ComparisonOperator": "GREATER_THAN",
        "Threshold": 90,
        "ThresholdType": "PERCENTAGE",
    }
    assert notification["Subscribers"][0]["SubscriptionType"] == "SNS"


def test_the_guard_knows_which_budget_is_which_tenant(guarded: Synth) -> None:
    _, function = guarded.resource("AWS::Lambda::Function", "GuardFunction")
    env = function["Properties"]["Environment"]["Variables"]
    assert env["TENANT_BUDGETS"] == (
        '{"genai-us-east-1-tenant-team-a": "team-a", "genai-us-east-1-tenant-team-b": "team-b"}'
    )
    assert "Ref" in env["TENANT_SWITCH_TABLE"]


def test_the_guard_may_put_only_tenant_switch_items_in_the_quota_table(guarded: Synth) -> None:
    _, policy = guarded.resource("AWS::IAM::ManagedPolicy", "GuardRolePolicy")
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    switches = statements["TenantSwitches"]
    assert switches["Action"] == "dynamodb:PutItem"
    assert switches["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["tenant-switch#*"]}
    }
    assert set(statements["TenantSwitchesKey"]["Action"]) == {
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:Decrypt",
    }


def test_no_unacknowledged_nag_findings(guarded: Synth) -> None:
    assert guarded.report.for_stack("Test") == [], guarded.report.describe()


def test_no_cfn_lint_errors(guarded: Synth) -> None:
    issues = lint_template(Path(guarded.template_file), region="us-east-1")
    assert [i for i in issues if i.is_error] == []


def test_budget_names_fit_and_are_deterministic() -> None:
    long = tenant_budget_name("genai-platform-production-east", "t" * 64, "ap-southeast-2")
    assert len(long) <= 100
    assert long == tenant_budget_name("genai-platform-production-east", "t" * 64, "ap-southeast-2")
    assert tenant_budget_name("genai", "team-a") == "genai-tenant-team-a"


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"monthly_budgets_usd": {}}, "monthly_budgets_usd: {} is not allowed"),
        ({"monthly_budgets_usd": {"team-a": 0}}, "monthly_budgets_usd['team-a']: 0 is not allowed"),
        (
            {"monthly_budgets_usd": {"team-a": float("nan")}},
            "monthly_budgets_usd['team-a']: nan is not allowed",
        ),
        ({"monthly_budgets_usd": {"Team A": 5}}, "tenant id 'Team A' is not allowed"),
        ({"threshold_percent": 0}, "threshold_percent: 0 is not allowed"),
        ({"name_prefix": "G"}, "name_prefix: 'G' is not allowed"),
    ],
)
def test_tenant_budgets_fail_on_bad_props(props: dict[str, Any], expected: str) -> None:
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    budget = _budget(stack)
    defaults: dict[str, Any] = {
        "monthly_budgets_usd": {"team-a": 5},
        "topic": budget.topic,
        "name_prefix": "genai",
    }
    with pytest.raises(ValueError, match=re.escape(expected)):
        TenantBudgets(stack, "TenantBudgets", **{**defaults, **props})


def test_cost_guard_needs_the_switch_table_with_tenant_budgets() -> None:
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    with pytest.raises(ValueError, match=r"tenant_switch_table: None with tenant_budgets"):
        CostGuard(
            stack,
            "Guard",
            budget=_budget(stack),
            kill_switch=_kill_switch(stack),
            tenant_budgets={"genai-tenant-team-a": "team-a"},
        )
    other = cdk.Stack(cdk.App(), "Other", env=TEST_ENV)
    with pytest.raises(ValueError, match=r"tenant_budgets: .* is not allowed"):
        CostGuard(
            other,
            "Guard",
            budget=_budget(other),
            kill_switch=_kill_switch(other),
            tenant_budgets={"genai-tenant-x": "Not A Tenant"},
        )
