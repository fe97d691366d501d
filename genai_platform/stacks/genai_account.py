"""The generative-AI account: the AI tier behind its private network."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from genai_platform.config import EndpointConfig, KnowledgeBaseConfig, PlatformConfig, TenantConfig
from genai_platform.constructs.cost_guard import CostGuard
from genai_platform.constructs.guardrail import (
    ContentFilter,
    DeniedTopic,
    Guardrail,
    GuardrailEnforcement,
    PiiEntity,
    RegexFilter,
)
from genai_platform.constructs.inference_endpoint import (
    CapacitySchedule,
    DataCapture,
    EndpointMode,
    InferenceEndpoint,
)
from genai_platform.constructs.invocation_logging import InvocationLogging
from genai_platform.constructs.knowledge_base import (
    Chunking,
    KnowledgeBase,
    KnowledgeBaseIngestion,
    Parsing,
)
from genai_platform.constructs.model_catalog import ModelCatalog, ModelSpec
from genai_platform.constructs.monitoring import PlatformMonitoring
from genai_platform.constructs.private_network import PrivateNetwork
from genai_platform.constructs.retention import retention_from_days
from genai_platform.constructs.rollout import rollback_alarm
from genai_platform.constructs.tenant_budgets import TenantBudgets
from genai_platform.patterns.guarded_inference_api import (
    GuardedInferenceApi,
    IdentityProvider,
    Tenant,
    TenantRetrieval,
    caller_role_name,
)
from genai_platform.stacks.account_stack import AccountStack
from genai_platform.stacks.config_problems import ConfigProblems
from genai_platform.stacks.version_outputs import add_version_outputs


class GenAiAccountStack(AccountStack):
    """The generative-AI account: a platform KMS key, the private network, Bedrock governance.

    Attributes: ``key`` (the platform's customer-managed key, rotation on), ``network``
    (isolated subnets, VPC endpoints, flow logs), ``guardrail`` (strict by default, with a
    published version), ``guardrail_enforcement`` (account-level, on that version, embedding
    models excluded; None when switched off), ``model_catalog`` (the approved models and
    aliases; ``grant_invoke`` allows only them and only with the guardrail), ``endpoints``
    (self-hosted models from ``[[endpoints]]`` by name, in the private network, scaling to
    zero), ``inference_api`` (the guarded inference API for ``[[tenants]]``; None without
    tenants) and ``invocation_logging`` (Bedrock model
    invocation logging to KMS-encrypted S3 and CloudWatch Logs with PII masking; None when
    ``[logging] enabled = false``), ``cost_guard`` (scales every endpoint to zero and flips
    the gateway's kill switch on an ACTUAL alert of the account budget at
    ``[cost_guard] trigger_threshold_percent``; None when off or with nothing to guard),
    ``knowledge_bases`` (alias to :class:`KnowledgeBase` from ``[[knowledge_bases]]``, on
    S3 Vectors over the data account's documents bucket, for the gateway's
    ``knowledge_bases`` prop), ``knowledge_base_ingestion`` (alias to its ingestion on
    change and scheduled full sync) and ``monitoring`` (dashboard, alarms and chat objectives
    from ``[monitoring]``; None when off).
    ``version_outputs``: stack outputs by logical id, the guardrail's id and version, each
    inference component's name and model version, and the API's URL (``InferenceApiUrl``), so
    everyone can see which version runs where.
    """

    def __init__(
        self, scope: Construct, id: str, *, config: PlatformConfig, anomaly_detection: bool = True
    ) -> None:
        super().__init__(
            scope,
            id,
            config=config,
            role="genai",
            description=(
                f"genai-platform {config.name}: generative-AI account "
                "(KMS key, private network with VPC endpoints, budget and cost alerts)"
            ),
            anomaly_detection=anomaly_detection,
        )
        self.key: kms.IKey = self._customer_managed_key(
            "PlatformKey", purpose="encrypts the generative-AI tier's data and logs"
        )
        # Every construct built from the config reports its errors under the TOML key path;
        # constructs that need a failed one are skipped; all problems are raised together.
        problems = ConfigProblems()
        network = problems.build(
            "network",
            lambda: PrivateNetwork(
                self,
                "Network",
                vpc_cidr=config.network.vpc_cidr,
                availability_zones=config.availability_zones,
                interface_endpoints=config.network.interface_endpoints,
                gateway_endpoints=config.network.gateway_endpoints,
                organization_id=config.accounts.organization_id,
                encryption_key=self.key,
                flow_log_retention=retention_from_days(
                    config.network.flow_log_retention_days, prop="network.flow_log_retention_days"
                ),
            ),
            keys=_NETWORK_KEYS,
        )
        guardrail = problems.build("guardrail", lambda: _guardrail(self, config))
        catalog = problems.build("models", lambda: model_catalog(self, config), keys=_MODEL_KEYS)
        enforcement = config.guardrail.enforcement
        self.guardrail_enforcement: GuardrailEnforcement | None = None
        if guardrail is not None and catalog is not None and enforcement.enabled:
            # Embedding models take no guardrail: enforcing one on them would break retrieval.
            embedding_models = [
                m for m in catalog.embedding_models if m not in enforcement.excluded_models
            ]
            self.guardrail_enforcement = problems.build(
                "guardrail.enforcement",
                lambda: GuardrailEnforcement(
                    self,
                    "GuardrailEnforcement",
                    guardrail=guardrail,
                    included_models=enforcement.included_models,
                    excluded_models=[*enforcement.excluded_models, *embedding_models]
                    if enforcement.included_models is None
                    else enforcement.excluded_models,
                    system_prompt_guarding=enforcement.system_prompt_guarding,
                    message_guarding=enforcement.message_guarding,
                ),
            )
        if network is not None:
            self.network = network
        if guardrail is not None:
            self.guardrail = guardrail
        if catalog is not None:
            self.model_catalog = catalog
        self.endpoints: dict[str, InferenceEndpoint] = {}
        for n, endpoint_config in enumerate(config.endpoints):
            if network is None:
                break  # endpoints run in the network: its problems come first
            built = problems.build(
                f"endpoints[{n}]",
                lambda e=endpoint_config: _endpoint(self, config, e),  # type: ignore[misc]
                keys=_endpoint_keys(n),
            )
            if built is not None:
                self.endpoints[endpoint_config.name] = built
        self.knowledge_bases: dict[str, KnowledgeBase] = {}
        self.knowledge_base_ingestion: dict[str, KnowledgeBaseIngestion] = {}
        for n, kb_config in enumerate(config.knowledge_bases):
            if catalog is None:
                break  # the embedding model comes from the catalogue: its problems come first
            knowledge_base = problems.build(
                f"knowledge_bases[{n}]",
                lambda k=kb_config: _knowledge_base(self, config, k, catalog),  # type: ignore[misc]
                keys=_knowledge_base_keys(n),
            )
            if knowledge_base is None:
                continue
            self.knowledge_bases[kb_config.alias] = knowledge_base
            if kb_config.ingest_on_change or kb_config.full_sync_schedule:
                ingestion = problems.build(
                    f"knowledge_bases[{n}]",
                    lambda k=kb_config, kb=knowledge_base: _ingestion(self, config, k, kb),  # type: ignore[misc]
                    keys=_knowledge_base_keys(n),
                )
                if ingestion is not None:
                    self.knowledge_base_ingestion[kb_config.alias] = ingestion
        self.inference_api: GuardedInferenceApi | None = None
        ready = (
            network is not None
            and guardrail is not None
            and catalog is not None
            and len(self.endpoints) == len(config.endpoints)
            and len(self.knowledge_bases) == len(config.knowledge_bases)
        )
        if ready and config.api.enabled and config.tenants:
            self.inference_api = problems.build(
                "api", lambda: _inference_api(self, config), keys=_API_KEYS
            )
        if self.inference_api is not None:
            _roll_back_on_gateway_errors(self, config, self.inference_api)
        self.cost_guard: CostGuard | None = None
        if (
            config.cost_guard.enabled
            and len(self.endpoints) == len(config.endpoints)
            and (self.endpoints or self.inference_api is not None)
        ):
            self.cost_guard = problems.build(
                "cost_guard", lambda: _cost_guard(self, config), keys=_COST_GUARD_KEYS
            )
        logging = config.logging
        self.invocation_logging: InvocationLogging | None = None
        if logging.enabled:
            self.invocation_logging = problems.build(
                "logging",
                lambda: InvocationLogging(
                    self,
                    "InvocationLogging",
                    retention=logging.retention_days,
                    log_retention=logging.log_retention_days,
                    key_prefix=logging.key_prefix,
                    object_lock=logging.object_lock,
                    image_data_delivery=logging.image_data_delivery,
                    video_data_delivery=logging.video_data_delivery,
                    audio_data_delivery=logging.audio_data_delivery,
                    configuration_role_name=invocation_logging_role_name(config),
                ),
                keys=_LOGGING_KEYS,
            )
        self.monitoring: PlatformMonitoring | None = None
        if config.monitoring.enabled and guardrail is not None and catalog is not None:
            self.monitoring = problems.build(
                "monitoring", lambda: _monitoring(self, config), keys=_MONITORING_KEYS
            )
        problems.raise_if_any()
        self.version_outputs = add_version_outputs(
            self,
            config,
            guardrail=guardrail,
            endpoints=self.endpoints,
            inference_api=self.inference_api,
        )


#: Construct props whose TOML key is not ``<section>.<prop>``.
_NETWORK_KEYS = {
    "availability_zones": "availability_zones",
    "organization_id": "accounts.organization_id",
    "flow_log_retention": "network.flow_log_retention_days",
}
_MODEL_KEYS = {"models": "models.approved", "additional_models": "models.additional"}
_API_KEYS = {
    "tenants": "tenants",
    "self_hosted_models": "api.self_hosted",
    "default_alias": "models.default_alias",
    "name_prefix": "name",
    "cloud_watch_role": "api.set_account_logging_role",
    "organization_id": "accounts.organization_id",
}
_COST_GUARD_KEYS = {"record_table_name": "name"}
_MONITORING_KEYS = {"dashboard_name": "name"}
_LOGGING_KEYS = {
    "retention": "logging.retention_days",
    "log_retention": "logging.log_retention_days",
}


def _endpoint_keys(n: int) -> dict[str, str]:
    prefix = f"endpoints[{n}]"
    return {
        "model_download_timeout": f"{prefix}.model_download_timeout_minutes",
        "startup_health_check_timeout": f"{prefix}.startup_health_check_timeout_minutes",
        "hf_token_secret": f"{prefix}.hf_token_secret_arn",
        "data_capture": f"{prefix}.data_capture_sampling_percentage",
        "endpoint_name": f"{prefix}.name",
    }


def _knowledge_base_keys(n: int) -> dict[str, str]:
    prefix = f"knowledge_bases[{n}]"
    return {
        "inclusion_prefixes": f"{prefix}.prefixes",
        "parsing": f"{prefix}.parsing_model",
        "alias": f"{prefix}.alias",
        "knowledge_base_name": f"{prefix}.alias",
        "role_name": f"{prefix}.alias",
        "event_bus_name": f"{prefix}.alias",
        "source_account": "accounts.data",
        "organization_id": "accounts.organization_id",
    }


def knowledge_base_name(config: PlatformConfig, alias: str) -> str:
    """``<name>-<alias>``: the knowledge base's name (and the prefix of its queues)."""
    return f"{config.name}-{alias}"


def knowledge_base_role_name(config: PlatformConfig, alias: str) -> str:
    """``<name>-kb-<alias>-<region>``: the knowledge base's service role, named so that the
    data account's bucket and key policies can admit exactly it (at most 64 characters: IAM
    names are account-wide, the region keeps two regional platforms apart)."""
    return f"{config.name}-kb-{alias}-{config.region}"[:64]


def ingestion_event_bus_name(config: PlatformConfig, alias: str) -> str:
    """``<name>-<alias>-documents``: the bus the data account sends the knowledge base's
    document changes to."""
    return f"{config.name}-{alias}-documents"


def documents_bucket_name(config: PlatformConfig) -> str:
    """``<name>-documents-<data account>-<region>``: the data account's documents bucket,
    named so that the generative-AI account can address it without a lookup (at most 62
    characters)."""
    return f"{config.name}-documents-{config.accounts.data}-{config.region}"


def _knowledge_base(
    stack: GenAiAccountStack, config: PlatformConfig, k: KnowledgeBaseConfig, catalog: ModelCatalog
) -> KnowledgeBase:
    """One ``[[knowledge_bases]]`` entry over the data account's documents bucket."""
    bucket = s3.Bucket.from_bucket_attributes(
        stack,
        f"Documents-{k.alias}",
        bucket_name=documents_bucket_name(config),
        account=config.accounts.data,
        region=config.region,
    )
    c = k.chunking
    chunking = {
        "fixed_size": lambda: Chunking.fixed_size(
            max_tokens=c.max_tokens or 300, overlap_percentage=c.overlap_percentage or 20
        ),
        "hierarchical": lambda: Chunking.hierarchical(
            parent_max_tokens=c.parent_max_tokens or 1500,
            child_max_tokens=c.child_max_tokens or 300,
            overlap_tokens=c.overlap_tokens or 60,
        ),
        "semantic": lambda: Chunking.semantic(
            max_tokens=c.max_tokens or 300,
            buffer_size=c.buffer_size or 0,
            breakpoint_percentile_threshold=c.breakpoint_percentile_threshold or 95,
        ),
        "none": Chunking.none,
    }[c.strategy]()
    return KnowledgeBase(
        stack,
        f"KnowledgeBase-{k.alias}",
        model_catalog=catalog,
        embedding_model=k.embedding_model,
        documents_bucket=bucket,
        bucket_owner_account=config.accounts.data,
        inclusion_prefixes=k.prefixes,
        dimensions=k.dimensions,
        distance_metric=k.distance_metric,
        chunking=chunking,
        parsing=Parsing.foundation_model(k.parsing_model) if k.parsing_model else None,
        knowledge_base_name=knowledge_base_name(config, k.alias),
        role_name=knowledge_base_role_name(config, k.alias),
        alias=k.alias,
        encryption_key=stack.key,
        description=k.description or f"{config.name}: {k.alias} (data account documents)",
    )


def _ingestion(
    stack: GenAiAccountStack, config: PlatformConfig, k: KnowledgeBaseConfig, kb: KnowledgeBase
) -> KnowledgeBaseIngestion:
    """Ingestion on change (unless ``ingest_on_change = false``) and the scheduled full sync."""
    on_change = k.ingest_on_change
    return KnowledgeBaseIngestion(
        stack,
        f"KnowledgeBaseIngestion-{k.alias}",
        knowledge_base=kb,
        source_account=config.accounts.data if on_change else None,
        event_bus_name=ingestion_event_bus_name(config, k.alias) if on_change else None,
        organization_id=config.accounts.organization_id,
        full_sync=k.full_sync_schedule is not None,
        full_sync_schedule=events.Schedule.expression(k.full_sync_schedule)
        if k.full_sync_schedule
        else None,
        encryption_key=stack.key,
        log_retention=retention_from_days(365),
    )


def cost_guard_table_name(config: PlatformConfig) -> str:
    """Name of the cost guard's record table, ``<name>-cost-guard``: fixed, so that
    ``genai-platform guard release --config <file>`` finds it from the config."""
    return f"{config.name}-cost-guard"


def _cost_guard(stack: GenAiAccountStack, config: PlatformConfig) -> CostGuard:
    """The cost guard from ``[cost_guard]``: every endpoint, the gateway's kill switch and, with
    ``budget_action``, the Budgets action on the gateway's invoke role."""
    api = stack.inference_api
    role = api.invoke_function.role if api is not None else None
    # Per-tenant AWS Budgets on the tenants' profile tags: their alerts switch one tenant off.
    budgeted = {t.id: t.monthly_budget_usd for t in config.tenants if t.monthly_budget_usd}
    tenant_budgets = (
        TenantBudgets(
            stack,
            "TenantBudgets",
            monthly_budgets_usd=budgeted,
            topic=stack.budget.topic,
            name_prefix=config.name,
            threshold_percent=config.cost_guard.trigger_threshold_percent,
        )
        if api is not None and budgeted
        else None
    )
    return CostGuard(
        stack,
        "CostGuard",
        budget=stack.budget,
        endpoints=list(stack.endpoints.values()),
        kill_switch=api.kill_switch if api is not None else None,
        gateway_role=role,
        budget_action=config.cost_guard.budget_action,
        trigger_threshold_percent=config.cost_guard.trigger_threshold_percent,
        record_table_name=cost_guard_table_name(config),
        encryption_key=stack.key,
        tenant_budgets=tenant_budgets.budget_names if tenant_budgets else None,
        tenant_switch_table=api.quota_table if tenant_budgets and api else None,
    )


def _monitoring(stack: GenAiAccountStack, config: PlatformConfig) -> PlatformMonitoring:
    """The dashboard, alarms and chat objectives from ``[monitoring]``, alerting the
    ``[budgets.genai]`` addresses unless ``alert_emails`` is set; the alert topic is encrypted
    with the platform key."""
    m = config.monitoring
    return PlatformMonitoring(
        stack,
        "Monitoring",
        inference_api=stack.inference_api,
        model_catalog=stack.model_catalog,
        guardrail=stack.guardrail,
        endpoints=stack.endpoints,
        knowledge_bases=list(stack.knowledge_bases),
        encryption_key=stack.key,
        alert_emails=m.alert_emails
        if m.alert_emails is not None
        else config.budgets.genai.alert_emails,
        dashboard_name=f"{config.name}-platform",
        availability_objective_percent=m.availability_objective_percent,
        latency_objective_percent=m.latency_objective_percent,
        latency_target_ms=m.latency_target_ms,
        latency_targets_ms=m.latency_targets_ms,
        server_error_rate_percent=m.server_error_rate_percent,
        breaker_opens_threshold=m.breaker_opens_threshold,
        fallbacks_threshold=m.fallbacks_threshold,
        guardrail_intervention_band_width=m.guardrail_intervention_band_width,
        feedback_down_rate_percent=m.feedback_down_rate_percent,
        feedback_min_ratings=m.feedback_min_ratings,
        wake_up_failures_threshold=m.wake_up_failures_threshold,
        ingestion_failures_threshold=m.ingestion_failures_threshold,
        lambda_throttles_threshold=m.lambda_throttles_threshold,
    )


def invocation_logging_role_name(config: PlatformConfig) -> str:
    """The explicit name of the role that configures invocation logging in the generative-AI
    account, ``<name>-invocation-logging-<region>`` (at most 58 characters; IAM names are
    account-wide, so the region keeps two regional platforms apart). The governance stack's
    service control policy exempts exactly this role from its ban on logging changes."""
    return f"{config.name}-invocation-logging-{config.region}"


def model_catalog(scope: Construct, config: PlatformConfig) -> ModelCatalog:
    """The approved model catalogue from ``[models]``."""
    models = config.models
    return ModelCatalog(
        scope,
        "ModelCatalog",
        models=models.approved,
        aliases=models.aliases,
        default_alias=models.default_alias,
        additional_models=additional_models(config),
    )


def additional_models(config: PlatformConfig) -> dict[str, ModelSpec]:
    """``[models.additional]`` as the catalogue's model specs."""
    return {
        model_id: ModelSpec(
            provider=spec.provider,
            modality=spec.modality,
            profile_geographies=frozenset(spec.profile_geographies),  # type: ignore[arg-type]
        )
        for model_id, spec in config.models.additional.items()
    }


def _guardrail(stack: GenAiAccountStack, config: PlatformConfig) -> Guardrail:
    """The platform guardrail from ``[guardrail]``: strict defaults unless overridden."""
    g = config.guardrail
    optional: dict[str, Any] = {}
    if g.content_filters is not None:
        optional["content_filters"] = [ContentFilter(**f.model_dump()) for f in g.content_filters]
    if g.pii_entities is not None:
        optional["pii_entities"] = [PiiEntity(**p.model_dump()) for p in g.pii_entities]
    if g.blocked_input_message is not None:
        optional["blocked_input_message"] = g.blocked_input_message
    if g.blocked_output_message is not None:
        optional["blocked_output_message"] = g.blocked_output_message
    return Guardrail(
        stack,
        "Guardrail",
        guardrail_name=g.name or f"{config.name}-guardrail",
        description=f"{config.name}: the platform guardrail every model invocation must carry",
        denied_topics=[
            DeniedTopic(name=t.name, definition=t.definition, examples=tuple(t.examples))
            for t in g.denied_topics
        ],
        denied_words=g.denied_words,
        profanity_filter=g.profanity_filter,
        regex_filters=[RegexFilter(**r.model_dump()) for r in g.regex_filters],
        grounding_threshold=g.grounding_threshold,
        relevance_threshold=g.relevance_threshold,
        kms_key=stack.key if g.encrypt_with_platform_key else None,
        tier=g.tier,
        cross_region_profile=g.cross_region_profile,
        cross_region_profile_regions=g.cross_region_profile_regions,
        **optional,
    )


def _endpoint(
    stack: GenAiAccountStack, config: PlatformConfig, e: EndpointConfig
) -> InferenceEndpoint:
    """One ``[[endpoints]]`` entry as an inference endpoint in the private network."""
    minutes = {
        "model_download_timeout": e.model_download_timeout_minutes,
        "startup_health_check_timeout": e.startup_health_check_timeout_minutes,
    }
    optional: dict[str, Any] = {
        prop: cdk.Duration.minutes(value) for prop, value in minutes.items() if value is not None
    }
    if e.hf_token_secret_arn is not None:
        optional["hf_token_secret"] = secretsmanager.Secret.from_secret_complete_arn(
            stack, f"{e.name}HubToken", e.hf_token_secret_arn
        )
    if e.data_capture_sampling_percentage is not None:
        optional["data_capture"] = DataCapture(
            sampling_percentage=e.data_capture_sampling_percentage
        )
    return InferenceEndpoint(
        stack,
        f"Endpoint-{e.name}",
        endpoint_name=f"{config.name}-{e.name}",
        instance_type=e.instance_type,
        model_data_uri=e.model_data_uri,
        hf_model_id=e.hf_model_id,
        framework=e.framework,
        framework_version=e.framework_version,
        image_uri=e.image_uri,
        inference_ami_version=e.inference_ami_version,
        environment=e.environment,
        mode=EndpointMode(e.mode),
        min_instances=e.min_instances,
        max_instances=e.max_instances,
        devices_per_copy=e.devices_per_copy,
        memory_per_copy_mib=e.memory_per_copy_mib,
        cpu_cores_per_copy=e.cpu_cores_per_copy,
        min_copies=e.min_copies,
        max_copies=e.max_copies,
        target_concurrent_requests_per_copy=e.target_concurrent_requests_per_copy,
        target_backlog_per_instance=e.target_backlog_per_instance,
        max_concurrent_invocations_per_instance=e.max_concurrent_invocations_per_instance,
        network_isolation=e.network_isolation,
        schedules=[
            CapacitySchedule(
                name=s.name,
                cron=s.cron,
                min_capacity=s.min_capacity,
                max_capacity=s.max_capacity,
                time_zone=cdk.TimeZone.of(s.time_zone) if s.time_zone else None,
            )
            for s in e.schedules
        ],
        vpc=stack.network.vpc,
        vpc_subnets=stack.network.isolated_subnets,
        encryption_key=stack.key,
        **optional,
    )


def _roll_back_on_gateway_errors(
    stack: GenAiAccountStack, config: PlatformConfig, api: GuardedInferenceApi
) -> None:
    """The gateway's 5xx alarm also rolls back model deployments of the endpoints it serves."""
    served = sorted(set(config.api.self_hosted.values()))
    if not served:
        return
    # The stage's 5XXError by literal dimensions: the stage's own metric would reference the
    # stage resource, and the endpoint naming the alarm would then depend on the API, which
    # already depends on the endpoint (its invoke role may call it): a cycle.
    metric = cloudwatch.Metric(
        namespace="AWS/ApiGateway",
        metric_name="5XXError",
        dimensions_map={"ApiName": api.api.rest_api_name, "Stage": config.api.stage_name},
        statistic="Sum",
        period=cdk.Duration.minutes(1),
    )
    alarm = rollback_alarm(
        stack,
        "GatewayServerErrorsRollbackAlarm",
        metric=metric,
        threshold=5,
        description=(
            f"{config.name} gateway: 5+ 5xx responses a minute; rolls back model deployments "
            f"of {', '.join(served)}"
        ),
    )
    for name in served:
        stack.endpoints[name].add_rollback_alarm(alarm)


def _inference_api(stack: GenAiAccountStack, config: PlatformConfig) -> GuardedInferenceApi:
    """The guarded inference API from ``[api]`` and ``[[tenants]]``.

    Each tenant is admitted as its caller role in the application account (created there by
    ``ApplicationAccountStack``) plus its ``extra_principals``.
    """
    api = config.api
    app_account = config.accounts.application
    return GuardedInferenceApi(
        stack,
        "InferenceApi",
        guardrail=stack.guardrail,
        model_catalog=stack.model_catalog,
        knowledge_bases=stack.knowledge_bases,
        tenants=[
            Tenant(
                id=t.id,
                principals=[
                    f"arn:aws:iam::{app_account}:role/{caller_role_name(config.name, t.id)}",
                    *t.extra_principals,
                ],
                aliases=t.aliases,
                monthly_token_quota=t.monthly_token_quota,
                rate_limit_rps=t.rate_limit_rps,
                burst_limit=t.burst_limit,
                monthly_request_quota=t.monthly_request_quota,
                log_content=t.log_content,
                retrieval=_tenant_retrieval(t),
                monthly_budget_usd=t.monthly_budget_usd,
            )
            for t in config.tenants
        ],
        self_hosted_models={
            alias: stack.endpoints[name] for alias, name in api.self_hosted.items()
        },
        fallbacks=api.fallbacks,
        default_alias=config.models.default_alias,
        features=api.features,
        name_prefix=config.name,
        stage_name=api.stage_name,
        endpoint_type=apigateway.EndpointType[api.endpoint_type],
        private_network=stack.network,
        cloud_watch_role=api.set_account_logging_role,
        tracing=api.tracing,
        invoke_reserved_concurrency=api.invoke_reserved_concurrency,
        feedback_reserved_concurrency=api.feedback_reserved_concurrency,
        organization_id=config.accounts.organization_id,
        throttle_rate_limit=api.throttle_rate_limit,
        throttle_burst_limit=api.throttle_burst_limit,
        waf_rate_limit=api.waf_rate_limit,
        waf_count_rules=api.waf_count_rules,
        encryption_key=stack.key,
    )


def _tenant_retrieval(tenant: TenantConfig) -> TenantRetrieval | None:
    """A ``[[tenants]]`` entry's knowledge bases, classification ceiling and identity provider
    as the API's props (None when it may use no knowledge base)."""
    if not tenant.knowledge_bases:
        return None
    identity = tenant.identity
    return TenantRetrieval(
        knowledge_bases=tenant.knowledge_bases,
        max_classification=tenant.max_classification,
        identity=(
            IdentityProvider(
                issuer=identity.issuer,
                audience=identity.audience,
                jwks_url=identity.jwks_url,
                groups_claim=identity.groups_claim,
                header=identity.header,
                algorithms=tuple(identity.algorithms),
                leeway_seconds=identity.leeway_seconds,
            )
            if identity is not None
            else None
        ),
    )
