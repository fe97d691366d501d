"""AccountBudget: budget alerts, anomaly alerts, the encrypted topic, validation and nag."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Annotations, Capture, Match, Template

from genai_platform.checks import lint_template
from genai_platform.constructs.budget import (
    IMPORTED_KEY_WARNING_ID,
    UNUSED_MONITOR_ARN_WARNING_ID,
    AccountBudget,
)
from tests.conftest import TEST_ENV, NagSynth

EMAILS = ["finops@example.com", "oncall@example.com"]
MONITOR_ARN = "arn:aws:ce::222222222222:anomalymonitor/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
BUDGETS_SOURCE_ARN = {
    "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":budgets::222222222222:*"]]
}


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test", env=TEST_ENV)


def _synth(**props: Any) -> Template:
    stack = _stack()
    AccountBudget(stack, "Budget", **{"monthly_limit_usd": 500, **props})
    return Template.from_stack(stack)


def _only(template: Template, resource_type: str) -> tuple[str, Mapping[str, Any]]:
    resources = template.find_resources(resource_type)
    assert len(resources) == 1, resources
    logical_id, resource = next(iter(resources.items()))
    return logical_id, resource


def _topic_ref(template: Template) -> dict[str, str]:
    return {"Ref": _only(template, "AWS::SNS::Topic")[0]}


def _key_statements(template: Template) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = _only(template, "AWS::KMS::Key")[1]["Properties"][
        "KeyPolicy"
    ]["Statement"]
    return statements


def _statement_for(statements: list[dict[str, Any]], service: str) -> dict[str, Any]:
    matching = [s for s in statements if s.get("Principal") == {"Service": service}]
    assert len(matching) == 1, statements
    return matching[0]


# --------------------------------------------------------------------------- shared templates


@pytest.fixture(scope="module")
def default_template() -> Template:
    """Defaults, plus two e-mail addresses."""
    return _synth(alert_emails=EMAILS)


@pytest.fixture(scope="module")
def tagged_template() -> Template:
    """A tag-filtered budget in the management account with custom thresholds, no forecast
    alert and a 250 USD anomaly."""
    return _synth(
        cost_allocation_tag=("CostCenter", "cc-1"),
        management_account=True,
        actual_thresholds_percent=[90, 25.5],
        forecast_threshold_percent=None,
        anomaly_threshold_usd=250,
    )


@pytest.fixture(scope="module")
def existing_monitor_template() -> Template:
    return _synth(anomaly_monitor_arn=MONITOR_ARN)


# --------------------------------------------------------------------------- budget


def test_budget_is_a_monthly_cost_budget_in_usd(default_template: Template) -> None:
    # GIVEN defaults WHEN synthesized THEN one monthly COST budget of 500 USD
    default_template.resource_count_is("AWS::Budgets::Budget", 1)
    default_template.has_resource_properties(
        "AWS::Budgets::Budget",
        {
            "Budget": Match.object_like(
                {
                    "BudgetType": "COST",
                    "TimeUnit": "MONTHLY",
                    "BudgetLimit": {"Amount": 500, "Unit": "USD"},
                }
            )
        },
    )


def test_default_alerts_are_actual_50_80_100_and_forecast_100(
    default_template: Template,
) -> None:
    # GIVEN default thresholds WHEN synthesized THEN three ACTUAL alerts and one FORECASTED
    _, budget = _only(default_template, "AWS::Budgets::Budget")
    alerts = [n["Notification"] for n in budget["Properties"]["NotificationsWithSubscribers"]]
    assert alerts == [
        {
            "NotificationType": kind,
            "ComparisonOperator": "GREATER_THAN",
            "Threshold": threshold,
            "ThresholdType": "PERCENTAGE",
        }
        for kind, threshold in [
            ("ACTUAL", 50),
            ("ACTUAL", 80),
            ("ACTUAL", 100),
            ("FORECASTED", 100),
        ]
    ]


def test_every_budget_alert_is_sent_to_the_topic(default_template: Template) -> None:
    # GIVEN defaults WHEN synthesized THEN each notification's only subscriber is the topic
    _, budget = _only(default_template, "AWS::Budgets::Budget")
    subscribers = [n["Subscribers"] for n in budget["Properties"]["NotificationsWithSubscribers"]]
    assert (
        subscribers == [[{"Address": _topic_ref(default_template), "SubscriptionType": "SNS"}]] * 4
    )


def test_custom_thresholds_are_sorted_and_forecast_can_be_switched_off(
    tagged_template: Template,
) -> None:
    # GIVEN thresholds [90, 25.5] and no forecast THEN two ACTUAL alerts, ascending, no forecast
    _, budget = _only(tagged_template, "AWS::Budgets::Budget")
    alerts = [
        (n["Notification"]["NotificationType"], n["Notification"]["Threshold"])
        for n in budget["Properties"]["NotificationsWithSubscribers"]
    ]
    assert alerts == [("ACTUAL", 25.5), ("ACTUAL", 90)]


def test_cost_allocation_tag_filters_the_budget(tagged_template: Template) -> None:
    # GIVEN cost_allocation_tag=("CostCenter", "cc-1") THEN FilterExpression on that tag value
    tagged_template.has_resource_properties(
        "AWS::Budgets::Budget",
        {
            "Budget": Match.object_like(
                {
                    "FilterExpression": {
                        "Tags": {
                            "Key": "CostCenter",
                            "Values": ["cc-1"],
                            "MatchOptions": ["EQUALS"],
                        }
                    },
                    "Metrics": ["UnblendedCost"],
                    "CostFilters": Match.absent(),
                }
            )
        },
    )


def test_budget_without_tag_counts_all_costs(default_template: Template) -> None:
    default_template.has_resource_properties(
        "AWS::Budgets::Budget",
        {
            "Budget": Match.object_like(
                {"FilterExpression": Match.absent(), "CostFilters": Match.absent()}
            )
        },
    )


def test_default_budget_name_is_unique_and_valid_for_budgets() -> None:
    # GIVEN a budget in stack "Test" in us-east-1 WHEN named by default
    budget = AccountBudget(_stack(), "Budget", monthly_limit_usd=500)
    # THEN the name carries the stack and region and fits the Budgets rules
    assert budget.budget_name.startswith("Test-Budget-")
    assert "-us-east-1-" in budget.budget_name
    assert len(budget.budget_name) <= 100
    assert ":" not in budget.budget_name
    assert "\\" not in budget.budget_name


def test_default_budget_name_changes_with_the_alert_thresholds() -> None:
    # GIVEN two budgets at the same path WHEN their thresholds differ THEN their names differ
    # (changing notifications replaces the budget, which needs a new name)
    first = AccountBudget(_stack(), "Budget", monthly_limit_usd=500)
    second = AccountBudget(
        _stack(), "Budget", monthly_limit_usd=500, actual_thresholds_percent=[50, 90]
    )
    same = AccountBudget(_stack(), "Budget", monthly_limit_usd=900)
    assert first.budget_name != second.budget_name
    assert first.budget_name == same.budget_name


def test_default_budget_name_uses_the_region_token_when_region_is_unknown() -> None:
    # GIVEN an environment-agnostic stack WHEN synthesized THEN the name joins in AWS::Region
    stack = cdk.Stack(cdk.App(), "Agnostic")
    AccountBudget(stack, "Budget", monthly_limit_usd=500)
    name = Capture()
    Template.from_stack(stack).has_resource_properties(
        "AWS::Budgets::Budget", {"Budget": Match.object_like({"BudgetName": name})}
    )
    assert {"Ref": "AWS::Region"} in name.as_object()["Fn::Join"][1]


def test_given_budget_name_is_used() -> None:
    template = _synth(budget_name="genai-genai-monthly")
    template.has_resource_properties(
        "AWS::Budgets::Budget",
        {"Budget": Match.object_like({"BudgetName": "genai-genai-monthly"})},
    )


def test_budget_is_the_default_child() -> None:
    budget = AccountBudget(_stack(), "Budget", monthly_limit_usd=500)
    assert budget.node.default_child is budget.budget


def test_alerting_resources_wait_for_the_topic_and_key_policies(
    default_template: Template,
) -> None:
    # GIVEN defaults THEN the budget and the anomaly subscription are created after the topic
    # policy and the key (with its policy) that let the services publish
    key_id = _only(default_template, "AWS::KMS::Key")[0]
    policy_id = _only(default_template, "AWS::SNS::TopicPolicy")[0]
    for resource_type in ("AWS::Budgets::Budget", "AWS::CE::AnomalySubscription"):
        _, resource = _only(default_template, resource_type)
        assert set(resource["DependsOn"]) == {key_id, policy_id}


# --------------------------------------------------------------------------- topic and key


def test_topic_is_encrypted_with_the_customer_managed_key(default_template: Template) -> None:
    key_id = _only(default_template, "AWS::KMS::Key")[0]
    default_template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}
    )


def test_default_key_rotates(default_template: Template) -> None:
    default_template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


@pytest.mark.parametrize("service", ["budgets.amazonaws.com", "costalerts.amazonaws.com"])
def test_key_policy_lets_each_service_use_the_key_without_source_conditions(
    default_template: Template, service: str
) -> None:
    # GIVEN the documented key-policy shape for AWS services publishing to encrypted topics
    statement = _statement_for(_key_statements(default_template), service)
    # THEN the service may make data keys, with no aws:SourceAccount/aws:SourceArn condition
    # (the services are not documented to send them to KMS; the topic policy checks them)
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]
    assert statement["Resource"] == "*"
    assert "Condition" not in statement


@pytest.mark.parametrize(
    ("service", "condition"),
    [
        (
            "budgets.amazonaws.com",
            {
                "StringEquals": {"aws:SourceAccount": "222222222222"},
                "ArnLike": {"aws:SourceArn": BUDGETS_SOURCE_ARN},
            },
        ),
        ("costalerts.amazonaws.com", {"StringEquals": {"aws:SourceAccount": "222222222222"}}),
    ],
)
def test_topic_policy_lets_each_service_publish_for_this_account_only(
    default_template: Template, service: str, condition: dict[str, Any]
) -> None:
    default_template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "Topics": [_topic_ref(default_template)],
            "PolicyDocument": Match.object_like(
                {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Effect": "Allow",
                                    "Principal": {"Service": service},
                                    "Action": "sns:Publish",
                                    "Resource": _topic_ref(default_template),
                                    "Condition": condition,
                                }
                            )
                        ]
                    )
                }
            ),
        },
    )


def test_topic_refuses_publishing_without_tls(default_template: Template) -> None:
    default_template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": Match.object_like(
                {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Effect": "Deny",
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                }
                            )
                        ]
                    )
                }
            )
        },
    )


def test_each_alert_email_is_subscribed_to_the_topic(default_template: Template) -> None:
    default_template.resource_count_is("AWS::SNS::Subscription", len(EMAILS))
    for address in EMAILS:
        default_template.has_resource_properties(
            "AWS::SNS::Subscription",
            {
                "Protocol": "email",
                "Endpoint": address,
                "TopicArn": _topic_ref(default_template),
            },
        )


def test_given_key_encrypts_the_topic_and_no_key_is_created() -> None:
    # GIVEN a key from elsewhere in the stack WHEN used THEN no second key; policy added to it
    stack = _stack()
    key = kms.Key(stack, "PlatformKey", enable_key_rotation=True)
    budget = AccountBudget(stack, "Budget", monthly_limit_usd=500, encryption_key=key)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 1)
    assert budget.encryption_key is key
    key_id = stack.get_logical_id(key.node.default_child)  # type: ignore[arg-type]
    template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}
    )
    _statement_for(_key_statements(template), "budgets.amazonaws.com")


def test_imported_key_gets_a_warning_that_its_policy_was_not_changed() -> None:
    # GIVEN an imported key WHEN used THEN a warning per service says what to add to its policy
    stack = _stack()
    key = kms.Key.from_key_arn(
        stack, "Imported", "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef"
    )
    AccountBudget(stack, "Budget", monthly_limit_usd=500, encryption_key=key)
    annotations = Annotations.from_stack(stack)
    for service in ("budgets.amazonaws.com", "costalerts.amazonaws.com"):
        annotations.has_warning(
            "/Test/Budget",
            Match.string_like_regexp(f"key policy was not changed: allow {service}"),
        )
    assert IMPORTED_KEY_WARNING_ID.startswith("genai-platform:")


# --------------------------------------------------------------------------- anomaly detection


def test_default_anomaly_monitor_is_the_dimensional_service_monitor(
    default_template: Template,
) -> None:
    default_template.resource_count_is("AWS::CE::AnomalyMonitor", 1)
    default_template.has_resource_properties(
        "AWS::CE::AnomalyMonitor",
        {
            "MonitorType": "DIMENSIONAL",
            "MonitorDimension": "SERVICE",
            "MonitorSpecification": Match.absent(),
        },
    )


def test_anomaly_subscription_sends_immediate_alerts_to_the_topic(
    default_template: Template,
) -> None:
    monitor_id = _only(default_template, "AWS::CE::AnomalyMonitor")[0]
    default_template.has_resource_properties(
        "AWS::CE::AnomalySubscription",
        {
            "Frequency": "IMMEDIATE",
            "MonitorArnList": [{"Fn::GetAtt": [monitor_id, "MonitorArn"]}],
            "Subscribers": [{"Address": _topic_ref(default_template), "Type": "SNS"}],
            "Threshold": Match.absent(),
        },
    )


@pytest.mark.parametrize(
    ("fixture", "amount"), [("default_template", "100"), ("tagged_template", "250")]
)
def test_anomaly_alerts_start_at_the_total_impact_threshold(
    request: pytest.FixtureRequest, fixture: str, amount: str
) -> None:
    # GIVEN anomaly_threshold_usd (default 100; 250) THEN an absolute total-impact threshold
    template: Template = request.getfixturevalue(fixture)
    _, subscription = _only(template, "AWS::CE::AnomalySubscription")
    assert json.loads(subscription["Properties"]["ThresholdExpression"]) == {
        "Dimensions": {
            "Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
            "MatchOptions": ["GREATER_THAN_OR_EQUAL"],
            "Values": [amount],
        }
    }


def test_tagged_budget_gets_a_custom_monitor_over_its_tag(tagged_template: Template) -> None:
    # GIVEN cost_allocation_tag THEN a CUSTOM monitor (not the one-per-account SERVICE monitor)
    _, monitor = _only(tagged_template, "AWS::CE::AnomalyMonitor")
    properties = monitor["Properties"]
    assert properties["MonitorType"] == "CUSTOM"
    assert "MonitorDimension" not in properties
    assert json.loads(properties["MonitorSpecification"]) == {
        "Tags": {"Key": "CostCenter", "Values": ["cc-1"]}
    }


def test_tagged_budget_outside_the_management_account_reuses_a_given_monitor() -> None:
    # GIVEN a tag-filtered budget in a member account with an existing monitor's ARN
    template = _synth(cost_allocation_tag=("CostCenter", "cc-1"), anomaly_monitor_arn=MONITOR_ARN)
    # THEN no monitor is created; the budget still counts the tag, alerts go to the monitor
    template.resource_count_is("AWS::CE::AnomalyMonitor", 0)
    template.has_resource_properties(
        "AWS::CE::AnomalySubscription", {"MonitorArnList": [MONITOR_ARN]}
    )


def test_tagged_budget_without_anomaly_detection_needs_no_management_account() -> None:
    template = _synth(cost_allocation_tag=("CostCenter", "cc-1"), anomaly_detection=False)
    template.resource_count_is("AWS::CE::AnomalyMonitor", 0)
    template.resource_count_is("AWS::Budgets::Budget", 1)


def test_existing_monitor_is_subscribed_to_and_none_is_created(
    existing_monitor_template: Template,
) -> None:
    existing_monitor_template.resource_count_is("AWS::CE::AnomalyMonitor", 0)
    existing_monitor_template.has_resource_properties(
        "AWS::CE::AnomalySubscription", {"MonitorArnList": [MONITOR_ARN]}
    )


def test_existing_monitor_arn_is_exposed() -> None:
    budget = AccountBudget(
        _stack(), "Budget", monthly_limit_usd=500, anomaly_monitor_arn=MONITOR_ARN
    )
    assert budget.anomaly_monitor_arn == MONITOR_ARN
    assert budget.anomaly_monitor is None


def test_anomaly_detection_off_creates_no_monitor_and_no_subscription() -> None:
    template = _synth(anomaly_detection=False)
    template.resource_count_is("AWS::CE::AnomalyMonitor", 0)
    template.resource_count_is("AWS::CE::AnomalySubscription", 0)
    template.resource_count_is("AWS::Budgets::Budget", 1)


def test_monitor_arn_with_anomaly_detection_off_gets_a_warning() -> None:
    stack = _stack()
    budget = AccountBudget(
        stack,
        "Budget",
        monthly_limit_usd=500,
        anomaly_detection=False,
        anomaly_monitor_arn=MONITOR_ARN,
    )
    assert budget.anomaly_monitor_arn is None
    Annotations.from_stack(stack).has_warning(
        "/Test/Budget", Match.string_like_regexp("anomaly_monitor_arn .* is unused")
    )
    assert UNUSED_MONITOR_ARN_WARNING_ID.startswith("genai-platform:")


# --------------------------------------------------------------------------- validation


def _build(**props: Any) -> AccountBudget:
    return AccountBudget(_stack(), "Budget", **{"monthly_limit_usd": 500, **props})


@pytest.mark.parametrize("limit", [0, -10, float("nan")])
def test_fails_when_monthly_limit_is_not_positive(limit: float) -> None:
    with pytest.raises(ValueError, match=rf"monthly_limit_usd: {limit!r} is not allowed; .* > 0"):
        _build(monthly_limit_usd=limit)


@pytest.mark.parametrize("threshold", [0, -5, 1000.5, 0.05])
def test_fails_when_an_actual_threshold_is_out_of_range(threshold: float) -> None:
    with pytest.raises(
        ValueError,
        match=rf"actual_thresholds_percent: \[{threshold!r}\] outside the allowed range; .*1000",
    ):
        _build(actual_thresholds_percent=[50, threshold])


def test_fails_when_actual_thresholds_repeat() -> None:
    with pytest.raises(
        ValueError, match=r"actual_thresholds_percent: \[80, 50, 80\] has duplicates"
    ):
        _build(actual_thresholds_percent=[80, 50, 80])


def test_fails_when_more_than_four_actual_thresholds() -> None:
    with pytest.raises(
        ValueError,
        match=r"actual_thresholds_percent: \[10, 20, 30, 40, 50\] has 5 thresholds; at most 4",
    ):
        _build(actual_thresholds_percent=[10, 20, 30, 40, 50])


@pytest.mark.parametrize("forecast", [0, 1001])
def test_fails_when_forecast_threshold_is_out_of_range(forecast: float) -> None:
    with pytest.raises(
        ValueError, match=rf"forecast_threshold_percent: {forecast!r} is not allowed; .* or None"
    ):
        _build(forecast_threshold_percent=forecast)


def test_fails_when_the_budget_would_send_no_alert() -> None:
    with pytest.raises(ValueError, match=r"actual_thresholds_percent: \[\] .* without any alert"):
        _build(actual_thresholds_percent=[], forecast_threshold_percent=None)


@pytest.mark.parametrize("address", ["finops", "finops@example", "fin ops@example.com", ""])
def test_fails_when_an_alert_email_is_not_an_address(address: str) -> None:
    with pytest.raises(
        ValueError, match=rf"alert_emails: \[{address!r}\] are not e-mail addresses"
    ):
        _build(alert_emails=["ok@example.com", address])


def test_fails_when_alert_emails_is_a_single_string() -> None:
    with pytest.raises(
        ValueError, match=r"alert_emails: 'ok@example.com' is a single string; give a list"
    ):
        _build(alert_emails="ok@example.com")


def test_fails_when_an_alert_email_repeats() -> None:
    with pytest.raises(
        ValueError, match=r"alert_emails: \['ok@example.com'\] listed more than once"
    ):
        _build(alert_emails=["ok@example.com", "ok@example.com"])


@pytest.mark.parametrize("amount", [0, -1, 20_000_000_000])
def test_fails_when_anomaly_threshold_is_out_of_range(amount: float) -> None:
    with pytest.raises(
        ValueError, match=rf"anomaly_threshold_usd: {amount!r} is not allowed; .* > 0"
    ):
        _build(anomaly_threshold_usd=amount)


@pytest.mark.parametrize(
    "arn",
    [
        "monitor-1",
        "arn:aws:ce::2222:anomalymonitor/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
        "arn:aws:ce::222222222222:anomalysubscription/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
    ],
)
def test_fails_when_monitor_arn_is_malformed(arn: str) -> None:
    with pytest.raises(
        ValueError,
        match=rf"anomaly_monitor_arn: '{arn}' is not a Cost Anomaly Detection monitor ARN",
    ):
        _build(anomaly_monitor_arn=arn)


@pytest.mark.parametrize("key", ["aws:createdBy", "", "Cost#Center"])
def test_fails_when_tag_key_is_not_allowed(key: str) -> None:
    with pytest.raises(
        ValueError, match=rf"cost_allocation_tag: key {key!r} is not allowed .*aws:"
    ):
        _build(cost_allocation_tag=(key, "cc-1"))


def test_fails_when_tag_value_is_not_allowed() -> None:
    with pytest.raises(
        ValueError, match=r"cost_allocation_tag: value 'cc\$1' is not allowed \(0-256"
    ):
        _build(cost_allocation_tag=("CostCenter", "cc$1"))


def test_fails_when_tag_is_not_a_pair() -> None:
    with pytest.raises(
        ValueError, match=r"cost_allocation_tag: \('CostCenter',\) is not allowed; .* pair"
    ):
        _build(cost_allocation_tag=("CostCenter",))


def test_fails_when_a_tag_monitor_would_be_created_outside_the_management_account() -> None:
    # GIVEN a cost-allocation tag, anomaly detection on, no monitor ARN, a member account
    # THEN refused: AWS creates tag monitors only in the management account
    with pytest.raises(ValueError) as failure:
        _build(cost_allocation_tag=("CostCenter", "cc-1"))
    message = str(failure.value)
    assert "cost_allocation_tag: ('CostCenter', 'cc-1') would create a Cost Anomaly" in message
    assert "only in the organization's management account" in message
    assert "anomaly_monitor_arn" in message and "management_account=True" in message


def test_fails_when_management_account_is_not_a_bool() -> None:
    with pytest.raises(ValueError, match=r"management_account: 'yes' is not allowed; give True"):
        _build(management_account="yes")


@pytest.mark.parametrize("name", ["team:budget", "team\\budget", "x" * 101, "", "a/action/b"])
def test_fails_when_budget_name_is_not_allowed(name: str) -> None:
    with pytest.raises(ValueError) as failure:
        _build(budget_name=name)
    assert f"budget_name: {name!r} is not allowed (1-100 characters" in str(failure.value)


def test_fails_with_every_problem_at_once_and_builds_nothing() -> None:
    # GIVEN several bad props WHEN built THEN one error lists them all, and the scope is empty
    stack = _stack()
    with pytest.raises(ValueError) as failure:
        AccountBudget(
            stack,
            "Budget",
            monthly_limit_usd=-1,
            alert_emails=["nope"],
            anomaly_threshold_usd=0,
            budget_name="a:b",
        )
    message = str(failure.value)
    assert message.startswith("AccountBudget 'Test/Budget': invalid props (4 problems)")
    for prop in ("monthly_limit_usd", "alert_emails", "anomaly_threshold_usd", "budget_name"):
        assert f"  - {prop}: " in message
    assert stack.node.try_find_child("Budget") is None


def test_tokens_are_not_validated() -> None:
    # GIVEN values only known at deploy time WHEN built THEN accepted as they are
    stack = _stack()
    limit = cdk.CfnParameter(stack, "Limit", type="Number").value_as_number
    email = cdk.CfnParameter(stack, "Email").value_as_string
    monitor = cdk.CfnParameter(stack, "Monitor").value_as_string
    budget = AccountBudget(
        stack,
        "Budget",
        monthly_limit_usd=limit,
        alert_emails=[email],
        anomaly_monitor_arn=monitor,
        budget_name=cdk.CfnParameter(stack, "Name").value_as_string,
    )
    assert budget.anomaly_monitor_arn == monitor


# --------------------------------------------------------------------------- compliance


def test_defaults_have_no_unacknowledged_nag_findings_and_no_lint_errors(
    nag_synth: Callable[[Callable[[cdk.Stack], object]], NagSynth],
) -> None:
    # GIVEN the construct with defaults in a bare stack WHEN synthesized with all three packs
    result = nag_synth(lambda st: AccountBudget(st, "Budget", monthly_limit_usd=500))
    # THEN no finding is left, none was acknowledged, and cfn-lint reports no error
    assert result.report.findings == [], result.report.describe()
    assert result.report.acknowledged_in("Test") == []
    template_file = result.assembly_dir / f"{result.stack_name}.template.json"
    errors = [i for i in lint_template(template_file, region="us-east-1") if i.is_error]
    assert errors == [], errors
