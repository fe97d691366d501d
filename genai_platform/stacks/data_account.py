"""The data account: the documents the AI tier retrieves from, and nothing else yet."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from genai_platform.config import PlatformConfig
from genai_platform.constructs.buckets import (
    access_log_bucket,
    acknowledge_no_replication,
    log_accesses,
)
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
        self.access_log_bucket = access_log_bucket(
            self,
            "AccessLogs",
            source="the documents bucket",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=ACCESS_LOG_EXPIRY,
                    noncurrent_version_expiration=cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
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
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="tidy-old-versions",
                    noncurrent_version_expiration=cdk.Duration.days(90),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        log_accesses(self.documents_bucket, to=self.access_log_bucket, prefix="documents/")
        acknowledge_no_replication(
            self.documents_bucket,
            "documents exported from source systems that can re-export them (a second-region "
            "copy needs a second-region stack this deployment does not define)",
        )
