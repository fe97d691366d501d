"""The usage profile: what a month of traffic looks like, for the estimate "at usage".

A TOML file (``genai-platform cost --usage FILE``, or ``[cost] usage_profile`` in the config)::

    requests_per_month = 300000          # API requests (API Gateway, WAF, the gateway Lambda)
    lambda_average_duration_ms = 1500    # default 1000

    [models.chat]                        # a model alias of the config, or any name with model_id
    input_tokens_per_month = 60000000
    output_tokens_per_month = 12000000
    # model_id = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"   (default: the config's alias)

    [endpoints.llama-inf2]               # an [[endpoints]] name (or the SageMaker endpoint name)
    hours_warm_per_month = 120           # hours with one instance up, beyond the idle floor

    [storage]
    gb_stored = 20                       # S3, spread over the buckets of the assembly
    gb_logged_per_month = 10             # CloudWatch Logs, spread over the log groups

Every problem is collected and raised once as a :class:`~genai_platform.config.ConfigError`
naming the key, the value and what is allowed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genai_platform.config import ConfigError

__all__ = [
    "ModelUsage",
    "UsageProfile",
    "UsageProfileError",
    "load_usage_profile",
    "parse_usage_profile",
]

_TOP_KEYS = ("requests_per_month", "lambda_average_duration_ms", "models", "endpoints", "storage")
_MODEL_KEYS = ("input_tokens_per_month", "output_tokens_per_month", "model_id")
_ENDPOINT_KEYS = ("hours_warm_per_month",)
_STORAGE_KEYS = ("gb_stored", "gb_logged_per_month")
_TOP = "(usage profile)"
#: A month has at most 744 hours.
MAX_HOURS_PER_MONTH = 744


class UsageProfileError(ConfigError):
    """A usage profile is invalid, or names models or endpoints the assembly does not have.
    ``problems`` holds one line per problem."""

    def __init__(self, problems: Sequence[str], *, source: str | None = None) -> None:
        super().__init__(problems, source=source)
        where = f" {source}" if source else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        self.args = (f"invalid usage profile{where} ({count}):\n{lines}",)


@dataclass(frozen=True)
class ModelUsage:
    """Tokens per month of one model alias; ``model_id`` None means the config's alias."""

    input_tokens_per_month: float = 0.0
    output_tokens_per_month: float = 0.0
    model_id: str | None = None


@dataclass(frozen=True)
class UsageProfile:
    """A month of traffic (see the module docstring for the TOML)."""

    requests_per_month: float = 0.0
    lambda_average_duration_ms: float = 1000.0
    models: Mapping[str, ModelUsage] = field(default_factory=dict)
    endpoints: Mapping[str, float] = field(default_factory=dict)
    """Hours warm per month, by endpoint name."""
    gb_stored: float = 0.0
    gb_logged_per_month: float = 0.0


def _number(problems: list[str], key: str, value: Any, *, maximum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"{key}: {value!r} is not a number; give a number of 0 or more")
        return 0.0
    if value < 0 or (maximum is not None and value > maximum):
        allowed = f"from 0 to {maximum:g}" if maximum is not None else "0 or more"
        problems.append(f"{key}: {value!r} is out of range; allowed: {allowed}")
        return 0.0
    return float(value)


def _table(problems: list[str], key: str, value: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        problems.append(f"{key}: {value!r} is not a table; expected keys: {', '.join(allowed)}")
        return {}
    for extra in value.keys() - set(allowed):
        where = extra if key == _TOP else f"{key}.{extra}"
        problems.append(
            f"{where}: unknown key (value {value[extra]!r}); allowed keys: {', '.join(allowed)}"
        )
    return value


def parse_usage_profile(data: Mapping[str, Any], *, source: str | None = None) -> UsageProfile:
    """Validate parsed TOML data; raises ConfigError listing every problem."""
    problems: list[str] = []
    top = _table(problems, _TOP, dict(data), _TOP_KEYS)
    requests = _number(problems, "requests_per_month", top.get("requests_per_month", 0))
    duration = top.get("lambda_average_duration_ms", 1000)
    duration_ms = _number(problems, "lambda_average_duration_ms", duration, maximum=900_000)
    models: dict[str, ModelUsage] = {}
    raw_models = top.get("models", {})
    if not isinstance(raw_models, dict):
        problems.append(f"models: {raw_models!r} is not a table of model aliases")
        raw_models = {}
    for alias, raw in raw_models.items():
        entry = _table(problems, f"models.{alias}", raw, _MODEL_KEYS)
        model_id = entry.get("model_id")
        if model_id is not None and (not isinstance(model_id, str) or not model_id):
            problems.append(f"models.{alias}.model_id: {model_id!r} is not a model id string")
            model_id = None
        models[alias] = ModelUsage(
            _number(
                problems,
                f"models.{alias}.input_tokens_per_month",
                entry.get("input_tokens_per_month", 0),
            ),
            _number(
                problems,
                f"models.{alias}.output_tokens_per_month",
                entry.get("output_tokens_per_month", 0),
            ),
            model_id,
        )
    endpoints: dict[str, float] = {}
    raw_endpoints = top.get("endpoints", {})
    if not isinstance(raw_endpoints, dict):
        problems.append(f"endpoints: {raw_endpoints!r} is not a table of endpoint names")
        raw_endpoints = {}
    for name, raw in raw_endpoints.items():
        entry = _table(problems, f"endpoints.{name}", raw, _ENDPOINT_KEYS)
        endpoints[name] = _number(
            problems,
            f"endpoints.{name}.hours_warm_per_month",
            entry.get("hours_warm_per_month", 0),
            maximum=MAX_HOURS_PER_MONTH,
        )
    storage = _table(problems, "storage", top.get("storage", {}), _STORAGE_KEYS)
    gb_stored = _number(problems, "storage.gb_stored", storage.get("gb_stored", 0))
    gb_logged = _number(
        problems, "storage.gb_logged_per_month", storage.get("gb_logged_per_month", 0)
    )
    if problems:
        raise UsageProfileError(sorted(problems), source=source)
    return UsageProfile(requests, duration_ms, models, endpoints, gb_stored, gb_logged)


def load_usage_profile(path: str | Path) -> UsageProfile:
    """Read and validate a usage profile TOML file; raises ConfigError."""
    source = str(path)
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise UsageProfileError(
            [f"cannot read usage profile: {exc.strerror}"], source=source
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageProfileError([f"not valid TOML: {exc}"], source=source) from None
    return parse_usage_profile(data, source=source)
