"""Safe rollouts of an inference endpoint: rolling updates that roll back on alarms.

A change of the model, the serving image or the container environment replaces the SageMaker
model, which CloudFormation applies as an update of the inference component (real-time mode) or
of the endpoint configuration (async mode, and any change of the production variant). Without a
deployment configuration SageMaker swaps everything at once. :func:`apply` gives both resources
the deployment configuration SageMaker supports natively:

* **inference component** (``AWS::SageMaker::InferenceComponent`` ``DeploymentConfig``): a
  rolling update, ``RollingUpdatePolicy`` with ``MaximumBatchSize`` of type
  ``CAPACITY_PERCENT`` (SageMaker requires 5 %-50 % of the copy count), ``WaitIntervalInSeconds``
  (0-3600, the baking time per batch during which the alarms are watched),
  ``MaximumExecutionTimeoutInSeconds`` (600-28800) and an optional
  ``RollbackMaximumBatchSize`` (SageMaker's default: all copies at once), plus
  ``AutoRollbackConfiguration`` with 1-10 alarms (SageMaker API reference,
  ``InferenceComponentRollingUpdatePolicy`` and ``InferenceComponentDeploymentConfig``;
  CloudFormation template reference, ``AWS::SageMaker::InferenceComponent
  AutoRollbackConfiguration``);
* **endpoint** (``AWS::SageMaker::Endpoint`` ``DeploymentConfig``): a blue/green update,
  ``BlueGreenUpdatePolicy`` with all-at-once traffic shifting after ``WaitIntervalInSeconds`` of
  baking, and the same rollback alarms (SageMaker API reference, ``DeploymentConfig``,
  ``BlueGreenUpdatePolicy``; developer guide, "Deployment guardrails"). The guardrails' own
  exclusions (Marketplace containers, Inf1 instances; rolling endpoint updates also not for
  serverless or multi-variant endpoints) do not apply to this construct's endpoints.

The rollback alarms: the construct's ``Invocation5XXErrors`` alarm (at least
``error_threshold`` errors in each of two consecutive minutes) and ``ModelLatency`` alarm
(p90 above ``latency_threshold`` for three consecutive minutes), on the inference component's
metrics in real-time mode and the endpoint variant's in async mode, plus any alarm passed in
``additional_alarms`` (the gateway's 5xx alarm, for instance). SageMaker reads their state
during the deployment and rolls back itself; the alarms need no action of their own, so their
NIST/HIPAA ``CloudWatchAlarmAction`` findings are acknowledged with that reason.

SageMaker's ``UpdateInferenceComponent`` takes a new ``Specification`` (the model) together
with the ``DeploymentConfig`` (SageMaker API reference), which is how an update of the component
resource applies a new model in place. Not verified (nothing can be deployed): that
CloudFormation updates rather than replaces the component for every change of its
specification; how SageMaker sizes a 50 % batch of a component that
runs a single copy (or none, scaled to zero: nothing then runs, so the update completes once
the new model copy passes its health check), and whether a blue/green update of an endpoint
with inference components honours traffic shifting beyond all-at-once (so only all-at-once is
offered).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from genai_platform.compliance import acknowledge

__all__ = ["RollbackAlarms", "RolloutOptions", "apply", "check", "rollback_alarm"]

#: Batch size of a rolling step, in percent of the copies, that SageMaker accepts.
BATCH_PERCENT_RANGE = (5, 50)
#: Baking time per step SageMaker accepts, in seconds.
WAIT_INTERVAL_RANGE_S = (0, 3600)
#: Time limit of a whole deployment SageMaker accepts, in seconds.
EXECUTION_TIMEOUT_RANGE_S = (600, 28800)
#: Rollback alarms a deployment configuration may name.
MAX_ROLLBACK_ALARMS = 10
#: The alarms the construct creates itself.
OWN_ALARMS = 2
DEFAULT_WAIT_INTERVAL = cdk.Duration.minutes(10)
DEFAULT_EXECUTION_TIMEOUT = cdk.Duration.hours(3)
DEFAULT_LATENCY_THRESHOLD = cdk.Duration.seconds(60)
DEFAULT_ERROR_THRESHOLD = 5


@dataclass(frozen=True)
class RolloutOptions:
    """How a new model version rolls out, and when it rolls back."""

    batch_percent: int = 50
    """Copies replaced per rolling step, in percent of the component's copies (5-50).
    Default: 50."""
    rollback_batch_percent: int | None = None
    """Copies restored per rollback step, in percent (1-100). Default: SageMaker's default,
    all copies at once."""
    wait_interval: cdk.Duration | None = None
    """Baking time after each step (and before the old endpoint fleet is released), while
    the rollback alarms are watched (0 s to 1 hour). Default: 10 minutes."""
    maximum_execution_timeout: cdk.Duration | None = None
    """Time limit of the whole deployment (10 minutes to 8 hours); it must leave room for the
    model download and start-up of each step. Default: 3 hours."""
    error_threshold: int = DEFAULT_ERROR_THRESHOLD
    """5xx responses per minute, in two consecutive minutes, that roll the deployment back
    (>= 1). Default: 5."""
    latency_threshold: cdk.Duration | None = None
    """p90 model latency, in three consecutive minutes, that rolls the deployment back
    (1 s to 1 hour). Default: 60 seconds."""
    additional_alarms: Sequence[cloudwatch.IAlarm] = ()
    """More rollback alarms, e.g. the gateway's 5xx alarm; at most 8 (SageMaker takes 10, two
    are the construct's own). Default: none."""


def _seconds(value: object) -> float | None:
    return value.to_seconds(integral=False) if isinstance(value, cdk.Duration) else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check(options: RolloutOptions) -> list[str]:
    """Every problem of ``options``, one line each naming the option, the value and what is
    allowed."""
    if not isinstance(options, RolloutOptions):
        return [f"rollout: {options!r} is not a RolloutOptions"]
    problems: list[str] = []
    low, high = BATCH_PERCENT_RANGE
    if not _is_int(options.batch_percent) or not low <= options.batch_percent <= high:
        problems.append(
            f"rollout.batch_percent: {options.batch_percent!r} is not allowed; SageMaker "
            f"takes {low} to {high} percent of the copies per rolling step"
        )
    rollback = options.rollback_batch_percent
    if rollback is not None and (not _is_int(rollback) or not 1 <= rollback <= 100):
        problems.append(
            f"rollout.rollback_batch_percent: {rollback!r} is not allowed; give an integer "
            "from 1 to 100, or None for all copies at once"
        )
    for attr, (low_s, high_s) in (
        ("wait_interval", WAIT_INTERVAL_RANGE_S),
        ("maximum_execution_timeout", EXECUTION_TIMEOUT_RANGE_S),
        ("latency_threshold", (1, 3600)),
    ):
        value = getattr(options, attr)
        if value is None:
            continue
        seconds = _seconds(value)
        if seconds is None or not low_s <= seconds <= high_s or seconds != int(seconds):
            shown = value.to_human_string() if isinstance(value, cdk.Duration) else value
            problems.append(
                f"rollout.{attr}: {shown!r} is not allowed; give a whole-second Duration from "
                f"{low_s} to {high_s} seconds"
            )
    if not _is_int(options.error_threshold) or options.error_threshold < 1:
        problems.append(
            f"rollout.error_threshold: {options.error_threshold!r} is not allowed; give an "
            "integer >= 1 (5xx responses per minute)"
        )
    extra = options.additional_alarms
    if isinstance(extra, (str, bytes)) or not isinstance(extra, Sequence):
        problems.append(f"rollout.additional_alarms: {extra!r} is not a list of alarms")
        return problems
    for alarm in extra:
        if not hasattr(alarm, "alarm_name") or not hasattr(alarm, "alarm_arn"):
            problems.append(
                f"rollout.additional_alarms: {alarm!r} is not a CloudWatch alarm (IAlarm)"
            )
    if len(extra) > MAX_ROLLBACK_ALARMS - OWN_ALARMS:
        problems.append(
            f"rollout.additional_alarms: {len(extra)} alarms given; SageMaker takes "
            f"{MAX_ROLLBACK_ALARMS} rollback alarms and {OWN_ALARMS} are the construct's own, "
            f"so give at most {MAX_ROLLBACK_ALARMS - OWN_ALARMS}"
        )
    return problems


class RollbackAlarms:
    """The alarms both deployment configurations name, rendered lazily so alarms created
    later (the gateway's, built after the endpoint) can still be added."""

    def __init__(self, alarms: Sequence[cloudwatch.IAlarm]) -> None:
        self._alarms = list(alarms)

    @property
    def alarms(self) -> tuple[cloudwatch.IAlarm, ...]:
        """Every rollback alarm, in the order added."""
        return tuple(self._alarms)

    def add(self, alarm: cloudwatch.IAlarm, *, owner: str) -> None:
        """Add ``alarm``; ValueError naming ``owner`` when SageMaker's limit is reached."""
        if not hasattr(alarm, "alarm_name"):
            raise ValueError(f"{owner}: {alarm!r} is not a CloudWatch alarm (IAlarm)")
        if len(self._alarms) >= MAX_ROLLBACK_ALARMS:
            raise ValueError(
                f"{owner}: {alarm.node.path!r} would be rollback alarm "
                f"{len(self._alarms) + 1}; SageMaker takes at most {MAX_ROLLBACK_ALARMS}"
            )
        self._alarms.append(alarm)

    def names(self) -> list[str]:
        return [a.alarm_name for a in self._alarms]


@jsii.implements(cdk.IAnyProducer)
class _AlarmNames:
    """Renders the rollback alarms as the ``Alarms`` list of both deployment configurations,
    at synthesis (after every alarm was added)."""

    def __init__(self, alarms: RollbackAlarms) -> None:
        self._alarms = alarms

    def produce(self, context: cdk.IResolveContext) -> Any:
        return [{"alarmName": name} for name in self._alarms.names()]


def rollback_alarm(
    scope: Construct, id: str, *, metric: cloudwatch.IMetric, threshold: float, description: str
) -> cloudwatch.Alarm:
    """An alarm SageMaker watches during deployments (at least ``threshold`` in each of two
    consecutive one-minute periods), its action-less nag findings acknowledged with the
    reason that the rollback is its action."""
    alarm = cloudwatch.Alarm(
        scope,
        id,
        alarm_description=description,
        metric=metric,
        threshold=threshold,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluation_periods=2,
        datapoints_to_alarm=2,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    _acknowledge_no_action(alarm)
    return alarm


def _acknowledge_no_action(alarm: cloudwatch.Alarm) -> None:
    resource = alarm.node.default_child
    assert resource is not None
    for pack in ("NIST.800.53.R5", "HIPAA.Security"):
        acknowledge(
            resource,
            f"{pack}-CloudWatchAlarmAction",
            "SageMaker watches this alarm during a model deployment and rolls the "
            "deployment back itself when it fires; the rollback is the alarm's action.",
        )


def apply(
    scope: Construct,
    options: RolloutOptions,
    *,
    endpoint: sagemaker.CfnEndpoint,
    component: sagemaker.CfnInferenceComponent | None,
    error_metric: cloudwatch.Metric,
    latency_metric: cloudwatch.Metric,
    subject: str,
) -> RollbackAlarms:
    """Create the rollback alarms under ``scope`` and set both deployment configurations.

    ``error_metric`` counts 5xx responses (Sum), ``latency_metric`` is ``ModelLatency`` in
    microseconds; ``subject`` names the endpoint in alarm descriptions. Returns the rollback
    alarms (the construct's own first), to which more can be added until synthesis.
    """
    latency = options.latency_threshold or DEFAULT_LATENCY_THRESHOLD
    errors = rollback_alarm(
        scope,
        "RollbackOnErrorsAlarm",
        metric=error_metric.with_(statistic="Sum", period=cdk.Duration.minutes(1)),
        threshold=options.error_threshold,
        description=(
            f"{subject}: {options.error_threshold}+ model 5xx responses a minute; rolls a "
            "model deployment back"
        ),
    )
    slow = cloudwatch.Alarm(
        scope,
        "RollbackOnLatencyAlarm",
        alarm_description=(
            f"{subject}: p90 model latency above {latency.to_human_string()}; rolls a model "
            "deployment back"
        ),
        metric=latency_metric.with_(statistic="p90", period=cdk.Duration.minutes(1)),
        threshold=latency.to_seconds() * 1_000_000,  # ModelLatency is in microseconds
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    _acknowledge_no_action(slow)
    alarms = RollbackAlarms([errors, slow, *options.additional_alarms])
    wait = int((options.wait_interval or DEFAULT_WAIT_INTERVAL).to_seconds())
    timeout = int((options.maximum_execution_timeout or DEFAULT_EXECUTION_TIMEOUT).to_seconds())

    if component is not None:
        rollback_size = (
            sagemaker.CfnInferenceComponent.InferenceComponentCapacitySizeProperty(
                type="CAPACITY_PERCENT", value=options.rollback_batch_percent
            )
            if options.rollback_batch_percent is not None
            else None
        )
        component.deployment_config = (
            sagemaker.CfnInferenceComponent.InferenceComponentDeploymentConfigProperty(
                rolling_update_policy=(
                    sagemaker.CfnInferenceComponent.InferenceComponentRollingUpdatePolicyProperty(
                        maximum_batch_size=(
                            sagemaker.CfnInferenceComponent.InferenceComponentCapacitySizeProperty(
                                type="CAPACITY_PERCENT", value=options.batch_percent
                            )
                        ),
                        wait_interval_in_seconds=wait,
                        maximum_execution_timeout_in_seconds=timeout,
                        rollback_maximum_batch_size=rollback_size,
                    )
                ),
                auto_rollback_configuration=(
                    sagemaker.CfnInferenceComponent.AutoRollbackConfigurationProperty(
                        alarms=cdk.Lazy.uncached_any(_AlarmNames(alarms))
                    )
                ),
            )
        )
    endpoint.deployment_config = sagemaker.CfnEndpoint.DeploymentConfigProperty(
        blue_green_update_policy=sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
            traffic_routing_configuration=sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
                type="ALL_AT_ONCE", wait_interval_in_seconds=wait
            ),
            maximum_execution_timeout_in_seconds=timeout,
        ),
        auto_rollback_configuration=sagemaker.CfnEndpoint.AutoRollbackConfigProperty(
            alarms=cdk.Lazy.uncached_any(_AlarmNames(alarms))
        ),
    )
    return alarms
