"""The endpoint's ``metric_*`` methods (a mixin of :class:`InferenceEndpoint`)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from genai_platform.constructs.inference_endpoint.props import (
    VARIANT_NAME,
    EndpointMode,
    _Plan,
)


class _ModelMetrics(Construct):
    """CloudWatch metrics of a SageMaker model, owned or imported, named after SageMaker's own
    metrics; subclasses say which dimensions identify the model (:meth:`_dimensions`)."""

    def _dimensions(self) -> dict[str, str]:
        raise NotImplementedError

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str = "Average",
        period: cdk.Duration | None = None,
    ) -> cloudwatch.Metric:
        """A metric of the ``AWS/SageMaker`` namespace for this model: dimension
        ``InferenceComponentName`` (an inference component) or ``EndpointName`` +
        ``VariantName`` (``AllTraffic``) without one."""
        return cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name=metric_name,
            dimensions_map=self._dimensions(),
            statistic=statistic,
            period=period or cdk.Duration.minutes(1),
        )

    def metric_model_latency(
        self, *, statistic: str = "Average", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``ModelLatency``: time the model took to answer, in microseconds."""
        return self.metric("ModelLatency", statistic=statistic, period=period)

    def metric_invocations(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocations``: requests sent to the model."""
        return self.metric("Invocations", statistic=statistic, period=period)

    def metric_invocation_4xx_errors(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocation4XXErrors``: requests the model answered with a 4xx status."""
        return self.metric("Invocation4XXErrors", statistic=statistic, period=period)

    def metric_invocation_5xx_errors(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocation5XXErrors``: requests the model answered with a 5xx status."""
        return self.metric("Invocation5XXErrors", statistic=statistic, period=period)


class _EndpointMetrics(_ModelMetrics):
    """CloudWatch metrics of an owned endpoint, named after SageMaker's own metrics (the base
    of :class:`InferenceEndpoint`, which sets these attributes)."""

    _plan: _Plan
    _endpoint_name: str
    _inference_component_name: str | None

    def metric_no_capacity_invocation_failures(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``NoCapacityInvocationFailures``: requests refused while no copy was running
        (what wakes the endpoint). Real-time only."""
        self._require(EndpointMode.REAL_TIME, "metric_no_capacity_invocation_failures")
        return self.metric("NoCapacityInvocationFailures", statistic=statistic, period=period)

    def metric_concurrent_requests_per_copy(
        self, *, statistic: str = "Maximum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``ConcurrentRequestsPerCopy``: in-flight requests per copy (what target tracking
        follows). Real-time only."""
        self._require(EndpointMode.REAL_TIME, "metric_concurrent_requests_per_copy")
        return self.metric("ConcurrentRequestsPerCopy", statistic=statistic, period=period)

    def metric_approximate_backlog_size_per_instance(
        self, *, statistic: str = "Average", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``ApproximateBacklogSizePerInstance``: queued requests per instance. Async only."""
        self._require(EndpointMode.ASYNC, "metric_approximate_backlog_size_per_instance")
        return cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name="ApproximateBacklogSizePerInstance",
            dimensions_map={"EndpointName": self._endpoint_name},
            statistic=statistic,
            period=period or cdk.Duration.minutes(1),
        )

    def metric_has_backlog_without_capacity(
        self, *, statistic: str = "Average", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``HasBacklogWithoutCapacity``: 1 while requests wait and no instance runs (what
        wakes an async endpoint). Async only."""
        self._require(EndpointMode.ASYNC, "metric_has_backlog_without_capacity")
        return cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name="HasBacklogWithoutCapacity",
            dimensions_map={"EndpointName": self._endpoint_name},
            statistic=statistic,
            period=period or cdk.Duration.minutes(1),
        )

    def _require(self, mode: EndpointMode, method: str) -> None:
        if self._plan.mode is not mode:
            raise ValueError(
                f"{method}: {self.node.path!r} is a {self._plan.mode.value} endpoint; the "
                f"metric exists for {mode.value} endpoints only"
            )

    def _dimensions(self) -> dict[str, str]:
        if self._inference_component_name is not None:
            return {"InferenceComponentName": self._inference_component_name}
        return {"EndpointName": self._endpoint_name, "VariantName": VARIANT_NAME}
