"""The nag findings of what CDK Pipelines generates itself, each acknowledged with its reason.

``aws_cdk.pipelines.CodePipeline`` writes its roles' permissions into inline default policies
(``grant*`` calls on the artifact bucket, its KMS key, each CodeBuild project's log group and
report groups) and runs every step as a CodeBuild project whose source is the pipeline's
artifact. What the platform can change it changes (artifact bucket access logs and versioning,
the smoke test's cross-account permission in a managed policy); the rest is acknowledged here,
one exact finding per acknowledgement, on the policy or project that produces it, after
``build_pipeline()``.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from genai_platform.compliance import acknowledge, nag_value

__all__ = ["acknowledge_generated_findings"]

_INLINE = (
    "CDK Pipelines writes the grants of {role} (artifact bucket, its KMS key, CodeBuild logs "
    "and reports) into this role's default policy; the role and the policy live and die with "
    "the pipeline."
)
_SOURCE = (
    "This CodeBuild project ({project}) reads its source from the pipeline's artifact (source "
    "type CODEPIPELINE), fetched through the CodeConnections connection or S3; it has no "
    "repository URL or credentials of its own."
)
_NO_REPLICATION = (
    "The pipeline's artifact bucket holds intermediate build outputs of each execution; every "
    "one of them is rebuilt from the source repository, so a replica adds exposure, not safety."
)


def _reason(role: str, kind: str, value: str, actions: tuple[str, ...] = ()) -> str:
    if kind == "Action" and value.startswith("s3:"):
        return (
            f"CDK Pipelines grants {role} the S3 action family {value} on the pipeline's own "
            "artifact bucket (grantReadWrite); no other bucket is named."
        )
    if kind == "Action" and value.startswith("kms:"):
        return (
            f"CDK Pipelines grants {role} the KMS action family {value} on the artifact "
            "bucket's own key only, to encrypt and decrypt pipeline artifacts."
        )
    if "log-group:/aws/codebuild/" in value:
        return (
            f"CodeBuild writes the build logs of {role} to its project log group; the wildcard "
            "covers the log streams CodeBuild creates per build."
        )
    if ":report-group/" in value:
        return (
            f"CodeBuild test report groups of {role} are named after its project; the "
            "wildcard covers the report groups CodeBuild creates for it."
        )
    if value.endswith("/*") and "Artifacts" in value:
        return (
            f"CDK Pipelines lets {role} read and write the objects of the pipeline's own "
            "artifact bucket, one key per execution and action."
        )
    if ":role/*" in value:
        return (
            f"CDK Pipelines lets {role} assume only roles tagged aws-cdk:bootstrap-role (the "
            "CDK bootstrap roles), by an iam:ResourceTag condition, to read stack state."
        )
    return (
        f"CDK Pipelines grants {role} {', '.join(actions) or 'these actions'} on any "
        "resource; it names no resource for them (build control, stack and bucket listing)."
    )


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _acknowledge_policy(policy: iam.Policy, role: str) -> None:
    stack = cdk.Stack.of(policy)
    resource = policy.node.default_child
    assert resource is not None
    document = stack.resolve(policy.document)
    seen: set[str] = set()
    for statement in document.get("Statement", []):
        for action in _values(statement.get("Action", [])):
            if "*" in action and f"Action::{action}" not in seen:
                seen.add(f"Action::{action}")
                acknowledge(
                    resource,
                    f"AwsSolutions-IAM5[Action::{action}]",
                    _reason(role, "Action", action),
                )
        for item in _values(statement.get("Resource", [])):
            text = nag_value(stack, item) if not isinstance(item, str) else item
            if "*" in text and f"Resource::{text}" not in seen:
                seen.add(f"Resource::{text}")
                actions = tuple(
                    sorted(
                        {
                            a
                            for s in document.get("Statement", [])
                            if "*" in _values(s.get("Resource", []))
                            for a in _values(s.get("Action", []))
                        }
                    )
                )
                acknowledge(
                    resource,
                    f"AwsSolutions-IAM5[Resource::{text}]",
                    _reason(role, "Resource", text, actions if text == "*" else ()),
                )
    for pack in ("NIST.800.53.R5", "HIPAA.Security"):
        acknowledge(resource, f"{pack}-IAMNoInlinePolicy", _INLINE.format(role=role))


def acknowledge_generated_findings(scope: IConstruct, artifact_bucket: s3.IBucket) -> None:
    """Acknowledge the findings of the policies and projects CDK Pipelines built in ``scope``
    (the pipeline construct, or a role whose default policy CDK Pipelines filled)."""
    for node in scope.node.find_all():
        if isinstance(node, iam.Policy) and node.node.id == "DefaultPolicy":
            owner = node.node.scope
            assert owner is not None
            _acknowledge_policy(node, f"the role {owner.node.path}")
        elif isinstance(node, codebuild.CfnProject):
            project = node.node.scope
            assert project is not None
            acknowledge(
                node,
                "HIPAA.Security-CodeBuildProjectSourceRepoUrl",
                _SOURCE.format(project=project.node.path),
            )
    bucket = artifact_bucket.node.default_child
    assert bucket is not None
    for pack in ("NIST.800.53.R5", "HIPAA.Security"):
        acknowledge(bucket, f"{pack}-S3BucketReplicationEnabled", _NO_REPLICATION)
