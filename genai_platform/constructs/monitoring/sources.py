"""What the monitoring watches, and the metrics it reads from each source.

Platform metrics (namespace ``GenAiPlatform``) are built here from the handlers' constants
(:mod:`.contract`); AWS service metrics come from the constructs' own ``metric_*`` methods.
Dashboard panels over dimensions the handlers add per request (tenant, feature) use CloudWatch
``SEARCH`` expressions summed per value; alarms name one series each (``Model`` or ``Rating``
alone, written by the handlers for that purpose).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch

from genai_platform.constructs.monitoring.contract import INGESTION_DIMENSIONS, platform_metrics

if TYPE_CHECKING:
    from genai_platform.constructs.guardrail import Guardrail
    from genai_platform.constructs.inference_endpoint import InferenceEndpoint
    from genai_platform.constructs.model_catalog import ModelCatalog
    from genai_platform.patterns.guarded_inference_api import GuardedInferenceApi

FIVE_MINUTES = cdk.Duration.minutes(5)
ONE_HOUR = cdk.Duration.hours(1)


@dataclass(frozen=True)
class Sources:
    """The constructs watched; any may be absent (its sections and alarms are left out)."""

    inference_api: GuardedInferenceApi | None
    model_catalog: ModelCatalog | None
    guardrail: Guardrail | None
    endpoints: Mapping[str, InferenceEndpoint]
    knowledge_bases: Sequence[str]

    @property
    def pm(self) -> ModuleType:
        return platform_metrics()

    @property
    def aliases(self) -> tuple[str, ...]:
        api = self.inference_api
        return api.model_aliases if api is not None else ()

    # ------------------------------------------------------------------ platform metrics

    def model_metric(
        self,
        name: str,
        alias: str,
        *,
        statistic: str = "Sum",
        period: cdk.Duration = FIVE_MINUTES,
    ) -> cloudwatch.Metric:
        """Gateway metric ``name`` of one model alias, over every tenant and feature."""
        (dimension,) = self.pm.MODEL_DIMENSIONS
        return cloudwatch.Metric(
            namespace=self.pm.METRICS_NAMESPACE,
            metric_name=name,
            dimensions_map={dimension: alias},
            statistic=statistic,
            period=period,
            label=f"{alias} {statistic}",
        )

    def rating_metric(self, rating: str, *, period: cdk.Duration = ONE_HOUR) -> cloudwatch.Metric:
        """``Feedback`` of one rating over every tenant and model."""
        (dimension,) = self.pm.RATING_DIMENSIONS
        return cloudwatch.Metric(
            namespace=self.pm.METRICS_NAMESPACE,
            metric_name=self.pm.FEEDBACK,
            dimensions_map={dimension: rating},
            statistic="Sum",
            period=period,
            label=rating,
        )

    def ingestion_metric(self, name: str, knowledge_base: str) -> cloudwatch.Metric:
        """Ingestion metric ``name`` of one knowledge base (alias)."""
        (dimension,) = INGESTION_DIMENSIONS
        return cloudwatch.Metric(
            namespace=self.pm.METRICS_NAMESPACE,
            metric_name=name,
            dimensions_map={dimension: knowledge_base},
            statistic="Sum",
            period=FIVE_MINUTES,
            label=knowledge_base,
        )

    def search_sum(
        self,
        name: str,
        dimensions: Sequence[str],
        *,
        label: str,
        where: Mapping[str, str] | None = None,
        statistic: str = "Sum",
        period: cdk.Duration = FIVE_MINUTES,
        total: bool = True,
    ) -> cloudwatch.MathExpression:
        """A dashboard expression: metric ``name`` of the platform namespace over the exact
        dimension set ``dimensions``, filtered by ``where``, summed into one line (or one line
        per series with ``total=False``)."""
        schema = ",".join([self.pm.METRICS_NAMESPACE, *sorted(dimensions)])
        filters = "".join(f' {k}="{v}"' for k, v in (where or {}).items())
        search = (
            f"SEARCH('{{{schema}}} MetricName=\"{name}\"{filters}', "
            f"'{statistic}', {int(period.to_seconds())})"
        )
        return cloudwatch.MathExpression(
            expression=f"SUM({search})" if total else search,
            using_metrics={},
            label=label,
            period=period,
        )

    def gateway_sum(
        self, name: str, *, by: str, value: str, period: cdk.Duration = FIVE_MINUTES
    ) -> cloudwatch.MathExpression:
        """Gateway metric ``name`` summed over every series whose ``by`` dimension is ``value``."""
        return self.search_sum(
            name, self.pm.GATEWAY_DIMENSIONS, label=value, where={by: value}, period=period
        )
