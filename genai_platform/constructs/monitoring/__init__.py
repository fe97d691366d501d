"""Monitoring of the generative-AI platform: dashboard, alarms, objectives, runbook links.

- :mod:`.construct`: :class:`PlatformMonitoring`, the construct;
- :mod:`.contract`: the metric names the handlers emit (their own constants, loaded by path);
- :mod:`.sources`: the metrics read from each watched construct;
- :mod:`.dashboard`: the dashboard's sections (cdk-monitoring-constructs);
- :mod:`.alarms`: the alarms and their runbook sections;
- :mod:`.slo`: the chat objectives and their burn-rate alarms;
- :mod:`.props`: thresholds, defaults and validation.
"""

from __future__ import annotations

from genai_platform.constructs.monitoring.alarms import RUNBOOK_SECTIONS, runbook_anchor
from genai_platform.constructs.monitoring.construct import PlatformMonitoring
from genai_platform.constructs.monitoring.props import MonitoringThresholds
from genai_platform.constructs.monitoring.slo import (
    BURN_RATE_WINDOWS,
    SLO_PERIOD_DAYS,
    BurnRateWindow,
    Slo,
    burn_rate,
)

__all__ = [
    "BURN_RATE_WINDOWS",
    "RUNBOOK_SECTIONS",
    "SLO_PERIOD_DAYS",
    "BurnRateWindow",
    "MonitoringThresholds",
    "PlatformMonitoring",
    "Slo",
    "burn_rate",
    "runbook_anchor",
]
