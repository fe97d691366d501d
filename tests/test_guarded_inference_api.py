"""GuardedInferenceApi and GatewayCallerRole: API, protections, functions, data, IAM, validation,
nag and cfn-lint."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Annotations, Match, Template

from genai_platform.checks import lint_template
from genai_platform.compliance import NagReport, add_nag_packs, synth_and_report
from genai_platform.constructs.guardrail import Guardrail
from genai_platform.constructs.inference_endpoint import EndpointMode, InferenceEndpoint
from genai_platform.constructs.model_catalog import GUARDRAIL_CONDITION_KEY, ModelCatalog
from genai_platform.constructs.private_network import PrivateNetwork, pin_availability_zones
from genai_platform.patterns import guarded_inference_api as gia
from genai_platform.patterns.guarded_inference_api import (
    DEFAULT_POWERTOOLS_LAYER_VERSION,
    CallTimeouts,
    GatewayCallerRole,
    GuardedInferenceApi,
    RequestLimits,
    RetryPolicy,
    Tenant,
)
from tests.conftest import TEST_ENV, TEST_ZONES

GENAI = "222222222222"
APP = "111111111111"
ORG = "o-a1b2c3d4e5"
SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA = "us.amazon.nova-lite-v1:0"
TITAN = "amazon.titan-embed-text-v2:0"
ROLE_A = f"arn:aws:iam::{APP}:role/genai-team-a-gateway-caller"
ROLE_A2 = f"arn:aws:iam::{APP}:role/batch/team-a-batch"
ROLE_B = "arn:aws:iam::333333333333:user/team-b-bot"
TEAM_A = Tenant(
    id="team-a",
    principals=[ROLE_A, ROLE_A2],
    aliases=["chat", "fast", "llama"],
    monthly_token_quota=2_000_000,
    rate_limit_rps=15,
    burst_limit=30,
    monthly_request_quota=500_000,
)
TEAM_B = Tenant(id="team-b", principals=[ROLE_B], aliases=["fast"], log_content=True)
APP_ENV = cdk.Environment(account=APP, region="us-east-1")
ROUTES = [
    ("POST", "/v1/chat"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/feedback"),
    ("GET", "/v1/models"),
    ("POST", "/v1/retrieve"),
]
REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- building blocks


@dataclass
class Models:
    """What the pattern composes: a guardrail, a catalogue and one self-hosted endpoint."""

    guardrail: Guardrail
    catalog: ModelCatalog
    endpoint: InferenceEndpoint


def _models(stack: cdk.Stack) -> Models:
    return Models(
        guardrail=Guardrail(stack, "Guardrail"),
        catalog=ModelCatalog(
            stack,
            "Models",
            models=[SONNET, NOVA, TITAN],
            aliases={"chat": SONNET, "fast": NOVA, "embed": TITAN, "Chat.Big": SONNET},
            default_alias="chat",
        ),
        endpoint=InferenceEndpoint(
            stack,
            "Llama",
            instance_type="ml.inf2.xlarge",
            model_data_uri="s3://genai-models-222222222222/llama-3-8b/neuron/",
        ),
    )


def _api(
    stack: cdk.Stack, models: Models, id: str = "Gateway", **props: Any
) -> GuardedInferenceApi:
    defaults: dict[str, Any] = {
        "guardrail": models.guardrail,
        "model_catalog": models.catalog,
        "self_hosted_models": {"llama": models.endpoint},
        "fallbacks": {"llama": "chat"},
        "tenants": [TEAM_A, TEAM_B],
        "features": ["search", "summarize"],
    }
    return GuardedInferenceApi(stack, id, **{**defaults, **props})


@dataclass
class Synth:
    """One synthesized app: the gateway's template and, when built, the caller's."""

    assembly_dir: Path
    report: NagReport
    api: GuardedInferenceApi
    models: Models

    def template_json(self, stack: str = "Test") -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.assembly_dir / f"{stack}.template.json").read_text("utf-8")
        )
        return data

    def template(self, stack: str = "Test") -> Template:
        return Template.from_json(self.template_json(stack))

    def resources(self, type_: str, stack: str = "Test") -> dict[str, dict[str, Any]]:
        return {
            k: v for k, v in self.template_json(stack)["Resources"].items() if v["Type"] == type_
        }

    def only(self, type_: str, stack: str = "Test") -> tuple[str, dict[str, Any]]:
        found = self.resources(type_, stack)
        assert len(found) == 1, sorted(found)
        return next(iter(found.items()))

    def nested_templates(self) -> list[dict[str, Any]]:
        """The templates of the gateway's nested stacks (the tenants' keys and plans)."""
        return [
            json.loads(path.read_text("utf-8"))
            for path in sorted(self.assembly_dir.glob("*.nested.template.json"))
        ]

    def nested(self, type_: str) -> dict[str, dict[str, Any]]:
        """Resources of ``type_`` across the nested stacks."""
        return {
            k: v
            for template in self.nested_templates()
            for k, v in template["Resources"].items()
            if v["Type"] == type_
        }

    def from_parent(self, value: Any) -> Any:
        """What the parent stack passes for a nested template's ``{"Ref": <parameter>}``."""
        name = value["Ref"]
        for stack in self.resources("AWS::CloudFormation::Stack").values():
            parameters = stack["Properties"].get("Parameters", {})
            if name in parameters:
                return parameters[name]
        raise AssertionError(f"no nested stack parameter {name}")

    def logical_id(self, construct: Any) -> str:
        stack = cdk.Stack.of(construct)
        child = construct.node.default_child or construct
        return str(stack.resolve(child.logical_id))


def _synth(
    tmp: Path, build: Callable[[cdk.Stack, Models], GuardedInferenceApi], *, caller: bool = False
) -> Synth:
    app = cdk.App(outdir=str(tmp / "cdk.out"))
    add_nag_packs(app)
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    pin_availability_zones(stack, TEST_ZONES)
    models = _models(stack)
    api = build(stack, models)
    if caller:
        app_stack = cdk.Stack(app, "App", env=APP_ENV)
        GatewayCallerRole(
            app_stack,
            "TeamACaller",
            tenant_id="team-a",
            genai_account=GENAI,
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
        )
    assembly_dir, report = synth_and_report(app)
    return Synth(assembly_dir, report, api, models)


@pytest.fixture(scope="module")
def regional(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Defaults (REGIONAL, no network), two tenants, one self-hosted model; plus an
    application-account stack with team A's caller role."""
    return _synth(tmp_path_factory.mktemp("regional"), _api, caller=True)


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """PRIVATE through the private network's (new) execute-api endpoint, organization check,
    X-Ray tracing on."""

    def build(stack: cdk.Stack, models: Models) -> GuardedInferenceApi:
        network = PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES)
        return _api(
            stack,
            models,
            endpoint_type=apigateway.EndpointType.PRIVATE,
            private_network=network,
            organization_id=ORG,
            tracing=True,
        )

    return _synth(tmp_path_factory.mktemp("private"), build)


@pytest.fixture(scope="module")
def parts() -> Iterator[tuple[cdk.Stack, Models]]:
    """A stack with the composed constructs, for validation tests (nothing is synthesized;
    a refused gateway adds nothing to the tree)."""
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    yield stack, _models(stack)


def _rendered(value: Any, values: Mapping[str, str] | None = None) -> str:
    """A CloudFormation string value as text: Fn::Join flattened, references replaced by
    ``values[attribute or logical id]`` or ``<ref>``."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        return "".join(_rendered(part, values) for part in value["Fn::Join"][1])
    key = value["Fn::GetAtt"][1] if "Fn::GetAtt" in value else value.get("Ref", "")
    return (values or {}).get(key, f"<{key}>")


def _environment(synth: Synth, function: str) -> dict[str, Any]:
    logical_id = synth.logical_id(getattr(synth.api, function))
    resource = synth.template_json()["Resources"][logical_id]
    variables: dict[str, Any] = resource["Properties"]["Environment"]["Variables"]
    return variables


GUARDRAIL_VALUES = {
    "GuardrailId": "abc123def456",
    "Version": "3",
    "GuardrailArn": f"arn:aws:bedrock:us-east-1:{GENAI}:guardrail/abc123def456",
}


def _hosted_config_version(synth: Synth) -> dict[str, Any]:
    _, version = synth.only("AWS::AppConfig::HostedConfigurationVersion")
    return version


class _DeployedValues(dict[str, str]):
    """Deploy-time values as CloudFormation would fill them in: the guardrail's attributes, and
    an application inference profile ARN for each profile a nested stack outputs."""

    def get(self, key: str, default: Any = None) -> Any:
        if key.startswith("Outputs.") and key.endswith("InferenceProfileArn"):
            suffix = key.removeprefix("Outputs.")[-32:-19].lower()
            return f"arn:aws:bedrock:us-east-1:{GENAI}:application-inference-profile/{suffix}"
        return super().get(key, default)


def _gateway_config(synth: Synth) -> dict[str, Any]:
    """The routing config as AppConfig serves it: the hosted version's content, with the
    guardrail's attributes and the tenants' profile ARNs rendered."""
    content = _hosted_config_version(synth)["Properties"]["Content"]
    config: dict[str, Any] = json.loads(_rendered(content, _DeployedValues(GUARDRAIL_VALUES)))
    return config


def _policy_statements(synth: Synth, role_logical_id: str) -> list[dict[str, Any]]:
    """Statements of every managed policy attached to a role."""
    statements: list[dict[str, Any]] = []
    for policy in synth.resources("AWS::IAM::ManagedPolicy").values():
        if {"Ref": role_logical_id} in policy["Properties"].get("Roles", []):
            found = policy["Properties"]["PolicyDocument"]["Statement"]
            statements += found if isinstance(found, list) else [found]
    return statements


def _role_of(synth: Synth, function: str) -> str:
    logical_id = synth.logical_id(getattr(synth.api, function))
    role = synth.template_json()["Resources"][logical_id]["Properties"]["Role"]
    return str(role["Fn::GetAtt"][0])


def _actions(statement: Mapping[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def _resource_policy(synth: Synth) -> list[dict[str, Any]]:
    _, api = synth.only("AWS::ApiGateway::RestApi")
    statements: list[dict[str, Any]] = api["Properties"]["Policy"]["Statement"]
    return statements


def _statement(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    (match,) = [s for s in statements if s.get("Sid") == sid]
    return match


# --------------------------------------------------------------------------- API and routes


def test_every_method_uses_iam_authorization_and_an_api_key(regional: Synth) -> None:
    # GIVEN the gateway WHEN synthesized THEN all four methods are AWS_IAM with an API key
    methods = regional.resources("AWS::ApiGateway::Method")
    assert len(methods) == 4
    for method in methods.values():
        assert method["Properties"]["AuthorizationType"] == "AWS_IAM"
        assert method["Properties"]["ApiKeyRequired"] is True


def test_routes_go_to_the_right_function_as_lambda_proxy(regional: Synth) -> None:
    # GIVEN the four routes THEN chat, chat/completions and models reach the invoke function,
    # feedback its own
    resources = regional.template_json()["Resources"]
    routes = {}
    for method in regional.resources("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        assert props["Integration"]["Type"] == "AWS_PROXY"
        path = resources[props["ResourceId"]["Ref"]]["Properties"]["PathPart"]
        (target,) = [
            part["Fn::GetAtt"][0]
            for part in props["Integration"]["Uri"]["Fn::Join"][1]
            if isinstance(part, dict) and "Fn::GetAtt" in part
        ]
        routes[(props["HttpMethod"], path)] = target
    invoke = regional.logical_id(regional.api.invoke_function)
    feedback = regional.logical_id(regional.api.feedback_function)
    assert routes == {
        ("POST", "chat"): invoke,
        ("POST", "completions"): invoke,
        ("GET", "models"): invoke,
        ("POST", "feedback"): feedback,
    }


def test_chat_completions_body_is_validated_against_its_openai_shaped_model(
    regional: Synth,
) -> None:
    # GIVEN the OpenAI-compatible route THEN its body is checked against its own model
    models = regional.resources("AWS::ApiGateway::Model")
    (name,) = [k for k, m in models.items() if m["Properties"]["Name"] == "ChatCompletionsRequest"]
    schema = models[name]["Properties"]["Schema"]
    assert schema["required"] == ["messages"]
    assert schema["additionalProperties"] is False
    roles = schema["properties"]["messages"]["items"]["properties"]["role"]["enum"]
    assert roles == ["system", "developer", "user", "assistant"]
    assert schema["properties"]["stream"] == {"type": "boolean", "enum": [False]}
    resources = regional.template_json()["Resources"]
    (method,) = [
        m["Properties"]
        for m in regional.resources("AWS::ApiGateway::Method").values()
        if resources[m["Properties"]["ResourceId"]["Ref"]]["Properties"]["PathPart"]
        == "completions"
    ]
    assert method["RequestModels"] == {
        "application/json": {"Ref": name},
        "$default": {"Ref": name},
    }


def test_regional_api_has_no_vpc_endpoint(regional: Synth) -> None:
    regional.template().has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {
            "Name": "genai-gateway",
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
            "ApiKeySourceType": "HEADER",
        },
    )
    assert regional.api.vpc_endpoint is None


def test_resource_policy_allows_only_the_tenant_principals_on_the_routes(regional: Synth) -> None:
    # GIVEN tenants in two accounts THEN the Allow names both accounts and the exact role ARNs
    allow = _statement(_resource_policy(regional), "AllowTenantPrincipals")
    assert allow["Effect"] == "Allow"
    assert allow["Action"] == "execute-api:Invoke"
    assert sorted(allow["Resource"]) == sorted(
        f"execute-api:/prod/{method}{path}" for method, path in ROUTES
    )
    accounts = sorted(_rendered(p) for p in allow["Principal"]["AWS"])
    assert accounts == [
        f"arn:<AWS::Partition>:iam::{APP}:root",
        "arn:<AWS::Partition>:iam::333333333333:root",
    ]
    assert allow["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [ROLE_A, ROLE_A2, ROLE_B]}}


def test_resource_policy_denies_everyone_else(regional: Synth) -> None:
    deny = _statement(_resource_policy(regional), "DenyEveryoneElse")
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == {"AWS": "*"}
    assert deny["Resource"] == "execute-api:/*"
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": [ROLE_A, ROLE_A2, ROLE_B]}}


def test_resource_policy_of_regional_api_has_no_org_or_vpce_statement(regional: Synth) -> None:
    sids = {s["Sid"] for s in _resource_policy(regional)}
    assert sids == {"AllowTenantPrincipals", "DenyEveryoneElse"}


def test_resource_policy_requires_the_organization_when_given(private: Synth) -> None:
    deny = _statement(_resource_policy(private), "DenyPrincipalsOutsideTheOrganization")
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"StringNotEquals": {"aws:PrincipalOrgID": ORG}}


def test_private_api_denies_requests_not_through_its_vpc_endpoint(private: Synth) -> None:
    deny = _statement(_resource_policy(private), "DenyRequestsNotThroughTheVpcEndpoint")
    vpce = deny["Condition"]["StringNotEquals"]["aws:SourceVpce"]
    assert deny["Effect"] == "Deny"
    private.template().has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {"EndpointConfiguration": {"Types": ["PRIVATE"], "VpcEndpointIds": [vpce]}},
    )
    assert private.api.vpc_endpoint is not None
    assert vpce == {"Ref": private.logical_id(private.api.vpc_endpoint)}


def test_private_api_creates_an_execute_api_endpoint_in_the_network(private: Synth) -> None:
    # GIVEN a network without an execute-api endpoint THEN one is created in its isolated
    # subnets, behind its endpoint security group, letting only the tenants invoke the routes
    endpoint = private.api.vpc_endpoint
    assert endpoint is not None
    logical_id = private.logical_id(endpoint)
    props = private.template_json()["Resources"][logical_id]["Properties"]
    assert props["ServiceName"] == "com.amazonaws.us-east-1.execute-api"
    assert props["PrivateDnsEnabled"] is True
    (statement,) = props["PolicyDocument"]["Statement"]
    assert statement["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [ROLE_A, ROLE_A2, ROLE_B]}}
    assert sorted(_rendered(r) for r in statement["Resource"]) == sorted(
        f"arn:<AWS::Partition>:execute-api:us-east-1:{GENAI}:*/prod/{m}{p}" for m, p in ROUTES
    )


# --------------------------------------------------------------------------- stage


def test_access_logs_go_to_a_kms_encrypted_log_group_with_retention(regional: Synth) -> None:
    _, stage = regional.only("AWS::ApiGateway::Stage")
    destination = stage["Properties"]["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
    group = regional.template_json()["Resources"][destination]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["Properties"]["KmsKeyId"] == {
        "Fn::GetAtt": [regional.logical_id(regional.api.encryption_key), "Arn"]
    }


def test_access_log_lines_are_json_with_request_id_caller_status_and_latency(
    regional: Synth,
) -> None:
    _, stage = regional.only("AWS::ApiGateway::Stage")
    line = json.loads(stage["Properties"]["AccessLogSetting"]["Format"])
    assert line["requestId"] == "$context.requestId"
    assert line["userArn"] == "$context.identity.userArn"
    assert line["caller"] == "$context.identity.caller"
    assert line["status"] == "$context.status"
    assert line["latencyMs"] == "$context.responseLatency"


def test_stage_traces_throttles_and_logs_errors_without_bodies(regional: Synth) -> None:
    regional.template().has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "prod",
            "TracingEnabled": True,
            "MethodSettings": [
                Match.object_like(
                    {
                        "HttpMethod": "*",
                        "ResourcePath": "/*",
                        "LoggingLevel": "ERROR",
                        "DataTraceEnabled": False,
                        "MetricsEnabled": True,
                        "CachingEnabled": False,
                        "ThrottlingRateLimit": 50,
                        "ThrottlingBurstLimit": 100,
                    }
                )
            ],
        },
    )


def test_execution_log_group_is_created_encrypted_with_retention(regional: Synth) -> None:
    api_id = regional.logical_id(regional.api.api)
    groups = regional.resources("AWS::Logs::LogGroup")
    (group,) = [
        g
        for g in groups.values()
        if "API-Gateway-Execution-Logs_" in json.dumps(g["Properties"].get("LogGroupName", ""))
    ]
    assert _rendered(group["Properties"]["LogGroupName"]) == (
        f"API-Gateway-Execution-Logs_<{api_id}>/prod"
    )
    assert group["Properties"]["RetentionInDays"] == 365
    assert "KmsKeyId" in group["Properties"]


def test_account_logging_role_is_left_alone_by_default(regional: Synth) -> None:
    # GIVEN defaults THEN the account-wide setting is untouched, and an info says what it needs
    assert regional.resources("AWS::ApiGateway::Account") == {}
    infos = Annotations.from_stack(cdk.Stack.of(regional.api)).find_info(
        "*", Match.string_like_regexp("cloud_watch_role is off")
    )
    assert infos


def test_account_logging_role_when_asked_for_uses_awss_managed_policy() -> None:
    # GIVEN cloud_watch_role=True WHEN built THEN the account's role gets the documented policy
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    _api(stack, _models(stack), cloud_watch_role=True)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::ApiGateway::Account", 1)
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": Match.object_like(
                {
                    "Statement": [
                        Match.object_like({"Principal": {"Service": "apigateway.amazonaws.com"}})
                    ]
                }
            ),
            "ManagedPolicyArns": [
                {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            ":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
                        ],
                    ]
                }
            ],
        },
    )


def test_gateway_errors_are_shaped_like_the_functions_errors(regional: Synth) -> None:
    responses = regional.resources("AWS::ApiGateway::GatewayResponse")
    by_type = {r["Properties"]["ResponseType"]: r["Properties"] for r in responses.values()}
    assert {"BAD_REQUEST_BODY", "ACCESS_DENIED", "THROTTLED", "QUOTA_EXCEEDED"} <= set(by_type)
    template = by_type["BAD_REQUEST_BODY"]["ResponseTemplates"]["application/json"]
    assert template.startswith('{"error":{"code":"BadRequest","message":')
    assert "validationErrorString" in template


# --------------------------------------------------------------------------- validation models


def test_request_validator_checks_bodies_and_parameters(regional: Synth) -> None:
    regional.template().has_resource_properties(
        "AWS::ApiGateway::RequestValidator",
        {"ValidateRequestBody": True, "ValidateRequestParameters": True},
    )


def _model_schema(synth: Synth, name: str) -> dict[str, Any]:
    (model,) = [
        m["Properties"]
        for m in synth.resources("AWS::ApiGateway::Model").values()
        if m["Properties"]["Name"] == name
    ]
    schema: dict[str, Any] = model["Schema"]
    return schema


def test_chat_schema_matches_the_contract(regional: Synth) -> None:
    schema = _model_schema(regional, "ChatRequest")
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["messages"]
    messages = schema["properties"]["messages"]
    assert (messages["minItems"], messages["maxItems"]) == (1, 50)
    item = messages["items"]
    assert item["additionalProperties"] is False
    assert item["properties"]["role"]["enum"] == ["user", "assistant"]
    assert item["properties"]["content"]["maxLength"] == 20_000
    assert schema["properties"]["max_tokens"] == {"type": "integer", "minimum": 1, "maximum": 4096}
    assert schema["properties"]["temperature"] == {"type": "number", "minimum": 0, "maximum": 1}
    assert set(schema["properties"]) == {
        "messages",
        "system",
        "max_tokens",
        "temperature",
        "model",
        "feature",
        "knowledge_base",
    }


def test_feedback_schema_matches_the_contract(regional: Synth) -> None:
    schema = _model_schema(regional, "FeedbackRequest")
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["response_id", "rating"]
    assert schema["properties"]["rating"]["enum"] == ["up", "down"]
    assert schema["properties"]["comment"]["maxLength"] == 1000


def test_posts_are_validated_for_every_content_type_and_get_models_is_not(regional: Synth) -> None:
    for method in regional.resources("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        if props["HttpMethod"] == "GET":
            assert "RequestValidatorId" not in props
            assert "RequestModels" not in props
        else:
            assert "RequestValidatorId" in props
            assert set(props["RequestModels"]) == {"application/json", "$default"}


def test_chat_schema_follows_custom_limits() -> None:
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    _api(stack, _models(stack), limits=RequestLimits(max_messages=7, max_message_chars=99))
    (model,) = [
        m["Properties"]["Schema"]
        for m in Template.from_stack(stack).find_resources("AWS::ApiGateway::Model").values()
        if m["Properties"]["Name"] == "ChatRequest"
    ]
    assert model["properties"]["messages"]["maxItems"] == 7
    assert model["properties"]["messages"]["items"]["properties"]["content"]["maxLength"] == 99


# --------------------------------------------------------------------------- tenants


def test_each_tenant_has_a_usage_plan_with_rate_burst_and_monthly_quota(regional: Synth) -> None:
    plans = {
        p["Properties"]["UsagePlanName"]: p["Properties"]
        for p in regional.nested("AWS::ApiGateway::UsagePlan").values()
    }
    assert set(plans) == {"genai-team-a", "genai-team-b"}
    assert plans["genai-team-a"]["Throttle"] == {"RateLimit": 15, "BurstLimit": 30}
    assert plans["genai-team-a"]["Quota"] == {"Limit": 500_000, "Period": "MONTH"}
    assert plans["genai-team-b"]["Throttle"] == {"RateLimit": 10, "BurstLimit": 20}
    assert regional.from_parent(plans["genai-team-a"]["ApiStages"][0]["Stage"]) == {
        "Ref": regional.logical_id(regional.api.stage)
    }


def test_tenants_keys_and_plans_live_in_nested_stacks_by_a_stable_bucket(
    regional: Synth,
) -> None:
    from genai_platform.patterns.guarded_inference_api.tenants import tenant_stack_index

    # GIVEN two tenants THEN each one's resources are in the nested stack of its bucket
    for tenant in ("team-a", "team-b"):
        secret = regional.api.api_key_secrets[tenant]
        assert cdk.Stack.of(secret).node.id == f"Stack{tenant_stack_index(tenant)}"
    assert regional.resources("AWS::ApiGateway::ApiKey") == {}


def test_api_keys_come_from_the_secrets_by_dynamic_reference(regional: Synth) -> None:
    keys = regional.nested("AWS::ApiGateway::ApiKey")
    assert len(keys) == 2
    for tenant in ("team-a", "team-b"):
        secret = regional.logical_id(regional.api.api_key_secrets[tenant])
        (key,) = [k for k in keys.values() if k["Properties"]["Name"] == f"genai-{tenant}"]
        assert key["Properties"]["Value"] == {
            "Fn::Join": [
                "",
                ["{{resolve:secretsmanager:", {"Ref": secret}, ":SecretString:api_key::}}"],
            ]
        }
    assert len(regional.nested("AWS::ApiGateway::UsagePlanKey")) == 2


def test_api_key_secret_is_named_kms_encrypted_and_generated(regional: Synth) -> None:
    logical_id = regional.logical_id(regional.api.api_key_secrets["team-a"])
    props = regional.nested("AWS::SecretsManager::Secret")[logical_id]["Properties"]
    assert props["Name"] == "genai/gateway/team-a/api-key"
    assert regional.from_parent(props["KmsKeyId"]) == {
        "Fn::GetAtt": [regional.logical_id(regional.api.api_key_encryption_key), "Arn"]
    }
    generator = props["GenerateSecretString"]
    assert generator["GenerateStringKey"] == "api_key"
    assert generator["PasswordLength"] == 40
    assert generator["ExcludePunctuation"] is True


def test_only_the_tenants_principals_may_read_its_api_key(regional: Synth) -> None:
    secret = regional.logical_id(regional.api.api_key_secrets["team-a"])
    (policy,) = [
        p["Properties"]["ResourcePolicy"]
        for p in regional.nested("AWS::SecretsManager::ResourcePolicy").values()
        if p["Properties"]["SecretId"] == {"Ref": secret}
    ]
    (statement,) = policy["Statement"]
    assert statement["Action"] == "secretsmanager:GetSecretValue"
    assert _rendered(statement["Principal"]["AWS"]) == f"arn:<AWS::Partition>:iam::{APP}:root"
    assert statement["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [ROLE_A, ROLE_A2]}}


def test_secrets_key_lets_the_tenants_decrypt_api_key_secrets_only_via_secrets_manager(
    regional: Synth,
) -> None:
    key = regional.logical_id(regional.api.api_key_encryption_key)
    statements = regional.template_json()["Resources"][key]["Properties"]["KeyPolicy"]["Statement"]
    # One statement for every tenant (key policies hold 32 KB); each secret's own policy
    # decides which principals may read it, and Secrets Manager decrypts only for them
    tenants = _statement(statements, "TenantsDecryptTheirApiKeysThroughSecretsManager")
    assert tenants["Action"] == "kms:Decrypt"
    principals = tenants["Principal"]["AWS"]
    principals = principals if isinstance(principals, list) else [principals]
    assert {_rendered(p) for p in principals} == {
        f"arn:<AWS::Partition>:iam::{a}:root" for a in (APP, "333333333333")
    }
    assert tenants["Condition"]["StringEquals"] == {
        "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"
    }
    assert _rendered(tenants["Condition"]["StringLike"]["kms:EncryptionContext:SecretARN"]) == (
        f"arn:<AWS::Partition>:secretsmanager:us-east-1:{GENAI}:secret:"
        "genai/gateway/*/api-key-??????"
    )


# --------------------------------------------------------------------------- WAF


def _web_acl(synth: Synth) -> dict[str, Any]:
    _, acl = synth.only("AWS::WAFv2::WebACL")
    props: dict[str, Any] = acl["Properties"]
    return props


def test_web_acl_has_a_per_ip_rate_rule(regional: Synth) -> None:
    acl = _web_acl(regional)
    assert acl["Scope"] == "REGIONAL"
    (rate,) = [r for r in acl["Rules"] if r["Name"] == "RateLimitPerIp"]
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"] == {
        "Limit": 2000,
        "AggregateKeyType": "IP",
        "EvaluationWindowSec": 300,
    }


def test_web_acl_runs_the_common_rule_set_with_body_size_only_counted(regional: Synth) -> None:
    (common,) = [
        r for r in _web_acl(regional)["Rules"] if r["Name"] == "AWSManagedRulesCommonRuleSet"
    ]
    group = common["Statement"]["ManagedRuleGroupStatement"]
    assert (group["VendorName"], group["Name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
    assert group["RuleActionOverrides"] == [
        {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}
    ]
    assert common["OverrideAction"] == {"None": {}}


def test_web_acl_runs_the_known_bad_inputs_rule_set_after_the_common_one(
    regional: Synth,
) -> None:
    rules = {r["Name"]: r for r in _web_acl(regional)["Rules"]}
    bad_inputs = rules["AWSManagedRulesKnownBadInputsRuleSet"]
    group = bad_inputs["Statement"]["ManagedRuleGroupStatement"]
    assert (group["VendorName"], group["Name"]) == ("AWS", "AWSManagedRulesKnownBadInputsRuleSet")
    assert "RuleActionOverrides" not in group  # every rule blocks
    assert bad_inputs["OverrideAction"] == {"None": {}}
    assert bad_inputs["Priority"] > rules["AWSManagedRulesCommonRuleSet"]["Priority"]


def test_a_known_bad_inputs_rule_can_be_switched_to_count() -> None:
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    _api(stack, _models(stack), waf_count_rules=["SizeRestrictions_BODY", "Log4JRCE_BODY"])
    (acl,) = Template.from_stack(stack).find_resources("AWS::WAFv2::WebACL").values()
    groups = {
        r["Name"]: r["Statement"]["ManagedRuleGroupStatement"]
        for r in acl["Properties"]["Rules"]
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert groups["AWSManagedRulesKnownBadInputsRuleSet"]["RuleActionOverrides"] == [
        {"Name": "Log4JRCE_BODY", "ActionToUse": {"Count": {}}}
    ]
    assert groups["AWSManagedRulesCommonRuleSet"]["RuleActionOverrides"] == [
        {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}
    ]


def test_web_acl_is_associated_with_the_stage(regional: Synth) -> None:
    _, association = regional.only("AWS::WAFv2::WebACLAssociation")
    api_id = regional.logical_id(regional.api.api)
    stage_id = regional.logical_id(regional.api.stage)
    assert _rendered(association["Properties"]["ResourceArn"]) == (
        f"arn:<AWS::Partition>:apigateway:us-east-1::/restapis/<{api_id}>/stages/<{stage_id}>"
    )


def test_waf_logs_to_an_encrypted_aws_waf_logs_group_without_credentials(regional: Synth) -> None:
    _, logging = regional.only("AWS::WAFv2::LoggingConfiguration")
    props = logging["Properties"]
    (destination,) = props["LogDestinationConfigs"]
    group_id = destination["Fn::Join"][1][-1]["Ref"]
    group = regional.template_json()["Resources"][group_id]["Properties"]
    assert group["LogGroupName"].startswith("aws-waf-logs-")
    assert "KmsKeyId" in group
    headers = [f["SingleHeader"]["Name"] for f in props["RedactedFields"]]
    assert headers == ["authorization", "x-api-key", "x-amz-security-token"]


# --------------------------------------------------------------------------- functions


def _function_props(synth: Synth, function: str) -> dict[str, Any]:
    logical_id = synth.logical_id(getattr(synth.api, function))
    props: dict[str, Any] = synth.template_json()["Resources"][logical_id]["Properties"]
    return props


@pytest.mark.parametrize(
    ("function", "handler"),
    [
        ("invoke_function", "invoke_app.lambda_handler"),
        ("feedback_function", "feedback_app.lambda_handler"),
    ],
)
def test_functions_run_python_3_14_on_arm64_without_active_tracing_by_default(
    regional: Synth, function: str, handler: str
) -> None:
    props = _function_props(regional, function)
    assert props["Runtime"] == "python3.14"
    assert props["Architectures"] == ["arm64"]
    assert props["Handler"] == handler
    # X-Ray is off unless asked for (the SDK is not even imported), so no trace is lost from
    # isolated subnets that have no route to X-Ray
    assert props.get("TracingConfig", {"Mode": "PassThrough"}) == {"Mode": "PassThrough"}
    assert props["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == "true"


def test_tracing_in_the_private_network_adds_an_xray_endpoint(private: Synth) -> None:
    # GIVEN tracing on, in the private network
    props = _function_props(private, "invoke_function")
    # THEN the functions trace actively and the isolated subnets reach X-Ray privately
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == "false"
    endpoints = private.resources("AWS::EC2::VPCEndpoint")
    services = {json.dumps(e["Properties"]["ServiceName"]) for e in endpoints.values()}
    assert any(".xray" in s for s in services)


def test_private_functions_reach_appconfig_through_an_endpoint(private: Synth) -> None:
    endpoints = private.resources("AWS::EC2::VPCEndpoint")
    (appconfig,) = [
        e
        for e in endpoints.values()
        if ".appconfigdata" in json.dumps(e["Properties"]["ServiceName"])
    ]
    assert appconfig["Properties"]["PrivateDnsEnabled"] is True
    (statement,) = appconfig["Properties"]["PolicyDocument"]["Statement"]
    assert sorted(statement["Action"]) == [
        "appconfig:GetLatestConfiguration",
        "appconfig:StartConfigurationSession",
    ]


def test_functions_use_the_powertools_and_shared_layers(regional: Synth) -> None:
    shared = regional.logical_id(
        regional.api.node.find_child("SharedLayer")  # the gw_common layer
    )
    for function in ("invoke_function", "feedback_function"):
        layers = _function_props(regional, function)["Layers"]
        assert layers[0] == {"Ref": shared}
        assert _rendered(layers[1]) == (
            "arn:<AWS::Partition>:lambda:us-east-1:017000801446:layer:"
            f"AWSLambdaPowertoolsPythonV3-python314-arm64:{DEFAULT_POWERTOOLS_LAYER_VERSION}"
        )


def test_invoke_function_times_out_before_api_gateway(regional: Synth) -> None:
    assert _function_props(regional, "invoke_function")["Timeout"] == 27
    assert _function_props(regional, "feedback_function")["Timeout"] == 10


def test_functions_reserve_no_concurrency_by_default(regional: Synth) -> None:
    # A reservation fails on accounts whose concurrency quota is low (100 stay unreserved)
    for function in ("invoke_function", "feedback_function"):
        assert "ReservedConcurrentExecutions" not in _function_props(regional, function)


def test_reserved_concurrency_when_asked_for() -> None:
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    api = _api(
        stack, _models(stack), invoke_reserved_concurrency=20, feedback_reserved_concurrency=5
    )
    template = Template.from_stack(stack)
    functions = template.find_resources("AWS::Lambda::Function")
    by_id = {k: v["Properties"].get("ReservedConcurrentExecutions") for k, v in functions.items()}
    assert by_id[stack.resolve(api.invoke_function.node.default_child.logical_id)] == 20
    assert by_id[stack.resolve(api.feedback_function.node.default_child.logical_id)] == 5


def test_function_logs_are_kms_encrypted_with_retention(regional: Synth) -> None:
    for function in ("invoke_function", "feedback_function"):
        group_id = _function_props(regional, function)["LoggingConfig"]["LogGroup"]["Ref"]
        group = regional.template_json()["Resources"][group_id]["Properties"]
        assert group["RetentionInDays"] == 365
        assert "KmsKeyId" in group


def test_invoke_environment_names_its_table_kill_switch_and_powertools(regional: Synth) -> None:
    env = _environment(regional, "invoke_function")
    assert env["QUOTA_TABLE_NAME"] == {"Ref": regional.logical_id(regional.api.quota_table)}
    assert env["KILL_SWITCH_PARAMETER"] == {"Ref": regional.logical_id(regional.api.kill_switch)}
    assert env["POWERTOOLS_SERVICE_NAME"] == "genai-gateway"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "GenAiPlatform"
    assert env["LOG_LEVEL"] == "INFO"


def test_feedback_environment_names_its_table_and_ttl(regional: Synth) -> None:
    env = _environment(regional, "feedback_function")
    assert env["FEEDBACK_TABLE_NAME"] == {"Ref": regional.logical_id(regional.api.feedback_table)}
    assert env["FEEDBACK_TTL_DAYS"] == "90"


@pytest.mark.parametrize("function", ["invoke_function", "feedback_function"])
def test_functions_read_the_routing_config_from_appconfig(regional: Synth, function: str) -> None:
    # GIVEN the synthesized functions
    env = _environment(regional, function)
    application = regional.logical_id(regional.api.routing_config.application)
    environment = regional.logical_id(regional.api.routing_config.environment)
    _, profile = regional.only("AWS::AppConfig::ConfigurationProfile")
    profile_id = next(
        k
        for k, v in regional.template_json()["Resources"].items()
        if v["Type"] == "AWS::AppConfig::ConfigurationProfile"
    )
    # THEN they name the AppConfig configuration, poll it every 45 s, and carry no config
    assert _rendered(env["GATEWAY_CONFIG_APPCONFIG"]) == (
        f"<{application}>/<{environment}>/<{profile_id}>"
    )
    assert env["GATEWAY_CONFIG_POLL_SECONDS"] == "45"
    assert "GATEWAY_CONFIG" not in env
    assert profile["Properties"]["LocationUri"] == "hosted"


def test_routing_config_is_validated_by_a_json_schema(regional: Synth) -> None:
    _, profile = regional.only("AWS::AppConfig::ConfigurationProfile")
    (validator,) = profile["Properties"]["Validators"]
    assert validator["Type"] == "JSON_SCHEMA"
    schema = json.loads(validator["Content"])
    assert {"guardrail", "models", "tenants", "default_alias"} <= set(schema["required"])
    # and the deployed document passes it
    import jsonschema

    jsonschema.validate(_gateway_config(regional), schema)


def test_routing_config_is_deployed_at_once_without_bake_time(regional: Synth) -> None:
    _, strategy = regional.only("AWS::AppConfig::DeploymentStrategy")
    assert strategy["Properties"]["GrowthFactor"] == 100
    assert strategy["Properties"]["DeploymentDurationInMinutes"] == 0
    assert strategy["Properties"]["FinalBakeTimeInMinutes"] == 0
    _, deployment = regional.only("AWS::AppConfig::Deployment")
    version_id = next(
        k
        for k, v in regional.template_json()["Resources"].items()
        if v["Type"] == "AWS::AppConfig::HostedConfigurationVersion"
    )
    assert deployment["Properties"]["ConfigurationVersion"] == {"Ref": version_id}


@pytest.mark.parametrize("function", ["invoke_function", "feedback_function"])
def test_functions_may_read_exactly_the_routing_config(regional: Synth, function: str) -> None:
    statements = _policy_statements(regional, _role_of(regional, function))
    (read,) = [s for s in statements if "appconfig:GetLatestConfiguration" in _actions(s)]
    assert sorted(_actions(read)) == [
        "appconfig:GetLatestConfiguration",
        "appconfig:StartConfigurationSession",
    ]
    assert _rendered(read["Resource"]).endswith(
        "/configuration/<"
        + next(
            k
            for k, v in regional.template_json()["Resources"].items()
            if v["Type"] == "AWS::AppConfig::ConfigurationProfile"
        )
        + ">"
    )


def test_response_ids_are_signed_with_a_kms_hmac_key_both_functions_may_use(
    regional: Synth,
) -> None:
    key_id = regional.logical_id(regional.api.response_id_key)
    key = regional.template_json()["Resources"][key_id]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("HMAC_256", "GENERATE_VERIFY_MAC")
    for function in ("invoke_function", "feedback_function"):
        assert _environment(regional, function)["RESPONSE_ID_KEY_ARN"] == {
            "Fn::GetAtt": [key_id, "Arn"]
        }
        statements = _policy_statements(regional, _role_of(regional, function))
        (mac,) = [s for s in statements if "kms:GenerateMac" in _actions(s)]
        assert _actions(mac) == ["kms:GenerateMac"]
        assert mac["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}
        assert mac["Condition"] == {"StringEquals": {"kms:MacAlgorithm": "HMAC_SHA_256"}}


def test_feedback_schema_accepts_only_the_response_ids_the_gateway_issues(
    regional: Synth,
) -> None:
    gw_common = _load_handler_module(
        REPO / "genai_platform" / "lambda" / "shared" / "python" / "gw_common.py"
    )
    models = regional.resources("AWS::ApiGateway::Model")
    (feedback,) = [m for m in models.values() if m["Properties"]["Name"] == "FeedbackRequest"]
    pattern = feedback["Properties"]["Schema"]["properties"]["response_id"]["pattern"]
    assert pattern == gw_common.RESPONSE_ID_PATTERN


def test_invoke_environment_stays_small(regional: Synth) -> None:
    # GIVEN the invoke function's environment, references rendered as placeholders
    env = _environment(regional, "invoke_function")
    size = sum(len(k) + len(_rendered(v, GUARDRAIL_VALUES)) for k, v in env.items())
    # THEN it is far below Lambda's 4 KB, whatever the number of tenants
    assert size < 1024


def test_gateway_config_carries_the_guardrail_attributes(regional: Synth) -> None:
    config = _gateway_config(regional)
    assert config["guardrail"] == {
        "identifier": "abc123def456",
        "version": "3",
        "arn": GUARDRAIL_VALUES["GuardrailArn"],
    }


def test_gateway_config_models_are_the_servable_aliases_with_fallbacks(regional: Synth) -> None:
    # GIVEN catalogue aliases chat, fast, embed (embedding) and Chat.Big (not lowercase), and a
    # self-hosted llama falling back to chat THEN the gateway serves chat, fast and llama
    models = _gateway_config(regional)["models"]
    # (each Bedrock alias with its price from the price table, see test_gateway_cost.py)
    assert models == {
        "chat": {
            "kind": "bedrock",
            "model_id": SONNET,
            "price": {"input_usd_per_million": 3.3, "output_usd_per_million": 16.5},
        },
        "fast": {
            "kind": "bedrock",
            "model_id": NOVA,
            "price": {"input_usd_per_million": 0.06, "output_usd_per_million": 0.24},
        },
        "llama": {
            "kind": "sagemaker",
            "endpoint_name": regional.models.endpoint.endpoint_name,
            "inference_component_name": regional.models.endpoint.inference_component_name,
            "fallback": "chat",
        },
    }
    assert regional.api.model_aliases == ("chat", "fast", "llama")


def test_gateway_config_tenants_use_principal_keys(regional: Synth) -> None:
    config = _gateway_config(regional)
    assert config["default_alias"] == "chat"
    # (each tenant's application inference profiles: see test_gateway_cost.py)
    tenants = [{k: v for k, v in t.items() if k != "profiles"} for t in config["tenants"]]
    assert tenants == [
        {
            "id": "team-a",
            "principals": [f"{APP}:role:genai-team-a-gateway-caller", f"{APP}:role:team-a-batch"],
            "aliases": ["chat", "fast", "llama"],
            "monthly_token_quota": 2_000_000,
            "log_content": False,
        },
        {
            "id": "team-b",
            "principals": ["333333333333:user:team-b-bot"],
            "aliases": ["fast"],
            "monthly_token_quota": 1_000_000,
            "log_content": True,
        },
    ]


def test_gateway_config_has_the_contract_defaults(regional: Synth) -> None:
    config = _gateway_config(regional)
    assert config["features"] == ["search", "summarize"]
    assert config["limits"] == {
        "max_body_bytes": 262_144,
        "max_messages": 50,
        "max_message_chars": 20_000,
        "max_system_chars": 8_000,
        "max_output_tokens": 4_096,
    }
    assert config["timeouts"] == {"connect_seconds": 2, "read_seconds": 20, "deadline_seconds": 25}
    assert config["retry"] == {
        "max_attempts": 4,
        "base_delay_seconds": 0.2,
        "max_delay_seconds": 2.0,
    }
    assert config["breaker"] == {"failure_threshold": 5, "open_seconds": 30}
    assert config["blocked_message"] == gia.DEFAULT_BLOCKED_MESSAGE


def _load_handler_module(path: Path) -> ModuleType:
    """A handler module loaded from ``path``, with its own folder and the shared layer
    importable as in Lambda."""
    shared = str(REPO / "genai_platform" / "lambda" / "shared" / "python")
    own = str(path.parent)
    spec = importlib.util.spec_from_file_location(f"{path.stem}_contract", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while defined
    sys.path[:0] = [shared, own]
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(shared)
        sys.path.remove(own)
        sys.modules.pop(spec.name, None)
    return module


def test_gateway_config_passes_the_invoke_functions_own_validation(regional: Synth) -> None:
    # GIVEN the handler's config module, loaded from the function's code as Lambda does
    gw_config = _load_handler_module(REPO / "genai_platform" / "lambda" / "invoke" / "gw_config.py")
    # WHEN it validates the document AppConfig serves
    config = gw_config.validate_gateway_config(_gateway_config(regional))
    # THEN it accepts it
    assert config.guardrail.identifier == "abc123def456"
    assert config.tenant_for(f"{APP}:role:team-a-batch").id == "team-a"
    assert set(config.models) == {"chat", "fast", "llama"}


def test_gateway_config_passes_the_feedback_functions_own_validation(regional: Synth) -> None:
    fb_config = _load_handler_module(
        REPO / "genai_platform" / "lambda" / "feedback" / "fb_config.py"
    )
    tenants = fb_config.parse_tenants(_gateway_config(regional))
    assert tenants["333333333333:user:team-b-bot"] == "team-b"
    assert tenants[f"{APP}:role:genai-team-a-gateway-caller"] == "team-a"


_KEY_ARN = "arn:aws:kms:us-east-1:222222222222:key/0f8fad5b-d9cb-469f-a165-70867728950e"


def _lambda_environment(synth: Synth, function: str) -> dict[str, str]:
    """The function's variables as Lambda sets them: references rendered, the response-id key's
    ARN (asserted elsewhere to be the HMAC key's) as a key ARN."""
    values = {
        synth.logical_id(synth.api.quota_table): "genai-gateway-quota",
        synth.logical_id(synth.api.feedback_table): "genai-gateway-feedback",
        synth.logical_id(synth.api.kill_switch): "/genai/gateway/kill-switch",
    }
    env = {k: _rendered(v, values) for k, v in _environment(synth, function).items()}
    return {**env, "RESPONSE_ID_KEY_ARN": _KEY_ARN}


@pytest.mark.parametrize(
    ("function", "module"),
    [("invoke_function", "invoke/gw_config.py"), ("feedback_function", "feedback/fb_config.py")],
)
def test_function_environment_passes_the_handlers_own_checks(
    regional: Synth, function: str, module: str
) -> None:
    # GIVEN the handler's cold-start loader and the environment the pattern gives its function
    loader = _load_handler_module(REPO / "genai_platform" / "lambda" / module)
    environment = _lambda_environment(regional, function)
    # WHEN it reads that environment (the routing config comes from AppConfig)
    if function == "invoke_function":
        config = loader.validate_gateway_config(_gateway_config(regional))
        settings = loader.load_settings(environment, config)
        # THEN the integration timeout and tracing switch are the pattern's
        assert settings.integration_timeout_ms == 29_000
        assert settings.tracing is False
    else:
        settings = loader.load_settings(environment, tenants={})
        assert settings.tracing is False
    assert environment["GATEWAY_CONFIG_APPCONFIG"].count("/") == 2


def test_regional_functions_run_outside_a_vpc(regional: Synth) -> None:
    assert "VpcConfig" not in _function_props(regional, "invoke_function")
    assert regional.api.security_group is None


def test_private_network_functions_run_in_isolated_subnets(private: Synth) -> None:
    for function in ("invoke_function", "feedback_function"):
        vpc = _function_props(private, function)["VpcConfig"]
        assert len(vpc["SubnetIds"]) == 2
        assert all("IsolatedSubnet" in s["Ref"] for s in vpc["SubnetIds"])


def test_function_security_group_allows_no_ingress_and_only_https_out(private: Synth) -> None:
    assert private.api.security_group is not None
    group = private.template_json()["Resources"][private.logical_id(private.api.security_group)]
    props = group["Properties"]
    assert "SecurityGroupIngress" not in props
    (egress,) = props["SecurityGroupEgress"]
    assert (egress["IpProtocol"], egress["FromPort"], egress["ToPort"]) == ("tcp", 443, 443)


def test_functions_in_a_vpc_may_manage_network_interfaces_in_that_vpc_only(private: Synth) -> None:
    statements = _policy_statements(private, _role_of(private, "invoke_function"))
    manage = _statement(statements, "ManageNetworkInterfacesInTheVpc")
    assert "ec2:CreateNetworkInterface" in _actions(manage)
    assert list(manage["Condition"]) == ["ArnEqualsIfExists"]


# --------------------------------------------------------------------------- data


def _table(synth: Synth, attribute: str) -> dict[str, Any]:
    table = getattr(synth.api, attribute)
    resource: dict[str, Any] = synth.template_json()["Resources"][synth.logical_id(table)]
    return resource


@pytest.mark.parametrize(
    ("attribute", "keys"),
    [
        ("quota_table", [{"AttributeName": "pk", "KeyType": "HASH"}]),
        (
            "feedback_table",
            [
                {"AttributeName": "response_id", "KeyType": "HASH"},
                {"AttributeName": "caller", "KeyType": "RANGE"},
            ],
        ),
    ],
)
def test_tables_are_on_demand_kms_encrypted_with_pitr_and_kept(
    regional: Synth, attribute: str, keys: list[dict[str, str]]
) -> None:
    table = _table(regional, attribute)
    props = table["Properties"]
    assert props["KeySchema"] == keys
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Fn::GetAtt": [regional.logical_id(regional.api.encryption_key), "Arn"]},
    }
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_feedback_table_expires_items_by_ttl(regional: Synth) -> None:
    props = _table(regional, "feedback_table")["Properties"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert "TimeToLiveSpecification" not in _table(regional, "quota_table")["Properties"]


def test_kill_switch_is_an_off_string_parameter(regional: Synth) -> None:
    regional.template().has_resource_properties(
        "AWS::SSM::Parameter",
        {"Name": "/genai/gateway/kill-switch", "Type": "String", "Value": "off"},
    )


# --------------------------------------------------------------------------- IAM


def test_function_roles_have_no_inline_policy(regional: Synth) -> None:
    # GIVEN CDK grants to the functions THEN they all landed in customer-managed policies
    regional.template().resource_count_is("AWS::IAM::Policy", 0)


def test_invoke_role_runs_bedrock_models_only_with_the_guardrail(regional: Synth) -> None:
    statements = _policy_statements(regional, _role_of(regional, "invoke_function"))
    guarded = _statement(statements, "InvokeApprovedModelsWithGuardrail")
    assert "bedrock:InvokeModel" in _actions(guarded)
    guardrail = regional.models.guardrail
    # any numbered version of this guardrail (a guardrail edit denies no call), DRAFT denied
    expected = cdk.Stack.of(guardrail).resolve(f"{guardrail.guardrail_arn}:*")
    assert guarded["Condition"] == {"StringLike": {GUARDRAIL_CONDITION_KEY: expected}}
    assert _statement(statements, "DenyInvokeWithoutGuardrail")["Effect"] == "Deny"
    assert _statement(statements, "DenyInvokeWithDraftGuardrail")["Effect"] == "Deny"


def test_invoke_role_may_apply_the_guardrail_and_call_the_endpoint(regional: Synth) -> None:
    statements = _policy_statements(regional, _role_of(regional, "invoke_function"))
    apply = [s for s in statements if _actions(s) == ["bedrock:ApplyGuardrail"]]
    assert apply and apply[0]["Resource"] == {
        "Fn::GetAtt": [regional.logical_id(regional.models.guardrail.resource), "GuardrailArn"]
    }
    (invoke,) = [s for s in statements if "sagemaker:InvokeEndpoint" in _actions(s)]
    endpoint = regional.models.endpoint
    assert invoke["Resource"] == [
        {"Fn::GetAtt": [regional.logical_id(endpoint.endpoint), "EndpointArn"]},
        {
            "Fn::GetAtt": [
                regional.logical_id(endpoint.inference_component),
                "InferenceComponentArn",
            ]
        },
    ]


def test_invoke_role_updates_only_the_quota_table_and_reads_the_kill_switch(
    regional: Synth,
) -> None:
    statements = _policy_statements(regional, _role_of(regional, "invoke_function"))
    (table,) = [s for s in statements if any(a.startswith("dynamodb:") for a in _actions(s))]
    assert _actions(table) == ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    assert table["Resource"] == {
        "Fn::GetAtt": [regional.logical_id(regional.api.quota_table), "Arn"]
    }
    (kill,) = [s for s in statements if "ssm:GetParameter" in _actions(s)]
    assert _rendered(kill["Resource"]).endswith(
        f"parameter<{regional.logical_id(regional.api.kill_switch)}>"
    )
    (key,) = [s for s in statements if "kms:Decrypt" in _actions(s)]
    assert key["Condition"] == {
        "StringEquals": {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}
    }


def test_feedback_role_only_puts_feedback_items(regional: Synth) -> None:
    statements = _policy_statements(regional, _role_of(regional, "feedback_function"))
    dynamo = [a for s in statements for a in _actions(s) if a.startswith("dynamodb:")]
    assert dynamo == ["dynamodb:PutItem"]
    assert not [a for s in statements for a in _actions(s) if a.startswith("bedrock:")]


# --------------------------------------------------------------------------- helpers


def test_route_arns_wildcard_the_api_id() -> None:
    arns = gia.gateway_route_arns(
        partition="aws", region="eu-west-1", account=GENAI, stage_name="live"
    )
    assert arns == [
        f"arn:aws:execute-api:eu-west-1:{GENAI}:*/live/POST/v1/chat",
        f"arn:aws:execute-api:eu-west-1:{GENAI}:*/live/POST/v1/chat/completions",
        f"arn:aws:execute-api:eu-west-1:{GENAI}:*/live/POST/v1/feedback",
        f"arn:aws:execute-api:eu-west-1:{GENAI}:*/live/GET/v1/models",
        f"arn:aws:execute-api:eu-west-1:{GENAI}:*/live/POST/v1/retrieve",
    ]


def test_execute_api_arn_for_names_one_route_of_this_api(regional: Synth) -> None:
    stack = cdk.Stack.of(regional.api)
    arn = _rendered(stack.resolve(regional.api.execute_api_arn_for("POST", "/v1/chat")))
    assert arn == (
        f"arn:<AWS::Partition>:execute-api:us-east-1:{GENAI}:"
        f"<{regional.logical_id(regional.api.api)}>/prod/POST/v1/chat"
    )
    with pytest.raises(ValueError, match=r"'DELETE', '/v1/chat'"):
        regional.api.execute_api_arn_for("DELETE", "/v1/chat")


def test_names_shared_with_the_application_account() -> None:
    assert gia.api_key_secret_name("acme", "team-a") == "acme/gateway/team-a/api-key"
    assert gia.caller_role_name("acme", "team-a") == "acme-team-a-gateway-caller"
    assert gia.kill_switch_parameter_name("acme") == "/acme/gateway/kill-switch"


# --------------------------------------------------------------------------- the caller role


def _caller_statements(regional: Synth) -> list[dict[str, Any]]:
    (policy,) = regional.resources("AWS::IAM::ManagedPolicy", "App").values()
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def test_caller_role_has_the_default_name_and_trusted_principal(regional: Synth) -> None:
    regional.template("App").has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": "genai-team-a-gateway-caller",
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {"Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Effect": "Allow"}
                    )
                ],
                "Version": "2012-10-17",
            },
        },
    )


def test_caller_role_may_invoke_exactly_the_four_routes(regional: Synth) -> None:
    invoke = _statement(_caller_statements(regional), "InvokeTheInferenceApiRoutes")
    assert invoke["Action"] == "execute-api:Invoke"
    assert [_rendered(r) for r in invoke["Resource"]] == [
        f"arn:<AWS::Partition>:execute-api:us-east-1:{GENAI}:*/prod/{m}{p}" for m, p in ROUTES
    ]


def test_caller_role_may_read_and_decrypt_only_its_api_key(regional: Synth) -> None:
    statements = _caller_statements(regional)
    secret_arn = (
        f"arn:<AWS::Partition>:secretsmanager:us-east-1:{GENAI}:secret:"
        "genai/gateway/team-a/api-key-??????"
    )
    read = _statement(statements, "ReadTheTenantApiKey")
    assert (read["Action"], _rendered(read["Resource"])) == (
        "secretsmanager:GetSecretValue",
        secret_arn,
    )
    decrypt = _statement(statements, "DecryptTheApiKeyThroughSecretsManager")
    assert decrypt["Action"] == "kms:Decrypt"
    assert _rendered(decrypt["Resource"]) == f"arn:<AWS::Partition>:kms:us-east-1:{GENAI}:key/*"
    assert decrypt["Condition"]["StringEquals"] == {
        "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"
    }
    assert _rendered(decrypt["Condition"]["StringLike"]["kms:EncryptionContext:SecretARN"]) == (
        secret_arn
    )


def test_caller_role_has_nothing_else(regional: Synth) -> None:
    assert {s["Sid"] for s in _caller_statements(regional)} == {
        "InvokeTheInferenceApiRoutes",
        "ReadTheTenantApiKey",
        "DecryptTheApiKeyThroughSecretsManager",
    }
    regional.template("App").resource_count_is("AWS::IAM::Policy", 0)


def test_caller_role_name_matches_the_tenant_principal(regional: Synth) -> None:
    # GIVEN team A's principal names the default caller role THEN the names agree
    assert ROLE_A.endswith("/" + gia.caller_role_name("genai", "team-a"))


# --------------------------------------------------------------------------- compliance


def test_gateway_has_no_unacknowledged_nag_findings(regional: Synth) -> None:
    assert regional.report.for_stack("Test") == [], regional.report.describe()


def test_caller_role_has_no_unacknowledged_nag_findings(regional: Synth) -> None:
    assert regional.report.for_stack("App") == [], regional.report.describe()


def test_private_gateway_has_no_unacknowledged_nag_findings(private: Synth) -> None:
    assert private.report.for_stack("Test") == [], private.report.describe()


def test_acknowledgements_are_on_gateway_resources_with_reasons(regional: Synth) -> None:
    acknowledged = regional.report.acknowledged_in("Test")
    ours = [a for a in acknowledged if a.construct_path.startswith("Test/Gateway/")]
    assert ours
    assert all(len(a.reason.split()) >= 6 for a in ours)
    assert not [a for a in acknowledged if a.construct_path in ("Test", "")]


@pytest.mark.parametrize(
    ("fixture", "stack"), [("regional", "Test"), ("regional", "App"), ("private", "Test")]
)
def test_templates_have_no_cfn_lint_errors(
    request: pytest.FixtureRequest, fixture: str, stack: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    issues = lint_template(synth.assembly_dir / f"{stack}.template.json", region="us-east-1")
    assert [i for i in issues if i.is_error] == []


# --------------------------------------------------------------------------- validation


def _fails(parts: tuple[cdk.Stack, Models], expected: str, **props: Any) -> str:
    """Build a gateway that must be refused with ``expected`` in its message; the message."""
    stack, models = parts
    with pytest.raises(ValueError, match=re.escape(expected)) as raised:
        _api(stack, models, id="Refused", **props)
    return str(raised.value)


def test_fails_when_a_tenant_names_an_unknown_alias(parts: tuple[cdk.Stack, Models]) -> None:
    # GIVEN a tenant allowed an alias nobody serves WHEN built THEN refused naming it
    _fails(
        parts,
        "tenants[0].aliases: 'gpt' is not a model alias; known: ['chat', 'fast', 'llama']",
        tenants=[replace(TEAM_A, aliases=["chat", "gpt"])],
    )


def test_fails_when_a_tenant_names_an_embedding_alias(parts: tuple[cdk.Stack, Models]) -> None:
    message = _fails(
        parts,
        "tenants[0].aliases: 'embed' is a catalogue alias the gateway cannot serve",
        tenants=[replace(TEAM_A, aliases=["embed"])],
    )
    assert "embedding model amazon.titan-embed-text-v2:0" in message


def test_fails_when_a_fallback_names_an_unknown_alias(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(parts, "fallbacks: 'claude' is not a model alias", fallbacks={"llama": "claude"})


def test_fails_when_a_model_falls_back_to_itself(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(parts, "fallbacks: 'chat' falls back to itself", fallbacks={"chat": "chat"})


def test_fails_when_fallbacks_form_a_cycle(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(
        parts,
        "has the cycle llama -> chat -> fast -> llama",
        fallbacks={"llama": "chat", "chat": "fast", "fast": "llama"},
    )


def test_fails_when_tenant_ids_repeat(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(
        parts,
        "tenants[1].id: 'team-a' is used by another tenant",
        tenants=[TEAM_A, replace(TEAM_B, id="team-a")],
    )


def test_fails_when_a_principal_is_in_two_tenants(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(
        parts,
        f"tenants[1].principals: '{ROLE_A}' already belongs to tenant 'team-a'",
        tenants=[TEAM_A, replace(TEAM_B, principals=[ROLE_A])],
    )


@pytest.mark.parametrize(
    "principal",
    [
        f"arn:aws:sts::{APP}:assumed-role/genai-team-a-gateway-caller/session",
        f"{APP}:role:genai-team-a-gateway-caller",
        f"arn:aws:iam::{APP}:group/developers",
    ],
)
def test_fails_when_a_principal_is_not_an_iam_role_or_user_arn(
    parts: tuple[cdk.Stack, Models], principal: str
) -> None:
    _fails(
        parts,
        f"tenants[0].principals: {principal!r} is not an IAM role or user ARN",
        tenants=[replace(TEAM_A, principals=[principal])],
    )


def test_fails_when_principals_is_a_string(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(
        parts,
        f"tenants[0].principals: {ROLE_A!r} is not a list",
        tenants=[replace(TEAM_A, principals=ROLE_A)],
    )


def test_fails_when_private_has_no_vpc_endpoint_or_network(
    parts: tuple[cdk.Stack, Models],
) -> None:
    _fails(
        parts,
        "endpoint_type: PRIVATE needs a way in; give vpc_endpoint",
        endpoint_type=apigateway.EndpointType.PRIVATE,
    )


def test_fails_when_a_vpc_endpoint_is_given_to_a_regional_api(
    parts: tuple[cdk.Stack, Models],
) -> None:
    stack, _ = parts
    endpoint = ec2.InterfaceVpcEndpoint.from_interface_vpc_endpoint_attributes(
        stack, "ImportedVpce", vpc_endpoint_id="vpce-0123456789abcdef0", port=443
    )
    _fails(
        parts,
        "vpc_endpoint: 'Test/ImportedVpce' is only used by a PRIVATE API",
        vpc_endpoint=endpoint,
    )


def test_fails_when_the_endpoint_type_is_edge(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(
        parts,
        "endpoint_type: <EndpointType.EDGE: 'EDGE'> is not allowed",
        endpoint_type=apigateway.EndpointType.EDGE,
    )


def test_fails_when_limits_are_out_of_range(parts: tuple[cdk.Stack, Models]) -> None:
    message = _fails(
        parts,
        "limits.max_messages: 0 is not allowed",
        limits=RequestLimits(max_messages=0, max_body_bytes=10 * 1024 * 1024),
    )
    assert "limits.max_body_bytes: 10485760 is not allowed" in message


def test_fails_when_the_deadline_outlasts_api_gateway(parts: tuple[cdk.Stack, Models]) -> None:
    message = _fails(
        parts,
        "timeouts.deadline_seconds: 28 is not allowed",
        timeouts=CallTimeouts(deadline_seconds=28),
    )
    assert "29 s integration timeout" in message


def test_fails_when_the_read_timeout_exceeds_the_deadline(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(
        parts,
        "timeouts.read_seconds: 26 is longer than the deadline (25)",
        timeouts=CallTimeouts(read_seconds=26, deadline_seconds=25),
    )


def test_fails_when_the_retry_cap_is_below_the_base(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(
        parts,
        "retry.max_delay_seconds: 0.5 is shorter than retry.base_delay_seconds (1)",
        retry=RetryPolicy(base_delay_seconds=1, max_delay_seconds=0.5),
    )


def test_fails_when_a_feature_tag_is_reserved(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(
        parts,
        "features: ['other', 'Bad Tag'] are not allowed",
        features=["search", "other", "Bad Tag"],
    )


def test_fails_when_a_waf_rule_is_unknown(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(
        parts,
        "waf_count_rules: ['SqlInjection_BODY'] are not rules of AWSManagedRulesCommonRuleSet",
        waf_count_rules=["SizeRestrictions_BODY", "SqlInjection_BODY"],
    )


def test_fails_when_throttling_and_waf_limits_are_out_of_range(
    parts: tuple[cdk.Stack, Models],
) -> None:
    message = _fails(
        parts,
        "throttle_burst_limit: 0 is not allowed",
        throttle_burst_limit=0,
        throttle_rate_limit=-1,
        waf_rate_limit=5,
    )
    assert "throttle_rate_limit: -1 is not allowed" in message
    assert "waf_rate_limit: 5 is not allowed" in message


def test_fails_when_the_name_prefix_is_not_allowed(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(parts, "name_prefix: 'Gen AI' is not allowed", name_prefix="Gen AI")


def test_fails_when_logs_are_kept_forever(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(
        parts,
        "log_retention: RetentionDays.INFINITE keeps logs forever",
        log_retention=logs.RetentionDays.INFINITE,
    )


def test_fails_when_a_self_hosted_alias_clashes_with_the_catalogue(
    parts: tuple[cdk.Stack, Models],
) -> None:
    _, models = parts
    _fails(
        parts,
        "self_hosted_models: alias 'chat' already names a model of the catalogue",
        self_hosted_models={"chat": models.endpoint},
        fallbacks=None,
    )


def test_fails_when_the_default_alias_is_unknown(parts: tuple[cdk.Stack, Models]) -> None:
    _fails(
        parts,
        "default_alias: 'Chat.Big' is a catalogue alias the gateway cannot serve",
        default_alias="Chat.Big",
    )


def test_fails_when_the_routing_config_exceeds_appconfigs_limit(
    parts: tuple[cdk.Stack, Models], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a hosted-configuration limit the two tenants cannot fit in
    from genai_platform.patterns.guarded_inference_api import validation

    monkeypatch.setattr(validation, "HOSTED_CONFIGURATION_LIMIT_BYTES", 500)
    # WHEN built THEN refused, naming the tenants, the size and the limit
    message = _fails(
        parts,
        "tenants: 2 tenants and 3 aliases make the routing config up to",
        tenants=[TEAM_A, TEAM_B],
    )
    assert "over the 500 bytes AppConfig's hosted configuration store accepts" in message


def _many_tenants(count: int) -> list[Tenant]:
    return [
        Tenant(
            id=f"tenant-{n:03d}",
            principals=[f"arn:aws:iam::{APP}:role/genai-tenant-{n:03d}-gateway-caller"],
            aliases=["chat", "fast", "llama"],
        )
        for n in range(count)
    ]


def test_two_hundred_tenants_synthesize_and_the_handler_serves_them(
    tmp_path: Path,
) -> None:
    # GIVEN 200 tenants (the function environment held about 15)
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    api = _api(stack, _models(stack), tenants=_many_tenants(200))
    # WHEN synthesized
    assembly = app.synth()
    template = json.loads(Path(assembly.directory, "Test.template.json").read_text("utf-8"))
    (version,) = [
        v
        for v in template["Resources"].values()
        if v["Type"] == "AWS::AppConfig::HostedConfigurationVersion"
    ]
    config = json.loads(
        _rendered(version["Properties"]["Content"], _DeployedValues(GUARDRAIL_VALUES))
    )
    # THEN every tenant is in the hosted configuration, the environment does not grow...
    assert len(config["tenants"]) == 200
    function = template["Resources"][
        stack.resolve(api.invoke_function.node.default_child.logical_id)
    ]
    env = function["Properties"]["Environment"]["Variables"]
    assert sum(len(k) + len(json.dumps(v)) for k, v in env.items()) < 1024
    # ... and the invoke handler's own validation maps the last tenant's principal
    gw_config = _load_handler_module(REPO / "genai_platform" / "lambda" / "invoke" / "gw_config.py")
    loaded = gw_config.validate_gateway_config(config)
    assert loaded.tenant_for(f"{APP}:role:genai-tenant-199-gateway-caller").id == "tenant-199"


def _synthesized(tenants: list[Tenant]) -> tuple[str, str]:
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    api = _api(stack, _models(stack), tenants=tenants)
    code = str(stack.resolve(api.invoke_function.node.default_child.code)["s3Key"])
    resources = Template.from_stack(stack).to_json()["Resources"]
    (version,) = [
        v for v in resources.values() if v["Type"] == "AWS::AppConfig::HostedConfigurationVersion"
    ]
    return code, json.dumps(version["Properties"]["Content"])


def test_a_tenant_change_deploys_a_new_config_version_and_no_new_code() -> None:
    # GIVEN the same tenants twice, then one tenant more
    first_code, first = _synthesized([TEAM_A, TEAM_B])
    again_code, again = _synthesized([TEAM_A, TEAM_B])
    more_code, more = _synthesized([TEAM_A, TEAM_B, *_many_tenants(1)])
    # THEN the function code never changes; the hosted configuration's content does (a changed
    # Content replaces the version, and the deployment that references it deploys it)
    assert first_code == again_code == more_code
    assert first == again
    assert more != first
    assert "tenant-000" in more


def test_many_tenants_are_admitted_by_caller_role_pattern_when_the_list_is_too_long() -> None:
    # GIVEN 200 tenants whose caller roles follow the naming convention
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    _api(stack, _models(stack), tenants=[TEAM_A, *_many_tenants(200)])
    (api,) = Template.from_stack(stack).find_resources("AWS::ApiGateway::RestApi").values()
    policy = api["Properties"]["Policy"]
    allow = _statement(policy["Statement"], "AllowTenantPrincipals")
    deny = _statement(policy["Statement"], "DenyEveryoneElse")
    # THEN the caller roles of one account are one pattern, the other principals stay listed,
    # and the policy fits API Gateway's 8,192 characters
    expected = [
        f"arn:aws:iam::{APP}:role/genai-*-gateway-caller",
        ROLE_A2,
    ]
    assert allow["Condition"] == {"ArnLike": {"aws:PrincipalArn": expected}}
    assert deny["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": expected}}
    assert len(json.dumps(policy)) < 8192


def test_fails_with_every_problem_at_once(parts: tuple[cdk.Stack, Models]) -> None:
    # GIVEN five bad props WHEN built THEN one error lists all five
    message = _fails(
        parts,
        "(5 problems)",
        tenants=[replace(TEAM_A, monthly_token_quota=0, burst_limit=True)],
        stage_name="prod-1",
        feedback_ttl_days=0,
        log_level="verbose",
    )
    for expected in (
        "tenants[0].monthly_token_quota: 0 is not allowed",
        "tenants[0].burst_limit: True is not allowed",
        "stage_name: 'prod-1' is not allowed",
        "feedback_ttl_days: 0 is not allowed",
        "log_level: 'verbose' is not allowed",
    ):
        assert expected in message


def test_fails_when_an_async_endpoint_is_self_hosted() -> None:
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    models = _models(stack)
    asynchronous = InferenceEndpoint(
        stack,
        "Async",
        instance_type="ml.inf2.xlarge",
        model_data_uri="s3://genai-models-222222222222/llama-3-8b/neuron/",
        mode=EndpointMode.ASYNC,
    )
    with pytest.raises(ValueError, match=r"'batch' maps to .*no inference component \(an async"):
        _api(stack, models, self_hosted_models={"batch": asynchronous}, fallbacks=None)


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"genai_account": "2222"}, "genai_account: '2222' is not a 12-digit AWS account id"),
        ({"tenant_id": "Team A"}, "tenant_id: 'Team A' is not allowed"),
        ({"region": "mars-1"}, "region: 'mars-1' is not an AWS region name"),
        (
            {"name_prefix": "a-very-long-platform-name-prefix", "tenant_id": "a-long-tenant-name"},
            "role_name: 'a-very-long-platform-name-prefix-a-long-tenant-name-gateway-caller' "
            "is not allowed",
        ),
    ],
)
def test_fails_when_caller_role_props_are_invalid(props: dict[str, Any], expected: str) -> None:
    stack = cdk.Stack(cdk.App(), "App", env=APP_ENV)
    arguments: dict[str, Any] = {
        "tenant_id": "team-a",
        "genai_account": GENAI,
        "assumed_by": iam.ServicePrincipal("lambda.amazonaws.com"),
        **props,
    }
    with pytest.raises(ValueError, match=re.escape(expected)):
        GatewayCallerRole(stack, "Caller", **arguments)


def test_warns_when_an_imported_key_cannot_admit_cloudwatch_logs() -> None:
    # GIVEN an imported key WHEN the gateway uses it THEN a warning says what to add
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    key = kms.Key.from_key_arn(
        stack, "Imported", f"arn:aws:kms:us-east-1:{GENAI}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    _api(stack, _models(stack), encryption_key=key)
    warnings = Annotations.from_stack(stack).find_warning(
        "/Test/Gateway", Match.string_like_regexp("logs.us-east-1.amazonaws.com kms:Encrypt")
    )
    assert len(warnings) == 1


def test_functions_get_every_endpoint_they_call_in_a_lean_network() -> None:
    # GIVEN a private network with no interface endpoint the gateway uses
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    pin_availability_zones(stack, TEST_ZONES)
    network = PrivateNetwork(
        stack, "Network", availability_zones=TEST_ZONES, interface_endpoints=["sts"]
    )
    # WHEN the gateway is built in it
    _api(stack, _models(stack), private_network=network)
    endpoints = Template.from_stack(stack).find_resources("AWS::EC2::VPCEndpoint")
    services = json.dumps([e["Properties"]["ServiceName"] for e in endpoints.values()])
    # THEN the kill switch, response-id key, models and routing config are reachable
    for service in ("ssm", "kms", "bedrock-runtime", "sagemaker.runtime", "appconfigdata"):
        assert f".{service}" in services, service
