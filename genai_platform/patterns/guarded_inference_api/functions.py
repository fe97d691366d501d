"""The gateway's Lambda functions: execution roles whose grants land in customer-managed
policies, KMS-encrypted log groups, the network placement and the endpoints the functions need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from genai_platform.compliance import acknowledge, nag_value
from genai_platform.constructs.private_network import PrivateNetwork
from genai_platform.patterns.guarded_inference_api.props import (
    _ASSET_EXCLUDES,
    POWERTOOLS_LAYER_ACCOUNT,
    RUNTIME,
)


def encrypted_log_group(
    scope: Construct, id: str, *, key: kms.IKey, retention: logs.RetentionDays
) -> logs.LogGroup:
    """A log group encrypted with ``key``, kept when the stack is deleted."""
    return logs.LogGroup(
        scope,
        id,
        encryption_key=key,
        retention=retention,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )


def function_security_group(scope: Construct, vpc: ec2.IVpc) -> ec2.SecurityGroup:
    """No ingress; HTTPS egress only (to the VPC endpoints and the DynamoDB gateway)."""
    group = ec2.SecurityGroup(
        scope,
        "FunctionSecurityGroup",
        vpc=vpc,
        description="Inference API functions: no ingress, HTTPS egress to AWS endpoints",
        allow_all_outbound=False,
    )
    group.add_egress_rule(
        ec2.Peer.any_ipv4(),
        ec2.Port.tcp(443),
        "HTTPS to the VPC endpoints and the DynamoDB gateway endpoint (the isolated "
        "subnets have no other route)",
    )
    return group


def build_function(
    scope: Construct,
    name: str,
    *,
    handler: str,
    code_dir: Path,
    description: str,
    timeout: cdk.Duration,
    memory_mib: int,
    reserved_concurrency: int | None,
    environment: Mapping[str, str],
    layers: Sequence[lambda_.ILayerVersion],
    network: PrivateNetwork | None,
    security_group: ec2.ISecurityGroup | None,
    tracing: bool,
    key: kms.IKey,
    log_retention: logs.RetentionDays,
) -> tuple[lambda_.Function, _FunctionRole]:
    """One gateway function (arm64, current Python runtime) with its role and log group."""
    stack = cdk.Stack.of(scope)
    role = _FunctionRole(scope, f"{name}Role", description=f"Execution role: {description}")
    log_group = encrypted_log_group(scope, f"{name}LogGroup", key=key, retention=log_retention)
    function = lambda_.Function(
        scope,
        f"{name}Function",
        description=description,
        runtime=RUNTIME,
        architecture=lambda_.Architecture.ARM_64,
        handler=handler,
        code=lambda_.Code.from_asset(str(code_dir), exclude=_ASSET_EXCLUDES),
        role=role,
        layers=list(layers),
        timeout=timeout,
        memory_size=memory_mib,
        reserved_concurrent_executions=reserved_concurrency,
        tracing=lambda_.Tracing.ACTIVE if tracing else lambda_.Tracing.DISABLED,
        log_group=log_group,
        environment={
            **environment,
            # Powertools' Tracer (and the X-Ray SDK import) only when tracing is on.
            "POWERTOOLS_TRACE_DISABLED": "false" if tracing else "true",
        },
        vpc=network.vpc if network is not None else None,
        vpc_subnets=network.isolated_subnets if network is not None else None,
        security_groups=[security_group] if security_group is not None else None,
    )
    log_group.grant_write(role)
    if network is not None:
        _grant_network_interfaces(role, stack, network.vpc)
    unscoped = []
    if tracing:
        unscoped.append("X-Ray's PutTraceSegments and PutTelemetryRecords")
    if network is not None:
        unscoped.append("EC2's DescribeNetworkInterfaces and DescribeSubnets")
    if unscoped:
        acknowledge(
            role.managed_policy,
            "AwsSolutions-IAM5[Resource::*]",
            " and ".join(unscoped)
            + " have no resource-level permissions, so IAM only accepts them on every resource",
        )
    # Lambda checks the role's network permissions when it creates the function.
    function.node.add_dependency(role.managed_policy)
    resource = function.node.default_child or function
    for pack in ("NIST.800.53.R5", "HIPAA.Security"):
        acknowledge(
            resource,
            f"{pack}-LambdaDLQ",
            "API Gateway invokes this function synchronously and returns its errors to the "
            "caller; a dead-letter queue only receives failed asynchronous invocations",
        )
        if network is None:
            acknowledge(
                resource,
                f"{pack}-LambdaInsideVPC",
                "No private network was given to the inference API; the function only calls "
                "AWS APIs over TLS with IAM, so it runs in Lambda's network. Pass "
                "private_network to place it in isolated subnets",
            )
        if reserved_concurrency is None:
            acknowledge(
                resource,
                f"{pack}-LambdaConcurrency",
                "No reserved concurrency by default: reserving it takes capacity from the "
                "account's unreserved pool (Lambda keeps 100 unreserved), which fails on new "
                "accounts with a low concurrency quota; the API's stage throttling and the "
                "tenants' usage plans bound concurrent calls instead. Set "
                "invoke_reserved_concurrency / feedback_reserved_concurrency to reserve it",
            )
    return function, role


def interface_endpoint_for(
    scope: Construct,
    network: PrivateNetwork,
    *,
    service: str,
    id: str,
    statement: iam.PolicyStatement,
) -> ec2.IInterfaceVpcEndpoint:
    """The network's interface endpoint for ``service`` (e.g. ``appconfigdata``, ``xray``), or a
    new one in its isolated subnets behind its endpoint security group; ``statement`` is added to
    the endpoint's policy either way."""
    endpoint = network.interface_endpoints.get(service)
    if endpoint is None:
        endpoint = ec2.InterfaceVpcEndpoint(
            scope,
            id,
            vpc=network.vpc,
            service=ec2.InterfaceVpcEndpointAwsService(service),
            subnets=network.isolated_subnets,
            security_groups=[network.endpoint_security_group],
            private_dns_enabled=True,
            open=False,
        )
    endpoint.add_to_policy(statement)
    return endpoint


class _FunctionRole(iam.Role):
    """A Lambda execution role whose grants all land in one customer-managed policy.

    CDK grants (``table.grant*``, ``parameter.grant_read``, tracing) add statements through
    ``add_to_principal_policy``; sending them to a managed policy instead of the role's inline
    default policy keeps the NIST and HIPAA ``IAMNoInlinePolicy`` rules satisfied.
    """

    def __init__(self, scope: Construct, id: str, *, description: str) -> None:
        super().__init__(
            scope,
            id,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=description,
        )
        self._managed_policy = iam.ManagedPolicy(
            scope, f"{id}Policy", description=f"Permissions of {id}", roles=[self]
        )

    @property
    def managed_policy(self) -> iam.ManagedPolicy:
        """The policy every grant to this role goes into."""
        return self._managed_policy

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        self._managed_policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(
            statement_added=True, policy_dependable=self._managed_policy
        )


def _grant_network_interfaces(role: _FunctionRole, stack: cdk.Stack, vpc: ec2.IVpc) -> None:
    """What Lambda needs to attach a function to the VPC (AWSLambdaVPCAccessExecutionRole's
    EC2 actions), limited to this account, region and VPC where EC2 allows."""
    any_ec2 = f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}:*/*"
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="DescribeNetworkInterfaces",
            actions=["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
            resources=["*"],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ManageNetworkInterfacesInTheVpc",
            actions=[
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            resources=[any_ec2],
            conditions={
                "ArnEqualsIfExists": {
                    "ec2:Vpc": stack.format_arn(
                        service="ec2", resource="vpc", resource_name=vpc.vpc_id
                    )
                }
            },
        )
    )
    acknowledge(
        role.managed_policy,
        f"AwsSolutions-IAM5[Resource::{nag_value(stack, any_ec2)}]",
        "Lambda creates and deletes the function's network interfaces with ids unknown until "
        "then; the statement is limited to this account, region and the network's VPC",
    )


def _grant_table_key(grantee: iam.IGrantable, key: kms.IKey, stack: cdk.Stack) -> iam.Grant:
    """Use of the tables' key, only through DynamoDB."""
    return iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        resource_arns=[key.key_arn],
        conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{stack.region}.amazonaws.com"}},
    )


def _powertools_layer_arn(stack: cdk.Stack, version: int) -> str:
    python = "python" + RUNTIME.name.removeprefix("python").replace(".", "")
    return (
        f"arn:{stack.partition}:lambda:{stack.region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-{python}-arm64:{version}"
    )
