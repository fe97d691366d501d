"""The ``metric_*`` methods shared by owned and imported guardrails."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch

from genai_platform.constructs.guardrail.props import METRICS_NAMESPACE


class _GuardrailMetrics:
    """The ``metric_*`` methods of a guardrail at one version, owned or imported."""

    @property
    def guardrail_arn(self) -> str:
        raise NotImplementedError

    @property
    def guardrail_version(self) -> str:
        raise NotImplementedError

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str | None = None,
        period: cdk.Duration | None = None,
        label: str | None = None,
        unit: cloudwatch.Unit | None = None,
        dimensions_map: Mapping[str, str] | None = None,
    ) -> cloudwatch.Metric:
        """A metric of namespace ``AWS/Bedrock/Guardrails`` for the published version.

        Dimensions GuardrailArn and GuardrailVersion, as Bedrock publishes them; entries of
        ``dimensions_map`` are added to (or replace) them, such as ``GuardrailContentSource``
        (Input / Output) or ``GuardrailPolicyType`` (ContentPolicy, TopicPolicy...). Default:
        statistic Sum over 5 minutes.
        """
        if not metric_name or not isinstance(metric_name, str):
            raise ValueError(f"metric_name: {metric_name!r} is not a metric name")
        return cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=metric_name,
            dimensions_map={
                "GuardrailArn": self.guardrail_arn,
                "GuardrailVersion": self.guardrail_version,
                **(dimensions_map or {}),
            },
            statistic=statistic or cloudwatch.Stats.SUM,
            period=period or cdk.Duration.minutes(5),
            label=label,
            unit=unit,
        )

    def metric_invocations(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocations``: requests evaluated by the guardrail. Default: Sum over 5 minutes."""
        return self.metric("Invocations", statistic=statistic, period=period)

    def metric_interventions(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``InvocationsIntervened``: requests the guardrail blocked or masked. Default: Sum."""
        return self.metric("InvocationsIntervened", statistic=statistic, period=period)

    def metric_latency(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``InvocationLatency`` in milliseconds. Default: p99 over 5 minutes."""
        return self.metric(
            "InvocationLatency",
            statistic=statistic or cloudwatch.Stats.percentile(99),
            period=period,
            unit=cloudwatch.Unit.MILLISECONDS,
        )

    def metric_text_units(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``TextUnitCount``: text units consumed by the policies (what is billed). Sum."""
        return self.metric("TextUnitCount", statistic=statistic, period=period)

    def metric_throttles(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``InvocationThrottles``: requests the service throttled. Default: Sum."""
        return self.metric("InvocationThrottles", statistic=statistic, period=period)
