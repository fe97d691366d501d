"""What a service needs to place its workers in a VPC: create and delete their network
interfaces in that VPC only, and describe the network. Shared by the constructs whose service
runs in the customer's subnets (SageMaker endpoints, Bedrock batch inference jobs)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam

__all__ = ["vpc_access_statements"]


def vpc_access_statements(
    stack: cdk.Stack, vpc: ec2.IVpc, *, manage_sid: str
) -> list[iam.PolicyStatement]:
    """Network-interface management limited to ``vpc`` (``ec2:Vpc``), and the ``Describe*``
    calls that have no resource-level permissions (``*``)."""
    vpc_arn = stack.format_arn(service="ec2", resource="vpc", resource_name=vpc.vpc_id)
    return [
        iam.PolicyStatement(
            sid=manage_sid,
            actions=[
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
            ],
            resources=[
                stack.format_arn(service="ec2", resource=kind, resource_name="*")
                for kind in ("network-interface", "subnet", "security-group")
            ],
            conditions={"ArnEquals": {"ec2:Vpc": vpc_arn}},
        ),
        iam.PolicyStatement(
            sid="DescribeTheNetwork",
            actions=[
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
            ],
            resources=["*"],
        ),
    ]
