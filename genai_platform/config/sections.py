"""The config file's sections, one model each (accounts, budgets, network, models, endpoints,
tenants, API, logging, cost...)."""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
)

from genai_platform.config._base import (
    MAX_ACTUAL_THRESHOLDS,
    AccountId,
    Email,
    OrganizationId,
    _check_retention,
    _Model,
)
from genai_platform.config.identity import (
    Classification,
    IdentityConfig,
    check_knowledge_base_aliases,
)
from genai_platform.endpoint_services import (
    GATEWAY_ENDPOINT_SERVICES,
    INTERFACE_ENDPOINT_SERVICES,
    REFERENCE_INTERFACE_ENDPOINTS,
)


class AccountsConfig(_Model):
    """``[accounts]``: the AWS account of each role."""

    application: AccountId
    """Account of the workloads that call the AI tier."""
    genai: AccountId
    """Account of the generative-AI tier (Bedrock, SageMaker, the inference API)."""
    data: AccountId
    """Account of the documents and the knowledge base's source data."""
    management: AccountId | None = None
    """Organization management account; when set, organization guardrails are built."""
    organization_id: OrganizationId | None = None
    """AWS Organizations id (``o-...``); when set, policies also admit the organization."""

    def roles(self) -> dict[str, str]:
        """Role name to account id, for the roles that are set."""
        pairs = {
            "application": self.application,
            "genai": self.genai,
            "data": self.data,
            "management": self.management,
        }
        return {role: account for role, account in pairs.items() if account is not None}


class BudgetConfig(_Model):
    """``[budgets.<role>]``: the monthly cost budget of one account."""

    monthly_limit_usd: float = Field(gt=0, le=100_000_000)
    """Monthly budget in USD."""
    alert_emails: list[Email] = Field(min_length=1, max_length=50)
    """Addresses subscribed to the account's cost-alert topic."""
    actual_thresholds_percent: list[float] = Field(
        default_factory=lambda: [50.0, 80.0, 100.0], min_length=1
    )
    """Alert when actual spend passes each percentage of the limit (default 50, 80, 100)."""
    forecast_threshold_percent: float | None = Field(default=100.0, ge=0.1, le=1000)
    """Alert when forecast spend passes this percentage (default 100; none to switch off)."""
    anomaly_threshold_usd: float = Field(default=100.0, gt=0)
    """Cost anomalies with at least this total impact in USD are reported (default 100)."""
    anomaly_monitor_arn: str | None = None
    """Use this existing Cost Anomaly Detection monitor instead of creating one."""
    cost_allocation_tag: dict[str, str] | None = None
    """Count only costs carrying this one tag (``{ CostCenter = "cc-1" }``); default all costs."""

    @field_validator("actual_thresholds_percent")
    @classmethod
    def _thresholds(cls, value: list[float]) -> list[float]:
        bad = [v for v in value if not 0.1 <= v <= 1000]
        if bad:
            raise ValueError(f"{bad!r} outside the allowed range; each must be 0.1 to 1000")
        if len(set(value)) != len(value):
            raise ValueError(f"{value!r} has duplicates; each threshold must be distinct")
        if len(value) > MAX_ACTUAL_THRESHOLDS:
            raise ValueError(
                f"{value!r} has {len(value)} thresholds; at most {MAX_ACTUAL_THRESHOLDS} "
                "(AWS Budgets allows 5 notifications per budget, one is the forecast alert)"
            )
        return sorted(value)

    @field_validator("anomaly_monitor_arn")
    @classmethod
    def _monitor_arn(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(
            r"arn:aws[a-z-]*:ce::\d{12}:anomalymonitor/[0-9a-f-]{36}", value
        ):
            raise ValueError(
                f"{value!r} is not a Cost Anomaly Detection monitor ARN "
                "(arn:aws:ce::<account>:anomalymonitor/<uuid>)"
            )
        return value

    @field_validator("cost_allocation_tag")
    @classmethod
    def _one_tag(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None:
            if len(value) != 1:
                raise ValueError(f"{value!r} must hold exactly one tag key and value")
            for key, tag_value in value.items():
                _check_tag(key, tag_value)
        return value


class BudgetsConfig(_Model):
    """``[budgets]``: one budget per account role."""

    application: BudgetConfig
    genai: BudgetConfig
    data: BudgetConfig


class NetworkConfig(_Model):
    """``[network]``: the generative-AI account's private network."""

    vpc_cidr: str = "10.40.0.0/16"
    """IPv4 range of the VPC (a /16 to /24 private range; default 10.40.0.0/16)."""
    interface_endpoints: list[str] = Field(
        default_factory=lambda: list(REFERENCE_INTERFACE_ENDPOINTS)
    )
    """Interface endpoints to create (default: only those the platform's functions call,
    ``REFERENCE_INTERFACE_ENDPOINTS``: bedrock-runtime, sagemaker.runtime, kms and ssm; the API
    adds appconfigdata itself). The construct's own default: ``DEFAULT_INTERFACE_ENDPOINTS``."""
    gateway_endpoints: list[str] = Field(default_factory=lambda: list(GATEWAY_ENDPOINT_SERVICES))
    """Gateway endpoints to create (default s3 and dynamodb)."""
    flow_log_retention_days: int = 365
    """Retention of the VPC flow log group in days (default 365)."""

    @field_validator("vpc_cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv4 CIDR block like '10.40.0.0/16'") from None
        if not network.is_private or not 16 <= network.prefixlen <= 24:
            raise ValueError(f"{value!r} must be a private range with a prefix from /16 to /24")
        return value

    @field_validator("interface_endpoints")
    @classmethod
    def _interface(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in INTERFACE_ENDPOINT_SERVICES]
        if unknown:
            raise ValueError(
                f"{unknown!r} unknown; allowed: {', '.join(INTERFACE_ENDPOINT_SERVICES)}"
            )
        if len(set(value)) != len(value):
            raise ValueError(f"{value!r} lists a service twice")
        return value

    @field_validator("gateway_endpoints")
    @classmethod
    def _gateway(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in GATEWAY_ENDPOINT_SERVICES]
        if unknown:
            raise ValueError(
                f"{unknown!r} unknown; allowed: {', '.join(GATEWAY_ENDPOINT_SERVICES)}"
            )
        return value

    @field_validator("flow_log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return _check_retention(value)


class ContentFilterConfig(_Model):
    """One ``[[guardrail.content_filters]]`` entry (see ``Guardrail``'s ``ContentFilter``)."""

    type: str
    input_strength: str = "HIGH"
    output_strength: str | None = None


class DeniedTopicConfig(_Model):
    """One ``[[guardrail.denied_topics]]`` entry."""

    name: str
    definition: str
    examples: list[str] = Field(default_factory=list)


class PiiEntityConfig(_Model):
    """One ``[[guardrail.pii_entities]]`` entry."""

    type: str
    input_action: str = "BLOCK"
    output_action: str = "BLOCK"


class RegexFilterConfig(_Model):
    """One ``[[guardrail.regex_filters]]`` entry."""

    name: str
    pattern: str
    action: str = "BLOCK"
    description: str | None = None


class GuardrailEnforcementConfig(_Model):
    """``[guardrail.enforcement]``: account-level enforcement of the published version."""

    enabled: bool = True
    """Enforce the guardrail on every model invocation in the account (default true)."""
    included_models: list[str] | None = None
    """Enforce only for these base model ids (default: all models)."""
    excluded_models: list[str] = Field(default_factory=list)
    """Base model ids exempt from enforcement (default none)."""
    system_prompt_guarding: str = "COMPREHENSIVE"
    message_guarding: str = "COMPREHENSIVE"


class GuardrailConfig(_Model):
    """``[guardrail]``: the platform's Bedrock guardrail (strict defaults; override here).

    Values are checked against the lists botocore ships when the guardrail is built; an
    unknown filter type, strength, action or PII type fails ``genai-platform check`` with
    exit 2 and names the key.
    """

    name: str | None = None
    """Guardrail name (default ``<platform name>-guardrail``)."""
    tier: str = "CLASSIC"
    """CLASSIC or STANDARD (STANDARD needs ``cross_region_profile``)."""
    cross_region_profile: str | None = None
    cross_region_profile_regions: list[str] = Field(default_factory=list)
    content_filters: list[ContentFilterConfig] | None = None
    """Content filters (default: every category HIGH, prompt attack HIGH on input)."""
    denied_topics: list[DeniedTopicConfig] = Field(default_factory=list)
    denied_words: list[str] = Field(default_factory=list)
    profanity_filter: bool = True
    pii_entities: list[PiiEntityConfig] | None = None
    """PII handling (default: credentials blocked, personal data anonymized in outputs)."""
    regex_filters: list[RegexFilterConfig] = Field(default_factory=list)
    grounding_threshold: float | None = None
    relevance_threshold: float | None = None
    blocked_input_message: str | None = None
    blocked_output_message: str | None = None
    encrypt_with_platform_key: bool = True
    """Encrypt the guardrail with the generative-AI account's platform key (default true)."""
    enforcement: GuardrailEnforcementConfig = Field(default_factory=GuardrailEnforcementConfig)


class AdditionalModelConfig(_Model):
    """One ``[models.additional."<model id>"]`` entry: a model not in the built-in table."""

    provider: str
    modality: Literal["text", "multimodal", "embedding"]
    profile_geographies: list[str] = Field(default_factory=list)


class ModelsConfig(_Model):
    """``[models]``: the approved model catalogue of the generative-AI account.

    Ids are checked against the catalogue's table of known Bedrock models when the stacks
    are built (``genai-platform check`` exits 2 naming the bad id).
    """

    approved: list[str] = Field(min_length=1)
    """Approved foundation model ids and cross-region inference profile ids (us., eu., ...);
    ``geo.<model id>`` follows ``region`` (the profile of the region's own geography)."""
    aliases: dict[str, str] = Field(default_factory=dict)
    """Alias -> approved model id, e.g. ``chat = "us.anthropic..."`` (default none)."""
    default_alias: str | None = None
    """Alias used when a caller names none (default: none)."""
    additional: dict[str, AdditionalModelConfig] = Field(default_factory=dict)
    """Models not yet in the built-in table, keyed by base model id."""


class GovernanceConfig(_Model):
    """``[governance]``: organization guardrails, built only when ``accounts.management`` is set."""

    target_ids: list[str] | None = None
    """Accounts or OUs (``ou-...``) the SCP is attached to (default: the genai account)."""
    deployment_role_arns: list[str] | None = None
    """Principals allowed to change logging, guardrails and enforcement (default: the CDK
    deployment role and the invocation-logging configuration role of the genai stack)."""
    policy_name: str | None = None
    """Name of the service control policy (default ``<name>-bedrock-guardrails``)."""


class CapacityScheduleConfig(_Model):
    """One ``[[endpoints.schedules]]`` entry: a scheduled change of the capacity floor/ceiling."""

    name: str
    cron: str
    """Schedule as ``cron(...)`` fields, e.g. ``"0 8 ? * MON-FRI *"``."""
    min_capacity: int | None = Field(default=None, ge=0)
    max_capacity: int | None = Field(default=None, ge=0)
    time_zone: str | None = None
    """IANA time zone of the cron expression (default UTC)."""


class EndpointConfig(_Model):
    """One ``[[endpoints]]`` entry: a self-hosted model on a SageMaker endpoint.

    Instance, framework, device and capacity values are checked by ``InferenceEndpoint`` when
    the stack is built (``genai-platform check`` exits 2 naming the key and the value).
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
    """Short name; the endpoint is called ``<platform name>-<name>``."""
    instance_type: str
    """``ml.inf2.*`` / ``ml.trn1*`` (Neuron) or ``ml.g5/g6/g6e/p4d/p5.*`` (CUDA)."""
    model_data_uri: str | None = None
    """S3 model: ``s3://bucket/key.tar.gz`` or an uncompressed ``s3://bucket/prefix/``."""
    hf_model_id: str | None = None
    """Hugging Face hub id (needs network access: not with network isolation)."""
    hf_token_secret_arn: str | None = None
    """Secrets Manager secret (complete ARN) holding the hub token."""
    framework: str | None = None
    """Image family from the SDK catalogue (default djl-neuronx on Neuron, djl-lmi on GPUs)."""
    framework_version: str | None = None
    """Image version (default: the newest the installed SDK knows; pin it)."""
    image_uri: str | None = None
    """An explicit container image instead of framework and version."""
    inference_ami_version: str | None = None
    """SageMaker host AMI version (default: chosen from the image's CUDA or Neuron needs)."""
    mode: Literal["real-time", "async"] = "real-time"
    min_instances: int = 0
    """Instances kept when idle (default 0: scale to zero)."""
    max_instances: int = 1
    devices_per_copy: int | None = None
    memory_per_copy_mib: int | None = None
    cpu_cores_per_copy: float | None = None
    min_copies: int | None = None
    """Model copies kept when idle (default 0; more than 0 keeps the endpoint warm)."""
    max_copies: int | None = None
    model_download_timeout_minutes: int | None = None
    startup_health_check_timeout_minutes: int | None = None
    target_concurrent_requests_per_copy: float | None = None
    target_backlog_per_instance: float | None = None
    max_concurrent_invocations_per_instance: int | None = None
    network_isolation: bool | None = None
    """Default: on for S3 models, off for hub models."""
    data_capture_sampling_percentage: int | None = Field(default=None, ge=1, le=100)
    """Capture this share of requests and responses (default: no data capture)."""
    environment: dict[str, str] = Field(default_factory=dict)
    schedules: list[CapacityScheduleConfig] = Field(default_factory=list)

    @field_validator("model_data_uri")
    @classmethod
    def _s3_uri(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(
            r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/\S+", value
        ):
            raise ValueError(
                f"{value!r} is not an S3 model location (s3://bucket/key.tar.gz or "
                "s3://bucket/prefix/)"
            )
        return value


class TenantConfig(_Model):
    """One ``[[tenants]]`` entry: an application team that calls the inference API.

    The application account stack creates the tenant's caller role
    (``<name>-<tenant id>-gateway-caller``); the API admits that role and ``extra_principals``.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
    """Tenant id (lowercase letters, digits, hyphens; 3-32 characters)."""
    aliases: list[str] = Field(min_length=1)
    """Model aliases (from ``[models.aliases]`` or ``[api.self_hosted]``) the tenant may use."""
    monthly_token_quota: int = Field(default=1_000_000, gt=0)
    """Input + output tokens per calendar month (UTC) before requests get 429."""
    rate_limit_rps: float = Field(default=10, gt=0)
    """Usage-plan steady request rate per second."""
    burst_limit: int = Field(default=20, gt=0)
    """Usage-plan burst."""
    monthly_request_quota: int = Field(default=100_000, gt=0)
    """Usage-plan requests per month."""
    log_content: bool = False
    """Log prompts and completions (personal data masked) for this tenant (default false)."""
    monthly_budget_usd: float | None = Field(default=None, gt=0, le=1e9, allow_inf_nan=False)
    """US dollars of Bedrock tokens per calendar month (UTC) before requests get 429, at the
    package price table's prices; also a per-tenant AWS Budget on the tenant's application
    inference profiles whose alert switches only this tenant off (with ``[cost_guard]``).
    Default: no budget (the token quota still applies)."""
    trusted_principal_arn: str | None = None
    """Who may assume the caller role (default: the application account's root, i.e. roles
    the account's admins allow)."""
    extra_principals: list[str] = Field(default_factory=list)
    """Further IAM role ARNs of the application account admitted for this tenant."""
    knowledge_bases: list[str] = Field(default_factory=list)
    """``[[knowledge_bases]]`` aliases the tenant may retrieve from (default: none; its
    retrievals are refused)."""
    max_classification: Classification = "internal"
    """Highest document classification its callers can receive (default ``internal``)."""
    identity: IdentityConfig | None = None
    """The tenant's end-user identity provider (default: none; the retrieval filter is the
    tenant and the classification ceiling only)."""

    @field_validator("knowledge_bases")
    @classmethod
    def _knowledge_bases(cls, value: list[str]) -> list[str]:
        return check_knowledge_base_aliases(value)


class ApiConfig(_Model):
    """``[api]``: the guarded inference API in the generative-AI account."""

    enabled: bool = True
    """Build the API when ``[[tenants]]`` are configured (default true)."""
    endpoint_type: Literal["REGIONAL", "PRIVATE"] = "REGIONAL"
    """REGIONAL, or PRIVATE through an execute-api VPC endpoint in the private network."""
    stage_name: str = Field(default="prod", pattern=r"^[a-zA-Z0-9_]{1,64}$")
    throttle_rate_limit: float = Field(default=50, gt=0)
    """Stage-wide steady request rate per second."""
    throttle_burst_limit: int = Field(default=100, gt=0)
    waf_rate_limit: int = Field(default=2000, ge=10, le=2_000_000_000)
    """Requests per 5 minutes per client IP before WAF blocks."""
    self_hosted: dict[str, str] = Field(default_factory=dict)
    """Alias -> ``[[endpoints]]`` name, for self-hosted models callers may choose."""
    fallbacks: dict[str, str] = Field(default_factory=dict)
    """Alias -> alias served while the first is failing or waking from zero."""
    features: list[str] = Field(default_factory=list)
    """Feature tags kept as metric dimensions (others fold into "other")."""
    waf_count_rules: list[str] = Field(default_factory=lambda: ["SizeRestrictions_BODY"])
    """Managed common-rule-set rules only counted, not blocking (default: the 8 KB body
    limit, which long chats exceed)."""
    set_account_logging_role: bool = False
    """Let the generative-AI stack set the account's API Gateway CloudWatch Logs role
    (``AWS::ApiGateway::Account``: one setting per account and region, shared by every REST API
    there) to a role with AWS's ``AmazonAPIGatewayPushToCloudWatchLogs`` policy. Access and
    execution logging fail to deploy until that setting exists (default false: it must already
    be set)."""
    tracing: bool = False
    """Active X-Ray tracing of the gateway functions (adds an ``xray`` interface endpoint to
    the private network; default false)."""
    invoke_reserved_concurrency: int | None = Field(default=None, ge=1, le=1000)
    """Reserved concurrency of the invoke function (default: none reserved)."""
    feedback_reserved_concurrency: int | None = Field(default=None, ge=1, le=1000)
    """Reserved concurrency of the feedback function (default: none reserved)."""


class LoggingConfig(_Model):
    """``[logging]``: Bedrock model invocation logging in the generative-AI account."""

    enabled: bool = True
    """Turn account-wide invocation logging on (default true)."""
    retention_days: int = Field(default=90, ge=1, le=36_500)
    """Days invocation records stay in the S3 bucket before they expire (default 90)."""
    log_retention_days: int = 30
    """Retention of the CloudWatch log group in days (default 30)."""
    object_lock: bool = False
    """Write-once records (S3 Object Lock, governance mode, for ``retention_days``)."""
    key_prefix: str = Field(
        default="bedrock-invocations", pattern=r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$"
    )
    """S3 key prefix of the records (default bedrock-invocations)."""
    image_data_delivery: bool = False
    """Also log image data (default false)."""
    video_data_delivery: bool = False
    """Also log video data (default false)."""
    audio_data_delivery: bool = False
    """Also log audio data (default false)."""

    @field_validator("log_retention_days")
    @classmethod
    def _log_retention(cls, value: int) -> int:
        return _check_retention(value)


class CostGuardConfig(_Model):
    """``[cost_guard]``: the generative-AI account's cost guard (see
    :class:`genai_platform.constructs.cost_guard.CostGuard`)."""

    enabled: bool = True
    """Build the guard when the account has endpoints or the inference API (default true)."""
    trigger_threshold_percent: float = Field(default=100.0, ge=0.1, le=1000)
    """Engage on an ACTUAL alert of ``[budgets.genai]`` at or above this percentage; at most
    its highest ``actual_thresholds_percent`` (default 100)."""
    budget_action: bool = True
    """Also add the AWS Budgets action that attaches a deny policy to the gateway's invoke
    role at the same threshold (default true; only with the inference API)."""


class WarningAcknowledgementConfig(_Model):
    """One ``[[acknowledged_warnings]]`` entry: a construct warning kept on purpose.

    Applied with :func:`genai_platform.compliance.acknowledge_warning` on the construct at
    ``path`` (and its children); the reason is checked by the same rules when the stacks are
    built.
    """

    path: str = Field(pattern=r"^[A-Za-z0-9][^\s]*$")
    """Construct path of the construct that warns, as the check prints it
    (``GenAiAccount/Budget``); the stack's name (``GenAiAccount``) covers the whole stack."""
    id: str = Field(pattern=r"^[^\s]+$")
    """The warning's id, printed as ``[ack: <id>]`` after its message."""
    reason: str = Field(min_length=1)
    """Why the platform may keep the warning (at least six words, specific)."""


#: Bedrock's TagKey/TagValue pattern (botocore's bedrock service model): ASCII only.
_BEDROCK_TAG = r"[a-zA-Z0-9\s._:/=+@-]*"


def _check_tag(key: str, value: str) -> None:
    if not re.fullmatch(r"[\w .:/=+\-@]{1,128}", key) or key.lower().startswith("aws:"):
        raise ValueError(
            f"tag key {key!r} is not allowed (1-128 letters, digits, spaces and _.:/=+-@, "
            "not starting with aws:)"
        )
    if not re.fullmatch(r"[\w .:/=+\-@]{0,256}", value) or value.lower().startswith("aws:"):
        raise ValueError(
            f"tag {key} = {value!r} is not allowed (0-256 letters, digits, spaces and _.:/=+-@, "
            "not starting with aws:)"
        )
    # Every resource carries the tags, Bedrock guardrails included, and Bedrock's TagKey and
    # TagValue accept ASCII only ('[a-zA-Z0-9\s._:/=+@-]*' in botocore's bedrock service
    # model), where other services take any Unicode letter: CloudFormation would accept the
    # template and the guardrail would fail to create.
    for what, text in (("key", key), ("value", value)):
        if not re.fullmatch(_BEDROCK_TAG, text):
            raise ValueError(
                f"tag {key} = {value!r}: the {what} {text!r} is refused by Amazon Bedrock "
                "(the guardrail carries every platform tag); use ASCII letters, digits, spaces "
                "and _.:/=+@- only"
            )


class CostConfig(_Model):
    """``[cost]``: the monthly ceilings ``genai-platform check`` enforces (see
    :mod:`genai_platform.cost`)."""

    usage_profile: str | None = None
    """Usage profile TOML, relative to the config file (to the package for the embedded
    default); default: none, the usage figures equal the idle ones."""
    idle_ceiling_usd: float | None = None
    """Most the platform may cost a month with no traffic (default: no ceiling)."""
    usage_ceiling_usd: float | None = None
    """Most it may cost a month at ``usage_profile`` (default: no ceiling; needs a profile)."""

    @field_validator("usage_profile")
    @classmethod
    def _profile(cls, value: str | None) -> str | None:
        if value is not None and not value.endswith(".toml"):
            raise ValueError(f"{value!r} is not a TOML file path (name ending in .toml)")
        return value

    @field_validator("idle_ceiling_usd", "usage_ceiling_usd")
    @classmethod
    def _ceiling(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is None:
            return value
        if value < 0:
            raise ValueError(f"{value:g} is negative; give a monthly amount in USD of 0 or more")
        if info.field_name == "usage_ceiling_usd" and info.data.get("usage_profile") is None:
            raise ValueError(
                f"{value:g} needs cost.usage_profile (the usage the ceiling applies to)"
            )
        return value
