"""The whole config (:class:`PlatformConfig`) and how a TOML file becomes one."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from genai_platform.config._base import (
    REQUIRED_COST_ALLOCATION_TAGS,
    ConfigError,
    _Model,
    known_regions,
)
from genai_platform.config.monitoring import MonitoringConfig
from genai_platform.config.retrieval import KnowledgeBaseConfig
from genai_platform.config.sections import (
    AccountsConfig,
    ApiConfig,
    BudgetsConfig,
    CostConfig,
    CostGuardConfig,
    EndpointConfig,
    GovernanceConfig,
    GuardrailConfig,
    LoggingConfig,
    ModelsConfig,
    NetworkConfig,
    TenantConfig,
    WarningAcknowledgementConfig,
    _check_tag,
)
from genai_platform.regions import (
    BUDGETS,
    COST_ANOMALY_DETECTION,
    GUARDRAIL_ENFORCEMENT,
    GUARDRAILS,
    INFERENCE_COMPONENTS,
    KNOWLEDGE_BASES,
    S3_VECTORS,
    SCALE_TO_ZERO,
    feature_problem,
    zone_problems,
)


class PlatformConfig(_Model):
    """The whole platform config (the TOML file's top level)."""

    name: str
    """Lowercase prefix of resource names: 3-24 letters, digits and hyphens, starting with a
    letter."""
    region: str
    """Region every stack is deployed to."""
    availability_zones: list[str]
    """Two or three zones of ``region`` (checked against the region's real zone names in
    :data:`genai_platform.regions.ZONE_LETTERS`), named explicitly so synth never looks them up."""
    sandbox: bool = False
    """Allow one account id for several roles (single-account trial; default false)."""
    accounts: AccountsConfig
    tags: dict[str, str]
    """Cost-allocation tags put on every resource; must include CostCenter and Owner."""
    budgets: BudgetsConfig
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    models: ModelsConfig
    guardrail: GuardrailConfig = Field(default_factory=GuardrailConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    cost_guard: CostGuardConfig = Field(default_factory=CostGuardConfig)
    governance: GovernanceConfig = Field(default_factory=GovernanceConfig)
    endpoints: list[EndpointConfig] = Field(default_factory=list)
    """Self-hosted model endpoints in the generative-AI account (default none)."""
    api: ApiConfig = Field(default_factory=ApiConfig)
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)
    """Dashboard, alarms and chat objectives of the generative-AI account (default: on)."""
    cost: CostConfig = Field(default_factory=CostConfig)
    """Monthly cost ceilings (default: none enforced)."""
    knowledge_bases: list[KnowledgeBaseConfig] = Field(default_factory=list)
    """Knowledge bases over the data account's documents bucket (default none)."""
    tenants: list[TenantConfig] = Field(default_factory=list)
    """Application teams allowed to call the inference API (default none: no API is built)."""
    acknowledged_warnings: list[WarningAcknowledgementConfig] = Field(default_factory=list)
    """Construct warnings kept on purpose, each with a reason (default none: every warning
    counts, and fails ``genai-platform check --strict``)."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9-]{1,22}[a-z0-9]", value) or "--" in value:
            raise ValueError(
                f"{value!r} is not a platform name: 3-24 lowercase letters, digits and single "
                "hyphens, starting with a letter and not ending with a hyphen"
            )
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if value not in known_regions():
            raise ValueError(f"{value!r} is not an AWS region known to botocore (e.g. 'us-east-1')")
        return value

    @field_validator("availability_zones")
    @classmethod
    def _zones(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if not 2 <= len(value) <= 3:
            raise ValueError(f"{value!r} has {len(value)} zones; give 2 or 3")
        if len(set(value)) != len(value):
            raise ValueError(f"{value!r} lists a zone twice")
        region = info.data.get("region")
        if region is not None:
            problems = zone_problems(region, value)  # real zone names (genai_platform.regions)
            if problems:
                raise ValueError("; ".join(problems))
        return value

    @field_validator("accounts")
    @classmethod
    def _separate_accounts(cls, value: AccountsConfig, info: ValidationInfo) -> AccountsConfig:
        if info.data.get("sandbox", False):
            return value
        by_account: dict[str, list[str]] = {}
        for role, account in value.roles().items():
            by_account.setdefault(account, []).append(role)
        shared = {acct: roles for acct, roles in by_account.items() if len(roles) > 1}
        if shared:
            detail = "; ".join(f"{' and '.join(r)} share {a!r}" for a, r in shared.items())
            raise ValueError(
                f"{detail}: each role needs its own account (set sandbox = true for a "
                "single-account trial without blast-radius separation)"
            )
        return value

    @field_validator("endpoints")
    @classmethod
    def _unique_endpoints(cls, value: list[EndpointConfig]) -> list[EndpointConfig]:
        names = [e.name for e in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"{twice!r} used by more than one endpoint; names must be unique")
        return value

    @model_validator(mode="after")
    def _region_offers_what_the_platform_uses(self) -> PlatformConfig:
        """Guardrails, their enforcement, budgets, anomaly monitors and real-time endpoints
        (inference components) exist only in some regions (:mod:`genai_platform.regions`).
        Checked after the fields, so that the endpoints still count as names for ``[api]``."""
        region = self.region
        enforced = self.guardrail.enforcement.enabled
        problems = [
            problem
            for feature, key, used, hint in (
                (GUARDRAILS, "guardrail", True, "the platform guardrail is always built"),
                (GUARDRAIL_ENFORCEMENT, "guardrail.enforcement.enabled", enforced, "set false"),
                (BUDGETS, "budgets", True, "each account stack creates its budget"),
                (
                    COST_ANOMALY_DETECTION,
                    "budgets",
                    True,
                    "each account stack creates a cost anomaly subscription",
                ),
                (
                    KNOWLEDGE_BASES,
                    "knowledge_bases",
                    bool(self.knowledge_bases),
                    "remove [[knowledge_bases]] or use one of those regions",
                ),
                (
                    S3_VECTORS,
                    "knowledge_bases",
                    bool(self.knowledge_bases),
                    "knowledge bases store their vectors in S3 Vectors",
                ),
            )
            if used and (problem := feature_problem(feature, region, prop=key, hint=hint))
        ]
        for n, endpoint in enumerate(self.endpoints):
            if endpoint.mode != "real-time":
                continue
            problem = feature_problem(
                INFERENCE_COMPONENTS,
                region,
                prop=f"endpoints[{n}].mode",
                hint=f"'real-time' ({endpoint.name}) hosts the model as an inference component; "
                "use mode = 'async' there, or one of those regions",
            )
            if problem is None and endpoint.min_instances == 0:
                problem = feature_problem(
                    SCALE_TO_ZERO,
                    region,
                    prop=f"endpoints[{n}].min_instances",
                    hint="set it to 1 or more",
                )
            if problem:
                problems.append(problem)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @field_validator("monitoring")
    @classmethod
    def _monitored_aliases(cls, value: MonitoringConfig, info: ValidationInfo) -> MonitoringConfig:
        models = info.data.get("models")
        api = info.data.get("api")
        served = set(models.aliases) if models is not None else set()
        served |= set(api.self_hosted) if api is not None else set()
        unknown = sorted(set(value.latency_targets_ms) - served)
        if unknown:
            raise ValueError(
                f"latency_targets_ms: {unknown!r} are not model aliases; allowed: "
                f"{sorted(served)!r} ([models.aliases] and [api.self_hosted])"
            )
        return value

    @field_validator("api")
    @classmethod
    def _api_references(cls, value: ApiConfig, info: ValidationInfo) -> ApiConfig:
        problems = []
        endpoints = {e.name for e in info.data.get("endpoints", [])}
        models = info.data.get("models")
        bedrock_aliases = set(models.aliases) if models is not None else set()
        for alias, endpoint in value.self_hosted.items():
            if endpoint not in endpoints:
                problems.append(
                    f"self_hosted.{alias}: {endpoint!r} is not an [[endpoints]] name; "
                    f"known: {sorted(endpoints)}"
                )
            if alias in bedrock_aliases:
                problems.append(f"self_hosted.{alias}: alias already names a Bedrock model")
        known = bedrock_aliases | set(value.self_hosted)
        for alias, fallback in value.fallbacks.items():
            for name in (alias, fallback):
                if name not in known:
                    problems.append(
                        f"fallbacks.{alias}: {name!r} is not a model alias; known: {sorted(known)}"
                    )
            if alias == fallback:
                problems.append(f"fallbacks.{alias}: {fallback!r} cannot fall back to itself")
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("tenants")
    @classmethod
    def _tenant_references(
        cls, value: list[TenantConfig], info: ValidationInfo
    ) -> list[TenantConfig]:
        problems = []
        ids = [t.id for t in value]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            problems.append(f"{twice!r} used by more than one tenant; ids must be unique")
        models, api = info.data.get("models"), info.data.get("api")
        known = (set(models.aliases) if models else set()) | (
            set(api.self_hosted) if api else set()
        )
        for n, tenant in enumerate(value):
            unknown = [a for a in tenant.aliases if a not in known]
            if unknown:
                problems.append(
                    f"[{n}].aliases: {unknown!r} are not model aliases; known: {sorted(known)}"
                )
            problems += _retrieval_problems(n, tenant, info.data.get("knowledge_bases"))
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("knowledge_bases")
    @classmethod
    def _knowledge_base_references(
        cls, value: list[KnowledgeBaseConfig], info: ValidationInfo
    ) -> list[KnowledgeBaseConfig]:
        problems = []
        aliases = [k.alias for k in value]
        twice = sorted({a for a in aliases if aliases.count(a) > 1})
        if twice:
            problems.append(
                f"{twice!r} used by more than one knowledge base; aliases must be unique"
            )
        models = info.data.get("models")
        model_aliases = dict(models.aliases) if models is not None else {}
        approved = set(models.approved) if models is not None else set()
        for n, kb in enumerate(value):
            for key, name in (
                ("embedding_model", kb.embedding_model),
                ("parsing_model", kb.parsing_model),
            ):
                if name is None or name in model_aliases or name in approved:
                    continue
                problems.append(
                    f"[{n}].{key}: {name!r} is neither a [models.aliases] name nor an id in "
                    f"models.approved; known: {sorted(model_aliases)} and {sorted(approved)}"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        problems = []
        missing = [t for t in REQUIRED_COST_ALLOCATION_TAGS if not value.get(t)]
        if missing:
            problems.append(
                f"missing required cost-allocation tags {missing!r} "
                f"(required: {', '.join(REQUIRED_COST_ALLOCATION_TAGS)})"
            )
        for key, tag_value in value.items():
            try:
                _check_tag(key, tag_value)
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @property
    def shared_accounts(self) -> bool:
        """True when one account plays several roles (only possible with ``sandbox``)."""
        roles = self.accounts.roles()
        return len(set(roles.values())) < len(roles)


# --------------------------------------------------------------------------- loading


def _allowed_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str] | None:
    """The field names of the model found at ``loc`` (None when it is not a model)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = field.annotation
        # unwrap Optional[Model]
        args = getattr(current, "__args__", ())
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if models:
            current = models[0]
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return None


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _describe(error: Any) -> str:
    loc = tuple(error["loc"])
    path = _path(loc)
    kind = error["type"]
    if kind == "missing":
        return f"{path}: required key is missing"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(PlatformConfig, loc[:-1])
        hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return f"{path}: unknown key (value {error['input']!r}){hint}"
    if kind == "value_error":
        message = str(error["msg"]).removeprefix("Value error, ")
        return f"{path}: {message}" if loc else message  # whole-config checks name their keys
    return f"{path}: {error['input']!r} is not allowed: {error['msg']}"


def parse_config(data: dict[str, Any], *, source: str | None = None) -> PlatformConfig:
    """Validate already-parsed TOML data; raises :class:`ConfigError` listing every problem."""
    try:
        return PlatformConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_describe(e) for e in exc.errors()], source=source) from None


def default_config_text() -> str:
    """The embedded default config (dummy account ids, explicit zones) as TOML text."""
    return resources.files("genai_platform").joinpath("default.toml").read_text("utf-8")


def load_config(path: str | Path | None = None) -> PlatformConfig:
    """Load and validate a TOML config file, or the embedded default when ``path`` is None.

    Raises :class:`ConfigError` when the file is missing, is not TOML, or is invalid.
    """
    if path is None:
        source, text = "embedded default config", default_config_text()
    else:
        source = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ConfigError([f"cannot read config file: {exc.strerror}"], source=source) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], source=source) from None
    return parse_config(data, source=source)


def _retrieval_problems(n: int, tenant: TenantConfig, knowledge_bases: object) -> list[str]:
    """A tenant's retrieval settings against ``[[knowledge_bases]]`` (when that section is
    declared before ``tenants``; each entry's ``alias`` names a knowledge base)."""
    problems = []
    if tenant.identity is not None and not tenant.knowledge_bases:
        problems.append(
            f"[{n}].identity: an identity provider only scopes retrievals, but knowledge_bases "
            "is empty; list the [[knowledge_bases]] aliases the tenant may use"
        )
    if isinstance(knowledge_bases, list):
        known = {str(getattr(kb, "alias", "")) for kb in knowledge_bases}
        unknown = [a for a in tenant.knowledge_bases if a not in known]
        if unknown:
            problems.append(
                f"[{n}].knowledge_bases: {unknown!r} are not [[knowledge_bases]] aliases; "
                f"known: {sorted(known)}"
            )
    return problems
