"""Small helpers and the nag acknowledgements the endpoint's resources need."""

from __future__ import annotations

import hashlib
import re

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from genai_platform.compliance import acknowledge, nag_value
from genai_platform.constructs.inference_endpoint.model_source import (
    _ModelSource,
)
from genai_platform.constructs.inference_endpoint.props import (
    _ASYNC_FAILURE_PREFIX,
    _ASYNC_OUTPUT_PREFIX,
    _CAPTURE_PREFIX,
    _ECR_IMAGE,
    MAX_NAME_LENGTH,
    EndpointMode,
)


def _seconds(duration: cdk.Duration) -> int:
    return int(duration.to_seconds())


def _expiry(retention: cdk.Duration) -> s3.LifecycleRule:
    return s3.LifecycleRule(
        expiration=retention,
        noncurrent_version_expiration=cdk.Duration.days(30),
        abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
    )


def _component_name(endpoint_name: str, scope: Construct) -> str:
    """``<endpoint>-ic``, shortened with a hash when longer than 63 characters."""
    if cdk.Token.is_unresolved(endpoint_name):
        raw = cdk.Names.unique_resource_name(scope, max_length=MAX_NAME_LENGTH, separator="-")
        return re.sub(r"[^A-Za-z0-9-]", "", raw).strip("-").lower()
    name = f"{endpoint_name}-ic"
    if len(name) <= MAX_NAME_LENGTH:
        return name
    digest = hashlib.sha256(endpoint_name.encode("utf-8")).hexdigest()[:8]
    return f"{endpoint_name[: MAX_NAME_LENGTH - 12].rstrip('-')}-{digest}-ic"


def _repository_arn(stack: cdk.Stack, image_uri: str) -> tuple[str, bool]:
    """The ECR repository ARN of an image URI, and whether it is exact.

    An image URI known only at deploy time yields this account's repositories in the region.
    """
    match = None if cdk.Token.is_unresolved(image_uri) else _ECR_IMAGE.fullmatch(image_uri)
    if match is None:
        return (
            stack.format_arn(service="ecr", resource="repository", resource_name="*"),
            False,
        )
    return (
        f"arn:{stack.partition}:ecr:{match['region']}:{match['account']}:"
        f"repository/{match['repository']}",
        True,
    )


# ---------------------------------------------------------------------------- acknowledgements


def _acknowledge_no_volume_key(config: sagemaker.CfnEndpointConfig, instance_type: str) -> None:
    reason = (
        f"{instance_type} has local NVMe instance storage, which the instance encrypts with "
        "its own hardware module; SageMaker rejects KmsKeyId for such instance types, so the "
        "endpoint configuration cannot name a volume key."
    )
    for finding_id in (
        "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured",
        "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured",
    ):
        acknowledge(config, finding_id, reason)


def _acknowledge_execution_policy(
    policy: iam.ManagedPolicy,
    model: _ModelSource,
    exact_repository: bool,
    output_bucket: s3.Bucket | None,
    captures_data: bool,
    mode: EndpointMode,
    vpc: ec2.IVpc | None,
) -> None:
    """Acknowledge each wildcard of the execution policy, one finding per call."""
    stack = cdk.Stack.of(policy)
    resource = policy.node.default_child or policy  # the AWS::IAM::ManagedPolicy itself
    acknowledge(
        resource,
        "AwsSolutions-IAM5[Resource::*]",
        "ecr:GetAuthorizationToken has no resource-level permissions, ec2:Describe* "
        "calls for the VPC placement have none either, and cloudwatch:PutMetricData is "
        "limited by the cloudwatch:namespace condition to SageMaker namespaces.",
    )
    if not exact_repository:
        repository = stack.format_arn(service="ecr", resource="repository", resource_name="*")
        acknowledge(
            resource,
            f"AwsSolutions-IAM5[Resource::{nag_value(stack, repository)}]",
            "The image URI is resolved only at deploy time, so the pull permission covers "
            "this account's repositories in this region; it allows image reads only.",
        )
    if vpc is not None:
        for kind in ("network-interface", "subnet", "security-group"):
            arn = stack.format_arn(service="ec2", resource=kind, resource_name="*")
            acknowledge(
                resource,
                f"AwsSolutions-IAM5[Resource::{nag_value(stack, arn)}]",
                "SageMaker creates and deletes the endpoint's network interfaces with ids "
                "unknown in advance; the ec2:Vpc condition confines it to this VPC.",
            )
    if model.bucket is not None and model.is_prefix:
        objects = model.bucket.arn_for_objects(model.object_pattern)
        acknowledge(
            resource,
            f"AwsSolutions-IAM5[Resource::{nag_value(stack, objects)}]",
            "The model is an uncompressed prefix of many files SageMaker copies; the role may "
            "read only objects under that prefix of the model bucket.",
        )
    if output_bucket is not None:
        prefixes = [_CAPTURE_PREFIX] if captures_data else []
        if mode is EndpointMode.ASYNC:
            prefixes += [_ASYNC_OUTPUT_PREFIX, _ASYNC_FAILURE_PREFIX]
        for prefix in prefixes:
            written = output_bucket.arn_for_objects(f"{prefix}*")
            acknowledge(
                resource,
                f"AwsSolutions-IAM5[Resource::{nag_value(stack, written)}]",
                "SageMaker writes result and capture objects with request-specific names; "
                "the role may only put objects under this prefix of the output bucket.",
            )
