"""The data account: the documents the AI tier retrieves from, and nothing else yet."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from genai_platform.compliance import acknowledge
from genai_platform.config import PlatformConfig
from genai_platform.stacks.account_stack import AccountStack

#: How long server access logs of the documents bucket are kept.
ACCESS_LOG_EXPIRY = cdk.Duration.days(365)


class DataAccountStack(AccountStack):
    """The data account: a KMS key, the documents bucket and its access-log bucket, the budget.

    Attributes: ``key`` (customer-managed, rotation on), ``documents_bucket`` (SSE-KMS with
    that key, versioned, TLS-only, public access blocked, server access logs, retained when
    the stack is deleted) and ``access_log_bucket``.
    """

    def __init__(
        self, scope: Construct, id: str, *, config: PlatformConfig, anomaly_detection: bool = True
    ) -> None:
        super().__init__(
            scope,
            id,
            config=config,
            role="data",
            description=(
                f"genai-platform {config.name}: data account "
                "(KMS key, documents bucket with access logs, budget and cost alerts)"
            ),
            anomaly_detection=anomaly_detection,
        )
        self.key: kms.IKey = self._customer_managed_key(
            "DataKey", purpose="encrypts the documents the AI tier retrieves from"
        )
        self.access_log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            # S3 server access log delivery only writes to SSE-S3 buckets.
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=ACCESS_LOG_EXPIRY,
                    noncurrent_version_expiration=cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.documents_bucket = s3.Bucket(
            self,
            "Documents",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            server_access_logs_bucket=self.access_log_bucket,
            server_access_logs_prefix="documents/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="tidy-old-versions",
                    noncurrent_version_expiration=cdk.Duration.days(90),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self._acknowledge_bucket_findings()

    def _acknowledge_bucket_findings(self) -> None:
        logs_bucket = self.access_log_bucket.node.default_child
        documents = self.documents_bucket.node.default_child
        assert logs_bucket is not None and documents is not None
        for pack in ("NIST.800.53.R5", "HIPAA.Security"):
            acknowledge(
                logs_bucket,
                f"{pack}-S3DefaultEncryptionKMS",
                "S3 server access log delivery writes only to buckets encrypted with SSE-S3, "
                "so this access-log target bucket cannot use a KMS key.",
            )
            acknowledge(
                logs_bucket,
                f"{pack}-S3BucketLoggingEnabled",
                "This bucket is the server-access-log target; logging its own access into "
                "itself would create an endless delivery loop.",
            )
            acknowledge(
                logs_bucket,
                f"{pack}-S3BucketReplicationEnabled",
                "Access logs are operational records expired after a year; versioning guards "
                "them and a cross-region copy would double their cost without a recovery need.",
            )
            acknowledge(
                documents,
                f"{pack}-S3BucketReplicationEnabled",
                "Documents are a retained, versioned copy of content owned by source systems "
                "that can re-export it; cross-region replication needs a second-region stack "
                "this reference deployment does not define.",
            )
        acknowledge(
            logs_bucket,
            "AwsSolutions-S1",
            "This bucket is the server-access-log target; logging its own access into itself "
            "would create an endless delivery loop.",
        )
