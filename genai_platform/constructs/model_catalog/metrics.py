"""The catalogue's ``metric_*`` methods (a mixin of :class:`ModelCatalog`): Bedrock runtime
metrics of one approved model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct


class _CatalogMetrics(Construct):
    """CloudWatch metrics of the approved models (namespace ``AWS/Bedrock``, dimension
    ``ModelId``); :class:`ModelCatalog` says which id an alias stands for (``resolve``)."""

    if TYPE_CHECKING:

        def resolve(self, alias_or_id: str | None = None) -> str: ...

    def metric(
        self, metric_name: str, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """A Bedrock runtime metric (namespace ``AWS/Bedrock``) of one approved model.

        The ``ModelId`` dimension is the approved id as invoked (the profile id for an
        inference profile). ``props`` are :class:`aws_cdk.aws_cloudwatch.MetricOptions`
        (``period``, ``statistic``, ``label``...). Default: 5-minute periods, Average.
        """
        return cloudwatch.Metric(
            namespace="AWS/Bedrock",
            metric_name=metric_name,
            dimensions_map={"ModelId": self.resolve(alias_or_id)},
            **props,
        )

    def metric_invocations(self, alias_or_id: str | None = None, **props: Any) -> cloudwatch.Metric:
        """``Invocations``: requests Bedrock accepted for the model. Default: Sum over 5 minutes."""
        return self.metric("Invocations", alias_or_id, **{"statistic": "Sum", **props})

    def metric_invocation_latency(
        self, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """``InvocationLatency`` in milliseconds, to the last token. Default: Average."""
        return self.metric("InvocationLatency", alias_or_id, **{"statistic": "Average", **props})

    def metric_invocation_client_errors(
        self, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """``InvocationClientErrors``. Default: Sum over 5 minutes."""
        return self.metric("InvocationClientErrors", alias_or_id, **{"statistic": "Sum", **props})

    def metric_invocation_server_errors(
        self, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """``InvocationServerErrors``. Default: Sum over 5 minutes."""
        return self.metric("InvocationServerErrors", alias_or_id, **{"statistic": "Sum", **props})

    def metric_invocation_throttles(
        self, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """``InvocationThrottles``. Default: Sum over 5 minutes."""
        return self.metric("InvocationThrottles", alias_or_id, **{"statistic": "Sum", **props})

    def metric_input_token_count(
        self, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """``InputTokenCount``. Default: Sum over 5 minutes."""
        return self.metric("InputTokenCount", alias_or_id, **{"statistic": "Sum", **props})

    def metric_output_token_count(
        self, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """``OutputTokenCount``. Default: Sum over 5 minutes."""
        return self.metric("OutputTokenCount", alias_or_id, **{"statistic": "Sum", **props})
