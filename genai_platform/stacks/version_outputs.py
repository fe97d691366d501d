"""Stack outputs that say which version runs where: guardrail, inference components, API URL.

A rollback is "deploy the previous version": these outputs (``aws cloudformation
describe-stacks``, the console, the pipeline's smoke test) show what a stack runs now.
"""

from __future__ import annotations

import re

import aws_cdk as cdk

from genai_platform.config import EndpointConfig, PlatformConfig
from genai_platform.constructs.guardrail import Guardrail
from genai_platform.constructs.inference_endpoint import InferenceEndpoint
from genai_platform.patterns.guarded_inference_api import GuardedInferenceApi

__all__ = ["INFERENCE_API_URL_OUTPUT", "add_version_outputs"]

#: Logical id of the output holding the inference API's stage URL.
INFERENCE_API_URL_OUTPUT = "InferenceApiUrl"


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def _model_version(config: EndpointConfig) -> str:
    image = (
        config.image_uri
        or f"{config.framework or 'default'}:{config.framework_version or 'default'}"
    )
    model = config.model_data_uri or config.hf_model_id or "none"
    return f"image={image} model={model}"


def add_version_outputs(
    stack: cdk.Stack,
    config: PlatformConfig,
    *,
    guardrail: Guardrail | None,
    endpoints: dict[str, InferenceEndpoint],
    inference_api: GuardedInferenceApi | None,
) -> dict[str, cdk.CfnOutput]:
    """Add the outputs to ``stack``; returns them by logical id.

    ``GuardrailId`` and ``GuardrailVersion`` (the published version the platform enforces);
    per endpoint ``<Name>InferenceComponent`` (its name) and ``<Name>ModelVersion`` (container
    image and model data); ``InferenceApiUrl`` when the API is built.
    """
    outputs: dict[str, cdk.CfnOutput] = {}

    def add(id: str, value: str, description: str) -> None:
        outputs[id] = cdk.CfnOutput(stack, id, value=value, description=description)

    if guardrail is not None:
        add("GuardrailId", guardrail.guardrail_id, "Id of the platform guardrail")
        add(
            "GuardrailVersion",
            guardrail.guardrail_version,
            "Published guardrail version every model invocation uses",
        )
    for endpoint_config in config.endpoints:
        endpoint = endpoints.get(endpoint_config.name)
        if endpoint is None:
            continue
        prefix = _pascal(endpoint_config.name)
        if endpoint.inference_component_name is not None:
            add(
                f"{prefix}InferenceComponent",
                endpoint.inference_component_name,
                f"Inference component of the {endpoint_config.name} endpoint",
            )
        add(
            f"{prefix}ModelVersion",
            _model_version(endpoint_config),
            f"Container image and model data the {endpoint_config.name} endpoint serves",
        )
    if inference_api is not None:
        add(INFERENCE_API_URL_OUTPUT, inference_api.url, "Stage URL of the inference API")
    return outputs
