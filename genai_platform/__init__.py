"""genai-platform: AWS CDK constructs for running AI workloads as a platform.

The public API is re-exported here and imported lazily, so ``import genai_platform`` (or
validating a config) does not start the CDK's Node runtime::

    from genai_platform import PrivateNetwork, AccountBudget, load_config, add_nag_packs
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any


def _version() -> str:
    """The installed distribution's version (pyproject.toml is the one place it is set)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("genai-platform")
    except PackageNotFoundError:  # a source tree on the path, not installed
        return "0+unknown"


__version__ = _version()

_EXPORTS: dict[str, str] = {
    # config
    "ConfigError": "genai_platform.config",
    "PlatformConfig": "genai_platform.config",
    "load_config": "genai_platform.config",
    "parse_config": "genai_platform.config",
    # region availability
    "RegionalFeature": "genai_platform.regions",
    # compliance
    "acknowledge": "genai_platform.compliance",
    "acknowledge_warning": "genai_platform.compliance",
    "add_nag_packs": "genai_platform.compliance",
    "read_nag_report": "genai_platform.compliance",
    "synth_and_report": "genai_platform.compliance",
    # constructs
    "AccountBudget": "genai_platform.constructs.budget",
    "BatchInference": "genai_platform.constructs.batch_inference",
    "CostGuard": "genai_platform.constructs.cost_guard",
    "TenantBudgets": "genai_platform.constructs.tenant_budgets",
    "PlatformMonitoring": "genai_platform.constructs.monitoring",
    "MonitoringThresholds": "genai_platform.constructs.monitoring",
    "BurnRateWindow": "genai_platform.constructs.monitoring",
    "Slo": "genai_platform.constructs.monitoring",
    "InvocationLogging": "genai_platform.constructs.invocation_logging",
    "InferenceEndpoint": "genai_platform.constructs.inference_endpoint",
    "InferenceAmi": "genai_platform.constructs.accelerators",
    "EndpointMode": "genai_platform.constructs.inference_endpoint",
    "CapacitySchedule": "genai_platform.constructs.inference_endpoint",
    "DataCapture": "genai_platform.constructs.inference_endpoint",
    "ServingOptions": "genai_platform.constructs.serving",
    "ContainerFamily": "genai_platform.constructs.serving",
    "RolloutOptions": "genai_platform.constructs.rollout",
    "ModelCatalog": "genai_platform.constructs.model_catalog",
    "ModelSpec": "genai_platform.constructs.model_catalog",
    "GovernanceStack": "genai_platform.stacks.governance",
    "GuardedInferenceApi": "genai_platform.patterns.guarded_inference_api",
    "GatewayCallerRole": "genai_platform.patterns.guarded_inference_api",
    "Tenant": "genai_platform.patterns.guarded_inference_api",
    "TenantRetrieval": "genai_platform.patterns.guarded_inference_api",
    "IdentityProvider": "genai_platform.patterns.guarded_inference_api",
    "DocumentProblem": "genai_platform.retrieval_docs",
    "validate_documents": "genai_platform.retrieval_docs",
    "Guardrail": "genai_platform.constructs.guardrail",
    "IGuardedInferenceApi": "genai_platform.constructs.interfaces",
    "IGuardrail": "genai_platform.constructs.interfaces",
    "IInferenceEndpoint": "genai_platform.constructs.interfaces",
    "IKnowledgeBase": "genai_platform.constructs.interfaces",
    "GuardrailEnforcement": "genai_platform.constructs.guardrail",
    "PrivateNetwork": "genai_platform.constructs.private_network",
    # knowledge bases (issue 9)
    "Chunking": "genai_platform.constructs.knowledge_base",
    "DataSource": "genai_platform.constructs.knowledge_base",
    "DocumentEventForwarding": "genai_platform.constructs.knowledge_base",
    "KnowledgeBase": "genai_platform.constructs.knowledge_base",
    "KnowledgeBaseIngestion": "genai_platform.constructs.knowledge_base",
    "Parsing": "genai_platform.constructs.knowledge_base",
    "admit_knowledge_base": "genai_platform.constructs.knowledge_base",
    "ingestion_event_bus_arn": "genai_platform.constructs.knowledge_base",
    "knowledge_base_role_arn": "genai_platform.constructs.knowledge_base",
    "ChunkingConfig": "genai_platform.config",
    "KnowledgeBaseConfig": "genai_platform.config",
    "pin_availability_zones": "genai_platform.constructs.private_network",
    # stacks and the reference app
    "AccountStack": "genai_platform.stacks",
    "ApplicationAccountStack": "genai_platform.stacks",
    "DataAccountStack": "genai_platform.stacks",
    "GenAiAccountStack": "genai_platform.stacks",
    "PlatformStacks": "genai_platform.reference_app",
    "build_platform": "genai_platform.reference_app",
    "build_reference_app": "genai_platform.reference_app",
    # calling the API (SigV4 for httpx / the openai client)
    "SigV4Signer": "genai_platform.client",
    "openai_http_client": "genai_platform.client",
    "sigv4_auth": "genai_platform.client",
    # prop and result types (issue 11: every public type from the package root)
    "AcceleratorKind": "genai_platform.constructs.accelerators",
    "ImageCatalogueUnavailableError": "genai_platform.constructs.accelerators",
    "ImageResolutionError": "genai_platform.constructs.accelerators",
    "InstanceSpec": "genai_platform.constructs.accelerators",
    "ContentFilter": "genai_platform.constructs.guardrail",
    "DeniedTopic": "genai_platform.constructs.guardrail",
    "PiiEntity": "genai_platform.constructs.guardrail",
    "RegexFilter": "genai_platform.constructs.guardrail",
    "ApprovedModel": "genai_platform.constructs.model_catalog",
    "GuardrailReference": "genai_platform.constructs.model_catalog",
    "CallTimeouts": "genai_platform.patterns.guarded_inference_api",
    "CircuitBreaker": "genai_platform.patterns.guarded_inference_api",
    "RequestLimits": "genai_platform.patterns.guarded_inference_api",
    "RetryPolicy": "genai_platform.patterns.guarded_inference_api",
    "Acknowledgement": "genai_platform.compliance",
    "NagFinding": "genai_platform.compliance",
    "NagReport": "genai_platform.compliance",
    "Annotation": "genai_platform.checks",
    "AppCheckError": "genai_platform.checks",
    "CheckResult": "genai_platform.checks",
    "LintIssue": "genai_platform.checks",
    "StackSummary": "genai_platform.checks",
    "check_app": "genai_platform.checks",
    "check_assembly": "genai_platform.checks",
    "to_sarif": "genai_platform.sarif",
    "AccountsConfig": "genai_platform.config",
    "ApiConfig": "genai_platform.config",
    "BudgetConfig": "genai_platform.config",
    "BudgetsConfig": "genai_platform.config",
    "EndpointConfig": "genai_platform.config",
    "GovernanceConfig": "genai_platform.config",
    "GuardrailConfig": "genai_platform.config",
    "IdentityConfig": "genai_platform.config",
    "LoggingConfig": "genai_platform.config",
    "CostGuardConfig": "genai_platform.config",
    "ModelsConfig": "genai_platform.config",
    "MonitoringConfig": "genai_platform.config",
    "NetworkConfig": "genai_platform.config",
    "TenantConfig": "genai_platform.config",
    "WarningAcknowledgementConfig": "genai_platform.config",
    "CostConfig": "genai_platform.config",
    "CostEstimate": "genai_platform.cost",
    "CostRow": "genai_platform.cost",
    "ModelUsage": "genai_platform.cost",
    "PriceLookupError": "genai_platform.cost",
    "PriceTable": "genai_platform.cost",
    "TokenPrice": "genai_platform.cost",
    "UsageProfile": "genai_platform.cost",
    "UsageProfileError": "genai_platform.cost",
    "estimate_assembly": "genai_platform.cost",
    "instance_hour_price": "genai_platform.cost",
    "model_token_price": "genai_platform.cost",
    "load_usage_profile": "genai_platform.cost",
    # delivery (issue 14)
    "DeliveryConfig": "genai_platform.delivery.config",
    "DeliveryEnvironmentConfig": "genai_platform.delivery.config",
    "DeliverySourceConfig": "genai_platform.delivery.config",
    "GitHubConfig": "genai_platform.delivery.config",
    "load_delivery_config": "genai_platform.delivery.config",
    "DeliveryPipeline": "genai_platform.stacks.delivery",
    "PlatformStage": "genai_platform.stacks.delivery",
    "GitHubDeploymentRoles": "genai_platform.constructs.github_roles",
    "SmokeTestError": "genai_platform.delivery.smoke_test",
}

__all__ = [
    "AcceleratorKind",
    "AccountBudget",
    "AccountStack",
    "AccountsConfig",
    "Acknowledgement",
    "Annotation",
    "ApiConfig",
    "AppCheckError",
    "ApplicationAccountStack",
    "ApprovedModel",
    "BatchInference",
    "BudgetConfig",
    "BudgetsConfig",
    "BurnRateWindow",
    "CallTimeouts",
    "CapacitySchedule",
    "CheckResult",
    "Chunking",
    "ChunkingConfig",
    "CircuitBreaker",
    "ConfigError",
    "ContainerFamily",
    "ContentFilter",
    "CostConfig",
    "CostEstimate",
    "CostGuard",
    "CostGuardConfig",
    "CostRow",
    "DataAccountStack",
    "DataCapture",
    "DataSource",
    "DeliveryConfig",
    "DeliveryEnvironmentConfig",
    "DeliveryPipeline",
    "DeliverySourceConfig",
    "DeniedTopic",
    "DocumentEventForwarding",
    "DocumentProblem",
    "EndpointConfig",
    "EndpointMode",
    "GatewayCallerRole",
    "GenAiAccountStack",
    "GitHubConfig",
    "GitHubDeploymentRoles",
    "GovernanceConfig",
    "GovernanceStack",
    "GuardedInferenceApi",
    "Guardrail",
    "GuardrailConfig",
    "GuardrailEnforcement",
    "GuardrailReference",
    "IGuardedInferenceApi",
    "IGuardrail",
    "IInferenceEndpoint",
    "IKnowledgeBase",
    "IdentityConfig",
    "IdentityProvider",
    "ImageCatalogueUnavailableError",
    "ImageResolutionError",
    "InferenceAmi",
    "InferenceEndpoint",
    "InstanceSpec",
    "InvocationLogging",
    "KnowledgeBase",
    "KnowledgeBaseConfig",
    "KnowledgeBaseIngestion",
    "LintIssue",
    "LoggingConfig",
    "ModelCatalog",
    "ModelSpec",
    "ModelUsage",
    "ModelsConfig",
    "MonitoringConfig",
    "MonitoringThresholds",
    "NagFinding",
    "NagReport",
    "NetworkConfig",
    "Parsing",
    "PiiEntity",
    "PlatformConfig",
    "PlatformMonitoring",
    "PlatformStacks",
    "PlatformStage",
    "PriceLookupError",
    "PriceTable",
    "PrivateNetwork",
    "RegexFilter",
    "RegionalFeature",
    "RequestLimits",
    "RetryPolicy",
    "RolloutOptions",
    "ServingOptions",
    "SigV4Signer",
    "Slo",
    "SmokeTestError",
    "StackSummary",
    "Tenant",
    "TenantBudgets",
    "TenantConfig",
    "TenantRetrieval",
    "TokenPrice",
    "UsageProfile",
    "UsageProfileError",
    "WarningAcknowledgementConfig",
    "acknowledge",
    "acknowledge_warning",
    "add_nag_packs",
    "admit_knowledge_base",
    "build_platform",
    "build_reference_app",
    "check_app",
    "check_assembly",
    "estimate_assembly",
    "ingestion_event_bus_arn",
    "instance_hour_price",
    "knowledge_base_role_arn",
    "load_config",
    "load_delivery_config",
    "load_usage_profile",
    "model_token_price",
    "openai_http_client",
    "parse_config",
    "pin_availability_zones",
    "read_nag_report",
    "sigv4_auth",
    "synth_and_report",
    "to_sarif",
    "validate_documents",
]

if TYPE_CHECKING:
    from genai_platform.checks import (
        Annotation,
        AppCheckError,
        CheckResult,
        LintIssue,
        StackSummary,
        check_app,
        check_assembly,
    )
    from genai_platform.client import SigV4Signer, openai_http_client, sigv4_auth
    from genai_platform.compliance import (
        Acknowledgement,
        NagFinding,
        NagReport,
        acknowledge,
        acknowledge_warning,
        add_nag_packs,
        read_nag_report,
        synth_and_report,
    )
    from genai_platform.config import (
        AccountsConfig,
        ApiConfig,
        BudgetConfig,
        BudgetsConfig,
        ChunkingConfig,
        ConfigError,
        CostConfig,
        CostGuardConfig,
        EndpointConfig,
        GovernanceConfig,
        GuardrailConfig,
        IdentityConfig,
        KnowledgeBaseConfig,
        LoggingConfig,
        ModelsConfig,
        MonitoringConfig,
        NetworkConfig,
        PlatformConfig,
        TenantConfig,
        WarningAcknowledgementConfig,
        load_config,
        parse_config,
    )
    from genai_platform.constructs.accelerators import (
        AcceleratorKind,
        ImageCatalogueUnavailableError,
        ImageResolutionError,
        InferenceAmi,
        InstanceSpec,
    )
    from genai_platform.constructs.batch_inference import BatchInference
    from genai_platform.constructs.budget import AccountBudget
    from genai_platform.constructs.cost_guard import CostGuard
    from genai_platform.constructs.github_roles import GitHubDeploymentRoles
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
    from genai_platform.constructs.interfaces import (
        IGuardedInferenceApi,
        IGuardrail,
        IInferenceEndpoint,
        IKnowledgeBase,
    )
    from genai_platform.constructs.invocation_logging import InvocationLogging
    from genai_platform.constructs.knowledge_base import (
        Chunking,
        DataSource,
        DocumentEventForwarding,
        KnowledgeBase,
        KnowledgeBaseIngestion,
        Parsing,
        admit_knowledge_base,
        ingestion_event_bus_arn,
        knowledge_base_role_arn,
    )
    from genai_platform.constructs.model_catalog import (
        ApprovedModel,
        GuardrailReference,
        ModelCatalog,
        ModelSpec,
    )
    from genai_platform.constructs.monitoring import (
        BurnRateWindow,
        MonitoringThresholds,
        PlatformMonitoring,
        Slo,
    )
    from genai_platform.constructs.private_network import PrivateNetwork, pin_availability_zones
    from genai_platform.constructs.rollout import RolloutOptions
    from genai_platform.constructs.serving import ContainerFamily, ServingOptions
    from genai_platform.constructs.tenant_budgets import TenantBudgets
    from genai_platform.cost import (
        CostEstimate,
        CostRow,
        ModelUsage,
        PriceLookupError,
        PriceTable,
        TokenPrice,
        UsageProfile,
        UsageProfileError,
        estimate_assembly,
        instance_hour_price,
        load_usage_profile,
        model_token_price,
    )
    from genai_platform.delivery.config import (
        DeliveryConfig,
        DeliveryEnvironmentConfig,
        DeliverySourceConfig,
        GitHubConfig,
        load_delivery_config,
    )
    from genai_platform.delivery.smoke_test import SmokeTestError
    from genai_platform.patterns.guarded_inference_api import (
        CallTimeouts,
        CircuitBreaker,
        GatewayCallerRole,
        GuardedInferenceApi,
        IdentityProvider,
        RequestLimits,
        RetryPolicy,
        Tenant,
        TenantRetrieval,
    )
    from genai_platform.reference_app import PlatformStacks, build_platform, build_reference_app
    from genai_platform.regions import RegionalFeature
    from genai_platform.retrieval_docs import DocumentProblem, validate_documents
    from genai_platform.sarif import to_sarif
    from genai_platform.stacks import (
        AccountStack,
        ApplicationAccountStack,
        DataAccountStack,
        GenAiAccountStack,
    )
    from genai_platform.stacks.delivery import DeliveryPipeline, PlatformStage
    from genai_platform.stacks.governance import GovernanceStack


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'genai_platform' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
