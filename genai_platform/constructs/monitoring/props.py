"""The monitoring's thresholds and objectives: defaults, AWS limits and their validation.

Every prop is checked before anything is built; all problems are raised as one ValueError,
each naming the prop, the value given and what is allowed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import Token

__all__ = ["MonitoringThresholds", "validate"]

#: A CloudWatch alarm on a metric math expression may name at most 10 metrics
#: (CloudWatch user guide, "Creating a CloudWatch alarm based on a metric math expression").
MAX_METRICS_PER_ALARM = 10
#: Dashboard names: up to 255 letters, digits, ``-`` and ``_`` (PutDashboard API reference).
_DASHBOARD_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
_EMAIL = re.compile(r"[^@\s/]+@[^@\s/]+\.[A-Za-z]{2,}")
_ALIAS = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class MonitoringThresholds:
    """Alarm thresholds and service level objectives (see :class:`PlatformMonitoring`)."""

    availability_objective_percent: float = 99.9
    latency_objective_percent: float = 99.0
    latency_target_ms: float = 10_000.0
    latency_targets_ms: Mapping[str, float] = field(default_factory=dict)
    server_error_rate_percent: float = 5.0
    breaker_opens_threshold: float = 1.0
    fallbacks_threshold: float = 10.0
    guardrail_intervention_band_width: float = 3.0
    feedback_down_rate_percent: float = 30.0
    feedback_min_ratings: int = 10
    wake_up_failures_threshold: float = 1.0
    ingestion_failures_threshold: float = 1.0
    lambda_throttles_threshold: float = 1.0

    def latency_target_for(self, alias: str) -> float:
        """The p99 target of ``alias`` in milliseconds (its own, else the default)."""
        return self.latency_targets_ms.get(alias, self.latency_target_ms)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_objective(name: str, value: object) -> list[str]:
    if not _number(value) or not 0 < float(value) < 100:  # type: ignore[arg-type]
        return [
            f"{name}: got {value!r}; must be a percentage above 0 and below 100 (an objective "
            "of 100 % leaves no error budget to burn)"
        ]
    return []


def _check_non_negative(name: str, value: object, *, percent: bool = False) -> list[str]:
    upper = 100.0 if percent else math.inf
    if not _number(value) or not 0 <= float(value) <= upper:  # type: ignore[arg-type]
        allowed = "a percentage from 0 to 100" if percent else "a number of 0 or more"
        return [f"{name}: got {value!r}; must be {allowed}"]
    return []


def _check_positive(name: str, value: object) -> list[str]:
    if not _number(value) or float(value) <= 0:  # type: ignore[arg-type]
        return [f"{name}: got {value!r}; must be a number above 0"]
    return []


def validate(
    thresholds: MonitoringThresholds,
    *,
    aliases: Collection[str],
    has_api: bool,
    knowledge_bases: Sequence[str],
    dashboard_name: str | None,
    alert_emails: Sequence[str],
) -> list[str]:
    """Every problem of the props, one line each (empty when all is well)."""
    t = thresholds
    problems: list[str] = []
    problems += _check_objective("availability_objective_percent", t.availability_objective_percent)
    problems += _check_objective("latency_objective_percent", t.latency_objective_percent)
    problems += _check_positive("latency_target_ms", t.latency_target_ms)
    for alias, target in t.latency_targets_ms.items():
        problems += _check_positive(f"latency_targets_ms[{alias!r}]", target)
        if not has_api:
            problems.append(
                f"latency_targets_ms: {alias!r} given without inference_api; latency targets "
                "apply to the aliases the gateway serves"
            )
        elif alias not in aliases:
            problems.append(
                f"latency_targets_ms: {alias!r} is not an alias the gateway serves; "
                f"allowed: {', '.join(sorted(aliases)) or 'none'}"
            )
    problems += _check_non_negative(
        "server_error_rate_percent", t.server_error_rate_percent, percent=True
    )
    problems += _check_non_negative(
        "feedback_down_rate_percent", t.feedback_down_rate_percent, percent=True
    )
    for name in (
        "breaker_opens_threshold",
        "fallbacks_threshold",
        "wake_up_failures_threshold",
        "ingestion_failures_threshold",
        "lambda_throttles_threshold",
    ):
        problems += _check_non_negative(name, getattr(t, name))
    problems += _check_positive(
        "guardrail_intervention_band_width", t.guardrail_intervention_band_width
    )
    m = t.feedback_min_ratings
    if not isinstance(m, int) or isinstance(m, bool) or m < 1:
        problems.append(f"feedback_min_ratings: got {m!r}; must be a whole number of 1 or more")
    if len(aliases) > MAX_METRICS_PER_ALARM:
        problems.append(
            f"inference_api: serves {len(aliases)} model aliases; the platform alarms sum one "
            f"metric per alias and an alarm may name at most {MAX_METRICS_PER_ALARM} metrics"
        )
    if len(knowledge_bases) > MAX_METRICS_PER_ALARM:
        problems.append(
            f"knowledge_bases: {len(knowledge_bases)} given; the ingestion alarm sums one metric "
            f"per knowledge base and may name at most {MAX_METRICS_PER_ALARM}"
        )
    for n, kb in enumerate(knowledge_bases):
        if not isinstance(kb, str) or not _ALIAS.fullmatch(kb):
            problems.append(
                f"knowledge_bases[{n}]: got {kb!r}; must be a knowledge base alias (1-64 "
                "letters, digits, '_', '.', '-', starting with a letter or digit)"
            )
    if len(set(knowledge_bases)) != len(knowledge_bases):
        problems.append(f"knowledge_bases: {list(knowledge_bases)!r} names an alias twice")
    if (
        dashboard_name is not None
        and not Token.is_unresolved(dashboard_name)
        and not _DASHBOARD_NAME.fullmatch(dashboard_name)
    ):
        problems.append(
            f"dashboard_name: got {dashboard_name!r}; must be 1-255 letters, digits, '-' or '_'"
        )
    for n, address in enumerate(alert_emails):
        if not isinstance(address, str) or not _EMAIL.fullmatch(address):
            problems.append(f"alert_emails[{n}]: got {address!r}; must be an e-mail address")
    return problems
