"""The guarded inference API construct: one SigV4-signed HTTPS API in front of every approved
model (see the package documentation for everything it builds). Its props, ``__init__`` and
import live here; its attributes, metrics and building steps come from :mod:`.attributes`,
:mod:`.metrics` and :mod:`.building`, the imported API from :mod:`.imported`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from genai_platform.constructs.interfaces import (
    IGuardedInferenceApi,
    IGuardrail,
    IInferenceEndpoint,
    IKnowledgeBase,
)
from genai_platform.constructs.keys import logs_may_use_key
from genai_platform.constructs.model_catalog import ModelCatalog
from genai_platform.constructs.private_network import PrivateNetwork
from genai_platform.patterns.guarded_inference_api.building import _ApiBuilder
from genai_platform.patterns.guarded_inference_api.edge import (
    _access_log_format,
    _resource_policy,
    account_logging_role,
    build_web_acl,
    execute_api_endpoint,
)
from genai_platform.patterns.guarded_inference_api.functions import (
    _powertools_layer_arn,
    build_function,
    encrypted_log_group,
    function_security_group,
)
from genai_platform.patterns.guarded_inference_api.identity_keys import jose_layer
from genai_platform.patterns.guarded_inference_api.imported import _ImportedApi
from genai_platform.patterns.guarded_inference_api.profiles import (
    APPLICATION_INFERENCE_PROFILE_QUOTA,
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
    RUNTIME,
    SERVICE_NAME,
    CallTimeouts,
    CircuitBreaker,
    RequestLimits,
    RetryPolicy,
    Tenant,
)
from genai_platform.patterns.guarded_inference_api.routing_config import (
    DEFAULT_CONFIG_POLL_SECONDS,
    RoutingConfigStore,
    _gateway_config,
)
from genai_platform.patterns.guarded_inference_api.tables import build_table, kill_switch
from genai_platform.patterns.guarded_inference_api.tenants import TenantAccess
from genai_platform.patterns.guarded_inference_api.validation import (
    _plan,
    _validate_api_import,
)

__all__ = ["GuardedInferenceApi"]


class GuardedInferenceApi(_ApiBuilder):
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


if TYPE_CHECKING:  # implements the interface (checked by mypy)
    _OWNED: type[IGuardedInferenceApi] = GuardedInferenceApi
