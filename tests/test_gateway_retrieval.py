"""GuardedInferenceApi with knowledge bases: the retrieve route and schema, Retrieve on exactly the
configured knowledge base, the issuers' key-set copier and its schedule, the python-jose layer,
the private network's endpoints, the routing config, validation, nag and cfn-lint.

The knowledge base is a small test double satisfying :class:`IKnowledgeBase` (the real construct
is built elsewhere).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template
from constructs import Construct

from genai_platform import IdentityProvider, IKnowledgeBase, TenantRetrieval
from genai_platform.checks import lint_template
from genai_platform.compliance import NagReport, add_nag_packs, synth_and_report
from genai_platform.constructs.guardrail import Guardrail
from genai_platform.constructs.model_catalog import ModelCatalog
from genai_platform.constructs.private_network import PrivateNetwork, pin_availability_zones
from genai_platform.patterns.guarded_inference_api import GuardedInferenceApi, Tenant
from tests.conftest import TEST_ENV, TEST_ZONES

APP = "111111111111"
NOVA = "us.amazon.nova-lite-v1:0"
ISSUER = "https://login.acme.example/"
JWKS_URL = "https://login.acme.example/.well-known/jwks.json"
IDENTITY = IdentityProvider(issuer=ISSUER, audience="api://assistant", jwks_url=JWKS_URL)


class FakeKnowledgeBase(Construct):
    """A knowledge base of this stack's environment, by id."""

    def __init__(self, scope: Construct, id: str, *, knowledge_base_id: str) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self._id = knowledge_base_id
        self._arn = stack.format_arn(
            service="bedrock", resource="knowledge-base", resource_name=knowledge_base_id
        )

    @property
    def account(self) -> str:
        return cdk.Stack.of(self).account

    @property
    def region(self) -> str:
        return cdk.Stack.of(self).region

    @property
    def knowledge_base_id(self) -> str:
        return self._id

    @property
    def knowledge_base_arn(self) -> str:
        return self._arn

    def grant_retrieve(self, grantee: iam.IGrantable) -> iam.Grant:
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["bedrock:Retrieve"], resource_arns=[self._arn]
        )

    def metric(
        self, metric_name: str, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Bedrock",
            metric_name=metric_name,
            statistic=statistic,
            period=period,
            dimensions_map={"KnowledgeBaseId": self._id},
        )


def _tenants() -> list[Tenant]:
    return [
        Tenant(
            id="team-a",
            principals=[f"arn:aws:iam::{APP}:role/genai-team-a-gateway-caller"],
            aliases=["fast"],
            retrieval=TenantRetrieval(
                knowledge_bases=["handbook"], max_classification="restricted", identity=IDENTITY
            ),
        ),
        Tenant(
            id="team-b",
            principals=[f"arn:aws:iam::{APP}:role/genai-team-b-gateway-caller"],
            aliases=["fast"],
            retrieval=TenantRetrieval(knowledge_bases=["handbook"]),
        ),
    ]


@dataclass
class Built:
    stack: cdk.Stack
    guardrail: Guardrail
    catalog: ModelCatalog
    handbook: FakeKnowledgeBase
    other: FakeKnowledgeBase


def _parts(stack: cdk.Stack) -> Built:
    return Built(
        stack,
        Guardrail(stack, "Guardrail"),
        ModelCatalog(stack, "Models", models=[NOVA], aliases={"fast": NOVA}, default_alias="fast"),
        FakeKnowledgeBase(stack, "Handbook", knowledge_base_id="KBACME0001"),
        FakeKnowledgeBase(stack, "Payroll", knowledge_base_id="KBPAYROLL1"),
    )


@dataclass
class Synth:
    assembly_dir: Path
    report: NagReport
    api: GuardedInferenceApi
    built: Built

    def template_json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.assembly_dir / "Test.template.json").read_text("utf-8")
        )
        return data

    def template(self) -> Template:
        return Template.from_json(self.template_json())

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template_json()["Resources"].items() if v["Type"] == type_}

    def logical_id(self, construct: Any) -> str:
        child = construct.node.default_child or construct
        return str(cdk.Stack.of(construct).resolve(child.logical_id))


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """A private-network gateway with one knowledge base (another one exists in the stack but
    is not given to the gateway), a tenant with an identity provider and one without."""
    tmp = tmp_path_factory.mktemp("retrieval")
    app = cdk.App(outdir=str(tmp / "cdk.out"))
    add_nag_packs(app)
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    pin_availability_zones(stack, TEST_ZONES)
    built = _parts(stack)
    network = PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES)
    api = GuardedInferenceApi(
        stack,
        "Gateway",
        guardrail=built.guardrail,
        model_catalog=built.catalog,
        tenants=_tenants(),
        knowledge_bases={"handbook": built.handbook},
        private_network=network,
    )
    assembly_dir, report = synth_and_report(app)
    return Synth(assembly_dir, report, api, built)


def _statements_of_role(synth: Synth, role_logical_id: str) -> list[dict[str, Any]]:
    statements = []
    for policy in synth.resources("AWS::IAM::ManagedPolicy").values():
        roles = policy["Properties"].get("Roles", [])
        if {"Ref": role_logical_id} in roles:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]


def _invoke_role_id(synth: Synth) -> str:
    function = synth.template_json()["Resources"][synth.logical_id(synth.api.invoke_function)]
    return str(function["Properties"]["Role"]["Fn::GetAtt"][0])


# --------------------------------------------------------------------------- IAM


def test_the_invoke_role_may_retrieve_from_exactly_the_configured_knowledge_base(
    synth: Synth,
) -> None:
    # GIVEN the invoke function's role
    statements = _statements_of_role(synth, _invoke_role_id(synth))

    # THEN bedrock:Retrieve is allowed on the handbook's ARN only (not the other knowledge base)
    retrieve = [s for s in statements if "bedrock:Retrieve" in _actions(s)]
    assert len(retrieve) == 1
    (statement,) = retrieve
    assert _actions(statement) == ["bedrock:Retrieve"]
    resource = json.dumps(statement["Resource"])
    assert "knowledge-base/KBACME0001" in resource
    assert "KBPAYROLL1" not in json.dumps(statements)


def test_the_invoke_role_reads_the_issuer_key_set_parameter(synth: Synth) -> None:
    statements = _statements_of_role(synth, _invoke_role_id(synth))
    reads = [s for s in statements if _actions(s) == ["ssm:GetParameter"]]
    assert any(_key_set_ref(synth) in json.dumps(s["Resource"]) for s in reads)


def _key_set_ref(synth: Synth) -> str:
    """How a statement names team-a's key-set parameter (a reference to the parameter)."""
    key_sets = synth.api.issuer_key_sets
    assert key_sets is not None
    return json.dumps({"Ref": synth.logical_id(key_sets.parameters["team-a"])})


# --------------------------------------------------------------------------- the key-set copier


def test_a_key_set_parameter_of_the_advanced_tier_per_identity_provider(synth: Synth) -> None:
    synth.template().has_resource_properties(
        "AWS::SSM::Parameter",
        {"Name": "/genai/gateway/jwks/team-a", "Tier": "Advanced", "Value": '{"keys": []}'},
    )
    names = [p["Properties"].get("Name") for p in synth.resources("AWS::SSM::Parameter").values()]
    assert "/genai/gateway/jwks/team-b" not in names  # team-b has no identity provider


def test_the_copier_runs_outside_the_vpc_on_a_schedule_and_writes_only_its_parameter(
    synth: Synth,
) -> None:
    key_sets = synth.api.issuer_key_sets
    assert key_sets is not None
    function_id = synth.logical_id(key_sets.function)
    function = synth.template_json()["Resources"][function_id]
    # THEN it has no VpcConfig, the copier handler, and the source list
    assert "VpcConfig" not in function["Properties"]
    assert function["Properties"]["Handler"] == "jwks_copier_app.lambda_handler"
    sources = json.loads(function["Properties"]["Environment"]["Variables"]["JWKS_SOURCES"])
    assert sources == [{"url": JWKS_URL, "parameter": "/genai/gateway/jwks/team-a"}]
    # AND an EventBridge rule runs it every 15 minutes
    synth.template().has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(15 minutes)",
            "State": "ENABLED",
            "Targets": Match.array_with(
                [Match.object_like({"Arn": {"Fn::GetAtt": [function_id, "Arn"]}})]
            ),
        },
    )
    # AND its role may get and put exactly the key-set parameter
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    writes = [s for s in _statements_of_role(synth, role_id) if "ssm:PutParameter" in _actions(s)]
    assert len(writes) == 1
    assert _key_set_ref(synth) in json.dumps(writes[0]["Resource"])


def test_the_invoke_function_carries_the_python_jose_layer(synth: Synth) -> None:
    function = synth.template_json()["Resources"][synth.logical_id(synth.api.invoke_function)]
    layers = json.dumps(function["Properties"]["Layers"])
    jose = [k for k in synth.resources("AWS::Lambda::LayerVersion") if "JoseLayer" in k]
    assert len(jose) == 1 and jose[0] in layers
    # AND the layer's asset holds the pure-Python packages, not the cryptography backend's deps
    folders = [p for p in synth.assembly_dir.glob("asset.*/python") if (p / "jose").is_dir()]
    assert folders
    contents = {p.name for p in folders[0].iterdir()}
    assert {"jose", "rsa", "ecdsa", "pyasn1", "six.py"} <= contents
    assert "cryptography" not in contents


# --------------------------------------------------------------------------- API and network


def test_the_retrieve_route_validates_its_body_with_a_schema(synth: Synth) -> None:
    template = synth.template()
    template.has_resource_properties(
        "AWS::ApiGateway::Model",
        {
            "Name": "RetrieveRequest",
            "Schema": Match.object_like(
                {
                    "additionalProperties": False,
                    "required": ["query", "knowledge_base"],
                    "properties": Match.object_like(
                        {"top_k": {"type": "integer", "minimum": 1, "maximum": 20}}
                    ),
                }
            ),
        },
    )
    template.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "retrieve"})
    template.has_resource_properties(
        "AWS::ApiGateway::Model",
        {
            "Name": "ChatRequest",
            "Schema": Match.object_like(
                {"properties": Match.object_like({"knowledge_base": Match.any_value()})}
            ),
        },
    )


def test_the_private_network_gets_the_agent_runtime_endpoint_for_retrieve(synth: Synth) -> None:
    endpoints = synth.resources("AWS::EC2::VPCEndpoint")
    agent = [
        e for e in endpoints.values() if "bedrock-agent-runtime" in json.dumps(e["Properties"])
    ]
    assert len(agent) == 1
    policy = json.dumps(agent[0]["Properties"]["PolicyDocument"])
    assert "bedrock:Retrieve" in policy and "knowledge-base/KBACME0001" in policy


def test_the_routing_config_carries_the_retrieval_scopes(synth: Synth) -> None:
    (version,) = synth.resources("AWS::AppConfig::HostedConfigurationVersion").values()
    content = json.dumps(version["Properties"]["Content"])
    for needle in (
        '\\"retrieval\\"',
        '\\"handbook\\"',
        "KBACME0001",
        '\\"max_classification\\":\\"restricted\\"',
        '\\"max_classification\\":\\"internal\\"',
        "/genai/gateway/jwks/team-a",
        ISSUER,
    ):
        assert needle in content, needle


# --------------------------------------------------------------------------- compliance


def test_no_unacknowledged_nag_findings(synth: Synth) -> None:
    assert synth.report.for_stack("Test") == [], synth.report.describe()


def test_no_cfn_lint_errors(synth: Synth) -> None:
    issues = lint_template(synth.assembly_dir / "Test.template.json", region="us-east-1")
    assert [i for i in issues if i.is_error] == []


# --------------------------------------------------------------------------- validation


@pytest.fixture(scope="module")
def parts() -> Built:
    return _parts(cdk.Stack(cdk.App(), "Test", env=TEST_ENV))


def _fails(parts: Built, expected: str, **props: Any) -> None:
    defaults: dict[str, Any] = {
        "guardrail": parts.guardrail,
        "model_catalog": parts.catalog,
        "tenants": _tenants(),
        "knowledge_bases": {"handbook": parts.handbook},
    }
    with pytest.raises(ValueError, match=expected):
        GuardedInferenceApi(parts.stack, "Refused", **{**defaults, **props})


def _idp(**changes: Any) -> list[Tenant]:
    return _with(TenantRetrieval(["handbook"], identity=replace(IDENTITY, **changes)))


def _with(retrieval: Any) -> list[Tenant]:
    tenants = _tenants()
    return [replace(tenants[0], retrieval=retrieval), tenants[1]]


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (
            {"knowledge_bases": {"Hand Book": None}},
            r"knowledge_bases: alias 'Hand Book' is not allowed",
        ),
        (
            {"knowledge_bases": {"handbook": "KBACME0001"}},
            r"knowledge_bases.handbook: 'KBACME0001' is not a knowledge base",
        ),
        (
            {"knowledge_bases": None},
            r"tenants\[0\].retrieval.knowledge_bases: \['handbook'\] is not allowed; .*known: "
            r"none",
        ),
        (
            {"tenants": _with(TenantRetrieval(knowledge_bases=["payroll"]))},
            r"tenants\[0\].retrieval.knowledge_bases: \['payroll'\] .*known: \['handbook'\]",
        ),
        (
            {"tenants": _with(TenantRetrieval(["handbook"], max_classification="secret"))},
            r"max_classification: 'secret' is not allowed; use one of public, internal",
        ),
        (
            {"tenants": _idp(issuer="http://x")},
            r"identity.issuer: 'http://x' is not allowed; give an https:// URL",
        ),
        (
            {"tenants": _idp(jwks_url="ftp://k")},
            r"identity.jwks_url: 'ftp://k' is not allowed",
        ),
        (
            {"tenants": _idp(header="authorization")},
            r"identity.header: 'authorization' is not allowed",
        ),
        (
            {"tenants": _idp(algorithms=["HS256"])},
            r"identity.algorithms: \['HS256'\] is not allowed; .*symmetric and 'none' are never",
        ),
        (
            {"tenants": _idp(leeway_seconds=900)},
            r"identity.leeway_seconds: 900 is not allowed; give an integer from 0 to 300",
        ),
        (
            {"tenants": _idp(audience="")},
            r"identity.audience: '' is not allowed",
        ),
        (
            {"tenants": _idp(groups_claim="a b")},
            r"identity.groups_claim: 'a b' is not allowed",
        ),
        (
            {"tenants": _with({"knowledge_bases": ["handbook"]})},
            r"tenants\[0\].retrieval: \{.*\} is not a TenantRetrieval",
        ),
    ],
    ids=[
        "bad-alias",
        "kb-not-an-interface",
        "no-knowledge-bases",
        "unknown-kb-alias",
        "bad-classification",
        "http-issuer",
        "jwks-not-https",
        "reserved-header",
        "symmetric-algorithm",
        "leeway-too-long",
        "empty-audience",
        "bad-groups-claim",
        "retrieval-not-a-dataclass",
    ],
)
def test_fails_when_retrieval_props_are_invalid(
    parts: Built, props: dict[str, Any], expected: str
) -> None:
    _fails(parts, expected, **props)


def test_fails_when_the_knowledge_base_is_in_another_region() -> None:
    # GIVEN a knowledge base double that reports another Region
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    parts = _parts(stack)

    class Elsewhere(FakeKnowledgeBase):
        @property
        def region(self) -> str:
            return "eu-west-1"

    kb = Elsewhere(stack, "Far", knowledge_base_id="KBFARAWAY1")
    # THEN the API is refused naming the alias, both Regions and why
    _fails(
        parts,
        r"knowledge_bases.handbook: the knowledge base is in Region 'eu-west-1', but the API is "
        r"in Region 'us-east-1'",
        knowledge_bases={"handbook": kb},
    )


def test_the_test_double_satisfies_the_interface(parts: Built) -> None:
    assert isinstance(parts.handbook, IKnowledgeBase)


def test_the_ssm_endpoint_lets_the_functions_read_the_key_set_parameter(synth: Synth) -> None:
    # GIVEN the network's SSM endpoint (the isolated subnets' only way to SSM)
    endpoints = synth.resources("AWS::EC2::VPCEndpoint")
    (ssm,) = [
        e
        for e in endpoints.values()
        if json.dumps(e["Properties"]["ServiceName"]).endswith('.ssm"')
    ]
    statements = ssm["Properties"]["PolicyDocument"]["Statement"]

    # THEN its policy allows ssm:GetParameter on the key-set parameter
    reads = [s for s in statements if s.get("Sid") == "GatewayFunctionsReadIssuerKeySets"]
    assert len(reads) == 1 and _actions(reads[0]) == ["ssm:GetParameter"]
    assert _key_set_ref(synth) in json.dumps(reads[0]["Resource"])


@pytest.fixture(scope="module")
def regional(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The same tenants and knowledge base without a private network."""
    tmp = tmp_path_factory.mktemp("retrieval-regional")
    app = cdk.App(outdir=str(tmp / "cdk.out"))
    add_nag_packs(app)
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    built = _parts(stack)
    api = GuardedInferenceApi(
        stack,
        "Gateway",
        guardrail=built.guardrail,
        model_catalog=built.catalog,
        tenants=_tenants(),
        knowledge_bases={"handbook": built.handbook},
    )
    assembly_dir, report = synth_and_report(app)
    return Synth(assembly_dir, report, api, built)


def test_without_a_network_there_is_no_endpoint_and_no_unacknowledged_finding(
    regional: Synth,
) -> None:
    assert regional.resources("AWS::EC2::VPCEndpoint") == {}
    assert regional.report.for_stack("Test") == [], regional.report.describe()
    issues = lint_template(regional.assembly_dir / "Test.template.json", region="us-east-1")
    assert [i for i in issues if i.is_error] == []
