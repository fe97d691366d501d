"""Validation of the guarded inference API's props: every problem is collected, each naming the
prop, showing the value and saying what is allowed, and raised once before anything is built.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs

from genai_platform.constructs.interfaces import IGuardrail, IInferenceEndpoint
from genai_platform.constructs.model_catalog import ModelCatalog
from genai_platform.constructs.private_network import PrivateNetwork
from genai_platform.patterns.guarded_inference_api.edge import (
    ENDPOINT_POLICY_LIMIT_CHARS,
    api_policy_principals,
    principal_match,
)
from genai_platform.patterns.guarded_inference_api.profiles import (
    alias_prices,
    profile_problems,
)
from genai_platform.patterns.guarded_inference_api.props import (
    _ACCOUNT,
    _LOG_LEVELS,
    _MAX_BODY_BYTES,
    _MAX_BUDGET_USD,
    _MAX_FEATURES,
    _MAX_QUOTA,
    _MAX_RESERVED_CONCURRENCY,
    _MAX_STAGE_BURST,
    _MAX_STAGE_RATE,
    _MAX_TTL_DAYS,
    _NAME,
    _NAME_PREFIX,
    _ORGANIZATION_ID,
    _PRINCIPAL_ARN,
    _REGION,
    _RESERVED_FEATURES,
    _ROLE_NAME,
    _STAGE_NAME,
    _WAF_RATE_LIMIT_RANGE,
    API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS,
    COMMON_RULE_SET_RULES,
    HOSTED_CONFIGURATION_LIMIT_BYTES,
    INVOKE_TIMEOUT_MARGIN_SECONDS,
    KNOWN_BAD_INPUTS_RULE_SET_RULES,
    CallTimeouts,
    CircuitBreaker,
    RequestLimits,
    RetryPolicy,
    Tenant,
)
from genai_platform.patterns.guarded_inference_api.retrieval import RetrievalPlan, check_retrieval
from genai_platform.patterns.guarded_inference_api.routing_config import config_size_bytes
from genai_platform.patterns.guarded_inference_api.tenants import tenant_stack_problems

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


def _is_token(value: object) -> bool:
    return isinstance(value, str) and cdk.Token.is_unresolved(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _int_in(prop: str, value: object, low: int, high: int) -> list[str]:
    if _is_int(value) and low <= value <= high:  # type: ignore[operator]
        return []
    return [f"{prop}: {value!r} is not allowed; give an integer from {low:,} to {high:,}"]


def _number_in(prop: str, value: object, high: float) -> list[str]:
    if _is_number(value) and 0 < value <= high:  # type: ignore[operator]
        return []
    return [f"{prop}: {value!r} is not allowed; give a number greater than 0 and at most {high:g}"]


def _string_list(prop: str, value: object) -> tuple[list[str], list[str]]:
    """The strings of a list prop, and a problem when it is a string or holds non-strings."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [], [f"{prop}: {value!r} is not a list; give a list of strings like [{value!r}]"]
    bad = [v for v in value if not isinstance(v, str)]
    if bad:
        return [v for v in value if isinstance(v, str)], [
            f"{prop}: {bad!r} are not strings; give strings"
        ]
    return list(value), []


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


def _check_tenants(
    tenants: Sequence[Tenant],
    known: set[str],
    skipped: Mapping[str, str],
    problems: list[str],
) -> tuple[list[Tenant], dict[str, list[str]], list[str], list[str]]:
    if isinstance(tenants, str) or not isinstance(tenants, Sequence) or not tenants:
        problems.append(f"tenants: {tenants!r} is not allowed; give a non-empty list of Tenant")
        return [], {}, [], []
    valid: list[Tenant] = []
    keys: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    arns: list[str] = []
    accounts: set[str] = set()
    ids: list[str] = []
    for index, tenant in enumerate(tenants):
        prop = f"tenants[{index}]"
        if not isinstance(tenant, Tenant):
            problems.append(f"{prop}: {tenant!r} is not a Tenant")
            continue
        before = len(problems)
        if not isinstance(tenant.id, str) or not _NAME.fullmatch(tenant.id):
            problems.append(
                f"{prop}.id: {tenant.id!r} is not allowed; use 1-64 lowercase letters, digits, "
                "'_' and '-', starting with a letter or digit"
            )
        elif tenant.id in ids:
            problems.append(f"{prop}.id: {tenant.id!r} is used by another tenant; ids are unique")
        ids.append(str(tenant.id))
        principals, bad = _string_list(f"{prop}.principals", tenant.principals)
        problems += bad
        if not bad and not principals:
            problems.append(f"{prop}.principals: [] is empty; give at least one role ARN")
        tenant_keys: list[str] = []
        for arn in principals:
            match = _PRINCIPAL_ARN.fullmatch(arn) if not _is_token(arn) else None
            if match is None:
                problems.append(
                    f"{prop}.principals: {arn!r} is not an IAM role or user ARN; give "
                    "'arn:aws:iam::<account>:role/<name>' (or user/<name>) literally, not a "
                    "token or an assumed-role session ARN"
                )
                continue
            key = f"{match['account']}:{match['kind']}:{match['name']}"
            if key in owner and owner[key] != tenant.id:
                problems.append(
                    f"{prop}.principals: {arn!r} already belongs to tenant {owner[key]!r}; a "
                    "principal belongs to one tenant"
                )
                continue
            owner[key] = str(tenant.id)
            if key not in tenant_keys:
                tenant_keys.append(key)
                arns.append(arn)
                accounts.add(match["account"])
        aliases, bad = _string_list(f"{prop}.aliases", tenant.aliases)
        problems += bad
        if not bad and not aliases:
            problems.append(f"{prop}.aliases: [] is empty; give at least one model alias")
        for alias in aliases:
            if alias not in known:
                problems.append(f"{prop}.aliases: {_unknown(alias, known, skipped)}")
        problems += _int_in(
            f"{prop}.monthly_token_quota", tenant.monthly_token_quota, 1, _MAX_QUOTA
        )
        problems += _number_in(f"{prop}.rate_limit_rps", tenant.rate_limit_rps, _MAX_STAGE_RATE)
        problems += _int_in(f"{prop}.burst_limit", tenant.burst_limit, 1, _MAX_STAGE_BURST)
        problems += _int_in(
            f"{prop}.monthly_request_quota", tenant.monthly_request_quota, 1, _MAX_QUOTA
        )
        if not isinstance(tenant.log_content, bool):
            problems.append(f"{prop}.log_content: {tenant.log_content!r} is not True or False")
        budget = tenant.monthly_budget_usd
        if budget is not None and not (_is_number(budget) and 0 < budget <= _MAX_BUDGET_USD):
            problems.append(
                f"{prop}.monthly_budget_usd: {budget!r} is not allowed; give US dollars greater "
                f"than 0 and at most {_MAX_BUDGET_USD:g}, or None for no budget"
            )
        if len(problems) == before:
            valid.append(tenant)
            keys[tenant.id] = tenant_keys
    return valid, keys, list(dict.fromkeys(arns)), sorted(accounts)


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


def _check_features(features: Sequence[str], problems: list[str]) -> list[str]:
    values, bad = _string_list("features", features)
    problems += bad
    wrong = [f for f in values if not _NAME.fullmatch(f) or f in _RESERVED_FEATURES]
    if wrong:
        problems.append(
            f"features: {wrong!r} are not allowed; feature tags are 1-64 lowercase letters, "
            "digits, '_' and '-' and not 'other' or 'none' (reserved for the metrics)"
        )
    repeated = sorted({f for f in values if values.count(f) > 1})
    if repeated:
        problems.append(f"features: {repeated!r} listed more than once; list each once")
    if len(values) > _MAX_FEATURES:
        problems.append(
            f"features: {len(values)} tags given; at most {_MAX_FEATURES} keep the metrics' "
            "dimension cardinality bounded"
        )
    return values


def _check_limits(limits: RequestLimits | None, problems: list[str]) -> RequestLimits | None:
    limits = RequestLimits() if limits is None else limits
    if not isinstance(limits, RequestLimits):
        problems.append(f"limits: {limits!r} is not a RequestLimits")
        return None
    before = len(problems)
    problems += _int_in("limits.max_body_bytes", limits.max_body_bytes, 1024, _MAX_BODY_BYTES)
    problems += _int_in("limits.max_messages", limits.max_messages, 1, 1000)
    problems += _int_in("limits.max_message_chars", limits.max_message_chars, 1, 1_000_000)
    problems += _int_in("limits.max_system_chars", limits.max_system_chars, 1, 1_000_000)
    problems += _int_in("limits.max_output_tokens", limits.max_output_tokens, 1, 1_000_000)
    return limits if len(problems) == before else None


def _check_timeouts(timeouts: CallTimeouts | None, problems: list[str]) -> CallTimeouts | None:
    timeouts = CallTimeouts() if timeouts is None else timeouts
    if not isinstance(timeouts, CallTimeouts):
        problems.append(f"timeouts: {timeouts!r} is not a CallTimeouts")
        return None
    before = len(problems)
    longest = API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS - INVOKE_TIMEOUT_MARGIN_SECONDS
    problems += _number_in("timeouts.connect_seconds", timeouts.connect_seconds, 60)
    problems += _number_in("timeouts.read_seconds", timeouts.read_seconds, 900)
    deadline = _number_in("timeouts.deadline_seconds", timeouts.deadline_seconds, longest)
    if deadline:
        problems.append(
            f"timeouts.deadline_seconds: {timeouts.deadline_seconds!r} is not allowed; give a "
            f"number greater than 0 and at most {longest} (the function gets "
            f"{INVOKE_TIMEOUT_MARGIN_SECONDS} s more and must end before API Gateway's "
            f"{API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS} s integration timeout)"
        )
    if len(problems) != before:
        return None
    for name in ("read_seconds", "connect_seconds"):
        if getattr(timeouts, name) > timeouts.deadline_seconds:
            problems.append(
                f"timeouts.{name}: {getattr(timeouts, name)!r} is longer than the deadline "
                f"({timeouts.deadline_seconds!r}); give at most the deadline"
            )
    return timeouts if len(problems) == before else None


def _check_retry(retry: RetryPolicy | None, problems: list[str]) -> RetryPolicy | None:
    retry = RetryPolicy() if retry is None else retry
    if not isinstance(retry, RetryPolicy):
        problems.append(f"retry: {retry!r} is not a RetryPolicy")
        return None
    before = len(problems)
    problems += _int_in("retry.max_attempts", retry.max_attempts, 1, 10)
    problems += _number_in("retry.base_delay_seconds", retry.base_delay_seconds, 60)
    problems += _number_in("retry.max_delay_seconds", retry.max_delay_seconds, 300)
    if len(problems) == before and retry.max_delay_seconds < retry.base_delay_seconds:
        problems.append(
            f"retry.max_delay_seconds: {retry.max_delay_seconds!r} is shorter than "
            f"retry.base_delay_seconds ({retry.base_delay_seconds!r}); give at least the base"
        )
    return retry if len(problems) == before else None


def _check_breaker(breaker: CircuitBreaker | None, problems: list[str]) -> CircuitBreaker | None:
    breaker = CircuitBreaker() if breaker is None else breaker
    if not isinstance(breaker, CircuitBreaker):
        problems.append(f"breaker: {breaker!r} is not a CircuitBreaker")
        return None
    before = len(problems)
    problems += _int_in("breaker.failure_threshold", breaker.failure_threshold, 1, 1000)
    problems += _number_in("breaker.open_seconds", breaker.open_seconds, 3600)
    return breaker if len(problems) == before else None


def _check_network(
    props: Mapping[str, Any], problems: list[str]
) -> ec2.IInterfaceVpcEndpoint | None:
    endpoint_type = props["endpoint_type"]
    vpc_endpoint = props["vpc_endpoint"]
    network = props["private_network"]
    if network is not None and not isinstance(network, PrivateNetwork):
        problems.append(f"private_network: {network!r} is not a PrivateNetwork")
    if endpoint_type not in (apigateway.EndpointType.REGIONAL, apigateway.EndpointType.PRIVATE):
        problems.append(
            f"endpoint_type: {endpoint_type!r} is not allowed; give EndpointType.REGIONAL or "
            "EndpointType.PRIVATE (edge-optimized APIs route through CloudFront, outside the "
            "regional WAF)"
        )
        return None
    if endpoint_type == apigateway.EndpointType.PRIVATE:
        if vpc_endpoint is None and network is None:
            problems.append(
                "endpoint_type: PRIVATE needs a way in; give vpc_endpoint (an execute-api "
                "interface endpoint) or private_network (whose execute-api endpoint is used or "
                "created)"
            )
        return vpc_endpoint  # type: ignore[no-any-return]
    if vpc_endpoint is not None:
        problems.append(
            f"vpc_endpoint: {vpc_endpoint.node.path!r} is only used by a PRIVATE API; set "
            "endpoint_type=EndpointType.PRIVATE or leave vpc_endpoint out"
        )
    return None


def _check_api_props(props: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    prefix = props["name_prefix"]
    if not isinstance(prefix, str) or not _NAME_PREFIX.fullmatch(prefix):
        problems.append(
            f"name_prefix: {prefix!r} is not allowed; use 3-32 lowercase letters, digits and "
            "hyphens, starting with a letter and ending with a letter or digit"
        )
    stage = props["stage_name"]
    if not isinstance(stage, str) or not _STAGE_NAME.fullmatch(stage):
        problems.append(f"stage_name: {stage!r} is not allowed; use 1-64 letters, digits and '_'")
    org = props["organization_id"]
    if (
        org is not None
        and not _is_token(org)
        and not (isinstance(org, str) and _ORGANIZATION_ID.fullmatch(org))
    ):
        problems.append(
            f"organization_id: {org!r} is not an AWS Organizations id; expected 'o-' followed "
            "by 10 to 32 lowercase letters or digits"
        )
    problems += _number_in("throttle_rate_limit", props["throttle_rate_limit"], _MAX_STAGE_RATE)
    problems += _int_in("throttle_burst_limit", props["throttle_burst_limit"], 1, _MAX_STAGE_BURST)
    problems += _int_in("waf_rate_limit", props["waf_rate_limit"], *_WAF_RATE_LIMIT_RANGE)
    rules, bad = _string_list("waf_count_rules", props["waf_count_rules"])
    problems += bad
    allowed = COMMON_RULE_SET_RULES + KNOWN_BAD_INPUTS_RULE_SET_RULES
    unknown = [r for r in rules if r not in allowed]
    if unknown:
        problems.append(
            f"waf_count_rules: {unknown!r} are not rules of AWSManagedRulesCommonRuleSet or "
            f"AWSManagedRulesKnownBadInputsRuleSet; allowed: {', '.join(allowed)}"
        )
    message = props["blocked_message"]
    if not isinstance(message, str) or not message.strip() or len(message) > 2000:
        problems.append(
            f"blocked_message: {message!r} is not allowed; give 1-2,000 characters of text"
        )
    for name in ("invoke_reserved_concurrency", "feedback_reserved_concurrency"):
        if props[name] is not None:
            problems += _int_in(name, props[name], 1, _MAX_RESERVED_CONCURRENCY)
    problems += _int_in("feedback_ttl_days", props["feedback_ttl_days"], 1, _MAX_TTL_DAYS)
    if props["log_retention"] == logs.RetentionDays.INFINITE:
        problems.append(
            "log_retention: RetentionDays.INFINITE keeps logs forever; choose a finite "
            "retention such as RetentionDays.ONE_YEAR"
        )
    if props["log_level"] not in _LOG_LEVELS:
        problems.append(
            f"log_level: {props['log_level']!r} is not allowed; give one of "
            f"{', '.join(_LOG_LEVELS)}"
        )
    problems += _int_in("powertools_layer_version", props["powertools_layer_version"], 1, 10_000)
    return problems


def _validate_caller(stack: cdk.Stack, **props: Any) -> list[str]:
    problems: list[str] = []
    tenant = props["tenant_id"]
    if not isinstance(tenant, str) or not _NAME.fullmatch(tenant):
        problems.append(
            f"tenant_id: {tenant!r} is not allowed; use 1-64 lowercase letters, digits, '_' and "
            "'-', starting with a letter or digit"
        )
    account = props["genai_account"]
    if not _is_token(account) and not (isinstance(account, str) and _ACCOUNT.fullmatch(account)):
        problems.append(f"genai_account: {account!r} is not a 12-digit AWS account id")
    if not isinstance(props["assumed_by"], iam.PrincipalBase) and not hasattr(
        props["assumed_by"], "policy_fragment"
    ):
        problems.append(f"assumed_by: {props['assumed_by']!r} is not an IAM principal")
    prefix = props["name_prefix"]
    if not isinstance(prefix, str) or not _NAME_PREFIX.fullmatch(prefix):
        problems.append(
            f"name_prefix: {prefix!r} is not allowed; use 3-32 lowercase letters, digits and "
            "hyphens, starting with a letter and ending with a letter or digit"
        )
    region = props["region"]
    if (
        region is not None
        and not _is_token(region)
        and not (isinstance(region, str) and _REGION.fullmatch(region))
    ):
        problems.append(f"region: {region!r} is not an AWS region name such as 'us-east-1'")
    stage = props["stage_name"]
    if not isinstance(stage, str) or not _STAGE_NAME.fullmatch(stage):
        problems.append(f"stage_name: {stage!r} is not allowed; use 1-64 letters, digits and '_'")
    role_name = props["role_name"]
    if not _is_token(role_name) and not (
        isinstance(role_name, str) and _ROLE_NAME.fullmatch(role_name)
    ):
        problems.append(
            f"role_name: {role_name!r} is not allowed; IAM role names are 1-64 letters, "
            "digits and '+=,.@_-' (a shorter name_prefix or tenant_id, or an explicit "
            "role_name, fits)"
        )
    secret = props["api_key_secret"]
    if not isinstance(secret, str) or not re.fullmatch(r"[\w/+=.@-]{1,512}", secret):
        problems.append(
            f"api_key_secret: {secret!r} is not a Secrets Manager secret name (1-512 letters, "
            "digits and '/_+=.@-')"
        )
    return problems


_API_ID = re.compile(r"[a-z0-9]{10}")


def _validate_api_import(**attributes: Any) -> list[str]:
    """Every problem with the attributes of an imported guarded inference API."""
    problems = []
    api_id = attributes["api_id"]
    if not _is_token(api_id) and not (isinstance(api_id, str) and _API_ID.fullmatch(api_id)):
        problems.append(
            f"api_id: {api_id!r} is not a REST API id; give the 10 lowercase letters and digits "
            "API Gateway assigned (the API's URL starts with https://<api id>.execute-api.)"
        )
    account = attributes["account"]
    if not _is_token(account) and not (isinstance(account, str) and _ACCOUNT.fullmatch(account)):
        problems.append(f"account: {account!r} is not a 12-digit AWS account id")
    region = attributes["region"]
    if (
        region is not None
        and not _is_token(region)
        and not (isinstance(region, str) and _REGION.fullmatch(region))
    ):
        problems.append(f"region: {region!r} is not an AWS region name such as 'us-east-1'")
    stage = attributes["stage_name"]
    if not isinstance(stage, str) or not _STAGE_NAME.fullmatch(stage):
        problems.append(f"stage_name: {stage!r} is not allowed; use 1-64 letters, digits and '_'")
    prefix = attributes["name_prefix"]
    if not isinstance(prefix, str) or not _NAME_PREFIX.fullmatch(prefix):
        problems.append(
            f"name_prefix: {prefix!r} is not allowed; use 3-32 lowercase letters, digits and "
            "hyphens, starting with a letter and ending with a letter or digit"
        )
    return problems
