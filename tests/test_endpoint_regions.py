"""InferenceEndpoint in regions without inference components (issue 15, item 6)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from genai_platform.constructs.inference_endpoint import EndpointMode, InferenceEndpoint

MODEL_URI = "s3://genai-models-222222222222/m/model.tar.gz"


def _stack(region: str) -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test", env=cdk.Environment(account="222222222222", region=region))


def test_fails_when_real_time_mode_meets_a_region_without_inference_components() -> None:
    # GIVEN Paris, where SageMaker has endpoints but no inference components
    stack = _stack("eu-west-3")
    # WHEN a real-time (scale-to-zero) endpoint is built THEN refused, naming region and choices
    with pytest.raises(
        ValueError,
        match=r"mode: region 'eu-west-3' has no SageMaker inference components "
        r"\(AWS::SageMaker::InferenceComponent\); regions that have it: .*eu-central-1.*; "
        r"EndpointMode.REAL_TIME hosts the model as an inference component; use "
        r"EndpointMode.ASYNC there",
    ):
        InferenceEndpoint(
            stack, "Endpoint", instance_type="ml.inf2.xlarge", model_data_uri=MODEL_URI
        )
    # AND nothing was built
    assert stack.node.try_find_child("Endpoint") is None


def test_async_mode_is_built_where_inference_components_are_missing() -> None:
    # GIVEN the same region WHEN an async endpoint is built (no inference component)
    stack = _stack("eu-west-3")
    InferenceEndpoint(
        stack,
        "Endpoint",
        instance_type="ml.inf2.xlarge",
        model_data_uri=MODEL_URI,
        mode=EndpointMode.ASYNC,
    )
    # THEN there is an endpoint and no inference component
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SageMaker::Endpoint", 1)
    template.resource_count_is("AWS::SageMaker::InferenceComponent", 0)


def test_real_time_mode_builds_where_inference_components_exist() -> None:
    stack = _stack("eu-central-1")
    InferenceEndpoint(stack, "Endpoint", instance_type="ml.inf2.xlarge", model_data_uri=MODEL_URI)
    Template.from_stack(stack).resource_count_is("AWS::SageMaker::InferenceComponent", 1)
