"""The reference app with the embedded default config: synthesized once per session."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from genai_platform.cli import main
from genai_platform.compliance import NagReport, read_nag_report
from genai_platform.stacks import AccountStack

STACKS = ("ApplicationAccount", "GenAiAccount", "DataAccount")
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Checked:
    """What ``genai-platform check --format json`` produced for the default config."""

    exit_code: int
    output: dict[str, Any]
    assembly_dir: Path
    report: NagReport

    def stack(self, name: str) -> dict[str, Any]:
        return next(s for s in self.output["stacks"] if s["stack"] == name)


@pytest.fixture(scope="session")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    """The check command on the default config: synthesized with nag and linted, once."""
    out = io.StringIO()
    assembly = tmp_path_factory.mktemp("reference") / "cdk.out"
    with contextlib.redirect_stdout(out):
        code = main(["check", "--out", str(assembly), "--format", "json"])
    return Checked(code, json.loads(out.getvalue()), assembly, read_nag_report(assembly))


def _template(result: Checked, stack: str) -> Template:
    path = Path(result.stack(stack)["template"])
    return Template.from_json(json.loads(path.read_text("utf-8")))


def _manifest(result: Checked) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((result.assembly_dir / "manifest.json").read_text("utf-8"))
    return data


def test_check_command_passes_on_every_account_stack(checked: Checked) -> None:
    # GIVEN the default config WHEN checked THEN exit 0 and one row per account stack
    assert checked.exit_code == 0, json.dumps(checked.output, indent=1)[:4000]
    assert checked.output["ok"] is True
    assert sorted(s["stack"] for s in checked.output["stacks"]) == sorted(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_stack_has_no_unacknowledged_nag_findings(checked: Checked, stack: str) -> None:
    assert checked.report.for_stack(stack) == [], checked.report.describe()
    assert checked.stack(stack)["unacknowledged"] == 0


@pytest.mark.parametrize("stack", STACKS)
def test_stack_has_no_cfn_lint_errors(checked: Checked, stack: str) -> None:
    assert checked.stack(stack)["lint_errors"] == 0, checked.stack(stack)["lint"]


def test_synth_needs_no_context_lookup(checked: Checked) -> None:
    # GIVEN the default config WHEN synthesized THEN no stack asked for missing context
    assert "missing" not in _manifest(checked)


@pytest.mark.parametrize(
    ("stack", "account", "stack_name"),
    [
        ("ApplicationAccount", "111111111111", "genai-application"),
        ("GenAiAccount", "222222222222", "genai-genai"),
        ("DataAccount", "333333333333", "genai-data"),
    ],
)
def test_each_stack_targets_its_own_account(
    checked: Checked, stack: str, account: str, stack_name: str
) -> None:
    artifact = _manifest(checked)["artifacts"][stack]
    assert artifact["environment"] == f"aws://{account}/us-east-1"
    assert artifact["properties"]["stackName"] == stack_name


def test_every_acknowledgement_names_one_finding_with_a_specific_reason(
    checked: Checked,
) -> None:
    reasons = [a.reason for a in checked.report.acknowledgements]
    assert reasons, "expected the data stack's bucket acknowledgements"
    for ack in checked.report.acknowledgements:
        assert ack.construct_path.count("/") >= 2, f"{ack} is not on a resource"
        assert "," not in ack.finding_id and len(ack.reason.split()) >= 6, ack
    # one reason per finding, not one pasted everywhere
    assert len(set(reasons)) >= 3


def test_cost_allocation_tags_are_on_resources(checked: Checked) -> None:
    template = _template(checked, "DataAccount")
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "Tags": Match.array_with(
                [
                    {"Key": "CostCenter", "Value": "cc-0000"},
                    {"Key": "Owner", "Value": "platform-team"},
                ]
            )
        },
    )


def test_documents_bucket_is_kms_encrypted_versioned_logged_and_retained(
    checked: Checked,
) -> None:
    template = _template(checked, "DataAccount")
    buckets = template.find_resources(
        "AWS::S3::Bucket", {"Properties": {"LoggingConfiguration": Match.any_value()}}
    )
    assert len(buckets) == 1
    (bucket,) = buckets.values()
    assert bucket["DeletionPolicy"] == "Retain"
    props = bucket["Properties"]
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["BucketKeyEnabled"] is True
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["LoggingConfiguration"]["LogFilePrefix"] == "documents/"


def test_documents_bucket_denies_requests_without_tls(checked: Checked) -> None:
    template = _template(checked, "DataAccount")
    policies = template.find_resources("AWS::S3::BucketPolicy")
    statements = [
        s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    tls = [
        s for s in statements if s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(tls) == 2  # documents and access-log buckets
    assert all(s["Effect"] == "Deny" for s in tls)


def test_data_key_rotates_and_is_retained(checked: Checked) -> None:
    template = _template(checked, "DataAccount")
    template.has_resource(
        "AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}, "DeletionPolicy": "Retain"}
    )


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_has_a_budget(checked: Checked, stack: str) -> None:
    _template(checked, stack).resource_count_is("AWS::Budgets::Budget", 1)


def test_genai_stack_has_private_network(checked: Checked) -> None:
    template = _template(checked, "GenAiAccount")
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.resource_count_is("AWS::EC2::InternetGateway", 0)
    template.resource_count_is("AWS::EC2::FlowLog", 1)
    # only what the platform's functions call (bedrock-runtime, sagemaker.runtime, kms, ssm:
    # issue 10's idle-cost goal), 2 gateway, appconfigdata for the gateway's routing config and
    # bedrock-agent-runtime for its knowledge-base retrieval
    template.resource_count_is("AWS::EC2::VPCEndpoint", 8)
    services = sorted(
        str(e["Properties"]["ServiceName"]).rsplit(".", 1)[-1]
        if isinstance(e["Properties"]["ServiceName"], str)
        else "gateway"
        for e in template.find_resources(
            "AWS::EC2::VPCEndpoint", {"Properties": {"VpcEndpointType": "Interface"}}
        ).values()
    )
    assert services == [
        "appconfigdata",
        "bedrock-agent-runtime",
        "bedrock-runtime",
        "kms",
        "runtime",
        "ssm",
    ]


def test_sandbox_config_warns_on_every_stack() -> None:
    # GIVEN the single-account sandbox config
    from aws_cdk.assertions import Annotations

    from genai_platform.config import load_config
    from genai_platform.reference_app import build_reference_app

    app = build_reference_app(load_config(ROOT / "config" / "sandbox.toml"), nag=False)
    # WHEN each stack is synthesized THEN it warns that blast-radius separation is off
    for stack in app.node.children:
        assert isinstance(stack, AccountStack)
        Annotations.from_stack(stack).has_warning(
            "*", Match.string_like_regexp("blast-radius separation .* is off")
        )
    # AND only the generative-AI stack creates the account's one cost-anomaly service monitor
    monitors = {
        stack.node.id: len(Template.from_stack(stack).find_resources("AWS::CE::AnomalyMonitor"))
        for stack in app.node.children
        if isinstance(stack, AccountStack)
    }
    assert monitors == {"ApplicationAccount": 0, "GenAiAccount": 1, "DataAccount": 0}


def test_default_config_stacks_carry_no_sandbox_warning(checked: Checked) -> None:
    assert all(not s["warnings"] for s in checked.output["stacks"])


def test_genai_stack_has_a_guardrail_with_a_published_version_enforced(checked: Checked) -> None:
    template = _template(checked, "GenAiAccount")
    template.resource_count_is("AWS::Bedrock::Guardrail", 1)
    template.resource_count_is("AWS::Bedrock::GuardrailVersion", 1)
    (version_id,) = template.find_resources("AWS::Bedrock::GuardrailVersion")
    (enforcement,) = template.find_resources(
        "AWS::Bedrock::EnforcedGuardrailConfiguration"
    ).values()
    config = json.dumps(enforcement["Properties"])
    assert version_id in config and "DRAFT" not in config


def test_genai_stack_guardrail_is_strict_and_encrypted_with_the_platform_key(
    checked: Checked,
) -> None:
    template = _template(checked, "GenAiAccount")
    (guardrail,) = template.find_resources("AWS::Bedrock::Guardrail").values()
    props = guardrail["Properties"]
    assert props["Name"] == "genai-guardrail"
    assert "PlatformKey" in json.dumps(props["KmsKeyArn"])
    filters = {f["Type"]: f for f in props["ContentPolicyConfig"]["FiltersConfig"]}
    assert filters["PROMPT_ATTACK"]["OutputStrength"] == "NONE"
    assert all(f["InputStrength"] == "HIGH" for f in filters.values())


def test_genai_stack_logs_model_invocations(checked: Checked) -> None:
    template = _template(checked, "GenAiAccount")
    (logging,) = template.find_resources("Custom::BedrockModelInvocationLogging").values()
    assert "textDataDeliveryEnabled" in json.dumps(logging["Properties"]["LoggingConfig"])
    # the configuration function runs with the explicitly named role the SCP exempts
    roles = template.find_resources(
        "AWS::IAM::Role", {"Properties": {"RoleName": "genai-invocation-logging-us-east-1"}}
    )
    assert len(roles) == 1
    (function,) = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "logging_config_app.lambda_handler"}}
    ).values()
    assert function["Properties"]["Role"] == {"Fn::GetAtt": [next(iter(roles)), "Arn"]}


def test_enforcement_exempts_the_approved_embedding_models(checked: Checked) -> None:
    template = _template(checked, "GenAiAccount")
    (enforcement,) = template.find_resources(
        "AWS::Bedrock::EnforcedGuardrailConfiguration"
    ).values()
    models = enforcement["Properties"]["ModelEnforcement"]
    assert models["IncludedModels"] == ["ALL"]
    assert models["ExcludedModels"] == ["amazon.titan-embed-text-v2:0"]


@pytest.fixture(scope="session")
def organization(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    """The check command on the organization example config, once."""
    out = io.StringIO()
    assembly = tmp_path_factory.mktemp("organization") / "cdk.out"
    config = str(ROOT / "config" / "organization.toml")
    with contextlib.redirect_stdout(out):
        code = main(["check", "--config", config, "--out", str(assembly), "--format", "json"])
    return Checked(code, json.loads(out.getvalue()), assembly, read_nag_report(assembly))


def test_organization_config_adds_a_clean_governance_stack(organization: Checked) -> None:
    assert organization.exit_code == 0, json.dumps(organization.output, indent=1)[:3000]
    governance = organization.stack("Governance")
    assert governance["unacknowledged"] == 0 and governance["lint_errors"] == 0
    artifact = _manifest(organization)["artifacts"]["Governance"]
    assert artifact["environment"] == "aws://444444444444/us-east-1"


def test_governance_scp_targets_the_genai_account_and_spares_the_deployers(
    organization: Checked,
) -> None:
    template = _template(organization, "Governance")
    (policy,) = template.find_resources("AWS::Organizations::Policy").values()
    props = policy["Properties"]
    assert props["Type"] == "SERVICE_CONTROL_POLICY"
    assert props["TargetIds"] == ["222222222222"]
    assert props["Name"] == "acme-ai-bedrock-guardrails"
    document = json.dumps(props["Content"])
    assert "cdk-hnb659fds-cfn-exec-role-222222222222-us-east-1" in document
    assert "arn:aws:iam::222222222222:role/acme-ai-invocation-logging-us-east-1" in document
    assert "InvocationLogging*" not in document  # no pattern over a generated name
    assert "bedrock:PutModelInvocationLoggingConfiguration" in document


def test_default_config_builds_no_governance_stack(checked: Checked) -> None:
    assert "Governance" not in {s["stack"] for s in checked.output["stacks"]}


def test_genai_stack_serves_the_configured_endpoints_scaling_to_zero(checked: Checked) -> None:
    template = _template(checked, "GenAiAccount")
    configs = template.find_resources("AWS::SageMaker::EndpointConfig")
    variants = [c["Properties"]["ProductionVariants"][0] for c in configs.values()]
    assert sorted(v["InstanceType"] for v in variants) == ["ml.g6.2xlarge", "ml.inf2.xlarge"]
    # djl-lmi 0.36.0 is a CUDA 13 image: the default host driver would not start it
    assert {v["InstanceType"]: v["InferenceAmiVersion"] for v in variants} == {
        "ml.g6.2xlarge": "al2023-ami-sagemaker-inference-gpu-4-1",
        "ml.inf2.xlarge": "al2-ami-sagemaker-inference-neuron-2",
    }
    assert all(v["ManagedInstanceScaling"]["MinInstanceCount"] == 0 for v in variants)
    components = template.find_resources("AWS::SageMaker::InferenceComponent")
    names = sorted(c["Properties"]["InferenceComponentName"] for c in components.values())
    assert len(names) == 2 and all(n.startswith("genai-") for n in names)
    targets = template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget")
    assert len(targets) == 2
    assert all(t["Properties"]["MinCapacity"] == 0 for t in targets.values())
    # the wake-up path: one no-capacity alarm per endpoint
    alarms = template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "NoCapacityInvocationFailures"}}
    )
    assert len(alarms) == 2


def test_gateway_errors_roll_back_deployments_of_the_endpoints_it_serves(
    checked: Checked,
) -> None:
    # GIVEN the default config, whose gateway serves llama-inf2 WHEN synthesized
    template = _template(checked, "GenAiAccount")
    alarms = template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "5XXError"}}
    )
    (gateway_alarm,) = alarms.keys()
    assert alarms[gateway_alarm]["Properties"]["Dimensions"] == [
        {"Name": "ApiName", "Value": "genai-gateway"},
        {"Name": "Stage", "Value": "prod"},
    ]
    by_endpoint = {
        c["Properties"]["InferenceComponentName"]: c["Properties"]["DeploymentConfig"]
        for c in template.find_resources("AWS::SageMaker::InferenceComponent").values()
    }
    # THEN that endpoint's rolling update rolls back on it, the other endpoint's does not
    served = by_endpoint["genai-llama-inf2-ic"]["AutoRollbackConfiguration"]["Alarms"]
    assert {"AlarmName": {"Ref": gateway_alarm}} in served
    assert len(served) == 3
    others = [
        a
        for name, c in by_endpoint.items()
        if name != "genai-llama-inf2-ic"
        for a in c["AutoRollbackConfiguration"]["Alarms"]
    ]
    assert {"AlarmName": {"Ref": gateway_alarm}} not in others


def test_genai_stack_endpoints_run_in_the_private_network(checked: Checked) -> None:
    template = _template(checked, "GenAiAccount")
    for model in template.find_resources("AWS::SageMaker::Model").values():
        subnets = json.dumps(model["Properties"]["VpcConfig"]["Subnets"])
        assert "IsolatedSubnet" in subnets
        assert model["Properties"]["EnableNetworkIsolation"] is True


def test_genai_stack_has_the_guarded_inference_api_for_the_tenants(checked: Checked) -> None:
    template = _template(checked, "GenAiAccount")
    template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    template.resource_count_is("AWS::WAFv2::WebACL", 1)
    # the tenants' usage plans and keys live in the gateway's nested stacks
    nested = [
        json.loads(path.read_text("utf-8"))
        for path in checked.assembly_dir.glob("GenAiAccount*.nested.template.json")
    ]
    plans = [
        r
        for t in nested
        for r in t["Resources"].values()
        if r["Type"] == "AWS::ApiGateway::UsagePlan"
    ]
    assert sorted(p["Properties"]["UsagePlanName"] for p in plans) == [
        "genai-search",
        "genai-support-bot",
    ]
    methods = template.find_resources("AWS::ApiGateway::Method")
    routes = [
        m["Properties"] for m in methods.values() if m["Properties"]["HttpMethod"] != "OPTIONS"
    ]
    assert len(routes) == 5  # chat, chat/completions, models, feedback, retrieve
    assert all(r["AuthorizationType"] == "AWS_IAM" and r["ApiKeyRequired"] for r in routes)
    (policy,) = template.find_resources("AWS::ApiGateway::RestApi").values()
    document = json.dumps(policy["Properties"]["Policy"])
    for tenant in ("support-bot", "search"):
        assert f"arn:aws:iam::111111111111:role/genai-{tenant}-gateway-caller" in document


def test_gateway_config_routes_self_hosted_alias_to_its_endpoint(checked: Checked) -> None:
    template = _template(checked, "GenAiAccount")
    functions = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "invoke_app.lambda_handler"}}
    )
    (function,) = functions.values()
    # THEN the function names the AppConfig configuration, whose hosted version routes llama
    assert "GATEWAY_CONFIG_APPCONFIG" in function["Properties"]["Environment"]["Variables"]
    (version,) = template.find_resources("AWS::AppConfig::HostedConfigurationVersion").values()
    config = json.dumps(version["Properties"]["Content"])
    assert "genai-llama-inf2" in config and "sagemaker" in config
    assert "support-bot" in config and "search" in config


def test_application_stack_has_one_caller_role_per_tenant(checked: Checked) -> None:
    template = _template(checked, "ApplicationAccount")
    roles = template.find_resources("AWS::IAM::Role")
    names = sorted(r["Properties"]["RoleName"] for r in roles.values())
    assert names == ["genai-search-gateway-caller", "genai-support-bot-gateway-caller"]
    policies = json.dumps(template.find_resources("AWS::IAM::ManagedPolicy"))
    assert "execute-api:Invoke" in policies
    assert ":execute-api:us-east-1:222222222222:*/prod/POST/v1/chat" in policies
    assert "secret:genai/gateway/search/api-key-??????" in policies


def test_genai_stack_guards_every_endpoint_and_the_gateway_from_config(checked: Checked) -> None:
    # GIVEN the default config ([cost_guard] at 100 %, two endpoints, the inference API)
    template = _template(checked, "GenAiAccount")
    functions = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "cost_guard_app.lambda_handler"}}
    )
    # THEN one guard acts on both inference components and the gateway's kill switch
    (guard,) = functions.values()
    env = guard["Properties"]["Environment"]["Variables"]
    assert env["TRIGGER_PERCENT"] == "100"
    targets = json.loads(env["TARGETS"])
    assert sorted(t["resource_id"] for t in targets) == [
        "inference-component/genai-llama-inf2-ic",
        "inference-component/genai-mistral-gpu-ic",
    ]
    assert env["KILL_SWITCH_PARAMETER"]["Ref"].startswith("InferenceApiKillSwitch")
    # AND its record table is named for `guard release --config`
    template.has_resource_properties("AWS::DynamoDB::Table", {"TableName": "genai-cost-guard"})
    # AND the Budgets action denies the gateway's invoke role model invocation at 100 %
    template.has_resource_properties(
        "AWS::Budgets::BudgetsAction",
        {
            "ActionType": "APPLY_IAM_POLICY",
            "NotificationType": "ACTUAL",
            "ActionThreshold": {"Type": "PERCENTAGE", "Value": 100},
            "Definition": {
                "IamActionDefinition": Match.object_like(
                    {"Roles": [{"Ref": Match.string_like_regexp("InferenceApiInvoke")}]}
                )
            },
        },
    )


def test_genai_stack_outputs_the_versions_that_run(checked: Checked) -> None:
    # GIVEN the default config's generative-AI stack
    template = _template(checked, "GenAiAccount")
    outputs = template.to_json()["Outputs"]
    # THEN the guardrail's published version is an output, from the version resource
    [version] = template.find_resources("AWS::Bedrock::GuardrailVersion")
    assert outputs["GuardrailVersion"]["Value"] == {"Fn::GetAtt": [version, "Version"]}
    # AND each endpoint's inference component name and model version are outputs
    components = template.find_resources("AWS::SageMaker::InferenceComponent")
    names = {json.dumps(c["Properties"]["InferenceComponentName"]) for c in components.values()}
    for name in ("LlamaInf2", "MistralGpu"):
        assert json.dumps(outputs[f"{name}InferenceComponent"]["Value"]) in names
    assert outputs["MistralGpuModelVersion"]["Value"] == (
        "image=djl-lmi:0.36.0 model=s3://acme-models-222222222222/mistral-7b-instruct/"
    )
    # AND the API's URL, which the delivery pipeline's smoke test calls
    assert "InferenceApiUrl" in outputs


# --------------------------------------------------------------------------- knowledge bases


def test_genai_stack_has_the_configured_knowledge_base_on_s3_vectors(checked: Checked) -> None:
    template = _template(checked, "GenAiAccount")
    template.has_resource_properties(
        "AWS::Bedrock::KnowledgeBase",
        {
            "Name": "genai-handbook",
            "StorageConfiguration": Match.object_like({"Type": "S3_VECTORS"}),
        },
    )
    template.has_resource_properties(
        "AWS::Bedrock::DataSource",
        {
            "DataSourceConfiguration": {
                "Type": "S3",
                "S3Configuration": {
                    "BucketArn": Match.any_value(),
                    "BucketOwnerAccountId": "333333333333",
                    "InclusionPrefixes": ["handbook/"],
                },
            }
        },
    )
    template.has_resource_properties("AWS::IAM::Role", {"RoleName": "genai-kb-handbook-us-east-1"})
    template.has_resource_properties(
        "AWS::S3Vectors::Index",
        {
            "MetadataConfiguration": {
                "NonFilterableMetadataKeys": ["AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA"]
            }
        },
    )
    template.has_resource_properties("AWS::Events::EventBus", {"Name": "genai-handbook-documents"})


def test_data_account_admits_only_the_knowledge_base_role_of_the_genai_account(
    checked: Checked,
) -> None:
    template = _template(checked, "DataAccount")
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": "genai-documents-333333333333-us-east-1",
            "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
        },
    )
    role = "arn:aws:iam::222222222222:role/genai-kb-handbook-us-east-1"
    statements = [
        s
        for kind, key in (
            ("AWS::S3::BucketPolicy", "PolicyDocument"),
            ("AWS::KMS::Key", "KeyPolicy"),
        )
        for r in template.find_resources(kind).values()
        for s in r["Properties"][key]["Statement"]
        if "222222222222" in json.dumps(s.get("Principal", ""))
    ]
    assert len(statements) == 3  # list, read, decrypt through S3
    assert all(s["Condition"]["ArnEquals"] == {"aws:PrincipalArn": role} for s in statements)


def test_document_changes_are_forwarded_to_the_knowledge_bases_bus(checked: Checked) -> None:
    _template(checked, "DataAccount").has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like(
                {"detail": Match.object_like({"object": {"key": [{"prefix": "handbook/"}]}})}
            ),
            "Targets": [
                Match.object_like(
                    {
                        "Arn": "arn:aws:events:us-east-1:222222222222:event-bus/"
                        "genai-handbook-documents"
                    }
                )
            ],
        },
    )


def test_genai_stack_exposes_its_knowledge_bases_by_alias() -> None:
    from genai_platform.config import load_config
    from genai_platform.constructs.interfaces import IKnowledgeBase
    from genai_platform.reference_app import build_platform

    stacks = build_platform(cdk.App(), load_config())
    assert list(stacks.genai.knowledge_bases) == ["handbook"]
    assert isinstance(stacks.genai.knowledge_bases["handbook"], IKnowledgeBase)
