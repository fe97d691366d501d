"""What the stack's region can invoke: ``geo.`` ids resolved to the region's own geography,
approved ids the region cannot call refused, and the warning for a profile outside its geography."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import aws_cdk as cdk
from constructs import Construct

from genai_platform import regions
from genai_platform.constructs.model_catalog.models import (
    KNOWN_MODELS,
    PROFILE_REGIONS,
    REGION_INDEPENDENT_PREFIX,
    ApprovedModel,
    Geography,
    ModelSpec,
)

__all__ = [
    "PROFILE_REGION_WARNING_ID",
    "region_problems",
    "resolve_region_independent",
    "warn_profile_outside_geography",
]

#: Warning id of :func:`warn_profile_outside_geography`.
PROFILE_REGION_WARNING_ID = "genai-platform:model-catalog-profile-region"


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
