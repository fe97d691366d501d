"""The S3 Vectors vector bucket and index a knowledge base stores its chunks in.

Both are encrypted with the given customer-managed key (SSE-KMS). S3 Vectors maintains its
indexes in the background as the service principal ``indexing.s3vectors.amazonaws.com``, which
therefore needs ``kms:Decrypt`` on the key (Amazon S3 user guide, "Data protection and
encryption in S3 Vectors"); the key-policy statement admits it only for vector buckets of this
account (``aws:SourceAccount``, ``aws:SourceArn``). The bucket is not named in that statement
(``bucket/*`` of the account): naming it would make the key and the bucket depend on each other.

The index holds float32 vectors of the embedding model's dimension, compared by the chosen
distance, with Bedrock's two large keys (``AMAZON_BEDROCK_TEXT``, ``AMAZON_BEDROCK_METADATA``)
non-filterable so that each chunk's filterable metadata stays within S3 Vectors' 2 KB; the
document's own metadata attributes (``tenant``, ``access_groups``, ``classification``...)
stay filterable. Dimension, distance and non-filterable keys cannot change after creation
(a change replaces the index, and the knowledge base must then be re-synced).

The vectors are derived data (re-created by a full sync), so bucket and index are deleted with
the stack.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3vectors as s3vectors
from constructs import Construct

from genai_platform.constructs.knowledge_base.props import BEDROCK_NON_FILTERABLE_KEYS

__all__ = ["IMPORTED_KEY_WARNING_ID", "S3_VECTORS_INDEXING_PRINCIPAL", "build_vector_store"]

#: The principal S3 Vectors maintains indexes as.
S3_VECTORS_INDEXING_PRINCIPAL = "indexing.s3vectors.amazonaws.com"
#: Warning id when an imported key's policy cannot be changed.
IMPORTED_KEY_WARNING_ID = "genai-platform:knowledge-base-imported-key"


def build_vector_store(
    scope: Construct, *, key: kms.IKey, dimensions: int, distance_metric: str
) -> tuple[s3vectors.CfnVectorBucket, s3vectors.CfnIndex]:
    """The vector bucket (``VectorBucket``) and its index (``Index``) under ``scope``."""
    stack = cdk.Stack.of(scope)
    added = key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowS3VectorsIndexingOfThisAccount",
            principals=[iam.ServicePrincipal(S3_VECTORS_INDEXING_PRINCIPAL)],
            actions=["kms:Decrypt"],
            resources=["*"],  # in a key policy, "*" is this key
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {
                    "aws:SourceArn": (
                        f"arn:{stack.partition}:s3vectors:{stack.region}:{stack.account}:bucket/*"
                    )
                },
            },
        ),
        allow_no_op=True,
    )
    if not added.statement_added:
        cdk.Annotations.of(scope).add_warning_v2(
            IMPORTED_KEY_WARNING_ID,
            "encryption_key is imported, so its key policy was not changed: allow "
            f"{S3_VECTORS_INDEXING_PRINCIPAL} kms:Decrypt (aws:SourceAccount {stack.account}), "
            "or S3 Vectors cannot maintain the index",
        )
    encryption = {"sse_type": "aws:kms", "kms_key_arn": key.key_arn}
    bucket = s3vectors.CfnVectorBucket(
        scope,
        "VectorBucket",
        encryption_configuration=s3vectors.CfnVectorBucket.EncryptionConfigurationProperty(
            **encryption
        ),
    )
    index = s3vectors.CfnIndex(
        scope,
        "Index",
        vector_bucket_arn=bucket.attr_vector_bucket_arn,
        data_type="float32",
        dimension=dimensions,
        distance_metric=distance_metric,
        encryption_configuration=s3vectors.CfnIndex.EncryptionConfigurationProperty(**encryption),
        metadata_configuration=s3vectors.CfnIndex.MetadataConfigurationProperty(
            non_filterable_metadata_keys=list(BEDROCK_NON_FILTERABLE_KEYS)
        ),
    )
    return bucket, index
