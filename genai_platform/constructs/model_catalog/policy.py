"""The IAM the catalogue writes: the invoke actions, the condition keys, the guarded Allows and
the guardrail Denies, and IAM's size limit for the managed policy that holds them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_cdk import aws_iam as iam

from genai_platform.constructs.model_catalog.arns import _Resources

__all__ = [
    "EMBED_ACTIONS",
    "GUARDRAIL_CONDITION_KEY",
    "INFERENCE_PROFILE_CONDITION_KEY",
    "INVOKE_ACTIONS",
    "MAX_MANAGED_POLICY_CHARACTERS",
]

#: The two IAM actions every Bedrock runtime inference call is authorized as: InvokeModel and
#: Converse need ``bedrock:InvokeModel``; InvokeModelWithResponseStream and ConverseStream need
#: ``bedrock:InvokeModelWithResponseStream``.
INVOKE_ACTIONS: tuple[str, ...] = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
#: Embedding models answer InvokeModel only (no streaming, no Converse).
EMBED_ACTIONS: tuple[str, ...] = ("bedrock:InvokeModel",)
#: Condition key holding the guardrail a request names: ``<guardrail ARN>:<version>``.
GUARDRAIL_CONDITION_KEY = "bedrock:GuardrailIdentifier"
#: Condition key holding the inference profile a request came through.
INFERENCE_PROFILE_CONDITION_KEY = "bedrock:InferenceProfileArn"
#: IAM's size limit for a customer-managed policy, white space excluded.
MAX_MANAGED_POLICY_CHARACTERS = 6144


_SID_INVOKE = "InvokeApprovedModelsWithGuardrail"
_SID_INVOKE_DESTINATIONS = "InvokeProfileDestinationsWithGuardrail"
_SID_DENY_WITHOUT = "DenyInvokeWithoutGuardrail"
_SID_DENY_OTHER = "DenyInvokeWithOtherGuardrail"
_SID_DENY_DRAFT = "DenyInvokeWithDraftGuardrail"
_SID_EMBED = "InvokeApprovedEmbeddingModels"
_SID_INVOKE_APP_PROFILES = "InvokeApplicationProfilesWithGuardrail"
_SID_INVOKE_APP_PROFILE_DESTINATIONS = "InvokeApplicationProfileDestinationsWithGuardrail"
_SID_EMBED_DESTINATIONS = "InvokeEmbeddingProfileDestinations"


def _guarded(guardrail_arn: str) -> dict[str, Any]:
    """Any version of this guardrail (DRAFT is denied separately)."""
    return {"StringLike": {GUARDRAIL_CONDITION_KEY: f"{guardrail_arn}:*"}}


def _through(profiles: list[str], **conditions: Any) -> dict[str, Any]:
    return {**conditions, "ArnEquals": {INFERENCE_PROFILE_CONDITION_KEY: profiles}}


def _invoke_statements(
    text: _Resources, exempt: list[str], guardrail_arn: str
) -> list[iam.PolicyStatement]:
    """What :meth:`ModelCatalog.grant_invoke` writes: two guarded Allows and three Denies."""
    guarded = _guarded(guardrail_arn)
    statements = [
        iam.PolicyStatement(
            sid=_SID_INVOKE,
            actions=list(INVOKE_ACTIONS),
            resources=text.invoked,
            conditions=guarded,
        )
    ]
    if text.destinations:
        statements.append(
            iam.PolicyStatement(
                sid=_SID_INVOKE_DESTINATIONS,
                actions=list(INVOKE_ACTIONS),
                resources=text.destinations,
                conditions=_through(text.profiles, **guarded),
            )
        )
    for sid, condition in (
        (_SID_DENY_WITHOUT, {"Null": {GUARDRAIL_CONDITION_KEY: "true"}}),
        (_SID_DENY_OTHER, {"StringNotLike": {GUARDRAIL_CONDITION_KEY: f"{guardrail_arn}:*"}}),
        (
            _SID_DENY_DRAFT,
            {"StringEqualsIgnoreCase": {GUARDRAIL_CONDITION_KEY: f"{guardrail_arn}:DRAFT"}},
        ),
    ):
        statements.append(
            iam.PolicyStatement(
                sid=sid,
                effect=iam.Effect.DENY,
                actions=list(INVOKE_ACTIONS),
                # Embedding models cannot take a guardrail: the approved ones stay callable.
                not_resources=exempt or None,
                resources=None if exempt else ["*"],
                conditions=condition,
            )
        )
    return statements


def _embed_statements(embedding: _Resources) -> list[iam.PolicyStatement]:
    """What :meth:`ModelCatalog.grant_embed` writes: Allows without a guardrail condition."""
    statements = [
        iam.PolicyStatement(
            sid=_SID_EMBED, actions=list(EMBED_ACTIONS), resources=embedding.invoked
        )
    ]
    if embedding.destinations:
        statements.append(
            iam.PolicyStatement(
                sid=_SID_EMBED_DESTINATIONS,
                actions=list(EMBED_ACTIONS),
                resources=embedding.destinations,
                conditions=_through(embedding.profiles),
            )
        )
    return statements


def _policy_size(statements: Iterable[iam.PolicyStatement]) -> int:
    """Characters of a policy document of literal statements, white space excluded."""
    document = iam.PolicyDocument(statements=list(statements)).to_json()
    return len(json.dumps(document, separators=(",", ":")))
