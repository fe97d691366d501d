"""GuardedInferenceApi, cost per tenant: an application inference profile per tenant and Bedrock
alias (names, tags, nested stacks, quota), the routing config carrying the profiles, prices and
budgets, and the invoke role's grants covering the profiles only with the guardrail."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match

from genai_platform.checks import lint_template
from genai_platform.constructs.guardrail import Guardrail
from genai_platform.constructs.model_catalog import ModelCatalog, ModelSpec
from genai_platform.patterns.guarded_inference_api import GuardedInferenceApi, Tenant
from genai_platform.patterns.guarded_inference_api.profiles import (
    APPLICATION_INFERENCE_PROFILE_QUOTA,
    GATEWAY_TAG_KEY,
    TENANT_TAG_KEY,
    UNPRICED_WARNING_ID,
    profile_name,
    profile_problems,
)
from tests.conftest import TEST_ENV
from tests.test_guarded_inference_api import (
    GENAI,
    GUARDRAIL_VALUES,
    ROLE_A,
    ROLE_B,
    SONNET,
    TEAM_A,
    Models,
    Synth,
    _api,
    _gateway_config,
    _models,
    _policy_statements,
    _rendered,
    _role_of,
    _statement,
    _synth,
)

TEAM_B_BUDGET = Tenant(
    id="team-b", principals=[ROLE_B], aliases=["fast"], log_content=True, monthly_budget_usd=250.0
)
PROFILE_PATTERN = re.compile(r"([0-9a-zA-Z][ _-]?)+")


@pytest.fixture(scope="module")
def costed(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The gateway with team-a (chat, fast, llama) and team-b (fast, 250 USD budget), the
    stack tagged with a cost-allocation tag, synthesized once with the three nag packs."""

    def build(stack: cdk.Stack, models: Models) -> Any:
        cdk.Tags.of(stack).add("CostCenter", "cc-1234")
        return _api(stack, models, tenants=[TEAM_A, TEAM_B_BUDGET])

    return _synth(tmp_path_factory.mktemp("costed"), build)


def _profiles(synth: Synth) -> dict[str, dict[str, Any]]:
    return synth.nested("AWS::Bedrock::ApplicationInferenceProfile")


def _tags(resource: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource["Properties"].get("Tags", [])}


# --------------------------------------------------------------------------- profiles


def test_each_tenant_gets_a_profile_per_bedrock_alias_it_may_use(costed: Synth) -> None:
    # GIVEN team-a may use chat, fast and llama (self-hosted) and team-b fast
    profiles = _profiles(costed)
    # THEN three profiles: team-a chat and fast, team-b fast; none for the SageMaker alias
    by_tenant = sorted(
        (_tags(p)[TENANT_TAG_KEY], p["Properties"]["InferenceProfileName"])
        for p in profiles.values()
    )
    assert [tenant for tenant, _ in by_tenant] == ["team-a", "team-a", "team-b"]
    names = [name for _, name in by_tenant]
    assert names == sorted(
        [
            profile_name("genai", "team-a", "chat"),
            profile_name("genai", "team-a", "fast"),
            profile_name("genai", "team-b", "fast"),
        ]
    )
    assert not any("llama" in name for name in names)


def test_profiles_copy_the_system_cross_region_profile_the_alias_resolves_to(
    costed: Synth,
) -> None:
    copied = {
        (_tags(p)[TENANT_TAG_KEY], p["Properties"]["InferenceProfileName"].split("-")[-2]): (
            _rendered(p["Properties"]["ModelSource"]["CopyFrom"])
        )
        for p in _profiles(costed).values()
    }
    assert copied[("team-a", "chat")] == (
        f"arn:<AWS::Partition>:bedrock:us-east-1:{GENAI}:inference-profile/{SONNET}"
    )
    assert copied[("team-b", "fast")].endswith(":inference-profile/us.amazon.nova-lite-v1:0")


def test_profiles_are_tagged_with_the_tenant_the_gateway_and_the_cost_allocation_tags(
    costed: Synth,
) -> None:
    for profile in _profiles(costed).values():
        tags = _tags(profile)
        assert tags[GATEWAY_TAG_KEY] == "genai"
        assert tags[TENANT_TAG_KEY] in ("team-a", "team-b")
        assert tags["CostCenter"] == "cc-1234"


def test_profile_names_are_deterministic_and_within_bedrocks_limits() -> None:
    long_tenant, long_alias = "t" * 64, "a_-" * 21
    for args in (("genai", "team-a", "chat"), ("genai-platform-prod", long_tenant, long_alias)):
        name = profile_name(*args)
        assert 1 <= len(name) <= 64 and PROFILE_PATTERN.fullmatch(name), name
        assert profile_name(*args) == name
    # look-alike tenant/alias pairs still get distinct names
    assert profile_name("genai", "a-b", "c") != profile_name("genai", "a", "b-c")


def test_routing_config_carries_each_tenants_profiles_prices_and_budget(costed: Synth) -> None:
    # GIVEN the routing config as AppConfig serves it
    config = _gateway_config(costed)
    tenants = {t["id"]: t for t in config["tenants"]}
    # THEN team-a has a profile ARN (read from the nested stack) per Bedrock alias
    assert sorted(tenants["team-a"]["profiles"]) == ["chat", "fast"]
    assert all(
        ":application-inference-profile/" in v for v in tenants["team-a"]["profiles"].values()
    )
    assert "monthly_budget_usd" not in tenants["team-a"]
    # AND team-b its budget; the Bedrock aliases their prices, the SageMaker one none
    assert tenants["team-b"]["monthly_budget_usd"] == 250.0
    assert config["models"]["fast"]["price"] == {
        "input_usd_per_million": 0.06,
        "output_usd_per_million": 0.24,
    }
    assert "price" not in config["models"]["llama"]


def test_profile_arns_come_from_the_profiles_in_the_nested_stacks(costed: Synth) -> None:
    content = json.dumps(
        costed.only("AWS::AppConfig::HostedConfigurationVersion")[1]["Properties"]["Content"]
    )
    outputs = re.findall(r"Outputs\.([A-Za-z0-9]+)", content)
    nested_outputs = {
        name: value
        for template in costed.nested_templates()
        for name, value in template.get("Outputs", {}).items()
    }
    assert len(outputs) == 3
    for name in outputs:
        value = nested_outputs[name]["Value"]
        assert value["Fn::GetAtt"][1] == "InferenceProfileArn"


# --------------------------------------------------------------------------- grants


def test_invoke_role_may_invoke_only_the_gateways_tagged_profiles_with_the_guardrail(
    costed: Synth,
) -> None:
    statements = _policy_statements(costed, _role_of(costed, "invoke_function"))
    allow = _statement(statements, "InvokeApplicationProfilesWithGuardrail")
    assert allow["Effect"] == "Allow"
    assert set(allow["Action"]) == {"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}
    assert _rendered(allow["Resource"]) == (
        "arn:<AWS::Partition>:bedrock:us-east-1:222222222222:application-inference-profile/*"
    )
    assert allow["Condition"]["StringEquals"] == {f"aws:ResourceTag/{GATEWAY_TAG_KEY}": "genai"}
    guard = _rendered(allow["Condition"]["StringLike"]["bedrock:GuardrailIdentifier"], {})
    assert guard.endswith(":*")


def test_profile_destinations_are_allowed_only_through_application_profiles(
    costed: Synth,
) -> None:
    statements = _policy_statements(costed, _role_of(costed, "invoke_function"))
    through = _statement(statements, "InvokeApplicationProfileDestinationsWithGuardrail")
    resources = [_rendered(r) for r in through["Resource"]]
    assert (
        "arn:<AWS::Partition>:bedrock:us-west-2::foundation-model/" + SONNET.removeprefix("us.")
        in resources
    )
    assert _rendered(through["Condition"]["ArnLike"]["bedrock:InferenceProfileArn"]).endswith(
        ":application-inference-profile/*"
    )
    assert "bedrock:GuardrailIdentifier" in through["Condition"]["StringLike"]


def test_guardrail_denies_still_cover_every_resource_but_embeddings(costed: Synth) -> None:
    statements = _policy_statements(costed, _role_of(costed, "invoke_function"))
    deny = _statement(statements, "DenyInvokeWithoutGuardrail")
    assert deny["Effect"] == "Deny" and "NotResource" in deny
    assert not any("application-inference-profile" in _rendered(r) for r in deny["NotResource"])


def test_the_wildcard_is_acknowledged_once_with_a_specific_reason(costed: Synth) -> None:
    acknowledged = [
        a
        for a in costed.report.acknowledged_in("Test")
        if "application-inference-profile" in a.finding_id
    ]
    assert len(acknowledged) == 1
    assert acknowledged[0].finding_id.startswith("AwsSolutions-IAM5[Resource::")
    assert GATEWAY_TAG_KEY in acknowledged[0].reason


def test_no_unacknowledged_nag_findings_with_profiles(costed: Synth) -> None:
    assert costed.report.for_stack("Test") == [], costed.report.describe()


def test_profile_templates_have_no_cfn_lint_errors(costed: Synth) -> None:
    nested = sorted(Path(costed.assembly_dir).glob("*.nested.template.json"))
    profile_templates = [p for p in nested if "ApplicationInferenceProfile" in p.read_text()]
    assert profile_templates
    for path in [*profile_templates, Path(costed.assembly_dir) / "Test.template.json"]:
        assert [i for i in lint_template(path, region="us-east-1") if i.is_error] == []


# --------------------------------------------------------------------------- validation


@pytest.fixture
def parts() -> tuple[cdk.Stack, Models]:
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    return stack, _models(stack)


@pytest.mark.parametrize(
    ("budget", "shown"),
    [(0, "0"), (-5, "-5"), (float("nan"), "nan"), (float("inf"), "inf"), ("100", "'100'")],
)
def test_fails_when_monthly_budget_usd_is_not_a_positive_finite_amount(
    parts: tuple[cdk.Stack, Models], budget: Any, shown: str
) -> None:
    stack, models = parts
    tenant = Tenant(id="team-b", principals=[ROLE_B], aliases=["fast"], monthly_budget_usd=budget)
    with pytest.raises(ValueError, match=re.escape(f"tenants[0].monthly_budget_usd: {shown}")):
        _api(stack, models, id="Refused", tenants=[tenant])


def test_fails_when_the_profiles_exceed_the_accounts_quota_naming_count_and_limit(
    parts: tuple[cdk.Stack, Models],
) -> None:
    stack, models = parts
    with pytest.raises(
        ValueError, match=r"2 tenants need 3 application inference profiles .* over the 2 allowed"
    ):
        _api(stack, models, id="Refused", max_application_inference_profiles=2)


def test_fails_when_max_application_inference_profiles_is_not_a_positive_integer(
    parts: tuple[cdk.Stack, Models],
) -> None:
    stack, models = parts
    with pytest.raises(ValueError, match=r"max_application_inference_profiles: 0 is not allowed"):
        _api(stack, models, id="Refused", max_application_inference_profiles=0)


def test_default_quota_is_the_lower_published_figure() -> None:
    assert APPLICATION_INFERENCE_PROFILE_QUOTA == 1000
    # 400 tenants x 3 aliases would need 1,200 profiles
    problems = profile_problems({f"t{i}": ["a", "b", "c"] for i in range(400)}, limit=1000)
    assert any("1200 application inference profiles" in p for p in problems)


def test_a_budget_on_an_unpriced_alias_fails_and_unpriced_aliases_warn() -> None:
    # GIVEN a catalogue alias "acme" of a model the price table does not have
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    guardrail = Guardrail(stack, "Guardrail")
    catalog = ModelCatalog(
        stack,
        "Models",
        models=["us.acme.chat-v1:0"],
        aliases={"acme": "us.acme.chat-v1:0"},
        additional_models={
            "acme.chat-v1:0": ModelSpec("acme", "text", frozenset({"us"})),
        },
    )
    budgeted = Tenant(id="team-b", principals=[ROLE_B], aliases=["acme"], monthly_budget_usd=9.5)
    # WHEN a tenant with a budget may use it THEN synth fails: its budget could not be enforced
    with pytest.raises(ValueError, match=r"tenants\[0\]\.monthly_budget_usd: 9\.5 cannot be"):
        GuardedInferenceApi(
            stack, "Refused", guardrail=guardrail, model_catalog=catalog, tenants=[budgeted]
        )
    # AND without a budget the gateway builds, with a warning naming the alias
    plain = Tenant(id="team-b", principals=[ROLE_B], aliases=["acme"])
    api = GuardedInferenceApi(
        stack, "Built", guardrail=guardrail, model_catalog=catalog, tenants=[plain]
    )
    warnings = Annotations.from_stack(stack).find_warning(
        f"/{api.node.path}", Match.string_like_regexp(".*'acme': no price.*")
    )
    assert len(warnings) == 1 and UNPRICED_WARNING_ID in json.dumps(warnings[0].entry.data)
    assert "acme" not in api.model_prices


def test_model_prices_are_exposed_from_the_price_table(costed: Synth) -> None:
    assert costed.api.model_prices["chat"] == {
        "input_usd_per_million": 3.3,
        "output_usd_per_million": 16.5,
    }
    assert sorted(costed.api.application_inference_profiles) == ["team-a", "team-b"]
    assert GUARDRAIL_VALUES  # the rendered config above relies on the shared values
    assert ROLE_A


def test_the_estimator_lists_the_profiles_as_no_charge_with_the_reason(costed: Synth) -> None:
    from genai_platform.cost.estimate import estimate_assembly

    # GIVEN the assembly with the tenants' profiles in nested stacks
    estimate = estimate_assembly(costed.assembly_dir)
    rows = [
        r for r in estimate.rows if r.resource_type == "AWS::Bedrock::ApplicationInferenceProfile"
    ]
    # THEN each profile is a row, free, saying its invocations are billed as model tokens
    assert len(rows) == 3
    assert {(r.status, r.idle_usd) for r in rows} == {("no charge", 0.0)}
    assert all("billed as model tokens" in r.note for r in rows)
