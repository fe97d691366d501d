"""Props, constants and shared names of the guarded inference API.

Everything here is plain data: the props a caller builds (:class:`Tenant`, :class:`RequestLimits`,
:class:`CallTimeouts`, :class:`RetryPolicy`, :class:`CircuitBreaker`), the AWS limits the
pattern checks against, and the names that other stacks (in other accounts) must agree on
(API key secrets, caller roles, the kill switch, route ARNs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aws_cdk import aws_lambda as lambda_

if TYPE_CHECKING:
    from genai_platform.patterns.guarded_inference_api.retrieval import TenantRetrieval

__all__ = [
    "API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS",
    "COMMON_RULE_SET_RULES",
    "DEFAULT_BLOCKED_MESSAGE",
    "DEFAULT_NAME_PREFIX",
    "DEFAULT_POWERTOOLS_LAYER_VERSION",
    "DEFAULT_STAGE_NAME",
    "HOSTED_CONFIGURATION_LIMIT_BYTES",
    "IMPORTED_KEY_WARNING_ID",
    "KNOWN_BAD_INPUTS_RULE_SET_RULES",
    "LAMBDA_ENVIRONMENT_LIMIT_BYTES",
    "METRICS_NAMESPACE",
    "POWERTOOLS_LAYER_ACCOUNT",
    "RESPONSE_ID_PATTERN",
    "ROUTES",
    "RUNTIME",
    "SERVICE_NAME",
    "CallTimeouts",
    "CircuitBreaker",
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
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/feedback"),
    ("GET", "/v1/models"),
    ("POST", "/v1/retrieve"),
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
#: AppConfig's hosted configuration store takes configurations of at most 1 MB
#: (``AWS::AppConfig::HostedConfigurationVersion``, CloudFormation template reference).
HOSTED_CONFIGURATION_LIMIT_BYTES = 1024 * 1024
#: Shape of the response ids the invoke function issues and the feedback route accepts:
#: ``r2.<random>.<issued at, epoch seconds>.<model alias>.<HMAC-SHA256>`` (or the older ``r1``
#: shape without the alias; ``lambda/shared/python/gw_common``).
RESPONSE_ID_PATTERN = (
    r"^r[12]\.[A-Za-z0-9_-]{22}\.[0-9]{10}(\.[A-Za-z0-9_-]{1,88})?\.[A-Za-z0-9_-]{43}$"
)
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
#: Rules of ``AWSManagedRulesKnownBadInputsRuleSet`` (WCU 200), as listed in the AWS WAF
#: Developer Guide, "Baseline rule groups": request patterns known to exploit vulnerable
#: software (Log4j, Java deserialization, localhost Host headers, exploitable paths). Names
#: that ``waf_count_rules`` may also switch to COUNT.
KNOWN_BAD_INPUTS_RULE_SET_RULES: tuple[str, ...] = (
    "JavaDeserializationRCE_HEADER",
    "JavaDeserializationRCE_BODY",
    "JavaDeserializationRCE_URIPATH",
    "JavaDeserializationRCE_QUERYSTRING",
    "Host_localhost_HEADER",
    "PROPFIND_METHOD",
    "ExploitablePaths_URIPATH",
    "Log4JRCE_QUERYSTRING",
    "Log4JRCE_BODY",
    "Log4JRCE_URIPATH",
    "Log4JRCE_HEADER",
)

_LAMBDA_ROOT = Path(__file__).resolve().parent.parent.parent / "lambda"
_ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache"]
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
_MAX_BUDGET_USD = 1_000_000_000.0  # the invoke function's own ceiling (gw_cost)
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
        retrieval: The knowledge bases the tenant may retrieve from, its classification
            ceiling and its end-user identity provider (see :class:`TenantRetrieval`).
            Default: none; the tenant's retrievals are refused (403).
        monthly_budget_usd: US dollars of Bedrock tokens per calendar month (UTC), at the
            package price table's prices, before the invoke function answers 429 (enforced
            like the token quota: each request reserves its upper-bound cost; see
            ``lambda/invoke/gw_cost.py``); greater than 0 and finite. With a budget, every
            Bedrock alias of the tenant must have a price in the table. Default: no budget
            (the token quota still applies).
    """

    id: str
    principals: Sequence[str]
    aliases: Sequence[str]
    monthly_token_quota: int = 1_000_000
    rate_limit_rps: float = 10
    burst_limit: int = 20
    monthly_request_quota: int = 100_000
    log_content: bool = False
    retrieval: TenantRetrieval | None = None
    monthly_budget_usd: float | None = None


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
