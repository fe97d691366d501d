"""Validation of the guarded inference API's tenants (ids, principals, aliases, quotas, rates
and budgets) and of the feature tags its metrics keep."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from genai_platform.patterns.guarded_inference_api.model_checks import _unknown
from genai_platform.patterns.guarded_inference_api.props import (
    _MAX_BUDGET_USD,
    _MAX_FEATURES,
    _MAX_QUOTA,
    _MAX_STAGE_BURST,
    _MAX_STAGE_RATE,
    _NAME,
    _PRINCIPAL_ARN,
    _RESERVED_FEATURES,
    Tenant,
)
from genai_platform.patterns.guarded_inference_api.value_checks import (
    _int_in,
    _is_number,
    _is_token,
    _number_in,
    _string_list,
)


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
