"""The guarded inference API: one SigV4-signed HTTPS API in front of every approved model.

:class:`GuardedInferenceApi` (in the generative-AI account) builds:

* an **API Gateway REST API**, REGIONAL or PRIVATE (reached through an ``execute-api``
  interface VPC endpoint), with ``AWS_IAM`` authorization and an API key on every method and a
  **resource policy** that admits only the tenants' IAM roles and users (and, when configured,
  only principals of the organization, and only through the VPC endpoint);
* three routes: ``POST /v1/chat`` and ``GET /v1/models`` (the invoke function) and
  ``POST /v1/feedback`` (the feedback function), both POSTs checked against a **JSON schema**
  before the function runs, errors always shaped ``{"error": {"code", "message"}}``;
* a stage with **KMS-encrypted access logs** (JSON: request id, caller, status, latency) and
  execution logs (errors only, never bodies) with retention, **X-Ray** tracing and stage-wide
  **throttling**;
* one **usage plan and API key per tenant** (rate, burst, monthly request quota). The key value
  is generated into a Secrets Manager secret named ``<prefix>/gateway/<tenant>/api-key``,
  encrypted with a customer-managed key, that only the tenant's principals may read (from
  their own account); the template carries a dynamic reference to it, never the value;
* a **WAF web ACL** with a per-IP rate-based rule and the AWS managed common rule set, logging
  to a KMS-encrypted ``aws-waf-logs-`` log group with the credential headers redacted;
* the **invoke** and **feedback** Lambda functions (current Python runtime, arm64, Powertools
  layer, the shared ``gw_common`` layer, X-Ray, reserved concurrency, KMS-encrypted log groups,
  in the private network's isolated subnets when one is given) with least-privilege IAM in
  customer-managed policies: approved Bedrock models only with the guardrail
  (:meth:`ModelCatalog.grant_invoke`), ``ApplyGuardrail``, the self-hosted endpoints, the quota
  table, the kill switch and the feedback table;
* the **quota** table (``pk``) and the **feedback** table (``response_id`` + ``caller``, TTL
  ``expires_at``): on-demand, KMS, point-in-time recovery, kept when the stack is deleted;
* the **kill switch**: the SSM String parameter ``/<prefix>/gateway/kill-switch`` (``off``);
  the cost guard flips it to ``on`` and the invoke function answers 503 within seconds.

The functions' routing configuration (guardrail, model aliases, tenants with their principal
keys ``<account>:role:<name>``, features, limits, timeouts, retry, circuit breaker, blocked
message) is rendered here from the props as one JSON document, in two parts:

* everything known at synth is written, with sorted keys and no spaces, to
  ``gateway_config.json`` in a copy of each function's code (a directory under the app's
  ``outdir``, so the asset hash only changes when the code or the config does); the functions
  find it through ``GATEWAY_CONFIG_FILE=gateway_config.json``, relative to ``LAMBDA_TASK_ROOT``.
  Its size has no practical limit (hundreds of tenants fit);
* the values only known at deploy time (CloudFormation tokens: the guardrail's id, version and
  ARN, a self-hosted endpoint's and inference component's names) go, at the same places in the
  document, into the small ``GATEWAY_DEPLOY_VALUES`` variable of the invoke function, which
  merges it over the file at cold start (``lambda/shared/python/gw_common.py`` documents the
  sources and their precedence). That environment grows only with the number of self-hosted
  models; synth still checks it, at its longest, against Lambda's 4 KB environment limit.

:class:`GatewayCallerRole` (in an application account, which cannot see the API's id) is the
role an app team's workload assumes to call the API: ``execute-api:Invoke`` on exactly the three
routes of the gateway's stage in the generative-AI account, and read access to its tenant's API
key secret, nothing else of the AI tier.

Example::

    api = GuardedInferenceApi(
        genai_stack, "InferenceApi",
        guardrail=guardrail, model_catalog=catalog,
        self_hosted_models={"llama": llama_endpoint}, fallbacks={"llama": "chat"},
        tenants=[Tenant(
            id="team-a",
            principals=["arn:aws:iam::111111111111:role/genai-team-a-gateway-caller"],
            aliases=["chat", "llama"], monthly_token_quota=2_000_000,
        )],
        features=["search", "summarize"], private_network=network,
    )
    GatewayCallerRole(
        app_stack, "TeamACaller", tenant_id="team-a", genai_account="222222222222",
        assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    )
"""

from __future__ import annotations

import json
import math
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from genai_platform.compliance import acknowledge
from genai_platform.constructs.guardrail import Guardrail
from genai_platform.constructs.inference_endpoint import InferenceEndpoint
from genai_platform.constructs.keys import logs_may_use_key
from genai_platform.constructs.model_catalog import ModelCatalog
from genai_platform.constructs.private_network import PrivateNetwork

__all__ = [
    "API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS",
    "COMMON_RULE_SET_RULES",
    "DEFAULT_BLOCKED_MESSAGE",
    "DEFAULT_NAME_PREFIX",
    "DEFAULT_POWERTOOLS_LAYER_VERSION",
    "DEFAULT_STAGE_NAME",
    "GATEWAY_CONFIG_FILE_NAME",
    "IMPORTED_KEY_WARNING_ID",
    "LAMBDA_ENVIRONMENT_LIMIT_BYTES",
    "METRICS_NAMESPACE",
    "POWERTOOLS_LAYER_ACCOUNT",
    "ROUTES",
    "RUNTIME",
    "SERVICE_NAME",
    "CallTimeouts",
    "CircuitBreaker",
    "GatewayCallerRole",
    "GuardedInferenceApi",
    "RequestLimits",
    "RetryPolicy",
    "Tenant",
    "api_key_secret_name",
    "caller_role_name",
    "gateway_route_arns",
    "kill_switch_parameter_name",
]

#: The routes of the API: (HTTP method, path).
ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/v1/chat"),
    ("POST", "/v1/feedback"),
    ("GET", "/v1/models"),
)
#: The newest Python runtime aws-cdk-lib 2.275 offers; both functions and the layer use it.
RUNTIME = lambda_.Runtime.PYTHON_3_14
#: The AWS account that publishes the Powertools for AWS Lambda (Python) layers.
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
#: Version of ``AWSLambdaPowertoolsPythonV3-python314-arm64`` pinned by default (Powertools 3.x).
DEFAULT_POWERTOOLS_LAYER_VERSION = 38
#: API Gateway ends a REST API integration after 29 seconds by default.
API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS = 29
#: Seconds the invoke function is given beyond the request deadline to answer.
INVOKE_TIMEOUT_MARGIN_SECONDS = 2
#: Lambda allows 4 KB of environment variables (keys and values) per function.
LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096
#: The routing config's file in each function's code (``GATEWAY_CONFIG_FILE``).
GATEWAY_CONFIG_FILE_NAME = "gateway_config.json"
#: Powertools service name and the CloudWatch namespace of the gateway's EMF metrics.
SERVICE_NAME = "genai-gateway"
METRICS_NAMESPACE = "GenAiPlatform"
DEFAULT_NAME_PREFIX = "genai"
DEFAULT_STAGE_NAME = "prod"
#: Warning id added when an imported ``encryption_key``'s policy could not be extended.
IMPORTED_KEY_WARNING_ID = "genai-platform:inference-api-imported-key"
DEFAULT_BLOCKED_MESSAGE = "Sorry, the platform's guardrail blocked this request or response."
#: Rules of ``AWSManagedRulesCommonRuleSet`` (names that ``waf_count_rules`` may switch to COUNT).
COMMON_RULE_SET_RULES: tuple[str, ...] = (
    "NoUserAgent_HEADER",
    "UserAgent_BadBots_HEADER",
    "SizeRestrictions_QUERYSTRING",
    "SizeRestrictions_Cookie_HEADER",
    "SizeRestrictions_BODY",
    "SizeRestrictions_URIPATH",
    "EC2MetaDataSSRF_BODY",
    "EC2MetaDataSSRF_COOKIE",
    "EC2MetaDataSSRF_URIPATH",
    "EC2MetaDataSSRF_QUERYARGUMENTS",
    "GenericLFI_QUERYARGUMENTS",
    "GenericLFI_URIPATH",
    "GenericLFI_BODY",
    "RestrictedExtensions_URIPATH",
    "RestrictedExtensions_QUERYARGUMENTS",
    "GenericRFI_QUERYARGUMENTS",
    "GenericRFI_BODY",
    "GenericRFI_URIPATH",
    "CrossSiteScripting_COOKIE",
    "CrossSiteScripting_QUERYARGUMENTS",
    "CrossSiteScripting_BODY",
    "CrossSiteScripting_URIPATH",
)

_LAMBDA_ROOT = Path(__file__).resolve().parent.parent / "lambda"
_ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache"]
# Where the functions' code with its config file is assembled, under the app's outdir.
_CONFIG_ASSETS_DIR = "gateway-config-assets"
_FEEDBACK_TIMEOUT_SECONDS = 10

# Identifiers shared with the handlers (gw_config): aliases, tenants and features.
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_RESERVED_FEATURES = frozenset({"other", "none"})
_MAX_FEATURES = 50
_PRINCIPAL_ARN = re.compile(
    r"arn:aws[a-z-]*:iam::(?P<account>\d{12}):(?P<kind>role|user)/"
    r"(?:[\w+=,.@-]+/)*(?P<name>[\w+=,.@-]{1,64})"
)
_NAME_PREFIX = re.compile(r"[a-z][a-z0-9-]{1,30}[a-z0-9]")
_STAGE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
_ORGANIZATION_ID = re.compile(r"o-[a-z0-9]{10,32}")
_ACCOUNT = re.compile(r"\d{12}")
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# AWS limits the gateway's numbers have to respect.
_MAX_STAGE_RATE = 10_000  # default account-level requests per second per region
_MAX_STAGE_BURST = 5_000
_WAF_RATE_LIMIT_RANGE = (10, 2_000_000_000)
_MAX_BODY_BYTES = 5 * 1024 * 1024  # stays under Lambda's 6 MB synchronous payload
_MAX_QUOTA = 10**15
_MAX_RESERVED_CONCURRENCY = 1000
_MAX_TTL_DAYS = 3650
_API_KEY_FIELD = "api_key"
_API_KEY_LENGTH = 40  # API Gateway accepts key values of 20-128 characters


# --------------------------------------------------------------------------- props


@dataclass(frozen=True)
class Tenant:
    """An application team allowed to call the API.

    Args:
        id: Tenant id, 1-64 lowercase letters, digits, ``_`` and ``-`` (starting with a letter
            or digit); it names the tenant's usage plan, API key secret and metric dimension.
        principals: ARNs of the IAM roles (``arn:aws:iam::<account>:role/<name>``) or users
            the tenant calls with, usually its :class:`GatewayCallerRole`. Sessions of an
            assumed role count as the role. A principal belongs to one tenant only.
        aliases: Model aliases the tenant may use (Bedrock aliases of the catalogue or
            self-hosted aliases).
        monthly_token_quota: Input + output tokens per calendar month (UTC) before the invoke
            function answers 429. Default: 1,000,000.
        rate_limit_rps: Steady requests per second of the tenant's usage plan. Default: 10.
        burst_limit: Burst of the tenant's usage plan. Default: 20.
        monthly_request_quota: Requests per month of the tenant's usage plan (API Gateway
            answers 429 beyond it). Default: 100,000.
        log_content: Whether the invoke function may log this tenant's prompts and
            completions (personal data masked). Default: off; only ids and sizes are logged.
    """

    id: str
    principals: Sequence[str]
    aliases: Sequence[str]
    monthly_token_quota: int = 1_000_000
    rate_limit_rps: float = 10
    burst_limit: int = 20
    monthly_request_quota: int = 100_000
    log_content: bool = False


@dataclass(frozen=True)
class RequestLimits:
    """Request size limits, enforced by the API's JSON schemas and by the invoke function.

    Args:
        max_body_bytes: Largest request body (1,024 B to 5 MiB). Default: 256 KiB.
        max_messages: Most messages per chat request (1-1,000). Default: 50.
        max_message_chars: Longest message content (1-1,000,000 characters). Default: 20,000.
        max_system_chars: Longest system prompt (1-1,000,000 characters). Default: 8,000.
        max_output_tokens: Largest ``max_tokens`` a caller may ask for (1-1,000,000).
            Default: 4,096.
    """

    max_body_bytes: int = 262_144
    max_messages: int = 50
    max_message_chars: int = 20_000
    max_system_chars: int = 8_000
    max_output_tokens: int = 4_096


@dataclass(frozen=True)
class CallTimeouts:
    """Timeouts of every outbound model call and the deadline of one request, in seconds.

    Args:
        connect_seconds: Connect timeout (> 0, at most 60). Default: 2.
        read_seconds: Read timeout (> 0, at most the deadline). Default: 20.
        deadline_seconds: Total time one request may take, retries included (at least the
            read and connect timeouts, and at most 27 so that the function, which gets 2 more
            seconds, ends before API Gateway's 29-second integration timeout). Default: 25.
    """

    connect_seconds: float = 2
    read_seconds: float = 20
    deadline_seconds: float = 25


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of throttled model calls: exponential backoff with full jitter.

    Args:
        max_attempts: Attempts per call, the first included (1-10). Default: 4.
        base_delay_seconds: First backoff ceiling (> 0, at most 60). Default: 0.2.
        max_delay_seconds: Largest backoff ceiling (at least the base, at most 300).
            Default: 2.0.
    """

    max_attempts: int = 4
    base_delay_seconds: float = 0.2
    max_delay_seconds: float = 2.0


@dataclass(frozen=True)
class CircuitBreaker:
    """The circuit breaker per model target.

    Args:
        failure_threshold: Consecutive failures that open it (1-1,000). Default: 5.
        open_seconds: How long it stays open before a probe (> 0, at most 3,600). Default: 30.
    """

    failure_threshold: int = 5
    open_seconds: float = 30


# --------------------------------------------------------------------------- shared names


def api_key_secret_name(name_prefix: str, tenant_id: str) -> str:
    """Name of a tenant's API key secret: ``<prefix>/gateway/<tenant>/api-key``."""
    return f"{name_prefix}/gateway/{tenant_id}/api-key"


def caller_role_name(name_prefix: str, tenant_id: str) -> str:
    """Default name of a tenant's :class:`GatewayCallerRole`:
    ``<prefix>-<tenant>-gateway-caller``."""
    return f"{name_prefix}-{tenant_id}-gateway-caller"


def kill_switch_parameter_name(name_prefix: str) -> str:
    """Name of the kill-switch parameter: ``/<prefix>/gateway/kill-switch``."""
    return f"/{name_prefix}/gateway/kill-switch"


def gateway_route_arns(
    *, partition: str, region: str, account: str, stage_name: str, api_id: str = "*"
) -> list[str]:
    """``execute-api`` ARNs of the API's routes:
    ``arn:<partition>:execute-api:<region>:<account>:<api id>/<stage>/<METHOD><path>``.

    ``api_id`` defaults to ``*`` for identity policies written where the API's id is unknown
    (another account's stack).
    """
    return [
        f"arn:{partition}:execute-api:{region}:{account}:{api_id}/{stage_name}/{method}{path}"
        for method, path in ROUTES
    ]


# --------------------------------------------------------------------------- the pattern


@dataclass
class _Plan:
    """What validation worked out from the props, for building."""

    models: dict[str, dict[str, Any]]
    bedrock_aliases: list[str]
    self_hosted: dict[str, InferenceEndpoint]
    default_alias: str
    tenants: list[Tenant]
    principal_keys: dict[str, list[str]]
    principal_arns: list[str]
    principal_accounts: list[str]
    vpc_endpoint: ec2.IInterfaceVpcEndpoint | None
    limits: RequestLimits
    timeouts: CallTimeouts
    retry: RetryPolicy
    breaker: CircuitBreaker
    features: list[str]
    blocked_message: str
    fallbacks: dict[str, str] = field(default_factory=dict)


class GuardedInferenceApi(Construct):
    """The platform's inference API: IAM-authenticated, WAF-protected, per-tenant metered.

    Application teams call it from their own accounts with SigV4-signed requests and their
    tenant's API key (``x-api-key``): the resource policy admits only the tenants' principals,
    the usage plans meter requests per tenant, the invoke function meters tokens per tenant,
    enforces the guardrail, timeouts, retries and circuit breaking, and falls back to another
    model when one fails. See the module documentation for everything it builds.

    Deployment notes: with ``cloud_watch_role`` (the default) the construct sets the account's
    API Gateway CloudWatch Logs role (``AWS::ApiGateway::Account``, one per account and
    region); pass ``cloud_watch_role=False`` where another stack already sets it. The tenants'
    roles need not exist when this stack deploys: every policy names them by
    ``aws:PrincipalArn``, not as principals.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        guardrail: Guardrail,
        model_catalog: ModelCatalog,
        tenants: Sequence[Tenant],
        self_hosted_models: Mapping[str, InferenceEndpoint] | None = None,
        fallbacks: Mapping[str, str] | None = None,
        default_alias: str | None = None,
        features: Sequence[str] = (),
        name_prefix: str = DEFAULT_NAME_PREFIX,
        stage_name: str = DEFAULT_STAGE_NAME,
        endpoint_type: apigateway.EndpointType = apigateway.EndpointType.REGIONAL,
        vpc_endpoint: ec2.IInterfaceVpcEndpoint | None = None,
        private_network: PrivateNetwork | None = None,
        organization_id: str | None = None,
        throttle_rate_limit: float = 50,
        throttle_burst_limit: int = 100,
        waf_rate_limit: int = 2000,
        waf_count_rules: Sequence[str] = ("SizeRestrictions_BODY",),
        limits: RequestLimits | None = None,
        timeouts: CallTimeouts | None = None,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        blocked_message: str = DEFAULT_BLOCKED_MESSAGE,
        invoke_reserved_concurrency: int = 20,
        feedback_reserved_concurrency: int = 5,
        feedback_ttl_days: int = 90,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        log_level: str = "INFO",
        encryption_key: kms.IKey | None = None,
        powertools_layer_version: int = DEFAULT_POWERTOOLS_LAYER_VERSION,
        cloud_watch_role: bool = True,
    ) -> None:
        """Validate every prop, then build the API, its functions, tables and protections.

        Args:
            guardrail: The guardrail every model call goes through (its published version).
            model_catalog: The approved Bedrock models; its aliases that are text models and
                lowercase names (``[a-z0-9][a-z0-9_-]{0,63}``) are the Bedrock aliases callers
                may choose. The invoke function is granted the catalogue's text models, only
                with ``guardrail``.
            tenants: The application teams allowed to call (at least one); see :class:`Tenant`.
            self_hosted_models: Alias to a real-time :class:`InferenceEndpoint` (inference
                component) callers may choose; the same guardrail is applied to its input and
                output through ApplyGuardrail. Default: Bedrock models only.
            fallbacks: Alias to the alias that serves while the first one's circuit breaker is
                open or its endpoint wakes from zero (no self-references, no cycles).
                Default: no fallback; callers then get 503 with Retry-After.
            default_alias: The alias served when a request names none. Default: the
                catalogue's ``default_alias`` when the gateway serves it, otherwise the first
                alias of the first tenant.
            features: Feature tags kept as a metric dimension (at most 50, not ``other`` or
                ``none``); other tags are counted as ``other``. Default: none (every tag is
                ``other``).
            name_prefix: Prefix of the names other stacks rely on: the API key secrets
                (``<prefix>/gateway/<tenant>/api-key``), the kill switch
                (``/<prefix>/gateway/kill-switch``), the API (``<prefix>-gateway``) and the
                usage plans; 3-32 lowercase letters, digits and hyphens. Default: ``genai``.
            stage_name: Stage of the API (1-64 letters, digits, ``_``). Default: ``prod``.
            endpoint_type: ``EndpointType.REGIONAL`` or ``EndpointType.PRIVATE`` (callers reach
                a private API only through an ``execute-api`` interface VPC endpoint, and the
                resource policy refuses requests that come another way). Default: REGIONAL.
            vpc_endpoint: The ``execute-api`` interface endpoint of a PRIVATE API, for example
                one in the callers' VPC imported with
                ``ec2.InterfaceVpcEndpoint.from_interface_vpc_endpoint_attributes``. Default:
                the ``execute-api`` endpoint of ``private_network`` (created next to it when
                the network has none). Only with PRIVATE.
            private_network: The generative-AI account's private network. The functions then
                run in its isolated subnets and reach AWS through its VPC endpoints (its
                default endpoints cover Bedrock, SageMaker, SSM and DynamoDB), and a PRIVATE
                API can use its ``execute-api`` endpoint. Default: no VPC; the functions call
                the AWS APIs over TLS from Lambda's own network.
            organization_id: AWS Organizations id (``o-...``); the resource policy then also
                refuses principals outside the organization. Default: no organization check.
            throttle_rate_limit: Stage-wide steady requests per second (> 0, at most 10,000).
                Default: 50.
            throttle_burst_limit: Stage-wide burst (1-5,000). Default: 100.
            waf_rate_limit: Requests per client IP per 5 minutes before WAF blocks the IP
                (10 to 2,000,000,000). Default: 2,000.
            waf_count_rules: Rules of the common rule set that only count instead of blocking,
                from :data:`COMMON_RULE_SET_RULES`. ``SizeRestrictions_BODY`` blocks every body
                over 8 KB, which chat requests legitimately exceed (the API's own schema and the
                invoke function enforce ``max_body_bytes``); body rules such as
                ``CrossSiteScripting_BODY`` may also block prompts that quote code. Default:
                ``("SizeRestrictions_BODY",)``.
            limits: Request size limits. Default: ``RequestLimits()`` (256 KiB bodies, 50
                messages of 20,000 characters, 8,000-character system prompts, 4,096 output
                tokens).
            timeouts: Model call timeouts and the request deadline; the invoke function's
                timeout is the deadline plus 2 seconds. Default: ``CallTimeouts()`` (2 s
                connect, 20 s read, 25 s deadline).
            retry: Retries of throttled model calls. Default: ``RetryPolicy()`` (4 attempts,
                0.2 s base, 2 s cap).
            breaker: Circuit breaker per target. Default: ``CircuitBreaker()`` (opens after 5
                consecutive failures for 30 s).
            blocked_message: Returned when the guardrail intervenes (1-2,000 characters).
                Default: :data:`DEFAULT_BLOCKED_MESSAGE`.
            invoke_reserved_concurrency: Reserved concurrency of the invoke function (1-1,000),
                which caps concurrent model calls. Default: 20.
            feedback_reserved_concurrency: Reserved concurrency of the feedback function
                (1-1,000). Default: 5.
            feedback_ttl_days: Days feedback is kept before DynamoDB's TTL deletes it (1-3,650).
                Default: 90.
            log_retention: Retention of the access, execution, WAF and function logs (not
                INFINITE). Default: one year.
            log_level: ``LOG_LEVEL`` of both functions (DEBUG, INFO, WARNING, ERROR, CRITICAL).
                Default: INFO.
            encryption_key: Customer-managed KMS key for the tables and every log group; a
                key-policy statement lets CloudWatch Logs use it for this account's log groups
                (an imported key's policy is left alone). Default: a new key with yearly
                rotation, kept when the stack is deleted. The API key secrets always get a key
                of their own, whose policy lets only the tenants' principals decrypt through
                Secrets Manager.
            powertools_layer_version: Version of the public
                ``AWSLambdaPowertoolsPythonV3-python314-arm64`` layer. Default:
                :data:`DEFAULT_POWERTOOLS_LAYER_VERSION`.
            cloud_watch_role: Whether to set the account's API Gateway CloudWatch Logs role
                (``AWS::ApiGateway::Account``), which execution logging needs. Default: on,
                with a role limited to API Gateway's execution log groups.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        path = "/".join(p for p in (scope.node.path, id) if p)
        stack = cdk.Stack.of(scope)
        plan, problems = _plan(
            stack,
            guardrail=guardrail,
            model_catalog=model_catalog,
            tenants=tenants,
            self_hosted_models=self_hosted_models,
            fallbacks=fallbacks,
            default_alias=default_alias,
            features=features,
            name_prefix=name_prefix,
            stage_name=stage_name,
            endpoint_type=endpoint_type,
            vpc_endpoint=vpc_endpoint,
            private_network=private_network,
            organization_id=organization_id,
            throttle_rate_limit=throttle_rate_limit,
            throttle_burst_limit=throttle_burst_limit,
            waf_rate_limit=waf_rate_limit,
            waf_count_rules=waf_count_rules,
            limits=limits,
            timeouts=timeouts,
            retry=retry,
            breaker=breaker,
            blocked_message=blocked_message,
            invoke_reserved_concurrency=invoke_reserved_concurrency,
            feedback_reserved_concurrency=feedback_reserved_concurrency,
            feedback_ttl_days=feedback_ttl_days,
            log_retention=log_retention,
            log_level=log_level,
            powertools_layer_version=powertools_layer_version,
        )
        if problems or plan is None:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"GuardedInferenceApi {path!r}: invalid props ({len(problems)} problems):\n{lines}"
            )
        super().__init__(scope, id)
        self._stack = stack
        self._plan = plan
        self._name_prefix = name_prefix
        self._stage_name = stage_name
        self._guardrail = guardrail

        # ---- keys, tables and the kill switch
        self._encryption_key = encryption_key or kms.Key(
            self,
            "EncryptionKey",
            description=f"Encrypts the tables and logs of the inference API {self.node.path}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        added = self._encryption_key.add_to_resource_policy(
            logs_may_use_key(stack, sid="AllowCloudWatchLogsForTheInferenceApiLogs"),
            allow_no_op=True,
        )
        if not added.statement_added:
            cdk.Annotations.of(self).add_warning_v2(
                IMPORTED_KEY_WARNING_ID,
                "encryption_key is imported, so its key policy was not changed: allow "
                f"logs.{stack.region}.amazonaws.com kms:Encrypt*, kms:Decrypt*, "
                "kms:ReEncrypt*, kms:GenerateDataKey* and kms:Describe* for this account's log "
                "groups, or the API's log groups cannot be created",
            )
        self._quota_table = self._table("QuotaTable", "pk", sort_key=None, ttl_attribute=None)
        self._feedback_table = self._table(
            "FeedbackTable", "response_id", sort_key="caller", ttl_attribute="expires_at"
        )
        self._kill_switch = ssm.StringParameter(
            self,
            "KillSwitch",
            parameter_name=kill_switch_parameter_name(name_prefix),
            string_value="off",
            description=(
                "Kill switch of the inference API: 'off' serves requests, 'on' answers 503 "
                "(flipped by the cost guard)"
            ),
            tier=ssm.ParameterTier.STANDARD,
        )

        # ---- the functions
        self._security_group: ec2.SecurityGroup | None = None
        if private_network is not None:
            self._security_group = self._function_security_group(private_network.vpc)
        shared_layer = lambda_.LayerVersion(
            self,
            "SharedLayer",
            code=lambda_.Code.from_asset(str(_LAMBDA_ROOT / "shared"), exclude=_ASSET_EXCLUDES),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="gw_common: caller identity, JSON parsing and responses of the gateway",
        )
        powertools_layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "PowertoolsLayer",
            _powertools_layer_arn(stack, powertools_layer_version),
        )
        config = _gateway_config(plan, guardrail)
        static_config, deploy_values = _split_deploy_values(config)
        config_dir = _config_assets_dir(self)
        common_env = {
            "GATEWAY_CONFIG_FILE": GATEWAY_CONFIG_FILE_NAME,
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "LOG_LEVEL": log_level,
            "POWERTOOLS_LOG_LEVEL": log_level,
        }
        self._config_json = stack.to_json_string(config)
        self._invoke_function, self._invoke_role = self._function(
            "Invoke",
            handler="invoke_app.lambda_handler",
            code_dir=_function_code_dir(config_dir, "invoke", static_config),
            description="Guarded inference API: POST /v1/chat and GET /v1/models",
            timeout=cdk.Duration.seconds(
                math.ceil(plan.timeouts.deadline_seconds) + INVOKE_TIMEOUT_MARGIN_SECONDS
            ),
            memory_mib=512,
            reserved_concurrency=invoke_reserved_concurrency,
            environment={
                **common_env,
                **(
                    {"GATEWAY_DEPLOY_VALUES": stack.to_json_string(deploy_values)}
                    if deploy_values
                    else {}
                ),
                "QUOTA_TABLE_NAME": self._quota_table.table_name,
                "KILL_SWITCH_PARAMETER": self._kill_switch.parameter_name,
            },
            layers=[shared_layer, powertools_layer],
            network=private_network,
            log_retention=log_retention,
        )
        self._feedback_function, self._feedback_role = self._function(
            "Feedback",
            handler="feedback_app.lambda_handler",
            code_dir=_function_code_dir(config_dir, "feedback", static_config),
            description="Guarded inference API: POST /v1/feedback",
            timeout=cdk.Duration.seconds(_FEEDBACK_TIMEOUT_SECONDS),
            memory_mib=256,
            reserved_concurrency=feedback_reserved_concurrency,
            environment={
                **common_env,
                "FEEDBACK_TABLE_NAME": self._feedback_table.table_name,
                "FEEDBACK_TTL_DAYS": str(feedback_ttl_days),
            },
            layers=[shared_layer, powertools_layer],
            network=private_network,
            log_retention=log_retention,
        )
        self._grant_invoke_function(model_catalog)
        self._grant_feedback_function()

        # ---- the API
        self._vpc_endpoint = plan.vpc_endpoint
        if endpoint_type == apigateway.EndpointType.PRIVATE and self._vpc_endpoint is None:
            assert private_network is not None  # validated
            self._vpc_endpoint = self._execute_api_endpoint(private_network)
        self._access_log_group = self._log_group("AccessLogGroup", log_retention)
        self._api = apigateway.RestApi(
            self,
            "Api",
            rest_api_name=f"{name_prefix}-gateway",
            description=(
                "Guarded inference API: SigV4-signed chat, models and feedback for the "
                "platform's tenants"
            ),
            endpoint_configuration=apigateway.EndpointConfiguration(
                types=[endpoint_type],
                vpc_endpoints=[self._vpc_endpoint] if self._vpc_endpoint is not None else None,
            ),
            policy=_resource_policy(plan, stage_name, organization_id, self._vpc_endpoint),
            cloud_watch_role=False,
            api_key_source_type=apigateway.ApiKeySourceType.HEADER,
            fail_on_warnings=True,
            default_method_options=apigateway.MethodOptions(
                authorization_type=apigateway.AuthorizationType.IAM,
                api_key_required=True,
            ),
            deploy_options=apigateway.StageOptions(
                stage_name=stage_name,
                description="The gateway's only stage",
                access_log_destination=apigateway.LogGroupLogDestination(self._access_log_group),
                access_log_format=_access_log_format(),
                tracing_enabled=True,
                logging_level=apigateway.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # never log request or response bodies
                metrics_enabled=True,
                throttling_rate_limit=throttle_rate_limit,
                throttling_burst_limit=throttle_burst_limit,
                caching_enabled=False,
            ),
        )
        self._execution_log_group = logs.LogGroup(
            self,
            "ExecutionLogGroup",
            # The group API Gateway writes execution logs to; created here so that it is
            # encrypted and expires, instead of being created unencrypted and kept forever.
            log_group_name=f"API-Gateway-Execution-Logs_{self._api.rest_api_id}/{stage_name}",
            encryption_key=self._encryption_key,
            retention=log_retention,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # The stage logs to that group from its first request on, once the account's
        # logging role is set.
        self._api.deployment_stage.node.add_dependency(self._execution_log_group)
        if cloud_watch_role:
            self._api.deployment_stage.node.add_dependency(self._account_logging_role())
        self._add_routes(plan)
        self._add_gateway_responses()
        self._usage_plans: dict[str, apigateway.IUsagePlan] = {}
        self._api_keys: dict[str, apigateway.IApiKey] = {}
        self._secrets_key = kms.Key(
            self,
            "ApiKeySecretsKey",
            description=f"Encrypts the tenants' API key secrets of {self.node.path}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self._api_key_secrets: dict[str, secretsmanager.ISecret] = {}
        for tenant in plan.tenants:
            self._add_tenant(tenant)

        # ---- WAF
        self._web_acl = self._build_web_acl(waf_rate_limit, waf_count_rules, log_retention)

        self._acknowledge_api()

    # ------------------------------------------------------------------ attributes

    @property
    def api(self) -> apigateway.IRestApi:
        """The REST API."""
        return self._api

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
        return MappingProxyType(self._api_key_secrets)

    @property
    def api_keys(self) -> Mapping[str, apigateway.IApiKey]:
        """Each tenant's API key, by tenant id."""
        return MappingProxyType(self._api_keys)

    @property
    def usage_plans(self) -> Mapping[str, apigateway.IUsagePlan]:
        """Each tenant's usage plan, by tenant id."""
        return MappingProxyType(self._usage_plans)

    @property
    def web_acl_arn(self) -> str:
        """ARN of the WAF web ACL associated with the stage."""
        return self._web_acl.attr_arn

    @property
    def encryption_key(self) -> kms.IKey:
        """The key of the tables and log groups."""
        return self._encryption_key

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
        attributes). The functions receive it split: ``gateway_config.json`` in their code and
        the deploy-time values in ``GATEWAY_DEPLOY_VALUES`` (see the module documentation)."""
        return self._config_json

    @property
    def model_aliases(self) -> tuple[str, ...]:
        """Every alias the gateway serves, Bedrock then self-hosted."""
        return tuple(self._plan.models)

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
        """ARNs of the three routes with the API id wildcarded, as an identity policy in
        another account writes them (see :func:`gateway_route_arns`). Default: this stack's
        account and region."""
        return gateway_route_arns(
            partition=self._stack.partition,
            region=region or self._stack.region,
            account=account or self._stack.account,
            stage_name=self._stage_name,
        )

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

    # ------------------------------------------------------------------ building: data

    def _table(
        self, id: str, partition_key: str, *, sort_key: str | None, ttl_attribute: str | None
    ) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            id,
            partition_key=dynamodb.Attribute(
                name=partition_key, type=dynamodb.AttributeType.STRING
            ),
            sort_key=(
                dynamodb.Attribute(name=sort_key, type=dynamodb.AttributeType.STRING)
                if sort_key
                else None
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self._encryption_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=ttl_attribute,
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            table.node.default_child or table,
            "NIST.800.53.R5-DynamoDBInBackupPlan",
            "Point-in-time recovery gives 35 days of continuous restore for this small table of "
            "gateway counters or feedback; no separate AWS Backup plan is added per table",
        )
        acknowledge(
            table.node.default_child or table,
            "HIPAA.Security-DynamoDBInBackupPlan",
            "Point-in-time recovery gives 35 days of continuous restore for this small table of "
            "gateway counters or feedback; no separate AWS Backup plan is added per table",
        )
        return table

    def _log_group(self, id: str, retention: logs.RetentionDays) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            id,
            encryption_key=self._encryption_key,
            retention=retention,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    # ------------------------------------------------------------------ building: functions

    def _function_security_group(self, vpc: ec2.IVpc) -> ec2.SecurityGroup:
        group = ec2.SecurityGroup(
            self,
            "FunctionSecurityGroup",
            vpc=vpc,
            description="Inference API functions: no ingress, HTTPS egress to AWS endpoints",
            allow_all_outbound=False,
        )
        group.add_egress_rule(
            ec2.Peer.any_ipv4(),
            ec2.Port.tcp(443),
            "HTTPS to the VPC endpoints and the DynamoDB gateway endpoint (the isolated "
            "subnets have no other route)",
        )
        return group

    def _function(
        self,
        name: str,
        *,
        handler: str,
        code_dir: Path,
        description: str,
        timeout: cdk.Duration,
        memory_mib: int,
        reserved_concurrency: int,
        environment: Mapping[str, str],
        layers: Sequence[lambda_.ILayerVersion],
        network: PrivateNetwork | None,
        log_retention: logs.RetentionDays,
    ) -> tuple[lambda_.Function, _FunctionRole]:
        role = _FunctionRole(self, f"{name}Role", description=f"Execution role: {description}")
        log_group = self._log_group(f"{name}LogGroup", log_retention)
        function = lambda_.Function(
            self,
            f"{name}Function",
            description=description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler,
            code=lambda_.Code.from_asset(str(code_dir), exclude=_ASSET_EXCLUDES),
            role=role,
            layers=list(layers),
            timeout=timeout,
            memory_size=memory_mib,
            reserved_concurrent_executions=reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            environment=dict(environment),
            vpc=network.vpc if network is not None else None,
            vpc_subnets=network.isolated_subnets if network is not None else None,
            security_groups=[self._security_group] if self._security_group else None,
        )
        log_group.grant_write(role)
        if network is not None:
            _grant_network_interfaces(role, self._stack, network.vpc)
        acknowledge(
            role.managed_policy,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray's PutTraceSegments and PutTelemetryRecords"
            + (" and EC2's DescribeNetworkInterfaces and DescribeSubnets" if network else "")
            + " have no resource-level permissions, so IAM only accepts them on every resource",
        )
        # Lambda checks the role's network permissions when it creates the function.
        function.node.add_dependency(role.managed_policy)
        resource = function.node.default_child or function
        for pack in ("NIST.800.53.R5", "HIPAA.Security"):
            acknowledge(
                resource,
                f"{pack}-LambdaDLQ",
                "API Gateway invokes this function synchronously and returns its errors to the "
                "caller; a dead-letter queue only receives failed asynchronous invocations",
            )
            if network is None:
                acknowledge(
                    resource,
                    f"{pack}-LambdaInsideVPC",
                    "No private network was given to the inference API; the function only calls "
                    "AWS APIs over TLS with IAM, so it runs in Lambda's network. Pass "
                    "private_network to place it in isolated subnets",
                )
        return function, role

    def _grant_invoke_function(self, catalog: ModelCatalog) -> None:
        fn = self._invoke_function
        if self._plan.bedrock_aliases:
            # Approved text models only with the guardrail, and ApplyGuardrail.
            catalog.grant_invoke(fn, self._guardrail)
        if self._plan.self_hosted:
            self._guardrail.grant_apply(fn)
            for endpoint in self._plan.self_hosted.values():
                endpoint.grant_invoke(fn)
        iam.Grant.add_to_principal(
            grantee=fn,
            actions=["dynamodb:GetItem", "dynamodb:UpdateItem"],
            resource_arns=[self._quota_table.table_arn],
        )
        _grant_table_key(fn, self._encryption_key, self._stack)
        self._kill_switch.grant_read(fn)

    def _grant_feedback_function(self) -> None:
        fn = self._feedback_function
        iam.Grant.add_to_principal(
            grantee=fn,
            actions=["dynamodb:PutItem"],
            resource_arns=[self._feedback_table.table_arn],
        )
        _grant_table_key(fn, self._encryption_key, self._stack)

    # ------------------------------------------------------------------ building: API

    def _execute_api_endpoint(self, network: PrivateNetwork) -> ec2.IInterfaceVpcEndpoint:
        """The network's execute-api endpoint, or a new one in its isolated subnets; either
        way its policy lets the tenants invoke this API's routes."""
        endpoint = network.interface_endpoints.get("execute-api")
        if endpoint is None:
            endpoint = ec2.InterfaceVpcEndpoint(
                self,
                "ExecuteApiEndpoint",
                vpc=network.vpc,
                service=ec2.InterfaceVpcEndpointAwsService.APIGATEWAY,
                subnets=network.isolated_subnets,
                security_groups=[network.endpoint_security_group],
                private_dns_enabled=True,
                open=False,
            )
        endpoint.add_to_policy(
            iam.PolicyStatement(
                sid="TenantsInvokeTheInferenceApi",
                principals=[iam.AccountPrincipal(a) for a in self._plan.principal_accounts],
                actions=["execute-api:Invoke"],
                # The API id is unknown here: naming it would make the endpoint and the API
                # depend on each other.
                resources=self.route_arns(),
                conditions={"ArnEquals": {"aws:PrincipalArn": self._plan.principal_arns}},
            )
        )
        return endpoint

    def _account_logging_role(self) -> apigateway.CfnAccount:
        """The account's API Gateway CloudWatch Logs role, limited to execution log groups."""
        stack = self._stack
        role = iam.Role(
            self,
            "ApiGatewayLoggingRole",
            description="Lets API Gateway write execution logs of this account's REST APIs",
            assumed_by=iam.ServicePrincipal(
                "apigateway.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
        )
        groups = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name="API-Gateway-Execution-Logs_*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        all_groups = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name="*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        policy = iam.ManagedPolicy(
            self,
            "ApiGatewayLoggingPolicy",
            description="API Gateway writes execution logs to its own log groups only",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    sid="WriteExecutionLogs",
                    actions=[
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:DescribeLogStreams",
                        "logs:PutLogEvents",
                        "logs:GetLogEvents",
                        "logs:FilterLogEvents",
                    ],
                    resources=[groups, f"{groups}:log-stream:*"],
                ),
                iam.PolicyStatement(
                    sid="FindLogGroups",
                    actions=["logs:DescribeLogGroups"],
                    resources=[all_groups],
                ),
            ],
        )
        for resource in (groups, f"{groups}:log-stream:*"):
            acknowledge(
                policy,
                f"AwsSolutions-IAM5[Resource::{_nag_value(stack, resource)}]",
                "API Gateway names each execution log group API-Gateway-Execution-Logs_<api "
                "id>/<stage> and its streams itself; the account-wide role covers that prefix",
            )
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::{_nag_value(stack, all_groups)}]",
            "logs:DescribeLogGroups cannot be limited to a group: CloudWatch Logs authorizes "
            "it on the account's log-group resource pattern only",
        )
        account = apigateway.CfnAccount(
            self, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn
        )
        account.node.add_dependency(policy)
        return account

    def _add_routes(self, plan: _Plan) -> None:
        api = self._api
        validator = api.add_request_validator(
            "BodyValidator",
            request_validator_name="body-and-parameters",
            validate_request_body=True,
            validate_request_parameters=True,
        )
        chat_model = api.add_model(
            "ChatRequestModel",
            content_type="application/json",
            model_name="ChatRequest",
            description="POST /v1/chat body",
            schema=_chat_schema(plan.limits),
        )
        feedback_model = api.add_model(
            "FeedbackRequestModel",
            content_type="application/json",
            model_name="FeedbackRequest",
            description="POST /v1/feedback body",
            schema=_feedback_schema(),
        )
        v1 = api.root.add_resource("v1")
        invoke = apigateway.LambdaIntegration(self._invoke_function, allow_test_invoke=False)
        feedback = apigateway.LambdaIntegration(self._feedback_function, allow_test_invoke=False)
        self._methods = {
            ("POST", "/v1/chat"): v1.add_resource("chat").add_method(
                "POST",
                invoke,
                request_validator=validator,
                # Every content type is validated: "$default" catches bodies sent as another.
                request_models={"application/json": chat_model, "$default": chat_model},
            ),
            ("GET", "/v1/models"): v1.add_resource("models").add_method("GET", invoke),
            ("POST", "/v1/feedback"): v1.add_resource("feedback").add_method(
                "POST",
                feedback,
                request_validator=validator,
                request_models={"application/json": feedback_model, "$default": feedback_model},
            ),
        }

    def _add_gateway_responses(self) -> None:
        """Errors API Gateway answers itself, shaped like the functions' errors."""
        for response_type, code, template in _GATEWAY_RESPONSES:
            self._api.add_gateway_response(
                f"{code}Response",
                type=response_type,
                templates={"application/json": template.replace("__CODE__", code)},
            )

    def _add_tenant(self, tenant: Tenant) -> None:
        stack = self._stack
        suffix = _pascal(tenant.id)
        name = api_key_secret_name(self._name_prefix, tenant.id)
        principals = list(dict.fromkeys(tenant.principals))
        accounts = sorted({_PRINCIPAL_ARN.fullmatch(p)["account"] for p in principals})  # type: ignore[index]
        secret = secretsmanager.Secret(
            self,
            f"ApiKeySecret{suffix}",
            secret_name=name,
            description=f"API key of tenant {tenant.id} for the inference API {self.node.path}",
            encryption_key=self._secrets_key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}",
                generate_string_key=_API_KEY_FIELD,
                exclude_punctuation=True,
                include_space=False,
                password_length=_API_KEY_LENGTH,
            ),
        )
        secret.add_to_resource_policy(
            iam.PolicyStatement(
                sid="TenantPrincipalsReadTheApiKey",
                principals=[iam.AccountPrincipal(a) for a in accounts],
                actions=["secretsmanager:GetSecretValue"],
                resources=["*"],
                conditions={"ArnEquals": {"aws:PrincipalArn": principals}},
            )
        )
        secret_arn_pattern = stack.format_arn(
            service="secretsmanager",
            resource="secret",
            resource_name=f"{name}-??????",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        self._secrets_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"Tenant{suffix}DecryptsItsApiKey",
                principals=[iam.AccountPrincipal(a) for a in accounts],
                actions=["kms:Decrypt"],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": f"secretsmanager.{stack.region}.amazonaws.com"
                    },
                    "StringLike": {"kms:EncryptionContext:SecretARN": secret_arn_pattern},
                    "ArnEquals": {"aws:PrincipalArn": principals},
                },
            )
        )
        reason = (
            "The value is also the usage plan's API Gateway API key, which a rotation function "
            "cannot update in place; keys are rotated by replacing this secret and its ApiKey "
            "together in a deployment"
        )
        for finding in (
            "AwsSolutions-SMG4",
            "NIST.800.53.R5-SecretsManagerRotationEnabled",
            "HIPAA.Security-SecretsManagerRotationEnabled",
        ):
            acknowledge(secret.node.default_child or secret, finding, reason)
        key = apigateway.ApiKey(
            self,
            f"ApiKey{suffix}",
            api_key_name=f"{self._name_prefix}-{tenant.id}",
            description=f"Inference API key of tenant {tenant.id}",
            enabled=True,
            # A CloudFormation dynamic reference: the template never holds the value.
            value=secret.secret_value_from_json(_API_KEY_FIELD).unsafe_unwrap(),
        )
        usage_plan = self._api.add_usage_plan(
            f"UsagePlan{suffix}",
            name=f"{self._name_prefix}-{tenant.id}",
            description=f"Requests of tenant {tenant.id}",
            throttle=apigateway.ThrottleSettings(
                rate_limit=tenant.rate_limit_rps, burst_limit=tenant.burst_limit
            ),
            quota=apigateway.QuotaSettings(
                limit=tenant.monthly_request_quota, period=apigateway.Period.MONTH
            ),
            api_stages=[
                apigateway.UsagePlanPerApiStage(api=self._api, stage=self._api.deployment_stage)
            ],
        )
        usage_plan.add_api_key(key)
        self._api_key_secrets[tenant.id] = secret
        self._api_keys[tenant.id] = key
        self._usage_plans[tenant.id] = usage_plan

    def _build_web_acl(
        self, rate_limit: int, count_rules: Sequence[str], retention: logs.RetentionDays
    ) -> wafv2.CfnWebACL:
        stack = self._stack
        self._web_acl_name = f"{self._name_prefix}-gateway-{cdk.Names.unique_id(self)[-8:]}"
        web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=self._web_acl_name,
            description="Inference API: per-IP rate limit and the AWS common rule set",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"{self._name_prefix}-gateway"),
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="RateLimitPerIp",
                    priority=0,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=rate_limit,
                            aggregate_key_type="IP",
                            evaluation_window_sec=300,
                        )
                    ),
                    visibility_config=_visibility("RateLimitPerIp"),
                ),
                wafv2.CfnWebACL.RuleProperty(
                    name="AWSManagedRulesCommonRuleSet",
                    priority=1,
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS",
                            name="AWSManagedRulesCommonRuleSet",
                            rule_action_overrides=[
                                wafv2.CfnWebACL.RuleActionOverrideProperty(
                                    name=rule,
                                    action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}),
                                )
                                for rule in count_rules
                            ]
                            or None,
                        )
                    ),
                    visibility_config=_visibility("AWSManagedRulesCommonRuleSet"),
                ),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self._api.deployment_stage.stage_arn,
            web_acl_arn=web_acl.attr_arn,
        )
        log_group = logs.LogGroup(
            self,
            "WafLogGroup",
            # WAF only logs to groups named aws-waf-logs-*; the fixed name is why this group
            # is deleted with the stack (a kept one would block re-creating it).
            log_group_name=(
                "aws-waf-logs-"
                + cdk.Names.unique_resource_name(self, max_length=200, separator="-")
            ),
            encryption_key=self._encryption_key,
            retention=retention,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        wafv2.CfnLoggingConfiguration(
            self,
            "WafLogging",
            resource_arn=web_acl.attr_arn,
            log_destination_configs=[
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=log_group.log_group_name,
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
            # Credentials never reach the WAF logs.
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": header})
                for header in ("authorization", "x-api-key", "x-amz-security-token")
            ],
        )
        return web_acl

    # ------------------------------------------------------------------ acknowledgements

    def _acknowledge_api(self) -> None:
        stage = self._api.deployment_stage.node.default_child or self._api.deployment_stage
        for pack in ("NIST.800.53.R5", "HIPAA.Security"):
            acknowledge(
                stage,
                f"{pack}-APIGWCacheEnabledAndEncrypted",
                "Responses are model outputs for one caller's prompt; a stage cache would serve "
                "one tenant's answer to another, so caching stays off",
            )
            acknowledge(
                stage,
                f"{pack}-APIGWSSLEnabled",
                "Every integration is a Lambda proxy invoked by API Gateway through the signed "
                "Lambda API; stage client certificates only authenticate API Gateway to HTTP "
                "backends, and this API has none",
            )
        for method in self._methods.values():
            acknowledge(
                method.node.default_child or method,
                "AwsSolutions-COG4",
                "Callers are IAM roles of application accounts authenticated by SigV4 "
                "(AWS_IAM authorization plus the resource policy); there are no end users "
                "that a Cognito user pool would hold",
            )


# --------------------------------------------------------------------------- the caller role


class GatewayCallerRole(Construct):
    """The role an app team's workload assumes to call the inference API from its own account.

    It may ``execute-api:Invoke`` exactly the gateway's three routes on ``stage_name`` in the
    generative-AI account, and read its tenant's API key secret there (``GetSecretValue`` on
    that secret, ``kms:Decrypt`` only through Secrets Manager for that secret): nothing else of
    the AI tier. The API's id is unknown in another account's stack, so the route ARNs
    wildcard it; the API's resource policy is what restricts the caller to the one API.
    The permissions sit in a customer-managed policy.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        tenant_id: str,
        genai_account: str,
        assumed_by: iam.IPrincipal,
        name_prefix: str = DEFAULT_NAME_PREFIX,
        region: str | None = None,
        stage_name: str = DEFAULT_STAGE_NAME,
        role_name: str | None = None,
        api_key_secret: str | None = None,
        description: str | None = None,
    ) -> None:
        """Create the role and its policy.

        Args:
            tenant_id: The tenant the role calls as (as in :class:`Tenant`).
            genai_account: The generative-AI account's 12-digit id.
            assumed_by: Who may assume the role, e.g. the workload's service principal or a
                role of the application account.
            name_prefix: The gateway's ``name_prefix`` (names the secret and the role).
                Default: ``genai``.
            region: The gateway's region. Default: this stack's region.
            stage_name: The gateway's stage. Default: ``prod``.
            role_name: Name of the role (1-64 characters), which the gateway lists in the
                tenant's principals. Default: :func:`caller_role_name` of the prefix and tenant.
            api_key_secret: Name of the tenant's API key secret. Default:
                :func:`api_key_secret_name` of the prefix and tenant.
            description: Description of the role. Default: a sentence naming the tenant.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        path = "/".join(p for p in (scope.node.path, id) if p)
        stack = cdk.Stack.of(scope)
        name = role_name if role_name is not None else caller_role_name(name_prefix, tenant_id)
        secret_name = (
            api_key_secret
            if api_key_secret is not None
            else api_key_secret_name(name_prefix, tenant_id)
        )
        problems = _validate_caller(
            stack,
            tenant_id=tenant_id,
            genai_account=genai_account,
            assumed_by=assumed_by,
            name_prefix=name_prefix,
            region=region,
            stage_name=stage_name,
            role_name=name,
            api_key_secret=secret_name,
        )
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"GatewayCallerRole {path!r}: invalid props ({len(problems)} problems):\n{lines}"
            )
        super().__init__(scope, id)
        region = region or stack.region
        partition = stack.partition
        self._role = iam.Role(
            self,
            "Resource",
            role_name=name,
            assumed_by=assumed_by,
            description=description
            or f"Calls the genai-platform inference API as tenant {tenant_id}",
        )
        self._route_arns = gateway_route_arns(
            partition=partition, region=region, account=genai_account, stage_name=stage_name
        )
        self._secret_arn = (
            f"arn:{partition}:secretsmanager:{region}:{genai_account}:secret:{secret_name}-??????"
        )
        key_arns = f"arn:{partition}:kms:{region}:{genai_account}:key/*"
        self._policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"Inference API routes and API key of tenant {tenant_id}",
            roles=[self._role],
            statements=[
                iam.PolicyStatement(
                    sid="InvokeTheInferenceApiRoutes",
                    actions=["execute-api:Invoke"],
                    resources=self._route_arns,
                ),
                iam.PolicyStatement(
                    sid="ReadTheTenantApiKey",
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[self._secret_arn],
                ),
                iam.PolicyStatement(
                    sid="DecryptTheApiKeyThroughSecretsManager",
                    actions=["kms:Decrypt"],
                    resources=[key_arns],
                    conditions={
                        "StringEquals": {
                            "kms:ViaService": f"secretsmanager.{region}.amazonaws.com"
                        },
                        "StringLike": {"kms:EncryptionContext:SecretARN": self._secret_arn},
                    },
                ),
            ],
        )
        for arn in self._route_arns:
            acknowledge(
                self._policy,
                f"AwsSolutions-IAM5[Resource::{_nag_value(stack, arn)}]",
                "The API id of the gateway in the generative-AI account is unknown to this "
                "account's stack; the ARN pins account, region, stage, method and path, and the "
                "API's resource policy admits this role to that one API",
            )
        acknowledge(
            self._policy,
            f"AwsSolutions-IAM5[Resource::{_nag_value(stack, key_arns)}]",
            "The key id in the generative-AI account is unknown here; decryption is limited to "
            "requests Secrets Manager makes for this tenant's API key secret (kms:ViaService "
            "and the SecretARN encryption context)",
        )

    @property
    def role(self) -> iam.IRole:
        """The caller role."""
        return self._role

    @property
    def role_arn(self) -> str:
        """ARN of the caller role (list it in the tenant's principals)."""
        return self._role.role_arn

    @property
    def policy(self) -> iam.IManagedPolicy:
        """The role's customer-managed policy."""
        return self._policy

    @property
    def route_arns(self) -> list[str]:
        """The route ARNs the role may invoke."""
        return list(self._route_arns)

    @property
    def api_key_secret_arn(self) -> str:
        """ARN pattern of the tenant's API key secret (``...:secret:<name>-??????``)."""
        return self._secret_arn


# --------------------------------------------------------------------------- helpers: IAM


class _FunctionRole(iam.Role):
    """A Lambda execution role whose grants all land in one customer-managed policy.

    CDK grants (``table.grant*``, ``parameter.grant_read``, tracing) add statements through
    ``add_to_principal_policy``; sending them to a managed policy instead of the role's inline
    default policy keeps the NIST and HIPAA ``IAMNoInlinePolicy`` rules satisfied.
    """

    def __init__(self, scope: Construct, id: str, *, description: str) -> None:
        super().__init__(
            scope,
            id,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=description,
        )
        self._managed_policy = iam.ManagedPolicy(
            scope, f"{id}Policy", description=f"Permissions of {id}", roles=[self]
        )

    @property
    def managed_policy(self) -> iam.ManagedPolicy:
        """The policy every grant to this role goes into."""
        return self._managed_policy

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        self._managed_policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(
            statement_added=True, policy_dependable=self._managed_policy
        )


def _grant_network_interfaces(role: _FunctionRole, stack: cdk.Stack, vpc: ec2.IVpc) -> None:
    """What Lambda needs to attach a function to the VPC (AWSLambdaVPCAccessExecutionRole's
    EC2 actions), limited to this account, region and VPC where EC2 allows."""
    any_ec2 = f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}:*/*"
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="DescribeNetworkInterfaces",
            actions=["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
            resources=["*"],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ManageNetworkInterfacesInTheVpc",
            actions=[
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            resources=[any_ec2],
            conditions={
                "ArnEqualsIfExists": {
                    "ec2:Vpc": stack.format_arn(
                        service="ec2", resource="vpc", resource_name=vpc.vpc_id
                    )
                }
            },
        )
    )
    acknowledge(
        role.managed_policy,
        f"AwsSolutions-IAM5[Resource::{_nag_value(stack, any_ec2)}]",
        "Lambda creates and deletes the function's network interfaces with ids unknown until "
        "then; the statement is limited to this account, region and the network's VPC",
    )


def _grant_table_key(grantee: iam.IGrantable, key: kms.IKey, stack: cdk.Stack) -> iam.Grant:
    """Use of the tables' key, only through DynamoDB."""
    return iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        resource_arns=[key.key_arn],
        conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{stack.region}.amazonaws.com"}},
    )


def _resource_policy(
    plan: _Plan,
    stage_name: str,
    organization_id: str | None,
    vpc_endpoint: ec2.IInterfaceVpcEndpoint | None,
) -> iam.PolicyDocument:
    """Allow the tenants' principals on the routes; deny everyone else, principals outside the
    organization and (for a private API) requests not coming through the VPC endpoint."""
    statements = [
        iam.PolicyStatement(
            sid="AllowTenantPrincipals",
            principals=[iam.AccountPrincipal(a) for a in plan.principal_accounts],
            actions=["execute-api:Invoke"],
            resources=[f"execute-api:/{stage_name}/{method}{path}" for method, path in ROUTES],
            conditions={"ArnEquals": {"aws:PrincipalArn": plan.principal_arns}},
        ),
        iam.PolicyStatement(
            sid="DenyEveryoneElse",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["execute-api:Invoke"],
            resources=["execute-api:/*"],
            # An assumed role's session has the role's ARN as aws:PrincipalArn.
            conditions={"ArnNotEquals": {"aws:PrincipalArn": plan.principal_arns}},
        ),
    ]
    if organization_id is not None:
        statements.append(
            iam.PolicyStatement(
                sid="DenyPrincipalsOutsideTheOrganization",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["execute-api:Invoke"],
                resources=["execute-api:/*"],
                conditions={"StringNotEquals": {"aws:PrincipalOrgID": organization_id}},
            )
        )
    if vpc_endpoint is not None:
        statements.append(
            iam.PolicyStatement(
                sid="DenyRequestsNotThroughTheVpcEndpoint",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["execute-api:Invoke"],
                resources=["execute-api:/*"],
                conditions={"StringNotEquals": {"aws:SourceVpce": vpc_endpoint.vpc_endpoint_id}},
            )
        )
    return iam.PolicyDocument(statements=statements)


# --------------------------------------------------------------------------- helpers: API


def _access_log_format() -> apigateway.AccessLogFormat:
    """One JSON line per request: ids, caller, route, status, sizes and latencies."""
    fields = {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "latencyMs": "$context.responseLatency",
        "integrationLatencyMs": "$context.integration.latency",
        "integrationStatus": "$context.integration.status",
        "caller": "$context.identity.caller",
        "userArn": "$context.identity.userArn",
        "accountId": "$context.identity.accountId",
        "sourceIp": "$context.identity.sourceIp",
        "vpceId": "$context.identity.vpceId",
        "apiKeyId": "$context.identity.apiKeyId",
        "wafStatus": "$context.waf.status",
        "errorType": "$context.error.responseType",
        "errorMessage": "$context.error.message",
        "xrayTraceId": "$context.xrayTraceId",
    }
    return apigateway.AccessLogFormat.custom(json.dumps(fields, separators=(",", ":")))


_ERROR_TEMPLATE = (
    '{"error":{"code":"__CODE__","message":$context.error.messageString},'
    '"request_id":"$context.requestId"}'
)
_VALIDATION_TEMPLATE = (
    '{"error":{"code":"__CODE__","message":'
    '"$util.escapeJavaScript($context.error.validationErrorString)","field":"body"},'
    '"request_id":"$context.requestId"}'
)
#: Errors API Gateway answers before a function runs: (type, error code, body template).
_GATEWAY_RESPONSES: tuple[tuple[apigateway.ResponseType, str, str], ...] = (
    (apigateway.ResponseType.BAD_REQUEST_BODY, "BadRequest", _VALIDATION_TEMPLATE),
    (apigateway.ResponseType.ACCESS_DENIED, "AccessDenied", _ERROR_TEMPLATE),
    (
        apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
        "MissingAuthentication",
        _ERROR_TEMPLATE,
    ),
    (apigateway.ResponseType.INVALID_SIGNATURE, "InvalidSignature", _ERROR_TEMPLATE),
    (apigateway.ResponseType.EXPIRED_TOKEN, "ExpiredToken", _ERROR_TEMPLATE),
    (apigateway.ResponseType.INVALID_API_KEY, "InvalidApiKey", _ERROR_TEMPLATE),
    (apigateway.ResponseType.THROTTLED, "Throttled", _ERROR_TEMPLATE),
    (apigateway.ResponseType.QUOTA_EXCEEDED, "RequestQuotaExceeded", _ERROR_TEMPLATE),
    (apigateway.ResponseType.WAF_FILTERED, "Forbidden", _ERROR_TEMPLATE),
    (apigateway.ResponseType.REQUEST_TOO_LARGE, "RequestTooLarge", _ERROR_TEMPLATE),
    (apigateway.ResponseType.INTEGRATION_TIMEOUT, "GatewayTimeout", _ERROR_TEMPLATE),
    (apigateway.ResponseType.DEFAULT_4_XX, "ClientError", _ERROR_TEMPLATE),
    (apigateway.ResponseType.DEFAULT_5_XX, "ServerError", _ERROR_TEMPLATE),
)


def _chat_schema(limits: RequestLimits) -> apigateway.JsonSchema:
    """``POST /v1/chat``: messages (last one from the user is checked by the function), an
    optional system prompt, max tokens, temperature, model alias and feature tag."""
    string = apigateway.JsonSchemaType.STRING
    return apigateway.JsonSchema(
        schema=apigateway.JsonSchemaVersion.DRAFT4,
        title="ChatRequest",
        type=apigateway.JsonSchemaType.OBJECT,
        required=["messages"],
        additional_properties=False,
        properties={
            "messages": apigateway.JsonSchema(
                type=apigateway.JsonSchemaType.ARRAY,
                min_items=1,
                max_items=limits.max_messages,
                items=apigateway.JsonSchema(
                    type=apigateway.JsonSchemaType.OBJECT,
                    required=["role", "content"],
                    additional_properties=False,
                    properties={
                        "role": apigateway.JsonSchema(type=string, enum=["user", "assistant"]),
                        "content": apigateway.JsonSchema(
                            type=string, min_length=1, max_length=limits.max_message_chars
                        ),
                    },
                ),
            ),
            "system": apigateway.JsonSchema(type=string, max_length=limits.max_system_chars),
            "max_tokens": apigateway.JsonSchema(
                type=apigateway.JsonSchemaType.INTEGER,
                minimum=1,
                maximum=limits.max_output_tokens,
            ),
            "temperature": apigateway.JsonSchema(
                type=apigateway.JsonSchemaType.NUMBER, minimum=0, maximum=1
            ),
            "model": apigateway.JsonSchema(type=string, pattern=f"^{_NAME.pattern}$"),
            "feature": apigateway.JsonSchema(type=string, min_length=1, max_length=64),
        },
    )


def _feedback_schema() -> apigateway.JsonSchema:
    """``POST /v1/feedback``: a response id, a thumbs up or down and an optional comment."""
    string = apigateway.JsonSchemaType.STRING
    return apigateway.JsonSchema(
        schema=apigateway.JsonSchemaVersion.DRAFT4,
        title="FeedbackRequest",
        type=apigateway.JsonSchemaType.OBJECT,
        required=["response_id", "rating"],
        additional_properties=False,
        properties={
            "response_id": apigateway.JsonSchema(
                type=string,
                pattern="^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            ),
            "rating": apigateway.JsonSchema(type=string, enum=["up", "down"]),
            "comment": apigateway.JsonSchema(type=string, max_length=1000),
        },
    )


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True,
        metric_name=metric_name,
        sampled_requests_enabled=True,
    )


def _powertools_layer_arn(stack: cdk.Stack, version: int) -> str:
    python = "python" + RUNTIME.name.removeprefix("python").replace(".", "")
    return (
        f"arn:{stack.partition}:lambda:{stack.region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-{python}-arm64:{version}"
    )


def _pascal(name: str) -> str:
    """``"team-a_b"`` -> ``"TeamAB"`` for construct ids."""
    return "".join(part.capitalize() for part in re.split(r"[-_]", name) if part)


_PSEUDO = {
    "AWS::Partition": "<AWS::Partition>",
    "AWS::Region": "<AWS::Region>",
    "AWS::AccountId": "<AWS::AccountId>",
    "AWS::URLSuffix": "<AWS::URLSuffix>",
}


def _nag_value(stack: cdk.Stack, value: str) -> str:
    """How cdk-nag writes a value in a finding id: intrinsics of pseudo parameters as
    ``<AWS::Partition>``, references as ``<LogicalId>``, attributes as ``<LogicalId.Attr>``."""
    resolved = stack.resolve(value)
    if isinstance(resolved, str):
        return resolved
    parts = resolved.get("Fn::Join", ["", [resolved]])[1] if isinstance(resolved, dict) else []
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif "Ref" in part:
            out.append(_PSEUDO.get(part["Ref"], f"<{part['Ref']}>"))
        elif "Fn::GetAtt" in part:
            out.append(f"<{'.'.join(part['Fn::GetAtt'])}>")
        else:
            out.append(json.dumps(part))
    return "".join(out)


# --------------------------------------------------------------------------- routing config


def _gateway_config(
    plan: _Plan,
    guardrail: Guardrail,
    *,
    placeholders: bool = False,
) -> dict[str, Any]:
    """The functions' whole routing config (see ``lambda/invoke/gw_config.py``), before it is
    split into the code's ``gateway_config.json`` and ``GATEWAY_DEPLOY_VALUES``.

    With ``placeholders``, every value only known at deploy time is replaced by the longest
    value it can take, to measure the environment against Lambda's limit.
    """

    def value(actual: str, longest: str) -> str:
        return longest if placeholders and cdk.Token.is_unresolved(actual) else actual

    models: dict[str, dict[str, Any]] = {}
    for alias, spec in plan.models.items():
        rendered = {
            k: value(v, "x" * 63) if isinstance(v, str) and k != "kind" else v
            for k, v in spec.items()
        }
        if alias in plan.fallbacks:
            rendered["fallback"] = plan.fallbacks[alias]
        models[alias] = rendered
    return {
        "guardrail": {
            "identifier": value(guardrail.guardrail_id, "x" * 12),
            "version": value(guardrail.guardrail_version, "9" * 8),
            "arn": value(
                guardrail.guardrail_arn,
                "arn:aws-us-gov:bedrock:ap-southeast-5:000000000000:guardrail/" + "x" * 12,
            ),
        },
        "models": models,
        "default_alias": plan.default_alias,
        "tenants": [
            {
                "id": t.id,
                "principals": plan.principal_keys[t.id],
                "aliases": list(dict.fromkeys(t.aliases)),
                "monthly_token_quota": t.monthly_token_quota,
                "log_content": t.log_content,
            }
            for t in plan.tenants
        ],
        "features": plan.features,
        "limits": {
            "max_body_bytes": plan.limits.max_body_bytes,
            "max_messages": plan.limits.max_messages,
            "max_message_chars": plan.limits.max_message_chars,
            "max_system_chars": plan.limits.max_system_chars,
            "max_output_tokens": plan.limits.max_output_tokens,
        },
        "timeouts": {
            "connect_seconds": plan.timeouts.connect_seconds,
            "read_seconds": plan.timeouts.read_seconds,
            "deadline_seconds": plan.timeouts.deadline_seconds,
        },
        "retry": {
            "max_attempts": plan.retry.max_attempts,
            "base_delay_seconds": plan.retry.base_delay_seconds,
            "max_delay_seconds": plan.retry.max_delay_seconds,
        },
        "breaker": {
            "failure_threshold": plan.breaker.failure_threshold,
            "open_seconds": plan.breaker.open_seconds,
        },
        "blocked_message": plan.blocked_message,
    }


def _split_deploy_values(config: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The config's parts known at synth (for ``gateway_config.json``) and its deploy-time
    values (for ``GATEWAY_DEPLOY_VALUES``), each at its place in the document.

    Objects are split key by key; any other value containing a token (a string, or a list with
    one) goes to the deploy-time part whole. The handlers merge the second over the first.
    """
    static: dict[str, Any] = {}
    deploy: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, Mapping):
            inner_static, inner_deploy = _split_deploy_values(value)
            if inner_static or not inner_deploy:
                static[key] = inner_static
            if inner_deploy:
                deploy[key] = inner_deploy
        elif _holds_token(value):
            deploy[key] = value
        else:
            static[key] = value
    return static, deploy


def _holds_token(value: object) -> bool:
    if isinstance(value, str):
        return cdk.Token.is_unresolved(value)
    if isinstance(value, list | tuple):
        return any(_holds_token(v) for v in value)
    return False


def _at_places_of(shape: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    """The values of ``source`` at the places the keys of ``shape`` name."""
    return {
        key: _at_places_of(value, source[key]) if isinstance(value, Mapping) else source[key]
        for key, value in shape.items()
    }


def _config_assets_dir(scope: Construct) -> Path:
    """Where the functions' code and config files are assembled: a directory of this construct
    under the app's outdir (a fresh temporary directory outside any stage)."""
    stage = cdk.Stage.of(scope)
    if stage is None:
        return Path(tempfile.mkdtemp(prefix="genai-gateway-"))
    return Path(stage.outdir) / _CONFIG_ASSETS_DIR / scope.node.addr


def _function_code_dir(config_dir: Path, folder: str, static_config: Mapping[str, Any]) -> Path:
    """A fresh copy of a function folder's modules with ``gateway_config.json`` beside them.

    The directory is rebuilt on every synth and the file written with sorted keys and no
    spaces, so the same code and config always give the same asset hash.
    """
    target = config_dir / folder
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for source in sorted((_LAMBDA_ROOT / folder).glob("*.py")):
        shutil.copyfile(source, target / source.name)
    text = json.dumps(static_config, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    (target / GATEWAY_CONFIG_FILE_NAME).write_text(text + "\n", encoding="utf-8")
    return target


def _environment_size(plan: _Plan, guardrail: Guardrail, log_level: str) -> tuple[int, int]:
    """Worst-case bytes of the invoke function's environment (the largest of the two), and of
    one self-hosted model's deploy-time values in it."""
    _, deploy = _split_deploy_values(_gateway_config(plan, guardrail))
    longest = _at_places_of(deploy, _gateway_config(plan, guardrail, placeholders=True))
    environment = {
        "GATEWAY_CONFIG_FILE": GATEWAY_CONFIG_FILE_NAME,
        "GATEWAY_DEPLOY_VALUES": json.dumps(longest, separators=(",", ":")),
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "LOG_LEVEL": log_level,
        "POWERTOOLS_LOG_LEVEL": log_level,
        "QUOTA_TABLE_NAME": "x" * 255,  # DynamoDB's longest table name
        "KILL_SWITCH_PARAMETER": "x" * 64,
    }
    size = sum(len(k) + len(v.encode("utf-8")) for k, v in environment.items())
    models = longest.get("models", {})
    per_model = (
        sum(len(json.dumps({k: v}, separators=(",", ":"))) for k, v in models.items())
        // len(models)
        if models
        else 0
    )
    return size, per_model


# --------------------------------------------------------------------------- validation


def _is_token(value: object) -> bool:
    return isinstance(value, str) and cdk.Token.is_unresolved(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _int_in(prop: str, value: object, low: int, high: int) -> list[str]:
    if _is_int(value) and low <= value <= high:  # type: ignore[operator]
        return []
    return [f"{prop}: {value!r} is not allowed; give an integer from {low:,} to {high:,}"]


def _number_in(prop: str, value: object, high: float) -> list[str]:
    if _is_number(value) and 0 < value <= high:  # type: ignore[operator]
        return []
    return [f"{prop}: {value!r} is not allowed; give a number greater than 0 and at most {high:g}"]


def _string_list(prop: str, value: object) -> tuple[list[str], list[str]]:
    """The strings of a list prop, and a problem when it is a string or holds non-strings."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [], [f"{prop}: {value!r} is not a list; give a list of strings like [{value!r}]"]
    bad = [v for v in value if not isinstance(v, str)]
    if bad:
        return [v for v in value if isinstance(v, str)], [
            f"{prop}: {bad!r} are not strings; give strings"
        ]
    return list(value), []


def _plan(stack: cdk.Stack, **props: Any) -> tuple[_Plan | None, list[str]]:
    """Check every prop; return what building needs, or the problems."""
    problems: list[str] = []
    guardrail = props["guardrail"]
    catalog = props["model_catalog"]
    if not isinstance(guardrail, Guardrail):
        problems.append(f"guardrail: {guardrail!r} is not a Guardrail construct")
    if not isinstance(catalog, ModelCatalog):
        problems.append(f"model_catalog: {catalog!r} is not a ModelCatalog construct")
        catalog = None

    models, bedrock_aliases, self_hosted, catalog_skipped = _check_models(
        catalog, props["self_hosted_models"], problems
    )
    known = set(models)
    fallbacks = _check_fallbacks(props["fallbacks"], known, catalog_skipped, problems)
    tenants, principal_keys, principal_arns, accounts = _check_tenants(
        props["tenants"], known, catalog_skipped, problems
    )
    default_alias = _check_default_alias(
        props["default_alias"], catalog, known, tenants, catalog_skipped, problems
    )
    features = _check_features(props["features"], problems)
    limits = _check_limits(props["limits"], problems)
    timeouts = _check_timeouts(props["timeouts"], problems)
    retry = _check_retry(props["retry"], problems)
    breaker = _check_breaker(props["breaker"], problems)
    vpc_endpoint = _check_network(props, problems)
    problems += _check_api_props(props)

    if problems:
        return None, problems
    assert limits and timeouts and retry and breaker and default_alias
    plan = _Plan(
        models=models,
        bedrock_aliases=bedrock_aliases,
        self_hosted=self_hosted,
        default_alias=default_alias,
        tenants=tenants,
        principal_keys=principal_keys,
        principal_arns=principal_arns,
        principal_accounts=accounts,
        vpc_endpoint=vpc_endpoint,
        limits=limits,
        timeouts=timeouts,
        retry=retry,
        breaker=breaker,
        features=features,
        blocked_message=props["blocked_message"],
        fallbacks=fallbacks,
    )
    # Tenants, aliases and limits travel in the code's config file; only the deploy-time values
    # (the guardrail, and two names per self-hosted model) are in the environment.
    size, per_model = _environment_size(plan, guardrail, props["log_level"])
    if size > LAMBDA_ENVIRONMENT_LIMIT_BYTES:
        fixed = size - per_model * len(self_hosted)
        fit = max(0, (LAMBDA_ENVIRONMENT_LIMIT_BYTES - fixed) // max(per_model, 1))
        return None, [
            f"self_hosted_models: {len(self_hosted)} self-hosted models make the invoke "
            f"function's environment up to {size:,} bytes, over the "
            f"{LAMBDA_ENVIRONMENT_LIMIT_BYTES:,} bytes Lambda allows (their endpoint and "
            f"inference component names are only known at deploy time); each takes about "
            f"{per_model} bytes, so at most about {fit} fit"
        ]
    return plan, []


def _check_models(
    catalog: ModelCatalog | None,
    self_hosted_models: Mapping[str, InferenceEndpoint] | None,
    problems: list[str],
) -> tuple[dict[str, dict[str, Any]], list[str], dict[str, InferenceEndpoint], dict[str, str]]:
    """The aliases the gateway serves, and why catalogue aliases are left out."""
    models: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    bedrock: list[str] = []
    if catalog is not None:
        text = set(catalog.text_models)
        for alias, model_id in catalog.aliases.items():
            if not _NAME.fullmatch(alias):
                skipped[alias] = (
                    "the gateway only serves aliases of 1-64 lowercase letters, digits, '_' and '-'"
                )
            elif model_id not in text:
                skipped[alias] = f"it names the embedding model {model_id}, which cannot chat"
            else:
                models[alias] = {"kind": "bedrock", "model_id": model_id}
                bedrock.append(alias)
    hosted: dict[str, InferenceEndpoint] = {}
    if self_hosted_models is not None:
        if not isinstance(self_hosted_models, Mapping):
            problems.append(
                f"self_hosted_models: {self_hosted_models!r} is not a mapping; give "
                "{'<alias>': InferenceEndpoint}"
            )
            self_hosted_models = {}
        for alias, endpoint in self_hosted_models.items():
            if not isinstance(alias, str) or not _NAME.fullmatch(alias):
                problems.append(
                    f"self_hosted_models: alias {alias!r} is not allowed; use 1-64 lowercase "
                    "letters, digits, '_' and '-', starting with a letter or digit"
                )
                continue
            if alias in models or (catalog is not None and alias in catalog.aliases):
                problems.append(
                    f"self_hosted_models: alias {alias!r} already names a model of the "
                    "catalogue; pick another alias"
                )
                continue
            if not isinstance(endpoint, InferenceEndpoint):
                problems.append(
                    f"self_hosted_models: {alias!r} maps to {endpoint!r}, not an InferenceEndpoint"
                )
                continue
            if endpoint.inference_component_name is None:
                problems.append(
                    f"self_hosted_models: {alias!r} maps to the async endpoint "
                    f"{endpoint.node.path!r}; the gateway calls real-time endpoints (with an "
                    "inference component) only"
                )
                continue
            models[alias] = {
                "kind": "sagemaker",
                "endpoint_name": endpoint.endpoint_name,
                "inference_component_name": endpoint.inference_component_name,
            }
            hosted[alias] = endpoint
    if catalog is not None and not models:
        reasons = "; ".join(f"{a!r}: {r}" for a, r in skipped.items()) or "it has no aliases"
        problems.append(
            "model_catalog: no alias the gateway can serve and no self_hosted_models; give the "
            f"catalogue aliases of text models ({reasons})"
        )
    return models, bedrock, hosted, skipped


def _unknown(alias: object, known: set[str], skipped: Mapping[str, str]) -> str:
    if isinstance(alias, str) and alias in skipped:
        return f"{alias!r} is a catalogue alias the gateway cannot serve ({skipped[alias]})"
    return f"{alias!r} is not a model alias; known: {sorted(known)}"


def _check_fallbacks(
    fallbacks: Mapping[str, str] | None,
    known: set[str],
    skipped: Mapping[str, str],
    problems: list[str],
) -> dict[str, str]:
    if fallbacks is None:
        return {}
    if not isinstance(fallbacks, Mapping):
        problems.append(f"fallbacks: {fallbacks!r} is not a mapping; give {{'<alias>': '<alias>'}}")
        return {}
    ok = True
    for alias, fallback in fallbacks.items():
        for name in (alias, fallback):
            if name not in known:
                problems.append(f"fallbacks: {_unknown(name, known, skipped)}")
                ok = False
        if alias == fallback:
            problems.append(
                f"fallbacks: {alias!r} falls back to itself; name another alias or none"
            )
            ok = False
    if not ok:
        return {}
    for start in fallbacks:
        seen = [start]
        current = fallbacks.get(start)
        while current is not None:
            if current in seen:
                cycle = " -> ".join([*seen[seen.index(current) :], current])
                problems.append(
                    f"fallbacks: {dict(fallbacks)!r} has the cycle {cycle}; a fallback chain "
                    "must end in a model without a fallback"
                )
                return {}
            seen.append(current)
            current = fallbacks.get(current)
    return dict(fallbacks)


def _check_tenants(
    tenants: Sequence[Tenant],
    known: set[str],
    skipped: Mapping[str, str],
    problems: list[str],
) -> tuple[list[Tenant], dict[str, list[str]], list[str], list[str]]:
    if isinstance(tenants, str) or not isinstance(tenants, Sequence) or not tenants:
        problems.append(f"tenants: {tenants!r} is not allowed; give a non-empty list of Tenant")
        return [], {}, [], []
    valid: list[Tenant] = []
    keys: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    arns: list[str] = []
    accounts: set[str] = set()
    ids: list[str] = []
    for index, tenant in enumerate(tenants):
        prop = f"tenants[{index}]"
        if not isinstance(tenant, Tenant):
            problems.append(f"{prop}: {tenant!r} is not a Tenant")
            continue
        before = len(problems)
        if not isinstance(tenant.id, str) or not _NAME.fullmatch(tenant.id):
            problems.append(
                f"{prop}.id: {tenant.id!r} is not allowed; use 1-64 lowercase letters, digits, "
                "'_' and '-', starting with a letter or digit"
            )
        elif tenant.id in ids:
            problems.append(f"{prop}.id: {tenant.id!r} is used by another tenant; ids are unique")
        ids.append(str(tenant.id))
        principals, bad = _string_list(f"{prop}.principals", tenant.principals)
        problems += bad
        if not bad and not principals:
            problems.append(f"{prop}.principals: [] is empty; give at least one role ARN")
        tenant_keys: list[str] = []
        for arn in principals:
            match = _PRINCIPAL_ARN.fullmatch(arn) if not _is_token(arn) else None
            if match is None:
                problems.append(
                    f"{prop}.principals: {arn!r} is not an IAM role or user ARN; give "
                    "'arn:aws:iam::<account>:role/<name>' (or user/<name>) literally, not a "
                    "token or an assumed-role session ARN"
                )
                continue
            key = f"{match['account']}:{match['kind']}:{match['name']}"
            if key in owner and owner[key] != tenant.id:
                problems.append(
                    f"{prop}.principals: {arn!r} already belongs to tenant {owner[key]!r}; a "
                    "principal belongs to one tenant"
                )
                continue
            owner[key] = str(tenant.id)
            if key not in tenant_keys:
                tenant_keys.append(key)
                arns.append(arn)
                accounts.add(match["account"])
        aliases, bad = _string_list(f"{prop}.aliases", tenant.aliases)
        problems += bad
        if not bad and not aliases:
            problems.append(f"{prop}.aliases: [] is empty; give at least one model alias")
        for alias in aliases:
            if alias not in known:
                problems.append(f"{prop}.aliases: {_unknown(alias, known, skipped)}")
        problems += _int_in(
            f"{prop}.monthly_token_quota", tenant.monthly_token_quota, 1, _MAX_QUOTA
        )
        problems += _number_in(f"{prop}.rate_limit_rps", tenant.rate_limit_rps, _MAX_STAGE_RATE)
        problems += _int_in(f"{prop}.burst_limit", tenant.burst_limit, 1, _MAX_STAGE_BURST)
        problems += _int_in(
            f"{prop}.monthly_request_quota", tenant.monthly_request_quota, 1, _MAX_QUOTA
        )
        if not isinstance(tenant.log_content, bool):
            problems.append(f"{prop}.log_content: {tenant.log_content!r} is not True or False")
        if len(problems) == before:
            valid.append(tenant)
            keys[tenant.id] = tenant_keys
    return valid, keys, list(dict.fromkeys(arns)), sorted(accounts)


def _check_default_alias(
    default_alias: str | None,
    catalog: ModelCatalog | None,
    known: set[str],
    tenants: list[Tenant],
    skipped: Mapping[str, str],
    problems: list[str],
) -> str | None:
    if default_alias is not None:
        if default_alias not in known:
            problems.append(f"default_alias: {_unknown(default_alias, known, skipped)}")
            return None
        return default_alias
    if catalog is not None and catalog.default_alias in known:
        return catalog.default_alias
    if tenants:
        return str(next(iter(tenants[0].aliases)))
    return None


def _check_features(features: Sequence[str], problems: list[str]) -> list[str]:
    values, bad = _string_list("features", features)
    problems += bad
    wrong = [f for f in values if not _NAME.fullmatch(f) or f in _RESERVED_FEATURES]
    if wrong:
        problems.append(
            f"features: {wrong!r} are not allowed; feature tags are 1-64 lowercase letters, "
            "digits, '_' and '-' and not 'other' or 'none' (reserved for the metrics)"
        )
    repeated = sorted({f for f in values if values.count(f) > 1})
    if repeated:
        problems.append(f"features: {repeated!r} listed more than once; list each once")
    if len(values) > _MAX_FEATURES:
        problems.append(
            f"features: {len(values)} tags given; at most {_MAX_FEATURES} keep the metrics' "
            "dimension cardinality bounded"
        )
    return values


def _check_limits(limits: RequestLimits | None, problems: list[str]) -> RequestLimits | None:
    limits = RequestLimits() if limits is None else limits
    if not isinstance(limits, RequestLimits):
        problems.append(f"limits: {limits!r} is not a RequestLimits")
        return None
    before = len(problems)
    problems += _int_in("limits.max_body_bytes", limits.max_body_bytes, 1024, _MAX_BODY_BYTES)
    problems += _int_in("limits.max_messages", limits.max_messages, 1, 1000)
    problems += _int_in("limits.max_message_chars", limits.max_message_chars, 1, 1_000_000)
    problems += _int_in("limits.max_system_chars", limits.max_system_chars, 1, 1_000_000)
    problems += _int_in("limits.max_output_tokens", limits.max_output_tokens, 1, 1_000_000)
    return limits if len(problems) == before else None


def _check_timeouts(timeouts: CallTimeouts | None, problems: list[str]) -> CallTimeouts | None:
    timeouts = CallTimeouts() if timeouts is None else timeouts
    if not isinstance(timeouts, CallTimeouts):
        problems.append(f"timeouts: {timeouts!r} is not a CallTimeouts")
        return None
    before = len(problems)
    longest = API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS - INVOKE_TIMEOUT_MARGIN_SECONDS
    problems += _number_in("timeouts.connect_seconds", timeouts.connect_seconds, 60)
    problems += _number_in("timeouts.read_seconds", timeouts.read_seconds, 900)
    deadline = _number_in("timeouts.deadline_seconds", timeouts.deadline_seconds, longest)
    if deadline:
        problems.append(
            f"timeouts.deadline_seconds: {timeouts.deadline_seconds!r} is not allowed; give a "
            f"number greater than 0 and at most {longest} (the function gets "
            f"{INVOKE_TIMEOUT_MARGIN_SECONDS} s more and must end before API Gateway's "
            f"{API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS} s integration timeout)"
        )
    if len(problems) != before:
        return None
    for name in ("read_seconds", "connect_seconds"):
        if getattr(timeouts, name) > timeouts.deadline_seconds:
            problems.append(
                f"timeouts.{name}: {getattr(timeouts, name)!r} is longer than the deadline "
                f"({timeouts.deadline_seconds!r}); give at most the deadline"
            )
    return timeouts if len(problems) == before else None


def _check_retry(retry: RetryPolicy | None, problems: list[str]) -> RetryPolicy | None:
    retry = RetryPolicy() if retry is None else retry
    if not isinstance(retry, RetryPolicy):
        problems.append(f"retry: {retry!r} is not a RetryPolicy")
        return None
    before = len(problems)
    problems += _int_in("retry.max_attempts", retry.max_attempts, 1, 10)
    problems += _number_in("retry.base_delay_seconds", retry.base_delay_seconds, 60)
    problems += _number_in("retry.max_delay_seconds", retry.max_delay_seconds, 300)
    if len(problems) == before and retry.max_delay_seconds < retry.base_delay_seconds:
        problems.append(
            f"retry.max_delay_seconds: {retry.max_delay_seconds!r} is shorter than "
            f"retry.base_delay_seconds ({retry.base_delay_seconds!r}); give at least the base"
        )
    return retry if len(problems) == before else None


def _check_breaker(breaker: CircuitBreaker | None, problems: list[str]) -> CircuitBreaker | None:
    breaker = CircuitBreaker() if breaker is None else breaker
    if not isinstance(breaker, CircuitBreaker):
        problems.append(f"breaker: {breaker!r} is not a CircuitBreaker")
        return None
    before = len(problems)
    problems += _int_in("breaker.failure_threshold", breaker.failure_threshold, 1, 1000)
    problems += _number_in("breaker.open_seconds", breaker.open_seconds, 3600)
    return breaker if len(problems) == before else None


def _check_network(
    props: Mapping[str, Any], problems: list[str]
) -> ec2.IInterfaceVpcEndpoint | None:
    endpoint_type = props["endpoint_type"]
    vpc_endpoint = props["vpc_endpoint"]
    network = props["private_network"]
    if network is not None and not isinstance(network, PrivateNetwork):
        problems.append(f"private_network: {network!r} is not a PrivateNetwork")
    if endpoint_type not in (apigateway.EndpointType.REGIONAL, apigateway.EndpointType.PRIVATE):
        problems.append(
            f"endpoint_type: {endpoint_type!r} is not allowed; give EndpointType.REGIONAL or "
            "EndpointType.PRIVATE (edge-optimized APIs route through CloudFront, outside the "
            "regional WAF)"
        )
        return None
    if endpoint_type == apigateway.EndpointType.PRIVATE:
        if vpc_endpoint is None and network is None:
            problems.append(
                "endpoint_type: PRIVATE needs a way in; give vpc_endpoint (an execute-api "
                "interface endpoint) or private_network (whose execute-api endpoint is used or "
                "created)"
            )
        return vpc_endpoint  # type: ignore[no-any-return]
    if vpc_endpoint is not None:
        problems.append(
            f"vpc_endpoint: {vpc_endpoint.node.path!r} is only used by a PRIVATE API; set "
            "endpoint_type=EndpointType.PRIVATE or leave vpc_endpoint out"
        )
    return None


def _check_api_props(props: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    prefix = props["name_prefix"]
    if not isinstance(prefix, str) or not _NAME_PREFIX.fullmatch(prefix):
        problems.append(
            f"name_prefix: {prefix!r} is not allowed; use 3-32 lowercase letters, digits and "
            "hyphens, starting with a letter and ending with a letter or digit"
        )
    stage = props["stage_name"]
    if not isinstance(stage, str) or not _STAGE_NAME.fullmatch(stage):
        problems.append(f"stage_name: {stage!r} is not allowed; use 1-64 letters, digits and '_'")
    org = props["organization_id"]
    if (
        org is not None
        and not _is_token(org)
        and not (isinstance(org, str) and _ORGANIZATION_ID.fullmatch(org))
    ):
        problems.append(
            f"organization_id: {org!r} is not an AWS Organizations id; expected 'o-' followed "
            "by 10 to 32 lowercase letters or digits"
        )
    problems += _number_in("throttle_rate_limit", props["throttle_rate_limit"], _MAX_STAGE_RATE)
    problems += _int_in("throttle_burst_limit", props["throttle_burst_limit"], 1, _MAX_STAGE_BURST)
    problems += _int_in("waf_rate_limit", props["waf_rate_limit"], *_WAF_RATE_LIMIT_RANGE)
    rules, bad = _string_list("waf_count_rules", props["waf_count_rules"])
    problems += bad
    unknown = [r for r in rules if r not in COMMON_RULE_SET_RULES]
    if unknown:
        problems.append(
            f"waf_count_rules: {unknown!r} are not rules of AWSManagedRulesCommonRuleSet; "
            f"allowed: {', '.join(COMMON_RULE_SET_RULES)}"
        )
    message = props["blocked_message"]
    if not isinstance(message, str) or not message.strip() or len(message) > 2000:
        problems.append(
            f"blocked_message: {message!r} is not allowed; give 1-2,000 characters of text"
        )
    problems += _int_in(
        "invoke_reserved_concurrency",
        props["invoke_reserved_concurrency"],
        1,
        _MAX_RESERVED_CONCURRENCY,
    )
    problems += _int_in(
        "feedback_reserved_concurrency",
        props["feedback_reserved_concurrency"],
        1,
        _MAX_RESERVED_CONCURRENCY,
    )
    problems += _int_in("feedback_ttl_days", props["feedback_ttl_days"], 1, _MAX_TTL_DAYS)
    if props["log_retention"] == logs.RetentionDays.INFINITE:
        problems.append(
            "log_retention: RetentionDays.INFINITE keeps logs forever; choose a finite "
            "retention such as RetentionDays.ONE_YEAR"
        )
    if props["log_level"] not in _LOG_LEVELS:
        problems.append(
            f"log_level: {props['log_level']!r} is not allowed; give one of "
            f"{', '.join(_LOG_LEVELS)}"
        )
    problems += _int_in("powertools_layer_version", props["powertools_layer_version"], 1, 10_000)
    return problems


def _validate_caller(stack: cdk.Stack, **props: Any) -> list[str]:
    problems: list[str] = []
    tenant = props["tenant_id"]
    if not isinstance(tenant, str) or not _NAME.fullmatch(tenant):
        problems.append(
            f"tenant_id: {tenant!r} is not allowed; use 1-64 lowercase letters, digits, '_' and "
            "'-', starting with a letter or digit"
        )
    account = props["genai_account"]
    if not _is_token(account) and not (isinstance(account, str) and _ACCOUNT.fullmatch(account)):
        problems.append(f"genai_account: {account!r} is not a 12-digit AWS account id")
    if not isinstance(props["assumed_by"], iam.PrincipalBase) and not hasattr(
        props["assumed_by"], "policy_fragment"
    ):
        problems.append(f"assumed_by: {props['assumed_by']!r} is not an IAM principal")
    prefix = props["name_prefix"]
    if not isinstance(prefix, str) or not _NAME_PREFIX.fullmatch(prefix):
        problems.append(
            f"name_prefix: {prefix!r} is not allowed; use 3-32 lowercase letters, digits and "
            "hyphens, starting with a letter and ending with a letter or digit"
        )
    region = props["region"]
    if (
        region is not None
        and not _is_token(region)
        and not (isinstance(region, str) and _REGION.fullmatch(region))
    ):
        problems.append(f"region: {region!r} is not an AWS region name such as 'us-east-1'")
    stage = props["stage_name"]
    if not isinstance(stage, str) or not _STAGE_NAME.fullmatch(stage):
        problems.append(f"stage_name: {stage!r} is not allowed; use 1-64 letters, digits and '_'")
    role_name = props["role_name"]
    if not _is_token(role_name) and not (
        isinstance(role_name, str) and _ROLE_NAME.fullmatch(role_name)
    ):
        problems.append(
            f"role_name: {role_name!r} is not allowed; IAM role names are 1-64 letters, "
            "digits and '+=,.@_-' (a shorter name_prefix or tenant_id, or an explicit "
            "role_name, fits)"
        )
    secret = props["api_key_secret"]
    if not isinstance(secret, str) or not re.fullmatch(r"[\w/+=.@-]{1,512}", secret):
        problems.append(
            f"api_key_secret: {secret!r} is not a Secrets Manager secret name (1-512 letters, "
            "digits and '/_+=.@-')"
        )
    return problems
