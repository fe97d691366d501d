"""Helpers of :class:`InvocationLogging`: Bedrock's source conditions, the bucket's expiry
rules, the configuration function's nag acknowledgements and day counts."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from genai_platform.compliance import acknowledge


def _bedrock_source_conditions(stack: cdk.Stack) -> dict[str, Any]:
    """Bedrock acts only on behalf of this account, from this region."""
    return {
        "StringEquals": {"aws:SourceAccount": stack.account},
        "ArnLike": {
            "aws:SourceArn": f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}:*"
        },
    }


def _expiry_rules(retention_days: float) -> list[s3.LifecycleRule]:
    """Expire objects after the retention; then remove old versions and delete markers."""
    return [
        s3.LifecycleRule(
            id="ExpireAfterRetention",
            expiration=cdk.Duration.days(retention_days),
            noncurrent_version_expiration=cdk.Duration.days(1),
            abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
        ),
        s3.LifecycleRule(id="RemoveExpiredDeleteMarkers", expired_object_delete_marker=True),
    ]


def _acknowledge_configuration_function(function: lambda_.Function) -> None:
    """Acknowledge what the configuration function cannot change."""
    resource = function.node.default_child or function
    runs = (
        "This Lambda function only runs when CloudFormation creates, updates or deletes the "
        "Bedrock invocation logging configuration, one synchronous configuration call per "
        "deployment"
    )
    reasons = {
        "NIST.800.53.R5-LambdaConcurrency": (
            f"{runs}; reserved concurrency would take capacity from the account's unreserved "
            "pool (new accounts cannot spare it) to cap a function that never runs in parallel."
        ),
        "HIPAA.Security-LambdaConcurrency": (
            f"{runs}; reserved concurrency would take capacity from the account's unreserved "
            "pool (new accounts cannot spare it) to cap a function that never runs in parallel."
        ),
        "NIST.800.53.R5-LambdaDLQ": (
            f"{runs}; a failed call already fails the CloudFormation deployment with the "
            "error, so a dead-letter queue would hold nothing to act on."
        ),
        "HIPAA.Security-LambdaDLQ": (
            f"{runs}; a failed call already fails the CloudFormation deployment with the "
            "error, so a dead-letter queue would hold nothing to act on."
        ),
        "NIST.800.53.R5-LambdaInsideVPC": (
            f"{runs}; it handles no data, and must reach the Bedrock control plane and the "
            "CloudFormation response URL, a pre-signed S3 URL that VPC endpoint policies "
            "limited to this account refuse."
        ),
        "HIPAA.Security-LambdaInsideVPC": (
            f"{runs}; it handles no data, and must reach the Bedrock control plane and the "
            "CloudFormation response URL, a pre-signed S3 URL that VPC endpoint policies "
            "limited to this account refuse."
        ),
    }
    for finding_id, reason in reasons.items():
        acknowledge(resource, finding_id, reason)


def _days(value: cdk.Duration | float) -> float:
    """Whole days of a validated ``Duration`` or number (a token number stays a token)."""
    if isinstance(value, cdk.Duration):
        return value.to_days(integral=False)
    return value
