"""Service level objectives for ``POST /v1/chat`` with multi-window burn-rate alarms.

Two objectives over a rolling 28 days, as metric-math service level indicators:

- **availability**: the share of ``POST /v1/chat`` requests not answered 5xx, from API
  Gateway's per-method metrics (``5XXError`` and ``Count`` with the ``ApiName``, ``Method``,
  ``Resource`` and ``Stage`` dimensions, published because the stage enables detailed metrics;
  Amazon API Gateway developer guide, "Amazon API Gateway dimensions and metrics"). API
  Gateway's own count includes what the gateway function cannot report itself (timeouts,
  crashes, throttling at the stage).
- **latency**, per model alias: the share of requests whose model call finished within the
  alias's target, from the gateway's ``Latency`` under ``Model`` with CloudWatch's percentile
  rank statistic ``PR(:target)`` (the percentage of data points at or below the target;
  CloudWatch user guide, "CloudWatch statistics definitions"). An objective of 99 % is
  "p99 below the target".

Why metric math and not CloudWatch Application Signals SLOs: Application Signals needs its
instrumentation (or a period-based SLI on one metric) and its SLOs report attainment but the
burn-rate alerting the SRE workbook describes still needs alarms; here both SLIs are plain
metrics the platform already publishes, the alarms are ordinary CloudWatch alarms every
account has, and the whole thing synthesizes and is tested offline.

Burn-rate alarms follow the SRE workbook's multi-window, multi-burn-rate alerts: a fast pair
(1 h long window, 5 min short window) that fires when 2 % of the 28-day error budget would be
spent in one hour, and a slow pair (6 h / 30 min) for 5 % in six hours. The workbook's factors
14.4 and 6 are those fractions for a 30-day period; for 28 days they are 13.44 and 5.6
(:func:`burn_rate`). Each window is one metric alarm on the error ratio (period = the window);
a composite alarm per objective fires, to the alert topic, when both windows of either pair
are in alarm. The window alarms themselves have no action (the composite notifies).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from genai_platform.compliance import acknowledge
from genai_platform.constructs.monitoring.alarms import describe
from genai_platform.constructs.monitoring.props import MonitoringThresholds
from genai_platform.constructs.monitoring.sources import Sources

__all__ = [
    "BURN_RATE_WINDOWS",
    "SLO_PERIOD_DAYS",
    "BurnRateWindow",
    "Slo",
    "build_slos",
    "burn_rate",
]

SLO_PERIOD_DAYS = 28
CHAT_METHOD = "POST"
CHAT_RESOURCE = "/v1/chat"


@dataclass(frozen=True)
class BurnRateWindow:
    """One alerting pair: long and short window, and the budget share it guards."""

    name: str
    long: cdk.Duration
    short: cdk.Duration
    budget_fraction: float


BURN_RATE_WINDOWS = (
    BurnRateWindow("Fast", cdk.Duration.hours(1), cdk.Duration.minutes(5), 0.02),
    BurnRateWindow("Slow", cdk.Duration.hours(6), cdk.Duration.minutes(30), 0.05),
)


def burn_rate(window: BurnRateWindow, period_days: int = SLO_PERIOD_DAYS) -> float:
    """The burn rate at which ``window.budget_fraction`` of the budget goes in ``window.long``."""
    return window.budget_fraction * period_days * 24 * 3600 / window.long.to_seconds()


@dataclass(frozen=True)
class Slo:
    """One objective's composite alarm and its window alarms (long/short per pair)."""

    name: str
    objective_percent: float
    composite: cloudwatch.CompositeAlarm
    windows: dict[str, cloudwatch.Alarm]


def build_slos(
    scope: Construct,
    *,
    sources: Sources,
    thresholds: MonitoringThresholds,
    topic: sns.ITopic,
    prefix: str,
) -> dict[str, Slo]:
    """The availability objective and one latency objective per model alias."""
    api = sources.inference_api
    if api is None:
        return {}
    t = thresholds
    slos: dict[str, Slo] = {}

    def errors_ratio(period: cdk.Duration) -> cloudwatch.MathExpression:
        dims = {
            "ApiName": api.api.rest_api_name,
            "Method": CHAT_METHOD,
            "Resource": CHAT_RESOURCE,
            "Stage": api.stage_name,
        }
        return cloudwatch.MathExpression(
            expression="IF(requests > 0, errors / requests, 0)",
            using_metrics={
                "errors": cloudwatch.Metric(
                    namespace="AWS/ApiGateway",
                    metric_name="5XXError",
                    dimensions_map=dims,
                    statistic="Sum",
                    period=period,
                ),
                "requests": cloudwatch.Metric(
                    namespace="AWS/ApiGateway",
                    metric_name="Count",
                    dimensions_map=dims,
                    statistic="SampleCount",
                    period=period,
                ),
            },
            label="5xx ratio",
            period=period,
        )

    slos["Availability"] = _slo(
        scope,
        name="Availability",
        key="slo-availability",
        what=f"{CHAT_METHOD} {CHAT_RESOURCE} availability (non-5xx)",
        objective_percent=t.availability_objective_percent,
        bad_ratio=errors_ratio,
        topic=topic,
        prefix=prefix,
    )
    pm = sources.pm
    for alias in sources.aliases:
        target = t.latency_target_for(alias)

        def slow_ratio(
            period: cdk.Duration, alias: str = alias, target: float = target
        ) -> cloudwatch.MathExpression:
            within = sources.model_metric(
                pm.LATENCY, alias, statistic=f"PR(:{target:g})", period=period
            )
            return cloudwatch.MathExpression(
                expression="(100 - within) / 100",
                using_metrics={"within": within},
                label=f"{alias} share over {target:g} ms",
                period=period,
            )

        slos[f"Latency-{alias}"] = _slo(
            scope,
            name=f"Latency-{alias}",
            key="slo-latency",
            what=f"{CHAT_METHOD} {CHAT_RESOURCE} latency of {alias} (model call within "
            f"{target:g} ms)",
            objective_percent=t.latency_objective_percent,
            bad_ratio=slow_ratio,
            topic=topic,
            prefix=prefix,
        )
    return slos


def _slo(
    scope: Construct,
    *,
    name: str,
    key: str,
    what: str,
    objective_percent: float,
    bad_ratio: Callable[[cdk.Duration], cloudwatch.IMetric],
    topic: sns.ITopic,
    prefix: str,
) -> Slo:
    budget = 1 - objective_percent / 100
    windows: dict[str, cloudwatch.Alarm] = {}
    rules = []
    for window in BURN_RATE_WINDOWS:
        rate = burn_rate(window)
        pair = []
        for length, duration in (("Long", window.long), ("Short", window.short)):
            id = f"Slo{name}{window.name}{length}"
            alarm = cloudwatch.Alarm(
                scope,
                id,
                alarm_name=f"{prefix}-{id}",
                alarm_description=(
                    f"{what}: error ratio over {duration.to_human_string()} above "
                    f"{rate:g}x the budget of a {objective_percent:g} % objective (one window "
                    "of a burn-rate pair; the SLO's composite alarm notifies)."
                ),
                metric=bad_ratio(duration),
                threshold=rate * budget,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            _acknowledge_no_action(alarm)
            windows[f"{window.name}{length}"] = alarm
            pair.append(cloudwatch.AlarmRule.from_alarm(alarm, cloudwatch.AlarmState.ALARM))
        rules.append(cloudwatch.AlarmRule.all_of(*pair))
    composite = cloudwatch.CompositeAlarm(
        scope,
        f"Slo{name}BurnRate",
        composite_alarm_name=f"{prefix}-Slo{name}BurnRate",
        alarm_description=describe(
            key,
            f"{what}, objective {objective_percent:g} % over {SLO_PERIOD_DAYS} days: the error "
            "budget burns too fast (fast pair 1 h/5 min or slow pair 6 h/30 min).",
        ),
        alarm_rule=cloudwatch.AlarmRule.any_of(*rules),
    )
    composite.add_alarm_action(actions.SnsAction(topic))
    return Slo(name, objective_percent, composite, windows)


def _acknowledge_no_action(alarm: cloudwatch.Alarm) -> None:
    resource = alarm.node.default_child
    assert resource is not None
    for pack in ("NIST.800.53.R5", "HIPAA.Security"):
        acknowledge(
            resource,
            f"{pack}-CloudWatchAlarmAction",
            "One window of a burn-rate pair: the objective's composite alarm combines both "
            "windows and notifies the alert topic; a window alone would page on noise.",
        )
