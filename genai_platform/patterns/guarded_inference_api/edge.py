"""The gateway's edge: the API's resource policy, request schemas, error shapes, access log
format, the WAF web ACL and the account-level API Gateway logging role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from genai_platform.compliance import acknowledge
from genai_platform.constructs.private_network import PrivateNetwork
from genai_platform.patterns.guarded_inference_api.props import (
    _NAME,
    COMMON_RULE_SET_RULES,
    KNOWN_BAD_INPUTS_RULE_SET_RULES,
    RESPONSE_ID_PATTERN,
    ROUTES,
    RequestLimits,
)

if TYPE_CHECKING:
    from genai_platform.patterns.guarded_inference_api.validation import _Plan

#: The AWS managed policy AWS documents for API Gateway's account-level CloudWatch Logs role
#: (API Gateway Developer Guide, "Set up CloudWatch logging for REST APIs"): it lets API
#: Gateway create and write the execution and access log groups of every REST API in the
#: account and region.
PUSH_TO_CLOUDWATCH_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"


#: API Gateway accepts resource policies of up to 8,192 characters (adjustable quota; API Gateway
#: Developer Guide, "Quotas for configuring and running a REST API").
RESOURCE_POLICY_LIMIT_CHARS = 8192
#: VPC endpoint policies hold up to 20,480 characters (Amazon VPC User Guide, PrivateLink quotas).
ENDPOINT_POLICY_LIMIT_CHARS = 20480
_CALLER_ROLE = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):iam::(?P<account>\d{12}):role/(?P<name>[\w+=,.@-]+)"
)


def principal_match(
    principal_arns: Sequence[str], *, name_prefix: str, budget_chars: int
) -> tuple[str, list[str]]:
    """How a policy names the tenants' principals: ``("ArnEquals", every ARN)`` while that fits
    in ``budget_chars``; otherwise ``("ArnLike", patterns)``, where the roles named like
    :func:`caller_role_name` (``<prefix>-<tenant>-gateway-caller``) of one account become one
    pattern ``...:role/<prefix>-*-gateway-caller`` and the other principals stay listed.

    The compact form admits any role of a tenant account named like a caller role; such a role
    still needs its tenant's API key, and the functions refuse a principal that no tenant lists
    (403). Raises ValueError when even the compact form does not fit.
    """
    arns = list(dict.fromkeys(principal_arns))
    if len(json.dumps(arns)) <= budget_chars:
        return "ArnEquals", arns
    compact: list[str] = []
    for arn in arns:
        match = _CALLER_ROLE.fullmatch(arn)
        name = match["name"] if match else ""
        if match and name.startswith(f"{name_prefix}-") and name.endswith("-gateway-caller"):
            pattern = (
                f"arn:{match['partition']}:iam::{match['account']}:role/"
                f"{name_prefix}-*-gateway-caller"
            )
            if pattern not in compact:
                compact.append(pattern)
        else:
            compact.append(arn)
    if len(json.dumps(compact)) > budget_chars:
        raise ValueError(
            f"tenants: their {len(arns)} principals do not fit in a policy even when the "
            f"caller roles named '{name_prefix}-<tenant>-gateway-caller' are matched by one "
            f"pattern per account ({len(json.dumps(compact)):,} characters, about "
            f"{budget_chars:,} available); use caller roles with that naming, or split the "
            "tenants over several APIs"
        )
    return "ArnLike", compact


def api_policy_principals(
    principal_arns: Sequence[str], principal_accounts: Sequence[str], *, name_prefix: str
) -> tuple[str, list[str]]:
    """:func:`principal_match` within the API resource policy's budget: the principals appear
    in two statements, beside the accounts and the other statements."""
    accounts_chars = sum(len(a) + 40 for a in principal_accounts)
    budget = (RESOURCE_POLICY_LIMIT_CHARS - 1800 - accounts_chars) // 2
    return principal_match(principal_arns, name_prefix=name_prefix, budget_chars=budget)


def _resource_policy(
    plan: _Plan,
    stage_name: str,
    organization_id: str | None,
    vpc_endpoint: ec2.IInterfaceVpcEndpoint | None,
    *,
    name_prefix: str,
) -> iam.PolicyDocument:
    """Allow the tenants' principals on the routes; deny everyone else, principals outside the
    organization and (for a private API) requests not coming through the VPC endpoint.

    The principals are listed twice (allow and deny), so each list gets less than half of API
    Gateway's 8,192 characters; beyond that they are matched by pattern (see
    :func:`principal_match`)."""
    operator, principals = api_policy_principals(
        plan.principal_arns, plan.principal_accounts, name_prefix=name_prefix
    )
    negated = "ArnNotEquals" if operator == "ArnEquals" else "ArnNotLike"
    statements = [
        iam.PolicyStatement(
            sid="AllowTenantPrincipals",
            principals=[iam.AccountPrincipal(a) for a in plan.principal_accounts],
            actions=["execute-api:Invoke"],
            resources=[f"execute-api:/{stage_name}/{method}{path}" for method, path in ROUTES],
            conditions={operator: {"aws:PrincipalArn": principals}},
        ),
        iam.PolicyStatement(
            sid="DenyEveryoneElse",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["execute-api:Invoke"],
            resources=["execute-api:/*"],
            # An assumed role's session has the role's ARN as aws:PrincipalArn.
            conditions={negated: {"aws:PrincipalArn": principals}},
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
            # Grounded chat (see the invoke function's gw_retrieval).
            "knowledge_base": apigateway.JsonSchema(type=string, pattern=f"^{_NAME.pattern}$"),
        },
    )


def _openai_chat_schema(limits: RequestLimits) -> apigateway.JsonSchema:
    """``POST /v1/chat/completions``: the OpenAI chat-completions fields the gateway serves
    (the function checks the rest and answers in OpenAI's error shape)."""
    string = apigateway.JsonSchemaType.STRING
    integer = apigateway.JsonSchemaType.INTEGER
    text_part = apigateway.JsonSchema(
        type=apigateway.JsonSchemaType.OBJECT,
        required=["type", "text"],
        properties={
            "type": apigateway.JsonSchema(type=string, enum=["text"]),
            "text": apigateway.JsonSchema(type=string, max_length=limits.max_message_chars),
        },
    )
    tokens = apigateway.JsonSchema(type=integer, minimum=1, maximum=limits.max_output_tokens)
    return apigateway.JsonSchema(
        schema=apigateway.JsonSchemaVersion.DRAFT4,
        title="ChatCompletionsRequest",
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
                    properties={
                        "role": apigateway.JsonSchema(
                            type=string, enum=["system", "developer", "user", "assistant"]
                        ),
                        "content": apigateway.JsonSchema(
                            one_of=[
                                apigateway.JsonSchema(
                                    type=string, max_length=limits.max_message_chars
                                ),
                                apigateway.JsonSchema(
                                    type=apigateway.JsonSchemaType.ARRAY,
                                    min_items=1,
                                    items=text_part,
                                ),
                            ]
                        ),
                    },
                ),
            ),
            "model": apigateway.JsonSchema(type=string, pattern=f"^{_NAME.pattern}$"),
            "max_tokens": tokens,
            "max_completion_tokens": tokens,
            "temperature": apigateway.JsonSchema(
                type=apigateway.JsonSchemaType.NUMBER, minimum=0, maximum=1
            ),
            "user": apigateway.JsonSchema(type=string, max_length=256),
            "n": apigateway.JsonSchema(type=integer, minimum=1, maximum=1),
            "stream": apigateway.JsonSchema(type=apigateway.JsonSchemaType.BOOLEAN, enum=[False]),
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
                pattern=RESPONSE_ID_PATTERN,
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


def build_web_acl(
    scope: Construct,
    *,
    name: str,
    metric_prefix: str,
    stage_arn: str,
    rate_limit: int,
    count_rules: Sequence[str],
    log_group_key: kms.IKey,
    retention: logs.RetentionDays,
) -> wafv2.CfnWebACL:
    """The regional web ACL of the stage: a per-IP rate-based rule, then the AWS managed common
    rule set and known-bad-inputs rule set (``count_rules`` only count), logging to a
    KMS-encrypted ``aws-waf-logs-`` group with the credential headers redacted.

    Capacity: 2 (rate rule) + 700 (common) + 200 (known bad inputs) WCUs, within the 1,500 a
    web ACL gets without extra charge (AWS WAF Developer Guide, "Baseline rule groups").
    """
    stack = cdk.Stack.of(scope)
    counted = set(count_rules)

    def managed(group: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
        members = (
            COMMON_RULE_SET_RULES
            if group == "AWSManagedRulesCommonRuleSet"
            else KNOWN_BAD_INPUTS_RULE_SET_RULES
        )
        overrides = [
            wafv2.CfnWebACL.RuleActionOverrideProperty(
                name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
            )
            for rule in members
            if rule in counted
        ]
        return wafv2.CfnWebACL.RuleProperty(
            name=group,
            priority=priority,
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=group, rule_action_overrides=overrides or None
                )
            ),
            visibility_config=_visibility(group),
        )

    web_acl = wafv2.CfnWebACL(
        scope,
        "WebAcl",
        name=name,
        description=(
            "Inference API: per-IP rate limit, the AWS common rule set and known bad inputs"
        ),
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=_visibility(metric_prefix),
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
            managed("AWSManagedRulesCommonRuleSet", 1),
            managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
        ],
    )
    wafv2.CfnWebACLAssociation(
        scope, "WebAclAssociation", resource_arn=stage_arn, web_acl_arn=web_acl.attr_arn
    )
    log_group = logs.LogGroup(
        scope,
        "WafLogGroup",
        # WAF only logs to groups named aws-waf-logs-*; the fixed name is why this group
        # is deleted with the stack (a kept one would block re-creating it).
        log_group_name=(
            "aws-waf-logs-" + cdk.Names.unique_resource_name(scope, max_length=200, separator="-")
        ),
        encryption_key=log_group_key,
        retention=retention,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    wafv2.CfnLoggingConfiguration(
        scope,
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


def account_logging_role(scope: Construct) -> apigateway.CfnAccount:
    """Sets the account's API Gateway CloudWatch Logs role (``AWS::ApiGateway::Account``).

    That setting is one per account and region and serves every REST API there, so the role
    gets what AWS documents for it, the managed policy
    :data:`PUSH_TO_CLOUDWATCH_POLICY`: API Gateway then writes the execution and access logs of
    this API and of every other REST API in the account (a role limited to this API's groups
    would silently break the others' logging).
    """
    stack = cdk.Stack.of(scope)
    role = iam.Role(
        scope,
        "ApiGatewayLoggingRole",
        description=(
            "The account's API Gateway CloudWatch Logs role: writes execution and access logs of "
            "this account's REST APIs"
        ),
        assumed_by=iam.ServicePrincipal(
            "apigateway.amazonaws.com",
            conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
        ),
        managed_policies=[
            iam.ManagedPolicy.from_aws_managed_policy_name(PUSH_TO_CLOUDWATCH_POLICY)
        ],
    )
    acknowledge(
        role,
        f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{PUSH_TO_CLOUDWATCH_POLICY}]",
        "The account-level API Gateway logging role serves every REST API in the account and "
        "region; AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for it, and a "
        "narrower one would break the other APIs' execution and access logs",
    )
    return apigateway.CfnAccount(scope, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)


def execute_api_endpoint(
    scope: Construct,
    network: PrivateNetwork,
    *,
    principal_accounts: Sequence[str],
    principal_arns: Sequence[str],
    route_arns: Sequence[str],
    name_prefix: str,
) -> ec2.IInterfaceVpcEndpoint:
    """The network's execute-api endpoint, or a new one in its isolated subnets; either way its
    policy lets the tenants invoke this API's routes."""
    operator, principals = principal_match(
        principal_arns,
        name_prefix=name_prefix,
        budget_chars=ENDPOINT_POLICY_LIMIT_CHARS - 4000,
    )
    endpoint = network.interface_endpoints.get("execute-api")
    if endpoint is None:
        endpoint = ec2.InterfaceVpcEndpoint(
            scope,
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
            principals=[iam.AccountPrincipal(a) for a in principal_accounts],
            actions=["execute-api:Invoke"],
            # The API id is unknown here: naming it would make the endpoint and the API
            # depend on each other.
            resources=list(route_arns),
            conditions={
                operator: {"aws:PrincipalArn": principals},
            },
        )
    )
    return endpoint
