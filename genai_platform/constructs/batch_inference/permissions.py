"""IAM of batch inference: the service role Bedrock assumes and the state machine's role.

Both keep their statements in a customer-managed policy (no inline policy); every wildcard left
is acknowledged on that policy, one finding per acknowledgement, with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from genai_platform.compliance import acknowledge, nag_value
from genai_platform.constructs.model_catalog import ModelCatalog
from genai_platform.constructs.network_access import vpc_access_statements

__all__ = [
    "METRIC_NAMESPACE",
    "bucket_account",
    "jobs_arn",
    "service_role",
    "state_machine_role",
]

#: Namespace of the metrics the state machine publishes (and may publish to).
METRIC_NAMESPACE = "GenAiPlatform/BatchInference"


def jobs_arn(stack: cdk.Stack) -> str:
    """Every model invocation job of the stack's account and region."""
    return stack.format_arn(service="bedrock", resource="model-invocation-job", resource_name="*")


def service_role(
    scope: Construct,
    *,
    bucket: s3.IBucket,
    key: kms.IKey,
    input_prefix: str,
    output_prefix: str,
    catalog: ModelCatalog,
    model_id: str,
    vpc: ec2.IVpc | None,
) -> iam.Role:
    """The role Bedrock assumes for the jobs, with its managed policy (see the package notes)."""
    stack = cdk.Stack.of(scope)
    jobs = stack.format_arn(service="bedrock", resource="model-invocation-job", resource_name="*")
    role = iam.Role(
        scope,
        "ServiceRole",
        description=f"Assumed by Bedrock to run the batch inference jobs of {scope.node.path}",
        assumed_by=iam.ServicePrincipal(
            "bedrock.amazonaws.com",
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnEquals": {"aws:SourceArn": jobs},
            },
        ),
    )
    policy = iam.ManagedPolicy(
        scope,
        "ServicePolicy",
        description=f"Least privilege of the batch inference jobs of {scope.node.path}",
        roles=[role],
    )
    owner = {"StringEquals": {"aws:ResourceAccount": bucket_account(bucket, stack)}}
    policy.add_statements(
        iam.PolicyStatement(
            sid="ReadTheInput",
            actions=["s3:GetObject"],
            resources=[bucket.arn_for_objects(f"{input_prefix}*")],
            conditions=owner,
        ),
        iam.PolicyStatement(
            sid="ListTheInputAndOutputPrefixes",
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={
                **owner,
                "StringLike": {"s3:prefix": [f"{input_prefix}*", f"{output_prefix}*"]},
            },
        ),
        iam.PolicyStatement(
            sid="WriteTheOutput",
            actions=["s3:PutObject"],
            resources=[bucket.arn_for_objects(f"{output_prefix}*")],
            conditions=owner,
        ),
        iam.PolicyStatement(
            sid="UseTheKeyThroughS3",
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
        ),
    )
    approved = catalog.model(model_id)
    if approved.is_inference_profile:
        policy.add_statements(
            iam.PolicyStatement(
                sid="InvokeTheApprovedModelThroughItsProfile",
                actions=["bedrock:InvokeModel"],
                resources=catalog.model_arns(model_id),
            )
        )
    if vpc is not None:
        policy.add_statements(
            *vpc_access_statements(stack, vpc, manage_sid="ManageJobNetworkInterfacesInTheVpc")
        )
    _acknowledge_service_policy(
        policy,
        bucket,
        input_prefix,
        output_prefix,
        approved.is_inference_profile,
        catalog.model_arns(model_id),
        vpc,
    )
    return role


def state_machine_role(
    scope: Construct, *, invoked_arn: str, jobs: str, service_role: iam.IRole
) -> tuple[iam.Role, iam.ManagedPolicy]:
    """The state machine's role and its managed policy: submit jobs for the approved model only,
    read jobs, pass only the service role to Bedrock, publish the metrics, deliver logs and
    traces."""
    stack = cdk.Stack.of(scope)
    role = iam.Role(
        scope,
        "StateMachineRole",
        description=f"Runs the batch inference state machine of {scope.node.path}",
        assumed_by=iam.ServicePrincipal(
            "states.amazonaws.com",
            conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
        ),
    )
    policy = iam.ManagedPolicy(
        scope,
        "StateMachinePolicy",
        description=f"Least privilege of the batch inference state machine of {scope.node.path}",
        roles=[role],
    )
    policy.add_statements(
        iam.PolicyStatement(
            sid="SubmitJobsForTheApprovedModel",
            actions=["bedrock:CreateModelInvocationJob"],
            resources=[invoked_arn, jobs],
        ),
        iam.PolicyStatement(
            sid="WatchJobs",
            actions=["bedrock:GetModelInvocationJob"],
            resources=[jobs],
        ),
        iam.PolicyStatement(
            sid="PassTheServiceRoleToBedrock",
            actions=["iam:PassRole"],
            resources=[service_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
        ),
        iam.PolicyStatement(
            sid="PublishBatchMetrics",
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}},
        ),
        iam.PolicyStatement(
            sid="DeliverExecutionLogs",
            actions=[
                "logs:CreateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies",
                "logs:GetLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:UpdateLogDelivery",
            ],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="SendTraces",
            actions=[
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
            ],
            resources=["*"],
        ),
    )
    _acknowledge_state_machine_policy(policy, jobs)

    return role, policy


def bucket_account(bucket: s3.IBucket, stack: cdk.Stack) -> str:
    account = bucket.env.account
    return stack.account if cdk.Token.is_unresolved(account) else account


def _acknowledge_service_policy(
    policy: iam.ManagedPolicy,
    bucket: s3.IBucket,
    input_prefix: str,
    output_prefix: str,
    invokes_profile: bool,
    model_arns: Sequence[str],
    vpc: ec2.IVpc | None,
) -> None:
    stack = cdk.Stack.of(policy)
    resource = policy.node.default_child or policy
    read = nag_value(stack, bucket.arn_for_objects(f"{input_prefix}*"))
    written = nag_value(stack, bucket.arn_for_objects(f"{output_prefix}*"))
    acknowledge(
        resource,
        f"AwsSolutions-IAM5[Resource::{read}]",
        "Bedrock reads every JSONL file a job names under the input prefix; the role may read "
        "objects under that prefix of this bucket only.",
    )
    acknowledge(
        resource,
        f"AwsSolutions-IAM5[Resource::{written}]",
        "Bedrock writes result and manifest files with job-specific names; the role may put "
        "objects under the output prefix of this bucket only.",
    )
    if vpc is not None:
        acknowledge(
            resource,
            "AwsSolutions-IAM5[Resource::*]",
            "The ec2:Describe* calls Bedrock makes to place the job's network interfaces have "
            "no resource-level permissions.",
        )
        for kind in ("network-interface", "subnet", "security-group"):
            arn = stack.format_arn(service="ec2", resource=kind, resource_name="*")
            acknowledge(
                resource,
                f"AwsSolutions-IAM5[Resource::{nag_value(stack, arn)}]",
                "Bedrock creates and deletes the job's network interfaces with ids unknown in "
                "advance; the ec2:Vpc condition confines it to this VPC.",
            )
    if invokes_profile:
        for arn in model_arns:
            if "*" in arn:
                acknowledge(
                    resource,
                    f"AwsSolutions-IAM5[Resource::{nag_value(stack, arn)}]",
                    "A cross-region inference profile routes to the approved foundation model "
                    "in the profile's destination regions; only that one model is named.",
                )


def _acknowledge_state_machine_policy(policy: iam.ManagedPolicy, jobs: str) -> None:
    stack = cdk.Stack.of(policy)
    resource = policy.node.default_child or policy
    acknowledge(
        resource,
        f"AwsSolutions-IAM5[Resource::{nag_value(stack, jobs)}]",
        "Job ARNs carry ids Bedrock assigns at submission; the state machine may create and "
        "read model invocation jobs of this account and region only.",
    )
    acknowledge(
        resource,
        "AwsSolutions-IAM5[Resource::*]",
        "cloudwatch:PutMetricData (limited by the cloudwatch:namespace condition), the log "
        "delivery calls Step Functions makes and the X-Ray calls have no resource-level "
        "permissions.",
    )
