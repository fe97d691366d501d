"""The data account's side of a cross-account knowledge base: the documents bucket's policy and
its key's policy admit the knowledge base's service role, by name, and nothing else of the
generative-AI account.

Bedrock reads the documents as the knowledge base's service role (a role session of the
generative-AI account), so S3 and KMS see that role as the principal. The statements name the
account as principal and pin the exact role with ``aws:PrincipalArn`` (a condition, so the
policy can be deployed before the role exists: an ARN principal of a role that does not exist
yet is refused by S3 and KMS, and would be rewritten to an id if the role were re-created).
``aws:SourceAccount`` / ``aws:SourceArn`` do not apply here: they are set when a service
principal acts itself, not on requests of a role a service assumed (IAM user guide, "AWS global
condition context keys"); Bedrock's confused-deputy protection sits on the role's trust policy
(``aws:SourceAccount`` and ``aws:SourceArn`` of the knowledge base), which
:class:`~genai_platform.constructs.knowledge_base.KnowledgeBase` writes.

What is admitted:

* bucket policy: ``s3:ListBucket`` on the bucket (with ``s3:prefix`` limited to the
  prefixes when there are any) and ``s3:GetObject`` on the prefixes' objects;
* key policy: ``kms:Decrypt`` only through S3 in the bucket's region (``kms:ViaService``) and
  only for this bucket (``kms:EncryptionContext:aws:s3:arn``; with S3 Bucket Keys, S3 uses the
  bucket ARN as encryption context: Amazon S3 user guide, "Reducing the cost of SSE-KMS with
  Amazon S3 Bucket Keys").
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

__all__ = ["admit_knowledge_base", "knowledge_base_role_arn"]


def knowledge_base_role_arn(account: str, role_name: str, *, partition: str = "aws") -> str:
    """``arn:<partition>:iam::<account>:role/<role_name>``: the service role a
    :class:`~genai_platform.constructs.knowledge_base.KnowledgeBase` of that account was given
    with ``role_name``."""
    return f"arn:{partition}:iam::{account}:role/{role_name}"


def admit_knowledge_base(
    bucket: s3.IBucket,
    *,
    role_arn: str,
    key: kms.IKey | None = None,
    prefixes: Sequence[str] = (),
    sid: str = "KnowledgeBase",
) -> None:
    """Let the knowledge base service role ``role_arn`` list and read ``bucket`` (only
    ``prefixes``, default all) and decrypt its objects with ``key`` through S3.

    ``sid`` prefixes the statement ids (one call per knowledge base: give each its own).

    Raises:
        ValueError: ``role_arn`` is not an IAM role ARN.
    """
    parts = role_arn.split(":") if isinstance(role_arn, str) else []
    if cdk.Token.is_unresolved(role_arn) or len(parts) != 6 or not parts[5].startswith("role/"):
        raise ValueError(
            f"role_arn: {role_arn!r} is not an IAM role ARN (arn:<partition>:iam::<account>:"
            "role/<name>), written out: the role lives in another account"
        )
    account = parts[4]
    stack = cdk.Stack.of(bucket)
    bucket_arn = _literal_bucket_arn(bucket)
    principal = iam.ArnPrincipal(f"arn:{parts[1]}:iam::{account}:root")
    only_role = {"ArnEquals": {"aws:PrincipalArn": role_arn}}
    list_conditions: dict[str, object] = dict(only_role)
    if prefixes:
        list_conditions["StringLike"] = {"s3:prefix": [f"{p}*" for p in prefixes]}
    bucket.add_to_resource_policy(
        iam.PolicyStatement(
            sid=f"{sid}List",
            principals=[principal],
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions=list_conditions,
        )
    )
    bucket.add_to_resource_policy(
        iam.PolicyStatement(
            sid=f"{sid}Read",
            principals=[principal],
            actions=["s3:GetObject"],
            resources=[bucket.arn_for_objects(f"{p}*") for p in prefixes or ("",)],
            conditions=only_role,
        )
    )
    if key is not None:
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"{sid}DecryptDocumentsThroughS3",
                principals=[principal],
                actions=["kms:Decrypt"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={
                    **only_role,
                    "StringEquals": {
                        "kms:ViaService": f"s3.{stack.region}.amazonaws.com",
                        "kms:EncryptionContext:aws:s3:arn": bucket_arn,
                    },
                },
            )
        )


def _literal_bucket_arn(bucket: s3.IBucket) -> str:
    """The bucket's ARN written out when the bucket was given a literal name: the key policy
    cannot reference the bucket resource, which already references the key (a cycle)."""
    resource = bucket.node.default_child
    name = getattr(resource, "bucket_name", None) if isinstance(resource, s3.CfnBucket) else None
    if isinstance(name, str) and not cdk.Token.is_unresolved(name):
        return f"arn:{cdk.Stack.of(bucket).partition}:s3:::{name}"
    return bucket.bucket_arn
