"""ModelCatalog: approved model ids, their ARNs, aliases and guardrail-only invoke grants."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match, Template
from constructs import Construct

from genai_platform.checks import lint_template
from genai_platform.compliance import add_nag_packs, synth_and_report
from genai_platform.constructs.model_catalog import (
    GUARDRAIL_CONDITION_KEY,
    INVOKE_ACTIONS,
    KNOWN_MODELS,
    PROFILE_REGION_WARNING_ID,
    PROFILE_REGIONS,
    ApprovedModel,
    ModelCatalog,
    ModelSpec,
    parse_model_id,
    warn_profile_outside_geography,
)
from tests.conftest import TEST_ENV, NagSynth

ACCOUNT = "222222222222"
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
US_SONNET = f"us.{SONNET}"
GLOBAL_HAIKU = f"global.{HAIKU}"
NOVA_PRO = "amazon.nova-pro-v1:0"
TITAN_EMBED = "amazon.titan-embed-text-v2:0"
MODELS = [US_SONNET, GLOBAL_HAIKU, NOVA_PRO, TITAN_EMBED]
GUARDRAIL_ARN = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/abc123def456"
GUARDRAIL_VERSION_ARN = f"{GUARDRAIL_ARN}:1"


@dataclass
class FakeGuardrail:
    """Stands in for the Guardrail construct: records grant_apply calls.

    Like the real one, it grants through the grantee's principal policy (``grant_invoke`` hands
    it a grantee that writes into the catalogue's managed policy).
    """

    scope: Construct
    guardrail_arn: str = GUARDRAIL_ARN
    version: str = "1"
    applied_to: list[iam.IGrantable] = field(default_factory=list)

    @property
    def guardrail_version_arn(self) -> str:
        return f"{self.guardrail_arn}:{self.version}"

    def grant_apply(self, grantee: iam.IGrantable) -> iam.Grant:
        self.applied_to.append(grantee)
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["bedrock:ApplyGuardrail"], resource_arns=[self.guardrail_arn]
        )


def _stack(region: str = "us-east-1") -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test", env=cdk.Environment(account=ACCOUNT, region=region))


def _role(stack: cdk.Stack, id: str = "Fn") -> iam.Role:
    return iam.Role(stack, id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


def _literal(stack: cdk.Stack, value: Any) -> Any:
    """Resolve tokens, then turn ``Fn::Join`` with ``AWS::Partition`` into plain text."""
    return _join(stack.resolve(value))


def _join(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(_join(p) for p in parts)
        if value == {"Ref": "AWS::Partition"}:
            return "aws"
        return {k: _join(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_join(v) for v in value]
    return value


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _fm(region: str, model: str) -> str:
    return f"arn:aws:bedrock:{region}::foundation-model/{model}"


def _profile(region: str, profile: str) -> str:
    return f"arn:aws:bedrock:{region}:{ACCOUNT}:inference-profile/{profile}"


# --------------------------------------------------------------------------- fixtures


@dataclass
class Granted:
    """A role granted invoke and embed, synthesized once with the three nag packs."""

    synth: NagSynth
    catalog: ModelCatalog
    guardrail: FakeGuardrail
    role: iam.Role
    invoke_grant: iam.Grant
    embed_grant: iam.Grant

    @property
    def statements(self) -> list[dict[str, Any]]:
        """Every IAM statement in the template, partition resolved."""
        found = []
        for resource in _join(self.synth.template_json["Resources"]).values():
            properties = resource.get("Properties", {})
            if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
                found += _as_list(properties["PolicyDocument"]["Statement"])
            for inline in properties.get("Policies", []):
                found += _as_list(inline["PolicyDocument"]["Statement"])
        return found

    def statement(self, sid: str) -> dict[str, Any]:
        (match,) = [s for s in self.statements if s.get("Sid") == sid]
        return match


@pytest.fixture(scope="module")
def granted(tmp_path_factory: pytest.TempPathFactory) -> Granted:
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("catalog") / "cdk.out"))
    add_nag_packs(app)
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    catalog = ModelCatalog(
        stack,
        "Models",
        models=MODELS,
        aliases={"chat": US_SONNET, "fast": GLOBAL_HAIKU},
        default_alias="chat",
    )
    role = _role(stack)
    guardrail = FakeGuardrail(stack)
    invoke_grant = catalog.grant_invoke(role, guardrail)
    embed_grant = catalog.grant_embed(role)
    assembly_dir, report = synth_and_report(app)
    data = json.loads((assembly_dir / "Test.template.json").read_text("utf-8"))
    synth = NagSynth(Template.from_json(data), report, assembly_dir, "Test")
    return Granted(synth, catalog, guardrail, role, invoke_grant, embed_grant)


@pytest.fixture(scope="module")
def catalog() -> ModelCatalog:
    """The approved models in a us-east-1 stack, without grants."""
    return ModelCatalog(
        _stack(), "Models", models=MODELS, aliases={"chat": US_SONNET}, default_alias="chat"
    )


# --------------------------------------------------------------------------- ARNs


def test_foundation_model_arn_has_the_region_and_no_account(catalog: ModelCatalog) -> None:
    # GIVEN a foundation model approved as such WHEN its ARNs are asked for
    arns = _literal(cdk.Stack.of(catalog), catalog.model_arns(NOVA_PRO))
    # THEN one regional ARN with an empty account field
    assert arns == [_fm("us-east-1", NOVA_PRO)]


def test_us_profile_needs_the_profile_and_the_model_in_every_us_region(
    catalog: ModelCatalog,
) -> None:
    arns = _literal(cdk.Stack.of(catalog), catalog.model_arns(US_SONNET))
    assert arns == [
        _profile("us-east-1", US_SONNET),
        *(_fm(region, SONNET) for region in ("us-east-1", "us-east-2", "us-west-1", "us-west-2")),
    ]


def test_eu_profile_needs_the_model_in_every_eu_region() -> None:
    # GIVEN an EU profile approved in a Frankfurt stack
    profile = "eu.amazon.nova-pro-v1:0"
    catalog = ModelCatalog(_stack("eu-central-1"), "Models", models=[profile])
    # WHEN its ARNs are asked for
    arns = _literal(cdk.Stack.of(catalog), catalog.model_arns(profile))
    # THEN the profile in the source region, then the model in each EU destination region
    assert arns[0] == f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:inference-profile/{profile}"
    assert arns[1:] == [_fm(region, NOVA_PRO) for region in PROFILE_REGIONS["eu"]]
    assert {"eu-west-1", "eu-west-3", "eu-north-1"} <= set(PROFILE_REGIONS["eu"])


def test_apac_profile_needs_the_model_in_every_apac_region() -> None:
    profile = "apac.anthropic.claude-3-7-sonnet-20250219-v1:0"
    catalog = ModelCatalog(_stack("ap-northeast-1"), "Models", models=[profile])
    arns = _literal(cdk.Stack.of(catalog), catalog.model_arns(profile))
    assert arns[0] == f"arn:aws:bedrock:ap-northeast-1:{ACCOUNT}:inference-profile/{profile}"
    assert arns[1:] == [
        _fm(region, "anthropic.claude-3-7-sonnet-20250219-v1:0")
        for region in PROFILE_REGIONS["apac"]
    ]


def test_global_profile_needs_the_regional_and_the_region_less_model(
    catalog: ModelCatalog,
) -> None:
    arns = _literal(cdk.Stack.of(catalog), catalog.model_arns(GLOBAL_HAIKU))
    assert arns == [
        _profile("us-east-1", GLOBAL_HAIKU),
        _fm("us-east-1", HAIKU),
        f"arn:aws:bedrock:::foundation-model/{HAIKU}",
    ]


def test_all_model_arns_is_the_union_without_repeats(catalog: ModelCatalog) -> None:
    union = catalog.all_model_arns()
    each = [arn for model in MODELS for arn in catalog.model_arns(model)]
    assert union == list(dict.fromkeys(each))
    assert len(union) == 1 + 4 + 3 + 1 + 1


def test_model_arns_accept_an_alias(catalog: ModelCatalog) -> None:
    assert catalog.model_arns("chat") == catalog.model_arns(US_SONNET)


def test_env_agnostic_stack_uses_the_stack_region_and_account() -> None:
    # GIVEN a stack without env WHEN a foundation model's ARN is resolved
    stack = cdk.Stack(cdk.App(), "Agnostic")
    catalog = ModelCatalog(stack, "Models", models=[NOVA_PRO])
    # THEN partition and region come from pseudo parameters
    resolved = stack.resolve(catalog.model_arns(NOVA_PRO)[0])
    assert {"Ref": "AWS::Region"} in resolved["Fn::Join"][1]


# --------------------------------------------------------------------------- table


def test_model_ids_parse_into_geography_and_foundation_model() -> None:
    assert parse_model_id(US_SONNET) == ("us", SONNET)
    assert parse_model_id(NOVA_PRO) == (None, NOVA_PRO)
    assert parse_model_id("cohere.embed-multilingual-v3") == (None, "cohere.embed-multilingual-v3")
    assert parse_model_id("Claude Sonnet") is None


def test_known_model_table_covers_the_approved_families() -> None:
    providers = {spec.provider for spec in KNOWN_MODELS.values()}
    assert providers == {"anthropic", "amazon", "meta", "mistral", "cohere"}
    assert KNOWN_MODELS["meta.llama3-3-70b-instruct-v1:0"].modality == "text"
    assert not KNOWN_MODELS["cohere.embed-multilingual-v3"].supports_guardrails
    assert "global" in KNOWN_MODELS[SONNET].profile_geographies


def test_text_and_embedding_models_are_told_apart(catalog: ModelCatalog) -> None:
    assert catalog.text_models == (US_SONNET, GLOBAL_HAIKU, NOVA_PRO)
    assert catalog.embedding_models == (TITAN_EMBED,)


def test_additional_models_extend_the_table() -> None:
    # GIVEN a model id the table does not know, described in additional_models
    spec = ModelSpec("acme", "text", frozenset({"us"}))
    catalog = ModelCatalog(
        _stack(),
        "Models",
        models=["us.acme.writer-v1:0"],
        additional_models={"acme.writer-v1:0": spec},
    )
    # THEN it is approved like a known one
    assert catalog.model("us.acme.writer-v1:0").spec == spec


def test_fails_when_a_profile_is_outside_the_stack_regions_geography() -> None:
    # GIVEN an EU profile approved in a us-east-1 stack
    stack = _stack()
    # WHEN the catalogue is built THEN it is refused, naming what us-east-1 can call instead
    with pytest.raises(
        ValueError,
        match=r"models: 'eu.amazon.nova-pro-v1:0' is a eu. inference profile, callable only "
        r"from eu-central-1.*not from us-east-1; from us-east-1 use 'us.amazon.nova-pro-v1:0' "
        r"\(or 'geo.amazon.nova-pro-v1:0', which follows the region\)",
    ):
        ModelCatalog(stack, "Models", models=["eu.amazon.nova-pro-v1:0"])
    assert stack.node.try_find_child("Models") is None


def test_warning_helper_names_the_profile_and_its_geography() -> None:
    # GIVEN the public helper for constructs that only warn
    stack = _stack()
    model = ApprovedModel("eu.amazon.nova-pro-v1:0", NOVA_PRO, "eu", KNOWN_MODELS[NOVA_PRO])
    # WHEN it warns THEN the warning carries the profile and the region
    warn_profile_outside_geography(stack, model, "us-east-1")
    Annotations.from_stack(stack).has_warning(
        "/Test", Match.string_like_regexp("eu.amazon.nova-pro-v1:0 is a eu inference")
    )
    assert PROFILE_REGION_WARNING_ID.startswith("genai-platform:")


# --------------------------------------------------------------------------- regions

GEO_SONNET = f"geo.{SONNET}"
GEO_NOVA_LITE = "geo.amazon.nova-lite-v1:0"


@pytest.mark.parametrize(
    ("region", "sonnet", "nova_lite"),
    [
        ("us-east-1", f"us.{SONNET}", "us.amazon.nova-lite-v1:0"),
        ("eu-central-1", f"eu.{SONNET}", "eu.amazon.nova-lite-v1:0"),
        # Sydney: Claude has an Australian profile (narrower than apac), Nova only apac.
        ("ap-southeast-2", f"au.{SONNET}", "apac.amazon.nova-lite-v1:0"),
        ("ap-northeast-1", f"jp.{SONNET}", "apac.amazon.nova-lite-v1:0"),
    ],
)
def test_geo_ids_resolve_to_the_profile_of_the_regions_geography(
    region: str, sonnet: str, nova_lite: str
) -> None:
    # GIVEN region-independent ids and an alias on one of them
    catalog = ModelCatalog(
        _stack(region),
        "Models",
        models=[GEO_SONNET, GEO_NOVA_LITE, TITAN_EMBED],
        aliases={"chat": GEO_SONNET},
        default_alias="chat",
    )
    # THEN the catalogue holds the region's profiles, aliases included
    assert catalog.models == (sonnet, nova_lite, TITAN_EMBED)
    assert catalog.resolve("chat") == sonnet
    arns = _literal(cdk.Stack.of(catalog), catalog.model_arns("chat"))
    assert arns[0] == _profile(region, sonnet)


def test_fails_when_a_geo_id_has_no_profile_in_the_regions_geography() -> None:
    # GIVEN Claude Sonnet 4.5 (profiles us, eu, jp, au, global) in Sao Paulo
    # WHEN built THEN refused, naming the global profile as what would work
    with pytest.raises(
        ValueError,
        match=rf"models: '{GEO_SONNET}' needs an inference profile of sa-east-1's geography, "
        rf"but {SONNET} has profiles in au., eu., global., jp., us. only; use 'global.{SONNET}'",
    ):
        ModelCatalog(_stack("sa-east-1"), "Models", models=[GEO_SONNET])


def test_fails_when_a_geo_id_meets_an_unresolved_region() -> None:
    stack = cdk.Stack(cdk.App(), "Agnostic")
    with pytest.raises(ValueError, match=rf"models: '{GEO_SONNET}' follows the stack's region"):
        ModelCatalog(stack, "Models", models=[GEO_SONNET])


def test_fails_when_an_in_region_model_is_not_offered_in_the_region() -> None:
    # GIVEN Nova Lite in-region in Frankfurt, where Bedrock serves it through profiles only
    # WHEN built THEN refused, naming the EU profile that Frankfurt can call
    with pytest.raises(
        ValueError,
        match=r"models: 'amazon.nova-lite-v1:0' is invoked in-region, but Bedrock does not "
        r"offer amazon.nova-lite-v1:0 in eu-central-1 \(in-region: .*eu-west-2.*\); from "
        r"eu-central-1 use 'eu.amazon.nova-lite-v1:0'",
    ):
        ModelCatalog(_stack("eu-central-1"), "Models", models=["amazon.nova-lite-v1:0"])


def test_in_region_model_is_approved_where_bedrock_offers_it_in_region() -> None:
    catalog = ModelCatalog(_stack("eu-west-2"), "Models", models=["amazon.nova-lite-v1:0"])
    assert catalog.models == ("amazon.nova-lite-v1:0",)


def test_additional_models_are_trusted_in_any_region() -> None:
    # GIVEN a model the user describes (say, AWS added a region before the table knew)
    spec = ModelSpec("amazon", "multimodal", frozenset({"eu"}))
    catalog = ModelCatalog(
        _stack("eu-central-1"),
        "Models",
        models=["amazon.nova-lite-v1:0"],
        additional_models={"amazon.nova-lite-v1:0": spec},
    )
    # THEN the in-region check defers to the user's description
    assert catalog.models == ("amazon.nova-lite-v1:0",)


# --------------------------------------------------------------------------- aliases


def test_resolve_maps_an_alias_to_its_model(catalog: ModelCatalog) -> None:
    assert catalog.resolve("chat") == US_SONNET


def test_resolve_without_a_name_gives_the_default_alias_model(catalog: ModelCatalog) -> None:
    assert catalog.resolve() == US_SONNET


def test_resolve_passes_an_approved_id_through(catalog: ModelCatalog) -> None:
    assert catalog.resolve(TITAN_EMBED) == TITAN_EMBED


def test_resolve_fails_for_an_unknown_alias_and_lists_the_allowed_ones(
    catalog: ModelCatalog,
) -> None:
    with pytest.raises(ValueError, match=r"alias_or_id: 'smart' .* aliases: \['chat'\]"):
        catalog.resolve("smart")


def test_resolve_fails_without_a_name_and_without_a_default() -> None:
    catalog = ModelCatalog(_stack(), "Models", models=[NOVA_PRO])
    with pytest.raises(ValueError, match=r"alias_or_id: None, .* no default_alias"):
        catalog.resolve()


def test_models_and_aliases_are_read_only(catalog: ModelCatalog) -> None:
    assert catalog.models == tuple(MODELS)
    assert catalog.default_alias == "chat"
    with pytest.raises(TypeError):
        catalog.aliases["new"] = NOVA_PRO  # type: ignore[index]


# --------------------------------------------------------------------------- grants


def _invokes(statement: dict[str, Any]) -> bool:
    return any(
        a in INVOKE_ACTIONS or a.startswith("bedrock:InvokeModel") or a in ("*", "bedrock:*")
        for a in _as_list(statement["Action"])
    )


def test_no_allow_statement_lets_invoke_run_without_the_guardrail(granted: Granted) -> None:
    # GIVEN a role granted invoke and embed WHEN every Allow of InvokeModel* is walked
    embedding_arns = set(
        _literal(cdk.Stack.of(granted.catalog), granted.catalog.model_arns(TITAN_EMBED))
    )
    allows = [s for s in granted.statements if s["Effect"] == "Allow" and _invokes(s)]
    assert allows
    for statement in allows:
        condition = statement.get("Condition", {}).get("StringLike", {})
        # THEN each requires a version of the guardrail, except those naming only embedding models
        if set(_as_list(statement["Resource"])) <= embedding_arns:
            continue
        assert condition.get(GUARDRAIL_CONDITION_KEY) == f"{GUARDRAIL_ARN}:*", statement
        assert "*" not in json.dumps(statement["Resource"]), statement


def test_guarded_allows_name_exactly_the_text_models_arns(granted: Granted) -> None:
    stack = cdk.Stack.of(granted.catalog)
    expected = {
        arn
        for m in granted.catalog.text_models
        for arn in _literal(stack, granted.catalog.model_arns(m))
    }
    named = set()
    for sid in ("InvokeApprovedModelsWithGuardrail", "InvokeProfileDestinationsWithGuardrail"):
        statement = granted.statement(sid)
        assert sorted(_as_list(statement["Action"])) == sorted(INVOKE_ACTIONS)
        named |= set(_as_list(statement["Resource"]))
    assert named == expected


def test_profile_destinations_are_allowed_only_through_the_approved_profiles(
    granted: Granted,
) -> None:
    statement = granted.statement("InvokeProfileDestinationsWithGuardrail")
    assert statement["Condition"]["ArnEquals"] == {
        "bedrock:InferenceProfileArn": [
            _profile("us-east-1", US_SONNET),
            _profile("us-east-1", GLOBAL_HAIKU),
        ]
    }


def test_invoking_without_a_guardrail_is_denied(granted: Granted) -> None:
    statement = granted.statement("DenyInvokeWithoutGuardrail")
    assert statement["Effect"] == "Deny"
    assert sorted(statement["Action"]) == sorted(INVOKE_ACTIONS)
    assert statement["Condition"] == {"Null": {GUARDRAIL_CONDITION_KEY: "true"}}
    # every resource except the approved embedding model, which cannot take a guardrail
    assert _as_list(statement["NotResource"]) == [_fm("us-east-1", TITAN_EMBED)]


def test_invoking_with_another_guardrail_is_denied(granted: Granted) -> None:
    statement = granted.statement("DenyInvokeWithOtherGuardrail")
    assert statement["Effect"] == "Deny"
    assert sorted(statement["Action"]) == sorted(INVOKE_ACTIONS)
    assert statement["Condition"] == {
        "StringNotLike": {GUARDRAIL_CONDITION_KEY: f"{GUARDRAIL_ARN}:*"}
    }
    assert _as_list(statement["NotResource"]) == [_fm("us-east-1", TITAN_EMBED)]


def test_invoking_with_the_draft_of_the_guardrail_is_denied(granted: Granted) -> None:
    statement = granted.statement("DenyInvokeWithDraftGuardrail")
    assert statement["Effect"] == "Deny"
    assert sorted(statement["Action"]) == sorted(INVOKE_ACTIONS)
    assert statement["Condition"] == {
        "StringEqualsIgnoreCase": {GUARDRAIL_CONDITION_KEY: f"{GUARDRAIL_ARN}:DRAFT"}
    }
    assert _as_list(statement["NotResource"]) == [_fm("us-east-1", TITAN_EMBED)]


def _iam_like(pattern: str, value: str) -> bool:
    """IAM's StringLike: ``*`` matches any run of characters, ``?`` one character."""
    return (
        re.fullmatch(
            "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), value
        )
        is not None
    )


def _decide(statements: list[dict[str, Any]], resource: str, identifier: str | None) -> str:
    """Evaluate the invoke statements for one request: "deny", "allow" or "implicit deny"."""

    def applies(statement: dict[str, Any]) -> bool:
        if "NotResource" in statement and resource in _as_list(statement["NotResource"]):
            return False
        if "Resource" in statement and not any(
            _iam_like(r, resource) for r in _as_list(statement["Resource"])
        ):
            return False
        for operator, condition in statement.get("Condition", {}).items():
            for key, expected in condition.items():
                if key != GUARDRAIL_CONDITION_KEY:
                    continue  # the profile condition is not part of these requests
                values = _as_list(expected)
                if operator == "Null":
                    if (identifier is None) != (expected == "true"):
                        return False
                elif identifier is None:
                    return False  # other operators do not match an absent key
                elif operator == "StringLike":
                    if not any(_iam_like(v, identifier) for v in values):
                        return False
                elif operator == "StringNotLike":
                    if any(_iam_like(v, identifier) for v in values):
                        return False
                elif operator == "StringEqualsIgnoreCase":
                    if identifier.lower() not in [v.lower() for v in values]:
                        return False
                else:
                    raise AssertionError(f"unexpected operator {operator}")
        return True

    invoking = [s for s in statements if _invokes(s) and "ArnEquals" not in s.get("Condition", {})]
    if any(s["Effect"] == "Deny" and applies(s) for s in invoking):
        return "deny"
    if any(s["Effect"] == "Allow" and applies(s) for s in invoking):
        return "allow"
    return "implicit deny"


@pytest.mark.parametrize(
    ("identifier", "decision"),
    [
        (f"{GUARDRAIL_ARN}:1", "allow"),  # the version the function was configured with
        (f"{GUARDRAIL_ARN}:2", "allow"),  # the version a guardrail edit publishes
        (f"{GUARDRAIL_ARN}:DRAFT", "deny"),
        (f"{GUARDRAIL_ARN}:draft", "deny"),
        (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/other987654:1", "deny"),
        (None, "deny"),
    ],
)
def test_a_guardrail_edit_denies_no_call_but_draft_and_others_stay_denied(
    granted: Granted, identifier: str | None, decision: str
) -> None:
    # GIVEN the policy written for version 1 WHEN a guardrail edit publishes version 2 and the
    # function switches to it before (or after) the policy is updated
    resource = _fm("us-east-1", NOVA_PRO)
    # THEN calls with either version are allowed; none, DRAFT and other guardrails are denied
    assert _decide(granted.statements, resource, identifier) == decision


def test_deny_covers_every_resource_when_no_embedding_model_is_approved() -> None:
    stack = _stack()
    catalog = ModelCatalog(stack, "Models", models=[NOVA_PRO])
    catalog.grant_invoke(_role(stack), FakeGuardrail(stack))
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Sid": "DenyInvokeWithoutGuardrail", "Effect": "Deny", "Resource": "*"}
                        )
                    ]
                )
            }
        },
    )


def test_grant_apply_is_called_once_for_the_grantee(granted: Granted) -> None:
    (applied,) = granted.guardrail.applied_to
    assert applied.grant_principal.policy_fragment is not None
    assert (
        granted.role.policy_fragment.principal_json
        == applied.grant_principal.policy_fragment.principal_json
    )


def test_grants_succeed_and_list_their_statements(granted: Granted) -> None:
    assert granted.invoke_grant.success and granted.embed_grant.success
    assert len(granted.embed_grant.principal_statements) == 1


def test_embedding_models_are_granted_without_a_guardrail_condition(granted: Granted) -> None:
    statement = granted.statement("InvokeApprovedEmbeddingModels")
    assert statement["Action"] == "bedrock:InvokeModel"
    assert statement["Resource"] == _fm("us-east-1", TITAN_EMBED)
    assert "Condition" not in statement


def test_statements_go_in_a_managed_policy_attached_to_the_role(granted: Granted) -> None:
    # GIVEN the role granted invoke and embed WHEN its policy is looked up
    stack = cdk.Stack.of(granted.role)
    policy = granted.catalog.policy_of(granted.role)
    assert policy is not None
    resources = granted.synth.template_json["Resources"]
    assert isinstance(resources, dict)
    resource = resources[stack.get_logical_id(policy.node.default_child)]  # type: ignore[arg-type]
    # THEN it is a customer-managed policy attached to the role, holding every statement
    assert resource["Type"] == "AWS::IAM::ManagedPolicy"
    role_id = stack.get_logical_id(granted.role.node.default_child)  # type: ignore[arg-type]
    assert resource["Properties"]["Roles"] == [{"Ref": role_id}]
    # (the guardrail's ApplyGuardrail grant included, without a Sid)
    assert [s.get("Sid", s) for s in resource["Properties"]["PolicyDocument"]["Statement"]] == [
        "InvokeApprovedModelsWithGuardrail",
        "InvokeProfileDestinationsWithGuardrail",
        "DenyInvokeWithoutGuardrail",
        "DenyInvokeWithOtherGuardrail",
        "DenyInvokeWithDraftGuardrail",
        {"Action": "bedrock:ApplyGuardrail", "Effect": "Allow", "Resource": GUARDRAIL_ARN},
        "InvokeApprovedEmbeddingModels",
    ]
    # and no inline policy exists (NIST and HIPAA refuse them)
    granted.synth.template.resource_count_is("AWS::IAM::Policy", 0)


def test_granting_the_same_role_again_returns_the_first_grant(granted: Granted) -> None:
    again = granted.catalog.grant_invoke(granted.role, granted.guardrail)
    assert again is granted.invoke_grant
    assert granted.catalog.grant_embed(granted.role) is granted.embed_grant


def test_an_imported_role_gets_the_policy_too() -> None:
    stack = _stack()
    catalog = ModelCatalog(stack, "Models", models=[NOVA_PRO])
    imported = iam.Role.from_role_arn(stack, "Imported", f"arn:aws:iam::{ACCOUNT}:role/app")
    catalog.grant_invoke(imported, FakeGuardrail(stack))
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy", {"Roles": ["app"]}
    )


# --------------------------------------------------------------------------- metrics


def test_metrics_are_named_after_the_bedrock_metrics(catalog: ModelCatalog) -> None:
    invocations = catalog.metric_invocations("chat")
    assert (invocations.namespace, invocations.metric_name) == ("AWS/Bedrock", "Invocations")
    assert invocations.dimensions == {"ModelId": US_SONNET}
    assert invocations.statistic == "Sum"
    assert catalog.metric_invocation_latency().metric_name == "InvocationLatency"
    assert catalog.metric_invocation_throttles().metric_name == "InvocationThrottles"
    assert catalog.metric_input_token_count().metric_name == "InputTokenCount"
    assert catalog.metric_output_token_count().metric_name == "OutputTokenCount"
    assert catalog.metric_invocation_client_errors().metric_name == "InvocationClientErrors"
    assert catalog.metric_invocation_server_errors().metric_name == "InvocationServerErrors"


# --------------------------------------------------------------------------- validation


def _build(**props: Any) -> ModelCatalog:
    return ModelCatalog(_stack(), "Models", **{"models": MODELS, **props})


def test_fails_when_a_model_id_is_unknown() -> None:
    with pytest.raises(
        ValueError,
        match=r"models: 'anthropic.claude-9-v1:0' names the unknown foundation model "
        r".*additional_models",
    ):
        _build(models=["anthropic.claude-9-v1:0"])


@pytest.mark.parametrize("bad", ["Claude Sonnet", "anthropic", "US.amazon.nova-pro-v1:0", ""])
def test_fails_when_a_model_id_is_malformed(bad: str) -> None:
    with pytest.raises(ValueError, match=rf"models: {bad!r} is not a model id; expected"):
        _build(models=[bad])


def test_fails_when_a_model_arn_is_given_instead_of_an_id() -> None:
    arn = _fm("us-east-1", NOVA_PRO)
    with pytest.raises(ValueError, match=rf"models: '{arn}' is an ARN; give the model"):
        _build(models=[arn])


def test_fails_when_the_profile_geography_is_not_offered_for_the_model() -> None:
    with pytest.raises(
        ValueError,
        match=rf"models: 'apac.{SONNET}' is not offered as a apac. inference profile; .*global.",
    ):
        _build(models=[f"apac.{SONNET}"])


def test_fails_when_a_model_without_profiles_is_approved_as_a_profile() -> None:
    with pytest.raises(
        ValueError, match=r"models: 'us.amazon.titan-embed-text-v2:0' .* in-region only"
    ):
        _build(models=["us.amazon.titan-embed-text-v2:0"])


def test_fails_when_an_alias_maps_to_an_unapproved_model() -> None:
    with pytest.raises(
        ValueError,
        match=rf"aliases: 'chat' maps to 'us.{HAIKU}', which is not an approved model",
    ):
        _build(aliases={"chat": f"us.{HAIKU}"})


def test_fails_when_the_default_alias_is_unknown() -> None:
    with pytest.raises(
        ValueError, match=r"default_alias: 'smart' is not one of the aliases \['chat'\]"
    ):
        _build(aliases={"chat": US_SONNET}, default_alias="smart")


def test_fails_when_an_alias_name_is_not_allowed() -> None:
    with pytest.raises(ValueError, match=r"aliases: alias 'my chat' is not allowed"):
        _build(aliases={"my chat": US_SONNET})


def test_fails_when_an_alias_is_itself_an_approved_id() -> None:
    with pytest.raises(ValueError, match=rf"aliases: alias '{NOVA_PRO}' is itself an approved"):
        _build(aliases={NOVA_PRO: US_SONNET})


def test_fails_when_a_model_is_listed_twice() -> None:
    with pytest.raises(ValueError, match=rf"models: \['{NOVA_PRO}'\] listed more than once"):
        _build(models=[NOVA_PRO, NOVA_PRO])


def test_fails_when_no_model_is_approved() -> None:
    with pytest.raises(ValueError, match=r"models: \[\] approves nothing"):
        _build(models=[])


def test_fails_when_a_model_id_is_a_token() -> None:
    stack = _stack()
    token = cdk.CfnParameter(stack, "Model").value_as_string
    with pytest.raises(ValueError, match=r"models: '\$\{Token\[.*\]\}' is a token"):
        ModelCatalog(stack, "Models", models=[token])


def test_fails_when_an_additional_model_key_is_a_profile_id() -> None:
    with pytest.raises(
        ValueError, match=r"additional_models: key 'us.acme.writer-v1:0' is not a foundation"
    ):
        _build(additional_models={"us.acme.writer-v1:0": ModelSpec("acme", "text")})


def test_fails_with_every_problem_at_once_and_builds_nothing() -> None:
    stack = _stack()
    with pytest.raises(ValueError) as failure:
        ModelCatalog(
            stack,
            "Models",
            models=["nope", NOVA_PRO],
            aliases={"chat": "missing.model-v1:0"},
            default_alias="fast",
        )
    message = str(failure.value)
    assert message.startswith("ModelCatalog 'Test/Models': invalid props (3 problems)")
    for prop in ("models", "aliases", "default_alias"):
        assert f"  - {prop}: " in message
    assert stack.node.try_find_child("Models") is None


# ------------------------------------------------------------------- grant validation


def test_grant_invoke_fails_for_a_draft_guardrail() -> None:
    stack = _stack()
    catalog = ModelCatalog(stack, "Models", models=[NOVA_PRO])
    draft = FakeGuardrail(stack, version="DRAFT")
    with pytest.raises(
        ValueError,
        match=rf"guardrail: guardrail_version_arn '{GUARDRAIL_ARN}:DRAFT' is not the ARN of a "
        "numbered guardrail version",
    ):
        catalog.grant_invoke(_role(stack), draft)
    assert draft.applied_to == []


def test_grant_invoke_fails_for_a_second_guardrail_on_the_same_role() -> None:
    stack = _stack()
    catalog = ModelCatalog(stack, "Models", models=[NOVA_PRO])
    role = _role(stack)
    catalog.grant_invoke(role, FakeGuardrail(stack))
    other = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/other987654"
    with pytest.raises(ValueError, match=rf"guardrail: '{other}' differs from"):
        catalog.grant_invoke(role, FakeGuardrail(stack, guardrail_arn=other))


def test_granting_again_with_a_newer_version_of_the_guardrail_returns_the_first_grant() -> None:
    stack = _stack()
    catalog = ModelCatalog(stack, "Models", models=[NOVA_PRO])
    role = _role(stack)
    first = catalog.grant_invoke(role, FakeGuardrail(stack))
    assert catalog.grant_invoke(role, FakeGuardrail(stack, version="2")) is first


def test_grant_invoke_fails_when_the_version_arn_is_of_another_guardrail() -> None:
    stack = _stack()
    catalog = ModelCatalog(stack, "Models", models=[NOVA_PRO])
    other = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/other987654"

    class Mismatched(FakeGuardrail):
        @property
        def guardrail_version_arn(self) -> str:
            return f"{other}:1"

    with pytest.raises(
        ValueError, match=rf"'{other}:1' is not a version of guardrail_arn '{GUARDRAIL_ARN}'"
    ):
        catalog.grant_invoke(_role(stack), Mismatched(stack))


def test_grant_invoke_fails_for_a_principal_that_is_not_an_identity() -> None:
    stack = _stack()
    catalog = ModelCatalog(stack, "Models", models=[NOVA_PRO])
    with pytest.raises(ValueError, match=r"grantee: .* is not an IAM role, user or group"):
        catalog.grant_invoke(iam.AccountRootPrincipal(), FakeGuardrail(stack))


def test_grant_invoke_fails_for_a_role_of_another_account() -> None:
    stack = _stack()
    catalog = ModelCatalog(stack, "Models", models=[NOVA_PRO])
    other = iam.Role.from_role_arn(stack, "Other", "arn:aws:iam::333333333333:role/app")
    with pytest.raises(ValueError, match=r"grantee: role 'Test/Other' is in account 333333333333"):
        catalog.grant_invoke(other, FakeGuardrail(stack))


def test_grant_invoke_fails_without_a_text_model() -> None:
    stack = _stack()
    catalog = ModelCatalog(stack, "Models", models=[TITAN_EMBED])
    with pytest.raises(ValueError, match=rf"models: \['{TITAN_EMBED}'\] has no text-generating"):
        catalog.grant_invoke(_role(stack), FakeGuardrail(stack))


def test_grant_embed_fails_without_an_embedding_model() -> None:
    stack = _stack()
    catalog = ModelCatalog(stack, "Models", models=[NOVA_PRO])
    with pytest.raises(ValueError, match=rf"models: \['{NOVA_PRO}'\] has no embedding model"):
        catalog.grant_embed(_role(stack))


def test_grant_invoke_fails_when_the_policy_would_be_too_large() -> None:
    # GIVEN many EU profiles, each needing its model in eight regions
    stack = _stack("eu-west-1")
    extra = {
        f"acme.model-{i}-v1:0": ModelSpec("acme", "text", frozenset({"eu"})) for i in range(12)
    }
    catalog = ModelCatalog(
        stack, "Models", models=[f"eu.{m}" for m in extra], additional_models=extra
    )
    # WHEN granted THEN the size is refused before anything is written
    with pytest.raises(ValueError, match=r"models: \['eu.acme.model-0-v1:0', .* over the 6144"):
        catalog.grant_invoke(_role(stack), FakeGuardrail(stack))
    assert catalog.node.try_find_child("Policy") is None
    Template.from_stack(stack).resource_count_is("AWS::IAM::ManagedPolicy", 0)


# --------------------------------------------------------------------------- compliance


def test_role_granted_invoke_has_no_unacknowledged_nag_findings(granted: Granted) -> None:
    report = granted.synth.report
    assert report.findings == [], report.describe()
    assert report.acknowledged_in("Test") == []


def test_role_granted_invoke_has_no_lint_errors(granted: Granted) -> None:
    template_file = granted.synth.assembly_dir / "Test.template.json"
    errors = [i for i in lint_template(template_file, region="us-east-1") if i.is_error]
    assert errors == [], errors
