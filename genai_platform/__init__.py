"""genai-platform: AWS CDK constructs for running AI workloads as a platform.

The public API is re-exported here and imported lazily, so ``import genai_platform`` (or
validating a config) does not start the CDK's Node runtime::

    from genai_platform import PrivateNetwork, AccountBudget, load_config, add_nag_packs
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

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
    "Guardrail": "genai_platform.constructs.guardrail",
    "IGuardedInferenceApi": "genai_platform.constructs.interfaces",
    "IGuardrail": "genai_platform.constructs.interfaces",
    "IInferenceEndpoint": "genai_platform.constructs.interfaces",
    "GuardrailEnforcement": "genai_platform.constructs.guardrail",
    "PrivateNetwork": "genai_platform.constructs.private_network",
    "pin_availability_zones": "genai_platform.constructs.private_network",
    # stacks and the reference app
    "AccountStack": "genai_platform.stacks",
    "ApplicationAccountStack": "genai_platform.stacks",
    "DataAccountStack": "genai_platform.stacks",
    "GenAiAccountStack": "genai_platform.stacks",
    "PlatformStacks": "genai_platform.reference_app",
    "build_platform": "genai_platform.reference_app",
    "build_reference_app": "genai_platform.reference_app",
}

__all__ = [
    "AccountBudget",
    "AccountStack",
    "ApplicationAccountStack",
    "BatchInference",
    "CapacitySchedule",
    "ConfigError",
    "ContainerFamily",
    "DataAccountStack",
    "DataCapture",
    "EndpointMode",
    "GatewayCallerRole",
    "GenAiAccountStack",
    "GovernanceStack",
    "GuardedInferenceApi",
    "Guardrail",
    "GuardrailEnforcement",
    "IGuardedInferenceApi",
    "IGuardrail",
    "IInferenceEndpoint",
    "InferenceAmi",
    "InferenceEndpoint",
    "InvocationLogging",
    "ModelCatalog",
    "ModelSpec",
    "PlatformConfig",
    "PlatformStacks",
    "PrivateNetwork",
    "RegionalFeature",
    "RolloutOptions",
    "ServingOptions",
    "Tenant",
    "acknowledge",
    "acknowledge_warning",
    "add_nag_packs",
    "build_platform",
    "build_reference_app",
    "load_config",
    "parse_config",
    "pin_availability_zones",
    "read_nag_report",
    "synth_and_report",
]

if TYPE_CHECKING:
    from genai_platform.compliance import (
        acknowledge,
        acknowledge_warning,
        add_nag_packs,
        read_nag_report,
        synth_and_report,
    )
    from genai_platform.config import ConfigError, PlatformConfig, load_config, parse_config
    from genai_platform.constructs.accelerators import InferenceAmi
    from genai_platform.constructs.batch_inference import BatchInference
    from genai_platform.constructs.budget import AccountBudget
    from genai_platform.constructs.guardrail import Guardrail, GuardrailEnforcement
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
    )
    from genai_platform.constructs.invocation_logging import InvocationLogging
    from genai_platform.constructs.model_catalog import ModelCatalog, ModelSpec
    from genai_platform.constructs.private_network import PrivateNetwork, pin_availability_zones
    from genai_platform.constructs.rollout import RolloutOptions
    from genai_platform.constructs.serving import ContainerFamily, ServingOptions
    from genai_platform.patterns.guarded_inference_api import (
        GatewayCallerRole,
        GuardedInferenceApi,
        Tenant,
    )
    from genai_platform.reference_app import PlatformStacks, build_platform, build_reference_app
    from genai_platform.regions import RegionalFeature
    from genai_platform.stacks import (
        AccountStack,
        ApplicationAccountStack,
        DataAccountStack,
        GenAiAccountStack,
    )
    from genai_platform.stacks.governance import GovernanceStack


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'genai_platform' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
