"""Lambda entry point of the guarded inference API: ``POST /v1/chat`` and ``GET /v1/models``.

A thin Powertools-decorated wrapper: the behaviour lives in ``gw_gateway.handle``. The runtime
(settings, lazily created clients, quota store, kill switch, circuit breakers) is built once
per execution environment. Inside Lambda the environment is validated during the init phase,
so a bad gateway config fails the cold start loudly instead of the first caller's request.

Environment: ``GATEWAY_CONFIG_APPCONFIG`` (and ``GATEWAY_CONFIG_POLL_SECONDS``), or
``GATEWAY_CONFIG`` (the gateway config, see ``gw_common``), ``QUOTA_TABLE_NAME``,
``KILL_SWITCH_PARAMETER``, ``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``
(default ``GenAiPlatform``), ``LOG_LEVEL``.
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from gw_breaker import BreakerRegistry
from gw_common import ConfigUnavailable, LiveConfig, error_response
from gw_config import GatewayConfig, Settings, Timeouts, live_config, load_settings
from gw_gateway import Runtime, handle
from gw_metrics import MetricsRecorder, emit_emf
from gw_quota import QuotaStore

__all__ = ["build_runtime", "lambda_handler", "runtime"]

KILL_SWITCH_MAX_AGE_SECONDS = 10
"""How long a kill-switch value is cached in the execution environment."""

logger = Logger()

# AppConfig Data: one short attempt; a failed read keeps the last good config and is retried at
# the next poll.
_CONFIG_CLIENT_CONFIG = Config(
    connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1, "mode": "standard"}
)
CONFIG_UNAVAILABLE_RETRY_AFTER_SECONDS = 5
"""``Retry-After`` while no valid gateway config could be read yet."""

# DynamoDB and SSM: short timeouts and up to 3 attempts in all (cheap, rarely slow calls).
_PLATFORM_CLIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=3, retries={"total_max_attempts": 3, "mode": "standard"}
)


def model_client_config(timeouts: Timeouts) -> Config:
    """Bedrock/SageMaker runtime clients: the configured timeouts and NO SDK retries (the
    gateway retries throttling itself, within the request deadline, and feeds the breaker).

    ``total_max_attempts`` counts the initial request, so 1 means no retry. (botocore's
    ``max_attempts`` counts RETRIES: ``{"max_attempts": 1}`` would silently send every
    failed model call twice.)
    """
    return Config(
        connect_timeout=timeouts.connect_seconds,
        read_timeout=timeouts.read_seconds,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )


def _lazy(factory: Callable[[], Any]) -> Callable[[], Any]:
    """A zero-argument provider that creates its value on first call and then reuses it."""
    return cache(factory)


def config_reader(environ: Mapping[str, str]) -> LiveConfig[GatewayConfig]:
    """The execution environment's gateway config: AppConfig (polled) or ``GATEWAY_CONFIG``."""
    return live_config(
        environ,
        client=_lazy(lambda: boto3.client("appconfigdata", config=_CONFIG_CLIENT_CONFIG)),
        warn=lambda message, fields: logger.warning(message, extra=fields),
    )


def build_runtime(
    environ: Mapping[str, str], config: LiveConfig[GatewayConfig] | None = None
) -> Runtime:
    """The production runtime: validated settings, lazily created clients, real clock.

    Raises :class:`ConfigUnavailable` while no valid gateway config can be read."""
    reader = config if config is not None else config_reader(environ)
    settings: Settings = load_settings(environ, reader.current())
    model_config = model_client_config(settings.config.timeouts)
    ssm = _lazy(
        lambda: SSMProvider(boto3_client=boto3.client("ssm", config=_PLATFORM_CLIENT_CONFIG))
    )
    namespace = environ.get("POWERTOOLS_METRICS_NAMESPACE") or "GenAiPlatform"

    def read_kill_switch() -> str:
        value = ssm().get(settings.kill_switch_parameter, max_age=KILL_SWITCH_MAX_AGE_SECONDS)
        return value if isinstance(value, str) else str(value)

    def emit(recorder: MetricsRecorder) -> None:
        emit_emf(recorder, namespace)

    breaker = settings.config.breaker
    return Runtime(
        settings=settings,
        bedrock=_lazy(lambda: boto3.client("bedrock-runtime", config=model_config)),
        sagemaker=_lazy(lambda: boto3.client("sagemaker-runtime", config=model_config)),
        quota=QuotaStore(
            _LazyClient(lambda: boto3.client("dynamodb", config=_PLATFORM_CLIENT_CONFIG)),
            settings.quota_table_name,
        ),
        kill_switch=read_kill_switch,
        breakers=BreakerRegistry(breaker.failure_threshold, breaker.open_seconds, time.monotonic),
        logger=logger,
        emit_metrics=emit,
    )


class _LazyClient:
    """Creates a boto3 client on first attribute access."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = _lazy(factory)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._factory(), name)


_runtime: Runtime | None = None
_config: LiveConfig[GatewayConfig] | None = None


def runtime() -> Runtime:
    """The execution environment's runtime, built on first use, with the newest valid gateway
    config (AppConfig is polled when a poll is due). Raises :class:`ConfigUnavailable` while
    no valid config could be read yet."""
    global _runtime, _config
    if _config is None:
        _config = config_reader(os.environ)
    if _runtime is None:
        _runtime = build_runtime(os.environ, _config)
    else:
        latest = _config.current()
        if latest is not _runtime.settings.config:
            _runtime.settings = replace(_runtime.settings, config=latest)
    return _runtime


def reset_runtime() -> None:
    """Forget the runtime (a new cold start): for tests that change the environment."""
    global _runtime, _config
    _runtime = None
    _config = None


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # Inside Lambda: a bad environment fails the init phase, loudly; a config store that
    # cannot be read yet is tried again by the first request.
    try:
        runtime()
    except ConfigUnavailable:
        logger.warning("gateway config not available at cold start; retrying per request")


@logger.inject_lambda_context(clear_state=True)
def _handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        current = runtime()
    except ConfigUnavailable:
        return error_response(
            503,
            "ConfigurationUnavailable",
            "the gateway's configuration is not available yet; retry shortly",
            headers={"Retry-After": str(CONFIG_UNAVAILABLE_RETRY_AFTER_SECONDS)},
        )
    return handle(event, current, remaining_millis=context.get_remaining_time_in_millis())


def _traced(handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]]) -> Any:
    """X-Ray tracing through Powertools when the X-Ray SDK is present (the Powertools layer
    ships it); without it the handler runs untraced rather than failing to import."""
    if importlib.util.find_spec("aws_xray_sdk") is None:
        return handler
    from aws_lambda_powertools import Tracer

    return Tracer().capture_lambda_handler(handler, capture_response=False)


lambda_handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] = _traced(_handler)
