"""PrivateNetwork: isolated VPC, endpoints with scoped policies, encrypted flow logs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Capture, Match, Template

from genai_platform.checks import lint_template
from genai_platform.constructs.private_network import PrivateNetwork, pin_availability_zones
from genai_platform.endpoint_services import (
    DEFAULT_INTERFACE_ENDPOINTS,
    INTERFACE_ENDPOINT_USD_PER_ZONE_MONTH,
)
from tests.conftest import TEST_ENV, TEST_ZONES, NagSynth

ACCOUNT = TEST_ENV.account
ORG_ID = "o-a1b2c3d4e5"

ACCOUNT_STATEMENT = {
    "Sid": "AllowPrincipalsOfThisAccount",
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": "*",
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
}
ORG_STATEMENT = {
    "Sid": "AllowPrincipalsOfThisOrganization",
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": "*",
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}},
}


@dataclass
class Built:
    """A PrivateNetwork and the template of the stack it was built in."""

    network: PrivateNetwork
    template: Template
    stack: cdk.Stack

    def resources(self, type_: str, props: Any = None) -> Mapping[str, Any]:
        return self.template.find_resources(type_, {"Properties": props} if props else None)

    def logical_id(self, construct: Any) -> str:
        return self.stack.get_logical_id(construct.node.default_child)


def _build(build: Callable[[cdk.Stack], PrivateNetwork], env: cdk.Environment | None) -> Built:
    stack = cdk.Stack(cdk.App(), "Test", env=env)
    pin_availability_zones(stack, TEST_ZONES)  # as recommended; a no-op without env
    network = build(stack)
    return Built(network, Template.from_stack(stack), stack)


@pytest.fixture(scope="module")
def default() -> Built:
    """The construct with defaults (only the zones an explicit-env stack needs)."""
    return _build(
        lambda stack: PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES), TEST_ENV
    )


@pytest.fixture(scope="module")
def custom() -> Built:
    """Short endpoint lists, an organization, the stack's own key and a one-month retention."""

    def build(stack: cdk.Stack) -> PrivateNetwork:
        key = kms.Key(stack, "OwnKey", enable_key_rotation=True)
        return PrivateNetwork(
            stack,
            "Network",
            availability_zones=TEST_ZONES,
            vpc_cidr="10.8.0.0/22",
            interface_endpoints=["bedrock-runtime", "s3"],
            gateway_endpoints=["s3"],
            organization_id=ORG_ID,
            encryption_key=key,
            flow_log_retention=logs.RetentionDays.ONE_MONTH,
        )

    return _build(build, TEST_ENV)


def _existing_vpc(stack: cdk.Stack) -> ec2.Vpc:
    return ec2.Vpc(
        stack,
        "ExistingVpc",
        availability_zones=TEST_ZONES,
        nat_gateways=0,
        restrict_default_security_group=True,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="App", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )


@pytest.fixture(scope="module")
def existing() -> Built:
    """The construct around a VPC defined elsewhere in the same stack."""
    return _build(
        lambda stack: PrivateNetwork(
            stack, "Network", vpc=_existing_vpc(stack), interface_endpoints=["bedrock-runtime"]
        ),
        TEST_ENV,
    )


# --------------------------------------------------------------------------- the VPC


def test_creates_no_nat_gateway_and_no_internet_gateway(default: Built) -> None:
    # GIVEN the defaults WHEN synthesized THEN nothing leads to the internet
    for type_ in (
        "AWS::EC2::NatGateway",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::EC2::EIP",
        "AWS::EC2::EgressOnlyInternetGateway",
    ):
        default.template.resource_count_is(type_, 0)


def test_subnets_are_isolated_one_per_zone(default: Built) -> None:
    # GIVEN the defaults WHEN synthesized
    subnets = default.resources("AWS::EC2::Subnet")
    # THEN one /20 per zone, no public IPs, tagged isolated
    assert sorted(s["Properties"]["AvailabilityZone"] for s in subnets.values()) == TEST_ZONES
    for subnet in subnets.values():
        props = subnet["Properties"]
        assert props["MapPublicIpOnLaunch"] is False
        assert props["CidrBlock"].endswith("/20")
        assert {"Key": "aws-cdk:subnet-type", "Value": "Isolated"} in props["Tags"]


def test_route_tables_have_no_route_out(default: Built) -> None:
    # GIVEN the defaults WHEN synthesized THEN no route exists (gateway endpoints add their
    # prefix-list routes through the endpoint, not as AWS::EC2::Route resources)
    default.template.resource_count_is("AWS::EC2::Route", 0)


def test_vpc_uses_default_cidr_with_dns_for_private_endpoints(default: Built) -> None:
    # GIVEN the defaults WHEN synthesized THEN 10.40.0.0/16 with DNS support and hostnames
    default.template.has_resource_properties(
        "AWS::EC2::VPC",
        {"CidrBlock": "10.40.0.0/16", "EnableDnsSupport": True, "EnableDnsHostnames": True},
    )


def test_closes_the_default_security_group(default: Built) -> None:
    # GIVEN the defaults WHEN synthesized THEN CDK's custom resource strips its rules
    default.template.resource_count_is("Custom::VpcRestrictDefaultSG", 1)


def test_smaller_vpc_range_is_split_between_the_zones(custom: Built) -> None:
    # GIVEN a /22 VPC in two zones WHEN synthesized THEN each zone gets a /23
    cidrs = sorted(
        s["Properties"]["CidrBlock"] for s in custom.resources("AWS::EC2::Subnet").values()
    )
    assert cidrs == ["10.8.0.0/23", "10.8.2.0/23"]


@pytest.fixture(scope="module")
def agnostic() -> Built:
    """The construct with defaults in a stack without account and region."""
    return _build(lambda stack: PrivateNetwork(stack, "Network"), None)


def test_env_agnostic_stack_defaults_to_the_regions_first_two_zones(agnostic: Built) -> None:
    # GIVEN a stack without account and region WHEN synthesized
    zones = [
        s["Properties"]["AvailabilityZone"] for s in agnostic.resources("AWS::EC2::Subnet").values()
    ]
    # THEN two subnets in the region's first two zones, resolved at deploy time
    assert sorted(json.dumps(z) for z in zones) == sorted(
        json.dumps({"Fn::Select": [i, {"Fn::GetAZs": ""}]}) for i in (0, 1)
    )


def test_env_agnostic_cost_counts_the_two_default_zones(agnostic: Built) -> None:
    # GIVEN a stack without account and region WHEN asked for the monthly cost
    # THEN the twelve default endpoints are priced in two zones
    assert agnostic.network.monthly_endpoint_cost_usd == pytest.approx(175.20)


def test_env_agnostic_stack_accepts_explicit_zones() -> None:
    # GIVEN a stack without account and region, and three zones
    built = _build(
        lambda stack: PrivateNetwork(
            stack, "Network", availability_zones=["eu-west-1a", "eu-west-1b", "eu-west-1c"]
        ),
        None,
    )
    # WHEN synthesized THEN one isolated subnet per given zone
    built.template.resource_count_is("AWS::EC2::Subnet", 3)


# --------------------------------------------------------------------------- endpoints


@pytest.mark.parametrize("service", DEFAULT_INTERFACE_ENDPOINTS)
def test_creates_default_interface_endpoint_with_private_dns(default: Built, service: str) -> None:
    # GIVEN the defaults WHEN synthesized THEN the service's endpoint has private DNS on
    default.template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "ServiceName": f"com.amazonaws.us-east-1.{service}",
            "VpcEndpointType": "Interface",
            "PrivateDnsEnabled": True,
        },
    )


@pytest.mark.parametrize("service", ["s3", "dynamodb"])
def test_creates_default_gateway_endpoint_on_the_isolated_route_tables(
    default: Built, service: str
) -> None:
    # GIVEN the defaults
    route_tables = [
        default.stack.resolve(s.route_table.route_table_id)
        for s in default.network.vpc.isolated_subnets
    ]
    # WHEN synthesized THEN the gateway endpoint serves both isolated route tables
    default.template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "ServiceName": {
                "Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, f".{service}"]]
            },
            "VpcEndpointType": "Gateway",
            "RouteTableIds": route_tables,
        },
    )


def test_creates_only_the_default_endpoints(default: Built) -> None:
    # GIVEN the defaults WHEN synthesized THEN twelve interface and two gateway endpoints
    assert len(default.resources("AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Interface"})) == 12
    assert len(default.resources("AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Gateway"})) == 2


def test_interface_endpoints_share_one_group_in_the_isolated_subnets(default: Built) -> None:
    # GIVEN the defaults
    group_id = default.logical_id(default.network.endpoint_security_group)
    subnet_ids = sorted(
        default.stack.get_logical_id(s.node.default_child)  # type: ignore[arg-type]
        for s in default.network.vpc.isolated_subnets
    )
    # WHEN synthesized
    interfaces = default.resources("AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Interface"})
    # THEN every interface endpoint uses the one group and every isolated subnet
    default.template.resource_count_is("AWS::EC2::SecurityGroup", 1)
    for endpoint in interfaces.values():
        props = endpoint["Properties"]
        assert props["SecurityGroupIds"] == [{"Fn::GetAtt": [group_id, "GroupId"]}]
        assert sorted(ref["Ref"] for ref in props["SubnetIds"]) == subnet_ids


def test_endpoint_group_admits_https_from_the_vpc_cidr_only(default: Built) -> None:
    # GIVEN the defaults WHEN synthesized THEN one ingress rule: TCP 443 from 10.40.0.0/16
    default.template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "SecurityGroupIngress": [
                {"CidrIp": "10.40.0.0/16", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
            ]
        },
    )
    default.template.resource_count_is("AWS::EC2::SecurityGroupIngress", 0)


def test_endpoint_group_has_no_open_egress(default: Built) -> None:
    # GIVEN the defaults
    egress = Capture()
    # WHEN synthesized
    default.template.has_resource_properties(
        "AWS::EC2::SecurityGroup", {"SecurityGroupEgress": egress}
    )
    # THEN only CDK's placeholder that matches no traffic, and no separate egress rule
    assert [rule["CidrIp"] for rule in egress.as_array()] == ["255.255.255.255/32"]
    default.template.resource_count_is("AWS::EC2::SecurityGroupEgress", 0)


def test_every_endpoint_policy_admits_only_principals_of_this_account(default: Built) -> None:
    # GIVEN the defaults WHEN synthesized
    endpoints = default.resources("AWS::EC2::VPCEndpoint")
    # THEN each of the fourteen endpoints has exactly the account statement
    assert len(endpoints) == 14
    for endpoint in endpoints.values():
        assert endpoint["Properties"]["PolicyDocument"]["Statement"] == [ACCOUNT_STATEMENT]


def test_every_endpoint_policy_admits_the_organization_when_configured(custom: Built) -> None:
    # GIVEN an organization id WHEN synthesized
    endpoints = custom.resources("AWS::EC2::VPCEndpoint")
    # THEN each endpoint admits the account and the organization
    assert len(endpoints) == 3
    for endpoint in endpoints.values():
        statements = endpoint["Properties"]["PolicyDocument"]["Statement"]
        assert statements == [ACCOUNT_STATEMENT, ORG_STATEMENT]


def _service_of(endpoint: Mapping[str, Any]) -> str:
    """``"bedrock-runtime"`` from ``com.amazonaws.<region>.bedrock-runtime`` (literal or joined)."""
    name = endpoint["Properties"]["ServiceName"]
    if not isinstance(name, str):
        name = "".join(part for part in name["Fn::Join"][1] if isinstance(part, str))
    return str(name.split(".", 3)[-1])


def test_custom_endpoint_lists_are_respected(custom: Built) -> None:
    # GIVEN interface ["bedrock-runtime", "s3"] and gateway ["s3"] WHEN synthesized
    endpoints = custom.resources("AWS::EC2::VPCEndpoint").values()
    # THEN exactly those three endpoints, and the attributes list the same
    assert sorted((e["Properties"]["VpcEndpointType"], _service_of(e)) for e in endpoints) == [
        ("Gateway", "s3"),
        ("Interface", "bedrock-runtime"),
        ("Interface", "s3"),
    ]
    assert list(custom.network.interface_endpoints) == ["bedrock-runtime", "s3"]
    assert list(custom.network.gateway_endpoints) == ["s3"]


def test_s3_interface_endpoint_leaves_vpc_traffic_on_the_free_gateway(custom: Built) -> None:
    # GIVEN both an s3 interface and an s3 gateway endpoint WHEN synthesized
    gateway_id = custom.logical_id(custom.network.gateway_endpoints["s3"])
    # THEN the interface answers inbound resolvers only, and is created after the gateway
    custom.template.has_resource(
        "AWS::EC2::VPCEndpoint",
        {
            "Properties": {
                "ServiceName": "com.amazonaws.us-east-1.s3",
                "DnsOptions": {"PrivateDnsOnlyForInboundResolverEndpoint": "OnlyInboundResolver"},
            },
            "DependsOn": [gateway_id],
        },
    )


def test_monthly_endpoint_cost_is_endpoints_times_zones_times_price(
    default: Built, custom: Built
) -> None:
    # GIVEN 12 (default) and 2 (custom) interface endpoints in two zones
    # WHEN asked for the monthly cost THEN endpoints x zones x 7.30 USD
    assert default.network.monthly_endpoint_cost_usd == pytest.approx(
        12 * 2 * INTERFACE_ENDPOINT_USD_PER_ZONE_MONTH
    )
    assert default.network.monthly_endpoint_cost_usd == pytest.approx(175.20)
    assert custom.network.monthly_endpoint_cost_usd == pytest.approx(29.20)


# --------------------------------------------------------------------------- flow logs


def test_flow_log_records_all_vpc_traffic_to_the_log_group(default: Built) -> None:
    # GIVEN the defaults WHEN synthesized THEN one flow log: the VPC, all traffic, the group
    default.template.resource_count_is("AWS::EC2::FlowLog", 1)
    default.template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {
            "ResourceType": "VPC",
            "ResourceId": {"Ref": default.logical_id(default.network.vpc)},
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": {"Ref": default.logical_id(default.network.flow_log_group)},
        },
    )


def test_flow_log_group_is_kms_encrypted_kept_a_year_and_retained(default: Built) -> None:
    # GIVEN the defaults WHEN synthesized THEN the group uses the new key, 365 days, Retain
    key_id = default.logical_id(default.network.encryption_key)
    default.template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]}, "RetentionInDays": 365},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_default_key_rotates_and_lets_cloudwatch_logs_of_this_account_use_it(
    default: Built,
) -> None:
    # GIVEN the defaults WHEN synthesized THEN one rotating key that only logs in
    # us-east-1 may use, and only for this account's log groups
    default.template.resource_count_is("AWS::KMS::Key", 1)
    default.template.has_resource(
        "AWS::KMS::Key",
        {
            "Properties": {
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
                                    "Action": Match.array_with(["kms:GenerateDataKey*"]),
                                    "Condition": {
                                        "ArnLike": {
                                            "kms:EncryptionContext:aws:logs:arn": {
                                                "Fn::Join": [
                                                    "",
                                                    [
                                                        "arn:",
                                                        {"Ref": "AWS::Partition"},
                                                        f":logs:us-east-1:{ACCOUNT}:log-group:*",
                                                    ],
                                                ]
                                            }
                                        }
                                    },
                                }
                            )
                        ]
                    )
                },
            },
            "DeletionPolicy": "Retain",
        },
    )


def test_given_key_encrypts_the_flow_logs_and_admits_cloudwatch_logs(custom: Built) -> None:
    # GIVEN a key of the stack WHEN synthesized THEN no second key; the group uses it and
    # its policy gained the CloudWatch Logs statement
    custom.template.resource_count_is("AWS::KMS::Key", 1)
    custom.template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp("OwnKey"), "Arn"]}},
    )
    custom.template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [Match.object_like({"Sid": "AllowCloudWatchLogsForThisAccountsLogGroups"})]
                )
            }
        },
    )


def test_flow_log_retention_is_configurable(custom: Built) -> None:
    # GIVEN ONE_MONTH WHEN synthesized THEN 30 days
    custom.template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})


def test_flow_log_role_is_scoped_to_this_accounts_flow_logs_without_inline_policy(
    default: Built,
) -> None:
    # GIVEN the defaults WHEN synthesized
    # THEN the trust policy names this account's flow logs, permissions sit in a managed policy
    default.template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                            "Condition": Match.object_like(
                                {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
                            ),
                        }
                    )
                ]
            }
        },
    )
    default.template.resource_count_is("AWS::IAM::Policy", 0)
    group_id = default.logical_id(default.network.flow_log_group)
    default.template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": [Match.object_like({"Resource": {"Fn::GetAtt": [group_id, "Arn"]}})]
            }
        },
    )


# --------------------------------------------------------------------------- existing VPC


def test_existing_vpc_is_used_instead_of_a_new_one(existing: Built) -> None:
    # GIVEN an existing VPC WHEN synthesized THEN no second VPC; endpoints go into it
    vpc_id = existing.logical_id(existing.network.vpc)
    existing.template.resource_count_is("AWS::EC2::VPC", 1)
    assert vpc_id.startswith("ExistingVpc")
    for endpoint in existing.resources("AWS::EC2::VPCEndpoint").values():
        assert endpoint["Properties"]["VpcId"] == {"Ref": vpc_id}


def test_existing_vpc_gets_flow_logs(existing: Built) -> None:
    # GIVEN an existing VPC WHEN synthesized THEN its traffic is logged
    existing.template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {
            "ResourceType": "VPC",
            "ResourceId": {"Ref": existing.logical_id(existing.network.vpc)},
            "TrafficType": "ALL",
        },
    )


def test_existing_vpc_endpoint_group_admits_that_vpcs_cidr(existing: Built) -> None:
    # GIVEN an existing VPC whose range is known at deploy time only WHEN synthesized
    # THEN the ingress rule reads the VPC's CidrBlock attribute
    existing.template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "SecurityGroupIngress": [
                {
                    "CidrIp": {
                        "Fn::GetAtt": [existing.logical_id(existing.network.vpc), "CidrBlock"]
                    },
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                }
            ]
        },
    )


# --------------------------------------------------------------------------- attributes


def test_exposes_what_it_creates_as_read_only_attributes(default: Built) -> None:
    # GIVEN the defaults WHEN reading the attributes
    network = default.network
    # THEN they are the created resources, and the endpoint mappings refuse writes
    assert network.node.find_child("Vpc") is network.vpc
    assert network.node.find_child("EndpointSecurityGroup") is network.endpoint_security_group
    assert network.node.find_child("FlowLogGroup") is network.flow_log_group
    assert network.node.find_child("EncryptionKey") is network.encryption_key
    assert network.isolated_subnets.subnet_type == ec2.SubnetType.PRIVATE_ISOLATED
    assert tuple(network.interface_endpoints) == DEFAULT_INTERFACE_ENDPOINTS
    assert isinstance(network.interface_endpoints["bedrock-runtime"], ec2.InterfaceVpcEndpoint)
    with pytest.raises(TypeError):
        network.interface_endpoints["extra"] = network.interface_endpoints["sts"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        network.vpc = network.vpc  # type: ignore[misc]


# --------------------------------------------------------------------------- validation


def _fails(stack: cdk.Stack, **props: Any) -> str:
    with pytest.raises(ValueError) as error:
        PrivateNetwork(stack, "Network", **props)
    return str(error.value)


def test_fails_when_interface_endpoint_is_unknown(stack: cdk.Stack) -> None:
    # GIVEN a misspelt service WHEN constructed THEN the prop, the name and the allowed list
    with pytest.raises(ValueError, match=r"interface_endpoints: \['bedrok'\] unknown; allowed: "):
        PrivateNetwork(
            stack, "Network", availability_zones=TEST_ZONES, interface_endpoints=["bedrok", "sts"]
        )


def test_fails_when_unknown_endpoint_error_lists_every_allowed_service(stack: cdk.Stack) -> None:
    # GIVEN a misspelt service WHEN constructed THEN every allowed name is shown
    message = _fails(stack, availability_zones=TEST_ZONES, interface_endpoints=["bedrok"])
    assert "bedrock-agent-runtime, sagemaker.api" in message
    assert "xray, appconfigdata, s3" in message


def test_fails_when_gateway_endpoint_is_unknown(stack: cdk.Stack) -> None:
    # GIVEN an interface-only service as gateway WHEN constructed THEN named with the allowed
    with pytest.raises(
        ValueError, match=r"gateway_endpoints: \['sts'\] unknown; allowed: s3, dynamodb"
    ):
        PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES, gateway_endpoints=["sts"])


def test_fails_when_endpoint_is_listed_twice(stack: cdk.Stack) -> None:
    # GIVEN a repeated service WHEN constructed THEN the repeated name is shown
    with pytest.raises(ValueError, match=r"interface_endpoints: \['sts'\] listed more than once"):
        PrivateNetwork(
            stack, "Network", availability_zones=TEST_ZONES, interface_endpoints=["sts", "sts"]
        )


def test_fails_when_endpoints_are_given_as_a_string(stack: cdk.Stack) -> None:
    # GIVEN one name instead of a list WHEN constructed THEN the mistake is named
    with pytest.raises(ValueError, match=r"gateway_endpoints: 's3' is a string"):
        PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES, gateway_endpoints="s3")


def test_fails_when_vpc_is_given_with_vpc_cidr(stack: cdk.Stack) -> None:
    # GIVEN an existing VPC and a range for a new one WHEN constructed THEN both are named
    vpc = _existing_vpc(stack)
    with pytest.raises(ValueError, match=r"vpc_cidr: '10\.1\.0\.0/16' was given together with"):
        PrivateNetwork(stack, "Network", vpc=vpc, vpc_cidr="10.1.0.0/16")


def test_fails_when_vpc_is_given_with_availability_zones(stack: cdk.Stack) -> None:
    # GIVEN an existing VPC and zones for a new one WHEN constructed THEN the zones are named
    vpc = _existing_vpc(stack)
    with pytest.raises(
        ValueError, match=r"availability_zones: \['us-east-1a', 'us-east-1b'\] was given together"
    ):
        PrivateNetwork(stack, "Network", vpc=vpc, availability_zones=TEST_ZONES)


def test_fails_when_existing_vpc_has_no_isolated_subnets(stack: cdk.Stack) -> None:
    # GIVEN a VPC with public subnets only WHEN constructed THEN the VPC is named
    vpc = ec2.Vpc(
        stack,
        "PublicVpc",
        availability_zones=TEST_ZONES,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)
        ],
    )
    with pytest.raises(ValueError, match=r"vpc: 'Test/PublicVpc' has no isolated subnets"):
        PrivateNetwork(stack, "Network", vpc=vpc)


def test_fails_when_explicit_env_stack_has_no_availability_zones(stack: cdk.Stack) -> None:
    # GIVEN a stack with account and region and no zones WHEN constructed
    # THEN the error asks for zones instead of letting CDK look them up
    with pytest.raises(
        ValueError,
        match=r"availability_zones: None is not allowed in a stack with an explicit account "
        r"and region \(222222222222, us-east-1\).*\['us-east-1a', 'us-east-1b'\]",
    ):
        PrivateNetwork(stack, "Network")


def test_fails_when_zone_is_outside_the_stack_region(stack: cdk.Stack) -> None:
    # GIVEN a zone of another region WHEN constructed THEN the zone and the region are named
    with pytest.raises(
        ValueError, match=r"availability_zones: \['eu-west-1a'\] not in region 'us-east-1'"
    ):
        PrivateNetwork(stack, "Network", availability_zones=["us-east-1a", "eu-west-1a"])


def test_fails_when_a_zone_does_not_exist_in_the_region(stack: cdk.Stack) -> None:
    # GIVEN a zone name with the region's prefix that the region does not have (us-east-1g)
    # WHEN constructed THEN the zone is named with the region's real zones
    with pytest.raises(
        ValueError,
        match=r"availability_zones: \['us-east-1g'\] not in region 'us-east-1'; the zones of "
        r"us-east-1 are us-east-1a, .*us-east-1f",
    ):
        PrivateNetwork(stack, "Network", availability_zones=["us-east-1a", "us-east-1g"])


@pytest.mark.parametrize("cidr", ["10.40.0.0", "8.8.0.0/16", "10.0.0.0/8", "10.40.0.0/25", "x"])
def test_fails_when_vpc_cidr_is_not_a_private_16_to_24_range(stack: cdk.Stack, cidr: str) -> None:
    # GIVEN a bad range WHEN constructed THEN the range and what is allowed are named
    with pytest.raises(
        ValueError,
        match=rf"vpc_cidr: {re.escape(repr(cidr))} is not allowed; expected a private IPv4 "
        r"range with a prefix from /16 to /24",
    ):
        PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES, vpc_cidr=cidr)


def test_fails_when_vpc_cidr_is_too_small_for_the_zones(stack: cdk.Stack) -> None:
    # GIVEN a /24, which holds at most 16 subnets of /28, for 17 zones
    zones = [f"us-east-1{letter}" for letter in "abcdefghijklmnopq"]
    # WHEN constructed THEN the subnet size is explained
    with pytest.raises(ValueError, match=r"vpc_cidr: '10\.0\.0\.0/24' is too small for 17 zones"):
        PrivateNetwork(stack, "Network", availability_zones=zones, vpc_cidr="10.0.0.0/24")


@pytest.mark.parametrize("org_id", ["o-short", "O-ABCDEFGHIJ", "r-abcdefghij", ""])
def test_fails_when_organization_id_is_malformed(stack: cdk.Stack, org_id: str) -> None:
    # GIVEN a malformed organization id WHEN constructed THEN the id and the format are named
    with pytest.raises(
        ValueError,
        match=rf"organization_id: {re.escape(repr(org_id))} is not an AWS Organizations id; "
        r"expected 'o-' followed by 10 to 32",
    ):
        PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES, organization_id=org_id)


def test_fails_when_flow_log_retention_is_infinite(stack: cdk.Stack) -> None:
    # GIVEN logs kept forever WHEN constructed THEN a finite retention is asked for
    with pytest.raises(ValueError, match=r"flow_log_retention: RetentionDays\.INFINITE"):
        PrivateNetwork(
            stack,
            "Network",
            availability_zones=TEST_ZONES,
            flow_log_retention=logs.RetentionDays.INFINITE,
        )


def test_fails_with_every_problem_in_one_error_before_creating_anything(
    stack: cdk.Stack,
) -> None:
    # GIVEN three bad props WHEN constructed
    message = _fails(
        stack, interface_endpoints=["nope"], organization_id="o-bad", vpc_cidr="10.0.0.0/8"
    )
    # THEN one error lists all of them (and the missing zones), and nothing was built
    assert "(4 problems)" in message
    for prop in ("interface_endpoints", "organization_id", "vpc_cidr", "availability_zones"):
        assert f"  - {prop}: " in message
    assert [c for c in stack.node.find_all() if isinstance(c, cdk.CfnResource)] == []


def test_accepts_an_organization_id_token(stack: cdk.Stack) -> None:
    # GIVEN an organization id from a parameter WHEN constructed THEN it is not validated
    org_id = cdk.CfnParameter(stack, "OrgId").value_as_string
    network = PrivateNetwork(
        stack, "Network", availability_zones=TEST_ZONES, organization_id=org_id
    )
    # THEN the endpoints are created
    assert len(network.interface_endpoints) == len(DEFAULT_INTERFACE_ENDPOINTS)


# --------------------------------------------------------------------------- pinned zones


def _missing_context(app: cdk.App) -> list[Any]:
    manifest = json.loads(Path(app.synth().directory, "manifest.json").read_text("utf-8"))
    missing: list[Any] = manifest.get("missing", [])
    return missing


def test_pinned_zones_let_an_explicit_env_stack_synthesize_without_lookups() -> None:
    # GIVEN an explicit-env stack whose zones are pinned before anything is added
    app = cdk.App()
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    pin_availability_zones(stack, TEST_ZONES)
    PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES)
    # WHEN synthesized THEN no context lookup is left for the CDK CLI
    assert _missing_context(app) == []


def test_pinning_zones_does_nothing_in_an_env_agnostic_stack() -> None:
    # GIVEN a stack without account and region WHEN zones are pinned
    stack = cdk.Stack(cdk.App(), "Test")
    pin_availability_zones(stack, TEST_ZONES)
    # THEN its zones stay the deploy-time ones
    assert all(cdk.Token.is_unresolved(z) for z in stack.availability_zones)


def test_fails_when_zones_are_pinned_after_adding_constructs(stack: cdk.Stack) -> None:
    # GIVEN a stack that already holds a construct WHEN its zones are pinned
    # THEN the error names the stack and what it holds
    PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES)
    with pytest.raises(ValueError, match=r"stack: 'Test' already has children \(Network, "):
        pin_availability_zones(stack, TEST_ZONES)


def test_fails_when_pinned_zones_are_outside_the_stack_region() -> None:
    # GIVEN an explicit-env stack WHEN zones of another region are pinned
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    # THEN the zones and the region are named
    with pytest.raises(
        ValueError, match=r"zones: \['eu-west-1a'\] not in region 'us-east-1'; the zones of"
    ):
        pin_availability_zones(stack, ["eu-west-1a"])


# --------------------------------------------------------------------------- checks


def test_defaults_have_no_unacknowledged_nag_findings(
    nag_synth: Callable[[Callable[[cdk.Stack], object]], NagSynth],
) -> None:
    # GIVEN the construct with defaults in a bare stack
    # WHEN synthesized with AwsSolutions, NIST 800-53 rev 5 and HIPAA Security
    result = nag_synth(
        lambda stack: PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES)
    )
    # THEN nothing is left unacknowledged, and nothing needed acknowledging
    assert result.report.findings == [], result.report.describe()
    assert result.report.acknowledged_in("Test") == []


def test_existing_vpc_has_no_unacknowledged_nag_findings(
    nag_synth: Callable[[Callable[[cdk.Stack], object]], NagSynth],
) -> None:
    # GIVEN the construct around a VPC whose range is a deploy-time attribute
    # WHEN synthesized with the three packs
    result = nag_synth(
        lambda stack: PrivateNetwork(
            stack, "Network", vpc=_existing_vpc(stack), interface_endpoints=["sts"]
        )
    )
    # THEN no findings; the open-ingress rules that cannot read the CIDR are acknowledged on
    # the endpoint security group only
    assert result.report.findings == [], result.report.describe()
    acknowledged = result.report.acknowledged_in("Test")
    assert {a.construct_path for a in acknowledged} == {
        "Test/Network/EndpointSecurityGroup/Resource"
    }
    assert sorted(a.finding_id for a in acknowledged) == [
        "AwsSolutions-EC23",
        "HIPAA.Security-EC2RestrictedCommonPorts",
        "HIPAA.Security-EC2RestrictedSSH",
        "NIST.800.53.R5-EC2RestrictedCommonPorts",
        "NIST.800.53.R5-EC2RestrictedSSH",
    ]


def test_defaults_have_no_cfn_lint_errors(default: Built, tmp_path: Path) -> None:
    # GIVEN the synthesized defaults
    template_file = tmp_path / "Test.template.json"
    template_file.write_text(json.dumps(default.template.to_json()), "utf-8")
    # WHEN linted with cfn-lint
    issues = lint_template(template_file, region="us-east-1")
    # THEN no errors (warnings such as hard-coded zones are expected)
    errors = [i for i in issues if i.severity == "error"]
    assert errors == [], errors
