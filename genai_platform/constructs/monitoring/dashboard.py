"""The platform dashboard: one section per concern, built with cdk-monitoring-constructs.

The facade's ``monitor_*`` methods draw the AWS resources it knows (the REST API, the Lambda
functions, the DynamoDB tables); custom metric groups draw the platform's own metrics and the
AWS metrics it has no monitor for (Bedrock, guardrails, SageMaker inference components, WAF);
one plain CloudWatch Logs Insights widget shows the kill switch, which has no metric.

Sections (a header each; a section whose source is absent is left out):

- **Gateway**: requests, errors and latency p50/p90/p99 per model alias; input and output
  tokens per tenant and per feature; cost per tenant; quota rejections and throttles; breaker
  opens and fallbacks per model; the kill switch's refusals.
- **Bedrock**: invocations, latency, throttles, client/server errors and tokens per model id
  (``AWS/Bedrock``); guardrail interventions by policy type (``AWS/Bedrock/Guardrails``).
- **Self-hosted endpoints**: per endpoint (inference component): model and overhead latency,
  invocations, errors, copy count, ``NoCapacityInvocationFailures`` (wake-ups), and GPU
  utilization on GPU instances (``/aws/sagemaker/InferenceComponents``
  ``GPUUtilizationNormalized``; nothing comparable is drawn for Inferentia2, for which no
  per-component accelerator metric could be confirmed in the SageMaker documentation).
- **Retrieval**: retrievals, empty retrievals, top score and chunks per knowledge base and
  tenant; ingestion jobs and failures per knowledge base.
- **Quality**: feedback up/down per model alias, the down-rate over time, grounding
  interventions per model.
- **Edge and plumbing**: the API stage (4xx/5xx, latency), WAF blocked requests, the Lambda
  functions and the DynamoDB tables.
"""

from __future__ import annotations

from collections.abc import Callable

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from cdk_monitoring_constructs import CustomMetricGroup, MonitoringFacade

from genai_platform.constructs.accelerators import AcceleratorKind
from genai_platform.constructs.monitoring.contract import INGESTION_DIMENSIONS, INGESTION_METRICS
from genai_platform.constructs.monitoring.sources import FIVE_MINUTES, Sources

__all__ = ["GUARDRAIL_POLICY_TYPES", "SECTIONS", "build_dashboard"]

#: Section headers, in dashboard order.
SECTIONS = (
    "Gateway",
    "Bedrock",
    "Self-hosted endpoints",
    "Retrieval",
    "Quality",
    "Edge and plumbing",
)
#: ``GuardrailPolicyType`` values Bedrock publishes ``InvocationsIntervened`` under (Amazon
#: Bedrock user guide, "Monitor Amazon Bedrock Guardrails using CloudWatch metrics").
GUARDRAIL_POLICY_TYPES = (
    "ContentPolicy",
    "TopicPolicy",
    "WordPolicy",
    "SensitiveInformationPolicy",
    "ContextualGroundingPolicy",
)
_PERCENTILES = ("p50", "p90", "p99")
_HOUR = cdk.Duration.hours(1)


def build_dashboard(facade: MonitoringFacade, sources: Sources) -> None:
    """Add every section whose source is present to ``facade``'s dashboard."""
    sections: dict[str, Callable[[MonitoringFacade, Sources], bool]] = {
        "Gateway": _gateway,
        "Bedrock": _bedrock,
        "Self-hosted endpoints": _endpoints,
        "Retrieval": _retrieval,
        "Quality": _quality,
        "Edge and plumbing": _edge,
    }
    for title in SECTIONS:
        if _present(title, sources):
            facade.add_large_header(title)
            sections[title](facade, sources)


def _present(title: str, s: Sources) -> bool:
    if title in ("Gateway", "Quality", "Edge and plumbing"):
        return s.inference_api is not None
    if title == "Bedrock":
        return s.model_catalog is not None or s.guardrail is not None
    if title == "Self-hosted endpoints":
        return bool(s.endpoints)
    return s.inference_api is not None or bool(s.knowledge_bases)


def _group(title: str, metrics: list[cloudwatch.IMetric], **kwargs: object) -> CustomMetricGroup:
    return CustomMetricGroup(title=title, metrics=metrics, **kwargs)  # type: ignore[arg-type]


def _gateway(facade: MonitoringFacade, s: Sources) -> bool:
    api = s.inference_api
    assert api is not None
    pm = s.pm
    aliases = s.aliases
    features = (*api.features, "none", "other")
    facade.monitor_custom(
        human_readable_name="Gateway: per model alias",
        alarm_friendly_name="GatewayModels",
        metric_groups=[
            _group("Requests per model", [s.model_metric(pm.REQUESTS, a) for a in aliases]),
            _group("Errors (5xx) per model", [s.model_metric(pm.ERRORS, a) for a in aliases]),
            _group(
                "Model latency p50/p90/p99 per model (ms)",
                [s.model_metric(pm.LATENCY, a, statistic=p) for a in aliases for p in _PERCENTILES],
            ),
            _group(
                "Breaker opens per model",
                [s.model_metric(pm.BREAKER_OPENS, a) for a in aliases],
            ),
            _group("Fallbacks per model", [s.model_metric(pm.FALLBACKS, a) for a in aliases]),
        ],
    )
    facade.monitor_custom(
        human_readable_name="Gateway: per tenant and feature",
        alarm_friendly_name="GatewayTenants",
        metric_groups=[
            _group(
                "Input tokens per tenant",
                [s.gateway_sum(pm.INPUT_TOKENS, by="Tenant", value=t) for t in api.tenant_ids],
            ),
            _group(
                "Output tokens per tenant",
                [s.gateway_sum(pm.OUTPUT_TOKENS, by="Tenant", value=t) for t in api.tenant_ids],
            ),
            _group(
                "Input tokens per feature",
                [s.gateway_sum(pm.INPUT_TOKENS, by="Feature", value=f) for f in features],
            ),
            _group(
                "Output tokens per feature",
                [s.gateway_sum(pm.OUTPUT_TOKENS, by="Feature", value=f) for f in features],
            ),
            _group(
                "Cost per tenant (USD)",
                [
                    s.gateway_sum(pm.COST_USD, by="Tenant", value=t, period=_HOUR)
                    for t in api.tenant_ids
                ],
            ),
            _group(
                "Quota rejections and throttles",
                [
                    s.search_sum(name, pm.GATEWAY_DIMENSIONS, label=name)
                    for name in (pm.QUOTA_REJECTIONS, pm.THROTTLES)
                ],
            ),
        ],
    )
    facade.add_widget(
        cloudwatch.LogQueryWidget(
            title="Kill switch: requests refused (ServiceDisabled)",
            log_group_names=[_log_group_name(api.invoke_function)],
            query_lines=[
                "fields @timestamp",
                'filter error_code = "ServiceDisabled"',
                "stats count() as refused by bin(5m)",
            ],
            view=cloudwatch.LogQueryVisualizationType.BAR,
            width=24,
            height=6,
        )
    )
    return True


def _log_group_name(function: lambda_.IFunction) -> str:
    """The function's log group (its own, when it was given one; else Lambda's default)."""
    if isinstance(function, lambda_.Function):
        return function.log_group.log_group_name
    return f"/aws/lambda/{function.function_name}"


def _bedrock(facade: MonitoringFacade, s: Sources) -> bool:
    groups: list[CustomMetricGroup] = []
    catalog = s.model_catalog
    if catalog is not None:
        models = catalog.text_models
        five = {"period": FIVE_MINUTES}
        for title, metric in (
            ("Bedrock invocations per model", catalog.metric_invocations),
            ("Bedrock throttles per model", catalog.metric_invocation_throttles),
            ("Bedrock client errors per model", catalog.metric_invocation_client_errors),
            ("Bedrock server errors per model", catalog.metric_invocation_server_errors),
            ("Bedrock input tokens per model", catalog.metric_input_token_count),
            ("Bedrock output tokens per model", catalog.metric_output_token_count),
        ):
            groups.append(_group(title, [metric(m, label=m, **five) for m in models]))
        groups.append(
            _group(
                "Bedrock invocation latency p99 per model (ms)",
                [
                    catalog.metric_invocation_latency(m, statistic="p99", label=m, **five)
                    for m in models
                ],
            )
        )
    guardrail = s.guardrail
    if guardrail is not None:
        groups.append(
            _group(
                "Guardrail interventions by policy type",
                [
                    guardrail.metric(
                        "InvocationsIntervened",
                        dimensions_map={"GuardrailPolicyType": policy},
                        label=policy,
                    )
                    for policy in GUARDRAIL_POLICY_TYPES
                ],
            )
        )
        groups.append(
            _group(
                "Guardrail invocations and interventions",
                [guardrail.metric_invocations(), guardrail.metric_interventions()],
            )
        )
    facade.monitor_custom(
        human_readable_name="Bedrock and guardrail",
        alarm_friendly_name="Bedrock",
        metric_groups=groups,
    )
    return True


def _endpoints(facade: MonitoringFacade, s: Sources) -> bool:
    for name, endpoint in s.endpoints.items():
        groups = [
            _group(
                "Model and overhead latency p99 (µs)",
                [
                    endpoint.metric("ModelLatency", statistic="p99", period=FIVE_MINUTES),
                    endpoint.metric("OverheadLatency", statistic="p99", period=FIVE_MINUTES),
                ],
            ),
            _group(
                "Invocations and errors",
                [
                    endpoint.metric_invocations(period=FIVE_MINUTES),
                    endpoint.metric_invocation_4xx_errors(period=FIVE_MINUTES),
                    endpoint.metric_invocation_5xx_errors(period=FIVE_MINUTES),
                ],
            ),
        ]
        component = endpoint.inference_component_name
        if component is not None:
            groups.append(
                _group(
                    "Copies and wake-ups (NoCapacityInvocationFailures)",
                    [
                        endpoint.metric("CopyCount", statistic="Maximum", period=FIVE_MINUTES),
                        endpoint.metric_no_capacity_invocation_failures(period=FIVE_MINUTES),
                    ],
                )
            )
            if endpoint.instance_spec.kind is AcceleratorKind.CUDA:
                groups.append(
                    _group(
                        "GPU utilization (normalized, %)",
                        [
                            cloudwatch.Metric(
                                namespace="/aws/sagemaker/InferenceComponents",
                                metric_name="GPUUtilizationNormalized",
                                dimensions_map={"InferenceComponentName": component},
                                statistic="Average",
                                period=FIVE_MINUTES,
                            )
                        ],
                    )
                )
        facade.monitor_custom(
            human_readable_name=f"Endpoint {name}",
            alarm_friendly_name=f"Endpoint{name}",
            metric_groups=groups,
        )
    return True


def _retrieval(facade: MonitoringFacade, s: Sources) -> bool:
    pm = s.pm
    groups = [
        _group(
            title,
            [
                s.search_sum(
                    name,
                    pm.RETRIEVAL_DIMENSIONS,
                    label=name,
                    statistic=statistic,
                    total=False,
                )
            ],
        )
        for title, name, statistic in (
            ("Retrievals per knowledge base and tenant", pm.RETRIEVALS, "Sum"),
            ("Empty retrievals per knowledge base and tenant", pm.EMPTY_RETRIEVALS, "Sum"),
            (
                "Top score (average) per knowledge base and tenant",
                pm.RETRIEVAL_TOP_SCORE,
                "Average",
            ),
            ("Chunks returned (average)", pm.CHUNKS_RETURNED, "Average"),
        )
    ]
    groups.append(
        _group(
            "Ingestion jobs and failures per knowledge base",
            [
                s.search_sum(name, INGESTION_DIMENSIONS, label=name, total=False)
                for name in INGESTION_METRICS
            ],
        )
    )
    facade.monitor_custom(
        human_readable_name="Retrieval", alarm_friendly_name="Retrieval", metric_groups=groups
    )
    return True


def _quality(facade: MonitoringFacade, s: Sources) -> bool:
    pm = s.pm
    aliases = s.aliases
    up, down = s.rating_metric("up"), s.rating_metric("down")
    facade.monitor_custom(
        human_readable_name="Quality",
        alarm_friendly_name="Quality",
        metric_groups=[
            _group(
                "Feedback up/down per model",
                [
                    s.search_sum(
                        pm.FEEDBACK,
                        pm.FEEDBACK_DIMENSIONS,
                        label=f"{alias} {rating}",
                        where={"Model": alias, "Rating": rating},
                        period=_HOUR,
                    )
                    for alias in aliases
                    for rating in pm.RATINGS
                ],
            ),
            _group(
                "Feedback down-rate (%)",
                [
                    cloudwatch.MathExpression(
                        expression="100 * down / (up + down)",
                        using_metrics={"up": up, "down": down},
                        label="down-rate %",
                        period=_HOUR,
                    )
                ],
            ),
            _group(
                "Grounding interventions per model",
                [s.model_metric(pm.GROUNDING_INTERVENTIONS, a) for a in aliases],
            ),
        ],
    )
    return True


def _edge(facade: MonitoringFacade, s: Sources) -> bool:
    api = s.inference_api
    assert api is not None
    facade.monitor_api_gateway(
        api=api.api,
        api_stage=api.stage_name,
        human_readable_name="Inference API stage",
        alarm_friendly_name="InferenceApi",
    )
    facade.monitor_custom(
        human_readable_name="Web ACL",
        alarm_friendly_name="WebAcl",
        metric_groups=[_group("WAF blocked requests", [api.metric_blocked_requests()])],
    )
    for label, function in (("invoke", api.invoke_function), ("feedback", api.feedback_function)):
        facade.monitor_lambda_function(
            lambda_function=function,
            human_readable_name=f"Lambda: {label}",
            alarm_friendly_name=f"Lambda{label.title()}",
        )
    for label, table in (("quota", api.quota_table), ("feedback", api.feedback_table)):
        facade.monitor_dynamo_table(
            table=table,
            human_readable_name=f"DynamoDB: {label}",
            alarm_friendly_name=f"Table{label.title()}",
        )
    return True
