"""The feedback function's configuration, read from its environment once, at cold start.

The function shares the gateway configuration with the invoke function but reads only its
tenant registry (``tenants[].id`` and ``tenants[].principals``), checked by the shared layer's
:func:`gw_common.parse_tenant_registry` exactly as the invoke function checks it: the rest
belongs to the invoke function, which validates it. A bad configuration is a deployment bug,
not a caller error, so :func:`load_settings` raises :class:`ConfigError` listing every problem
at once (each naming its key, showing the value and saying what is allowed) and the cold start
fails loudly.

Environment:

- ``GATEWAY_CONFIG_FILE``: the gateway configuration file in the function's code
  (``gateway_config.json``, relative to ``LAMBDA_TASK_ROOT``, or to this module's directory when
  that is unset), written there by ``GuardedInferenceApi``.
- ``GATEWAY_DEPLOY_VALUES``: deploy-time values merged over the file (the feedback function
  is given none; it needs no guardrail or endpoint).
- ``GATEWAY_CONFIG``: a whole configuration as JSON (local runs, tests), merged over both. One
  of ``GATEWAY_CONFIG_FILE`` and ``GATEWAY_CONFIG`` is required; see :mod:`gw_common` for the
  precedence.
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

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gw_common import (
    CONFIG_VARIABLE,
    parse_tenant_registry,
    read_gateway_config,
    response_id_environment_problems,
)

__all__ = [
    "DEFAULT_METRICS_NAMESPACE",
    "DEFAULT_TTL_DAYS",
    "MAX_TTL_DAYS",
    "ConfigError",
    "FeedbackSettings",
    "load_settings",
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


def load_settings(environ: Mapping[str, str]) -> FeedbackSettings:
    """Read and validate the environment; :class:`ConfigError` lists every problem found."""
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

    tenants: Mapping[str, str] = {}
    document, bad = read_gateway_config(environ, module_dir=os.path.dirname(__file__))
    problems += bad
    if document is not None:
        registry = parse_tenant_registry(document.get("tenants"), key=f"{CONFIG_VARIABLE}.tenants")
        problems += registry.problems
        tenants = registry.by_principal

    if problems:
        raise ConfigError(problems)
    return FeedbackSettings(
        table_name=table_name,
        ttl_days=ttl_days,
        metrics_namespace=namespace,
        tenants_by_principal=tenants,
        tracing=tracing == "true",
    )


def _show(value: Any) -> str:
    """A short, printable rendering of a configuration value for an error message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
