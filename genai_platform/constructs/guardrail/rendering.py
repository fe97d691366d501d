"""The guardrail's props rendered into ``AWS::Bedrock::Guardrail`` policies, and the hash of
the rendered definition that names its published version."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import aws_cdk as cdk
import jsii
from aws_cdk import aws_bedrock as bedrock

from genai_platform.constructs.guardrail.props import (
    _ACTION_ORDER,
    _PROFILE_ARN,
    _STRENGTH_NONE,
    PROMPT_ATTACK,
    ContentFilter,
    DeniedTopic,
    PiiEntity,
    RegexFilter,
)
from genai_platform.constructs.guardrail.service_model import _bounds


def _content_policy(
    filters: Sequence[ContentFilter], tier: str
) -> bedrock.CfnGuardrail.ContentPolicyConfigProperty | None:
    if not filters:
        return None
    return bedrock.CfnGuardrail.ContentPolicyConfigProperty(
        filters_config=[
            bedrock.CfnGuardrail.ContentFilterConfigProperty(
                type=f.type,
                input_strength=f.input_strength,
                # Prompt attacks are detected in inputs only: the service requires NONE.
                output_strength=_STRENGTH_NONE
                if f.type == PROMPT_ATTACK
                else f.effective_output_strength,
            )
            for f in filters
        ],
        content_filters_tier_config=bedrock.CfnGuardrail.ContentFiltersTierConfigProperty(
            tier_name=tier
        ),
    )


def _topic_policy(
    topics: Sequence[DeniedTopic], tier: str
) -> bedrock.CfnGuardrail.TopicPolicyConfigProperty | None:
    if not topics:
        return None
    return bedrock.CfnGuardrail.TopicPolicyConfigProperty(
        topics_config=[
            bedrock.CfnGuardrail.TopicConfigProperty(
                name=t.name,
                definition=t.definition,
                type="DENY",
                examples=list(t.examples) or None,
            )
            for t in topics
        ],
        topics_tier_config=bedrock.CfnGuardrail.TopicsTierConfigProperty(tier_name=tier),
    )


def _word_policy(
    words: Sequence[str], profanity: bool
) -> bedrock.CfnGuardrail.WordPolicyConfigProperty | None:
    if not words and not profanity:
        return None
    return bedrock.CfnGuardrail.WordPolicyConfigProperty(
        words_config=[bedrock.CfnGuardrail.WordConfigProperty(text=w) for w in words] or None,
        managed_word_lists_config=(
            [bedrock.CfnGuardrail.ManagedWordsConfigProperty(type="PROFANITY")]
            if profanity
            else None
        ),
    )


def _sensitive_information_policy(
    entities: Sequence[PiiEntity], regexes: Sequence[RegexFilter]
) -> bedrock.CfnGuardrail.SensitiveInformationPolicyConfigProperty | None:
    if not entities and not regexes:
        return None
    return bedrock.CfnGuardrail.SensitiveInformationPolicyConfigProperty(
        pii_entities_config=[
            bedrock.CfnGuardrail.PiiEntityConfigProperty(
                type=e.type,
                # The required legacy field: the stronger of the two directions.
                action=max(e.input_action, e.output_action, key=_ACTION_ORDER.index),
                input_action=e.input_action,
                output_action=e.output_action,
            )
            for e in entities
        ]
        or None,
        regexes_config=[
            bedrock.CfnGuardrail.RegexConfigProperty(
                name=r.name, pattern=r.pattern, action=r.action, description=r.description
            )
            for r in regexes
        ]
        or None,
    )


def _grounding_policy(
    grounding: float | None, relevance: float | None
) -> bedrock.CfnGuardrail.ContextualGroundingPolicyConfigProperty | None:
    filters = [
        bedrock.CfnGuardrail.ContextualGroundingFilterConfigProperty(type=kind, threshold=value)
        for kind, value in (("GROUNDING", grounding), ("RELEVANCE", relevance))
        if value is not None
    ]
    if not filters:
        return None
    return bedrock.CfnGuardrail.ContextualGroundingPolicyConfigProperty(filters_config=filters)


@jsii.implements(cdk.IStringProducer)
class _DefinitionHash:
    """The first 16 hex digits of the SHA-256 of the guardrail's rendered properties.

    Tags are left out (they are not part of a version). Raw overrides made with
    ``add_property_override`` are not seen by this hash: change the definition through props.
    """

    def __init__(self, resource: bedrock.CfnGuardrail) -> None:
        self._resource = resource

    def produce(self, context: cdk.IResolveContext) -> str:
        stack = cdk.Stack.of(self._resource)
        rendered = stack.resolve(self._resource._render_properties(self._resource._cfn_properties))
        definition = {k: v for k, v in rendered.items() if k != "Tags"}
        digest = hashlib.sha256(
            json.dumps(definition, sort_keys=True, separators=(",", ":")).encode("utf-8")
        )
        return digest.hexdigest()[:16]


@jsii.implements(cdk.IStringProducer)
class _Prefixed:
    def __init__(self, prefix: str, inner: _DefinitionHash) -> None:
        self._prefix = prefix
        self._inner = inner

    def produce(self, context: cdk.IResolveContext) -> str:
        return f"{self._prefix}{self._inner.produce(context)}"


def _default_description(path: str) -> str:
    text = f"Guardrail {path}, managed by genai-platform"
    _, high = _bounds("GuardrailDescription")
    return text if len(text) <= high else text[: high - 3] + "..."


def _profile_id(identifier: str) -> str:
    match = _PROFILE_ARN.fullmatch(identifier)
    return match.group("id") if match else identifier
