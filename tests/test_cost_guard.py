"""CostGuard: subscription, record table, least-privilege IAM, the Budgets action, nag, lint
and validation."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Match, Template

from genai_platform.checks import lint_template
from genai_platform.compliance import NagReport, add_nag_packs, synth_and_report
from genai_platform.constructs.budget import AccountBudget
from genai_platform.constructs.cost_guard import DENIED_INVOKE_ACTIONS, CostGuard
from genai_platform.constructs.inference_endpoint import EndpointMode, InferenceEndpoint
from tests.conftest import TEST_ENV

MODEL_URI = "s3://acme-models-222222222222/mistral-7b/model.tar.gz"


class Synth:
    def __init__(self, template: Template, report: NagReport, template_file: Path) -> None:
        self.template = template
        self.report = report
        self.template_file = template_file
        self.data: dict[str, Any] = json.loads(template_file.read_text("utf-8"))

    def resource(self, type_: str, path_part: str = "Guard") -> tuple[str, Mapping[str, Any]]:
        found = [
            (k, v)
            for k, v in self.data["Resources"].items()
            if v["Type"] == type_ and k.startswith(path_part)
        ]
        assert len(found) == 1, found
        return found[0]


def _nag_synth(out: Path, build: Callable[[cdk.Stack], object]) -> Synth:
    app = cdk.App(outdir=str(out))
    add_nag_packs(app)
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    build(stack)
    assembly_dir, report = synth_and_report(app)
    template_file = assembly_dir / "Test.template.json"
    data = json.loads(template_file.read_text("utf-8"))
    return Synth(Template.from_json(data), report, template_file)


def _budget(stack: cdk.Stack) -> AccountBudget:
    return AccountBudget(stack, "Budget", monthly_limit_usd=500, anomaly_detection=False)


def _kill_switch(stack: cdk.Stack) -> ssm.StringParameter:
    return ssm.StringParameter(
        stack, "KillSwitch", parameter_name="/genai/gateway/kill-switch", string_value="off"
    )


@pytest.fixture(scope="module")
def defaults(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The guard with only its required budget and the kill switch."""

    def build(stack: cdk.Stack) -> None:
        CostGuard(stack, "Guard", budget=_budget(stack), kill_switch=_kill_switch(stack))

    return _nag_synth(tmp_path_factory.mktemp("defaults"), build)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """A real-time and an async endpoint, the kill switch, the gateway role, a table name."""

    def build(stack: cdk.Stack) -> None:
        realtime = InferenceEndpoint(
            stack, "Realtime", instance_type="ml.g5.xlarge", model_data_uri=MODEL_URI
        )
        batch = InferenceEndpoint(
            stack,
            "Async",
            instance_type="ml.g5.xlarge",
            model_data_uri=MODEL_URI,
            mode=EndpointMode.ASYNC,
        )
        gateway_role = iam.Role(
            stack, "GatewayRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
        )
        CostGuard(
            stack,
            "Guard",
            budget=_budget(stack),
            endpoints=[realtime, batch],
            kill_switch=_kill_switch(stack),
            gateway_role=gateway_role,
            trigger_threshold_percent=80,
            record_table_name="genai-cost-guard",
        )

    return _nag_synth(tmp_path_factory.mktemp("full"), build)


def _statements(synth: Synth) -> dict[str, dict[str, Any]]:
    _, policy = synth.resource("AWS::IAM::ManagedPolicy", "GuardRolePolicy")
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


# ------------------------------------------------------------------------ subscription


def test_function_is_subscribed_to_the_budget_topic_unfiltered(
    defaults: Synth,
) -> None:
    # THEN it receives every message: no filter policy, which would drop the Budgets
    # notifications (they carry no message attributes)
    defaults.template.has_resource_properties(
        "AWS::SNS::Subscription",
        {
            "Protocol": "lambda",
            "TopicArn": {"Ref": Match.string_like_regexp("BudgetTopic")},
            "FilterPolicy": Match.absent(),
            "FilterPolicyScope": Match.absent(),
        },
    )


def test_function_environment_names_targets_trigger_table_and_budget(full: Synth) -> None:
    _, function = full.resource("AWS::Lambda::Function", "GuardFunction")
    env = function["Properties"]["Environment"]["Variables"]
    targets = json.loads(env["TARGETS"])
    assert [(t["kind"], t["scalable_dimension"]) for t in targets] == [
        ("inference-component", "sagemaker:inference-component:DesiredCopyCount"),
        ("async-endpoint", "sagemaker:variant:DesiredInstanceCount"),
    ]
    assert targets[0]["resource_id"] == f"inference-component/{targets[0]['name']}"
    assert targets[1]["resource_id"] == f"endpoint/{targets[1]['name']}/variant/AllTraffic"
    assert env["TRIGGER_PERCENT"] == "80"
    assert env["RECORD_TABLE"]["Ref"].startswith("GuardRecord")
    assert env["BUDGET_NAME"].startswith("Test-Budget-")
    assert env["DENY_POLICY_ARN"]["Ref"].startswith("GuardDenyModelInvocation")
    assert "ReservedConcurrentExecutions" not in function["Properties"]
    assert function["Properties"]["Handler"] == "cost_guard_app.lambda_handler"


def test_record_table_is_encrypted_recoverable_and_named(full: Synth) -> None:
    full.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "TableName": "genai-cost-guard",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "SSESpecification": Match.object_like({"SSEEnabled": True, "SSEType": "KMS"}),
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "DeletionProtectionEnabled": True,
        },
    )


# ------------------------------------------------------------------------ least privilege


def test_guard_may_change_only_the_given_endpoints_switch_table_and_topic(full: Synth) -> None:
    statements = _statements(full)
    # THEN exactly these statements exist
    assert set(statements) == {
        "ScalableTargets",
        "InferenceComponents",
        "Endpoints",
        "AsyncEndpointCapacity",
        "KillSwitch",
        "Record",
        "RecordKey",
        "Notify",
        "NotifyKey",
    }
    assert all(s["Effect"] == "Allow" for s in statements.values())
    # SageMaker: only the two endpoints' own resources
    component, attribute = statements["InferenceComponents"]["Resource"]["Fn::GetAtt"]
    assert component.startswith("RealtimeInferenceComponent")
    assert attribute == "InferenceComponentArn"
    assert statements["AsyncEndpointCapacity"]["Resource"]["Fn::GetAtt"][0].startswith("Async")
    assert statements["AsyncEndpointCapacity"]["Action"] == (
        "sagemaker:UpdateEndpointWeightsAndCapacities"
    )
    endpoint_resources = statements["Endpoints"]["Resource"]
    assert len(endpoint_resources) == 4 and "*" not in endpoint_resources
    # the only wildcard is Application Auto Scaling's describe/register
    wildcard = [sid for sid, s in statements.items() if s["Resource"] == "*"]
    assert wildcard == ["ScalableTargets"]
    assert statements["ScalableTargets"]["Action"] == [
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:RegisterScalableTarget",
    ]
    # SSM: read and write the kill switch only; DynamoDB: three item calls on its table
    assert statements["KillSwitch"]["Action"] == ["ssm:GetParameter", "ssm:PutParameter"]
    assert "KillSwitch" in json.dumps(statements["KillSwitch"]["Resource"])
    assert statements["Record"]["Action"] == [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    assert statements["Record"]["Resource"]["Fn::GetAtt"][0].startswith("GuardRecord")
    assert statements["Notify"]["Action"] == "sns:Publish"


def test_guard_role_has_no_other_policy(full: Synth) -> None:
    _, role = full.resource("AWS::IAM::Role", "GuardRole")
    assert "Policies" not in role["Properties"]
    assert "ManagedPolicyArns" not in role["Properties"]
    inline = [
        v
        for v in full.data["Resources"].values()
        if v["Type"] == "AWS::IAM::Policy" and "GuardRole" in json.dumps(v["Properties"]["Roles"])
    ]
    assert inline == []


def test_without_endpoints_the_guard_gets_no_sagemaker_permission(defaults: Synth) -> None:
    statements = _statements(defaults)
    assert not [s for s in statements.values() if "sagemaker" in json.dumps(s["Action"])]


# ------------------------------------------------------------------------ Budgets action


def test_budget_action_attaches_the_deny_policy_to_the_gateway_role(full: Synth) -> None:
    full.template.has_resource_properties(
        "AWS::Budgets::BudgetsAction",
        {
            "NotificationType": "ACTUAL",
            "ActionType": "APPLY_IAM_POLICY",
            "ApprovalModel": "AUTOMATIC",
            "ActionThreshold": {"Type": "PERCENTAGE", "Value": 80},
            "Definition": {
                "IamActionDefinition": {
                    "PolicyArn": {"Ref": Match.string_like_regexp("GuardDenyModelInvocation")},
                    "Roles": [{"Ref": Match.string_like_regexp("GatewayRole")}],
                }
            },
            "Subscribers": [
                {"Type": "SNS", "Address": {"Ref": Match.string_like_regexp("Budget")}}
            ],
        },
    )


def test_deny_policy_denies_model_invocation_and_is_not_attached_at_deploy(full: Synth) -> None:
    _, deny = full.resource("AWS::IAM::ManagedPolicy", "GuardDenyModelInvocation")
    (statement,) = deny["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == list(DENIED_INVOKE_ACTIONS)
    assert "Roles" not in deny["Properties"]


def test_budget_action_role_may_attach_only_the_deny_policy_to_only_the_gateway_role(
    full: Synth,
) -> None:
    _, role = full.resource("AWS::IAM::Role", "GuardBudgetActionRole")
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "222222222222"}}
    _, policy = full.resource("AWS::IAM::ManagedPolicy", "GuardBudgetActionPolicy")
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
    assert statement["Resource"]["Fn::GetAtt"][0].startswith("GatewayRole")
    assert list(statement["Condition"]) == ["ArnEquals"]
    assert statement["Condition"]["ArnEquals"]["iam:PolicyARN"]["Ref"].startswith(
        "GuardDenyModelInvocation"
    )


def test_no_budget_action_without_a_gateway_role(defaults: Synth) -> None:
    defaults.template.resource_count_is("AWS::Budgets::BudgetsAction", 0)
    _, function = defaults.resource("AWS::Lambda::Function", "GuardFunction")
    assert "DENY_POLICY_ARN" not in function["Properties"]["Environment"]["Variables"]


def test_budget_action_can_be_switched_off() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    role = iam.Role(stack, "GatewayRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    CostGuard(
        stack,
        "Guard",
        budget=_budget(stack),
        kill_switch=_kill_switch(stack),
        gateway_role=role,
        budget_action=False,
    )
    Template.from_stack(stack).resource_count_is("AWS::Budgets::BudgetsAction", 0)


# ------------------------------------------------------------------------ compliance


@pytest.mark.parametrize("fixture", ["defaults", "full"])
def test_no_unacknowledged_nag_findings_and_no_lint_errors(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    assert synth.report.findings == [], synth.report.describe()
    errors = [i for i in lint_template(synth.template_file, region="us-east-1") if i.is_error]
    assert errors == [], errors


# ------------------------------------------------------------------------ validation


def _build(**props: Any) -> CostGuard:
    app = cdk.App()
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    budget = AccountBudget(
        stack,
        "Budget",
        monthly_limit_usd=500,
        actual_thresholds_percent=(50, 80, 100),
        anomaly_detection=False,
    )
    merged: dict[str, Any] = {"budget": budget, "kill_switch": _kill_switch(stack), **props}
    return CostGuard(stack, "Guard", **merged)


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"trigger_threshold_percent": 0}, r"trigger_threshold_percent: 0 is not allowed"),
        ({"trigger_threshold_percent": 5000}, r"trigger_threshold_percent: 5000 is not allowed"),
        ({"trigger_threshold_percent": True}, r"trigger_threshold_percent: True is not allowed"),
        (
            {"trigger_threshold_percent": 150},
            r"trigger_threshold_percent: 150 is above every ACTUAL alert of the budget "
            r"\(50, 80, 100\)",
        ),
        ({"endpoints": ["llama"]}, r"endpoints: \['llama'\] are not InferenceEndpoint"),
        ({"endpoints": "llama"}, r"endpoints: 'llama' is not allowed"),
        ({"kill_switch": "/genai/gateway/kill-switch"}, r"kill_switch: '/genai/gateway/"),
        ({"gateway_role": "arn:aws:iam::1:role/x"}, r"gateway_role: 'arn:aws:iam::1:role/x' is"),
        ({"budget_action": "yes"}, r"budget_action: 'yes' is not allowed; give True or False"),
        ({"record_table_name": "a"}, r"record_table_name: 'a' is not allowed \(3-255"),
        ({"record_table_name": "bad name!"}, r"record_table_name: 'bad name!' is not allowed"),
        ({"budget": "genai-budget"}, r"budget: 'genai-budget' is not allowed"),
        ({"kill_switch": None}, r"leaves the guard nothing to act on"),
    ],
)
def test_fails_on_bad_props_naming_prop_and_value(props: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        _build(**props)


def test_fails_with_every_problem_at_once_and_builds_nothing() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    budget = _budget(stack)
    with pytest.raises(ValueError, match=r"invalid props \(3 problems\)"):
        CostGuard(
            stack,
            "Guard",
            budget=budget,
            kill_switch=_kill_switch(stack),
            trigger_threshold_percent=-1,
            budget_action="no",  # type: ignore[arg-type]
            record_table_name="x",
        )
    assert stack.node.try_find_child("Guard") is None


# ------------------------------------------------------------------------ from config


def _default_config_data() -> dict[str, Any]:
    import tomllib

    root = Path(__file__).resolve().parent.parent
    return tomllib.loads((root / "config" / "default.toml").read_text("utf-8"))


@pytest.mark.parametrize(
    ("cost_guard", "expected"),
    [
        ({"trigger_threshold_percent": -5}, ("cost_guard.trigger_threshold_percent", "-5")),
        ({"trigger_threshold_percent": 2000}, ("cost_guard.trigger_threshold_percent", "2000")),
        ({"budget_action": "maybe"}, ("cost_guard.budget_action", "maybe")),
        ({"enabled": True, "dry_run": True}, ("cost_guard.dry_run", "")),
    ],
)
def test_config_refuses_bad_cost_guard_values_naming_the_key(
    cost_guard: dict[str, Any], expected: tuple[str, str]
) -> None:
    from genai_platform.config import ConfigError, parse_config

    data = _default_config_data()
    data["cost_guard"] = cost_guard
    with pytest.raises(ConfigError) as raised:
        parse_config(data)
    key, value = expected
    line = next(line for line in str(raised.value).splitlines() if key in line)
    assert value in line


def test_trigger_above_every_budget_threshold_is_reported_under_its_toml_key() -> None:
    from genai_platform import build_platform, parse_config
    from genai_platform.stacks.config_problems import ConstructConfigError

    # GIVEN [budgets.genai] alerts at 50/80/100 and a guard that would wait for 150 %
    data = _default_config_data()
    data["cost_guard"]["trigger_threshold_percent"] = 150
    # WHEN the platform is built THEN the problem names the TOML key and the value
    with pytest.raises(ConstructConfigError) as raised:
        build_platform(cdk.App(), parse_config(data))
    assert any(
        p.startswith("cost_guard.trigger_threshold_percent: 150.0 is above every ACTUAL alert")
        for p in raised.value.problems
    ), raised.value.problems


def test_budget_exposes_its_actual_thresholds_sorted() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    budget = AccountBudget(
        stack,
        "Budget",
        monthly_limit_usd=100,
        actual_thresholds_percent=(100, 50),
        anomaly_detection=False,
    )
    assert budget.actual_thresholds_percent == (50, 100)
