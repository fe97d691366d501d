"""The guarded inference API construct: one SigV4-signed HTTPS API in front of every approved
model (see the package documentation for everything it builds)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

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
from constructs import Construct

from genai_platform.compliance import acknowledge
from genai_platform.constructs.grants import managed_policy_grantee
from genai_platform.constructs.interfaces import (
    IGuardedInferenceApi,
    IGuardrail,
    IInferenceEndpoint,
    IKnowledgeBase,
)
from genai_platform.constructs.keys import logs_may_use_key
from genai_platform.constructs.model_catalog import ModelCatalog
from genai_platform.constructs.private_network import PrivateNetwork
from genai_platform.patterns.guarded_inference_api._names import _nag_value
from genai_platform.patterns.guarded_inference_api.edge import (
    _GATEWAY_RESPONSES,
    _access_log_format,
    _chat_schema,
    _feedback_schema,
    _openai_chat_schema,
    _resource_policy,
    account_logging_role,
    build_web_acl,
    execute_api_endpoint,
)
from genai_platform.patterns.guarded_inference_api.functions import (
    _grant_table_key,
    _powertools_layer_arn,
    build_function,
    encrypted_log_group,
    function_security_group,
    interface_endpoint_for,
)
from genai_platform.patterns.guarded_inference_api.identity_keys import IssuerKeySets, jose_layer
from genai_platform.patterns.guarded_inference_api.profiles import (
    APPLICATION_INFERENCE_PROFILE_QUOTA,
    GATEWAY_TAG_KEY,
    UNPRICED_WARNING_ID,
    TenantProfiles,
)
from genai_platform.patterns.guarded_inference_api.props import (
    _ASSET_EXCLUDES,
    _FEEDBACK_TIMEOUT_SECONDS,
    _LAMBDA_ROOT,
    API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS,
    DEFAULT_BLOCKED_MESSAGE,
    DEFAULT_NAME_PREFIX,
    DEFAULT_POWERTOOLS_LAYER_VERSION,
    DEFAULT_STAGE_NAME,
    IMPORTED_KEY_WARNING_ID,
    INVOKE_TIMEOUT_MARGIN_SECONDS,
    METRICS_NAMESPACE,
    ROUTES,
    RUNTIME,
    SERVICE_NAME,
    CallTimeouts,
    CircuitBreaker,
    RequestLimits,
    RetryPolicy,
    Tenant,
    gateway_route_arns,
)
from genai_platform.patterns.guarded_inference_api.props import (
    api_key_secret_name as _secret_name,
)
from genai_platform.patterns.guarded_inference_api.retrieval import (
    grant_retrieval,
    retrieve_schema,
)
from genai_platform.patterns.guarded_inference_api.routing_config import (
    DEFAULT_CONFIG_POLL_SECONDS,
    RoutingConfigStore,
    _gateway_config,
)
from genai_platform.patterns.guarded_inference_api.tables import build_table, kill_switch
from genai_platform.patterns.guarded_inference_api.tenants import TenantAccess
from genai_platform.patterns.guarded_inference_api.validation import (
    _Plan,
    _plan,
    _validate_api_import,
)

__all__ = ["GuardedInferenceApi"]


class GuardedInferenceApi(Construct):
    """The platform's inference API: IAM-authenticated, WAF-protected, per-tenant metered.

    Application teams call it from their own accounts with SigV4-signed requests and their
    tenant's API key (``x-api-key``): the resource policy admits only the tenants' principals,
    the usage plans meter requests per tenant, the invoke function meters tokens per tenant,
    enforces the guardrail, timeouts, retries and circuit breaking, and falls back to another
    model when one fails. See the module documentation for everything it builds.

    Deployment notes: API Gateway writes access and execution logs only once the account's
    API Gateway CloudWatch Logs role (``AWS::ApiGateway::Account``, one setting per account and
    region, shared by every REST API there) is set. By default the construct leaves that
    setting alone; pass ``cloud_watch_role=True`` to let this stack set it, to a role with the
    policy AWS documents for it (which serves every other REST API in the account too). The
    functions reserve no concurrency unless asked (a reservation fails on accounts with a low
    concurrency quota, since Lambda keeps 100 unreserved). The tenants' roles need not exist
    when this stack deploys: every policy names them by ``aws:PrincipalArn``, not as principals.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        guardrail: IGuardrail,
        model_catalog: ModelCatalog,
        tenants: Sequence[Tenant],
        self_hosted_models: Mapping[str, IInferenceEndpoint] | None = None,
        fallbacks: Mapping[str, str] | None = None,
        knowledge_bases: Mapping[str, IKnowledgeBase] | None = None,
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
        invoke_reserved_concurrency: int | None = None,
        feedback_reserved_concurrency: int | None = None,
        feedback_ttl_days: int = 90,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        log_level: str = "INFO",
        encryption_key: kms.IKey | None = None,
        powertools_layer_version: int = DEFAULT_POWERTOOLS_LAYER_VERSION,
        cloud_watch_role: bool = False,
        tracing: bool = False,
        max_application_inference_profiles: int = APPLICATION_INFERENCE_PROFILE_QUOTA,
    ) -> None:
        """Validate every prop, then build the API, its functions, tables and protections.

        Args:
            guardrail: The guardrail every model call goes through (its published version): a
                :class:`Guardrail`, or one another stack, app or account owns referenced with
                ``Guardrail.from_guardrail_attributes``. A ``Guardrail`` of a stack in another
                account or Region is refused (its ARN would have to travel as a CloudFormation
                export): import it by its ARN instead.
            model_catalog: The approved Bedrock models; its aliases that are text models and
                lowercase names (``[a-z0-9][a-z0-9_-]{0,63}``) are the Bedrock aliases callers
                may choose. The invoke function is granted the catalogue's text models, only
                with ``guardrail``.
            tenants: The application teams allowed to call (at least one); see :class:`Tenant`.
            self_hosted_models: Alias to a real-time :class:`InferenceEndpoint` (inference
                component) callers may choose, or an endpoint another stack owns referenced
                with ``InferenceEndpoint.from_endpoint_attributes``; the same guardrail is
                applied to its input and output through ApplyGuardrail. The endpoint must be
                in this stack's account and Region (SageMaker endpoints are invoked in the
                caller's own account); one owned by a stack of another environment is refused.
                Only ``grant_invoke`` is used: scaling, wake-up from zero and logs stay with
                the endpoint's owner. Default: Bedrock models only.
            fallbacks: Alias to the alias that serves while the first one's circuit breaker is
                open or its endpoint wakes from zero (no self-references, no cycles).
                Default: no fallback; callers then get 503 with Retry-After.
            knowledge_bases: Alias to an :class:`IKnowledgeBase` (in this stack's account
                and Region) that tenants with a :class:`TenantRetrieval` may search through
                ``POST /v1/retrieve`` and grounded ``POST /v1/chat``. The invoke function gets
                ``bedrock:Retrieve`` on exactly these (``grant_retrieve``), the private network
                a ``bedrock-agent-runtime`` endpoint, and, for tenants with an identity
                provider, a python-jose layer and the scheduled key-set copier (see
                :mod:`.identity_keys`). What a caller may read follows from its identity only.
                Default: none; the retrieve route is not created.
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
                default endpoints cover Bedrock, SageMaker, SSM and DynamoDB; an
                ``appconfigdata`` endpoint for the routing config, and ``xray`` with
                ``tracing``, are added when it lacks them), and a PRIVATE API can use its
                ``execute-api`` endpoint. Default: no VPC; the functions call
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
                which caps concurrent model calls and is taken from the account's unreserved
                pool (Lambda keeps at least 100 unreserved, so the account's concurrency quota
                must exceed the sum of all reservations plus 100). Default: none reserved; the
                stage throttling and the tenants' usage plans bound concurrency.
            feedback_reserved_concurrency: Reserved concurrency of the feedback function
                (1-1,000). Default: none reserved.
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
            cloud_watch_role: Whether this stack sets the account's API Gateway CloudWatch Logs
                role (``AWS::ApiGateway::Account``), which access and execution logging need.
                It is one setting per account and region: the role gets AWS's managed policy
                ``AmazonAPIGatewayPushToCloudWatchLogs`` so every REST API there keeps logging.
                Default: off; the setting must then already exist (an info annotation says so).
            tracing: Active X-Ray tracing of the functions (with a private network, an ``xray``
                interface endpoint is added, since the isolated subnets have no other route to
                X-Ray). Default: off; the API stage still sends its own traces to X-Ray.
            max_application_inference_profiles: The account's Bedrock quota "Application
                inference profiles per account" in this region: every tenant gets one
                application inference profile per Bedrock alias it may use (see
                :mod:`.profiles`), and synth fails when they would not fit. Default:
                :data:`~.profiles.APPLICATION_INFERENCE_PROFILE_QUOTA` (1,000).

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
            knowledge_bases=knowledge_bases,
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
            max_application_inference_profiles=max_application_inference_profiles,
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

        # ---- keys, tables, the kill switch and the routing config
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
        key = self._encryption_key
        self._quota_table = build_table(
            self, "QuotaTable", "pk", sort_key=None, ttl_attribute=None, key=key
        )
        self._feedback_table = build_table(
            self,
            "FeedbackTable",
            "response_id",
            sort_key="caller",
            ttl_attribute="expires_at",
            key=key,
        )
        self._kill_switch = kill_switch(self, name_prefix=name_prefix)
        # Response ids carry an HMAC the feedback function verifies, so feedback is accepted
        # only for responses the gateway issued to that caller. Both functions derive the same
        # signing key at cold start (kms:GenerateMac over a fixed label): nothing is stored.
        # KMS does not rotate HMAC keys automatically (AWS KMS Developer Guide, "Rotating
        # AWS KMS keys": automatic rotation is for symmetric encryption keys only).
        self._response_id_key = kms.Key(
            self,
            "ResponseIdKey",
            description=f"Signs the response ids of the inference API {self.node.path}",
            key_spec=kms.KeySpec.HMAC_256,
            key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # Cost per tenant: a profile per tenant and Bedrock alias, invoked by the gateway.
        self._tenant_profiles = TenantProfiles(
            self,
            "TenantProfiles",
            profiled=plan.profiled,
            models={a: model_catalog.model(a) for a in plan.bedrock_aliases},
            name_prefix=name_prefix,
        )
        plan.profile_arns = self._tenant_profiles.arns()
        for alias, reason in plan.unpriced.items():
            cdk.Annotations.of(self).add_warning_v2(
                UNPRICED_WARNING_ID,
                f"alias {alias!r}: no price in the price table ({reason}); the gateway emits no "
                "CostUSD for it",
            )
        self._config_document = _gateway_config(plan, guardrail)
        self._routing_config = RoutingConfigStore(
            self,
            "RoutingConfig",
            document=self._config_document,
            name_prefix=name_prefix,
            stage_name=stage_name,
        )

        # ---- the functions
        self._security_group: ec2.SecurityGroup | None = None
        if private_network is not None:
            self._security_group = function_security_group(self, private_network.vpc)
            self._add_function_endpoints(private_network, tracing=tracing)
        shared_layer = lambda_.LayerVersion(
            self,
            "SharedLayer",
            code=lambda_.Code.from_asset(str(_LAMBDA_ROOT / "shared"), exclude=_ASSET_EXCLUDES),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="gw_common: caller identity, JSON parsing, responses and config reading",
        )
        powertools_layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "PowertoolsLayer",
            _powertools_layer_arn(stack, powertools_layer_version),
        )
        common_env = {
            "RESPONSE_ID_KEY_ARN": self._response_id_key.key_arn,
            "TRACING_ENABLED": "true" if tracing else "false",
            "GATEWAY_CONFIG_APPCONFIG": self._routing_config.locator,
            "GATEWAY_CONFIG_POLL_SECONDS": str(DEFAULT_CONFIG_POLL_SECONDS),
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "LOG_LEVEL": log_level,
            "POWERTOOLS_LOG_LEVEL": log_level,
        }
        function_props: dict[str, Any] = {
            "layers": [shared_layer, powertools_layer],
            "network": private_network,
            "security_group": self._security_group,
            "tracing": tracing,
            "key": key,
            "log_retention": log_retention,
        }
        invoke_props = dict(function_props)
        if plan.retrieval is not None and plan.retrieval.identities:
            invoke_props["layers"] = [*function_props["layers"], jose_layer(self, "JoseLayer")]
        self._invoke_function, self._invoke_role = build_function(
            self,
            "Invoke",
            handler="invoke_app.lambda_handler",
            code_dir=_LAMBDA_ROOT / "invoke",
            description="Guarded inference API: POST /v1/chat and GET /v1/models",
            timeout=cdk.Duration.seconds(
                math.ceil(plan.timeouts.deadline_seconds) + INVOKE_TIMEOUT_MARGIN_SECONDS
            ),
            memory_mib=512,
            reserved_concurrency=invoke_reserved_concurrency,
            environment={
                **common_env,
                "QUOTA_TABLE_NAME": self._quota_table.table_name,
                "KILL_SWITCH_PARAMETER": self._kill_switch.parameter_name,
                "API_INTEGRATION_TIMEOUT_MS": str(API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS * 1000),
            },
            **invoke_props,
        )
        self._feedback_function, self._feedback_role = build_function(
            self,
            "Feedback",
            handler="feedback_app.lambda_handler",
            code_dir=_LAMBDA_ROOT / "feedback",
            description="Guarded inference API: POST /v1/feedback",
            timeout=cdk.Duration.seconds(_FEEDBACK_TIMEOUT_SECONDS),
            memory_mib=256,
            reserved_concurrency=feedback_reserved_concurrency,
            environment={
                **common_env,
                "FEEDBACK_TABLE_NAME": self._feedback_table.table_name,
                "FEEDBACK_TTL_DAYS": str(feedback_ttl_days),
                "API_INTEGRATION_TIMEOUT_MS": str(API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS * 1000),
            },
            **function_props,
        )
        self._grant_invoke_function(model_catalog)
        self._key_sets = self._add_retrieval(private_network, key, log_retention)
        self._grant_feedback_function()
        for role in (self._invoke_role, self._feedback_role):
            self._routing_config.grant_read(role)
            iam.Grant.add_to_principal(
                grantee=role,
                actions=["kms:GenerateMac"],
                resource_arns=[self._response_id_key.key_arn],
                conditions={"StringEquals": {"kms:MacAlgorithm": "HMAC_SHA_256"}},
            )

        # ---- the API
        self._vpc_endpoint = plan.vpc_endpoint
        if endpoint_type == apigateway.EndpointType.PRIVATE and self._vpc_endpoint is None:
            assert private_network is not None  # validated
            self._vpc_endpoint = execute_api_endpoint(
                self,
                private_network,
                principal_accounts=plan.principal_accounts,
                principal_arns=plan.principal_arns,
                route_arns=self.route_arns(),
                name_prefix=name_prefix,
            )
        self._access_log_group = encrypted_log_group(
            self, "AccessLogGroup", key=key, retention=log_retention
        )
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
            policy=_resource_policy(
                plan, stage_name, organization_id, self._vpc_endpoint, name_prefix=name_prefix
            ),
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
                # API Gateway sends its own segments to X-Ray (not from the VPC).
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
            encryption_key=key,
            retention=log_retention,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # The stage logs to that group from its first request on, once the account's
        # logging role is set.
        self._api.deployment_stage.node.add_dependency(self._execution_log_group)
        if cloud_watch_role:
            self._api.deployment_stage.node.add_dependency(account_logging_role(self))
        else:
            cdk.Annotations.of(self).add_info(
                "cloud_watch_role is off: the account's API Gateway CloudWatch Logs role "
                "(AWS::ApiGateway::Account, one per account and region) must already be set, or "
                "the stage's access and execution logging fails to deploy; pass "
                "cloud_watch_role=True to let this stack set it"
            )
        self._add_routes(plan)
        self._add_gateway_responses()
        self._secrets_key = kms.Key(
            self,
            "ApiKeySecretsKey",
            description=f"Encrypts the tenants' API key secrets of {self.node.path}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self._tenant_access = TenantAccess(
            self,
            tenants=plan.tenants,
            api=self._api,
            secrets_key=self._secrets_key,
            name_prefix=name_prefix,
        )

        # ---- WAF
        self._web_acl_name = f"{name_prefix}-gateway-{cdk.Names.unique_id(self)[-8:]}"
        self._web_acl = build_web_acl(
            self,
            name=self._web_acl_name,
            metric_prefix=f"{name_prefix}-gateway",
            stage_arn=self._api.deployment_stage.stage_arn,
            rate_limit=waf_rate_limit,
            count_rules=waf_count_rules,
            log_group_key=key,
            retention=log_retention,
        )

        self._acknowledge_api()

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

    # ------------------------------------------------------------------ import

    @staticmethod
    def from_api_attributes(
        scope: Construct,
        id: str,
        *,
        api_id: str,
        account: str,
        region: str | None = None,
        stage_name: str = DEFAULT_STAGE_NAME,
        name_prefix: str = DEFAULT_NAME_PREFIX,
    ) -> IGuardedInferenceApi:
        """Reference a guarded inference API that another stack, app or account owns.

        What an application account needs to call it, for example for
        :class:`GatewayCallerRole` ``(api=...)``: the returned object's
        :attr:`~IGuardedInferenceApi.execute_api_arns` and ``grant_invoke`` name exactly the
        three routes of ``api_id`` on ``stage_name`` in ``account`` and ``region``. Nothing is
        created.

        Args:
            scope: Parent construct.
            id: Construct id.
            api_id: The REST API's id (10 lowercase letters and digits), or a token.
            account: The 12-digit account the API lives in (the generative-AI account).
            region: The API's Region. Default: this stack's Region.
            stage_name: The API's stage (1-64 letters, digits, ``_``). Default: ``prod``.
            name_prefix: The API's ``name_prefix`` (it names the tenants' API key secrets).
                Default: ``genai``.

        Raises:
            ValueError: listing every invalid attribute, its value and what is allowed.
        """
        problems = _validate_api_import(
            api_id=api_id,
            account=account,
            region=region,
            stage_name=stage_name,
            name_prefix=name_prefix,
        )
        if problems:
            path = "/".join(p for p in (scope.node.path, id) if p)
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"GuardedInferenceApi.from_api_attributes {path!r}: invalid attributes "
                f"({len(problems)} problems):\n{lines}"
            )
        return _ImportedApi(
            scope,
            id,
            api_id=api_id,
            account=account,
            region=region or cdk.Stack.of(scope).region,
            stage_name=stage_name,
            name_prefix=name_prefix,
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

    # ------------------------------------------------------------------ building

    def _add_function_endpoints(self, network: PrivateNetwork, *, tracing: bool) -> None:
        """The interface endpoints the functions need, added to the network when it lacks them:
        AppConfig Data (the routing config), SSM (the kill switch), KMS (the response-id key),
        Bedrock runtime (Converse, ApplyGuardrail), SageMaker runtime (self-hosted models) and,
        with tracing, X-Ray. The isolated subnets have no other route out, so without them those
        calls fail (and traces are silently lost)."""
        account = iam.AccountPrincipal(self._stack.account)
        interface_endpoint_for(
            self,
            network,
            service="appconfigdata",
            id="AppConfigDataEndpoint",
            statement=iam.PolicyStatement(
                sid="GatewayFunctionsReadTheRoutingConfig",
                principals=[account],
                actions=[
                    "appconfig:StartConfigurationSession",
                    "appconfig:GetLatestConfiguration",
                ],
                resources=[self._routing_config.configuration_arn],
            ),
        )
        # What the functions call on every cold start or request: the kill switch (SSM), the
        # response-id key (KMS), and the models. Reused when the network has them already.
        needed = [
            ("ssm", "SsmEndpoint", ["ssm:GetParameter"], [self._kill_switch.parameter_arn]),
            ("kms", "KmsEndpoint", ["kms:GenerateMac"], [self._response_id_key.key_arn]),
        ]
        if self._plan.bedrock_aliases or self._plan.self_hosted:
            needed.append(
                (
                    "bedrock-runtime",
                    "BedrockRuntimeEndpoint",
                    [
                        "bedrock:InvokeModel",
                        "bedrock:InvokeModelWithResponseStream",
                        "bedrock:ApplyGuardrail",
                    ],
                    ["*"],
                )
            )
        if self._plan.self_hosted:
            needed.append(
                (
                    "sagemaker.runtime",
                    "SageMakerRuntimeEndpoint",
                    ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
                    ["*"],
                )
            )
        for service, endpoint_id, actions, resources in needed:
            interface_endpoint_for(
                self,
                network,
                service=service,
                id=endpoint_id,
                statement=iam.PolicyStatement(
                    sid=f"GatewayFunctionsCall{endpoint_id.removesuffix('Endpoint')}",
                    principals=[account],
                    actions=actions,
                    resources=resources,
                ),
            )
        if tracing:
            interface_endpoint_for(
                self,
                network,
                service="xray",
                id="XRayEndpoint",
                statement=iam.PolicyStatement(
                    sid="GatewayFunctionsSendTraces",
                    principals=[account],
                    actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                    resources=["*"],
                ),
            )

    def _add_retrieval(
        self, network: PrivateNetwork | None, key: kms.IKey, retention: logs.RetentionDays
    ) -> IssuerKeySets | None:
        """Retrieve on exactly the configured knowledge bases, the key-set copier, and the
        endpoints the invoke function needs for them in the private network."""
        plan = self._plan.retrieval
        if plan is None:
            return None
        key_sets = None
        if plan.identities:
            key_sets = IssuerKeySets(
                self,
                "IssuerKeySets",
                identities=plan.identities,
                name_prefix=self._name_prefix,
                key=key,
                log_retention=retention,
            )
        parameter_arns = [p.parameter_arn for p in key_sets.parameters.values()] if key_sets else []
        grant_retrieval(self._invoke_role, plan, parameter_arns)
        if network is not None:
            account = iam.AccountPrincipal(self._stack.account)
            interface_endpoint_for(
                self,
                network,
                service="bedrock-agent-runtime",
                id="BedrockAgentRuntimeEndpoint",
                statement=iam.PolicyStatement(
                    sid="GatewayFunctionsRetrieve",
                    principals=[account],
                    actions=["bedrock:Retrieve"],
                    resources=[kb.knowledge_base_arn for kb in plan.knowledge_bases.values()],
                ),
            )
            ssm_endpoint = network.interface_endpoints.get("ssm") or self.node.try_find_child(
                "SsmEndpoint"
            )
            if parameter_arns and isinstance(ssm_endpoint, ec2.InterfaceVpcEndpoint):
                ssm_endpoint.add_to_policy(
                    iam.PolicyStatement(
                        sid="GatewayFunctionsReadIssuerKeySets",
                        principals=[account],
                        actions=["ssm:GetParameter"],
                        resources=parameter_arns,
                    )
                )
        return key_sets

    def _grant_invoke_function(self, catalog: ModelCatalog) -> None:
        fn = self._invoke_function
        if self._plan.bedrock_aliases:
            # Approved text models and the tenants' application inference profiles, only with
            # the guardrail, and ApplyGuardrail.
            catalog.grant_invoke_application_profiles(
                fn, self._guardrail, tag_key=GATEWAY_TAG_KEY, tag_value=self._name_prefix
            )
            self._acknowledge_profile_wildcard(catalog)
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
        openai_model = api.add_model(
            "ChatCompletionsRequestModel",
            content_type="application/json",
            model_name="ChatCompletionsRequest",
            description="POST /v1/chat/completions body (OpenAI chat-completions shape)",
            schema=_openai_chat_schema(plan.limits),
        )
        v1 = api.root.add_resource("v1")
        invoke = apigateway.LambdaIntegration(self._invoke_function, allow_test_invoke=False)
        feedback = apigateway.LambdaIntegration(self._feedback_function, allow_test_invoke=False)
        chat = v1.add_resource("chat")
        self._methods = {
            ("POST", "/v1/chat"): chat.add_method(
                "POST",
                invoke,
                request_validator=validator,
                # Every content type is validated: "$default" catches bodies sent as another.
                request_models={"application/json": chat_model, "$default": chat_model},
            ),
            # The same chat path in OpenAI's shape (the invoke function translates both ways).
            ("POST", "/v1/chat/completions"): chat.add_resource("completions").add_method(
                "POST",
                invoke,
                request_validator=validator,
                request_models={"application/json": openai_model, "$default": openai_model},
            ),
            ("GET", "/v1/models"): v1.add_resource("models").add_method("GET", invoke),
            ("POST", "/v1/feedback"): v1.add_resource("feedback").add_method(
                "POST",
                feedback,
                request_validator=validator,
                request_models={"application/json": feedback_model, "$default": feedback_model},
            ),
        }

        if plan.retrieval is not None:
            retrieve_model = api.add_model(
                "RetrieveRequestModel",
                content_type="application/json",
                model_name="RetrieveRequest",
                description="POST /v1/retrieve body",
                schema=retrieve_schema(),
            )
            self._methods[("POST", "/v1/retrieve")] = v1.add_resource("retrieve").add_method(
                "POST",
                invoke,
                request_validator=validator,
                request_models={"application/json": retrieve_model, "$default": retrieve_model},
            )

    def _add_gateway_responses(self) -> None:
        """Errors API Gateway answers itself, shaped like the functions' errors."""
        for response_type, code, template in _GATEWAY_RESPONSES:
            self._api.add_gateway_response(
                f"{code}Response",
                type=response_type,
                templates={"application/json": template.replace("__CODE__", code)},
            )

    # ------------------------------------------------------------------ acknowledgements

    def _acknowledge_profile_wildcard(self, catalog: ModelCatalog) -> None:
        policy = catalog.policy_of(self._invoke_function)
        pattern = catalog.application_profile_pattern
        if policy is None or pattern is None:
            return
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::{_nag_value(self._stack, pattern)}]",
            "Bedrock generates the ids of the tenants' application inference profiles; the "
            f"statement admits only profiles tagged {GATEWAY_TAG_KEY}={self._name_prefix} "
            "(aws:ResourceTag), only with the platform guardrail, so the policy does not grow "
            "with the tenants",
        )

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


class _ImportedApi(Construct):
    """A guarded inference API referenced by its attributes
    (:meth:`GuardedInferenceApi.from_api_attributes`)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        api_id: str,
        account: str,
        region: str,
        stage_name: str,
        name_prefix: str,
    ) -> None:
        super().__init__(scope, id)
        self._api_id = api_id
        self._account = account
        self._region = region
        self._stage_name = stage_name
        self._name_prefix = name_prefix

    @property
    def api_id(self) -> str:
        """The id given."""
        return self._api_id

    @property
    def account(self) -> str:
        """The account given."""
        return self._account

    @property
    def region(self) -> str:
        """The Region given (or the importing stack's)."""
        return self._region

    @property
    def stage_name(self) -> str:
        """The stage given."""
        return self._stage_name

    @property
    def name_prefix(self) -> str:
        """The name prefix given."""
        return self._name_prefix

    @property
    def execute_api_arns(self) -> list[str]:
        """``execute-api`` ARNs of the routes of the API's stage."""
        return gateway_route_arns(
            partition=cdk.Stack.of(self).partition,
            region=self._region,
            account=self._account,
            stage_name=self._stage_name,
            api_id=self._api_id,
        )

    def api_key_secret_name(self, tenant_id: str) -> str:
        """Name of a tenant's API key secret: ``<prefix>/gateway/<tenant>/api-key``."""
        return _secret_name(self._name_prefix, tenant_id)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """``execute-api:Invoke`` on :attr:`execute_api_arns` (for a role, user or group, in a
        customer-managed policy)."""
        grantee = managed_policy_grantee(self, grantee, description="Invoke the inference API")
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["execute-api:Invoke"], resource_arns=self.execute_api_arns
        )


if TYPE_CHECKING:  # both implement the interface (checked by mypy)
    _OWNED: type[IGuardedInferenceApi] = GuardedInferenceApi
    _IMPORTED: type[IGuardedInferenceApi] = _ImportedApi
