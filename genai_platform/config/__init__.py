"""Typed, validated platform configuration loaded from TOML.

``load_config(path)`` reads a TOML file (or the embedded default when ``path`` is None) and
returns a frozen :class:`PlatformConfig`. Every problem in the file is collected and raised
together as one :class:`ConfigError`, one line per problem, each naming the key path, the bad
value and what is allowed::

    accounts.genai: '12345' is not a 12-digit AWS account id

This module imports no CDK code, so validating a config is fast.

The models live in three modules: :mod:`._base` (the error type, value checks, the model base),
:mod:`.sections` (one model per section of the file; ``[[knowledge_bases]]`` in
:mod:`.retrieval`) and :mod:`.platform` (the whole file and
its loaders); everything public is re-exported here.
"""

from __future__ import annotations

from genai_platform.config._base import (
    REQUIRED_COST_ALLOCATION_TAGS,
    ConfigError,
)
from genai_platform.config.identity import IdentityConfig
from genai_platform.config.monitoring import MonitoringConfig
from genai_platform.config.platform import (
    PlatformConfig,
    default_config_text,
    load_config,
    parse_config,
)
from genai_platform.config.retrieval import ChunkingConfig, KnowledgeBaseConfig
from genai_platform.config.sections import (
    AccountsConfig,
    ApiConfig,
    BudgetConfig,
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
)

__all__ = [
    "REQUIRED_COST_ALLOCATION_TAGS",
    "AccountsConfig",
    "ApiConfig",
    "BudgetConfig",
    "BudgetsConfig",
    "ChunkingConfig",
    "ConfigError",
    "CostConfig",
    "CostGuardConfig",
    "EndpointConfig",
    "GovernanceConfig",
    "GuardrailConfig",
    "IdentityConfig",
    "KnowledgeBaseConfig",
    "LoggingConfig",
    "ModelsConfig",
    "MonitoringConfig",
    "NetworkConfig",
    "PlatformConfig",
    "TenantConfig",
    "WarningAcknowledgementConfig",
    "default_config_text",
    "load_config",
    "parse_config",
]
