"""The invoke function's configuration: the gateway config and the other environment variables.

The gateway config (guardrail, models, tenants, features, limits, timeouts, retry, breaker,
blocked message) is one JSON document, the routing config ``GuardedInferenceApi`` deploys to an
AWS AppConfig hosted configuration (``GATEWAY_CONFIG_APPCONFIG``), or given whole as JSON in
``GATEWAY_CONFIG`` for local runs and tests (see :mod:`gw_common`). :func:`live_config` keeps the
newest valid version of it; :func:`validate_gateway_config` checks one, and
:class:`ConfigError` lists every problem at once (each naming its key, showing the value and
saying what is allowed): an invalid version is never served.

Other variables, read once at cold start by :func:`load_settings` (a bad one is a deployment
bug and fails the cold start loudly, every problem listed at once):

- ``QUOTA_TABLE_NAME`` and ``KILL_SWITCH_PARAMETER`` (required);
- ``API_INTEGRATION_TIMEOUT_MS``: the API Gateway integration timeout of the function's
  routes, in ms: 29000 when unset (API Gateway's default; 50 to 29,000 ms, and up to
  300,000 ms for Regional and private REST APIs after a quota increase -- "Amazon API Gateway
  integration timeout limit increase beyond 29 seconds", AWS What's New, June 2024). The
  request deadline stays below it, so the function answers before API Gateway gives up;
- ``RESPONSE_ID_KEY_ARN`` (required in Lambda): the KMS HMAC key response ids are signed with
  (see ``gw_common.ResponseIds``); ``RESPONSE_ID_TEST_KEY`` replaces it outside Lambda only;
- ``TRACING_ENABLED``: ``true`` turns on X-Ray tracing through Powertools' Tracer (imported only
  then); off when unset;
- ``QUOTA_DEFER_REFUNDS``: ``false`` applies every quota settlement at once (two store calls per
  request) instead of piggybacking refunds on the next reservation (see ``gw_quota``); true
  when unset.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gw_common import (
    LiveConfig,
    config_source,
    parse_tenant_registry,
    response_id_environment_problems,
    show_value,
)
from gw_cost import Price, budget_problems, price_problems, profile_problems
from gw_retrieval_config import RetrievalConfig, parse_retrieval

__all__ = [
    "BEDROCK",
    "SAGEMAKER",
    "BreakerPolicy",
    "ConfigError",
    "GatewayConfig",
    "GuardrailRef",
    "Limits",
    "ModelTarget",
    "RetryPolicy",
    "Settings",
    "Tenant",
    "Timeouts",
    "live_config",
    "load_settings",
    "parse_gateway_config",
    "validate_gateway_config",
]

BEDROCK = "bedrock"
SAGEMAKER = "sagemaker"

_ALIAS = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_FEATURE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_GUARDRAIL_ID = re.compile(r"[a-z0-9]{1,64}")
_GUARDRAIL_VERSION = re.compile(r"[1-9][0-9]{0,7}|DRAFT")
_GUARDRAIL_ARN = re.compile(r"arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:guardrail/[a-z0-9]+")
_SAGEMAKER_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
_RESERVED_FEATURES = frozenset({"other", "none"})


class ConfigError(ValueError):
    """The function's configuration is invalid; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid invoke function configuration:\n  - " + "\n  - ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class GuardrailRef:
    """The Bedrock guardrail every request and response goes through."""

    identifier: str
    version: str
    arn: str


@dataclass(frozen=True)
class ModelTarget:
    """An approved model behind an alias: a Bedrock model/inference profile or a SageMaker
    inference component."""

    alias: str
    kind: str
    model_id: str | None = None
    endpoint_name: str | None = None
    inference_component_name: str | None = None
    fallback: str | None = None
    price: Price | None = None
    """USD per million input/output tokens (Bedrock aliases the price table knows; see
    ``gw_cost``): what ``CostUSD`` and the tenant budgets are computed from."""


@dataclass(frozen=True)
class Tenant:
    """An application team: the IAM principals it calls with and what it may use."""

    id: str
    principals: tuple[str, ...]
    aliases: tuple[str, ...]
    monthly_token_quota: int
    log_content: bool
    profiles: Mapping[str, str] = field(default_factory=dict)
    """Bedrock alias -> the tenant's application inference profile ARN (see ``gw_cost``)."""
    monthly_budget_usd: float | None = None
    """Monthly budget in USD enforced per request (see ``gw_cost``); None: no budget."""


@dataclass(frozen=True)
class Limits:
    """Request size limits."""

    max_body_bytes: int
    max_messages: int
    max_message_chars: int
    max_system_chars: int
    max_output_tokens: int


@dataclass(frozen=True)
class Timeouts:
    """Per-call connect/read timeouts and the total deadline of one request, in seconds."""

    connect_seconds: float
    read_seconds: float
    deadline_seconds: float


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of throttled calls: exponential backoff with full jitter."""

    max_attempts: int
    base_delay_seconds: float
    max_delay_seconds: float


DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000
MIN_INTEGRATION_TIMEOUT_MS = 50
MAX_INTEGRATION_TIMEOUT_MS = 300_000
DEFAULT_BREAKER_MIN_TENANTS = 2


@dataclass(frozen=True)
class BreakerPolicy:
    """Circuit breakers: open after N consecutive failures for T seconds; a target's shared
    breaker only when the failures came from ``min_tenants`` tenants or more (``breaker.
    min_tenants``, 2 when absent; 2 to 1000: one tenant alone can never open it)."""

    failure_threshold: int
    open_seconds: float
    min_tenants: int = DEFAULT_BREAKER_MIN_TENANTS


@dataclass(frozen=True)
class GatewayConfig:
    """The validated ``GATEWAY_CONFIG``."""

    guardrail: GuardrailRef
    models: Mapping[str, ModelTarget]
    default_alias: str
    tenants: tuple[Tenant, ...]
    features: frozenset[str]
    limits: Limits
    timeouts: Timeouts
    retry: RetryPolicy
    breaker: BreakerPolicy
    blocked_message: str
    retrieval: RetrievalConfig | None = None
    """Knowledge bases and each tenant's retrieval scope (``gw_retrieval_config``); None: the
    gateway serves no retrieval."""

    def tenant_for(self, principal_key: str) -> Tenant | None:
        """The tenant a principal key (``<account>:role:<name>``) belongs to, if any."""
        for tenant in self.tenants:
            if principal_key in tenant.principals:
                return tenant
        return None

    def default_alias_for(self, tenant: Tenant) -> str:
        """The platform default alias when the tenant may use it, else the tenant's first."""
        return self.default_alias if self.default_alias in tenant.aliases else tenant.aliases[0]


@dataclass(frozen=True)
class Settings:
    """Everything the invoke function reads from its environment."""

    config: GatewayConfig
    quota_table_name: str
    kill_switch_parameter: str
    integration_timeout_ms: int = DEFAULT_INTEGRATION_TIMEOUT_MS
    tracing: bool = False
    defer_refunds: bool = True


class _Checker:
    """Collects problems while reading a JSON document, so all of them are reported at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, key: str, value: Any, allowed: str) -> None:
        self.problems.append(f"{key}: got {_show(value)}; {allowed}")

    def obj(
        self, data: Any, key: str, allowed_keys: set[str], required: set[str]
    ) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail(key, data, "must be a JSON object")
            return {}
        unknown = sorted(set(data) - allowed_keys)
        if unknown:
            self.problems.append(
                f"{key}: unknown key(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(allowed_keys))}"
            )
        for name in sorted(required - set(data)):
            self.problems.append(f"{key}.{name}: is required")
        return data

    def string(
        self, data: dict[str, Any], name: str, key: str, pattern: re.Pattern[str], allowed: str
    ) -> str | None:
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.fail(f"{key}.{name}", value, allowed)
            return None
        return value

    def integer(self, data: dict[str, Any], name: str, key: str, low: int, high: int) -> int:
        value = data.get(name)
        if name not in data:
            return low
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"{key}.{name}", value, f"must be an integer from {low} to {high}")
            return low
        return value

    def number(self, data: dict[str, Any], name: str, key: str, low: float, high: float) -> float:
        value = data.get(name)
        if name not in data:
            return low
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not low < value <= high
        ):
            self.fail(
                f"{key}.{name}", value, f"must be a number greater than {low} and at most {high}"
            )
            return low
        return float(value)


_show = show_value


def parse_gateway_config(text: str) -> GatewayConfig:
    """Parse and validate a whole gateway config given as JSON text; :class:`ConfigError` lists
    every problem."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError([f"GATEWAY_CONFIG: is not valid JSON ({exc.msg} at {exc.pos})"]) from None
    return validate_gateway_config(raw)


def validate_gateway_config(raw: Any) -> GatewayConfig:
    """Validate a gateway config document (already merged from its sources);
    :class:`ConfigError` lists every problem."""
    check = _Checker()
    top = check.obj(
        raw,
        "GATEWAY_CONFIG",
        {
            "guardrail",
            "models",
            "default_alias",
            "tenants",
            "features",
            "limits",
            "timeouts",
            "retry",
            "breaker",
            "blocked_message",
            "retrieval",
        },
        {
            "guardrail",
            "models",
            "default_alias",
            "tenants",
            "limits",
            "timeouts",
            "retry",
            "breaker",
            "blocked_message",
        },
    )
    guardrail = _guardrail(check, top.get("guardrail"))
    models = _models(check, top.get("models"))
    default_alias = top.get("default_alias")
    if "default_alias" in top and default_alias not in models:
        check.fail("default_alias", default_alias, f"must be one of the models: {sorted(models)}")
    tenants = _tenants(check, top.get("tenants"), models)
    features = _features(check, top.get("features", []))
    limits = _limits(check, top.get("limits"))
    timeouts = _timeouts(check, top.get("timeouts"))
    retry = _retry(check, top.get("retry"))
    breaker = _breaker(check, top.get("breaker"))
    blocked = top.get("blocked_message")
    if "blocked_message" in top and (
        not isinstance(blocked, str) or not blocked.strip() or len(blocked) > 2000
    ):
        check.fail(
            "blocked_message", blocked, "must be a non-empty string of at most 2000 characters"
        )
    retrieval = None
    if top.get("retrieval") is not None:
        retrieval = parse_retrieval(top["retrieval"], {t.id for t in tenants}, check.problems)
    if check.problems:
        raise ConfigError(check.problems)
    assert guardrail is not None and limits is not None and timeouts is not None
    assert retry is not None and breaker is not None
    return GatewayConfig(
        guardrail=guardrail,
        models=models,
        default_alias=str(default_alias),
        tenants=tenants,
        features=features,
        limits=limits,
        timeouts=timeouts,
        retry=retry,
        breaker=breaker,
        blocked_message=str(blocked),
        retrieval=retrieval,
    )


def _guardrail(check: _Checker, data: Any) -> GuardrailRef | None:
    if data is None:
        return None
    obj = check.obj(
        data, "guardrail", {"identifier", "version", "arn"}, {"identifier", "version", "arn"}
    )
    identifier = check.string(
        obj,
        "identifier",
        "guardrail",
        _GUARDRAIL_ID,
        "must be a guardrail id (lower-case letters and digits)",
    )
    version = check.string(
        obj,
        "version",
        "guardrail",
        _GUARDRAIL_VERSION,
        'must be a published version number such as "3" (or DRAFT)',
    )
    arn = check.string(
        obj,
        "arn",
        "guardrail",
        _GUARDRAIL_ARN,
        "must be arn:aws:bedrock:<region>:<account>:guardrail/<id>",
    )
    if identifier and arn and not (arn.endswith("/" + identifier) or identifier == arn):
        check.fail("guardrail.arn", arn, f"must be the ARN of guardrail {identifier!r}")
    if identifier is None or version is None or arn is None:
        return None
    return GuardrailRef(identifier=identifier, version=version, arn=arn)


def _models(check: _Checker, data: Any) -> dict[str, ModelTarget]:
    if data is None:
        return {}
    if not isinstance(data, dict) or not data:
        check.fail("models", data, "must be a non-empty object of alias -> model")
        return {}
    models: dict[str, ModelTarget] = {}
    for alias, spec in data.items():
        key = f"models.{alias}"
        if not _ALIAS.fullmatch(alias):
            check.fail("models", alias, "aliases must match [a-z0-9][a-z0-9_-]{0,63}")
            continue
        obj = check.obj(
            spec,
            key,
            {"kind", "model_id", "endpoint_name", "inference_component_name", "fallback", "price"},
            {"kind"},
        )
        price: Price | None = None
        if "price" in obj:
            price, bad = price_problems(f"{key}.price", obj["price"])
            check.problems.extend(bad)
        kind = obj.get("kind")
        if "kind" in obj and kind not in (BEDROCK, SAGEMAKER):
            check.fail(f"{key}.kind", kind, f"must be {BEDROCK!r} or {SAGEMAKER!r}")
            continue
        if kind == BEDROCK:
            for extra in ("endpoint_name", "inference_component_name"):
                if extra in obj:
                    check.fail(f"{key}.{extra}", obj[extra], "is only allowed for sagemaker models")
            model_id = obj.get("model_id")
            if not isinstance(model_id, str) or not 1 <= len(model_id) <= 2048 or " " in model_id:
                check.fail(
                    f"{key}.model_id",
                    model_id,
                    "must be a Bedrock model id, inference profile id or ARN",
                )
                continue
            models[alias] = ModelTarget(
                alias, BEDROCK, model_id=model_id, fallback=obj.get("fallback"), price=price
            )
        elif kind == SAGEMAKER:
            for extra in ("model_id", "price"):
                if extra in obj:
                    check.fail(f"{key}.{extra}", obj[extra], "is only allowed for bedrock models")
            names: list[Any] = []
            for name in ("endpoint_name", "inference_component_name"):
                value = obj.get(name)
                if not isinstance(value, str) or not _SAGEMAKER_NAME.fullmatch(value):
                    check.fail(
                        f"{key}.{name}",
                        value,
                        "must be a SageMaker name (letters, digits, hyphens; 1-63)",
                    )
                names.append(value)
            if all(isinstance(n, str) and _SAGEMAKER_NAME.fullmatch(n) for n in names):
                models[alias] = ModelTarget(
                    alias,
                    SAGEMAKER,
                    endpoint_name=str(names[0]),
                    inference_component_name=str(names[1]),
                    fallback=obj.get("fallback"),
                )
    for alias, target in models.items():
        fallback = target.fallback
        if fallback is None:
            continue
        if not isinstance(fallback, str) or fallback not in models or fallback == alias:
            check.fail(
                f"models.{alias}.fallback",
                fallback,
                f"must be another model alias: {sorted(set(models) - {alias})}",
            )
    return models


def _tenants(check: _Checker, data: Any, models: Mapping[str, ModelTarget]) -> tuple[Tenant, ...]:
    if data is None:
        return ()
    # Ids and principal keys: the shared layer's rules, the same as the feedback function's.
    registry = parse_tenant_registry(data, key="tenants")
    check.problems.extend(registry.problems)
    tenants: list[Tenant] = []
    for entry in registry.tenants:
        key = f"tenants[{entry.index}]"
        obj = check.obj(
            entry.spec,
            key,
            {
                "id",
                "principals",
                "aliases",
                "monthly_token_quota",
                "log_content",
                "profiles",
                "monthly_budget_usd",
            },
            {"aliases", "monthly_token_quota"},
        )
        bedrock = {a for a, t in models.items() if t.kind == BEDROCK}
        profiles, bad = profile_problems(f"{key}.profiles", obj.get("profiles", {}), bedrock)
        budget, bad_budget = budget_problems(
            f"{key}.monthly_budget_usd", obj.get("monthly_budget_usd")
        )
        check.problems.extend(bad + bad_budget)
        aliases = obj.get("aliases")
        if (
            not isinstance(aliases, list)
            or not aliases
            or not all(isinstance(a, str) and a in models for a in aliases)
        ):
            check.fail(
                f"{key}.aliases",
                aliases,
                f"must be a non-empty list of model aliases from {sorted(models)}",
            )
            aliases = []
        quota = check.integer(obj, "monthly_token_quota", key, 1, 10**15)
        log_content = obj.get("log_content", False)
        if not isinstance(log_content, bool):
            check.fail(f"{key}.log_content", log_content, "must be true or false")
        tenants.append(
            Tenant(
                entry.id,
                entry.principals,
                tuple(dict.fromkeys(aliases)),
                quota,
                log_content is True,
                profiles,
                budget,
            )
        )
    return tuple(tenants)


def _features(check: _Checker, data: Any) -> frozenset[str]:
    if not isinstance(data, list) or not all(
        isinstance(f, str) and _FEATURE.fullmatch(f) and f not in _RESERVED_FEATURES for f in data
    ):
        check.fail(
            "features",
            data,
            "must be a list of feature tags matching [a-z0-9][a-z0-9_-]{0,63} "
            "(not 'other' or 'none', which are reserved)",
        )
        return frozenset()
    if len(data) > 50:
        check.fail("features", len(data), "at most 50 feature tags (metric cardinality)")
    return frozenset(data)


def _limits(check: _Checker, data: Any) -> Limits | None:
    if data is None:
        return None
    names = {
        "max_body_bytes",
        "max_messages",
        "max_message_chars",
        "max_system_chars",
        "max_output_tokens",
    }
    obj = check.obj(data, "limits", names, names)
    return Limits(
        max_body_bytes=check.integer(obj, "max_body_bytes", "limits", 1024, 10 * 1024 * 1024),
        max_messages=check.integer(obj, "max_messages", "limits", 1, 1000),
        max_message_chars=check.integer(obj, "max_message_chars", "limits", 1, 1_000_000),
        max_system_chars=check.integer(obj, "max_system_chars", "limits", 1, 1_000_000),
        max_output_tokens=check.integer(obj, "max_output_tokens", "limits", 1, 1_000_000),
    )


def _timeouts(check: _Checker, data: Any) -> Timeouts | None:
    if data is None:
        return None
    names = {"connect_seconds", "read_seconds", "deadline_seconds"}
    obj = check.obj(data, "timeouts", names, names)
    timeouts = Timeouts(
        connect_seconds=check.number(obj, "connect_seconds", "timeouts", 0, 60),
        read_seconds=check.number(obj, "read_seconds", "timeouts", 0, 900),
        deadline_seconds=check.number(obj, "deadline_seconds", "timeouts", 0, 900),
    )
    if timeouts.deadline_seconds < timeouts.read_seconds and "deadline_seconds" in obj:
        check.fail(
            "timeouts.deadline_seconds",
            obj["deadline_seconds"],
            f"must be at least timeouts.read_seconds ({obj.get('read_seconds')})",
        )
    return timeouts


def _retry(check: _Checker, data: Any) -> RetryPolicy | None:
    if data is None:
        return None
    names = {"max_attempts", "base_delay_seconds", "max_delay_seconds"}
    obj = check.obj(data, "retry", names, names)
    retry = RetryPolicy(
        max_attempts=check.integer(obj, "max_attempts", "retry", 1, 10),
        base_delay_seconds=check.number(obj, "base_delay_seconds", "retry", 0, 60),
        max_delay_seconds=check.number(obj, "max_delay_seconds", "retry", 0, 300),
    )
    if retry.max_delay_seconds < retry.base_delay_seconds and "max_delay_seconds" in obj:
        check.fail(
            "retry.max_delay_seconds",
            obj["max_delay_seconds"],
            f"must be at least retry.base_delay_seconds ({obj.get('base_delay_seconds')})",
        )
    return retry


def _breaker(check: _Checker, data: Any) -> BreakerPolicy | None:
    if data is None:
        return None
    names = {"failure_threshold", "open_seconds"}
    obj = check.obj(data, "breaker", names | {"min_tenants"}, names)
    return BreakerPolicy(
        failure_threshold=check.integer(obj, "failure_threshold", "breaker", 1, 1000),
        open_seconds=check.number(obj, "open_seconds", "breaker", 0, 3600),
        min_tenants=(
            check.integer(obj, "min_tenants", "breaker", 2, 1000)
            if "min_tenants" in obj
            else DEFAULT_BREAKER_MIN_TENANTS
        ),
    )


def load_settings(environ: Mapping[str, str], config: GatewayConfig | None = None) -> Settings:
    """The function's settings: its environment variables and ``config`` (when None, the whole
    config in ``GATEWAY_CONFIG``); :class:`ConfigError` lists every problem."""
    problems: list[str] = []
    if config is None:
        text = environ.get("GATEWAY_CONFIG", "")
        if not text:
            problems.append(
                "GATEWAY_CONFIG: is not set; give the gateway config as JSON, or read it from "
                "AppConfig with live_config()"
            )
        else:
            try:
                config = parse_gateway_config(text)
            except ConfigError as exc:
                problems.extend(exc.problems)
    table = environ.get("QUOTA_TABLE_NAME", "")
    if not re.fullmatch(r"[a-zA-Z0-9_.-]{3,255}", table):
        problems.append(f"QUOTA_TABLE_NAME: got {table!r}; must be a DynamoDB table name")
    parameter = environ.get("KILL_SWITCH_PARAMETER", "")
    if not re.fullmatch(r"/?[a-zA-Z0-9_.\-/]{1,1011}", parameter):
        problems.append(f"KILL_SWITCH_PARAMETER: got {parameter!r}; must be an SSM parameter name")
    integration = environ.get("API_INTEGRATION_TIMEOUT_MS")
    integration_ms = DEFAULT_INTEGRATION_TIMEOUT_MS
    if integration is not None:
        if (
            re.fullmatch(r"[0-9]{1,6}", integration)
            and MIN_INTEGRATION_TIMEOUT_MS <= int(integration) <= MAX_INTEGRATION_TIMEOUT_MS
        ):
            integration_ms = int(integration)
        else:
            problems.append(
                f"API_INTEGRATION_TIMEOUT_MS: got {show_value(integration)}; must be whole "
                f"milliseconds from {MIN_INTEGRATION_TIMEOUT_MS} to {MAX_INTEGRATION_TIMEOUT_MS} "
                f"(unset means {DEFAULT_INTEGRATION_TIMEOUT_MS})"
            )
    flags: dict[str, bool] = {}
    for name, default in (("TRACING_ENABLED", False), ("QUOTA_DEFER_REFUNDS", True)):
        raw = environ.get(name, str(default).lower()).strip().lower()
        if raw not in ("true", "false"):
            problems.append(f"{name}: got {show_value(raw)}; must be true or false")
        flags[name] = raw == "true"
    problems.extend(response_id_environment_problems(environ))
    if problems or config is None:
        raise ConfigError(problems)
    return Settings(
        config=config,
        quota_table_name=table,
        kill_switch_parameter=parameter,
        integration_timeout_ms=integration_ms,
        tracing=flags["TRACING_ENABLED"],
        defer_refunds=flags["QUOTA_DEFER_REFUNDS"],
    )


def live_config(
    environ: Mapping[str, str],
    *,
    client: Callable[[], Any] | None,
    warn: Callable[[str, dict[str, Any]], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> LiveConfig[GatewayConfig]:
    """The newest valid gateway config from the source the environment names (AppConfig, or
    ``GATEWAY_CONFIG``); :class:`ConfigError` if the source itself is misconfigured, or if an
    inline ``GATEWAY_CONFIG`` is invalid."""
    source, problems = config_source(environ)
    if source is None:
        raise ConfigError(problems)
    return LiveConfig(source, validate_gateway_config, client=client, warn=warn, clock=clock)
