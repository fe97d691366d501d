"""Guardrail and GuardrailEnforcement: policies, version pinning, grants, metrics, checks, nag."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Annotations, Match, Template

from genai_platform.checks import lint_template
from genai_platform.constructs.guardrail import (
    CREDENTIAL_PII_TYPES,
    DEFAULT_BLOCKED_INPUT_MESSAGE,
    DEFAULT_BLOCKED_OUTPUT_MESSAGE,
    IMPORTED_KEY_WARNING_ID,
    PERSONAL_PII_TYPES,
    STRICT_CONTENT_FILTERS,
    ContentFilter,
    DeniedTopic,
    Guardrail,
    GuardrailEnforcement,
    PiiEntity,
    RegexFilter,
)
from tests.conftest import TEST_ENV, NagSynth

GUARDRAIL = "AWS::Bedrock::Guardrail"
VERSION = "AWS::Bedrock::GuardrailVersion"
ENFORCEMENT = "AWS::Bedrock::EnforcedGuardrailConfiguration"
PROFILE = "us.guardrail.v1:0"
PROFILE_REGIONS = ["us-east-1", "us-east-2", "us-west-2"]
CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"
TITAN_EMBED = "amazon.titan-embed-text-v2:0"

CUSTOM_TOPIC = DeniedTopic(
    name="Investment advice",
    definition="Recommendations about buying, selling or holding financial products.",
    examples=["Should I buy this stock?", "Which fund will grow fastest?"],
)
CUSTOM_REGEX = RegexFilter(
    name="Employee id",
    pattern=r"EMP-\d{6}",
    action="ANONYMIZE",
    description="Internal employee numbers",
)


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test", env=TEST_ENV)


def _only(template: Template, resource_type: str) -> tuple[str, Mapping[str, Any]]:
    resources = template.find_resources(resource_type)
    assert len(resources) == 1, resources
    logical_id, resource = next(iter(resources.items()))
    return logical_id, resource


def _properties(template: Template, resource_type: str = GUARDRAIL) -> Mapping[str, Any]:
    properties: Mapping[str, Any] = _only(template, resource_type)[1]["Properties"]
    return properties


def _version_id(**props: Any) -> str:
    stack = _stack()
    Guardrail(stack, "Guardrail", **props)
    return _only(Template.from_stack(stack), VERSION)[0]


def _policy_statements(template: Template) -> list[dict[str, Any]]:
    # grants to a role land in one customer-managed policy (never an inline policy)
    assert template.find_resources("AWS::IAM::Policy") == {}
    _, policy = _only(template, "AWS::IAM::ManagedPolicy")
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _write(template: Template, path: Path) -> Path:
    path.write_text(json.dumps(template.to_json()), "utf-8")
    return path


# --------------------------------------------------------------------------- shared templates


@pytest.fixture(scope="module")
def default_stack() -> cdk.Stack:
    """Defaults, enforced for all models, applied by one role."""
    stack = _stack()
    guardrail = Guardrail(stack, "Guardrail")
    GuardrailEnforcement(stack, "Enforcement", guardrail=guardrail)
    role = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    guardrail.grant_apply(role)
    return stack


@pytest.fixture(scope="module")
def default_template(default_stack: cdk.Stack) -> Template:
    return Template.from_stack(default_stack)


@pytest.fixture(scope="module")
def default_guardrail(default_stack: cdk.Stack) -> Guardrail:
    found = default_stack.node.find_child("Guardrail")
    assert isinstance(found, Guardrail)
    return found


@pytest.fixture(scope="module")
def custom_template() -> Template:
    """Every policy overridden; a KMS key; the STANDARD tier with a profile; a model subset."""
    stack = _stack()
    key = kms.Key(stack, "GuardrailKey", enable_key_rotation=True)
    guardrail = Guardrail(
        stack,
        "Guardrail",
        guardrail_name="support-bot",
        description="Guardrail of the support assistant",
        content_filters=[
            ContentFilter(type="HATE", input_strength="MEDIUM", output_strength="LOW"),
            ContentFilter(type="PROMPT_ATTACK", input_strength="LOW"),
        ],
        denied_topics=[CUSTOM_TOPIC],
        denied_words=["project falcon", "acme-internal"],
        profanity_filter=False,
        pii_entities=[PiiEntity(type="EMAIL", input_action="ANONYMIZE", output_action="BLOCK")],
        regex_filters=[CUSTOM_REGEX],
        grounding_threshold=0.75,
        relevance_threshold=0.5,
        blocked_input_message="We can't help with that request.",
        blocked_output_message="We can't share that answer.",
        kms_key=key,
        tier="STANDARD",
        cross_region_profile=PROFILE,
        cross_region_profile_regions=PROFILE_REGIONS,
        version_removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    GuardrailEnforcement(
        stack,
        "Enforcement",
        guardrail=guardrail,
        excluded_models=[TITAN_EMBED],
        system_prompt_guarding="SELECTIVE",
    )
    role = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    guardrail.grant_apply(role)
    return Template.from_stack(stack)


# --------------------------------------------------------------------------- strict defaults


def test_default_content_filters_are_all_high(default_template: Template) -> None:
    # GIVEN defaults WHEN synthesized THEN the five harm categories are HIGH both ways
    filters = _properties(default_template)["ContentPolicyConfig"]["FiltersConfig"]
    harms = {f["Type"]: (f["InputStrength"], f["OutputStrength"]) for f in filters}
    for kind in ("SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT"):
        assert harms[kind] == ("HIGH", "HIGH")
    assert len(filters) == len(STRICT_CONTENT_FILTERS) == 6


def test_default_prompt_attack_filter_is_high_on_input_and_none_on_output(
    default_template: Template,
) -> None:
    filters = _properties(default_template)["ContentPolicyConfig"]["FiltersConfig"]
    assert {"Type": "PROMPT_ATTACK", "InputStrength": "HIGH", "OutputStrength": "NONE"} in filters


def test_prompt_attack_output_is_rendered_none_even_when_input_is_low(
    custom_template: Template,
) -> None:
    # GIVEN PROMPT_ATTACK with input LOW and no output strength THEN output NONE, not LOW
    filters = _properties(custom_template)["ContentPolicyConfig"]["FiltersConfig"]
    assert {"Type": "PROMPT_ATTACK", "InputStrength": "LOW", "OutputStrength": "NONE"} in filters


def test_default_blocks_credentials_in_inputs_and_outputs(default_template: Template) -> None:
    entities = _properties(default_template)["SensitiveInformationPolicyConfig"][
        "PiiEntitiesConfig"
    ]
    blocked = {
        e["Type"] for e in entities if (e["InputAction"], e["OutputAction"]) == ("BLOCK",) * 2
    }
    assert set(CREDENTIAL_PII_TYPES) <= blocked
    assert {"AWS_ACCESS_KEY", "AWS_SECRET_KEY", "PASSWORD", "PIN"} <= blocked


def test_default_anonymizes_personal_data_in_outputs(default_template: Template) -> None:
    entities = _properties(default_template)["SensitiveInformationPolicyConfig"][
        "PiiEntitiesConfig"
    ]
    anonymized = {e["Type"]: e for e in entities if e["OutputAction"] == "ANONYMIZE"}
    assert set(PERSONAL_PII_TYPES) == set(anonymized)
    for kind in ("EMAIL", "PHONE", "NAME", "ADDRESS", "CREDIT_DEBIT_CARD_NUMBER"):
        assert anonymized[kind]["InputAction"] == "NONE"
        assert anonymized[kind]["Action"] == "ANONYMIZE"
    assert "US_SOCIAL_SECURITY_NUMBER" in anonymized


def test_default_blocks_the_managed_profanity_list(default_template: Template) -> None:
    assert _properties(default_template)["WordPolicyConfig"] == {
        "ManagedWordListsConfig": [{"Type": "PROFANITY"}]
    }


def test_default_messages_tier_and_no_optional_policies(default_template: Template) -> None:
    properties = _properties(default_template)
    assert properties["BlockedInputMessaging"] == DEFAULT_BLOCKED_INPUT_MESSAGE
    assert properties["BlockedOutputsMessaging"] == DEFAULT_BLOCKED_OUTPUT_MESSAGE
    assert properties["ContentPolicyConfig"]["ContentFiltersTierConfig"] == {"TierName": "CLASSIC"}
    for absent in (
        "TopicPolicyConfig",
        "ContextualGroundingPolicyConfig",
        "CrossRegionConfig",
        "KmsKeyArn",
    ):
        assert absent not in properties


def test_default_name_is_unique_and_valid(default_guardrail: Guardrail) -> None:
    name = default_guardrail.guardrail_name
    assert name.startswith("Test-Guardrail-")
    assert len(name) <= 50


def test_guardrail_is_the_default_child(default_guardrail: Guardrail) -> None:
    assert default_guardrail.node.default_child is default_guardrail.resource


# --------------------------------------------------------------------------- custom overrides


def test_custom_content_filters_replace_the_defaults(custom_template: Template) -> None:
    filters = _properties(custom_template)["ContentPolicyConfig"]["FiltersConfig"]
    assert filters == [
        {"Type": "HATE", "InputStrength": "MEDIUM", "OutputStrength": "LOW"},
        {"Type": "PROMPT_ATTACK", "InputStrength": "LOW", "OutputStrength": "NONE"},
    ]


def test_denied_topic_renders_name_definition_and_examples(custom_template: Template) -> None:
    assert _properties(custom_template)["TopicPolicyConfig"] == {
        "TopicsConfig": [
            {
                "Name": "Investment advice",
                "Definition": CUSTOM_TOPIC.definition,
                "Examples": list(CUSTOM_TOPIC.examples),
                "Type": "DENY",
            }
        ],
        "TopicsTierConfig": {"TierName": "STANDARD"},
    }


def test_denied_words_without_profanity_list(custom_template: Template) -> None:
    assert _properties(custom_template)["WordPolicyConfig"] == {
        "WordsConfig": [{"Text": "project falcon"}, {"Text": "acme-internal"}]
    }


def test_custom_pii_entity_and_regex(custom_template: Template) -> None:
    assert _properties(custom_template)["SensitiveInformationPolicyConfig"] == {
        "PiiEntitiesConfig": [
            {
                "Type": "EMAIL",
                "Action": "BLOCK",
                "InputAction": "ANONYMIZE",
                "OutputAction": "BLOCK",
            }
        ],
        "RegexesConfig": [
            {
                "Name": "Employee id",
                "Pattern": r"EMP-\d{6}",
                "Action": "ANONYMIZE",
                "Description": "Internal employee numbers",
            }
        ],
    }


def test_grounding_and_relevance_thresholds(custom_template: Template) -> None:
    assert _properties(custom_template)["ContextualGroundingPolicyConfig"] == {
        "FiltersConfig": [
            {"Type": "GROUNDING", "Threshold": 0.75},
            {"Type": "RELEVANCE", "Threshold": 0.5},
        ]
    }


def test_custom_name_description_and_messages(custom_template: Template) -> None:
    custom_template.has_resource_properties(
        GUARDRAIL,
        {
            "Name": "support-bot",
            "Description": "Guardrail of the support assistant",
            "BlockedInputMessaging": "We can't help with that request.",
            "BlockedOutputsMessaging": "We can't share that answer.",
        },
    )


def test_standard_tier_uses_the_cross_region_profile_of_this_account_and_region(
    custom_template: Template,
) -> None:
    properties = _properties(custom_template)
    assert properties["ContentPolicyConfig"]["ContentFiltersTierConfig"] == {"TierName": "STANDARD"}
    assert properties["CrossRegionConfig"] == {
        "GuardrailProfileArn": {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    f":bedrock:us-east-1:222222222222:guardrail-profile/{PROFILE}",
                ],
            ]
        }
    }


def test_profile_arn_is_accepted_like_its_id() -> None:
    # GIVEN the profile's ARN instead of its id THEN the same profile ARN is rendered
    stack = _stack()
    Guardrail(
        stack,
        "Guardrail",
        tier="STANDARD",
        cross_region_profile=f"arn:aws:bedrock:us-east-1:222222222222:guardrail-profile/{PROFILE}",
    )
    arn = _properties(Template.from_stack(stack))["CrossRegionConfig"]["GuardrailProfileArn"]
    assert arn["Fn::Join"][1][2].endswith(f":guardrail-profile/{PROFILE}")


# --------------------------------------------------------------------------- KMS key


def test_kms_key_encrypts_the_guardrail(custom_template: Template) -> None:
    key_id = _only(custom_template, "AWS::KMS::Key")[0]
    assert _properties(custom_template)["KmsKeyArn"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_key_policy_lets_this_account_use_the_key_through_bedrock_only(
    custom_template: Template,
) -> None:
    _, key = _only(custom_template, "AWS::KMS::Key")
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    bedrock_statements = [
        s for s in statements if s.get("Sid") == "AllowBedrockGuardrailsInThisAccount"
    ]
    assert len(bedrock_statements) == 1
    statement = bedrock_statements[0]
    assert sorted(statement["Action"]) == [
        "kms:CreateGrant",
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:GenerateDataKey",
    ]
    assert statement["Principal"] == {
        "AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::222222222222:root"]]}
    }
    condition = statement["Condition"]["StringEquals"]
    assert condition["kms:CallerAccount"] == "222222222222"
    assert condition["kms:ViaService"] == {
        "Fn::Join": ["", ["bedrock.us-east-1.", {"Ref": "AWS::URLSuffix"}]]
    }


def test_imported_key_gets_a_warning_that_its_policy_was_not_changed() -> None:
    stack = _stack()
    key = kms.Key.from_key_arn(
        stack, "Imported", "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef"
    )
    Guardrail(stack, "Guardrail", kms_key=key)
    Annotations.from_stack(stack).has_warning(
        "/Test/Guardrail", Match.string_like_regexp("key policy was not changed")
    )
    assert IMPORTED_KEY_WARNING_ID.startswith("genai-platform:")


# --------------------------------------------------------------------------- published version


def test_a_version_is_published_from_the_guardrail(default_template: Template) -> None:
    guardrail_id = _only(default_template, GUARDRAIL)[0]
    _, version = _only(default_template, VERSION)
    assert version["Properties"]["GuardrailIdentifier"] == {
        "Fn::GetAtt": [guardrail_id, "GuardrailId"]
    }
    assert version["Properties"]["Description"].startswith("Definition sha256:")
    assert version["DeletionPolicy"] == "Delete"


def test_retained_versions_survive_replacement(custom_template: Template) -> None:
    _, version = _only(custom_template, VERSION)
    assert version["DeletionPolicy"] == "Retain"
    assert version["UpdateReplacePolicy"] == "Retain"


def test_version_logical_id_is_stable_while_the_definition_is_unchanged() -> None:
    # GIVEN the same definition built twice (once with a tag) THEN the same version resource
    first = _version_id()
    stack = _stack()
    cdk.Tags.of(Guardrail(stack, "Guardrail")).add("team", "platform")
    tagged = _only(Template.from_stack(stack), VERSION)[0]
    assert first == _version_id() == tagged


@pytest.mark.parametrize(
    "change",
    [
        {"blocked_input_message": "Not allowed."},
        {"content_filters": [ContentFilter(type="HATE")]},
        {"denied_words": ["falcon"]},
        {"grounding_threshold": 0.5},
    ],
)
def test_version_logical_id_changes_with_the_definition(change: dict[str, Any]) -> None:
    # GIVEN a definition change WHEN synthesized THEN a new version resource (a new number)
    assert _version_id(**change) != _version_id()


def test_version_logical_id_follows_changes_made_on_the_l1_after_construction() -> None:
    # GIVEN the CfnGuardrail changed after the construct was built THEN the hash sees it
    stack = _stack()
    guardrail = Guardrail(stack, "Guardrail")
    guardrail.resource.blocked_outputs_messaging = "Changed later."
    assert _only(Template.from_stack(stack), VERSION)[0] != _version_id()


def test_enforcement_pins_the_published_version_not_draft(default_template: Template) -> None:
    guardrail_id = _only(default_template, GUARDRAIL)[0]
    version_id = _only(default_template, VERSION)[0]
    properties = _properties(default_template, ENFORCEMENT)
    assert properties["GuardrailIdentifier"] == {"Fn::GetAtt": [guardrail_id, "GuardrailArn"]}
    assert properties["GuardrailVersion"] == {"Fn::GetAtt": [version_id, "Version"]}


def test_version_attributes_resolve_to_the_published_version(
    default_stack: cdk.Stack, default_guardrail: Guardrail
) -> None:
    template = Template.from_stack(default_stack)
    guardrail_id = _only(template, GUARDRAIL)[0]
    version_id = _only(template, VERSION)[0]
    resolve = default_stack.resolve
    assert resolve(default_guardrail.guardrail_id) == {"Fn::GetAtt": [guardrail_id, "GuardrailId"]}
    assert resolve(default_guardrail.guardrail_version) == {"Fn::GetAtt": [version_id, "Version"]}
    assert resolve(default_guardrail.guardrail_version_arn) == {
        "Fn::Join": [
            "",
            [
                {"Fn::GetAtt": [guardrail_id, "GuardrailArn"]},
                ":",
                {"Fn::GetAtt": [version_id, "Version"]},
            ],
        ]
    }


# --------------------------------------------------------------------------- enforcement


def test_default_enforcement_covers_all_models_comprehensively(
    default_template: Template,
) -> None:
    properties = _properties(default_template, ENFORCEMENT)
    assert "ModelEnforcement" not in properties
    assert properties["SelectiveContentGuarding"] == {
        "System": "COMPREHENSIVE",
        "Messages": "COMPREHENSIVE",
    }


def test_excluded_models_enforce_on_all_other_models(custom_template: Template) -> None:
    properties = _properties(custom_template, ENFORCEMENT)
    assert properties["ModelEnforcement"] == {
        "IncludedModels": ["ALL"],
        "ExcludedModels": [TITAN_EMBED],
    }
    assert properties["SelectiveContentGuarding"] == {
        "System": "SELECTIVE",
        "Messages": "COMPREHENSIVE",
    }


def test_included_models_limit_the_enforcement() -> None:
    stack = _stack()
    GuardrailEnforcement(
        stack, "Enforcement", guardrail=Guardrail(stack, "Guardrail"), included_models=[CLAUDE]
    )
    assert _properties(Template.from_stack(stack), ENFORCEMENT)["ModelEnforcement"] == {
        "IncludedModels": [CLAUDE],
        "ExcludedModels": [],
    }


# --------------------------------------------------------------------------- grants


def test_grant_apply_allows_apply_guardrail_on_the_guardrail_only(
    default_template: Template,
) -> None:
    guardrail_id = _only(default_template, GUARDRAIL)[0]
    assert _policy_statements(default_template) == [
        {
            "Action": "bedrock:ApplyGuardrail",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [guardrail_id, "GuardrailArn"]},
        }
    ]


def test_grant_apply_with_profile_and_key_adds_profile_regions_and_decrypt(
    custom_template: Template,
) -> None:
    guardrail_id = _only(custom_template, GUARDRAIL)[0]
    key_id = _only(custom_template, "AWS::KMS::Key")[0]
    apply, decrypt = _policy_statements(custom_template)
    assert apply["Action"] == "bedrock:ApplyGuardrail"
    assert apply["Resource"][0] == {"Fn::GetAtt": [guardrail_id, "GuardrailArn"]}
    profile_arns = [r["Fn::Join"][1][2] for r in apply["Resource"][1:]]
    assert profile_arns == [
        f":bedrock:{region}:222222222222:guardrail-profile/{PROFILE}" for region in PROFILE_REGIONS
    ]
    assert decrypt == {
        "Action": "kms:Decrypt",
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [key_id, "Arn"]},
    }


def test_grant_apply_without_profile_regions_allows_the_profile_in_every_region() -> None:
    stack = _stack()
    guardrail = Guardrail(stack, "Guardrail", tier="STANDARD", cross_region_profile=PROFILE)
    role = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    guardrail.grant_apply(role)
    (statement,) = _policy_statements(Template.from_stack(stack))
    assert statement["Resource"][1]["Fn::Join"][1][2] == (
        f":bedrock:*:222222222222:guardrail-profile/{PROFILE}"
    )


# --------------------------------------------------------------------------- metrics


@pytest.mark.parametrize(
    ("method", "metric_name", "statistic"),
    [
        ("metric_invocations", "Invocations", "Sum"),
        ("metric_interventions", "InvocationsIntervened", "Sum"),
        ("metric_latency", "InvocationLatency", "p99"),
        ("metric_text_units", "TextUnitCount", "Sum"),
        ("metric_throttles", "InvocationThrottles", "Sum"),
    ],
)
def test_metrics_use_the_guardrails_namespace_and_the_published_version(
    default_stack: cdk.Stack,
    default_guardrail: Guardrail,
    method: str,
    metric_name: str,
    statistic: str,
) -> None:
    metric = getattr(default_guardrail, method)()
    assert metric.namespace == "AWS/Bedrock/Guardrails"
    assert metric.metric_name == metric_name
    assert metric.statistic == statistic
    assert metric.period.to_minutes() == 5
    assert default_stack.resolve(metric.dimensions) == {
        "GuardrailArn": default_stack.resolve(default_guardrail.guardrail_arn),
        "GuardrailVersion": default_stack.resolve(default_guardrail.guardrail_version),
    }


def test_generic_metric_adds_dimensions_and_options(
    default_stack: cdk.Stack, default_guardrail: Guardrail
) -> None:
    metric = default_guardrail.metric(
        "InvocationsIntervened",
        statistic="Average",
        period=cdk.Duration.hours(1),
        dimensions_map={"GuardrailPolicyType": "ContentPolicy"},
    )
    assert metric.statistic == "Average"
    assert metric.period.to_hours() == 1
    assert set(default_stack.resolve(metric.dimensions)) == {
        "GuardrailArn",
        "GuardrailVersion",
        "GuardrailPolicyType",
    }


# --------------------------------------------------------------------------- validation


def _build(**props: Any) -> Guardrail:
    return Guardrail(_stack(), "Guardrail", **props)


def _fails(match: str, **props: Any) -> str:
    with pytest.raises(ValueError, match=match) as failure:
        _build(**props)
    return str(failure.value)


def test_fails_when_a_content_filter_type_is_unknown() -> None:
    _fails(
        r"content_filters\[0\]\.type: 'VIOLENT' is not a content filter type; allowed: SEXUAL,",
        content_filters=[ContentFilter(type="VIOLENT")],
    )


def test_fails_when_a_filter_strength_is_unknown() -> None:
    _fails(
        r"content_filters\[0\]\.input_strength: 'EXTREME' is not a filter strength; "
        r"allowed: NONE, LOW, MEDIUM, HIGH",
        content_filters=[ContentFilter(type="HATE", input_strength="EXTREME")],
    )


def test_fails_when_prompt_attack_has_an_output_strength() -> None:
    _fails(
        r"content_filters\[1\]\.output_strength: 'HIGH' is not allowed for PROMPT_ATTACK; .*"
        r"must be 'NONE'",
        content_filters=[
            ContentFilter(type="HATE"),
            ContentFilter(type="PROMPT_ATTACK", output_strength="HIGH"),
        ],
    )


def test_fails_when_a_filter_type_repeats() -> None:
    _fails(
        r"content_filters: \['HATE'\] listed more than once",
        content_filters=[ContentFilter(type="HATE"), ContentFilter(type="HATE")],
    )


def test_fails_when_a_filter_filters_nothing() -> None:
    _fails(
        r"content_filters\[0\]: INSULTS with both strengths 'NONE' filters nothing",
        content_filters=[ContentFilter(type="INSULTS", input_strength="NONE")],
    )


def test_fails_when_a_content_filter_is_not_a_content_filter() -> None:
    _fails(r"content_filters\[0\]: 'HATE' is not a ContentFilter", content_filters=["HATE"])


def test_fails_when_a_pii_entity_type_is_unknown() -> None:
    _fails(
        r"pii_entities\[0\]\.type: 'SSN' is not a PII entity type; allowed: ADDRESS, AGE,",
        pii_entities=[PiiEntity(type="SSN")],
    )


def test_fails_when_a_pii_action_is_unknown() -> None:
    _fails(
        r"pii_entities\[0\]\.output_action: 'MASK' is not a sensitive-information action; "
        r"allowed: BLOCK, ANONYMIZE, NONE",
        pii_entities=[PiiEntity(type="EMAIL", output_action="MASK")],
    )


def test_fails_when_a_pii_type_repeats() -> None:
    _fails(
        r"pii_entities: \['EMAIL'\] listed more than once",
        pii_entities=[PiiEntity(type="EMAIL"), PiiEntity(type="EMAIL", input_action="NONE")],
    )


def test_fails_when_a_regex_action_or_pattern_is_not_allowed() -> None:
    message = _fails(
        r"regex_filters\[0\]\.action: 'REDACT' is not a sensitive-information action",
        regex_filters=[RegexFilter(name="ids", pattern="x" * 501, action="REDACT")],
    )
    assert "regex_filters[0].pattern: 'xxx" in message
    assert "(501 characters) is not allowed; give 1-500 characters" in message


def test_fails_when_the_guardrail_has_no_policy_at_all() -> None:
    _fails(
        r"content_filters, denied_topics, .* all empty or off, so the guardrail has no policy",
        content_filters=[],
        pii_entities=[],
        profanity_filter=False,
    )


@pytest.mark.parametrize("threshold", [1.0, -0.1, 0.995])
def test_fails_when_a_threshold_is_out_of_range(threshold: float) -> None:
    _fails(
        rf"grounding_threshold: {threshold!r} is not allowed; give a number from 0 to 0.99",
        grounding_threshold=threshold,
    )


def test_fails_when_relevance_threshold_is_not_a_number() -> None:
    _fails(r"relevance_threshold: 'high' is not allowed", relevance_threshold="high")


@pytest.mark.parametrize("prop", ["blocked_input_message", "blocked_output_message"])
def test_fails_when_a_blocked_message_is_over_500_characters(prop: str) -> None:
    _fails(
        rf"{prop}: 'aaa.*\.\.\.' \(501 characters\) is not allowed; give 1-500 characters",
        **{prop: "a" * 501},
    )


def test_fails_when_a_blocked_message_is_empty() -> None:
    _fails(
        r"blocked_input_message: '' \(0 characters\) is not allowed; give 1-500",
        blocked_input_message="",
    )


def test_fails_when_a_topic_breaks_the_service_limits() -> None:
    topic = DeniedTopic(
        name="Crypto/Stocks",
        definition="d" * 201,
        examples=["e"] * 6,
    )
    message = _fails(
        r"denied_topics\[0\]\.name: 'Crypto/Stocks' has characters", denied_topics=[topic]
    )
    assert "denied_topics[0].definition: 'ddd" in message
    assert "(201 characters) is not allowed; give 1-200 characters" in message
    assert "denied_topics[0].examples: 6 examples; at most 5" in message


def test_fails_when_a_topic_example_is_too_long() -> None:
    topic = DeniedTopic(name="Crypto", definition="Crypto assets.", examples=["x" * 101])
    _fails(
        r"denied_topics\[0\]\.examples\[0\]: 'x+\.\.\.' \(101 characters\) is not allowed; "
        r"give 1-100",
        denied_topics=[topic],
    )


def test_fails_when_there_are_more_than_30_topics_or_repeated_names() -> None:
    topics = [DeniedTopic(name=f"Topic {i}", definition="Something.") for i in range(31)]
    message = _fails(
        r"denied_topics: 31 topics \(.*'Topic 0'.*\); at most 30", denied_topics=topics
    )
    assert "repeated" not in message
    _fails(
        r"denied_topics: names \['Crypto', 'crypto'\] used more than once",
        denied_topics=[
            DeniedTopic(name="Crypto", definition="One."),
            DeniedTopic(name="crypto", definition="Two."),
        ],
    )


def test_fails_when_denied_words_are_invalid() -> None:
    message = _fails(
        r"denied_words: \['  ', 'x{101}'\] are not allowed; each word or phrase has 1-100",
        denied_words=["falcon", "  ", "x" * 101, "Falcon"],
    )
    assert "denied_words: ['Falcon', 'falcon'] listed more than once" in message


def test_fails_when_denied_words_is_a_single_string() -> None:
    _fails(r"denied_words: 'falcon' is not a list of words", denied_words="falcon")


def test_fails_when_tier_is_unknown() -> None:
    _fails(r"tier: 'PREMIUM' is not a guardrail tier; allowed: CLASSIC, STANDARD", tier="PREMIUM")


def test_fails_when_standard_tier_has_no_cross_region_profile() -> None:
    _fails(
        r"cross_region_profile: None is not allowed with tier 'STANDARD'; .*'us.guardrail.v1:0'",
        tier="STANDARD",
    )


@pytest.mark.parametrize("profile", ["us-guardrail", "arn:aws:bedrock:us-east-1:1:guardrail/x"])
def test_fails_when_the_profile_is_malformed(profile: str) -> None:
    _fails(
        rf"cross_region_profile: '{profile}' is not a guardrail profile",
        cross_region_profile=profile,
    )


def test_fails_when_the_profile_arn_is_in_another_account() -> None:
    arn = f"arn:aws:bedrock:us-east-1:333333333333:guardrail-profile/{PROFILE}"
    _fails(
        rf"cross_region_profile: '{arn}' is in account '333333333333', but the stack's account "
        r"is '222222222222'",
        cross_region_profile=arn,
    )


def test_fails_when_profile_regions_are_given_without_a_profile_or_malformed() -> None:
    _fails(
        r"cross_region_profile_regions: \['us-east-2'\] given without cross_region_profile",
        cross_region_profile_regions=["us-east-2"],
    )
    _fails(
        r"cross_region_profile_regions: \['US East'\] are not Region names",
        cross_region_profile=PROFILE,
        cross_region_profile_regions=["US East"],
    )


@pytest.mark.parametrize("name", ["support bot", "", "x" * 51])
def test_fails_when_the_name_is_not_allowed(name: str) -> None:
    with pytest.raises(ValueError) as failure:
        _build(guardrail_name=name)
    assert f"guardrail_name: {name!r}" in str(failure.value)


def test_fails_when_version_removal_policy_is_snapshot() -> None:
    _fails(
        r"version_removal_policy: .*SNAPSHOT.* is not allowed; give RemovalPolicy.DESTROY",
        version_removal_policy=cdk.RemovalPolicy.SNAPSHOT,
    )


def test_fails_with_every_problem_at_once_and_builds_nothing() -> None:
    # GIVEN several bad props WHEN built THEN one error lists them all, and the scope is empty
    stack = _stack()
    with pytest.raises(ValueError) as failure:
        Guardrail(
            stack,
            "Guardrail",
            content_filters=[ContentFilter(type="VIOLENT")],
            pii_entities=[PiiEntity(type="SSN")],
            grounding_threshold=2,
            blocked_output_message="",
            tier="PREMIUM",
        )
    message = str(failure.value)
    assert message.startswith("Guardrail 'Test/Guardrail': invalid props (5 problems)")
    for prop in (
        "content_filters[0].type",
        "pii_entities[0].type",
        "grounding_threshold",
        "blocked_output_message",
        "tier",
    ):
        assert f"  - {prop}: " in message
    assert stack.node.try_find_child("Guardrail") is None


def test_tokens_are_not_validated() -> None:
    # GIVEN deploy-time values WHEN built THEN accepted as they are
    stack = _stack()
    message = cdk.CfnParameter(stack, "Message").value_as_string
    threshold = cdk.CfnParameter(stack, "Threshold", type="Number").value_as_number
    Guardrail(
        stack,
        "Guardrail",
        blocked_input_message=message,
        grounding_threshold=threshold,
        denied_words=[cdk.CfnParameter(stack, "Word").value_as_string],
    )
    _properties(Template.from_stack(stack))


# ---- enforcement validation


def _enforce(stack: cdk.Stack | None = None, **props: Any) -> GuardrailEnforcement:
    stack = stack or _stack()
    guardrail = props.pop("guardrail", None) or Guardrail(stack, "Guardrail")
    return GuardrailEnforcement(stack, "Enforcement", guardrail=guardrail, **props)


@pytest.mark.parametrize(
    "model", ["us.anthropic.claude-3-haiku-20240307-v1:0", "Claude 3", "anthropic"]
)
def test_enforcement_fails_when_a_model_id_is_not_a_base_model(model: str) -> None:
    with pytest.raises(ValueError) as failure:
        _enforce(included_models=[model])
    assert f"included_models: [{model!r}] are not base model ids" in str(failure.value)


def test_enforcement_fails_when_all_is_mixed_with_model_ids() -> None:
    with pytest.raises(ValueError, match=r"included_models: \['ALL', '.*'\] mixes 'ALL'"):
        _enforce(included_models=["ALL", CLAUDE])


def test_enforcement_fails_when_a_model_is_included_and_excluded() -> None:
    with pytest.raises(
        ValueError, match=rf"excluded_models: \['{CLAUDE}'\] also in included_models"
    ):
        _enforce(included_models=[CLAUDE], excluded_models=[CLAUDE])


def test_enforcement_fails_when_included_models_is_empty() -> None:
    with pytest.raises(ValueError, match=r"included_models: \[\] would enforce .* on no model"):
        _enforce(included_models=[])


def test_enforcement_fails_when_a_guarding_mode_is_unknown() -> None:
    with pytest.raises(
        ValueError,
        match=r"message_guarding: 'ALL' is not a guarding mode; allowed: SELECTIVE, COMPREHENSIVE",
    ):
        _enforce(message_guarding="ALL")


def test_enforcement_fails_when_guardrail_is_not_a_guardrail() -> None:
    with pytest.raises(ValueError, match=r"guardrail: 'gr-123' is not a Guardrail"):
        _enforce(guardrail="gr-123")


def test_enforcement_fails_when_the_guardrail_is_in_another_region() -> None:
    app = cdk.App()
    home = cdk.Stack(app, "Home", env=TEST_ENV)
    guardrail = Guardrail(home, "Guardrail")
    other = cdk.Stack(app, "Other", env=cdk.Environment(account="222222222222", region="eu-west-1"))
    with pytest.raises(
        ValueError,
        match=r"guardrail: 'Home/Guardrail' is in region 'us-east-1', but the enforcement's "
        r"stack is in region 'eu-west-1'",
    ):
        GuardrailEnforcement(other, "Enforcement", guardrail=guardrail)


def test_enforcement_fails_when_the_stack_already_enforces_one() -> None:
    stack = _stack()
    first = _enforce(stack)
    with pytest.raises(
        ValueError, match=r"guardrail: the stack already enforces a guardrail at 'Test/Enforcement'"
    ):
        GuardrailEnforcement(stack, "Second", guardrail=first.guardrail)


# --------------------------------------------------------------------------- compliance


def test_defaults_have_no_unacknowledged_nag_findings_and_no_lint_errors(
    nag_synth: Callable[[Callable[[cdk.Stack], object]], NagSynth],
) -> None:
    # GIVEN the guardrail with defaults and its enforcement in a bare stack
    def build(stack: cdk.Stack) -> None:
        GuardrailEnforcement(stack, "Enforcement", guardrail=Guardrail(stack, "Guardrail"))

    # WHEN synthesized with all three packs
    result = nag_synth(build)
    # THEN no finding is left, none was acknowledged, and cfn-lint reports no error
    assert result.report.findings == [], result.report.describe()
    assert result.report.acknowledged_in("Test") == []
    template_file = result.assembly_dir / f"{result.stack_name}.template.json"
    errors = [i for i in lint_template(template_file, region="us-east-1") if i.is_error]
    assert errors == [], errors


def test_custom_template_has_no_lint_errors(custom_template: Template, tmp_path: Path) -> None:
    template_file = _write(custom_template, tmp_path / "custom.template.json")
    errors = [i for i in lint_template(template_file, region="us-east-1") if i.is_error]
    assert errors == [], errors
