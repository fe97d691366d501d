"""The gateway's DynamoDB tables (token quota, feedback) and its kill switch."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from genai_platform.compliance import acknowledge
from genai_platform.patterns.guarded_inference_api.props import kill_switch_parameter_name

__all__ = ["build_table", "kill_switch"]


def build_table(
    scope: Construct,
    id: str,
    partition_key: str,
    *,
    sort_key: str | None,
    ttl_attribute: str | None,
    key: kms.IKey,
) -> dynamodb.Table:
    """An on-demand table encrypted with ``key``, with point-in-time recovery and deletion
    protection, kept when the stack is deleted."""
    table = dynamodb.Table(
        scope,
        id,
        partition_key=dynamodb.Attribute(name=partition_key, type=dynamodb.AttributeType.STRING),
        sort_key=(
            dynamodb.Attribute(name=sort_key, type=dynamodb.AttributeType.STRING)
            if sort_key
            else None
        ),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        time_to_live_attribute=ttl_attribute,
        deletion_protection=True,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    acknowledge(
        table.node.default_child or table,
        "NIST.800.53.R5-DynamoDBInBackupPlan",
        "Point-in-time recovery gives 35 days of continuous restore for this small table of "
        "gateway counters or feedback; no separate AWS Backup plan is added per table",
    )
    acknowledge(
        table.node.default_child or table,
        "HIPAA.Security-DynamoDBInBackupPlan",
        "Point-in-time recovery gives 35 days of continuous restore for this small table of "
        "gateway counters or feedback; no separate AWS Backup plan is added per table",
    )
    return table


def kill_switch(scope: Construct, *, name_prefix: str) -> ssm.StringParameter:
    """The SSM String parameter ``/<prefix>/gateway/kill-switch`` (``off``): the cost guard
    flips it to ``on`` and the invoke function answers 503."""
    return ssm.StringParameter(
        scope,
        "KillSwitch",
        parameter_name=kill_switch_parameter_name(name_prefix),
        string_value="off",
        description=(
            "Kill switch of the inference API: 'off' serves requests, 'on' answers 503 "
            "(flipped by the cost guard)"
        ),
        tier=ssm.ParameterTier.STANDARD,
    )
