"""The platform's own CloudWatch metrics: names, namespace and dimensions (stdlib only).

The one contract between the handlers that emit these metrics (as embedded metric format)
and the library that draws and alarms on them: the gateway (``gw_metrics``), the feedback
function (``feedback_app``) and ``genai_platform.constructs.monitoring`` all read the names
from here, so a dashboard cannot query a metric no handler writes. The module imports nothing
but the standard library: it ships in the gateway's shared layer and the library loads it by
file path (the handler folders are not an importable package).

Gateway metrics carry ``Tenant``, ``Feature`` and ``Model`` (:data:`GATEWAY_DIMENSIONS`);
retrieval metrics ``Tenant`` and ``KnowledgeBase`` (:data:`RETRIEVAL_DIMENSIONS`); the
feedback metric ``Tenant``, ``Model`` and ``Rating`` (:data:`FEEDBACK_DIMENSIONS`, rating
``up`` or ``down``).
"""

from __future__ import annotations

__all__ = [
    "BREAKER_OPENS",
    "CHUNKS_RETURNED",
    "COST_USD",
    "EMPTY_RETRIEVALS",
    "ERRORS",
    "FALLBACKS",
    "FEEDBACK",
    "FEEDBACK_DIMENSIONS",
    "GATEWAY_DIMENSIONS",
    "GATEWAY_METRICS",
    "GROUNDING_INTERVENTIONS",
    "GUARDRAIL_INTERVENTIONS",
    "INPUT_TOKENS",
    "LATENCY",
    "METRICS_NAMESPACE",
    "MODEL_DIMENSIONS",
    "OUTPUT_TOKENS",
    "QUOTA_REJECTIONS",
    "RATINGS",
    "RATING_DIMENSIONS",
    "REQUESTS",
    "RETRIEVALS",
    "RETRIEVAL_DIMENSIONS",
    "RETRIEVAL_METRICS",
    "RETRIEVAL_TOP_SCORE",
    "THROTTLES",
]

#: The CloudWatch namespace of every platform metric (Powertools' ``POWERTOOLS_METRICS_NAMESPACE``).
METRICS_NAMESPACE = "GenAiPlatform"

# ------------------------------------------------------------------ gateway (Tenant/Feature/Model)
INPUT_TOKENS = "InputTokens"
OUTPUT_TOKENS = "OutputTokens"
#: model call latency in milliseconds, under the model alias that served
LATENCY = "Latency"
GUARDRAIL_INTERVENTIONS = "GuardrailInterventions"
THROTTLES = "Throttles"
QUOTA_REJECTIONS = "QuotaRejections"
BREAKER_OPENS = "BreakerOpens"
#: recorded under the model alias that could not serve
FALLBACKS = "Fallbacks"
#: chat requests whatever their outcome
REQUESTS = "Requests"
#: 5xx answers, except the kill switch's deliberate 503
ERRORS = "Errors"
#: the request's cost in US dollars from the package's price table
COST_USD = "CostUSD"
#: answers the guardrail's contextual grounding check blocked
GROUNDING_INTERVENTIONS = "GroundingInterventions"
GATEWAY_DIMENSIONS = ("Tenant", "Feature", "Model")
#: every gateway metric is also written under ``Model`` alone: percentiles do not add up across
#: series, so a per-model p99 (and the latency objective's percentile rank) needs one series
#: per model, and alarms cannot search (they name each metric)
MODEL_DIMENSIONS = ("Model",)
GATEWAY_METRICS = (
    INPUT_TOKENS,
    OUTPUT_TOKENS,
    LATENCY,
    GUARDRAIL_INTERVENTIONS,
    THROTTLES,
    QUOTA_REJECTIONS,
    BREAKER_OPENS,
    FALLBACKS,
    REQUESTS,
    ERRORS,
    COST_USD,
    GROUNDING_INTERVENTIONS,
)

# ---------------------------------------------------------- retrieval (Tenant/KnowledgeBase)
RETRIEVALS = "Retrievals"
EMPTY_RETRIEVALS = "EmptyRetrievals"
RETRIEVAL_TOP_SCORE = "RetrievalTopScore"
CHUNKS_RETURNED = "ChunksReturned"
#: the dimension set of the retrieval metrics (the ``KnowledgeBase`` value is its alias)
RETRIEVAL_DIMENSIONS = ("Tenant", "KnowledgeBase")
RETRIEVAL_METRICS = (RETRIEVALS, EMPTY_RETRIEVALS, RETRIEVAL_TOP_SCORE, CHUNKS_RETURNED)

# ------------------------------------------------------------------ feedback (Tenant/Model/Rating)
#: one data point per stored rating of a response
FEEDBACK = "Feedback"
#: ``Model`` is the alias that served the rated response (``unknown`` for ids issued before
#: response ids carried it)
FEEDBACK_DIMENSIONS = ("Tenant", "Model", "Rating")
#: the feedback metric is also written under ``Rating`` alone (the platform's down-rate alarm)
RATING_DIMENSIONS = ("Rating",)
RATINGS = ("up", "down")
