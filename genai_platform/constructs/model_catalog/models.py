"""The model table: profile geographies and their regions, modalities, the foundation models
the catalogue knows (:data:`KNOWN_MODELS`) and an approved id parsed (:class:`ApprovedModel`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

__all__ = [
    "GEOGRAPHIES",
    "KNOWN_MODELS",
    "PROFILE_REGIONS",
    "REGION_INDEPENDENT_PREFIX",
    "ApprovedModel",
    "Geography",
    "Modality",
    "ModelSpec",
    "parse_model_id",
]

Geography = Literal["us", "eu", "apac", "jp", "au", "global"]
"""Prefix of a cross-region inference profile id."""

Modality = Literal["text", "multimodal", "embedding"]
"""What a model does: generates text from text, from text and images, or embeds."""

GEOGRAPHIES: tuple[Geography, ...] = get_args(Geography)

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
