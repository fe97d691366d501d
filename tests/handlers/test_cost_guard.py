"""The cost guard handler and ``guard release``: moto for Application Auto Scaling (async
endpoint variants), SSM, DynamoDB and SNS; injected fakes where moto stops: SageMaker inference
components and endpoints, and Application Auto Scaling's inference-component dimension (moto
5 rejects ``sagemaker:inference-component:DesiredCopyCount``)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.sns.models import sns_backends

from genai_platform.guard_release import release

_GUARD_DIR = Path(__file__).resolve().parents[2] / "genai_platform" / "lambda" / "cost_guard"
if str(_GUARD_DIR) not in sys.path:
    sys.path.insert(0, str(_GUARD_DIR))

import cg_guard  # noqa: E402
import cost_guard_app  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "123456789012"
TABLE = "genai-cost-guard"
KILL_SWITCH = "/genai/gateway/kill-switch"
BUDGET = "genai-genai-us-east-1-abc12345"
COMPONENT = "genai-llama-ic"
ASYNC_ENDPOINT = "genai-batch"
COMPONENT_TARGET = {
    "kind": "inference-component",
    "resource_id": f"inference-component/{COMPONENT}",
    "scalable_dimension": "sagemaker:inference-component:DesiredCopyCount",
    "name": COMPONENT,
}
ASYNC_TARGET = {
    "kind": "async-endpoint",
    "resource_id": f"endpoint/{ASYNC_ENDPOINT}/variant/AllTraffic",
    "scalable_dimension": "sagemaker:variant:DesiredInstanceCount",
    "name": ASYNC_ENDPOINT,
    "variant": "AllTraffic",
}


def budget_message(
    *, name: str = BUDGET, alert_type: str = "ACTUAL", threshold: str = "2,000.00"
) -> str:
    """A notification laid out as AWS Budgets writes them to SNS (plain text)."""
    return (
        "AWS Budget Notification December 03, 2026\n"
        f"AWS Account {ACCOUNT}\n\n"
        "Dear AWS Customer,\n\n"
        f"You requested that we alert you when the {alert_type} Cost associated with your "
        f"{name} budget is greater than ${threshold} for the current month.\n\n"
        f"Budget Name: {name}\n"
        "Budget Type: Cost\n"
        "Budgeted Amount: $2,000.00\n"
        f"Alert Type: {alert_type}\n"
        f"Alert Threshold: > ${threshold}\n"
        f"{alert_type} Amount: $2,013.27\n"
    )


def sns_event(message: str, message_id: str = "msg-1") -> dict[str, Any]:
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:cost-alerts",
                    "Subject": f"AWS Budgets: {BUDGET} has exceeded your alert threshold",
                    "Message": message,
                },
            }
        ]
    }


@dataclass
class FakeSageMaker:
    """Inference component copies and async endpoint instances, with the calls made."""

    copies: dict[str, int] = field(default_factory=lambda: {COMPONENT: 2})
    instances: dict[str, int] = field(default_factory=lambda: {ASYNC_ENDPOINT: 1})
    updates: list[tuple[str, int]] = field(default_factory=list)

    def describe_inference_component(self, *, InferenceComponentName: str) -> dict[str, Any]:
        count = self.copies[InferenceComponentName]
        return {"RuntimeConfig": {"DesiredCopyCount": count, "CurrentCopyCount": count}}

    def update_inference_component_runtime_config(
        self, *, InferenceComponentName: str, DesiredRuntimeConfig: dict[str, int]
    ) -> dict[str, Any]:
        self.copies[InferenceComponentName] = DesiredRuntimeConfig["CopyCount"]
        self.updates.append((InferenceComponentName, DesiredRuntimeConfig["CopyCount"]))
        return {}

    def describe_endpoint(self, *, EndpointName: str) -> dict[str, Any]:
        count = self.instances[EndpointName]
        return {
            "ProductionVariants": [{"VariantName": "AllTraffic", "DesiredInstanceCount": count}]
        }

    def update_endpoint_weights_and_capacities(
        self, *, EndpointName: str, DesiredWeightsAndCapacities: list[dict[str, Any]]
    ) -> dict[str, Any]:
        count = DesiredWeightsAndCapacities[0]["DesiredInstanceCount"]
        self.instances[EndpointName] = count
        self.updates.append((EndpointName, count))
        return {}


COMPONENT_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
SUSPENDED_KEYS = (
    "DynamicScalingInSuspended",
    "DynamicScalingOutSuspended",
    "ScheduledScalingSuspended",
)


@dataclass
class AutoScaling:
    """moto's Application Auto Scaling, with inference-component targets kept in memory."""

    moto: Any
    components: dict[str, dict[str, Any]] = field(default_factory=dict)

    def describe_scalable_targets(self, **kwargs: Any) -> dict[str, Any]:
        if kwargs.get("ScalableDimension") == COMPONENT_DIMENSION:
            ids = kwargs.get("ResourceIds") or list(self.components)
            return {"ScalableTargets": [self.components[i] for i in ids if i in self.components]}
        found = self.moto.describe_scalable_targets(**kwargs)["ScalableTargets"]
        if "ScalableDimension" not in kwargs:
            found = found + list(self.components.values())
        return {"ScalableTargets": found}

    def register_scalable_target(self, **kwargs: Any) -> dict[str, Any]:
        if kwargs["ScalableDimension"] != COMPONENT_DIMENSION:
            return dict(self.moto.register_scalable_target(**kwargs))
        target = self.components.setdefault(
            kwargs["ResourceId"],
            {
                "ServiceNamespace": "sagemaker",
                "ResourceId": kwargs["ResourceId"],
                "ScalableDimension": COMPONENT_DIMENSION,
                "SuspendedState": {},
            },
        )
        target["MinCapacity"] = kwargs["MinCapacity"]
        target["MaxCapacity"] = kwargs["MaxCapacity"]
        if "SuspendedState" in kwargs:
            target["SuspendedState"] = dict(kwargs["SuspendedState"])
        return {}


@dataclass
class Aws:
    runtime: cg_guard.Runtime
    sagemaker: FakeSageMaker
    topic_arn: str

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)

    def scalable(self) -> dict[str, dict[str, Any]]:
        found = {}
        for target in self.runtime.autoscaling.describe_scalable_targets(
            ServiceNamespace="sagemaker"
        )["ScalableTargets"]:
            found[target["ResourceId"]] = {
                "min": target["MinCapacity"],
                "max": target["MaxCapacity"],
                # AWS returns all three flags; moto and the fake may leave unset ones out.
                "suspended": {
                    key: bool(target.get("SuspendedState", {}).get(key, False))
                    for key in SUSPENDED_KEYS
                },
            }
        return found

    def kill_switch(self) -> str:
        value: str = self.client("ssm").get_parameter(Name=KILL_SWITCH)["Parameter"]["Value"]
        return value

    def notifications(self) -> list[tuple[str, str]]:
        topic = sns_backends[ACCOUNT][REGION].topics[self.topic_arn]
        return [(n[2], n[1]) for n in topic.sent_notifications]

    def release(self) -> Any:
        return release(
            table_name=TABLE,
            dynamodb=self.client("dynamodb"),
            autoscaling=self.runtime.autoscaling,
            sagemaker=self.sagemaker,
            ssm=self.client("ssm"),
            now=lambda: datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
        )


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "MOTO_ACCOUNT_ID": ACCOUNT,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=KILL_SWITCH, Value="off", Type="String"
        )
        topic_arn = boto3.client("sns", region_name=REGION).create_topic(Name="cost-alerts")[
            "TopicArn"
        ]
        autoscaling = AutoScaling(boto3.client("application-autoscaling", region_name=REGION))
        autoscaling.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=COMPONENT_TARGET["resource_id"],
            ScalableDimension=COMPONENT_TARGET["scalable_dimension"],
            MinCapacity=0,
            MaxCapacity=2,
        )
        autoscaling.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=ASYNC_TARGET["resource_id"],
            ScalableDimension=ASYNC_TARGET["scalable_dimension"],
            MinCapacity=1,
            MaxCapacity=3,
            SuspendedState={"ScheduledScalingSuspended": True},
        )
        sagemaker = FakeSageMaker()
        runtime = cg_guard.Runtime(
            autoscaling=autoscaling,
            sagemaker=sagemaker,
            ssm=boto3.client("ssm", region_name=REGION),
            dynamodb=boto3.client("dynamodb", region_name=REGION),
            sns=boto3.client("sns", region_name=REGION),
            logger=logging.getLogger("test-cost-guard"),
            table_name=TABLE,
            targets=cg_guard.parse_targets(json.dumps([COMPONENT_TARGET, ASYNC_TARGET])),
            kill_switch_parameter=KILL_SWITCH,
            notify_topic_arn=topic_arn,
            trigger_percent=100,
            budget_name=BUDGET,
            now=lambda: datetime(2026, 12, 3, 11, 0, tzinfo=UTC),
        )
        yield Aws(runtime, sagemaker, topic_arn)


# ------------------------------------------------------------------------------- breach


def test_breach_scales_every_target_to_zero_and_turns_the_switch_on(aws: Aws) -> None:
    # GIVEN capacity running and the switch off WHEN the 100 % ACTUAL alert arrives
    result = cg_guard.handle_event(aws.runtime, sns_event(budget_message()))
    # THEN every scalable target is 0/0 with scaling suspended, desired counts are 0, switch on
    assert result == {"outcomes": ["engaged"]}
    all_suspended = {
        "DynamicScalingInSuspended": True,
        "DynamicScalingOutSuspended": True,
        "ScheduledScalingSuspended": True,
    }
    scalable = aws.scalable()
    for target in (COMPONENT_TARGET, ASYNC_TARGET):
        assert scalable[target["resource_id"]] == {"min": 0, "max": 0, "suspended": all_suspended}
    assert aws.sagemaker.copies == {COMPONENT: 0}
    assert aws.sagemaker.instances == {ASYNC_ENDPOINT: 0}
    assert aws.kill_switch() == "on"


def test_breach_records_previous_capacities_time_and_alert(aws: Aws) -> None:
    # GIVEN running capacity WHEN the guard engages
    cg_guard.handle_event(aws.runtime, sns_event(budget_message(), message_id="msg-77"))
    # THEN the record holds what was there before, when, and which alert
    item = aws.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "current"}})["Item"]
    snapshot = json.loads(item["snapshot"]["S"])
    assert item["status"]["S"] == "engaged"
    assert snapshot["engaged_at"] == "2026-12-03T11:00:00+00:00"
    assert snapshot["alert"] == {
        "budget_name": BUDGET,
        "alert_type": "ACTUAL",
        "threshold_percent": 100.0,
        "message_id": "msg-77",
        "topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:cost-alerts",
    }
    previous = {
        t["resource_id"]: (t["min_capacity"], t["max_capacity"], t["desired"])
        for t in snapshot["targets"]
    }
    assert previous == {
        COMPONENT_TARGET["resource_id"]: (0, 2, 2),
        ASYNC_TARGET["resource_id"]: (1, 3, 1),
    }
    assert snapshot["kill_switch"] == {"name": KILL_SWITCH, "previous": "off"}


def test_breach_notifies_the_platform_topic_with_the_origin_attribute(aws: Aws) -> None:
    # GIVEN running capacity WHEN the guard engages
    cg_guard.handle_event(aws.runtime, sns_event(budget_message()))
    # THEN one notification names the targets and the release command
    notifications = aws.notifications()
    assert len(notifications) == 1
    subject, message = notifications[0]
    assert subject == "genai-platform cost guard engaged"
    assert COMPONENT_TARGET["resource_id"] in message and "0/2/2" in message
    assert f"genai-platform guard release --table {TABLE}" in message
    topic = sns_backends[ACCOUNT][REGION].topics[aws.topic_arn]
    attributes = topic.sent_notifications[0][3]
    assert attributes["origin"]["Value"] == cg_guard.NOTIFICATION_ORIGIN


def test_second_alert_changes_nothing(aws: Aws) -> None:
    # GIVEN the guard engaged, and an operator raising one target by hand meanwhile
    cg_guard.handle_event(aws.runtime, sns_event(budget_message()))
    record_before = aws.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "current"}})[
        "Item"
    ]
    updates_before = list(aws.sagemaker.updates)
    aws.sagemaker.copies[COMPONENT] = 1
    # WHEN the same alert (or a higher threshold) arrives again
    result = cg_guard.handle_event(
        aws.runtime, sns_event(budget_message(threshold="2,400.00"), message_id="msg-2")
    )
    # THEN nothing is changed, recorded or sent again
    assert result == {"outcomes": ["unchanged"]}
    assert aws.sagemaker.updates == updates_before
    assert aws.sagemaker.copies[COMPONENT] == 1
    assert (
        aws.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "current"}})["Item"]
        == record_before
    )
    assert len(aws.notifications()) == 1


def test_half_applied_engagement_resumes_from_the_recorded_capacities(aws: Aws) -> None:
    # GIVEN a first attempt that recorded and then failed before zeroing the async endpoint
    real_update = aws.sagemaker.update_endpoint_weights_and_capacities

    def fail(**kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("throttled")

    aws.sagemaker.update_endpoint_weights_and_capacities = fail  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        cg_guard.handle_event(aws.runtime, sns_event(budget_message()))
    aws.sagemaker.update_endpoint_weights_and_capacities = real_update  # type: ignore[method-assign]
    # WHEN SNS retries the invocation
    result = cg_guard.handle_event(aws.runtime, sns_event(budget_message()))
    # THEN it finishes from the record (previous capacities are not the zeroes it had set)
    assert result == {"outcomes": ["resumed"]}
    assert aws.sagemaker.instances == {ASYNC_ENDPOINT: 0}
    assert aws.kill_switch() == "on"
    restored = aws.release()
    assert {t["resource_id"]: t["desired"] for t in restored.restored} == {
        COMPONENT_TARGET["resource_id"]: 2,
        ASYNC_TARGET["resource_id"]: 1,
    }


# ------------------------------------------------------------------------------- release


def test_release_restores_exactly_the_recorded_capacities_and_clears_the_switch(
    aws: Aws,
) -> None:
    # GIVEN the guard engaged
    before = aws.scalable()
    cg_guard.handle_event(aws.runtime, sns_event(budget_message()))
    # WHEN released
    result = aws.release()
    # THEN min, max, suspended state, desired counts and the switch are what they were
    assert result.released
    assert aws.scalable() == before
    assert aws.sagemaker.copies == {COMPONENT: 2}
    assert aws.sagemaker.instances == {ASYNC_ENDPOINT: 1}
    assert aws.kill_switch() == "off"


def test_release_moves_the_record_to_history_so_the_guard_can_engage_again(aws: Aws) -> None:
    # GIVEN an engagement released
    cg_guard.handle_event(aws.runtime, sns_event(budget_message()))
    aws.release()
    # THEN no engagement is in force, the history item keeps the snapshot
    dynamodb = aws.client("dynamodb")
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "current"}})
    history = dynamodb.get_item(
        TableName=TABLE, Key={"pk": {"S": "released#2026-12-04T09:00:00+00:00"}}
    )["Item"]
    assert history["status"]["S"] == "released"
    # WHEN the next alert arrives THEN the guard engages again
    assert cg_guard.handle_event(aws.runtime, sns_event(budget_message())) == {
        "outcomes": ["engaged"]
    }


def test_release_without_an_engagement_changes_nothing(aws: Aws) -> None:
    # GIVEN no engagement WHEN released THEN nothing is touched
    before = aws.scalable()
    result = aws.release()
    assert not result.released
    assert "not engaged" in result.summary()
    assert aws.scalable() == before and aws.sagemaker.updates == []
    assert aws.kill_switch() == "off"


# ------------------------------------------------------------------------------- ignored


@pytest.mark.parametrize(
    ("event", "why"),
    [
        (sns_event(budget_message(alert_type="FORECASTED")), "forecast alert"),
        (sns_event(budget_message(threshold="1,600.00")), "80 % is under the 100 % trigger"),
        (sns_event(budget_message(name="someone-elses-budget")), "another budget"),
        (sns_event(json.dumps({"anomalyId": "a-1", "impact": {"totalImpact": 500}})), "anomaly"),
        (sns_event(""), "empty message"),
        (sns_event("Budget Name: x\nAlert Type: ACTUAL\n"), "no amounts"),
        (sns_event(budget_message().replace("$2,000.00\nAlert", "$0.00\nAlert")), "zero budget"),
        ({"Records": [{"Sns": None}]}, "no Sns object"),
        ({"Records": ["text"]}, "record not an object"),
        ({"Records": "nope"}, "Records not a list"),
        ({}, "no Records"),
        (None, "no event"),
    ],
)
def test_malformed_or_unqualified_messages_are_ignored(aws: Aws, event: Any, why: str) -> None:
    # GIVEN an event that is not a qualifying budget alert WHEN handled
    result = cg_guard.handle_event(aws.runtime, event)
    # THEN it is ignored: nothing recorded, scaled, switched or sent
    assert result == {"outcomes": ["ignored"]}, why
    assert aws.sagemaker.updates == []
    assert aws.kill_switch() == "off"
    assert "Item" not in aws.client("dynamodb").get_item(
        TableName=TABLE, Key={"pk": {"S": "current"}}
    )
    assert aws.notifications() == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    record=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=200),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(["Sns", "Message", "MessageId", "x"]), children)
        ),
        max_leaves=12,
    )
)
def test_parse_alert_never_raises_on_arbitrary_records(record: object) -> None:
    # GIVEN any JSON-like record WHEN parsed THEN an alert or a reason, never an exception
    alert, reason = cg_guard.parse_alert(record)
    assert (alert is None) == bool(reason)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=500))
def test_parse_alert_never_raises_on_arbitrary_message_text(text: str) -> None:
    # GIVEN any message text WHEN parsed THEN an alert or a reason, never an exception
    alert, reason = cg_guard.parse_alert({"Sns": {"Message": text}})
    assert (alert is None) == bool(reason)


def test_threshold_percentage_comes_from_threshold_over_budgeted_amount() -> None:
    # GIVEN an 80 % alert of a 2,000 USD budget WHEN parsed
    alert, _ = cg_guard.parse_alert(sns_event(budget_message(threshold="1,600.00"))["Records"][0])
    # THEN its threshold is 80 percent
    assert alert is not None and alert.threshold_percent == 80.0


# ------------------------------------------------------------------------------- environment


def test_environment_problems_are_all_named() -> None:
    # GIVEN a broken environment WHEN the runtime is built THEN every bad variable is named
    with pytest.raises(ValueError) as error:
        cost_guard_app.runtime_from(
            {"TARGETS": '[{"kind": "lambda"}]', "TRIGGER_PERCENT": "-5"}, logging.getLogger()
        )
    message = str(error.value)
    assert "TARGETS: TARGETS[0]" in message and "needs kind one of" in message
    assert "RECORD_TABLE: missing" in message and "NOTIFY_TOPIC_ARN: missing" in message
    assert "TRIGGER_PERCENT: '-5'" in message


def test_entry_validates_the_environment_once_and_ignores_a_malformed_event(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the deployed environment
    for name, value in {
        "TARGETS": json.dumps([COMPONENT_TARGET]),
        "RECORD_TABLE": TABLE,
        "NOTIFY_TOPIC_ARN": aws.topic_arn,
        "TRIGGER_PERCENT": "100",
        "KILL_SWITCH_PARAMETER": KILL_SWITCH,
        "BUDGET_NAME": BUDGET,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(cost_guard_app, "_RUNTIME", None)
    # WHEN SNS delivers something that is not a budget alert
    result = cost_guard_app.lambda_handler(sns_event("hello"), None)
    # THEN it is ignored, and the clients carry timeouts
    assert result == {"outcomes": ["ignored"]}
    runtime = cost_guard_app._RUNTIME
    assert runtime is not None and runtime.trigger_percent == 100
    config = runtime.sagemaker.meta.config
    assert (config.connect_timeout, config.read_timeout) == (2, 10)
    assert aws.kill_switch() == "off"


# ------------------------------------------------------------------------------- the CLI


def test_cli_guard_release_restores_the_switch_through_real_clients(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    from genai_platform.cli import main

    # GIVEN an engagement that flipped only the kill switch (no endpoints)
    aws.runtime.targets = []
    cg_guard.handle_event(aws.runtime, sns_event(budget_message()))
    assert aws.kill_switch() == "on"
    # WHEN released from the command line (boto3 clients against moto)
    code = main(["guard", "release", "--table", TABLE, "--region", REGION])
    # THEN the switch is back off and the command says what it restored
    assert code == 0
    assert aws.kill_switch() == "off"
    out = capsys.readouterr().out
    assert "released the engagement of 2026-12-03T11:00:00+00:00" in out
    assert f"kill switch {KILL_SWITCH}: 'off'" in out
    # AND a second release has nothing to do
    assert main(["guard", "release", "--table", TABLE, "--region", REGION]) == 0
    assert "nothing to release" in capsys.readouterr().out


def test_cli_guard_release_reports_an_aws_error_with_exit_1(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    from genai_platform.cli import main

    # GIVEN a table that does not exist WHEN released THEN exit 1 with the AWS error
    assert main(["guard", "release", "--table", "no-such-table", "--region", REGION]) == 1
    assert "guard release:" in capsys.readouterr().err


def test_cli_guard_release_finds_the_table_from_the_config(
    aws: Aws, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from genai_platform.cli import main
    from genai_platform.config import default_config_text

    # GIVEN the default config (name "genai": table genai-cost-guard) and no engagement
    config = tmp_path / "platform.toml"
    config.write_text(default_config_text(), "utf-8")
    # WHEN released by config THEN the table it names is read (nothing to release)
    assert main(["guard", "release", "--config", str(config)]) == 0
    assert "nothing to release" in capsys.readouterr().out


# ------------------------------------------------------------------------------- Budgets action


def test_release_reverses_the_budgets_action_that_attached_the_recorded_policy(aws: Aws) -> None:
    from botocore.stub import Stubber

    deny = f"arn:aws:iam::{ACCOUNT}:policy/genai-DenyModelInvocation"
    # GIVEN an engagement recorded with the Budgets action's deny policy
    aws.runtime.deny_policy_arn = deny
    cg_guard.handle_event(aws.runtime, sns_event(budget_message()))
    # AND Budgets reporting that action as run, beside another action and a pending one
    budgets = boto3.client("budgets", region_name=REGION)
    stubber = Stubber(budgets)

    def action(action_id: str, policy: str, status: str) -> dict[str, Any]:
        return {
            "ActionId": action_id,
            "BudgetName": BUDGET,
            "NotificationType": "ACTUAL",
            "ActionType": "APPLY_IAM_POLICY",
            "ActionThreshold": {"ActionThresholdValue": 100, "ActionThresholdType": "PERCENTAGE"},
            "Definition": {"IamActionDefinition": {"PolicyArn": policy, "Roles": ["gw"]}},
            "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/budgets-action",
            "ApprovalModel": "AUTOMATIC",
            "Status": status,
            "Subscribers": [{"SubscriptionType": "SNS", "Address": aws.topic_arn}],
        }

    stubber.add_response(
        "describe_budget_actions_for_budget",
        {
            "Actions": [
                action("11111111-1111-1111-1111-111111111111", deny, "EXECUTION_SUCCESS"),
                action(
                    "22222222-2222-2222-2222-222222222222",
                    f"arn:aws:iam::{ACCOUNT}:policy/other",
                    "EXECUTION_SUCCESS",
                ),
                action("33333333-3333-3333-3333-333333333333", deny, "STANDBY"),
            ]
        },
        {"AccountId": ACCOUNT, "BudgetName": BUDGET},
    )
    stubber.add_response(
        "execute_budget_action",
        {
            "AccountId": ACCOUNT,
            "BudgetName": BUDGET,
            "ActionId": "11111111-1111-1111-1111-111111111111",
            "ExecutionType": "REVERSE_BUDGET_ACTION",
        },
        {
            "AccountId": ACCOUNT,
            "BudgetName": BUDGET,
            "ActionId": "11111111-1111-1111-1111-111111111111",
            "ExecutionType": "REVERSE_BUDGET_ACTION",
        },
    )
    # WHEN released
    with stubber:
        result = release(
            table_name=TABLE,
            dynamodb=aws.client("dynamodb"),
            autoscaling=aws.runtime.autoscaling,
            sagemaker=aws.sagemaker,
            ssm=aws.client("ssm"),
            budgets=budgets,
        )
    # THEN exactly the action that attached the recorded policy and ran is reversed
    stubber.assert_no_pending_responses()
    assert result.reversed_budget_actions == ["11111111-1111-1111-1111-111111111111"]
    assert "Budgets action 11111111-1111-1111-1111-111111111111: reversed" in result.summary()
    assert aws.kill_switch() == "off"


def test_threshold_written_as_a_percentage_is_taken_as_is() -> None:
    # GIVEN a notification whose threshold line is a percentage WHEN parsed
    message = budget_message().replace("Alert Threshold: > $2,000.00", "Alert Threshold: > 100%")
    alert, _ = cg_guard.parse_alert(sns_event(message)["Records"][0])
    # THEN the percentage is used, not divided by the budgeted amount
    assert alert is not None and alert.threshold_percent == 100.0


def test_the_guards_own_notification_read_back_from_the_topic_is_ignored(aws: Aws) -> None:
    # GIVEN the guard's notification as SNS delivers it to the guard (same topic)
    cg_guard.handle_event(aws.runtime, sns_event(budget_message()))
    _, message = aws.notifications()[0]
    event = sns_event(message, message_id="msg-own")
    event["Records"][0]["Sns"]["MessageAttributes"] = {
        "origin": {"Type": "String", "Value": cg_guard.NOTIFICATION_ORIGIN}
    }
    # WHEN handled THEN ignored by its origin attribute (and its text is no alert either)
    assert cg_guard.parse_alert(event["Records"][0]) == (
        None,
        "the cost guard's own notification",
    )
    del event["Records"][0]["Sns"]["MessageAttributes"]
    assert cg_guard.parse_alert(event["Records"][0])[0] is None
