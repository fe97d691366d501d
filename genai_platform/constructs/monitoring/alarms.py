"""The platform's alarms: one per failure mode an operator must act on.

Each alarm publishes to the alert topic, treats missing data as not breaching (no traffic is
not an incident) and says in its description which section of ``docs/runbooks.md`` to open
(:data:`RUNBOOK_SECTIONS`). Alarms over several series (every model alias, both functions)
sum them with metric math, one named metric per series (CloudWatch alarms cannot search).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from genai_platform.constructs.inference_endpoint import EndpointMode
from genai_platform.constructs.monitoring.contract import (
    INGESTION_DOCUMENTS_FAILED,
    INGESTION_JOBS_FAILED,
)
from genai_platform.constructs.monitoring.props import MonitoringThresholds
from genai_platform.constructs.monitoring.sources import FIVE_MINUTES, Sources

__all__ = ["RUNBOOK", "RUNBOOK_SECTIONS", "AlarmSet", "build_alarms", "runbook_anchor"]

#: Where the runbooks live (relative to the repository root).
RUNBOOK = "docs/runbooks.md"
#: Runbook section titles by alarm key (``docs/runbooks.md`` has one ``##`` heading each).
RUNBOOK_SECTIONS = {
    "gateway-5xx": "Gateway 5xx rate",
    "model-latency": "Model latency p99 above target",
    "breaker-open": "Circuit breaker open",
    "fallbacks": "Fallbacks sustained",
    "guardrail-jump": "Guardrail intervention rate jump",
    "feedback-down": "Feedback down-rate",
    "wake-up": "Endpoint wake-up failures",
    "ingestion": "Ingestion failures",
    "lambda-throttles": "Lambda throttles",
    "slo-availability": "Chat availability SLO burn rate",
    "slo-latency": "Chat latency SLO burn rate",
}


def runbook_anchor(key: str) -> str:
    """``docs/runbooks.md#<anchor>`` of alarm ``key`` (GitHub's heading anchors)."""
    title = RUNBOOK_SECTIONS[key].lower()
    return f"{RUNBOOK}#{re.sub(r'[^a-z0-9 -]', '', title).replace(' ', '-')}"


@dataclass(frozen=True)
class AlarmSet:
    """The alarms built, by key (per model alias where there is one per alias)."""

    alarms: dict[str, cloudwatch.IAlarm]


def describe(key: str, text: str) -> str:
    """An alarm description: what fired, then the runbook section to open."""
    return f"{text} Runbook: {runbook_anchor(key)} ({RUNBOOK_SECTIONS[key]})."


def _sum(metrics: Sequence[cloudwatch.IMetric], label: str) -> cloudwatch.MathExpression:
    using = {f"m{n}": m for n, m in enumerate(metrics)}
    return cloudwatch.MathExpression(
        expression=" + ".join(f"FILL({k}, 0)" for k in using),
        using_metrics=using,
        label=label,
        period=FIVE_MINUTES,
    )


class _Builder:
    def __init__(self, scope: Construct, topic: sns.ITopic, prefix: str) -> None:
        self.scope = scope
        self.action = actions.SnsAction(topic)
        self.prefix = prefix
        self.alarms: dict[str, cloudwatch.IAlarm] = {}

    def alarm(
        self,
        key: str,
        id: str,
        *,
        metric: cloudwatch.IMetric,
        threshold: float,
        text: str,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self.scope,
            id,
            alarm_name=f"{self.prefix}-{id}",
            alarm_description=describe(key, text),
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self.action)
        self.alarms[id] = alarm
        return alarm


def build_alarms(
    scope: Construct,
    *,
    sources: Sources,
    thresholds: MonitoringThresholds,
    topic: sns.ITopic,
    prefix: str,
) -> AlarmSet:
    """Every alarm whose source is present, publishing to ``topic``."""
    b = _Builder(scope, topic, prefix)
    t = thresholds
    pm = sources.pm
    api = sources.inference_api
    aliases = sources.aliases
    if api is not None:
        b.alarm(
            "gateway-5xx",
            "GatewayServerErrorRate",
            metric=cloudwatch.MathExpression(
                expression="IF(requests > 0, 100 * errors / requests, 0)",
                using_metrics={
                    "errors": api.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
                    "requests": api.metric_count(period=FIVE_MINUTES, statistic="SampleCount"),
                },
                label="5xx %",
                period=FIVE_MINUTES,
            ),
            threshold=t.server_error_rate_percent,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            text=(
                f"More than {t.server_error_rate_percent:g} % of the inference API's requests "
                "answered 5xx in 2 of 3 five-minute periods."
            ),
        )
        for alias in aliases:
            target = t.latency_target_for(alias)
            b.alarm(
                "model-latency",
                f"ModelLatencyP99-{alias}",
                metric=sources.model_metric(pm.LATENCY, alias, statistic="p99"),
                threshold=target,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=3,
                text=(
                    f"Model alias {alias}: p99 model latency above its {target:g} ms target for "
                    "15 minutes."
                ),
            )
        b.alarm(
            "breaker-open",
            "BreakerOpen",
            metric=_sum([sources.model_metric(pm.BREAKER_OPENS, a) for a in aliases], "opens"),
            threshold=t.breaker_opens_threshold,
            text=(
                f"The gateway's circuit breaker opened {t.breaker_opens_threshold:g}+ times in "
                "five minutes (any model alias)."
            ),
        )
        b.alarm(
            "fallbacks",
            "FallbacksSustained",
            metric=_sum([sources.model_metric(pm.FALLBACKS, a) for a in aliases], "fallbacks"),
            threshold=t.fallbacks_threshold,
            evaluation_periods=3,
            text=(
                f"{t.fallbacks_threshold:g}+ requests a five-minute period fell back to another "
                "model, for 15 minutes."
            ),
        )
        b.alarm(
            "feedback-down",
            "FeedbackDownRate",
            metric=cloudwatch.MathExpression(
                expression=(
                    f"IF(FILL(up, 0) + FILL(down, 0) >= {t.feedback_min_ratings}, "
                    "100 * FILL(down, 0) / (FILL(up, 0) + FILL(down, 0)), 0)"
                ),
                using_metrics={
                    "up": sources.rating_metric("up"),
                    "down": sources.rating_metric("down"),
                },
                label="down-rate %",
                period=cdk.Duration.hours(1),
            ),
            threshold=t.feedback_down_rate_percent,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            text=(
                f"More than {t.feedback_down_rate_percent:g} % of the last hour's feedback was "
                f"thumbs-down (at least {t.feedback_min_ratings} ratings)."
            ),
        )
        b.alarm(
            "lambda-throttles",
            "LambdaThrottles",
            metric=_sum(
                [
                    f.metric_throttles(period=FIVE_MINUTES, statistic="Sum")
                    for f in (api.invoke_function, api.feedback_function)
                ],
                "throttles",
            ),
            threshold=t.lambda_throttles_threshold,
            text=(
                f"{t.lambda_throttles_threshold:g}+ invocations of the gateway's functions were "
                "throttled in five minutes."
            ),
        )
    if sources.guardrail is not None:
        _guardrail_jump(scope, sources, t, topic, prefix, b)
    waking = [
        e.metric_no_capacity_invocation_failures(period=FIVE_MINUTES)
        for e in sources.endpoints.values()
        if e.mode is EndpointMode.REAL_TIME and e.inference_component_name is not None
    ]
    if waking:
        b.alarm(
            "wake-up",
            "EndpointWakeUpFailures",
            metric=_sum(waking, "no capacity"),
            threshold=t.wake_up_failures_threshold,
            evaluation_periods=4,
            text=(
                "Requests kept failing for lack of capacity (NoCapacityInvocationFailures) for "
                "20 minutes: a self-hosted endpoint scaled to zero is not waking up."
            ),
        )
    if sources.knowledge_bases:
        b.alarm(
            "ingestion",
            "IngestionFailures",
            metric=_sum(
                [
                    sources.ingestion_metric(name, kb)
                    for kb in sources.knowledge_bases
                    for name in (INGESTION_JOBS_FAILED, INGESTION_DOCUMENTS_FAILED)
                ],
                "failures",
            ),
            threshold=t.ingestion_failures_threshold,
            text=(
                f"{t.ingestion_failures_threshold:g}+ ingestion jobs or documents failed in five "
                "minutes."
            ),
        )
    return AlarmSet(alarms=b.alarms)


def _guardrail_jump(
    scope: Construct,
    sources: Sources,
    t: MonitoringThresholds,
    topic: sns.ITopic,
    prefix: str,
    b: _Builder,
) -> None:
    """An anomaly-detection alarm on the guardrail's intervention rate: fires when the rate
    leaves the band CloudWatch learned from its history (``ANOMALY_DETECTION_BAND`` over a
    metric math expression: CloudWatch user guide, "Create a CloudWatch alarm based on anomaly
    detection"). Written as ``AWS::CloudWatch::Alarm`` directly: the L2 ``Alarm`` has no
    threshold metric id."""
    guardrail = sources.guardrail
    assert guardrail is not None
    period = 900
    metrics = []
    for id, metric in (
        ("intervened", guardrail.metric_interventions()),
        ("invocations", guardrail.metric_invocations()),
    ):
        config = metric.to_metric_config().metric_stat
        assert config is not None
        metrics.append(
            cloudwatch.CfnAlarm.MetricDataQueryProperty(
                id=id,
                return_data=False,
                metric_stat=cloudwatch.CfnAlarm.MetricStatProperty(
                    metric=cloudwatch.CfnAlarm.MetricProperty(
                        namespace=config.namespace,
                        metric_name=config.metric_name,
                        dimensions=[
                            cloudwatch.CfnAlarm.DimensionProperty(name=d.name, value=d.value)
                            for d in config.dimensions or []
                        ],
                    ),
                    period=period,
                    stat="Sum",
                ),
            )
        )
    metrics += [
        cloudwatch.CfnAlarm.MetricDataQueryProperty(
            id="rate",
            expression="IF(invocations > 0, 100 * intervened / invocations, 0)",
            label="intervention rate %",
            return_data=True,
        ),
        cloudwatch.CfnAlarm.MetricDataQueryProperty(
            id="band",
            expression=f"ANOMALY_DETECTION_BAND(rate, {t.guardrail_intervention_band_width:g})",
            label="expected range",
            return_data=True,
        ),
    ]
    name = "GuardrailInterventionRateJump"
    alarm = cloudwatch.CfnAlarm(
        scope,
        name,
        alarm_name=f"{prefix}-{name}",
        alarm_description=describe(
            "guardrail-jump",
            "The guardrail's intervention rate rose above the band learned from its history "
            f"({t.guardrail_intervention_band_width:g} standard deviations) for 30 minutes.",
        ),
        comparison_operator="GreaterThanUpperThreshold",
        evaluation_periods=2,
        threshold_metric_id="band",
        metrics=metrics,
        treat_missing_data="notBreaching",
        actions_enabled=True,
        alarm_actions=[topic.topic_arn],
    )
    b.alarms[name] = cloudwatch.Alarm.from_alarm_arn(scope, f"{name}Ref", alarm.attr_arn)
