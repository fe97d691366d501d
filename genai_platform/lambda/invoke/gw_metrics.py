"""The gateway's CloudWatch metrics (embedded metric format, namespace ``GenAiPlatform``).

Every metric carries exactly three dimensions, ``Tenant``, ``Feature`` and ``Model``, with
bounded cardinality: tenants and model aliases come from the configuration (``unknown`` /
``none`` / ``other`` otherwise) and feature tags outside the configured list fold into
``other``. One request can touch two models (the requested one and its fallback), so metrics
are collected per request and written as one EMF document per dimension set at the end.

``Requests`` counts chat requests whatever their outcome; ``Errors`` counts 5xx answers except
the kill switch's deliberate 503. ``Fallbacks`` is recorded under the model that could not
serve, ``InputTokens``/``OutputTokens``/``Latency`` (model call, ms) under the one that did.

Cost and retrieval (the names live in ``platform_metrics``, the contract dashboards and alarms
import):
``CostUSD`` is the request's Bedrock or endpoint cost in US dollars from the package's price
table, under the same ``Tenant``/``Feature``/``Model`` dimensions. Retrieval metrics
(``Retrievals``, ``EmptyRetrievals``, ``RetrievalTopScore``, ``ChunksReturned``) carry the
dimensions ``Tenant`` and ``KnowledgeBase`` (the knowledge base's alias);
``GroundingInterventions`` counts answers the guardrail's contextual grounding check blocked,
under ``Tenant``/``Feature``/``Model``.

Every data point is written a second time under ``Model`` alone, so that a per-model
percentile covers every tenant and feature (percentiles of separate series cannot be
combined) and alarms can name one series per model.

Powertools' default ``service`` dimension is switched off so the dimension set is exactly the
documented one that dashboards and alarms query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

# The names are the shared contract (``platform_metrics``, in the shared layer): re-exported
# here so that existing imports keep working.
from platform_metrics import (
    BREAKER_OPENS,
    CHUNKS_RETURNED,
    COST_USD,
    EMPTY_RETRIEVALS,
    ERRORS,
    FALLBACKS,
    GROUNDING_INTERVENTIONS,
    GUARDRAIL_INTERVENTIONS,
    INPUT_TOKENS,
    LATENCY,
    MODEL_DIMENSIONS,
    OUTPUT_TOKENS,
    QUOTA_REJECTIONS,
    REQUESTS,
    RETRIEVAL_DIMENSIONS,
    RETRIEVAL_TOP_SCORE,
    RETRIEVALS,
    THROTTLES,
)

__all__ = [
    "BREAKER_OPENS",
    "CHUNKS_RETURNED",
    "COST_USD",
    "EMPTY_RETRIEVALS",
    "ERRORS",
    "FALLBACKS",
    "GROUNDING_INTERVENTIONS",
    "GUARDRAIL_INTERVENTIONS",
    "INPUT_TOKENS",
    "LATENCY",
    "OUTPUT_TOKENS",
    "QUOTA_REJECTIONS",
    "REQUESTS",
    "RETRIEVALS",
    "RETRIEVAL_DIMENSIONS",
    "RETRIEVAL_TOP_SCORE",
    "THROTTLES",
    "Dimensions",
    "MetricsRecorder",
    "RetrievalDimensions",
    "emit_emf",
]

_UNITS = {LATENCY: MetricUnit.Milliseconds}


@dataclass(frozen=True)
class Dimensions:
    """``Tenant``, ``Feature`` and ``Model`` of a data point."""

    tenant: str
    feature: str
    model: str

    def as_dict(self) -> dict[str, str]:
        return {"Tenant": self.tenant, "Feature": self.feature, "Model": self.model}


@dataclass(frozen=True)
class RetrievalDimensions:
    """``Tenant`` and ``KnowledgeBase`` (the alias) of a retrieval data point."""

    tenant: str
    knowledge_base: str
    model: str | None = None  # retrieval metrics have no Model dimension

    def as_dict(self) -> dict[str, str]:
        return {"Tenant": self.tenant, "KnowledgeBase": self.knowledge_base}


@dataclass
class MetricsRecorder:
    """The data points of one request, grouped by dimension set."""

    points: dict[Dimensions | RetrievalDimensions, dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def add(self, name: str, value: float, dimensions: Dimensions | RetrievalDimensions) -> None:
        """Record ``value`` of metric ``name`` (unit: ms for ``Latency``, else Count)."""
        self.points[dimensions][name].append(float(value))

    def total(self, name: str, *, model: str | None = None) -> float:
        """Sum of ``name`` over all dimension sets (optionally one model): for tests and logs."""
        return sum(
            sum(values.get(name, []))
            for dims, values in self.points.items()
            if model is None or dims.model == model
        )


def emit_emf(recorder: MetricsRecorder, namespace: str) -> None:
    """Print one EMF document per dimension set to stdout (CloudWatch Logs extracts them),
    then one per model with the same points under ``Model`` alone (retrieval data points,
    which have no model, only under their own dimensions)."""
    by_model: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for dimensions, values in recorder.points.items():
        _flush(namespace, dimensions.as_dict(), values)
        if dimensions.model is None:
            continue  # retrieval data points have no model
        for name, points in values.items():
            by_model[dimensions.model][name].extend(points)
    (model_dimension,) = MODEL_DIMENSIONS
    for model, values in by_model.items():
        _flush(namespace, {model_dimension: model}, values)


def _flush(namespace: str, dimensions: dict[str, str], values: dict[str, list[float]]) -> None:
    metrics = EphemeralMetrics(namespace=namespace, service="")
    for key, value in dimensions.items():
        metrics.add_dimension(name=key, value=value)
    for name, points in values.items():
        for point in points:
            metrics.add_metric(name=name, unit=_UNITS.get(name, MetricUnit.Count), value=point)
    metrics.flush_metrics()
