"""A private network for AI workloads: isolated subnets, VPC endpoints, flow logs.

:class:`PrivateNetwork` gives Lambda functions, SageMaker endpoints and anything else that
runs in a VPC a way to call Bedrock, SageMaker and the services they depend on without any
route to the internet:

* a VPC with **isolated subnets only**: no internet gateway, no NAT gateway, no public IP;
  its default security group is closed;
* **interface endpoints** (AWS PrivateLink, private DNS on) for Bedrock, SageMaker and what
  they need, all behind one security group that admits HTTPS from inside the VPC only;
* **gateway endpoints** (free) for S3 and DynamoDB;
* an **endpoint policy** on every endpoint that lets only principals of this account (and,
  when configured, of the organization) through;
* **flow logs** of all traffic to a CloudWatch log group encrypted with a KMS key.

Cost: each interface endpoint costs about 7.30 USD per availability zone per month plus
data processing (see :attr:`PrivateNetwork.monthly_endpoint_cost_usd`); gateway endpoints
and the VPC itself are free; flow logs are billed per GB ingested and stored.

Example::

    stack = cdk.Stack(app, "GenAi", env=cdk.Environment(account="...", region="us-east-1"))
    zones = ["us-east-1a", "us-east-1b"]
    pin_availability_zones(stack, zones)  # first: keeps `cdk synth` free of AWS lookups
    network = PrivateNetwork(stack, "Network", availability_zones=zones)
    fn = lambda_.Function(..., vpc=network.vpc, vpc_subnets=network.isolated_subnets)
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from genai_platform import regions
from genai_platform.compliance import acknowledge
from genai_platform.constructs.keys import logs_may_use_key
from genai_platform.endpoint_services import (
    DEFAULT_INTERFACE_ENDPOINTS,
    GATEWAY_ENDPOINT_SERVICES,
    INTERFACE_ENDPOINT_SERVICES,
    INTERFACE_ENDPOINT_USD_PER_ZONE_MONTH,
)

__all__ = [
    "DEFAULT_VPC_CIDR",
    "UNPINNED_ZONES_WARNING_ID",
    "PrivateNetwork",
    "pin_availability_zones",
]

#: Warning id (``acknowledge_warning``) of a new VPC whose zones ``cdk synth`` would look up.
UNPINNED_ZONES_WARNING_ID = "genai-platform:private-network-unpinned-zones"

#: The VPC range used when neither ``vpc`` nor ``vpc_cidr`` is given.
DEFAULT_VPC_CIDR = "10.40.0.0/16"

#: Each isolated subnet gets a /20 (4,091 usable addresses) unless the VPC is too small.
_SUBNET_PREFIX = 20
#: The smallest subnet AWS allows.
_SMALLEST_SUBNET_PREFIX = 28
_VPC_PREFIX_RANGE = (16, 24)
_ORGANIZATION_ID = re.compile(r"o-[a-z0-9]{10,32}")


class PrivateNetwork(Construct):
    """A VPC without internet access that reaches AWS services through VPC endpoints.

    Each interface endpoint costs about 7.30 USD per availability zone per month
    (``INTERFACE_ENDPOINT_USD_PER_ZONE_MONTH``) plus data processing: the twelve default
    endpoints in two zones come to about 175 USD a month. Pass a shorter
    ``interface_endpoints`` list to pay for less; :attr:`monthly_endpoint_cost_usd` shows the
    estimate.

    The endpoint policies admit only principals of this account (and of ``organization_id``).
    Anonymous requests are refused too, so instances in these subnets cannot reach public S3
    buckets such as the Amazon Linux package repositories; add a statement with
    ``gateway_endpoints["s3"].add_to_policy(...)`` if they must.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc | None = None,
        vpc_cidr: str | None = None,
        availability_zones: Sequence[str] | None = None,
        interface_endpoints: Sequence[str] | None = None,
        gateway_endpoints: Sequence[str] | None = None,
        organization_id: str | None = None,
        encryption_key: kms.IKey | None = None,
        flow_log_retention: logs.RetentionDays | None = None,
    ) -> None:
        """Create the network, or add endpoints and flow logs to an existing VPC.

        :param vpc: An existing VPC to use; it must have isolated subnets, where the interface
            endpoints go. Default: a new VPC with isolated subnets only, no internet gateway
            and no NAT gateway, and its default security group closed (CDK adds a small
            Lambda-backed custom resource for that). Not together with ``vpc_cidr`` or
            ``availability_zones``.
        :param vpc_cidr: IPv4 range of the new VPC, a private range from /16 to /24; each
            zone gets one isolated subnet (a /20 when the range allows). Default: 10.40.0.0/16.
        :param availability_zones: Zones of the new VPC, e.g. ``["us-east-1a", "us-east-1b"]``.
            Required when the stack has an explicit account and region, and then also pin
            them with :func:`pin_availability_zones` (``ec2.Vpc`` still asks the stack for its
            zones, which there is a context lookup needing AWS credentials). Default for an
            env-agnostic stack: the region's first two zones, resolved at deploy time.
        :param interface_endpoints: Interface endpoint services to create, from
            ``INTERFACE_ENDPOINT_SERVICES``, each about 7.30 USD per zone per month. An ``s3``
            interface next to the ``s3`` gateway answers only inbound resolvers (on-premises
            callers); traffic from the VPC keeps using the free gateway. Default:
            ``DEFAULT_INTERFACE_ENDPOINTS`` (Bedrock, SageMaker, STS, CloudWatch, KMS, ECR and
            SSM: 12 endpoints, about 175 USD a month in two zones).
        :param gateway_endpoints: Gateway endpoint services to create, from
            ``GATEWAY_ENDPOINT_SERVICES``. Default: s3 and dynamodb.
        :param organization_id: AWS Organizations id (``o-`` and 10 to 32 lowercase letters
            or digits) whose principals the endpoint policies also admit. Default: only
            principals of this stack's account are admitted.
        :param encryption_key: KMS key that encrypts the flow log group. Its key policy must
            let ``logs.<region>.amazonaws.com`` use it; for a key defined in this app the
            statement is added for you. Default: a new customer-managed key with yearly
            rotation, kept when the stack is deleted, usable by CloudWatch Logs for this
            account's log groups only.
        :param flow_log_retention: How long flow log records are kept (not INFINITE).
            Default: one year. The log group itself is always kept when the stack is deleted,
            so network evidence survives a teardown.
        """
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        problems = _validate(
            stack,
            vpc=vpc,
            vpc_cidr=vpc_cidr,
            availability_zones=availability_zones,
            interface_endpoints=interface_endpoints,
            gateway_endpoints=gateway_endpoints,
            organization_id=organization_id,
            flow_log_retention=flow_log_retention,
        )
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"invalid PrivateNetwork {self.node.path!r} ({len(problems)} problems):\n{lines}"
            )

        # ---- the VPC: isolated subnets only
        if vpc is None:
            zones = (
                list(availability_zones)
                if availability_zones is not None
                else stack.availability_zones[:2]
            )
            if availability_zones is not None:
                _warn_unless_pinned(self, stack, zones)
            # Keep the literal range rather than the VPC's CidrBlock attribute, so that the
            # security group rule below is plain text that reviewers and nag rules can read.
            cidr = vpc_cidr if vpc_cidr is not None else DEFAULT_VPC_CIDR
            vpc = _isolated_vpc(self, cidr, zones)
        else:
            cidr = vpc.vpc_cidr_block
        self._vpc = vpc
        self._isolated_subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)

        # ---- flow logs of all traffic to a KMS-encrypted log group
        self._encryption_key = encryption_key or kms.Key(
            self,
            "EncryptionKey",
            description=f"Encrypts the VPC flow logs of {self.node.path}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self._encryption_key.add_to_resource_policy(
            logs_may_use_key(stack, sid="AllowCloudWatchLogsForThisAccountsLogGroups"),
            allow_no_op=True,
        )
        self._flow_log_group = logs.LogGroup(
            self,
            "FlowLogGroup",
            encryption_key=self._encryption_key,
            retention=(
                flow_log_retention
                if flow_log_retention is not None
                else logs.RetentionDays.ONE_YEAR
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        ec2.FlowLog(
            self,
            "FlowLog",
            resource_type=ec2.FlowLogResourceType.from_vpc(vpc),
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                self._flow_log_group, _flow_log_role(self, stack, self._flow_log_group)
            ),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )

        # ---- one security group for every interface endpoint: HTTPS from the VPC only
        self._endpoint_security_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=vpc,
            description="VPC interface endpoints: HTTPS from inside the VPC only",
            allow_all_outbound=False,
        )
        self._endpoint_security_group.add_ingress_rule(
            ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), "HTTPS from inside the VPC"
        )
        if cdk.Token.is_unresolved(cidr):
            _acknowledge_vpc_cidr_ingress(self._endpoint_security_group)

        # ---- endpoints, each with a policy scoped to the account (and organization)
        policy = _endpoint_policy(stack, organization_id)
        gateways: dict[str, ec2.GatewayVpcEndpoint] = {}
        for name in (
            gateway_endpoints if gateway_endpoints is not None else GATEWAY_ENDPOINT_SERVICES
        ):
            gateway = ec2.GatewayVpcEndpoint(
                self,
                f"{_pascal(name)}GatewayEndpoint",
                vpc=vpc,
                service=ec2.GatewayVpcEndpointAwsService(name),
                subnets=[self._isolated_subnets],
            )
            for statement in policy:
                gateway.add_to_policy(statement)
            gateways[name] = gateway

        interfaces: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name in (
            interface_endpoints if interface_endpoints is not None else DEFAULT_INTERFACE_ENDPOINTS
        ):
            gateway_twin = gateways.get(name)  # only S3 offers both kinds
            interface = ec2.InterfaceVpcEndpoint(
                self,
                f"{_pascal(name)}InterfaceEndpoint",
                vpc=vpc,
                service=ec2.InterfaceVpcEndpointAwsService(name),
                subnets=self._isolated_subnets,
                security_groups=[self._endpoint_security_group],
                private_dns_enabled=True,
                private_dns_only_for_inbound_resolver_endpoint=_s3_private_dns(
                    name, has_gateway=gateway_twin is not None
                ),
                open=False,  # the shared security group above already admits the VPC
            )
            if gateway_twin is not None:
                interface.node.add_dependency(gateway_twin)
            for statement in policy:
                interface.add_to_policy(statement)
            interfaces[name] = interface

        self._interface_endpoints: Mapping[str, ec2.InterfaceVpcEndpoint] = MappingProxyType(
            interfaces
        )
        self._gateway_endpoints: Mapping[str, ec2.GatewayVpcEndpoint] = MappingProxyType(gateways)
        self._zone_count = len(
            vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).availability_zones
        )  # interface endpoints are billed per zone they sit in

    # ------------------------------------------------------------------ attributes

    @property
    def vpc(self) -> ec2.IVpc:
        """The VPC: the one passed in, or the one created."""
        return self._vpc

    @property
    def isolated_subnets(self) -> ec2.SubnetSelection:
        """Selects the isolated subnets, where workloads and interface endpoints run."""
        return self._isolated_subnets

    @property
    def endpoint_security_group(self) -> ec2.ISecurityGroup:
        """The security group of every interface endpoint (HTTPS in from the VPC only)."""
        return self._endpoint_security_group

    @property
    def interface_endpoints(self) -> Mapping[str, ec2.InterfaceVpcEndpoint]:
        """Interface endpoints by service name (``"bedrock-runtime"``...), read-only.

        Typed as the class rather than ``IInterfaceVpcEndpoint`` so callers can
        ``add_to_policy`` to widen one endpoint's policy.
        """
        return self._interface_endpoints

    @property
    def gateway_endpoints(self) -> Mapping[str, ec2.GatewayVpcEndpoint]:
        """Gateway endpoints by service name (``"s3"``, ``"dynamodb"``), read-only."""
        return self._gateway_endpoints

    @property
    def flow_log_group(self) -> logs.ILogGroup:
        """The KMS-encrypted log group that receives the VPC flow logs."""
        return self._flow_log_group

    @property
    def encryption_key(self) -> kms.IKey:
        """The KMS key that encrypts the flow log group."""
        return self._encryption_key

    @property
    def monthly_endpoint_cost_usd(self) -> float:
        """Approximate monthly price of the interface endpoints, before data processing.

        Interface endpoints x availability zones x ``INTERFACE_ENDPOINT_USD_PER_ZONE_MONTH``;
        gateway endpoints are free.
        """
        return round(
            len(self._interface_endpoints)
            * self._zone_count
            * INTERFACE_ENDPOINT_USD_PER_ZONE_MONTH,
            2,
        )


def _zones_context_key(stack: cdk.Stack) -> str:
    return f"availability-zones:account={stack.account}:region={stack.region}"


def _warn_unless_pinned(scope: Construct, stack: cdk.Stack, zones: Sequence[str]) -> None:
    """Warn (:data:`UNPINNED_ZONES_WARNING_ID`) when ``ec2.Vpc`` is about to look the stack's
    zones up: an explicit account and region, no :func:`pin_availability_zones`, and a stack
    that does not answer ``availability_zones`` itself."""
    if cdk.Token.is_unresolved(stack.account) or cdk.Token.is_unresolved(stack.region):
        return
    # ec2.Vpc reads them next anyway. Pinned (or a stack class that answers them from code):
    # real names; otherwise CDK's placeholders while the lookup is pending (dummy1a...).
    if not any(z.startswith("dummy") for z in stack.availability_zones):
        return
    cdk.Annotations.of(scope).add_warning_v2(
        UNPINNED_ZONES_WARNING_ID,
        f"the zones of {stack.node.path!r} are not pinned: ec2.Vpc reads the stack's zones, "
        f"which `cdk synth` looks up in account {stack.account} with AWS credentials (and "
        "fails without them); call genai_platform.pin_availability_zones(stack, "
        f"{list(zones)!r}) right after creating the stack",
    )


def pin_availability_zones(stack: cdk.Stack, zones: Sequence[str]) -> None:
    """Answer CDK's availability-zone lookup for ``stack`` with ``zones``, so synth stays offline.

    ``ec2.Vpc`` reads the stack's zones even when given ``availability_zones`` (to check
    them); in a stack with an explicit account and region that read is a context lookup,
    which ``cdk synth`` answers by calling EC2 with the account's credentials. Setting the
    lookup's context key on the stack answers it from code instead. Call this right after
    creating the stack, before adding anything to it (CDK refuses context on a node that
    already has children); it does nothing in an env-agnostic stack, which needs no lookup.
    """
    account, region = stack.account, stack.region
    if cdk.Token.is_unresolved(account) or cdk.Token.is_unresolved(region):
        return
    problems = []
    if stack.node.children:
        added = ", ".join(c.node.id for c in stack.node.children)
        problems.append(
            f"stack: {stack.node.path!r} already has children ({added}); pin its zones "
            "before adding anything to it"
        )
    if isinstance(zones, str) or not zones:
        problems.append(
            f"zones: {zones!r} are not zones of the stack's region {region}; pass a non-empty "
            f"list like ['{region}a', '{region}b']"
        )
    else:
        problems += [f"zones: {p}" for p in regions.zone_problems(region, zones)]
    if problems:
        raise ValueError("; ".join(problems))
    stack.node.set_context(_zones_context_key(stack), list(zones))


# ---------------------------------------------------------------------- building blocks


def _isolated_vpc(scope: Construct, cidr: str, zones: list[str]) -> ec2.Vpc:
    """A VPC with one isolated subnet per zone, no gateways and a closed default SG."""
    return ec2.Vpc(
        scope,
        "Vpc",
        ip_addresses=ec2.IpAddresses.cidr(cidr),
        availability_zones=zones,
        nat_gateways=0,
        create_internet_gateway=False,
        enable_dns_hostnames=True,  # private DNS of interface endpoints needs both
        enable_dns_support=True,
        restrict_default_security_group=True,
        subnet_configuration=[
            ec2.SubnetConfiguration(
                name="Isolated",
                subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
                cidr_mask=_subnet_prefix(cidr, len(zones)),
            )
        ],
    )


def _subnet_prefix(cidr: str, zone_count: int) -> int | None:
    """A /20 per zone, or the largest equal split when the VPC range is smaller.

    None (CDK splits the range evenly) when the range is a token.
    """
    if cdk.Token.is_unresolved(cidr):
        return None
    vpc_prefix = ipaddress.IPv4Network(cidr).prefixlen
    return max(_SUBNET_PREFIX, vpc_prefix + math.ceil(math.log2(max(zone_count, 1))))


def _flow_log_role(scope: Construct, stack: cdk.Stack, log_group: logs.ILogGroup) -> iam.IRole:
    """The role VPC Flow Logs assumes to write into ``log_group``.

    Its permissions sit in a customer-managed policy rather than the inline policy CDK would
    add (the NIST and HIPAA packs refuse inline policies); the role is handed to the flow log
    without policy updates so CDK adds no inline copy of the same grants.
    """
    role = iam.Role(
        scope,
        "FlowLogRole",
        description="Lets VPC Flow Logs write this network's flow log group",
        assumed_by=iam.ServicePrincipal(
            "vpc-flow-logs.amazonaws.com",
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {
                    "aws:SourceArn": (
                        f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}:vpc-flow-log/*"
                    )
                },
            },
        ),
    )
    iam.ManagedPolicy(
        scope,
        "FlowLogPolicy",
        description="Write access to one VPC flow log group",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[log_group.log_group_arn],
            )
        ],
    )
    return role.without_policy_updates()


def _acknowledge_vpc_cidr_ingress(security_group: ec2.SecurityGroup) -> None:
    """Acknowledge the open-ingress rules that cannot read a VPC range known only at deploy.

    These rules look for 0.0.0.0/0 in the ingress CIDR and fail when the CIDR is an
    intrinsic, as it is for a VPC defined elsewhere in the app (``Fn::GetAtt VPC.CidrBlock``).
    """
    reason = (
        "The only ingress rule admits TCP 443 from this VPC's own CidrBlock attribute, which "
        "resolves at deploy time and can never be 0.0.0.0/0 (AWS allows VPC ranges from /16 "
        "to /28); no other port or source is open."
    )
    resource = security_group.node.default_child or security_group
    for finding_id in (
        "AwsSolutions-EC23",
        "NIST.800.53.R5-EC2RestrictedCommonPorts",
        "NIST.800.53.R5-EC2RestrictedSSH",
        "HIPAA.Security-EC2RestrictedCommonPorts",
        "HIPAA.Security-EC2RestrictedSSH",
    ):
        acknowledge(resource, finding_id, reason)


def _endpoint_policy(stack: cdk.Stack, organization_id: str | None) -> list[iam.PolicyStatement]:
    """Endpoint-policy statements: any action, but only by this account's principals
    (and the organization's, when given)."""
    statements = [
        iam.PolicyStatement(
            sid="AllowPrincipalsOfThisAccount",
            principals=[iam.AnyPrincipal()],
            actions=["*"],
            resources=["*"],
            conditions={"StringEquals": {"aws:PrincipalAccount": stack.account}},
        )
    ]
    if organization_id is not None:
        statements.append(
            iam.PolicyStatement(
                sid="AllowPrincipalsOfThisOrganization",
                principals=[iam.AnyPrincipal()],
                actions=["*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:PrincipalOrgID": organization_id}},
            )
        )
    return statements


def _s3_private_dns(
    service: str, *, has_gateway: bool
) -> ec2.VpcEndpointPrivateDnsOnlyForInboundResolverEndpoint | None:
    """Private DNS mode of an S3 interface endpoint (None for every other service).

    With the S3 gateway endpoint in the VPC, traffic from the VPC keeps using the free
    gateway and the interface answers only inbound resolvers (AWS refuses that mode without
    the gateway, which must therefore exist first); without it the interface serves all.
    """
    if service != "s3":
        return None
    if has_gateway:
        return ec2.VpcEndpointPrivateDnsOnlyForInboundResolverEndpoint.ONLY_INBOUND_RESOLVER
    return ec2.VpcEndpointPrivateDnsOnlyForInboundResolverEndpoint.ALL_RESOLVERS


def _pascal(service: str) -> str:
    """``"bedrock-agent-runtime"`` -> ``"BedrockAgentRuntime"`` for construct ids."""
    return "".join(part.capitalize() for part in re.split(r"[-._]", service))


# ---------------------------------------------------------------------------- validation


def _validate(
    stack: cdk.Stack,
    *,
    vpc: ec2.IVpc | None,
    vpc_cidr: str | None,
    availability_zones: Sequence[str] | None,
    interface_endpoints: Sequence[str] | None,
    gateway_endpoints: Sequence[str] | None,
    organization_id: str | None,
    flow_log_retention: logs.RetentionDays | None,
) -> list[str]:
    """Every problem with the props, one line each naming the prop, the value and the rule."""
    problems: list[str] = []

    if vpc is not None:
        for name, value in (("vpc_cidr", vpc_cidr), ("availability_zones", availability_zones)):
            if value is not None:
                problems.append(
                    f"{name}: {value!r} was given together with an existing vpc; pass either "
                    "vpc (to use it) or vpc_cidr/availability_zones (to create one), not both"
                )
        if not vpc.isolated_subnets:
            problems.append(
                f"vpc: {vpc.node.path!r} has no isolated subnets; the interface endpoints "
                "and workloads of a private network go in PRIVATE_ISOLATED subnets"
            )
    else:
        problems += _validate_new_vpc(stack, vpc_cidr, availability_zones)

    problems += _validate_services(
        "interface_endpoints", interface_endpoints, INTERFACE_ENDPOINT_SERVICES
    )
    problems += _validate_services(
        "gateway_endpoints", gateway_endpoints, GATEWAY_ENDPOINT_SERVICES
    )

    if (
        organization_id is not None
        and not cdk.Token.is_unresolved(organization_id)
        and not _ORGANIZATION_ID.fullmatch(organization_id)
    ):
        problems.append(
            f"organization_id: {organization_id!r} is not an AWS Organizations id; expected "
            "'o-' followed by 10 to 32 lowercase letters or digits, e.g. 'o-a1b2c3d4e5'"
        )
    if flow_log_retention == logs.RetentionDays.INFINITE:
        problems.append(
            "flow_log_retention: RetentionDays.INFINITE keeps flow logs forever; choose a "
            "finite retention such as RetentionDays.ONE_YEAR"
        )
    return problems


def _validate_new_vpc(
    stack: cdk.Stack, vpc_cidr: str | None, availability_zones: Sequence[str] | None
) -> list[str]:
    """Problems with the props of a VPC to create: zones, and a range that fits them."""
    problems: list[str] = []
    zone_count = 2
    if availability_zones is None:
        if not cdk.Token.is_unresolved(stack.account) and not cdk.Token.is_unresolved(stack.region):
            problems.append(
                f"availability_zones: None is not allowed in a stack with an explicit account "
                f"and region ({stack.account}, {stack.region}), where CDK would look the zones "
                f"up at synth time; pass them, e.g. ['{stack.region}a', '{stack.region}b']"
            )
    elif isinstance(availability_zones, str):
        problems.append(
            f"availability_zones: {availability_zones!r} is a string; pass a list of zone "
            "names, e.g. ['us-east-1a', 'us-east-1b']"
        )
    else:
        zone_count = len(availability_zones)
        region = None if cdk.Token.is_unresolved(stack.region) else stack.region
        if not availability_zones:
            problems.append("availability_zones: [] is empty; pass at least one zone name")
        if len(set(availability_zones)) != len(availability_zones):
            problems.append(f"availability_zones: {list(availability_zones)!r} repeats a zone")
        literal = [z for z in availability_zones if not cdk.Token.is_unresolved(z)]
        if region is not None:
            # the region's real zone names where regions.ZONE_LETTERS knows them, else the
            # name pattern (<region><letter>)
            problems += [f"availability_zones: {p}" for p in regions.zone_problems(region, literal)]

    if vpc_cidr is not None and not cdk.Token.is_unresolved(vpc_cidr):
        try:
            network: ipaddress.IPv4Network | None = ipaddress.IPv4Network(vpc_cidr)
        except ValueError:
            network = None
        low, high = _VPC_PREFIX_RANGE
        if network is None or not network.is_private or not low <= network.prefixlen <= high:
            problems.append(
                f"vpc_cidr: {vpc_cidr!r} is not allowed; expected a private IPv4 range with a "
                f"prefix from /{low} to /{high}, e.g. {DEFAULT_VPC_CIDR!r}"
            )
        else:
            prefix = _subnet_prefix(vpc_cidr, zone_count)
            if prefix is not None and prefix > _SMALLEST_SUBNET_PREFIX:
                problems.append(
                    f"vpc_cidr: {vpc_cidr!r} is too small for {zone_count} zones (each subnet "
                    f"would be a /{prefix}, AWS allows down to /{_SMALLEST_SUBNET_PREFIX}); "
                    "use a larger range or fewer zones"
                )
    return problems


def _validate_services(prop: str, names: Sequence[str] | None, allowed: Sequence[str]) -> list[str]:
    """Problems with a list of endpoint service names: unknown, repeated, or not a list."""
    if names is None:
        return []
    if isinstance(names, str):
        return [f"{prop}: {names!r} is a string; pass a list of service names like [{names!r}]"]
    problems: list[str] = []
    unknown = [n for n in names if n not in allowed]
    if unknown:
        problems.append(f"{prop}: {unknown!r} unknown; allowed: {', '.join(allowed)}")
    repeated = sorted({n for n in names if list(names).count(n) > 1})
    if repeated:
        problems.append(f"{prop}: {repeated!r} listed more than once; list each service once")
    return problems
