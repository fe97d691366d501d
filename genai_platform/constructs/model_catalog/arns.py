"""The ARNs IAM checks when an approved id is invoked: the foundation model or inference
profile a request names, and the foundation models a profile routes to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import aws_cdk as cdk

from genai_platform.constructs.model_catalog.models import PROFILE_REGIONS, ApprovedModel

__all__ = ["foundation_model_arn", "inference_profile_arn"]


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
