"""The feedback function's configuration: its environment, read once at cold start, and the
gateway config's tenant registry, kept current.

The function shares the gateway config with the invoke function (AppConfig, or ``GATEWAY_CONFIG``
for local runs; see :mod:`gw_common`) but reads only its tenant registry (``tenants[].id`` and
``tenants[].principals``), checked by :func:`gw_common.parse_tenant_registry` exactly as the
invoke function checks it: :func:`live_tenants` keeps the newest valid registry. A bad
environment is a deployment bug, not a caller error, so :func:`load_settings` raises
:class:`ConfigError` listing every problem at once (each naming its key, showing the value and
saying what is allowed) and the cold start fails loudly.

Environment:

- ``GATEWAY_CONFIG_APPCONFIG`` (and ``GATEWAY_CONFIG_POLL_SECONDS``), or ``GATEWAY_CONFIG``: where
  the gateway config comes from (see :mod:`gw_common`).
- ``FEEDBACK_TABLE_NAME`` (required): the DynamoDB table feedback is stored in.
- ``FEEDBACK_TTL_DAYS``: days a feedback item is kept before DynamoDB's TTL deletes it; 90 when
  unset.
- ``RESPONSE_ID_KEY_ARN`` (required in Lambda): the KMS HMAC key the invoke function's response
  ids are signed with (the signing key is derived from it once per cold start, see
  :class:`gw_common.ResponseIds`). Outside Lambda, ``RESPONSE_ID_TEST_KEY`` (hex) may replace it
  for local runs and tests; inside Lambda that variable is refused.
- ``TRACING_ENABLED``: ``true`` turns on X-Ray tracing through Powertools' Tracer (imported only
  then); off when unset.
- ``POWERTOOLS_METRICS_NAMESPACE``: the CloudWatch namespace of the ``Feedback`` metric;
  ``GenAiPlatform`` when unset.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gw_common import (
    CONFIG_VARIABLE,
    LiveConfig,
    config_source,
    parse_tenant_registry,
    response_id_environment_problems,
)

__all__ = [
    "DEFAULT_METRICS_NAMESPACE",
    "DEFAULT_TTL_DAYS",
    "MAX_TTL_DAYS",
    "ConfigError",
    "FeedbackSettings",
    "live_tenants",
    "load_settings",
    "parse_tenants",
]

DEFAULT_TTL_DAYS = 90
MAX_TTL_DAYS = 3650
DEFAULT_METRICS_NAMESPACE = "GenAiPlatform"

_TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]{3,255}")
_NAMESPACE = re.compile(r"[\w.#:/ -]{1,255}")
_DIGITS = re.compile(r"[0-9]{1,6}")


class ConfigError(ValueError):
    """The feedback function's configuration is invalid; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid feedback function configuration:\n  - " + "\n  - ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class FeedbackSettings:
    """Everything the feedback function reads from its environment."""

    table_name: str
    ttl_days: int
    metrics_namespace: str
    tenants_by_principal: Mapping[str, str]
    """Principal key (``<account>:role:<name>`` / ``<account>:user:<name>``) to tenant id."""
    tracing: bool = False
    """Whether X-Ray tracing is on (``TRACING_ENABLED=true``)."""

    def tenant_for(self, principal_key: str) -> str | None:
        """The id of the tenant a principal key belongs to, or None when it is not registered."""
        return self.tenants_by_principal.get(principal_key)


def load_settings(
    environ: Mapping[str, str], tenants: Mapping[str, str] | None = None
) -> FeedbackSettings:
    """Read and validate the environment, with the tenant registry ``tenants`` (when None, the
    one in ``GATEWAY_CONFIG``); :class:`ConfigError` lists every problem found."""
    problems: list[str] = []

    table_name = environ.get("FEEDBACK_TABLE_NAME", "")
    if not _TABLE_NAME.fullmatch(table_name):
        problems.append(
            f"FEEDBACK_TABLE_NAME: got {_show(table_name)}; must be a DynamoDB table name "
            "(3-255 characters a-z, A-Z, 0-9, '_', '-', '.')"
        )

    ttl_days = DEFAULT_TTL_DAYS
    raw_ttl = environ.get("FEEDBACK_TTL_DAYS")
    if raw_ttl is not None:
        if _DIGITS.fullmatch(raw_ttl) and 1 <= int(raw_ttl) <= MAX_TTL_DAYS:
            ttl_days = int(raw_ttl)
        else:
            problems.append(
                f"FEEDBACK_TTL_DAYS: got {_show(raw_ttl)}; must be a whole number of days "
                f"from 1 to {MAX_TTL_DAYS} (unset means {DEFAULT_TTL_DAYS})"
            )

    namespace = environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_METRICS_NAMESPACE
    if not _NAMESPACE.fullmatch(namespace):
        problems.append(
            f"POWERTOOLS_METRICS_NAMESPACE: got {_show(namespace)}; must be a CloudWatch "
            "namespace (1-255 characters: letters, digits, spaces and . - _ / # :)"
        )

    problems += response_id_environment_problems(environ)
    tracing = environ.get("TRACING_ENABLED", "false").strip().lower()
    if tracing not in ("true", "false"):
        problems.append(f"TRACING_ENABLED: got {_show(tracing)}; must be true or false")

    if tenants is None:
        text = environ.get(CONFIG_VARIABLE, "")
        if not text:
            problems.append(
                f"{CONFIG_VARIABLE}: is not set; give the gateway config as JSON, or read the "
                "tenant registry from AppConfig with live_tenants()"
            )
        else:
            try:
                tenants = parse_tenants(json.loads(text))
            except ValueError as exc:  # json.JSONDecodeError and ConfigError
                problems.extend(getattr(exc, "problems", [f"{CONFIG_VARIABLE}: {exc}"]))

    if problems or tenants is None:
        raise ConfigError(problems)
    return FeedbackSettings(
        table_name=table_name,
        ttl_days=ttl_days,
        metrics_namespace=namespace,
        tenants_by_principal=tenants,
        tracing=tracing == "true",
    )


def parse_tenants(document: Any) -> Mapping[str, str]:
    """The tenant registry of a gateway config document: principal key -> tenant id;
    :class:`ConfigError` lists every problem."""
    if not isinstance(document, dict):
        raise ConfigError([f"{CONFIG_VARIABLE}: got {_show(document)}; must be a JSON object"])
    registry = parse_tenant_registry(document.get("tenants"), key=f"{CONFIG_VARIABLE}.tenants")
    if registry.problems:
        raise ConfigError(list(registry.problems))
    return registry.by_principal


def live_tenants(
    environ: Mapping[str, str],
    *,
    client: Callable[[], Any] | None,
    warn: Callable[[str, dict[str, Any]], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> LiveConfig[Mapping[str, str]]:
    """The newest valid tenant registry from the source the environment names (AppConfig, or
    ``GATEWAY_CONFIG``); :class:`ConfigError` if the source is misconfigured or an inline
    ``GATEWAY_CONFIG`` is invalid."""
    source, problems = config_source(environ)
    if source is None:
        raise ConfigError(problems)
    return LiveConfig(source, parse_tenants, client=client, warn=warn, clock=clock)


def _show(value: Any) -> str:
    """A short, printable rendering of a configuration value for an error message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
