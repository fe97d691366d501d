"""The feedback function's configuration, read from its environment once, at cold start.

The function shares ``GATEWAY_CONFIG`` with the invoke function but reads only its tenant
registry (``tenants[].id`` and ``tenants[].principals``): the rest belongs to the invoke
function, which validates it. A bad configuration is a deployment bug, not a caller error, so
:func:`load_settings` raises :class:`ConfigError` listing every problem at once (each naming its
key, showing the value and saying what is allowed) and the cold start fails loudly.

Environment:

- ``GATEWAY_CONFIG`` (required): the gateway's JSON configuration.
- ``FEEDBACK_TABLE_NAME`` (required): the DynamoDB table feedback is stored in.
- ``FEEDBACK_TTL_DAYS``: days a feedback item is kept before DynamoDB's TTL deletes it; 90 when
  unset.
- ``POWERTOOLS_METRICS_NAMESPACE``: the CloudWatch namespace of the ``Feedback`` metric;
  ``GenAiPlatform`` when unset.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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

_TENANT_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_PRINCIPAL_KEY = re.compile(r"\d{12}:(role|user):[\w+=,.@-]{1,128}")
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

    tenants = _tenants_by_principal(environ.get("GATEWAY_CONFIG"), problems)

    if problems:
        raise ConfigError(problems)
    return FeedbackSettings(
        table_name=table_name,
        ttl_days=ttl_days,
        metrics_namespace=namespace,
        tenants_by_principal=tenants,
    )


def _tenants_by_principal(raw: str | None, problems: list[str]) -> dict[str, str]:
    """The tenant registry of ``GATEWAY_CONFIG`` as principal key -> tenant id."""
    if raw is None or raw == "":
        problems.append("GATEWAY_CONFIG: is required; the gateway's JSON configuration")
        return {}
    try:
        config: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        problems.append(f"GATEWAY_CONFIG: is not valid JSON ({exc.msg} at position {exc.pos})")
        return {}
    if not isinstance(config, dict):
        problems.append(f"GATEWAY_CONFIG: got {_show(config)}; must be a JSON object")
        return {}
    tenants = config.get("tenants")
    if not isinstance(tenants, list) or not tenants:
        problems.append(
            f"GATEWAY_CONFIG.tenants: got {_show(tenants)}; must be a non-empty list of "
            '{"id": ..., "principals": [...]} objects'
        )
        return {}

    by_principal: dict[str, str] = {}
    seen_ids: set[str] = set()
    for index, tenant in enumerate(tenants):
        key = f"GATEWAY_CONFIG.tenants[{index}]"
        if not isinstance(tenant, dict):
            problems.append(f"{key}: got {_show(tenant)}; must be a JSON object")
            continue
        tenant_id = tenant.get("id")
        if not isinstance(tenant_id, str) or not _TENANT_ID.fullmatch(tenant_id):
            problems.append(
                f"{key}.id: got {_show(tenant_id)}; must be 1-64 characters a-z, 0-9, '_', '-' "
                "starting with a letter or digit"
            )
            continue
        if tenant_id in seen_ids:
            problems.append(f"{key}.id: got {_show(tenant_id)}; tenant ids must be unique")
        seen_ids.add(tenant_id)
        principals = tenant.get("principals")
        if not isinstance(principals, list) or not principals:
            problems.append(
                f"{key}.principals: got {_show(principals)}; must be a non-empty list of "
                "principal keys such as '111111111111:role:app-workload'"
            )
            continue
        for position, principal in enumerate(principals):
            where = f"{key}.principals[{position}]"
            if not isinstance(principal, str) or not _PRINCIPAL_KEY.fullmatch(principal):
                problems.append(
                    f"{where}: got {_show(principal)}; must be '<account>:role:<name>' or "
                    "'<account>:user:<name>'"
                )
            elif principal in by_principal and by_principal[principal] != tenant_id:
                problems.append(
                    f"{where}: got {_show(principal)}; it already belongs to tenant "
                    f"{by_principal[principal]!r} and a principal may belong to one tenant only"
                )
            else:
                by_principal[principal] = tenant_id
    return by_principal


def _show(value: Any) -> str:
    """A short, printable rendering of a configuration value for an error message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
