"""``[monitoring]``: the generative-AI account's dashboard, alarms and chat objectives
(see :class:`genai_platform.constructs.monitoring.PlatformMonitoring`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from genai_platform.config._base import _Model

__all__ = ["MonitoringConfig"]

_Percent = Annotated[float, Field(ge=0, le=100)]
_Objective = Annotated[float, Field(gt=0, lt=100)]
_Count = Annotated[float, Field(ge=0)]


class MonitoringConfig(_Model):
    """``[monitoring]``: thresholds and objectives; every key optional."""

    enabled: bool = True
    """Build the dashboard, alarms and objectives (default true)."""
    alert_emails: list[str] | None = None
    """Who the alert topic e-mails (default: ``[budgets.genai] alert_emails``)."""
    availability_objective_percent: _Objective = 99.9
    """Share of ``POST /v1/chat`` requests not answered 5xx over 28 days (default 99.9)."""
    latency_objective_percent: _Objective = 99.0
    """Share of each alias's requests within its latency target over 28 days (default 99:
    p99 below the target)."""
    latency_target_ms: float = Field(default=10_000, gt=0)
    """Latency target of every alias not in ``latency_targets_ms`` (default 10000)."""
    latency_targets_ms: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    """Latency target per model alias served by the API (default none)."""
    server_error_rate_percent: _Percent = 5.0
    """5xx share of the API's requests that fires the 5xx alarm (default 5)."""
    breaker_opens_threshold: _Count = 1
    """Breaker opens in five minutes that fire the breaker alarm (default 1)."""
    fallbacks_threshold: _Count = 10
    """Fallbacks per five minutes, three periods running, that fire (default 10)."""
    guardrail_intervention_band_width: float = Field(default=3.0, gt=0)
    """Anomaly band width (standard deviations) of the intervention-rate alarm (default 3)."""
    feedback_down_rate_percent: _Percent = 30.0
    """Thumbs-down share of an hour's feedback that fires (default 30)."""
    feedback_min_ratings: int = Field(default=10, ge=1)
    """Ratings an hour needs before the down-rate counts (default 10)."""
    wake_up_failures_threshold: _Count = 1
    """NoCapacityInvocationFailures per five minutes, 20 minutes running, that fire (default 1)."""
    ingestion_failures_threshold: _Count = 1
    """Failed ingestion jobs and documents per five minutes that fire (default 1)."""
    lambda_throttles_threshold: _Count = 1
    """Throttled gateway function invocations per five minutes that fire (default 1)."""

    @field_validator("alert_emails")
    @classmethod
    def _emails(cls, value: list[str] | None) -> list[str] | None:
        import re

        bad = [a for a in value or [] if not re.fullmatch(r"[^@\s/]+@[^@\s/]+\.[A-Za-z]{2,}", a)]
        if bad:
            raise ValueError(f"{bad!r} are not e-mail addresses")
        return value
