"""Bring your own: the interfaces, the ``from_*_attributes`` imports, and a team app whose
governance, platform and team stacks share the guardrail and an endpoint by name and ARN."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Annotations, Match, Template

import genai_platform
from genai_platform import (
    GatewayCallerRole,
    GuardedInferenceApi,
    Guardrail,
    IGuardedInferenceApi,
    IGuardrail,
    IInferenceEndpoint,
    InferenceEndpoint,
    ModelCatalog,
    Tenant,
)
from genai_platform.checks import lint_template
from genai_platform.compliance import NagReport, add_nag_packs, synth_and_report
from genai_platform.constructs.model_catalog import GUARDRAIL_CONDITION_KEY

GENAI = "222222222222"
APP = "111111111111"
OTHER = "333333333333"
REGION = "us-east-1"
GENAI_ENV = cdk.Environment(account=GENAI, region=REGION)
APP_ENV = cdk.Environment(account=APP, region=REGION)
GUARDRAIL_ARN = f"arn:aws:bedrock:{REGION}:{GENAI}:guardrail/abc123def456"
ENDPOINT_NAME = "llama-3-8b"
API_ID = "a1b2c3d4e5"
SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
CALLER = f"arn:aws:iam::{APP}:role/genai-team-a-gateway-caller"
TEAM_A = Tenant(id="team-a", principals=[CALLER], aliases=["chat", "llama"])
INVOKE_ACTIONS = ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]


def _endpoint_arn(name: str = ENDPOINT_NAME, account: str = GENAI, region: str = REGION) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:endpoint/{name}"


def _component_arn(name: str, account: str = GENAI, region: str = REGION) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:inference-component/{name}"


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of every IAM policy (inline and managed) in a template."""
    found = []
    for resource in template["Resources"].values():
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            found += resource["Properties"]["PolicyDocument"]["Statement"]
    return found


def _with_action(template: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [
        s
        for s in _statements(template)
        if s["Effect"] == "Allow"
        and action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    """A CloudFormation string as text, with the partition rendered as ``aws``."""
    if isinstance(value, str):
        return value
    if value == {"Ref": "AWS::Partition"}:
        return "aws"
    return "".join(_text(part) for part in value["Fn::Join"][1])


def _with_refs(value: Any) -> str:
    """A CloudFormation string as text, every reference rendered as ``<ref>``."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        return "".join(_with_refs(part) for part in value["Fn::Join"][1])
    return "<ref>"


# --------------------------------------------------------------------------- the team app


@dataclass
class TeamApp:
    """The synthesized four-stack app (three in the generative-AI account, one caller)."""

    assembly_dir: Path
    report: NagReport
    component_name: str

    def template(self, stack: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.assembly_dir / f"{stack}.template.json").read_text("utf-8")
        )
        return data


@pytest.fixture(scope="module")
def team_app(tmp_path_factory: pytest.TempPathFactory) -> TeamApp:
    """Governance owns the guardrail, Platform owns an endpoint, Team imports both by ARN and
    builds its own API; Caller (application account) imports the API by its attributes."""
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("team") / "cdk.out"))
    add_nag_packs(app)
    governance = cdk.Stack(app, "Governance", env=GENAI_ENV)
    Guardrail(governance, "Guardrail")
    platform = cdk.Stack(app, "Platform", env=GENAI_ENV)
    endpoint = InferenceEndpoint(
        platform,
        "Llama",
        instance_type="ml.inf2.xlarge",
        model_data_uri=f"s3://genai-models-{GENAI}/llama-3-8b/neuron/",
        endpoint_name=ENDPOINT_NAME,
    )
    component = endpoint.inference_component_name
    assert component is not None and not cdk.Token.is_unresolved(component)

    team = cdk.Stack(app, "Team", env=GENAI_ENV)
    guardrail = Guardrail.from_guardrail_attributes(
        team, "Guardrail", guardrail_arn=GUARDRAIL_ARN, version="3"
    )
    llama = InferenceEndpoint.from_endpoint_attributes(
        team,
        "Llama",
        endpoint_arn=_endpoint_arn(),
        inference_component_arn=_component_arn(component),
    )
    catalog = ModelCatalog(team, "Models", models=[SONNET], aliases={"chat": SONNET})
    GuardedInferenceApi(
        team,
        "Gateway",
        guardrail=guardrail,
        model_catalog=catalog,
        self_hosted_models={"llama": llama},
        tenants=[TEAM_A],
    )

    caller = cdk.Stack(app, "Caller", env=APP_ENV)
    GatewayCallerRole(
        caller,
        "TeamACaller",
        tenant_id="team-a",
        api=GuardedInferenceApi.from_api_attributes(
            caller, "Gateway", api_id=API_ID, account=GENAI
        ),
        assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    )
    assembly_dir, report = synth_and_report(app)
    return TeamApp(assembly_dir, report, component)


@pytest.mark.parametrize("stack", ["Governance", "Platform", "Team", "Caller"])
def test_team_app_stacks_have_no_unacknowledged_nag_findings(team_app: TeamApp, stack: str) -> None:
    assert team_app.report.for_stack(stack) == [], team_app.report.describe()


@pytest.mark.parametrize("stack", ["Governance", "Platform", "Team", "Caller"])
def test_team_app_templates_have_no_cfn_lint_errors(team_app: TeamApp, stack: str) -> None:
    issues = lint_template(team_app.assembly_dir / f"{stack}.template.json", region=REGION)
    assert [i for i in issues if i.is_error] == []


@pytest.mark.parametrize("stack", ["Team", "Caller"])
def test_team_and_caller_templates_import_no_outputs(team_app: TeamApp, stack: str) -> None:
    # GIVEN stacks that reference resources of other stacks by attributes only
    text = json.dumps(team_app.template(stack))
    # THEN nothing travels as a CloudFormation export or a cross-stack output
    assert "Fn::ImportValue" not in text
    assert "Fn::GetStackOutput" not in text
    # AND the owning stacks export nothing
    for owner in ("Governance", "Platform"):
        assert "Outputs" not in team_app.template(owner)


def test_team_gateway_applies_exactly_the_imported_guardrail(team_app: TeamApp) -> None:
    # GIVEN the team's gateway built on the imported guardrail
    template = team_app.template("Team")
    # THEN ApplyGuardrail is allowed on the imported ARN and nothing else
    statements = _with_action(template, "bedrock:ApplyGuardrail")
    assert statements
    assert {r for s in statements for r in _as_list(s["Resource"])} == {GUARDRAIL_ARN}


def test_team_gateway_invokes_models_only_with_the_imported_guardrail(team_app: TeamApp) -> None:
    # GIVEN the catalogue's grant with the imported guardrail
    template = team_app.template("Team")
    invoke = _with_action(template, "bedrock:InvokeModel")
    # THEN every Allow is conditioned on a numbered version of exactly that guardrail
    assert invoke
    for statement in invoke:
        assert statement["Condition"]["StringLike"][GUARDRAIL_CONDITION_KEY] == f"{GUARDRAIL_ARN}:*"


def test_team_gateway_invokes_exactly_the_imported_endpoint_and_component(
    team_app: TeamApp,
) -> None:
    # GIVEN the team's gateway serving the platform's endpoint by its ARNs
    template = team_app.template("Team")
    statements = _with_action(template, "sagemaker:InvokeEndpoint")
    # THEN exactly the two ARNs given are allowed, with the invoke actions only
    assert len(statements) == 1
    assert sorted(statements[0]["Action"]) == INVOKE_ACTIONS
    assert sorted(statements[0]["Resource"]) == sorted(
        [_endpoint_arn(), _component_arn(team_app.component_name)]
    )


def test_team_routing_config_names_the_imported_guardrail_and_endpoint(team_app: TeamApp) -> None:
    # GIVEN the hosted routing config of the team's gateway
    template = team_app.template("Team")
    (version,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::AppConfig::HostedConfigurationVersion"
    ]
    # (the tenants' application inference profile ARNs are nested-stack outputs: rendered)
    content = version["Properties"]["Content"]
    config = json.loads(content if isinstance(content, str) else _with_refs(content))
    # THEN the guardrail and the endpoint are the literal attributes given
    assert config["guardrail"] == {
        "identifier": "abc123def456",
        "version": "3",
        "arn": GUARDRAIL_ARN,
    }
    assert config["models"]["llama"] == {
        "kind": "sagemaker",
        "endpoint_name": ENDPOINT_NAME,
        "inference_component_name": team_app.component_name,
    }


def test_caller_role_invokes_exactly_the_imported_api_routes(team_app: TeamApp) -> None:
    # GIVEN the caller role built from the imported API's attributes
    template = team_app.template("Caller")
    (statement,) = _with_action(template, "execute-api:Invoke")
    # THEN the routes name the API id, account, Region and stage: no wildcard
    assert sorted(_text(r) for r in statement["Resource"]) == sorted(
        [
            f"arn:aws:execute-api:{REGION}:{GENAI}:{API_ID}/prod/POST/v1/chat",
            f"arn:aws:execute-api:{REGION}:{GENAI}:{API_ID}/prod/POST/v1/chat/completions",
            f"arn:aws:execute-api:{REGION}:{GENAI}:{API_ID}/prod/POST/v1/feedback",
            f"arn:aws:execute-api:{REGION}:{GENAI}:{API_ID}/prod/GET/v1/models",
            f"arn:aws:execute-api:{REGION}:{GENAI}:{API_ID}/prod/POST/v1/retrieve",
        ]
    )
    # AND no acknowledgement of wildcard routes was needed
    acknowledged = team_app.report.acknowledged_in("Caller")
    assert not [a for a in acknowledged if "execute-api" in a.finding_id]


# --------------------------------------------------------------------------- interfaces


def test_interfaces_are_exported_and_implemented_by_constructs_and_imports(
    stack: cdk.Stack,
) -> None:
    # GIVEN owned constructs and imports of each kind
    guardrail = Guardrail(stack, "Owned")
    imported = Guardrail.from_guardrail_attributes(
        stack, "Imported", guardrail_arn=GUARDRAIL_ARN, version=3
    )
    endpoint = InferenceEndpoint.from_endpoint_attributes(
        stack, "Endpoint", endpoint_arn=_endpoint_arn()
    )
    api = GuardedInferenceApi.from_api_attributes(stack, "Api", api_id=API_ID, account=GENAI)
    # THEN each satisfies its interface, exported from the package
    assert {"IGuardrail", "IInferenceEndpoint", "IGuardedInferenceApi"} <= set(
        genai_platform.__all__
    )
    assert isinstance(guardrail, IGuardrail) and isinstance(imported, IGuardrail)
    assert isinstance(endpoint, IInferenceEndpoint)
    assert isinstance(api, IGuardedInferenceApi)
    assert not isinstance(endpoint, IGuardrail)


# --------------------------------------------------------------------------- Guardrail import


def test_imported_guardrail_exposes_the_attributes_given(stack: cdk.Stack) -> None:
    guardrail = Guardrail.from_guardrail_attributes(
        stack, "Imported", guardrail_arn=GUARDRAIL_ARN, version=3
    )
    assert guardrail.guardrail_id == "abc123def456"
    assert guardrail.guardrail_version == "3"
    assert guardrail.guardrail_version_arn == f"{GUARDRAIL_ARN}:3"
    assert (guardrail.account, guardrail.region) == (GENAI, REGION)
    assert guardrail.kms_key is None


def test_imported_guardrail_grant_apply_grants_exactly_the_arns_and_key_given(
    stack: cdk.Stack,
) -> None:
    # GIVEN an imported guardrail with a key and two profile ARNs
    key = kms.Key.from_key_arn(
        stack, "Key", f"arn:aws:kms:{REGION}:{GENAI}:key/11111111-2222-3333-4444-555555555555"
    )
    profiles = [
        f"arn:aws:bedrock:{r}:{GENAI}:guardrail-profile/us.guardrail.v1:0"
        for r in ("us-east-1", "us-west-2")
    ]
    guardrail = Guardrail.from_guardrail_attributes(
        stack,
        "Imported",
        guardrail_arn=GUARDRAIL_ARN,
        version="7",
        encryption_key=key,
        cross_region_profile_arns=profiles,
    )
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    # WHEN a role is granted
    guardrail.grant_apply(role)
    # THEN ApplyGuardrail on exactly the guardrail and profile ARNs, Decrypt on exactly the key
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "bedrock:ApplyGuardrail",
                        "Effect": "Allow",
                        "Resource": [GUARDRAIL_ARN, *profiles],
                    },
                    {"Action": "kms:Decrypt", "Effect": "Allow", "Resource": key.key_arn},
                ]
            }
        },
    )


def test_imported_guardrail_accepts_tokens(stack: cdk.Stack) -> None:
    # GIVEN the ARN and version read from SSM parameters at deploy time
    arn = ssm.StringParameter.value_for_string_parameter(stack, "/governance/guardrail-arn")
    version = ssm.StringParameter.value_for_string_parameter(stack, "/governance/guardrail-ver")
    guardrail = Guardrail.from_guardrail_attributes(
        stack, "Imported", guardrail_arn=arn, version=version
    )
    # THEN the version ARN joins them and the id is the ARN's last part, resolved at deploy time
    resolved = stack.resolve(guardrail.guardrail_version_arn)
    assert "Fn::Join" in resolved
    assert "Fn::Select" in json.dumps(stack.resolve(guardrail.guardrail_id))


def test_imported_guardrail_metrics_name_its_arn_and_version(stack: cdk.Stack) -> None:
    guardrail = Guardrail.from_guardrail_attributes(
        stack, "Imported", guardrail_arn=GUARDRAIL_ARN, version="3"
    )
    metric = guardrail.metric_interventions()
    assert metric.metric_name == "InvocationsIntervened"
    assert metric.namespace == "AWS/Bedrock/Guardrails"
    assert stack.resolve(metric.to_metric_config().metric_stat.dimensions) == [  # type: ignore[union-attr]
        {"name": "GuardrailArn", "value": GUARDRAIL_ARN},
        {"name": "GuardrailVersion", "value": "3"},
    ]


def test_imported_guardrail_of_another_account_says_it_needs_a_resource_policy(
    stack: cdk.Stack,
) -> None:
    guardrail = Guardrail.from_guardrail_attributes(
        stack,
        "Imported",
        guardrail_arn=f"arn:aws:bedrock:{REGION}:{OTHER}:guardrail/abc123def456",
        version="3",
    )
    guardrail.grant_apply(iam.Role(stack, "R", assumed_by=iam.AccountRootPrincipal()))
    Annotations.from_stack(stack).has_info(
        "/Test/Imported", Match.string_like_regexp("resource-based policy")
    )


def test_fails_when_guardrail_attributes_are_malformed(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError) as raised:
        Guardrail.from_guardrail_attributes(
            stack,
            "Imported",
            guardrail_arn=f"{GUARDRAIL_ARN}:3",
            version="DRAFT",
            cross_region_profile_arns=["us.guardrail.v1:0"],
        )
    message = str(raised.value)
    # THEN one error lists every attribute with its value and what is allowed
    assert "3 problems" in message
    assert f"guardrail_arn: '{GUARDRAIL_ARN}:3' is not a guardrail ARN" in message
    assert "no version: pass the version as version" in message
    assert "version: 'DRAFT' is not a published guardrail version" in message
    assert "cross_region_profile_arns: 'us.guardrail.v1:0' is not a guardrail profile ARN" in (
        message
    )
    assert not stack.node.try_find_child("Imported")


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"guardrail_arn": "abc123def456"}, "guardrail_arn: 'abc123def456' is not a guardrail"),
        (
            {"guardrail_arn": "arn:aws:bedrock:us-east-1:2222:guardrail/abc"},
            "guardrail_arn: 'arn:aws:bedrock:us-east-1:2222:guardrail/abc'",
        ),
        (
            {"guardrail_arn": "arn:aws:s3:us-east-1:222222222222:guardrail/abc"},
            "is not a guardrail ARN",
        ),
        ({"version": 0}, "version: 0 is not a published guardrail version"),
        ({"version": "1.5"}, "version: '1.5' is not a published"),
        ({"version": True}, "version: True is not a published"),
        ({"encryption_key": "alias/x"}, "encryption_key: 'alias/x' is not a KMS key"),
        (
            {"cross_region_profile_arns": "arn:x"},
            "cross_region_profile_arns: 'arn:x' is not a list",
        ),
    ],
)
def test_fails_when_one_guardrail_attribute_is_wrong(
    stack: cdk.Stack, attributes: dict[str, Any], expected: str
) -> None:
    props: dict[str, Any] = {"guardrail_arn": GUARDRAIL_ARN, "version": "3", **attributes}
    with pytest.raises(ValueError, match=re.escape(expected)):
        Guardrail.from_guardrail_attributes(stack, "Imported", **props)


def test_catalogue_grant_invoke_accepts_an_imported_guardrail(stack: cdk.Stack) -> None:
    # GIVEN a catalogue and a guardrail another stack owns
    guardrail = Guardrail.from_guardrail_attributes(
        stack, "Imported", guardrail_arn=GUARDRAIL_ARN, version="3"
    )
    catalog = ModelCatalog(stack, "Models", models=[SONNET])
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    # WHEN the role is granted
    catalog.grant_invoke(role, guardrail)
    # THEN the invoke permission requires that guardrail and ApplyGuardrail names its ARN only
    template = Template.from_stack(stack).to_json()
    invoke = _with_action(template, "bedrock:InvokeModel")
    assert invoke
    assert all(
        s["Condition"]["StringLike"][GUARDRAIL_CONDITION_KEY] == f"{GUARDRAIL_ARN}:*"
        for s in invoke
    )
    (apply,) = _with_action(template, "bedrock:ApplyGuardrail")
    assert apply["Resource"] == GUARDRAIL_ARN


# --------------------------------------------------------------------------- endpoint import


def test_imported_endpoint_names_come_from_its_arns(stack: cdk.Stack) -> None:
    endpoint = InferenceEndpoint.from_endpoint_attributes(
        stack,
        "Endpoint",
        endpoint_arn=_endpoint_arn(),
        inference_component_arn=_component_arn("llama-3-8b-ic"),
    )
    assert endpoint.endpoint_name == ENDPOINT_NAME
    assert endpoint.inference_component_name == "llama-3-8b-ic"
    assert (endpoint.account, endpoint.region) == (GENAI, REGION)


def test_imported_endpoint_grant_invoke_grants_exactly_the_arns_given(stack: cdk.Stack) -> None:
    endpoint = InferenceEndpoint.from_endpoint_attributes(
        stack,
        "Endpoint",
        endpoint_arn=_endpoint_arn(),
        inference_component_arn=_component_arn("llama-3-8b-ic"),
    )
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    endpoint.grant_invoke(role)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": INVOKE_ACTIONS,
                        "Effect": "Allow",
                        "Resource": [_endpoint_arn(), _component_arn("llama-3-8b-ic")],
                    }
                ]
            }
        },
    )


def test_imported_endpoint_metrics_name_the_component(stack: cdk.Stack) -> None:
    endpoint = InferenceEndpoint.from_endpoint_attributes(
        stack,
        "Endpoint",
        endpoint_arn=_endpoint_arn(),
        inference_component_arn=_component_arn("llama-3-8b-ic"),
    )
    metric = endpoint.metric_model_latency()
    assert metric.metric_name == "ModelLatency"
    assert stack.resolve(metric.to_metric_config().metric_stat.dimensions) == [  # type: ignore[union-attr]
        {"name": "InferenceComponentName", "value": "llama-3-8b-ic"}
    ]


def test_imported_endpoint_accepts_tokens(stack: cdk.Stack) -> None:
    arn = ssm.StringParameter.value_for_string_parameter(stack, "/platform/llama-endpoint-arn")
    endpoint = InferenceEndpoint.from_endpoint_attributes(stack, "Endpoint", endpoint_arn=arn)
    assert "Fn::Select" in json.dumps(stack.resolve(endpoint.endpoint_name))
    assert endpoint.inference_component_arn is None


def test_fails_when_endpoint_attributes_are_malformed(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError) as raised:
        InferenceEndpoint.from_endpoint_attributes(
            stack,
            "Endpoint",
            endpoint_arn=ENDPOINT_NAME,
            inference_component_arn=f"arn:aws:sagemaker:{REGION}:{GENAI}:endpoint/x",
        )
    message = str(raised.value)
    assert "2 problems" in message
    assert f"endpoint_arn: '{ENDPOINT_NAME}' is not a SageMaker endpoint ARN" in message
    assert "inference_component_arn: 'arn:aws:sagemaker:us-east-1:222222222222:endpoint/x' is " in (
        message
    )


def test_fails_when_the_component_is_in_another_account_or_region(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError) as raised:
        InferenceEndpoint.from_endpoint_attributes(
            stack,
            "Endpoint",
            endpoint_arn=_endpoint_arn(),
            inference_component_arn=_component_arn("ic", account=OTHER, region="eu-west-1"),
        )
    message = str(raised.value)
    assert "is in region 'eu-west-1' but endpoint_arn in 'us-east-1'" in message
    assert f"is in account '{OTHER}' but endpoint_arn in '{GENAI}'" in message


# --------------------------------------------------------------------------- API import


def test_imported_api_grant_invoke_grants_exactly_its_routes(stack: cdk.Stack) -> None:
    api = GuardedInferenceApi.from_api_attributes(
        stack, "Api", api_id=API_ID, account=GENAI, region="eu-west-1", stage_name="v2"
    )
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    api.grant_invoke(role)
    routes = [
        f"arn:aws:execute-api:eu-west-1:{GENAI}:{API_ID}/v2/{route}"
        for route in (
            "POST/v1/chat",
            "POST/v1/chat/completions",
            "POST/v1/feedback",
            "GET/v1/models",
            "POST/v1/retrieve",
        )
    ]
    (statement,) = _with_action(Template.from_stack(stack).to_json(), "execute-api:Invoke")
    assert statement["Action"] == "execute-api:Invoke"
    assert sorted(_text(r) for r in statement["Resource"]) == sorted(routes)
    assert api.api_key_secret_name("team-a") == "genai/gateway/team-a/api-key"


def test_fails_when_api_attributes_are_malformed(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError) as raised:
        GuardedInferenceApi.from_api_attributes(
            stack,
            "Api",
            api_id="https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
            account="2222",
            region="us-east",
            stage_name="prod/v1",
            name_prefix="X",
        )
    message = str(raised.value)
    assert "5 problems" in message
    for expected in (
        "api_id: 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com' is not a REST API id",
        "account: '2222' is not a 12-digit AWS account id",
        "region: 'us-east' is not an AWS region name",
        "stage_name: 'prod/v1' is not allowed",
        "name_prefix: 'X' is not allowed",
    ):
        assert expected in message


# --------------------------------------------------------------------------- across environments


def _team_props(stack: cdk.Stack) -> dict[str, Any]:
    return {
        "guardrail": Guardrail.from_guardrail_attributes(
            stack, "ImportedGuardrail", guardrail_arn=GUARDRAIL_ARN, version="3"
        ),
        "model_catalog": ModelCatalog(stack, "Models", models=[SONNET], aliases={"chat": SONNET}),
        "tenants": [TEAM_A],
    }


def test_fails_when_an_owned_endpoint_of_another_account_is_self_hosted() -> None:
    # GIVEN an endpoint built by a stack in another account
    app = cdk.App()
    platform = cdk.Stack(app, "Platform", env=cdk.Environment(account=OTHER, region=REGION))
    endpoint = InferenceEndpoint(
        platform,
        "Llama",
        instance_type="ml.inf2.xlarge",
        model_data_uri=f"s3://genai-models-{OTHER}/llama-3-8b/neuron/",
    )
    team = cdk.Stack(app, "Team", env=GENAI_ENV)
    # WHEN the team's gateway is given the construct itself THEN it is refused: only ARNs travel
    with pytest.raises(ValueError) as raised:
        GuardedInferenceApi(
            team, "Gateway", self_hosted_models={"llama": endpoint}, **_team_props(team)
        )
    message = str(raised.value)
    assert "self_hosted_models['llama']: 'Platform/Llama' belongs to stack 'Platform'" in message
    assert "pass InferenceEndpoint.from_endpoint_attributes(...)" in message
    assert not team.node.try_find_child("Gateway")


def test_fails_when_an_owned_guardrail_of_another_account_is_given() -> None:
    app = cdk.App()
    governance = cdk.Stack(app, "Governance", env=cdk.Environment(account=OTHER, region=REGION))
    guardrail = Guardrail(governance, "Guardrail")
    team = cdk.Stack(app, "Team", env=GENAI_ENV)
    props = {**_team_props(team), "guardrail": guardrail}
    with pytest.raises(ValueError, match=r"guardrail: 'Governance/Guardrail' belongs to stack"):
        GuardedInferenceApi(team, "Gateway", **props)


def test_fails_when_an_imported_endpoint_is_in_another_account_or_region(
    stack: cdk.Stack,
) -> None:
    endpoint = InferenceEndpoint.from_endpoint_attributes(
        stack,
        "Elsewhere",
        endpoint_arn=_endpoint_arn(account=OTHER, region="eu-west-1"),
        inference_component_arn=_component_arn("ic", account=OTHER, region="eu-west-1"),
    )
    with pytest.raises(ValueError) as raised:
        GuardedInferenceApi(
            stack, "Gateway", self_hosted_models={"llama": endpoint}, **_team_props(stack)
        )
    message = str(raised.value)
    assert f"'llama' maps to an endpoint in account '{OTHER}', but the API is in account" in (
        message
    )
    assert "'llama' maps to an endpoint in Region 'eu-west-1'" in message


def test_fails_when_an_imported_endpoint_has_no_component(stack: cdk.Stack) -> None:
    endpoint = InferenceEndpoint.from_endpoint_attributes(
        stack, "NoComponent", endpoint_arn=_endpoint_arn()
    )
    with pytest.raises(ValueError, match=r"'llama' maps to .*imported without inference_comp"):
        GuardedInferenceApi(
            stack, "Gateway", self_hosted_models={"llama": endpoint}, **_team_props(stack)
        )


def test_fails_when_guardrail_is_not_a_guardrail(stack: cdk.Stack) -> None:
    props = {**_team_props(stack), "guardrail": GUARDRAIL_ARN}
    with pytest.raises(ValueError, match=r"give a Guardrail or Guardrail.from_guardrail_attrib"):
        GuardedInferenceApi(stack, "Gateway", **props)


# --------------------------------------------------------------------------- caller role


def _role_statement(stack: cdk.Stack, sid: str) -> dict[str, Any]:
    template = Template.from_stack(stack).to_json()
    (statement,) = [s for s in _statements(template) if s.get("Sid") == sid]
    return statement


def test_caller_role_for_an_api_of_another_account_wildcards_only_the_api_id() -> None:
    # GIVEN the platform's own API (a construct) in the generative-AI account's stack
    app = cdk.App()
    genai = cdk.Stack(app, "GenAi", env=GENAI_ENV)
    props = {**_team_props(genai), "tenants": [replace(TEAM_A, aliases=["chat"])]}
    api = GuardedInferenceApi(genai, "Gateway", **props, stage_name="v2")
    caller = cdk.Stack(app, "Caller", env=APP_ENV)
    # WHEN a caller role in the application account is given the construct
    GatewayCallerRole(
        caller,
        "Caller",
        tenant_id="team-a",
        api=api,
        assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    )
    # THEN only names travel: account, Region and stage from the API, the id wildcarded
    statement = _role_statement(caller, "InvokeTheInferenceApiRoutes")
    assert _text(statement["Resource"][0]) == (
        f"arn:aws:execute-api:{REGION}:{GENAI}:*/v2/POST/v1/chat"
    )
    assert "Fn::ImportValue" not in json.dumps(Template.from_stack(caller).to_json())


def test_fails_when_caller_role_gets_api_and_its_attributes(stack: cdk.Stack) -> None:
    api = GuardedInferenceApi.from_api_attributes(stack, "Api", api_id=API_ID, account=GENAI)
    with pytest.raises(ValueError) as raised:
        GatewayCallerRole(
            stack,
            "Caller",
            tenant_id="team-a",
            api=api,
            genai_account=GENAI,
            stage_name="prod",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
        )
    message = str(raised.value)
    assert "genai_account: '222222222222' is given with api" in message
    assert "stage_name: 'prod' is given with api" in message


def test_fails_when_caller_role_gets_neither_api_nor_account(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError) as raised:
        GatewayCallerRole(
            stack,
            "Caller",
            tenant_id="team-a",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
        )
    message = str(raised.value)
    assert "(1 problems)" in message
    assert "genai_account: None; give the generative-AI account's 12-digit id, or give api" in (
        message
    )


def test_imported_endpoint_without_component_grants_the_endpoint_arn_only(
    stack: cdk.Stack,
) -> None:
    endpoint = InferenceEndpoint.from_endpoint_attributes(
        stack, "Endpoint", endpoint_arn=_endpoint_arn()
    )
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    endpoint.grant_invoke(role)
    (statement,) = _with_action(Template.from_stack(stack).to_json(), "sagemaker:InvokeEndpoint")
    assert statement["Resource"] == _endpoint_arn()
    metric = endpoint.metric_invocations()
    assert stack.resolve(metric.to_metric_config().metric_stat.dimensions) == [  # type: ignore[union-attr]
        {"name": "EndpointName", "value": ENDPOINT_NAME},
        {"name": "VariantName", "value": "AllTraffic"},
    ]
