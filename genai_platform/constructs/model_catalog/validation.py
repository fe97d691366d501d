"""Checking approved ids against the model table, ``additional_models`` and aliases: each
problem one line naming the prop, the bad value and what is allowed."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import aws_cdk as cdk

from genai_platform.constructs.model_catalog.models import (
    GEOGRAPHIES,
    KNOWN_MODELS,
    ApprovedModel,
    ModelSpec,
    parse_model_id,
)

__all__ = ["approve_models"]

_ALIAS = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


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
