"""Building blocks for the platform's S3 buckets: access-log targets and their findings.

Every data bucket of the platform is KMS-encrypted, versioned, TLS-only, private and
access-logged. Its server access logs go to a separate bucket that S3 requires to be SSE-S3
encrypted; these helpers build that bucket, wire the logging by bucket policy (ACLs stay
disabled, whatever the app's feature flags) and acknowledge the findings that follow from
S3's own rules, with the reason stated once.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from genai_platform.compliance import acknowledge

__all__ = ["access_log_bucket", "acknowledge_no_replication", "log_accesses"]

_NO_KMS_ON_LOG_TARGET = (
    "S3 server access logging delivers only to buckets encrypted with SSE-S3 (SSE-KMS "
    "targets are not supported); the records hold request metadata of {source}, not its "
    "content."
)
_NO_REPLICATION = (
    "The bucket keeps {content} in this region only: a replica would copy that data to a "
    "second region and widen its exposure, while versioning and S3's own durability already "
    "protect it against loss."
)


def access_log_bucket(
    scope: Construct,
    id: str,
    *,
    source: str,
    lifecycle_rules: Sequence[s3.LifecycleRule] = (),
) -> s3.Bucket:
    """A bucket for S3 server access logs: SSE-S3, versioned, TLS-only, private, retained.

    ``source`` says whose access it records (used in the acknowledgement reasons, e.g.
    "the documents bucket"). It cannot use a KMS key and is not replicated: both findings
    are acknowledged on its CfnBucket with those reasons. (Its own access is not logged: the
    nag rules recognise a log target.)
    """
    bucket = s3.Bucket(
        scope,
        id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        versioned=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycle_rules=list(lifecycle_rules),
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    resource = bucket.node.default_child
    assert resource is not None
    for pack in ("NIST.800.53.R5", "HIPAA.Security"):
        acknowledge(
            resource,
            f"{pack}-S3DefaultEncryptionKMS",
            _NO_KMS_ON_LOG_TARGET.format(source=source),
        )
    acknowledge_no_replication(bucket, f"S3 access records of {source}")
    return bucket


def log_accesses(bucket: s3.Bucket, *, to: s3.Bucket, prefix: str) -> None:
    """Deliver ``bucket``'s server access logs into ``to`` under ``prefix``, by bucket policy.

    Set on the L1 rather than through ``server_access_logs_bucket``, which without the
    ``@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`` feature flag grants the log delivery
    group through an ACL, and ACLs are disabled on the platform's buckets.
    """
    resource = bucket.node.default_child
    assert isinstance(resource, s3.CfnBucket)
    resource.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
        destination_bucket_name=to.bucket_name, log_file_prefix=prefix
    )
    to.add_to_resource_policy(
        iam.PolicyStatement(
            sid=f"AllowS3ServerAccessLogs{bucket.node.addr[:12]}",
            principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[to.arn_for_objects(f"{prefix}*")],
            conditions={
                "ArnLike": {"aws:SourceArn": bucket.bucket_arn},
                "StringEquals": {"aws:SourceAccount": cdk.Stack.of(bucket).account},
            },
        )
    )


def acknowledge_no_replication(bucket: s3.Bucket, content: str) -> None:
    """Acknowledge the NIST and HIPAA replication findings of ``bucket``, which holds
    ``content`` (e.g. "unmasked model invocation records") in one region on purpose."""
    resource = bucket.node.default_child
    assert resource is not None
    for pack in ("NIST.800.53.R5", "HIPAA.Security"):
        acknowledge(
            resource,
            f"{pack}-S3BucketReplicationEnabled",
            _NO_REPLICATION.format(content=content),
        )
