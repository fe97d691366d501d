"""``[delivery]``: the delivery pipeline's config, in its own TOML file.

A delivery file names the tooling account that runs the pipeline, where the source comes from
(a CodeConnections GitHub connection, or an S3 object for air-gapped teams) and the
environments it deploys in order, each a platform config file (``config/environments/``)::

    [delivery]
    name = "genai-delivery"
    account = "444444444444"
    region = "us-east-1"
    alert_emails = ["ai-platform@example.com"]

    [delivery.source]
    connection_arn = "arn:aws:codeconnections:us-east-1:444444444444:connection/..."
    repository = "acme/genai-platform"
    branch = "main"

    [[delivery.environments]]
    name = "staging"
    config = "staging.toml"
    smoke_test_tenant = "smoke"

``load_delivery_config(path)`` validates the file and every environment's platform config,
collects every problem and raises one :class:`~genai_platform.config.ConfigError`. Paths of
environment configs are relative to the delivery file. This module imports no CDK code.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from genai_platform.config import ConfigError, PlatformConfig, load_config
from genai_platform.config._base import AccountId, Email, known_regions
from genai_platform.config.platform import _describe

__all__ = [
    "DeliveryConfig",
    "DeliveryEnvironmentConfig",
    "DeliverySourceConfig",
    "GitHubConfig",
    "load_delivery_config",
    "smoke_test_role_arn",
    "smoke_test_role_name",
    "smoke_test_tenant",
]

#: GitHub's owner and repository name rules: owner 1-39 letters, digits and single hyphens;
#: repository 1-100 letters, digits, ``.``, ``_`` and ``-`` (not ``.`` or ``..``).
GITHUB_REPOSITORY = re.compile(
    r"(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})/(?P<repo>[A-Za-z0-9._-]{1,100})"
)
#: A git branch name as the OIDC ``sub`` claim carries it: no wildcards, no spaces, no ``..``.
_BRANCH = re.compile(r"[A-Za-z0-9._/-]{1,255}")


def repository_problem(value: str) -> str | None:
    """Why ``value`` is not an ``owner/repository`` GitHub name, or None."""
    match = GITHUB_REPOSITORY.fullmatch(value)
    if match is None or match["repo"] in (".", ".."):
        return (
            f"{value!r} is not a GitHub repository 'owner/name' (owner: 1-39 letters, digits "
            "and single hyphens; name: 1-100 letters, digits, '.', '_' and '-')"
        )
    return None


def branch_problem(value: str) -> str | None:
    """Why ``value`` is not one exact branch name (wildcards are refused), or None."""
    if any(c in value for c in "*?[]"):
        return f"{value!r} is a pattern; name exactly one branch (wildcards are not allowed)"
    if (
        not _BRANCH.fullmatch(value)
        or ".." in value
        or value.startswith(("/", "-"))
        or value.endswith(("/", ".", ".lock"))
    ):
        return (
            f"{value!r} is not a git branch name (letters, digits, '.', '_', '-' and '/', "
            "no '..', not starting with '/' or '-')"
        )
    return None


def _repository(value: str) -> str:
    problem = repository_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _branch(value: str) -> str:
    problem = branch_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Repository = Annotated[str, AfterValidator(_repository)]
Branch = Annotated[str, AfterValidator(_branch)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeliverySourceConfig(_Model):
    """``[delivery.source]``: a GitHub repository through CodeConnections, or an S3 object."""

    connection_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:"
        r"connection/[0-9a-f-]{36}$",
    )
    """ARN of a CodeConnections connection to GitHub (with ``repository`` and ``branch``)."""
    repository: Repository | None = None
    """``owner/name`` of the GitHub repository."""
    branch: Branch = "main"
    """Branch the pipeline builds (default main)."""
    bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    """S3 source instead of GitHub: bucket name (versioned, in the tooling account)."""
    object_key: str | None = Field(default=None, min_length=1, max_length=1024)
    """S3 source: key of the zipped source tree."""

    @model_validator(mode="after")
    def _one_source(self) -> DeliverySourceConfig:
        github = self.connection_arn is not None or self.repository is not None
        s3 = self.bucket is not None or self.object_key is not None
        if github == s3:
            raise ValueError(
                "give either connection_arn and repository (GitHub through CodeConnections) "
                "or bucket and object_key (S3), not both and not neither"
            )
        if github and (self.connection_arn is None or self.repository is None):
            raise ValueError("a GitHub source needs both connection_arn and repository")
        if s3 and (self.bucket is None or self.object_key is None):
            raise ValueError("an S3 source needs both bucket and object_key")
        return self


class DeliveryEnvironmentConfig(_Model):
    """One ``[[delivery.environments]]`` entry: a wave of the pipeline, in file order."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
    """Wave name (lowercase letters, digits, hyphens; 3-32 characters)."""
    config: str = Field(min_length=1)
    """Platform config file of the environment, relative to the delivery file."""
    approval: bool = False
    """Stop for a manual approval before deploying (default false; always on for an
    environment named ``production``)."""
    smoke_test_tenant: str | None = None
    """Tenant whose caller role the smoke test assumes (default: the environment's first
    ``[[tenants]]`` entry). Its ``trusted_principal_arn`` must be the pipeline's smoke-test
    role; an environment without tenants is refused (nothing to smoke-test)."""


class GitHubConfig(_Model):
    """``[delivery.github]``: GitHub Actions deployment roles (the alternative to the pipeline)."""

    repository: Repository
    """``owner/name`` trusted by the OIDC roles."""
    branch: Branch = "main"
    """Branch whose workflow runs may deploy (default main)."""


class DeliveryConfig(_Model):
    """``[delivery]``: the pipeline of one platform across its environments."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
    """Pipeline name, prefix of its roles (lowercase letters, digits, hyphens)."""
    account: AccountId
    """Tooling account that runs the pipeline."""
    region: str
    """Region of the pipeline."""
    alert_emails: list[Email] = Field(default_factory=list)
    """Addresses subscribed to the pipeline's notification topic (default none)."""
    source: DeliverySourceConfig
    environments: list[DeliveryEnvironmentConfig] = Field(min_length=1)
    """Environments in deployment order (e.g. staging, then production)."""
    github: GitHubConfig | None = None
    """GitHub Actions deployment roles (default: none built)."""

    @model_validator(mode="after")
    def _checks(self) -> DeliveryConfig:
        problems = []
        if self.region not in known_regions():
            problems.append(f"region: {self.region!r} is not an AWS region known to botocore")
        names = [e.name for e in self.environments]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            problems.append(f"environments: {twice!r} used twice; names must be unique")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def needs_approval(self, environment: DeliveryEnvironmentConfig) -> bool:
        """Approval before ``environment``: asked for, or its name is ``production``."""
        return environment.approval or environment.name == "production"


def smoke_test_role_name(delivery: DeliveryConfig) -> str:
    """Name of the pipeline's smoke-test role in the tooling account: ``<name>-smoke-test``."""
    return f"{delivery.name}-smoke-test"


def smoke_test_role_arn(delivery: DeliveryConfig) -> str:
    """ARN of the smoke-test role, which each environment's smoke tenant must trust."""
    return f"arn:aws:iam::{delivery.account}:role/{smoke_test_role_name(delivery)}"


def smoke_test_tenant(delivery: DeliveryEnvironmentConfig, platform: PlatformConfig) -> str:
    """The tenant the smoke test calls as: the configured one, or the first tenant."""
    return delivery.smoke_test_tenant or platform.tenants[0].id


class _DeliveryFile(_Model):
    delivery: DeliveryConfig


def load_delivery_config(
    path: str | Path,
) -> tuple[DeliveryConfig, dict[str, PlatformConfig]]:
    """The ``[delivery]`` section of ``path`` and each environment's platform config by name.

    Raises :class:`ConfigError` listing every problem of the delivery file and of the
    environment configs (each prefixed ``delivery.environments[n].config``), the smoke test's
    tenant included.
    """
    source = str(path)
    try:
        data: dict[str, Any] = tomllib.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise ConfigError([f"cannot read delivery file: {exc.strerror}"], source=source) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], source=source) from None
    try:
        delivery = _DeliveryFile.model_validate(data).delivery
    except ValidationError as exc:
        raise ConfigError([_describe(e) for e in exc.errors()], source=source) from None
    problems: list[str] = []
    platforms: dict[str, PlatformConfig] = {}
    for n, env in enumerate(delivery.environments):
        key = f"delivery.environments[{n}]"
        try:
            platform = load_config(Path(path).parent / env.config)
        except ConfigError as exc:
            problems += [f"{key}.config ({env.config}): {p}" for p in exc.problems]
            continue
        platforms[env.name] = platform
        tenants = {t.id: t for t in platform.tenants}
        tenant_id = env.smoke_test_tenant or next(iter(tenants), None)
        if tenant_id is None:
            problems.append(
                f"{key}.config ({env.config}): has no [[tenants]], so no caller role exists "
                "for the smoke test; add a tenant for it"
            )
        elif tenant_id not in tenants:
            problems.append(
                f"{key}.smoke_test_tenant: {tenant_id!r} is not a tenant of "
                f"{env.config}; tenants: {sorted(tenants)}"
            )
        else:
            role = smoke_test_role_arn(delivery)
            trusted = tenants[tenant_id].trusted_principal_arn
            if trusted != role:
                problems.append(
                    f"{key}.config ({env.config}): tenants {tenant_id!r}.trusted_principal_arn "
                    f"is {trusted!r}; the smoke test assumes its caller role as {role!r}, so "
                    "set trusted_principal_arn to that role"
                )
    if problems:
        raise ConfigError(problems, source=source)
    return delivery, platforms
