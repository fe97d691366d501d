"""Validation of the models the guarded inference API serves: the catalogue's aliases, the
self-hosted endpoints (same account and Region, real-time with an inference component), the
fallbacks (no self-references, no cycles) and the default alias."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk

from genai_platform.constructs.interfaces import IInferenceEndpoint
from genai_platform.constructs.model_catalog import ModelCatalog
from genai_platform.patterns.guarded_inference_api.props import (
    _NAME,
    Tenant,
)
from genai_platform.patterns.guarded_inference_api.value_checks import _is_token


def _check_models(
    stack: cdk.Stack,
    catalog: ModelCatalog | None,
    self_hosted_models: Mapping[str, IInferenceEndpoint] | None,
    problems: list[str],
) -> tuple[dict[str, dict[str, Any]], list[str], dict[str, IInferenceEndpoint], dict[str, str]]:
    """The aliases the gateway serves, and why catalogue aliases are left out."""
    models: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    bedrock: list[str] = []
    if catalog is not None:
        text = set(catalog.text_models)
        for alias, model_id in catalog.aliases.items():
            if not _NAME.fullmatch(alias):
                skipped[alias] = (
                    "the gateway only serves aliases of 1-64 lowercase letters, digits, '_' and '-'"
                )
            elif model_id not in text:
                skipped[alias] = f"it names the embedding model {model_id}, which cannot chat"
            else:
                models[alias] = {"kind": "bedrock", "model_id": model_id}
                bedrock.append(alias)
    hosted: dict[str, IInferenceEndpoint] = {}
    if self_hosted_models is not None:
        if not isinstance(self_hosted_models, Mapping):
            problems.append(
                f"self_hosted_models: {self_hosted_models!r} is not a mapping; give "
                "{'<alias>': InferenceEndpoint}"
            )
            self_hosted_models = {}
        for alias, endpoint in self_hosted_models.items():
            if not isinstance(alias, str) or not _NAME.fullmatch(alias):
                problems.append(
                    f"self_hosted_models: alias {alias!r} is not allowed; use 1-64 lowercase "
                    "letters, digits, '_' and '-', starting with a letter or digit"
                )
                continue
            if alias in models or (catalog is not None and alias in catalog.aliases):
                problems.append(
                    f"self_hosted_models: alias {alias!r} already names a model of the "
                    "catalogue; pick another alias"
                )
                continue
            if not isinstance(endpoint, IInferenceEndpoint):
                problems.append(
                    f"self_hosted_models: {alias!r} maps to {endpoint!r}, not an inference "
                    "endpoint; give an InferenceEndpoint or "
                    "InferenceEndpoint.from_endpoint_attributes(...)"
                )
                continue
            elsewhere = _crossing_reference(
                stack,
                f"self_hosted_models[{alias!r}]",
                endpoint,
                endpoint.endpoint_arn,
                "InferenceEndpoint",
                "endpoint",
            ) or _endpoint_elsewhere(stack, alias, endpoint)
            if elsewhere:
                problems += elsewhere
                continue
            if endpoint.inference_component_name is None:
                problems.append(
                    f"self_hosted_models: {alias!r} maps to {endpoint.node.path!r}, which has "
                    "no inference component (an async endpoint, or one imported without "
                    "inference_component_arn); the gateway calls real-time endpoints (with an "
                    "inference component) only"
                )
                continue
            models[alias] = {
                "kind": "sagemaker",
                "endpoint_name": endpoint.endpoint_name,
                "inference_component_name": endpoint.inference_component_name,
            }
            hosted[alias] = endpoint
    if catalog is not None and not models:
        reasons = "; ".join(f"{a!r}: {r}" for a, r in skipped.items()) or "it has no aliases"
        problems.append(
            "model_catalog: no alias the gateway can serve and no self_hosted_models; give the "
            f"catalogue aliases of text models ({reasons})"
        )
    return models, bedrock, hosted, skipped


def _crossing_reference(
    stack: cdk.Stack, prop: str, resource: Any, arn: str, kind: str, what: str
) -> list[str]:
    """A resource of another stack in another environment whose ARN is a deploy-time value:
    referencing it would need a CloudFormation export across accounts or Regions."""
    owner = cdk.Stack.of(resource)
    if owner is stack or not cdk.Token.is_unresolved(arn):
        return []
    if owner.account == stack.account and owner.region == stack.region:
        return []  # one environment: CDK's cross-stack references work
    return [
        f"{prop}: {resource.node.path!r} belongs to stack {owner.stack_name!r} (account "
        f"{_shown(owner.account)}, Region {_shown(owner.region)}), not to this stack's "
        f"environment (account {_shown(stack.account)}, Region {_shown(stack.region)}), and its "
        "ARN is only known once that stack deploys; across accounts and Regions only names and "
        f"ARNs travel: pass {kind}.from_{what}_attributes(...) with the deployed ARN"
    ]


def _shown(value: str) -> str:
    return "<unresolved>" if cdk.Token.is_unresolved(value) else repr(value)


def _endpoint_elsewhere(stack: cdk.Stack, alias: str, endpoint: IInferenceEndpoint) -> list[str]:
    """SageMaker Runtime's InvokeEndpoint reaches endpoints of the caller's own account, in the
    Region it is sent to (Amazon SageMaker API Reference, InvokeEndpoint: "Endpoints are scoped
    to an individual account"; the invoke function calls SageMaker in its own Region)."""
    problems = []
    for part, theirs, ours in (
        ("account", endpoint.account, stack.account),
        ("Region", endpoint.region, stack.region),
    ):
        if not _is_token(theirs) and not _is_token(ours) and theirs != ours:
            problems.append(
                f"self_hosted_models: {alias!r} maps to an endpoint in {part} {theirs!r}, but "
                f"the API is in {part} {ours!r}; the invoke function can only call SageMaker "
                "endpoints of its own account and Region (deploy the API there, or serve the "
                "model from this account)"
            )
    return problems


def _unknown(alias: object, known: set[str], skipped: Mapping[str, str]) -> str:
    if isinstance(alias, str) and alias in skipped:
        return f"{alias!r} is a catalogue alias the gateway cannot serve ({skipped[alias]})"
    return f"{alias!r} is not a model alias; known: {sorted(known)}"


def _check_fallbacks(
    fallbacks: Mapping[str, str] | None,
    known: set[str],
    skipped: Mapping[str, str],
    problems: list[str],
) -> dict[str, str]:
    if fallbacks is None:
        return {}
    if not isinstance(fallbacks, Mapping):
        problems.append(f"fallbacks: {fallbacks!r} is not a mapping; give {{'<alias>': '<alias>'}}")
        return {}
    ok = True
    for alias, fallback in fallbacks.items():
        for name in (alias, fallback):
            if name not in known:
                problems.append(f"fallbacks: {_unknown(name, known, skipped)}")
                ok = False
        if alias == fallback:
            problems.append(
                f"fallbacks: {alias!r} falls back to itself; name another alias or none"
            )
            ok = False
    if not ok:
        return {}
    for start in fallbacks:
        seen = [start]
        current = fallbacks.get(start)
        while current is not None:
            if current in seen:
                cycle = " -> ".join([*seen[seen.index(current) :], current])
                problems.append(
                    f"fallbacks: {dict(fallbacks)!r} has the cycle {cycle}; a fallback chain "
                    "must end in a model without a fallback"
                )
                return {}
            seen.append(current)
            current = fallbacks.get(current)
    return dict(fallbacks)


def _check_default_alias(
    default_alias: str | None,
    catalog: ModelCatalog | None,
    known: set[str],
    tenants: list[Tenant],
    skipped: Mapping[str, str],
    problems: list[str],
) -> str | None:
    if default_alias is not None:
        if default_alias not in known:
            problems.append(f"default_alias: {_unknown(default_alias, known, skipped)}")
            return None
        return default_alias
    if catalog is not None and catalog.default_alias in known:
        return catalog.default_alias
    if tenants:
        return str(next(iter(tenants[0].aliases)))
    return None
