"""The guarded inference API's attributes: what it built (the API and its stage, functions,
tables, keys, secrets, routing config), the routes' ARNs and ``grant_invoke`` (a mixin of
:class:`GuardedInferenceApi`)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2

from genai_platform.constructs.grants import managed_policy_grantee
from genai_platform.patterns.guarded_inference_api.identity_keys import IssuerKeySets
from genai_platform.patterns.guarded_inference_api.metrics import _ApiMetrics
from genai_platform.patterns.guarded_inference_api.profiles import TenantProfiles
from genai_platform.patterns.guarded_inference_api.props import (
    ROUTES,
    gateway_route_arns,
)
from genai_platform.patterns.guarded_inference_api.props import api_key_secret_name as _secret_name
from genai_platform.patterns.guarded_inference_api.routing_config import RoutingConfigStore
from genai_platform.patterns.guarded_inference_api.tenants import TenantAccess
from genai_platform.patterns.guarded_inference_api.validation import _Plan


class _ApiAttributes(_ApiMetrics):
    """The read-only attributes and ARNs of an owned API (a base of
    :class:`GuardedInferenceApi`, whose ``__init__`` sets these attributes)."""

    _name_prefix: str
    _stage_name: str
    _plan: _Plan
    _invoke_function: lambda_.Function
    _feedback_function: lambda_.Function
    _quota_table: dynamodb.Table
    _feedback_table: dynamodb.Table
    _kill_switch: ssm.StringParameter
    _tenant_access: TenantAccess
    _tenant_profiles: TenantProfiles
    _web_acl: wafv2.CfnWebACL
    _encryption_key: kms.IKey
    _response_id_key: kms.Key
    _secrets_key: kms.Key
    _access_log_group: logs.LogGroup
    _vpc_endpoint: ec2.IInterfaceVpcEndpoint | None
    _security_group: ec2.SecurityGroup | None
    _config_document: dict[str, Any]
    _routing_config: RoutingConfigStore
    _key_sets: IssuerKeySets | None

    # ------------------------------------------------------------------ attributes

    @property
    def api(self) -> apigateway.IRestApi:
        """The REST API."""
        return self._api

    @property
    def api_id(self) -> str:
        """The REST API's id."""
        return self._api.rest_api_id

    @property
    def name_prefix(self) -> str:
        """The ``name_prefix`` the API was built with."""
        return self._name_prefix

    @property
    def account(self) -> str:
        """The account the API lives in (its stack's)."""
        return self._stack.account

    @property
    def region(self) -> str:
        """The Region the API lives in (its stack's)."""
        return self._stack.region

    @property
    def execute_api_arns(self) -> list[str]:
        """``execute-api`` ARNs of the routes of this API's stage, with its id."""
        return [self.execute_api_arn_for(method, path) for method, path in ROUTES]

    def api_key_secret_name(self, tenant_id: str) -> str:
        """Name of a tenant's API key secret: ``<prefix>/gateway/<tenant>/api-key``."""
        return _secret_name(self._name_prefix, tenant_id)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (of this account) call the routes: ``execute-api:Invoke`` on
        :attr:`execute_api_arns`. The resource policy still admits only the tenants'
        principals, and every method needs the tenant's API key. A role, user or group gets
        the statement in a customer-managed policy (no inline policy)."""
        grantee = managed_policy_grantee(self, grantee, description="Invoke the inference API")
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["execute-api:Invoke"], resource_arns=self.execute_api_arns
        )

    @property
    def url(self) -> str:
        """Base URL of the stage:
        ``https://<api id>.execute-api.<region>.amazonaws.com/<stage>/``."""
        return self._api.url

    @property
    def stage_name(self) -> str:
        """The API's stage."""
        return self._stage_name

    @property
    def stage(self) -> apigateway.Stage:
        """The API's stage construct (for its ``metric_*`` methods)."""
        return self._api.deployment_stage

    @property
    def invoke_function(self) -> lambda_.IFunction:
        """The function behind ``POST /v1/chat`` and ``GET /v1/models``."""
        return self._invoke_function

    @property
    def feedback_function(self) -> lambda_.IFunction:
        """The function behind ``POST /v1/feedback``."""
        return self._feedback_function

    @property
    def quota_table(self) -> dynamodb.ITable:
        """Monthly token usage per tenant (partition key ``pk`` = ``<tenant>#<YYYY-MM>``)."""
        return self._quota_table

    @property
    def feedback_table(self) -> dynamodb.ITable:
        """Feedback per response and caller (``response_id``, ``caller``; TTL ``expires_at``)."""
        return self._feedback_table

    @property
    def kill_switch(self) -> ssm.IStringParameter:
        """The kill-switch parameter (``off``/``on``); grant the cost guard ``grant_write``."""
        return self._kill_switch

    @property
    def api_key_secrets(self) -> Mapping[str, secretsmanager.ISecret]:
        """Each tenant's API key secret (JSON ``{"api_key": ...}``), by tenant id."""
        return MappingProxyType(self._tenant_access.secrets)

    @property
    def api_keys(self) -> Mapping[str, apigateway.IApiKey]:
        """Each tenant's API key, by tenant id."""
        return MappingProxyType(self._tenant_access.api_keys)

    @property
    def usage_plans(self) -> Mapping[str, apigateway.IUsagePlan]:
        """Each tenant's usage plan, by tenant id."""
        return MappingProxyType(self._tenant_access.usage_plans)

    @property
    def application_inference_profiles(self) -> Mapping[str, Mapping[str, str]]:
        """Each tenant's application inference profile ARN per Bedrock alias (tokens), by
        tenant id; the gateway invokes through them (see :mod:`.profiles`)."""
        return MappingProxyType(self._tenant_profiles.arns())

    @property
    def model_prices(self) -> Mapping[str, Mapping[str, float]]:
        """USD per million input/output tokens per Bedrock alias, from the price table for
        the stack's region (what ``CostUSD`` and the budgets use); unpriced aliases absent."""
        return MappingProxyType(self._plan.prices)

    @property
    def web_acl_arn(self) -> str:
        """ARN of the WAF web ACL associated with the stage."""
        return self._web_acl.attr_arn

    @property
    def encryption_key(self) -> kms.IKey:
        """The key of the tables and log groups."""
        return self._encryption_key

    @property
    def response_id_key(self) -> kms.IKey:
        """The HMAC key (HMAC_256) the functions derive their response-id signing key from."""
        return self._response_id_key

    @property
    def api_key_encryption_key(self) -> kms.IKey:
        """The key of the API key secrets."""
        return self._secrets_key

    @property
    def access_log_group(self) -> logs.ILogGroup:
        """The stage's access log group."""
        return self._access_log_group

    @property
    def vpc_endpoint(self) -> ec2.IInterfaceVpcEndpoint | None:
        """The ``execute-api`` endpoint of a PRIVATE API; None for a REGIONAL one."""
        return self._vpc_endpoint

    @property
    def security_group(self) -> ec2.ISecurityGroup | None:
        """The functions' security group in the private network; None without a network."""
        return self._security_group

    @property
    def gateway_config(self) -> str:
        """The functions' whole routing config as JSON (a token: it holds the guardrail's
        attributes), as stored in AppConfig (see :attr:`routing_config`)."""
        return cdk.Stack.of(self).to_json_string(self._config_document)

    @property
    def routing_config(self) -> RoutingConfigStore:
        """The AppConfig application, environment and hosted configuration holding the routing
        config; a new hosted configuration version deployed there reaches every execution
        environment within ``GATEWAY_CONFIG_POLL_SECONDS`` (45 s)."""
        return self._routing_config

    @property
    def issuer_key_sets(self) -> IssuerKeySets | None:
        """The identity providers' key-set parameters and their scheduled copier; None when no
        tenant has an identity provider."""
        return self._key_sets

    @property
    def model_aliases(self) -> tuple[str, ...]:
        """Every alias the gateway serves, Bedrock then self-hosted."""
        return tuple(self._plan.models)

    @property
    def bedrock_aliases(self) -> tuple[str, ...]:
        """The aliases the gateway serves through Bedrock."""
        return tuple(self._plan.bedrock_aliases)

    @property
    def tenant_ids(self) -> tuple[str, ...]:
        """The tenants' ids, as the gateway's metrics carry them (dimension ``Tenant``)."""
        return tuple(t.id for t in self._plan.tenants)

    @property
    def features(self) -> tuple[str, ...]:
        """The feature tags the gateway's metrics carry (dimension ``Feature``; anything
        else folds into ``other``)."""
        return tuple(self._plan.features)

    # ------------------------------------------------------------------ ARNs

    def execute_api_arn_for(self, method: str, path: str) -> str:
        """``execute-api`` ARN of one route of this API's stage (this account and region)."""
        if (method, path) not in ROUTES:
            raise ValueError(
                f"method, path: {(method, path)!r} is not a route of the API; routes: "
                f"{', '.join(f'{m} {p}' for m, p in ROUTES)}"
            )
        return self._api.arn_for_execute_api(method, path, self._stage_name)

    def route_arns(self, *, account: str | None = None, region: str | None = None) -> list[str]:
        """ARNs of the routes with the API id wildcarded, as an identity policy in
        another account writes them (see :func:`gateway_route_arns`). Default: this stack's
        account and region."""
        return gateway_route_arns(
            partition=self._stack.partition,
            region=region or self._stack.region,
            account=account or self._stack.account,
            stage_name=self._stage_name,
        )
