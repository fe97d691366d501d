"""The data account: the documents the AI tier retrieves from, their access by the knowledge
bases' service roles, and the change events that keep the knowledge bases in sync."""

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
from genai_platform.constructs.knowledge_base import (
    DocumentEventForwarding,
    admit_knowledge_base,
    ingestion_event_bus_arn,
)
from genai_platform.patterns.guarded_inference_api._names import _pascal
from genai_platform.stacks.account_stack import AccountStack
from genai_platform.stacks.genai_account import (
    documents_bucket_name,
    ingestion_event_bus_name,
    knowledge_base_role_name,
)
from genai_platform.stacks.governance import role_arn

#: How long server access logs of the documents bucket are kept.
ACCESS_LOG_EXPIRY = cdk.Duration.days(365)


class DataAccountStack(AccountStack):
    """The data account: a KMS key, the documents bucket and its access-log bucket, the budget.

    Attributes: ``key`` (customer-managed, rotation on), ``documents_bucket`` (SSE-KMS with
    that key, versioned, TLS-only, public access blocked, server access logs, retained when
    the stack is deleted; named ``<name>-documents-<data account>-<region>`` so that the
    generative-AI account can address it) and ``access_log_bucket``. For each
    ``[[knowledge_bases]]`` entry, the bucket policy and the key policy admit that knowledge
    base's service role of the generative-AI account by name (read-only, its prefixes only,
    decryption only through S3 for this bucket) and nothing else of that account; with
    ``ingest_on_change``, S3 EventBridge notifications are on and a rule forwards created and
    deleted documents under its prefixes to the knowledge base's bus (``document_events``).
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
            bucket_name=documents_bucket_name(config),
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
        self.document_events: dict[str, DocumentEventForwarding] = {}
        genai = config.accounts.genai
        for kb in config.knowledge_bases:
            kb_role = role_arn(genai, config.region, knowledge_base_role_name(config, kb.alias))
            admit_knowledge_base(
                self.documents_bucket,
                role_arn=kb_role,
                key=self.key,
                prefixes=kb.prefixes,
                sid=f"KnowledgeBase{_pascal(kb.alias)}",
            )
            if kb.ingest_on_change:
                self.document_events[kb.alias] = DocumentEventForwarding(
                    self,
                    f"DocumentEvents-{kb.alias}",
                    bucket=self.documents_bucket,
                    prefixes=kb.prefixes,
                    target_event_bus_arn=ingestion_event_bus_arn(
                        genai,
                        config.region,
                        ingestion_event_bus_name(config, kb.alias),
                        partition=kb_role.split(":")[1],
                    ),
                )
