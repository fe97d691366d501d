"""The approved foundation models and inference profiles, and IAM that only lets them run guarded.

:class:`ModelCatalog` is the platform's list of approved model ids. An approved id is either

* a **foundation model** id, invoked in the stack's region
  (``amazon.titan-embed-text-v2:0``, ``meta.llama3-3-70b-instruct-v1:0``...), or
* a **cross-region inference profile** id: a geography prefix (``us.``, ``eu.``, ``apac.``,
  ``jp.``, ``au.`` or ``global.``) followed by a foundation model id
  (``us.anthropic.claude-sonnet-4-5-20250929-v1:0``). Bedrock routes each call to one of the
  geography's destination regions (``global.``: any commercial region).

Every id is checked against :data:`KNOWN_MODELS`, a table of real model ids with their
provider, modality and the profile geographies AWS offers them in; an id the table does not
have yet goes in ``additional_models`` (see :class:`ModelSpec`).

Region portability: ``geo.<model id>`` stands for the inference profile of the stack region's
own geography and is resolved at synth (``geo.amazon.nova-lite-v1:0`` is
``us.amazon.nova-lite-v1:0`` in us-east-1 and ``eu.amazon.nova-lite-v1:0`` in eu-central-1).
An id the stack's region cannot invoke (a profile of another geography, a foundation model
Bedrock does not offer in-region there per :data:`genai_platform.regions.FOUNDATION_MODEL_REGIONS`)
is refused, naming the ids that would work.

What IAM needs for each approved id (:meth:`ModelCatalog.model_arns`):

* foundation model: ``arn:<partition>:bedrock:<region>::foundation-model/<id>`` (no account);
* geographic profile: the profile, ``arn:<partition>:bedrock:<region>:<account>:
  inference-profile/<profile id>``, and the foundation model in **every destination region**
  of the geography (:data:`PROFILE_REGIONS`);
* ``global.`` profile: the profile, the foundation model in the source region and the
  region-less ``arn:<partition>:bedrock:::foundation-model/<id>`` that AWS documents for global
  cross-region inference.

:meth:`ModelCatalog.grant_invoke` writes that IAM so a principal can only run the approved
text models **with the platform's guardrail**:

* Allow ``bedrock:InvokeModel`` and ``bedrock:InvokeModelWithResponseStream`` on exactly those
  ARNs, only when ``bedrock:GuardrailIdentifier`` names a version of the platform's guardrail
  (``StringLike <guardrail ARN>:*``; the destination foundation models of a profile
  additionally only through that profile: ``bedrock:InferenceProfileArn``). Converse and
  ConverseStream have no IAM actions of their own: they are authorized as
  ``bedrock:InvokeModel`` and ``bedrock:InvokeModelWithResponseStream``, and carry the same
  condition key.
* An explicit Deny of both actions on every other resource when the request names no guardrail
  (``Null``), another guardrail (``StringNotLike <guardrail ARN>:*``) or the guardrail's
  ``DRAFT`` (``StringEqualsIgnoreCase <guardrail ARN>:DRAFT``), whatever else the principal is
  allowed.
* ``guardrail.grant_apply(grantee)``.

Why any numbered version of the one guardrail, not only the current one: editing the guardrail
publishes a new version, and CloudFormation then updates the policy holding the allowed version
and the function configured with it as two resources, in no guaranteed order. With the policy
pinned to one version, calls made between the two updates would be denied; admitting every
published version of this guardrail makes a guardrail edit cause no denied call, while a request
without a guardrail, with another guardrail or with the editable DRAFT stays denied. (Versions
are immutable snapshots of the same guardrail, and ``GuardrailEnforcement`` enforces the current
one at account level regardless.)

The value Bedrock compares ``bedrock:GuardrailIdentifier`` with is the guardrail ARN followed by
``:`` and the numeric version, ``arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123:1``
(AWS user guide, "Enforce the use of specific guardrails in model inference requests"); it is
what :attr:`IGuardrail.guardrail_version_arn` must return (CloudFormation's
``AWS::Bedrock::GuardrailVersion`` gives ``GuardrailArn`` and ``Version``; join them with ``:``).
Callers must send the guardrail ARN and version with every request.

Embedding models cannot take a guardrail (Bedrock refuses one for them), so they are granted
separately, without the condition, by :meth:`ModelCatalog.grant_embed`, and the Deny above
leaves exactly the approved embedding models out.

The statements go in one customer-managed policy per principal (not an inline policy), which
keeps the NIST 800-53 and HIPAA ``IAMNoInlinePolicy`` rules satisfied.

Example::

    catalog = ModelCatalog(
        stack,
        "Models",
        models=["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "amazon.titan-embed-text-v2:0"],
        aliases={"chat": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"},
        default_alias="chat",
    )
    catalog.grant_invoke(invoke_function, guardrail)
    model_id = catalog.resolve("chat")
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, get_args

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Construct

from genai_platform import regions
from genai_platform.constructs.grants import grantee_writing_to
from genai_platform.constructs.interfaces import IGuardrail

__all__ = [
    "EMBED_ACTIONS",
    "GUARDRAIL_CONDITION_KEY",
    "INFERENCE_PROFILE_CONDITION_KEY",
    "INVOKE_ACTIONS",
    "KNOWN_MODELS",
    "MAX_MANAGED_POLICY_CHARACTERS",
    "PROFILE_REGIONS",
    "PROFILE_REGION_WARNING_ID",
    "REGION_INDEPENDENT_PREFIX",
    "ApprovedModel",
    "Geography",
    "GuardrailReference",
    "Modality",
    "ModelCatalog",
    "ModelSpec",
    "approve_models",
    "foundation_model_arn",
    "inference_profile_arn",
    "parse_model_id",
    "region_problems",
    "resolve_region_independent",
    "warn_profile_outside_geography",
]

Geography = Literal["us", "eu", "apac", "jp", "au", "global"]
"""Prefix of a cross-region inference profile id."""

Modality = Literal["text", "multimodal", "embedding"]
"""What a model does: generates text from text, from text and images, or embeds."""

GEOGRAPHIES: tuple[Geography, ...] = get_args(Geography)

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

#: Destination regions of geographic cross-region inference profiles: for each geography, the
#: union of the destination regions AWS lists for that geography's system-defined profiles
#: ("Supported Regions and models for inference profiles"). A profile routes each call to one
#: of them, and IAM is asked for the foundation model in that region. ``global`` is not listed:
#: global profiles are authorized on the region-less foundation-model ARN.
PROFILE_REGIONS: Mapping[Geography, tuple[str, ...]] = MappingProxyType(
    {
        "us": ("us-east-1", "us-east-2", "us-west-1", "us-west-2"),
        "eu": (
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
        ),
        "apac": (
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-7",
        ),
        "jp": ("ap-northeast-1", "ap-northeast-3"),
        "au": ("ap-southeast-2", "ap-southeast-4"),
    }
)

#: Prefix of a region-independent id: ``geo.<model id>`` is resolved at synth to the inference
#: profile of the stack region's own geography (``us.``, ``eu.``, ``apac.``, ``jp.`` or ``au.``).
REGION_INDEPENDENT_PREFIX = "geo"

#: Warning id of :func:`warn_profile_outside_geography`.
PROFILE_REGION_WARNING_ID = "genai-platform:model-catalog-profile-region"


@dataclass(frozen=True)
class ModelSpec:
    """What the catalogue knows about one foundation model id.

    Args:
        provider: The model's provider, as in the id's first part (``anthropic``...).
        modality: ``"text"`` or ``"multimodal"`` for models that generate text (these take a
            guardrail), ``"embedding"`` for embedding models (these cannot).
        profile_geographies: Geographies with a system-defined cross-region inference profile
            for the model, e.g. ``frozenset({"us", "eu", "global"})``. Default: none, the model
            is invoked in-region only.
    """

    provider: str
    modality: Modality
    profile_geographies: frozenset[Geography] = frozenset()

    @property
    def supports_guardrails(self) -> bool:
        """True for text-generating models; Bedrock accepts no guardrail for embedding models."""
        return self.modality != "embedding"


def _spec(provider: str, modality: Modality, *geographies: Geography) -> ModelSpec:
    return ModelSpec(provider, modality, frozenset(geographies))


_CLAUDE_3: tuple[Geography, ...] = ("us", "eu", "apac")

#: Known foundation model ids: provider, modality and the inference-profile geographies AWS
#: offers each in. Focused on the families the platform approves; extend it per catalogue with
#: ``additional_models``.
KNOWN_MODELS: Mapping[str, ModelSpec] = MappingProxyType(
    {
        # Anthropic Claude 3, 3.5, 3.7, 4, 4.1 and 4.5
        "anthropic.claude-3-haiku-20240307-v1:0": _spec("anthropic", "multimodal", *_CLAUDE_3),
        "anthropic.claude-3-5-sonnet-20240620-v1:0": _spec("anthropic", "multimodal", *_CLAUDE_3),
        "anthropic.claude-3-5-sonnet-20241022-v2:0": _spec("anthropic", "multimodal", *_CLAUDE_3),
        "anthropic.claude-3-5-haiku-20241022-v1:0": _spec("anthropic", "text", "us"),
        "anthropic.claude-3-7-sonnet-20250219-v1:0": _spec("anthropic", "multimodal", *_CLAUDE_3),
        "anthropic.claude-sonnet-4-20250514-v1:0": _spec(
            "anthropic", "multimodal", "us", "eu", "apac", "global"
        ),
        "anthropic.claude-opus-4-20250514-v1:0": _spec("anthropic", "multimodal", "us"),
        "anthropic.claude-opus-4-1-20250805-v1:0": _spec("anthropic", "multimodal", "us"),
        "anthropic.claude-sonnet-4-5-20250929-v1:0": _spec(
            "anthropic", "multimodal", "us", "eu", "jp", "au", "global"
        ),
        "anthropic.claude-haiku-4-5-20251001-v1:0": _spec(
            "anthropic", "multimodal", "us", "eu", "jp", "au", "global"
        ),
        "anthropic.claude-opus-4-5-20251101-v1:0": _spec(
            "anthropic", "multimodal", "us", "eu", "global"
        ),
        # Amazon Nova and Titan embeddings
        "amazon.nova-micro-v1:0": _spec("amazon", "text", "us", "eu", "apac"),
        "amazon.nova-lite-v1:0": _spec("amazon", "multimodal", "us", "eu", "apac"),
        "amazon.nova-pro-v1:0": _spec("amazon", "multimodal", "us", "eu", "apac"),
        "amazon.nova-premier-v1:0": _spec("amazon", "multimodal", "us"),
        "amazon.titan-embed-text-v1": _spec("amazon", "embedding"),
        "amazon.titan-embed-text-v2:0": _spec("amazon", "embedding"),
        # Meta Llama 3, 3.1, 3.2 and 3.3
        "meta.llama3-8b-instruct-v1:0": _spec("meta", "text"),
        "meta.llama3-70b-instruct-v1:0": _spec("meta", "text"),
        "meta.llama3-1-8b-instruct-v1:0": _spec("meta", "text", "us"),
        "meta.llama3-1-70b-instruct-v1:0": _spec("meta", "text", "us"),
        "meta.llama3-2-1b-instruct-v1:0": _spec("meta", "text", "us", "eu"),
        "meta.llama3-2-3b-instruct-v1:0": _spec("meta", "text", "us", "eu"),
        "meta.llama3-2-11b-instruct-v1:0": _spec("meta", "multimodal", "us"),
        "meta.llama3-2-90b-instruct-v1:0": _spec("meta", "multimodal", "us"),
        "meta.llama3-3-70b-instruct-v1:0": _spec("meta", "text", "us"),
        # Mistral
        "mistral.mistral-7b-instruct-v0:2": _spec("mistral", "text"),
        "mistral.mixtral-8x7b-instruct-v0:1": _spec("mistral", "text"),
        "mistral.mistral-small-2402-v1:0": _spec("mistral", "text"),
        "mistral.mistral-large-2402-v1:0": _spec("mistral", "text"),
        "mistral.mistral-large-2407-v1:0": _spec("mistral", "text"),
        "mistral.pixtral-large-2502-v1:0": _spec("mistral", "multimodal", "us", "eu"),
        # Cohere embeddings
        "cohere.embed-english-v3": _spec("cohere", "embedding"),
        "cohere.embed-multilingual-v3": _spec("cohere", "embedding"),
        "cohere.embed-v4:0": _spec("cohere", "embedding", "us", "eu", "apac"),
    }
)

# provider "." name, then up to two ":" parts (version, provisioned context variant).
_BASE_MODEL_ID = r"[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9._-]*(?::[a-z0-9]+){0,2}"
_MODEL_ID = re.compile(rf"(?:(?P<geography>{'|'.join(GEOGRAPHIES)})\.)?(?P<base>{_BASE_MODEL_ID})")
_ALIAS = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_GUARDRAIL_VERSION_ARN = re.compile(
    r"arn:aws[a-z-]*:bedrock:[a-z0-9-]{1,20}:\d{12}:guardrail/[a-z0-9]+:[1-9][0-9]{0,7}"
)


#: Former name of :class:`~genai_platform.constructs.interfaces.IGuardrail`, what
#: :meth:`ModelCatalog.grant_invoke` needs from a guardrail (owned or imported).
GuardrailReference = IGuardrail


@dataclass(frozen=True)
class ApprovedModel:
    """One approved id, parsed: what is invoked and the foundation model behind it."""

    model_id: str
    """The approved id, as callers pass it as ``modelId`` (profile id or foundation model id)."""
    base_model_id: str
    """The foundation model id (the profile id without its geography prefix)."""
    geography: Geography | None
    """Geography of an inference profile; None for a foundation model invoked in-region."""
    spec: ModelSpec
    """Provider, modality and profile geographies of the foundation model."""

    @property
    def is_inference_profile(self) -> bool:
        """True for a cross-region inference profile id."""
        return self.geography is not None

    def offered_in(self, region: str) -> bool:
        """Whether ``region`` can call it: any region for a foundation model or a global
        profile, the geography's regions (:data:`PROFILE_REGIONS`) for a geographic profile."""
        if self.geography is None or self.geography == "global":
            return True
        return region in PROFILE_REGIONS[self.geography]


def parse_model_id(model_id: str) -> tuple[Geography | None, str] | None:
    """``(geography, foundation model id)`` of a well-formed id, or None when it is malformed.

    ``"us.amazon.nova-pro-v1:0"`` -> ``("us", "amazon.nova-pro-v1:0")``;
    ``"amazon.nova-pro-v1:0"`` -> ``(None, "amazon.nova-pro-v1:0")``.
    """
    match = _MODEL_ID.fullmatch(model_id) if isinstance(model_id, str) else None
    if match is None:
        return None
    geography: Geography | None = match["geography"]  # type: ignore[assignment]
    return geography, match["base"]


def foundation_model_arn(model_id: str, *, partition: str, region: str) -> str:
    """``arn:<partition>:bedrock:<region>::foundation-model/<id>``; foundation models belong to
    no account. An empty region gives the region-less form used by global profiles."""
    return f"arn:{partition}:bedrock:{region}::foundation-model/{model_id}"


def inference_profile_arn(profile_id: str, *, partition: str, region: str, account: str) -> str:
    """``arn:<partition>:bedrock:<region>:<account>:inference-profile/<profile id>``: a
    system-defined profile is addressed in the caller's account and source region."""
    return f"arn:{partition}:bedrock:{region}:{account}:inference-profile/{profile_id}"


def _invoked_arns(model: ApprovedModel, *, partition: str, region: str, account: str) -> list[str]:
    """The ARN a request names: the foundation model, or the inference profile."""
    if model.geography is None:
        return [foundation_model_arn(model.model_id, partition=partition, region=region)]
    return [
        inference_profile_arn(model.model_id, partition=partition, region=region, account=account)
    ]


def _destination_arns(model: ApprovedModel, *, partition: str, region: str) -> list[str]:
    """Foundation-model ARNs a profile routes to (none for a foundation model)."""
    if model.geography is None:
        return []
    base = model.base_model_id
    if model.geography == "global":
        regions = [region, ""]  # source region, then the region-less global form
    else:
        regions = list(PROFILE_REGIONS[model.geography])
        if cdk.Token.is_unresolved(region) or region not in regions:
            regions.insert(0, region)
    return [foundation_model_arn(base, partition=partition, region=r) for r in regions]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


@dataclass(frozen=True)
class _Resources:
    """The ARNs one grant names, for a set of approved models."""

    invoked: list[str]
    """Foundation models and inference profiles, as requests name them."""
    destinations: list[str]
    """Foundation models the inference profiles route to."""
    profiles: list[str]
    """The inference profiles (the values ``bedrock:InferenceProfileArn`` may take)."""

    @property
    def all(self) -> list[str]:
        return _unique([*self.invoked, *self.destinations])


def _resources(
    models: Iterable[ApprovedModel], *, partition: str, region: str, account: str
) -> _Resources:
    models = list(models)
    profiles = [m for m in models if m.is_inference_profile]
    return _Resources(
        invoked=_unique(
            arn
            for m in models
            for arn in _invoked_arns(m, partition=partition, region=region, account=account)
        ),
        destinations=_unique(
            arn
            for m in profiles
            for arn in _destination_arns(m, partition=partition, region=region)
        ),
        profiles=_unique(
            arn
            for m in profiles
            for arn in _invoked_arns(m, partition=partition, region=region, account=account)
        ),
    )


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


class ModelCatalog(Construct):
    """The approved foundation models and inference profiles, their aliases and their IAM.

    Creates no AWS resource by itself: :meth:`grant_invoke` and :meth:`grant_embed` add one
    customer-managed policy per grantee, and the ``metric_*`` methods return CloudWatch metrics
    of the approved models (namespace ``AWS/Bedrock``, dimension ``ModelId``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        models: Sequence[str],
        aliases: Mapping[str, str] | None = None,
        default_alias: str | None = None,
        additional_models: Mapping[str, ModelSpec] | None = None,
    ) -> None:
        """Check and record the approved models.

        Args:
            models: Approved model ids: foundation model ids (``amazon.titan-embed-text-v2:0``)
                and cross-region inference profile ids (``us.``, ``eu.``, ``apac.``, ``jp.``,
                ``au.`` or ``global.`` + a foundation model id offered in that geography), or
                region-independent ``geo.`` ids, resolved here to the profile of the stack
                region's own geography (:func:`resolve_region_independent`).
                Each must be in :data:`KNOWN_MODELS` or ``additional_models``; at least one;
                no repeats; plain strings (not tokens: the IAM written depends on the id).
                Each must be invocable from the stack's region (:func:`region_problems`): a
                geographic profile from its geography, a foundation model where Bedrock
                offers it in-region.
            aliases: Short names callers may use instead of an id, each mapping to one of
                ``models`` (a ``geo.`` target is resolved like the model), e.g.
                ``{"chat": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"}``.
                Names are 1-64 letters, digits, ``_``, ``.`` or ``-`` and must not be an
                approved id themselves. Default: no aliases; callers name approved ids.
            default_alias: The alias :meth:`resolve` answers when asked for no model; one of
                ``aliases``. Default: none; :meth:`resolve` then needs a name.
            additional_models: Foundation model ids (without a geography prefix) the table does
                not know yet, or whose entry should be replaced (say, when AWS adds a profile
                geography), with their :class:`ModelSpec`. Default: only
                :data:`KNOWN_MODELS` is used.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        path = "/".join(p for p in (scope.node.path, id) if p)
        region = cdk.Stack.of(scope).region
        models, aliases, problems = resolve_region_independent(
            models, aliases, region, additional_models
        )
        approved, approval_problems = approve_models(models, additional_models)
        problems += approval_problems
        listed = models if isinstance(models, Sequence) and not isinstance(models, str) else []
        problems += _check_aliases(aliases, listed, default_alias)
        problems += region_problems(approved, region, additional_models)
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"ModelCatalog {path!r}: invalid props ({len(problems)} problems):\n{lines}"
            )
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self._stack = stack
        self._models: tuple[str, ...] = tuple(models)
        self._aliases: Mapping[str, str] = MappingProxyType(dict(aliases or {}))
        self._default_alias = default_alias
        self._approved: Mapping[str, ApprovedModel] = MappingProxyType(
            {m.model_id: m for m in approved}
        )
        self._policies: dict[str, iam.ManagedPolicy] = {}
        self._guardrails: dict[str, str] = {}
        self._invoke_grants: dict[str, iam.Grant] = {}
        self._embed_grants: dict[str, iam.Grant] = {}
        self._profile_grants: dict[str, iam.Grant] = {}
        self._profile_resource: str | None = None

    # ------------------------------------------------------------------ attributes

    @property
    def models(self) -> tuple[str, ...]:
        """The approved ids, in the order given."""
        return self._models

    @property
    def aliases(self) -> Mapping[str, str]:
        """Alias to approved id (read-only)."""
        return self._aliases

    @property
    def default_alias(self) -> str | None:
        """The alias :meth:`resolve` answers for no name, if any."""
        return self._default_alias

    @property
    def text_models(self) -> tuple[str, ...]:
        """The approved ids of text-generating models (granted by :meth:`grant_invoke`)."""
        return tuple(m for m, a in self._approved.items() if a.spec.supports_guardrails)

    @property
    def embedding_models(self) -> tuple[str, ...]:
        """The approved ids of embedding models (granted by :meth:`grant_embed`)."""
        return tuple(m for m, a in self._approved.items() if not a.spec.supports_guardrails)

    # ------------------------------------------------------------------ lookups

    def resolve(self, alias_or_id: str | None = None) -> str:
        """The approved id an alias (or approved id) stands for.

        ``None`` resolves :attr:`default_alias`. Raises ValueError naming the allowed aliases
        and ids for anything else.
        """
        name = alias_or_id if alias_or_id is not None else self._default_alias
        if name is None:
            raise ValueError(
                "alias_or_id: None, and the catalogue has no default_alias; name one of "
                f"the aliases {sorted(self._aliases)} or approved models {list(self._models)}"
            )
        if name in self._aliases:
            return self._aliases[name]
        if name in self._approved:
            return name
        raise ValueError(
            f"alias_or_id: {name!r} is neither an alias nor an approved model; allowed "
            f"aliases: {sorted(self._aliases)}; approved models: {list(self._models)}"
        )

    def model(self, alias_or_id: str | None = None) -> ApprovedModel:
        """The parsed :class:`ApprovedModel` of an alias or approved id (see :meth:`resolve`)."""
        return self._approved[self.resolve(alias_or_id)]

    def model_arns(self, alias_or_id: str | None = None) -> list[str]:
        """Every ARN IAM checks when this model is invoked from the stack's region and account.

        A foundation model: its regional ARN. A geographic profile: the profile ARN, then the
        foundation model in each destination region. A ``global.`` profile: the profile ARN,
        the foundation model in the stack's region and the region-less foundation model.
        """
        model = self.model(alias_or_id)
        return self._invoked(model) + self._destinations(model)

    def all_model_arns(self) -> list[str]:
        """The union of :meth:`model_arns` over every approved model, without repeats."""
        return _unique(arn for m in self._models for arn in self.model_arns(m))

    # ------------------------------------------------------------------ grants

    # ------------------------------------------------------------------ grants

    def grant_invoke(self, grantee: iam.IGrantable, guardrail: IGuardrail) -> iam.Grant:
        """Let ``grantee`` run the approved text models, only with ``guardrail``.

        Adds to a customer-managed policy attached to the grantee's role (or user, or group):

        * Allow ``bedrock:InvokeModel`` and ``bedrock:InvokeModelWithResponseStream`` (so
          Converse and ConverseStream too) on :meth:`model_arns` of every approved text model,
          with ``StringLike bedrock:GuardrailIdentifier = <guardrail.guardrail_arn>:*`` (any
          version of this guardrail, so a guardrail edit denies no call; see the module
          notes); a profile's destination foundation models additionally only through the
          approved profiles (``ArnEquals bedrock:InferenceProfileArn``);
        * Deny both actions on every resource but the approved embedding models when
          ``bedrock:GuardrailIdentifier`` is absent (``Null``), is another guardrail
          (``StringNotLike <guardrail_arn>:*``) or is the guardrail's DRAFT
          (``StringEqualsIgnoreCase <guardrail_arn>:DRAFT``), whatever else the principal is
          allowed;

        and calls ``guardrail.grant_apply`` for the grantee (``bedrock:ApplyGuardrail`` and the
        guardrail's KMS key; foundation models have no key of their own) with its statements
        going into the same customer-managed policy, so the grantee gets no inline policy
        (which the NIST and HIPAA IAMNoInlinePolicy rules flag). Returns the
        combined grant. Granting the same principal again with the same guardrail returns the
        first grant; with another guardrail is an error, because each guardrail's Deny would
        block the other.

        ``guardrail`` is any :class:`IGuardrail`: a :class:`Guardrail` of this app or one
        referenced with ``Guardrail.from_guardrail_attributes``, whose grant covers exactly
        the ARNs it was given.

        Raises:
            ValueError: the grantee is not an IAM role, user or group of this account, the
                guardrail's version ARN is not a numbered guardrail version, the catalogue
                has no text model, or the policy would exceed IAM's size limit.
        """
        principal = grantee.grant_principal
        version_arn = guardrail.guardrail_version_arn
        guardrail_arn = guardrail.guardrail_arn
        problems = self._check_principal(principal)
        if not cdk.Token.is_unresolved(version_arn) and not (
            isinstance(version_arn, str) and _GUARDRAIL_VERSION_ARN.fullmatch(version_arn)
        ):
            problems.append(
                f"guardrail: guardrail_version_arn {version_arn!r} is not the ARN of a numbered "
                "guardrail version (arn:<partition>:bedrock:<region>:<account>:guardrail/<id>:"
                "<version 1-99999999>; DRAFT cannot be enforced)"
            )
        elif (
            isinstance(version_arn, str)
            and isinstance(guardrail_arn, str)
            and not cdk.Token.is_unresolved(version_arn)
            and not cdk.Token.is_unresolved(guardrail_arn)
            and not version_arn.startswith(f"{guardrail_arn}:")
        ):
            problems.append(
                f"guardrail: guardrail_version_arn {version_arn!r} is not a version of "
                f"guardrail_arn {guardrail_arn!r}; both must name the same guardrail"
            )
        if not self.text_models:
            problems.append(
                f"models: {list(self._models)!r} has no text-generating model to invoke with a "
                "guardrail; use grant_embed for embedding models"
            )
        key = _principal_key(principal)
        bound = self._guardrails.get(key) if key else None
        if bound is not None and bound != guardrail_arn:
            problems.append(
                f"guardrail: {guardrail_arn!r} differs from {bound!r}, which this principal was "
                "already granted with; a principal is bound to one guardrail (the Deny written "
                "for each would block the other)"
            )
        if not problems and key not in self._invoke_grants:
            problems += self._check_size(key, invoke=True, guardrail_arn=guardrail_arn)
        self._raise_if("grant_invoke", problems)
        assert key is not None
        if key in self._invoke_grants:
            return self._invoke_grants[key]

        policy = self._policy_for(key, principal)
        text = self._text_resources()
        grant: iam.Grant | None = None
        for statement in _invoke_statements(text, self._embedding_resources().all, guardrail_arn):
            if statement.effect == iam.Effect.DENY:
                policy.add_statements(statement)
                continue
            # Through Grant.add_to_principal, so the grant lists the statement and
            # grant.apply_before() waits for the policy.
            added = iam.Grant.add_to_principal(
                grantee=_PolicyGrantee(principal, policy, statement.sid or ""),
                actions=statement.actions,
                resource_arns=statement.resources,
                conditions=statement.conditions,
            )
            grant = added if grant is None else grant.combine(added)
        assert grant is not None
        # The guardrail's grant (ApplyGuardrail, and kms:Decrypt on its key) goes into the same
        # customer-managed policy: never an inline policy on someone else's role.
        grant = grant.combine(guardrail.grant_apply(grantee_writing_to(principal, policy)))
        self._guardrails[key] = guardrail_arn
        self._invoke_grants[key] = grant
        return grant

    def grant_invoke_application_profiles(
        self,
        grantee: iam.IGrantable,
        guardrail: IGuardrail,
        *,
        tag_key: str,
        tag_value: str,
    ) -> iam.Grant:
        """Let ``grantee`` invoke this account's application inference profiles tagged
        ``tag_key = tag_value`` (copies of the approved text models), only with ``guardrail``.

        Calls :meth:`grant_invoke` first (the approved models, the guardrail Denies, which
        cover every resource and so the profiles too, and ``ApplyGuardrail``), then adds to
        the same customer-managed policy:

        * Allow both invoke actions on ``arn:<partition>:bedrock:<region>:<account>:
          application-inference-profile/*`` only when the profile carries the tag
          (``aws:ResourceTag/<tag_key>``) and the request names the guardrail;
        * Allow both actions on the foundation models the approved cross-region profiles route
          to (every destination region), only through an application inference profile of
          this account (``ArnLike bedrock:InferenceProfileArn``) and with the guardrail.

        Why both: invoking an application inference profile is authorized against the profile
        AND the foundation model in each region it routes to (Amazon Bedrock user guide,
        "Prerequisites for inference profiles": when a policy names an inference profile it
        "must also specify the foundation model in each Region associated with it"); a
        profile copied from a foundation model routes to that model in this region, already
        allowed by :meth:`grant_invoke`. The profiles are matched by tag rather than listed
        so that the policy does not grow with the tenants (IAM's 6,144-character limit):
        ``aws:ResourceTag`` is a condition key of the ``application-inference-profile``
        resource type (Service Authorization Reference, Amazon Bedrock). An unapproved model
        stays denied: its foundation model is in no Allow. Granting the same principal again
        returns the first grant.

        Raises:
            ValueError: what :meth:`grant_invoke` raises, or a tag key or value that is empty,
                longer than IAM/Bedrock allow (128/256 characters) or starts with ``aws:``.
        """
        problems = []
        for name, value, longest in (("tag_key", tag_key, 128), ("tag_value", tag_value, 256)):
            if (
                not isinstance(value, str)
                or not value
                or len(value) > longest
                or value.lower().startswith("aws:")
                or cdk.Token.is_unresolved(value)
            ):
                problems.append(
                    f"{name}: {value!r} is not allowed; give 1-{longest} characters, not a "
                    "token, not starting with 'aws:'"
                )
        if not problems and _principal_key(grantee.grant_principal) not in self._profile_grants:
            problems += self._check_profile_size(grantee, guardrail)
        self._raise_if("grant_invoke_application_profiles", problems)
        grant = self.grant_invoke(grantee, guardrail)
        key = _principal_key(grantee.grant_principal)
        assert key is not None  # grant_invoke checked the principal
        if key in self._profile_grants:
            return self._profile_grants[key]
        policy = self._policy_for(key, grantee.grant_principal)
        stack = self._stack
        profiles = stack.format_arn(
            service="bedrock",
            resource="application-inference-profile",
            resource_name="*",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        guarded = _guarded(guardrail.guardrail_arn)
        statements = [
            iam.PolicyStatement(
                sid=_SID_INVOKE_APP_PROFILES,
                actions=list(INVOKE_ACTIONS),
                resources=[profiles],
                conditions={
                    **guarded,
                    "StringEquals": {f"aws:ResourceTag/{tag_key}": tag_value},
                },
            )
        ]
        destinations = self._text_resources().destinations
        if destinations:
            statements.append(
                iam.PolicyStatement(
                    sid=_SID_INVOKE_APP_PROFILE_DESTINATIONS,
                    actions=list(INVOKE_ACTIONS),
                    resources=destinations,
                    conditions={
                        **guarded,
                        "ArnLike": {INFERENCE_PROFILE_CONDITION_KEY: profiles},
                    },
                )
            )
        for statement in statements:
            added = iam.Grant.add_to_principal(
                grantee=_PolicyGrantee(grantee.grant_principal, policy, statement.sid or ""),
                actions=statement.actions,
                resource_arns=statement.resources,
                conditions=statement.conditions,
            )
            grant = grant.combine(added)
        self._profile_grants[key] = grant
        self._profile_resource = profiles
        return grant

    @property
    def application_profile_pattern(self) -> str | None:
        """The ARN pattern :meth:`grant_invoke_application_profiles` allowed, once granted."""
        return self._profile_resource

    def grant_embed(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` run the approved embedding models (``bedrock:InvokeModel``).

        Without a guardrail condition: Bedrock accepts no guardrail for embedding models.
        Goes in the same customer-managed policy as :meth:`grant_invoke`, whose Deny leaves
        exactly these models out. Granting the same principal again returns the first grant.

        Raises:
            ValueError: the grantee is not an IAM role, user or group of this account, or the
                catalogue has no embedding model.
        """
        principal = grantee.grant_principal
        problems = self._check_principal(principal)
        if not self.embedding_models:
            problems.append(
                f"models: {list(self._models)!r} has no embedding model; approve one (such as "
                "amazon.titan-embed-text-v2:0) or use grant_invoke for text models"
            )
        key = _principal_key(principal)
        if not problems and key not in self._embed_grants:
            problems += self._check_size(key, invoke=False)
        self._raise_if("grant_embed", problems)
        assert key is not None
        if key in self._embed_grants:
            return self._embed_grants[key]
        policy = self._policy_for(key, principal)
        grant: iam.Grant | None = None
        for statement in _embed_statements(self._embedding_resources()):
            added = iam.Grant.add_to_principal(
                grantee=_PolicyGrantee(principal, policy, statement.sid or ""),
                actions=statement.actions,
                resource_arns=statement.resources,
                conditions=statement.conditions or None,
            )
            grant = added if grant is None else grant.combine(added)
        assert grant is not None
        self._embed_grants[key] = grant
        return grant

    def policy_of(self, grantee: iam.IGrantable) -> iam.ManagedPolicy | None:
        """The customer-managed policy the grants of ``grantee`` went into, if any."""
        key = _principal_key(grantee.grant_principal)
        return self._policies.get(key) if key is not None else None

    # ------------------------------------------------------------------ metrics

    def metric(
        self, metric_name: str, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """A Bedrock runtime metric (namespace ``AWS/Bedrock``) of one approved model.

        The ``ModelId`` dimension is the approved id as invoked (the profile id for an
        inference profile). ``props`` are :class:`aws_cdk.aws_cloudwatch.MetricOptions`
        (``period``, ``statistic``, ``label``...). Default: 5-minute periods, Average.
        """
        return cloudwatch.Metric(
            namespace="AWS/Bedrock",
            metric_name=metric_name,
            dimensions_map={"ModelId": self.resolve(alias_or_id)},
            **props,
        )

    def metric_invocations(self, alias_or_id: str | None = None, **props: Any) -> cloudwatch.Metric:
        """``Invocations``: requests Bedrock accepted for the model. Default: Sum over 5 minutes."""
        return self.metric("Invocations", alias_or_id, **{"statistic": "Sum", **props})

    def metric_invocation_latency(
        self, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """``InvocationLatency`` in milliseconds, to the last token. Default: Average."""
        return self.metric("InvocationLatency", alias_or_id, **{"statistic": "Average", **props})

    def metric_invocation_client_errors(
        self, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """``InvocationClientErrors``. Default: Sum over 5 minutes."""
        return self.metric("InvocationClientErrors", alias_or_id, **{"statistic": "Sum", **props})

    def metric_invocation_server_errors(
        self, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """``InvocationServerErrors``. Default: Sum over 5 minutes."""
        return self.metric("InvocationServerErrors", alias_or_id, **{"statistic": "Sum", **props})

    def metric_invocation_throttles(
        self, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """``InvocationThrottles``. Default: Sum over 5 minutes."""
        return self.metric("InvocationThrottles", alias_or_id, **{"statistic": "Sum", **props})

    def metric_input_token_count(
        self, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """``InputTokenCount``. Default: Sum over 5 minutes."""
        return self.metric("InputTokenCount", alias_or_id, **{"statistic": "Sum", **props})

    def metric_output_token_count(
        self, alias_or_id: str | None = None, **props: Any
    ) -> cloudwatch.Metric:
        """``OutputTokenCount``. Default: Sum over 5 minutes."""
        return self.metric("OutputTokenCount", alias_or_id, **{"statistic": "Sum", **props})

    # ------------------------------------------------------------------ internals

    def _invoked(self, model: ApprovedModel) -> list[str]:
        stack = self._stack
        return _invoked_arns(
            model, partition=stack.partition, region=stack.region, account=stack.account
        )

    def _destinations(self, model: ApprovedModel) -> list[str]:
        return _destination_arns(model, partition=self._stack.partition, region=self._stack.region)

    def _text_resources(self, **literal: str) -> _Resources:
        return self._resources_of(self.text_models, **literal)

    def _embedding_resources(self, **literal: str) -> _Resources:
        return self._resources_of(self.embedding_models, **literal)

    def _resources_of(self, model_ids: Sequence[str], **literal: str) -> _Resources:
        stack = self._stack
        arns = {
            "partition": stack.partition,
            "region": stack.region,
            "account": stack.account,
            **literal,
        }
        return _resources((self._approved[m] for m in model_ids), **arns)

    def _check_size(self, key: str | None, *, invoke: bool, guardrail_arn: str = "") -> list[str]:
        """The policy of ``key`` after this grant, with tokens replaced by the longest values
        they can take, must fit IAM's managed-policy size limit."""
        stack = self._stack
        literal = {
            "partition": "aws-us-gov" if cdk.Token.is_unresolved(stack.partition) else "",
            "region": "ap-southeast-5" if cdk.Token.is_unresolved(stack.region) else "",
            "account": "0" * 12 if cdk.Token.is_unresolved(stack.account) else "",
        }
        literal = {k: v or getattr(stack, k) for k, v in literal.items()}
        placeholder = (
            f"arn:{literal['partition']}:bedrock:{literal['region']}:{literal['account']}"
            f":guardrail/{'x' * 12}"
        )
        statements: list[iam.PolicyStatement] = []
        if invoke or key in self._invoke_grants:
            bound = self._guardrails.get(key or "", guardrail_arn)
            guard = placeholder if not bound or cdk.Token.is_unresolved(bound) else bound
            statements += _invoke_statements(
                self._text_resources(**literal), self._embedding_resources(**literal).all, guard
            )
        if not invoke or key in self._embed_grants:
            statements += _embed_statements(self._embedding_resources(**literal))
        size = _policy_size(statements)
        if size <= MAX_MANAGED_POLICY_CHARACTERS:
            return []
        return [
            f"models: {list(self._models)!r} need about {size} characters of IAM policy for one "
            f"principal, over the {MAX_MANAGED_POLICY_CHARACTERS} IAM allows in a managed "
            "policy; approve fewer models or fewer profile geographies"
        ]

    def _check_profile_size(self, grantee: iam.IGrantable, guardrail: IGuardrail) -> list[str]:
        """The invoke policy plus the two profile statements, with tokens at their longest,
        must fit IAM's managed-policy size limit."""
        stack = self._stack
        unresolved = cdk.Token.is_unresolved
        partition = "aws-us-gov" if unresolved(stack.partition) else stack.partition
        region = "ap-southeast-5" if unresolved(stack.region) else stack.region
        account = "0" * 12 if unresolved(stack.account) else stack.account
        guard = f"arn:{partition}:bedrock:{region}:{account}:guardrail/{'x' * 12}"
        if not unresolved(guardrail.guardrail_arn):
            guard = guardrail.guardrail_arn
        literal = {"partition": partition, "region": region, "account": account}
        text = self._text_resources(**literal)
        profiles = f"arn:{partition}:bedrock:{region}:{account}:application-inference-profile/*"
        statements = _invoke_statements(text, self._embedding_resources(**literal).all, guard)
        statements += _embed_statements(self._embedding_resources(**literal))
        statements.append(iam.PolicyStatement(actions=list(INVOKE_ACTIONS), resources=[profiles]))
        statements.append(
            iam.PolicyStatement(
                actions=list(INVOKE_ACTIONS),
                resources=text.destinations or [profiles],
                conditions={
                    **_guarded(guard),
                    "StringEquals": {"aws:ResourceTag/" + "x" * 128: "x" * 256},
                    "ArnLike": {INFERENCE_PROFILE_CONDITION_KEY: profiles},
                },
            )
        )
        size = _policy_size(statements)
        if size <= MAX_MANAGED_POLICY_CHARACTERS:
            return []
        return [
            f"models: {list(self._models)!r} need about {size} characters of IAM policy for one "
            "principal with the application inference profile statements, over the "
            f"{MAX_MANAGED_POLICY_CHARACTERS} IAM allows in a managed policy; approve fewer "
            "models or fewer profile geographies"
        ]

    def _check_principal(self, principal: iam.IPrincipal) -> list[str]:
        kind = _identity_kind(principal)
        if kind is None:
            return [
                f"grantee: {principal!r} is not an IAM role, user or group; model invocation "
                "is granted to identities only (pass a function's role, for example)"
            ]
        node = principal.node  # type: ignore[attr-defined]
        arn = getattr(principal, f"{kind}_arn")
        account = (
            arn.split(":")[4]
            if not cdk.Token.is_unresolved(arn)
            else cdk.Stack.of(principal).account  # type: ignore[arg-type]
        )
        own = self._stack.account
        if cdk.Token.is_unresolved(account) or cdk.Token.is_unresolved(own) or account == own:
            return []
        return [
            f"grantee: {kind} {node.path!r} is in account {account}, not in {own}, the "
            "catalogue's account; models are invoked from the catalogue's account (callers in "
            "other accounts go through the platform's inference API)"
        ]

    def _policy_for(self, key: str, principal: iam.IPrincipal) -> iam.ManagedPolicy:
        """The principal's customer-managed policy, created and attached on first use."""
        policy = self._policies.get(key)
        if policy is not None:
            return policy
        node = principal.node  # type: ignore[attr-defined]
        policy = iam.ManagedPolicy(
            self,
            f"Policy{cdk.Names.node_unique_id(node)}",
            description=f"Approved Bedrock models for {node.path}, guardrail enforced",
        )
        kind = _identity_kind(principal)
        if kind == "role":
            policy.attach_to_role(principal)  # type: ignore[arg-type]
        elif kind == "user":
            policy.attach_to_user(principal)  # type: ignore[arg-type]
        else:
            policy.attach_to_group(principal)  # type: ignore[arg-type]
        self._policies[key] = policy
        return policy

    def _raise_if(self, method: str, problems: list[str]) -> None:
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"ModelCatalog {self.node.path!r}: {method}: invalid arguments "
                f"({len(problems)} problems):\n{lines}"
            )


def warn_profile_outside_geography(scope: Construct, model: ApprovedModel, region: str) -> None:
    """Warn (``PROFILE_REGION_WARNING_ID``) that a geographic profile is approved for a region
    outside its geography, where Bedrock does not offer it. (``ModelCatalog`` itself refuses
    such a profile with a ValueError; see :func:`region_problems`.)"""
    regions = PROFILE_REGIONS.get(model.geography or "global", ())
    cdk.Annotations.of(scope).add_warning_v2(
        f"{PROFILE_REGION_WARNING_ID}:{model.model_id}",
        f"{model.model_id} is a {model.geography} inference profile, but {region} is outside "
        f"that geography ({', '.join(regions)}); Bedrock offers a geography's profiles in its "
        "own regions only",
    )


# ---------------------------------------------------------------------- principals


class _PolicyGrantee(iam.PrincipalBase):
    """Stands in for a principal so that ``iam.Grant.add_to_principal`` writes into one
    customer-managed policy (with a Sid) instead of the principal's inline default policy."""

    def __init__(self, principal: iam.IPrincipal, policy: iam.ManagedPolicy, sid: str) -> None:
        super().__init__()
        self._principal = principal
        self._policy = policy
        self._sid = sid

    @property
    def policy_fragment(self) -> iam.PrincipalPolicyFragment:
        return self._principal.policy_fragment

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        statement.sid = self._sid
        self._policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self._policy)

    def dedupe_string(self) -> str | None:
        return None


def _identity_kind(principal: iam.IPrincipal) -> Literal["role", "user", "group"] | None:
    """What kind of IAM identity (a construct) the principal is, if any."""
    if not hasattr(principal, "node"):
        return None
    if hasattr(principal, "role_name") and hasattr(principal, "role_arn"):
        return "role"
    if hasattr(principal, "user_name") and hasattr(principal, "user_arn"):
        return "user"
    if hasattr(principal, "group_name") and hasattr(principal, "group_arn"):
        return "group"
    return None


def _principal_key(principal: iam.IPrincipal) -> str | None:
    if _identity_kind(principal) is None:
        return None
    return str(principal.node.path)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- validation


def _approve(model_id: str, table: Mapping[str, ModelSpec]) -> ApprovedModel:
    parsed = parse_model_id(model_id)
    assert parsed is not None  # validated
    geography, base = parsed
    return ApprovedModel(model_id, base, geography, table[base])


def approve_models(
    models: Sequence[str],
    additional_models: Mapping[str, ModelSpec] | None = None,
    *,
    prop: str = "models",
) -> tuple[list[ApprovedModel], list[str]]:
    """Check approved ids against :data:`KNOWN_MODELS` and ``additional_models``.

    Returns the parsed models and the problems, one line each naming ``prop`` (and
    ``additional_models``), the bad value and what is allowed; the models are only complete
    when there is no problem.
    """
    problems = _check_additional(additional_models)
    table = {
        **KNOWN_MODELS,
        **(additional_models if isinstance(additional_models, Mapping) else {}),
    }
    if isinstance(models, str) or not isinstance(models, Sequence):
        return [], [*problems, f"{prop}: {models!r} is not a list; give a list of model ids"]
    if not models:
        problems.append(f"{prop}: [] approves nothing; give at least one model id")
    approved: list[ApprovedModel] = []
    for model_id in models:
        problem = _check_model(model_id, table, prop)
        if problem:
            problems.append(problem)
        else:
            approved.append(_approve(model_id, table))
    repeated = sorted({m for m in models if isinstance(m, str) and list(models).count(m) > 1})
    if repeated:
        problems.append(f"{prop}: {repeated!r} listed more than once; list each once")
    return approved, problems


def _check_model(model_id: object, table: Mapping[str, ModelSpec], prop: str) -> str | None:
    """Why an approved id is not allowed, or None."""
    if not isinstance(model_id, str):
        return f"{prop}: {model_id!r} is not a string; give a model id"
    if cdk.Token.is_unresolved(model_id):
        return (
            f"{prop}: {model_id!r} is a token; give the model id itself, since the IAM "
            "written depends on its form"
        )
    if model_id.startswith("arn:"):
        return (
            f"{prop}: {model_id!r} is an ARN; give the model or inference profile id, such as "
            "'amazon.nova-pro-v1:0' or 'us.amazon.nova-pro-v1:0'"
        )
    parsed = parse_model_id(model_id)
    if parsed is None:
        return (
            f"{prop}: {model_id!r} is not a model id; expected '<provider>.<model>[:<version>]' "
            f"in lowercase, optionally prefixed with a profile geography "
            f"({', '.join(g + '.' for g in GEOGRAPHIES)})"
        )
    geography, base = parsed
    spec = table.get(base)
    if spec is None:
        return (
            f"{prop}: {model_id!r} names the unknown foundation model {base!r}; use an id from "
            "KNOWN_MODELS or describe it in additional_models"
        )
    if geography is not None and geography not in spec.profile_geographies:
        offered = sorted(spec.profile_geographies)
        return (
            f"{prop}: {model_id!r} is not offered as a {geography}. inference profile; {base} "
            + (
                f"has profiles in {', '.join(g + '.' for g in offered)} only"
                if offered
                else "is invoked in-region only (no inference profile)"
            )
        )
    return None


def _check_additional(additional: Mapping[str, ModelSpec] | None) -> list[str]:
    if additional is None:
        return []
    if not isinstance(additional, Mapping):
        return [
            f"additional_models: {additional!r} is not a mapping; give "
            "{'<provider>.<model>': ModelSpec(...)}"
        ]
    problems = []
    for model_id, spec in additional.items():
        parsed = parse_model_id(model_id) if isinstance(model_id, str) else None
        if parsed is None or parsed[0] is not None:
            problems.append(
                f"additional_models: key {model_id!r} is not a foundation model id "
                "('<provider>.<model>[:<version>]', lowercase, without a profile prefix)"
            )
        if not isinstance(spec, ModelSpec):
            problems.append(f"additional_models: {model_id!r} maps to {spec!r}, not a ModelSpec")
        elif not set(spec.profile_geographies) <= set(GEOGRAPHIES) or spec.modality not in (
            "text",
            "multimodal",
            "embedding",
        ):
            problems.append(
                f"additional_models: {model_id!r} has modality {spec.modality!r} and "
                f"geographies {sorted(spec.profile_geographies)!r}; modality is text, "
                f"multimodal or embedding and geographies are among {list(GEOGRAPHIES)}"
            )
    return problems


def _check_aliases(
    aliases: Mapping[str, str] | None, models: Sequence[str], default_alias: str | None
) -> list[str]:
    problems: list[str] = []
    if aliases is None:
        aliases = {}
    elif not isinstance(aliases, Mapping):
        problems.append(
            f"aliases: {aliases!r} is not a mapping; give {{'<alias>': '<approved model id>'}}"
        )
        aliases = {}
    approved = set(m for m in models if isinstance(m, str))
    for alias, target in aliases.items():
        if alias in approved:
            problems.append(
                f"aliases: alias {alias!r} is itself an approved model id; pick another name"
            )
        elif not isinstance(alias, str) or not _ALIAS.fullmatch(alias):
            problems.append(
                f"aliases: alias {alias!r} is not allowed; use 1-64 letters, digits, '_', '.' "
                "or '-', starting with a letter or digit"
            )
        if target not in approved:
            problems.append(
                f"aliases: {alias!r} maps to {target!r}, which is not an approved model; "
                f"approved: {sorted(approved)!r}"
            )
    if default_alias is not None and default_alias not in aliases:
        problems.append(
            f"default_alias: {default_alias!r} is not one of the aliases {sorted(aliases)!r}"
        )
    return problems


# ---------------------------------------------------------------------- regions


def _own_geographies(spec: ModelSpec, region: str) -> list[Geography]:
    """The model's profile geographies that include ``region``, narrowest first."""
    fitting = [
        g for g in spec.profile_geographies if g != "global" and region in PROFILE_REGIONS[g]
    ]
    return sorted(fitting, key=lambda g: (len(PROFILE_REGIONS[g]), g))


def resolve_region_independent(
    models: Sequence[str],
    aliases: Mapping[str, str] | None,
    region: str,
    additional_models: Mapping[str, ModelSpec] | None = None,
) -> tuple[Sequence[str], Mapping[str, str] | None, list[str]]:
    """Replace each ``geo.<model id>`` (in ``models`` and as an alias target) by the inference
    profile of ``region``'s own geography: the narrowest of the model's profile geographies
    that includes the region (``jp.`` or ``au.`` before ``apac.``).

    Returns the models, the aliases and the problems (a ``geo.`` id whose model has no
    profile in the region's geography, or a region that is a token); other values pass
    through untouched for :func:`approve_models` to check.
    """
    if isinstance(models, str) or not isinstance(models, Sequence):
        return models, aliases, []
    table = {
        **KNOWN_MODELS,
        **(additional_models if isinstance(additional_models, Mapping) else {}),
    }
    prefix = f"{REGION_INDEPENDENT_PREFIX}."
    resolved: dict[str, str] = {}
    problems: list[str] = []
    for model_id in models:
        if not isinstance(model_id, str) or not model_id.startswith(prefix):
            continue
        base = model_id[len(prefix) :]
        spec = table.get(base)
        if spec is None:
            continue  # approve_models names the unknown model
        if cdk.Token.is_unresolved(region):
            problems.append(
                f"models: {model_id!r} follows the stack's region, which is unresolved (an "
                "environment-agnostic stack); give the stack an explicit region or name the "
                "profile (us., eu., apac., jp., au. or global.)"
            )
            continue
        own = _own_geographies(spec, region)
        if own:
            resolved[model_id] = f"{own[0]}.{base}"
            continue
        offered = sorted(spec.profile_geographies)
        problems.append(
            f"models: {model_id!r} needs an inference profile of {region}'s geography, but "
            + (
                f"{base} has profiles in {', '.join(g + '.' for g in offered)} only"
                if offered
                else f"{base} has no inference profile"
            )
            + (
                f"; use 'global.{base}' (callable from any Bedrock region)"
                if "global" in offered
                else f"; use {base!r} in-region where offered, another model, or another region"
            )
        )
    if not resolved:
        return models, aliases, problems
    new_models = [resolved.get(m, m) if isinstance(m, str) else m for m in models]
    new_aliases = (
        {a: resolved.get(t, t) if isinstance(t, str) else t for a, t in aliases.items()}
        if isinstance(aliases, Mapping)
        else aliases
    )
    return new_models, new_aliases, problems


def region_problems(
    models: Iterable[ApprovedModel],
    region: str,
    additional_models: Mapping[str, ModelSpec] | None = None,
) -> list[str]:
    """Approved models that cannot be invoked from ``region``, one line each naming the id and
    what would work there.

    * A geographic profile is callable from its geography's regions only
      (:data:`PROFILE_REGIONS`); ``global.`` profiles from any region.
    * A foundation model id is invoked in the region itself: it must be one of the model's
      in-region regions in :data:`genai_platform.regions.FOUNDATION_MODEL_REGIONS`. Models
      that table lacks, and models described in ``additional_models``, are not checked.
    """
    if cdk.Token.is_unresolved(region):
        return []
    own_specs = additional_models if isinstance(additional_models, Mapping) else {}
    problems: list[str] = []
    for model in models:
        base = model.base_model_id
        own = _own_geographies(model.spec, region)
        alternatives = [f"{g}.{base}" for g in own]
        if "global" in model.spec.profile_geographies:
            alternatives.append(f"global.{base}")
        would_work = (
            f"; from {region} use {' or '.join(repr(a) for a in alternatives)}"
            if alternatives
            else f"; {base} has no profile {region} can call"
        )
        if model.geography is None:
            in_region = regions.FOUNDATION_MODEL_REGIONS.get(base)
            if base in own_specs or in_region is None or region in in_region:
                continue
            problems.append(
                f"models: {model.model_id!r} is invoked in-region, but Bedrock does not offer "
                f"{base} in {region} (in-region: {', '.join(sorted(in_region))})" + would_work
            )
        elif not model.offered_in(region):
            geography_regions = ", ".join(PROFILE_REGIONS[model.geography])
            problems.append(
                f"models: {model.model_id!r} is a {model.geography}. inference profile, callable "
                f"only from {geography_regions}, not from {region}"
                + would_work
                + f" (or '{REGION_INDEPENDENT_PREFIX}.{base}', which follows the region)"
                * bool(own)
            )
    return problems
