"""The guarded inference API's ``metric_*`` methods: API Gateway's metrics of the stage and
WAF's blocked requests (a mixin of :class:`GuardedInferenceApi`)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct


class _ApiMetrics(Construct):
    """CloudWatch metrics of the API's stage and web ACL, named after API Gateway's and WAF's
    own metrics (the base of :class:`GuardedInferenceApi`, which sets these attributes)."""

    _stack: cdk.Stack
    _api: apigateway.RestApi
    _web_acl_name: str

    # ------------------------------------------------------------------ metrics

    def metric_count(self, **props: Any) -> cloudwatch.Metric:
        """API Gateway ``Count`` of the stage. Default: Sum over 5 minutes."""
        return self._api.deployment_stage.metric_count(**props)

    def metric_latency(self, **props: Any) -> cloudwatch.Metric:
        """API Gateway ``Latency`` of the stage (ms). Default: Average over 5 minutes."""
        return self._api.deployment_stage.metric_latency(**props)

    def metric_integration_latency(self, **props: Any) -> cloudwatch.Metric:
        """API Gateway ``IntegrationLatency`` of the stage (ms). Default: Average."""
        return self._api.deployment_stage.metric_integration_latency(**props)

    def metric_client_error(self, **props: Any) -> cloudwatch.Metric:
        """API Gateway ``4XXError`` of the stage. Default: Sum over 5 minutes."""
        return self._api.deployment_stage.metric_client_error(**props)

    def metric_server_error(self, **props: Any) -> cloudwatch.Metric:
        """API Gateway ``5XXError`` of the stage. Default: Sum over 5 minutes."""
        return self._api.deployment_stage.metric_server_error(**props)

    def metric_blocked_requests(self, **props: Any) -> cloudwatch.Metric:
        """WAF ``BlockedRequests`` of the web ACL. Default: Sum over 5 minutes."""
        return cloudwatch.Metric(
            namespace="AWS/WAFV2",
            metric_name="BlockedRequests",
            dimensions_map={
                "WebACL": self._web_acl_name,
                "Region": self._stack.region,
                "Rule": "ALL",
            },
            **{"statistic": "Sum", **props},
        )
