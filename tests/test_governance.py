"""GovernanceStack: the organization SCP that keeps Bedrock on the platform's terms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from genai_platform.checks import lint_template
from genai_platform.compliance import NagReport, add_nag_packs, synth_and_report
from genai_platform.constructs.model_catalog import ModelSpec
from genai_platform.stacks.governance import (
    GUARDRAIL_CHANGE_ACTIONS,
    GUARDRAIL_ENFORCEMENT_ACTIONS,
    INVOCATION_LOGGING_ACTIONS,
    MAX_SCP_CHARACTERS,
    GovernanceStack,
    cdk_deployment_role_arn,
    role_arn,
)

MANAGEMENT = "111111111111"
GENAI = "222222222222"
REGION = "us-east-1"
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
MODELS = [f"us.{SONNET}", f"global.{HAIKU}", "amazon.nova-pro-v1:0", "amazon.titan-embed-text-v2:0"]
OU = "ou-ab12-cd34ef56"
EXEC_ROLE = f"arn:aws:iam::{GENAI}:role/cdk-hnb659fds-cfn-exec-role-{GENAI}-{REGION}"
EMBEDDING_ARN = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.titan-embed-text-v2:0"
APP_PROFILES = f"arn:aws:bedrock:{REGION}:{GENAI}:application-inference-profile/*"


@dataclass
class Synthesized:
    stack: GovernanceStack
    template: Template
    template_file: Path
    report: NagReport

    @property
    def policy(self) -> dict[str, Any]:
        (policy,) = self.template.find_resources("AWS::Organizations::Policy").values()
        return dict(policy["Properties"])

    def statement(self, sid: str) -> dict[str, Any]:
        (match,) = [s for s in self.policy["Content"]["Statement"] if s["Sid"] == sid]
        return dict(match)


def _props(**overrides: Any) -> dict[str, Any]:
    return {
        "management_account": MANAGEMENT,
        "region": REGION,
        "genai_account": GENAI,
        "approved_models": MODELS,
        **overrides,
    }


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The stack with defaults, synthesized once with the three nag packs."""
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("governance") / "cdk.out"))
    add_nag_packs(app)
    stack = GovernanceStack(app, "Governance", **_props())
    assembly_dir, report = synth_and_report(app)
    template_file = assembly_dir / "Governance.template.json"
    template = Template.from_json(json.loads(template_file.read_text("utf-8")))
    return Synthesized(stack, template, template_file, report)


def _build(**overrides: Any) -> GovernanceStack:
    return GovernanceStack(cdk.App(), "Governance", **_props(**overrides))


# --------------------------------------------------------------------------- stack


def test_stack_is_deployed_to_the_management_account_and_region(default: Synthesized) -> None:
    assert (default.stack.account, default.stack.region) == (MANAGEMENT, REGION)


def test_stack_has_a_description_naming_the_guarded_account(default: Synthesized) -> None:
    assert GENAI in (default.stack.template_options.description or "")


def test_policy_is_a_service_control_policy_attached_to_the_genai_account(
    default: Synthesized,
) -> None:
    default.template.resource_count_is("AWS::Organizations::Policy", 1)
    default.template.has_resource_properties(
        "AWS::Organizations::Policy",
        {
            "Type": "SERVICE_CONTROL_POLICY",
            "TargetIds": [GENAI],
            "Name": "Governance-bedrock-guardrails",
        },
    )
    assert default.stack.target_ids == (GENAI,)


def test_policy_has_the_six_statements_in_order(default: Synthesized) -> None:
    assert [s["Sid"] for s in default.policy["Content"]["Statement"]] == [
        "DenyUnapprovedModels",
        "DenyInvokeWithoutGuardrail",
        "DenyGuardrailOutsidePlatform",
        "DenyInvocationLoggingChanges",
        "DenyGuardrailEnforcementChanges",
        "DenyGuardrailChanges",
    ]
    assert default.policy["Content"] == dict(default.stack.policy_document)


# --------------------------------------------------------------------------- statements


def test_invoking_anything_but_the_approved_models_is_denied(default: Synthesized) -> None:
    statement = default.statement("DenyUnapprovedModels")
    assert (statement["Effect"], statement["Action"]) == ("Deny", "bedrock:InvokeModel*")
    assert statement["NotResource"] == [
        f"arn:aws:bedrock:{REGION}:{GENAI}:inference-profile/us.{SONNET}",
        f"arn:aws:bedrock:*::foundation-model/{SONNET}",
        f"arn:aws:bedrock:{REGION}:{GENAI}:inference-profile/global.{HAIKU}",
        f"arn:aws:bedrock:*::foundation-model/{HAIKU}",
        f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-pro-v1:0",
        EMBEDDING_ARN,
        APP_PROFILES,
    ]
    assert "Condition" not in statement
    assert default.stack.approved_model_arns == tuple(statement["NotResource"])


def test_the_genai_accounts_application_inference_profiles_are_admitted(
    default: Synthesized,
) -> None:
    # GIVEN the gateway invokes through per-tenant application inference profiles
    not_resource = default.statement("DenyUnapprovedModels")["NotResource"]

    # THEN the generative-AI account's profiles (only its own, in its region) are admitted
    assert APP_PROFILES in not_resource
    assert not any("application-inference-profile" in a and a != APP_PROFILES for a in not_resource)
    # AND a profile copied from an unapproved model is still denied at its foundation model
    # (a profile is authorized against the profile and its models): none is admitted
    unapproved = "meta.llama3-3-70b-instruct-v1:0"
    assert not any(unapproved in arn or arn.endswith("foundation-model/*") for arn in not_resource)
    # AND the guardrail statements cover the profiles as well (every resource but embeddings)
    for sid in ("DenyInvokeWithoutGuardrail", "DenyGuardrailOutsidePlatform"):
        assert default.statement(sid)["NotResource"] == [EMBEDDING_ARN]


def test_invoking_without_a_guardrail_is_denied_except_for_embedding_models(
    default: Synthesized,
) -> None:
    statement = default.statement("DenyInvokeWithoutGuardrail")
    assert (statement["Effect"], statement["Action"]) == ("Deny", "bedrock:InvokeModel*")
    assert statement["Condition"] == {"Null": {"bedrock:GuardrailIdentifier": "true"}}
    assert statement["NotResource"] == [EMBEDDING_ARN]


def test_invoking_with_a_guardrail_of_another_account_is_denied(default: Synthesized) -> None:
    statement = default.statement("DenyGuardrailOutsidePlatform")
    assert (statement["Effect"], statement["Action"]) == ("Deny", "bedrock:InvokeModel*")
    assert statement["Condition"] == {
        "StringNotLike": {"bedrock:GuardrailIdentifier": f"arn:aws:bedrock:*:{GENAI}:guardrail/*"}
    }
    assert statement["NotResource"] == [EMBEDDING_ARN]


@pytest.mark.parametrize(
    ("sid", "actions"),
    [
        ("DenyInvocationLoggingChanges", INVOCATION_LOGGING_ACTIONS),
        ("DenyGuardrailEnforcementChanges", GUARDRAIL_ENFORCEMENT_ACTIONS),
        ("DenyGuardrailChanges", GUARDRAIL_CHANGE_ACTIONS),
    ],
)
def test_settings_changes_are_denied_to_all_but_the_deployment_role(
    default: Synthesized, sid: str, actions: tuple[str, ...]
) -> None:
    statement = default.statement(sid)
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == list(actions)
    assert statement["Resource"] == "*"
    assert statement["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [EXEC_ROLE]}}


def test_the_locked_actions_are_the_bedrock_settings_apis() -> None:
    assert INVOCATION_LOGGING_ACTIONS == (
        "bedrock:PutModelInvocationLoggingConfiguration",
        "bedrock:DeleteModelInvocationLoggingConfiguration",
    )
    assert GUARDRAIL_ENFORCEMENT_ACTIONS == (
        "bedrock:PutEnforcedGuardrailConfiguration",
        "bedrock:DeleteEnforcedGuardrailConfiguration",
    )
    assert {"bedrock:CreateGuardrail", "bedrock:UpdateGuardrail", "bedrock:DeleteGuardrail"} <= set(
        GUARDRAIL_CHANGE_ACTIONS
    )


def test_default_deployment_role_is_the_cdk_bootstrap_execution_role() -> None:
    assert cdk_deployment_role_arn(GENAI, REGION) == EXEC_ROLE
    assert cdk_deployment_role_arn(GENAI, "cn-north-1").startswith("arn:aws-cn:iam::")


@pytest.mark.parametrize(
    ("region", "partition"),
    [("us-east-1", "aws"), ("cn-northwest-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_role_arns_are_built_in_the_partition_of_the_region(region: str, partition: str) -> None:
    # GIVEN the explicitly named logging configuration role WHEN its ARN is built for the SCP
    # THEN it is exact (no pattern) and in the region's partition, not a hard-coded "aws"
    assert (
        role_arn(GENAI, region, "genai-invocation-logging-x")
        == f"arn:{partition}:iam::{GENAI}:role/genai-invocation-logging-x"
    )


def test_policy_fits_the_scp_size_limit(default: Synthesized) -> None:
    content = json.dumps(default.policy["Content"], separators=(",", ":"))
    assert len(content) <= MAX_SCP_CHARACTERS


# --------------------------------------------------------------------------- options


def test_policy_is_attached_to_the_given_targets() -> None:
    stack = _build(target_ids=[OU, "333333333333", "r-ab12"])
    Template.from_stack(stack).has_resource_properties(
        "AWS::Organizations::Policy", {"TargetIds": [OU, "333333333333", "r-ab12"]}
    )


def test_given_deployment_roles_are_exempted_instead_of_the_default() -> None:
    roles = [EXEC_ROLE, f"arn:aws:iam::{GENAI}:role/platform-GenAi-LoggingConfiguration*"]
    stack = _build(deployment_role_arns=roles)
    statement = next(
        s for s in stack.policy_document["Statement"] if s["Sid"] == "DenyGuardrailChanges"
    )
    assert statement["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": roles}}


def test_without_embedding_models_the_guardrail_denies_cover_every_resource() -> None:
    stack = _build(approved_models=[f"us.{SONNET}"])
    Template.from_stack(stack).has_resource_properties(
        "AWS::Organizations::Policy",
        {
            "Content": {
                "Statement": Match.array_with(
                    [Match.object_like({"Sid": "DenyInvokeWithoutGuardrail", "Resource": "*"})]
                )
            }
        },
    )


def test_profile_outside_its_geography_gets_a_warning() -> None:
    stack = _build(approved_models=["eu.amazon.nova-pro-v1:0"])
    Annotations.from_stack(stack).has_warning(
        "/Governance/Resource", Match.string_like_regexp("eu.amazon.nova-pro-v1:0 is a eu")
    )


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("bad", ["ou-AB12-cd34ef56", "ou-ab12", "organization", "12345"])
def test_fails_when_a_target_id_is_malformed(bad: str) -> None:
    with pytest.raises(ValueError, match=rf"target_ids: \['{bad}'\] are not account ids"):
        _build(target_ids=[OU, bad])


@pytest.mark.parametrize("prop", ["management_account", "genai_account"])
def test_fails_when_an_account_id_is_malformed(prop: str) -> None:
    with pytest.raises(ValueError, match=rf"{prop}: '1234' is not a 12-digit AWS account id"):
        _build(**{prop: "1234"})


def test_fails_when_the_genai_account_is_the_management_account() -> None:
    with pytest.raises(
        ValueError, match=rf"genai_account: '{MANAGEMENT}' is the management account"
    ):
        _build(genai_account=MANAGEMENT)


def test_fails_when_the_management_account_is_a_target() -> None:
    with pytest.raises(
        ValueError, match=rf"target_ids: '{MANAGEMENT}' is the management account, which"
    ):
        _build(target_ids=[GENAI, MANAGEMENT])


def test_fails_when_there_is_no_target() -> None:
    with pytest.raises(ValueError, match=r"target_ids: \[\] attaches the policy nowhere"):
        _build(target_ids=[])


def test_fails_when_the_region_is_not_a_region() -> None:
    with pytest.raises(ValueError, match=r"region: 'US East' is not an AWS region name"):
        _build(region="US East")


def test_fails_when_a_deployment_role_is_not_a_role_arn() -> None:
    bad = f"arn:aws:iam::{GENAI}:user/deployer"
    with pytest.raises(
        ValueError, match=rf"deployment_role_arns: \['{bad}'\] are not IAM role ARNs"
    ):
        _build(deployment_role_arns=[bad])


def test_fails_when_no_deployment_role_is_left() -> None:
    with pytest.raises(ValueError, match=r"deployment_role_arns: \[\] would leave no principal"):
        _build(deployment_role_arns=[])


def test_fails_when_an_approved_model_is_unknown() -> None:
    with pytest.raises(
        ValueError, match=r"approved_models: 'acme.writer-v1:0' names the unknown foundation"
    ):
        _build(approved_models=["acme.writer-v1:0"])


def test_fails_when_the_policy_exceeds_the_scp_size_limit() -> None:
    # GIVEN more approved profiles than 5,120 characters can list
    extra = {
        f"acme.model-{i}-v1:0": ModelSpec("acme", "text", frozenset({"us"})) for i in range(30)
    }
    models = [f"us.{m}" for m in extra]
    # WHEN built THEN the size is refused, naming the models and the limit
    with pytest.raises(ValueError) as failure:
        _build(approved_models=models, additional_models=extra)
    message = str(failure.value)
    assert f"approved_models: {models!r} make a service control policy of " in message
    assert f"over the {MAX_SCP_CHARACTERS} AWS Organizations allows" in message


def test_fails_with_every_problem_at_once_and_builds_nothing() -> None:
    app = cdk.App()
    with pytest.raises(ValueError) as failure:
        GovernanceStack(
            app,
            "Governance",
            management_account="x",
            region=REGION,
            genai_account=GENAI,
            approved_models=[],
            target_ids=["ou-bad"],
            policy_name="bad:name",
        )
    message = str(failure.value)
    assert message.startswith("GovernanceStack 'Governance': invalid props (4 problems)")
    for prop in ("approved_models", "management_account", "target_ids", "policy_name"):
        assert f"  - {prop}: " in message
    assert app.node.try_find_child("Governance") is None


# --------------------------------------------------------------------------- compliance


def test_stack_has_no_unacknowledged_nag_findings(default: Synthesized) -> None:
    assert default.report.findings == [], default.report.describe()
    assert default.report.acknowledged_in("Governance") == []


def test_stack_has_no_lint_errors(default: Synthesized) -> None:
    errors = [i for i in lint_template(default.template_file, region=REGION) if i.is_error]
    assert errors == [], errors
