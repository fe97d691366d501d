"""Validation of the guarded inference API's props: every problem is collected, each naming the
prop, showing the value and saying what is allowed, and raised once before anything is built.

This module holds the plan building needs and the checks that span the props; the checks of
one concern each live beside it: :mod:`.value_checks` (single values), :mod:`.model_checks`
(models, fallbacks, default alias), :mod:`.tenant_checks` (tenants, features),
:mod:`.setting_checks` (limits, timeouts, retry, breaker, network, API props) and
:mod:`.caller_checks` (caller role props, imported API attributes); their names are
re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2

from genai_platform.constructs.interfaces import IGuardrail, IInferenceEndpoint
from genai_platform.constructs.model_catalog import ModelCatalog
from genai_platform.patterns.guarded_inference_api.caller_checks import (
    _API_ID,
    _validate_api_import,
    _validate_caller,
)
from genai_platform.patterns.guarded_inference_api.edge import (
    ENDPOINT_POLICY_LIMIT_CHARS,
    api_policy_principals,
    principal_match,
)
from genai_platform.patterns.guarded_inference_api.model_checks import (
    _check_default_alias,
    _check_fallbacks,
    _check_models,
    _crossing_reference,
    _endpoint_elsewhere,
    _shown,
    _unknown,
)
from genai_platform.patterns.guarded_inference_api.profiles import (
    alias_prices,
    profile_problems,
)
from genai_platform.patterns.guarded_inference_api.props import (
    HOSTED_CONFIGURATION_LIMIT_BYTES,
    CallTimeouts,
    CircuitBreaker,
    RequestLimits,
    RetryPolicy,
    Tenant,
)
from genai_platform.patterns.guarded_inference_api.retrieval import RetrievalPlan, check_retrieval
from genai_platform.patterns.guarded_inference_api.routing_config import config_size_bytes
from genai_platform.patterns.guarded_inference_api.setting_checks import (
    _check_api_props,
    _check_breaker,
    _check_limits,
    _check_network,
    _check_retry,
    _check_timeouts,
)
from genai_platform.patterns.guarded_inference_api.tenant_checks import (
    _check_features,
    _check_tenants,
)
from genai_platform.patterns.guarded_inference_api.tenants import tenant_stack_problems
from genai_platform.patterns.guarded_inference_api.value_checks import (
    _int_in,
    _is_int,
    _is_number,
    _is_token,
    _number_in,
    _string_list,
)

__all__ = [
    "_API_ID",
    "_Plan",
    "_check_api_props",
    "_check_breaker",
    "_check_default_alias",
    "_check_fallbacks",
    "_check_features",
    "_check_limits",
    "_check_models",
    "_check_network",
    "_check_retry",
    "_check_tenants",
    "_check_timeouts",
    "_check_unique_prefix",
    "_crossing_reference",
    "_endpoint_elsewhere",
    "_int_in",
    "_is_int",
    "_is_number",
    "_is_token",
    "_number_in",
    "_plan",
    "_plan_cost",
    "_same_place",
    "_shown",
    "_string_list",
    "_unknown",
    "_validate_api_import",
    "_validate_caller",
]


# --------------------------------------------------------------------------- the pattern


@dataclass
class _Plan:
    """What validation worked out from the props, for building."""

    models: dict[str, dict[str, Any]]
    bedrock_aliases: list[str]
    self_hosted: dict[str, IInferenceEndpoint]
    default_alias: str
    tenants: list[Tenant]
    principal_keys: dict[str, list[str]]
    principal_arns: list[str]
    principal_accounts: list[str]
    vpc_endpoint: ec2.IInterfaceVpcEndpoint | None
    limits: RequestLimits
    timeouts: CallTimeouts
    retry: RetryPolicy
    breaker: CircuitBreaker
    features: list[str]
    blocked_message: str
    fallbacks: dict[str, str] = field(default_factory=dict)
    retrieval: RetrievalPlan | None = None
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    """Bedrock alias -> USD per million input/output tokens (see :mod:`.profiles`)."""
    profiled: dict[str, list[str]] = field(default_factory=dict)
    """Tenant -> the Bedrock aliases it gets an application inference profile for."""
    profile_arns: dict[str, dict[str, str]] = field(default_factory=dict)
    """Tenant -> alias -> profile ARN, filled in once the profiles are built."""
    unpriced: dict[str, str] = field(default_factory=dict)
    """Bedrock alias -> why the price table has no price for it."""


# --------------------------------------------------------------------------- validation


def _plan(stack: cdk.Stack, **props: Any) -> tuple[_Plan | None, list[str]]:
    """Check every prop; return what building needs, or the problems."""
    problems: list[str] = []
    guardrail = props["guardrail"]
    catalog = props["model_catalog"]
    if not isinstance(guardrail, IGuardrail):
        problems.append(
            f"guardrail: {guardrail!r} is not a guardrail; give a Guardrail or "
            "Guardrail.from_guardrail_attributes(...)"
        )
    else:
        problems += _crossing_reference(
            stack, "guardrail", guardrail, guardrail.guardrail_arn, "Guardrail", "guardrail"
        )
    if not isinstance(catalog, ModelCatalog):
        problems.append(f"model_catalog: {catalog!r} is not a ModelCatalog construct")
        catalog = None

    models, bedrock_aliases, self_hosted, catalog_skipped = _check_models(
        stack, catalog, props["self_hosted_models"], problems
    )
    known = set(models)
    fallbacks = _check_fallbacks(props["fallbacks"], known, catalog_skipped, problems)
    tenants, principal_keys, principal_arns, accounts = _check_tenants(
        props["tenants"], known, catalog_skipped, problems
    )
    default_alias = _check_default_alias(
        props["default_alias"], catalog, known, tenants, catalog_skipped, problems
    )
    features = _check_features(props["features"], problems)
    limits = _check_limits(props["limits"], problems)
    timeouts = _check_timeouts(props["timeouts"], problems)
    retry = _check_retry(props["retry"], problems)
    breaker = _check_breaker(props["breaker"], problems)
    vpc_endpoint = _check_network(props, problems)
    problems += _check_api_props(props)
    problems += _check_unique_prefix(stack, props["name_prefix"])
    retrieval, retrieval_problems = check_retrieval(
        stack, props["knowledge_bases"], tenants, props["name_prefix"]
    )
    problems += retrieval_problems

    if problems:
        return None, problems
    assert limits and timeouts and retry and breaker and default_alias
    plan = _Plan(
        models=models,
        bedrock_aliases=bedrock_aliases,
        self_hosted=self_hosted,
        default_alias=default_alias,
        tenants=tenants,
        principal_keys=principal_keys,
        principal_arns=principal_arns,
        principal_accounts=accounts,
        vpc_endpoint=vpc_endpoint,
        limits=limits,
        timeouts=timeouts,
        retry=retry,
        breaker=breaker,
        features=features,
        blocked_message=props["blocked_message"],
        fallbacks=fallbacks,
        retrieval=retrieval,
    )
    stack_problems = tenant_stack_problems([t.id for t in tenants])
    stack_problems += _plan_cost(stack, plan, catalog, props["max_application_inference_profiles"])
    try:
        api_policy_principals(principal_arns, accounts, name_prefix=props["name_prefix"])
        principal_match(
            principal_arns,
            name_prefix=props["name_prefix"],
            budget_chars=ENDPOINT_POLICY_LIMIT_CHARS - 4000,
        )
    except ValueError as exc:
        stack_problems.append(str(exc))
    if stack_problems:
        return None, stack_problems
    # The routing config lives in AppConfig's hosted store, which takes up to 1 MB; measured
    # with every deploy-time value at its longest.
    size = config_size_bytes(plan, guardrail)
    if size > HOSTED_CONFIGURATION_LIMIT_BYTES:
        return None, [
            f"tenants: {len(tenants)} tenants and {len(models)} aliases make the routing config "
            f"up to {size:,} bytes, over the {HOSTED_CONFIGURATION_LIMIT_BYTES:,} bytes "
            "AppConfig's hosted configuration store accepts; split the tenants over several APIs"
        ]
    return plan, []


def _plan_cost(
    stack: cdk.Stack, plan: _Plan, catalog: ModelCatalog, profile_limit: object
) -> list[str]:
    """Profiles per tenant and Bedrock alias (within the quota), and the aliases' prices
    (a tenant with a budget needs every Bedrock alias of it priced); see :mod:`.profiles`."""
    if not _is_int(profile_limit) or not 1 <= profile_limit <= 1_000_000:  # type: ignore[operator]
        return [
            f"max_application_inference_profiles: {profile_limit!r} is not allowed; give the "
            "account's quota 'Application inference profiles per account' (an integer from 1 "
            "to 1,000,000)"
        ]
    bedrock = set(plan.bedrock_aliases)
    plan.profiled = {
        t.id: [a for a in dict.fromkeys(t.aliases) if a in bedrock] for t in plan.tenants
    }
    plan.profiled = {t: aliases for t, aliases in plan.profiled.items() if aliases}
    problems = profile_problems(plan.profiled, limit=int(profile_limit))  # type: ignore[call-overload]
    plan.prices, unpriced = alias_prices(
        stack.region, {a: catalog.resolve(a) for a in plan.bedrock_aliases}
    )
    for index, tenant in enumerate(plan.tenants):
        missing = [a for a in plan.profiled.get(tenant.id, []) if a in unpriced]
        if tenant.monthly_budget_usd is not None and missing:
            problems.append(
                f"tenants[{index}].monthly_budget_usd: {tenant.monthly_budget_usd!r} cannot be "
                f"enforced: the tenant's aliases {missing!r} have no price ("
                + "; ".join(f"{a}: {unpriced[a]}" for a in missing)
                + "); remove the budget, those aliases, or deploy to a region the price table "
                "covers"
            )
    plan.unpriced = unpriced
    return problems


def _same_place(a: cdk.Stack, b: cdk.Stack) -> bool:
    """Whether two stacks may deploy to the same account and region (unresolved: maybe)."""
    return all(
        cdk.Token.is_unresolved(x) or cdk.Token.is_unresolved(y) or x == y
        for x, y in ((a.account, b.account), (a.region, b.region))
    )


def _check_unique_prefix(stack: cdk.Stack, name_prefix: object) -> list[str]:
    """Another API of the app with the same ``name_prefix`` in the same account and region
    would create the same SSM parameter, secret, AppConfig application and role names, which
    CloudFormation refuses only at deploy (the resource already exists)."""
    from genai_platform.patterns.guarded_inference_api.api import GuardedInferenceApi

    if not isinstance(name_prefix, str):
        return []
    clashes = [
        c.node.path
        for c in stack.node.root.node.find_all()
        if isinstance(c, GuardedInferenceApi)
        and c.name_prefix == name_prefix
        and _same_place(cdk.Stack.of(c), stack)
    ]
    if not clashes:
        return []
    return [
        f"name_prefix: {name_prefix!r} is already used by the inference API "
        f"{', '.join(repr(p) for p in clashes)} in the same account and region; its kill-switch "
        f"parameter (/{name_prefix}/gateway/kill-switch), API key secrets, AppConfig "
        "application and caller roles would have the same names; give each API its own "
        "name_prefix"
    ]
