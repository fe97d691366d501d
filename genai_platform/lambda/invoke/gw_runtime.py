"""What the gateway talks to and what one request has learned: :class:`Runtime` (clients, quota
store, kill switch, breakers, clock, sleep, random source, logger, metrics sink; injected, so
every behaviour is testable without AWS and without waiting) and :class:`_RequestState`
(for the request's log line and metrics).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gw_breaker import BreakerRegistry
from gw_common import ResponseIds
from gw_config import GatewayConfig, Settings, Tenant
from gw_cost import BudgetStore, TenantSwitches
from gw_kill_switch import KillSwitchCache
from gw_metrics import Dimensions, MetricsRecorder
from gw_quota import TokenQuota
from gw_request import FEATURE_NONE
from gw_retrieval import Grounding, RetrievalRuntime

__all__ = ["Runtime"]

_UNKNOWN = "unknown"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _uuid() -> str:
    import uuid  # imported on first use: a request id is only generated when API Gateway's
    # is missing, and the module costs ~10 ms of cold start

    return str(uuid.uuid4())


@dataclass
class Runtime:
    """Everything the gateway talks to, injected. Clients are providers taking the read
    timeout (seconds) the call may use, so the real ones are created lazily, once per timeout
    bucket (see ``invoke_app``)."""

    settings: Settings
    bedrock: Callable[[float], Any]
    sagemaker: Callable[[float], Any]
    quota: TokenQuota
    kill_switch: Callable[[float], str]
    breakers: BreakerRegistry
    logger: Any
    emit_metrics: Callable[[MetricsRecorder], None]
    response_ids: ResponseIds
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = _utcnow
    epoch: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    uniform: Callable[[float, float], float] = random.uniform
    new_id: Callable[[], str] = _uuid
    kill_switch_cache: KillSwitchCache = field(default_factory=KillSwitchCache)
    retrieval: RetrievalRuntime | None = None
    """Knowledge-base clients and the issuers' key sets (``gw_retrieval``); None: no retrieval."""
    budget: BudgetStore | None = None
    """The tenants' monthly budgets (``gw_cost``); a tenant with a budget gets 503 without."""
    tenant_switches: TenantSwitches | None = None
    """The per-tenant kill switches (``gw_cost``); None: only the global switch."""

    @property
    def config(self) -> GatewayConfig:
        return self.settings.config


@dataclass
class _RequestState:
    """What one request has learned so far (for the log line and the metrics)."""

    request_id: str
    started: float
    deadline: float = 0.0
    recorder: MetricsRecorder = field(default_factory=MetricsRecorder)
    principal: str = ""
    model_timed_out: bool = False
    model_used_tokens: int | None = None
    last_call_cut: bool = False
    tenant: Tenant | None = None
    feature: str = FEATURE_NONE
    model: str = "none"
    log: dict[str, Any] = field(default_factory=dict)
    grounding: Grounding | None = None

    def dims(self, model: str | None = None) -> Dimensions:
        tenant = self.tenant.id if self.tenant else _UNKNOWN
        return Dimensions(tenant=tenant, feature=self.feature, model=model or self.model)
