"""Lambda entry point of the guarded inference API: ``POST /v1/chat``, ``POST /v1/retrieve`` and
``GET /v1/models``.

A thin Powertools-decorated wrapper: the behaviour lives in ``gw_gateway.handle``. The runtime
(settings, lazily created clients, quota store, kill switch, circuit breakers, the response-id
key) is built once per execution environment. Inside Lambda the environment is validated (and
the response-id key derived through KMS) during the init phase, so a bad configuration fails
the cold start loudly instead of the first caller's request.

Environment: ``GATEWAY_CONFIG_APPCONFIG`` (and ``GATEWAY_CONFIG_POLL_SECONDS``), or
``GATEWAY_CONFIG`` (the gateway config, see ``gw_common``); ``QUOTA_TABLE_NAME``;
``KILL_SWITCH_PARAMETER``; ``RESPONSE_ID_KEY_ARN``; ``API_INTEGRATION_TIMEOUT_MS`` (29000 when
unset); ``TRACING_ENABLED`` (``true`` imports the X-Ray SDK through Powertools' Tracer; off
when unset); ``QUOTA_DEFER_REFUNDS`` (true when unset); ``POWERTOOLS_SERVICE_NAME``;
``POWERTOOLS_METRICS_NAMESPACE`` (default ``GenAiPlatform``); ``LOG_LEVEL``.

Clients by timeout: botocore fixes a client's read timeout when the client is created, and
each call of the gateway may use only what is left of its request's deadline. So every AWS
client comes from a :class:`ClientsByTimeout`: a client per timeout *bucket* (0.1 s steps below
1 s, 0.5 s below 10 s, 1 s above, and the configured read timeout itself), created on first
use and kept for the environment's life; a call gets the largest bucket not above what is left.
The common case -- plenty of time left -- always uses the configured timeout's client; the
benchmark prints what creating one more costs. No client retries on its own
(``total_max_attempts`` 1): the gateway retries, inside the deadline.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

_IMPORT_STARTED = time.monotonic()

from aws_lambda_powertools import Logger  # noqa: E402
from aws_lambda_powertools.utilities.typing import LambdaContext  # noqa: E402
from gw_breaker import BreakerRegistry  # noqa: E402
from gw_common import (  # noqa: E402
    ConfigUnavailable,
    LiveConfig,
    error_response,
    response_ids_from_environment,
)
from gw_config import GatewayConfig, Settings, live_config, load_settings  # noqa: E402
from gw_cost import BudgetStore, TenantSwitches, dynamodb_switch_reader  # noqa: E402
from gw_gateway import (  # noqa: E402
    PLATFORM_CONNECT_TIMEOUT_SECONDS,
    PLATFORM_READ_TIMEOUT_SECONDS,
    Runtime,
    handle,
)
from gw_metrics import MetricsRecorder  # noqa: E402
from gw_quota import QuotaStore  # noqa: E402
from gw_retrieval import RETRIEVE_READ_TIMEOUT_SECONDS, RetrievalRuntime  # noqa: E402

if TYPE_CHECKING:
    from botocore.config import Config

__all__ = [
    "ClientsByTimeout",
    "build_runtime",
    "lambda_handler",
    "runtime",
    "timeout_bucket",
]

logger = Logger()


def client_config(**options: Any) -> Config:
    """A botocore ``Config`` (botocore's client machinery is imported on first use, not at
    import: it is most of a cold import)."""
    from botocore.config import Config

    return Config(**options)


def kms_client_config() -> Config:
    """Deriving the response-id key at cold start (one ``GenerateMac``; the init phase has
    10 s): 1 s connect, 2 s read, 3 attempts."""
    return client_config(
        connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 3, "mode": "standard"}
    )


CONFIG_UNAVAILABLE_RETRY_AFTER_SECONDS = 5
"""``Retry-After`` while no valid gateway config could be read yet."""


def appconfig_client_config() -> Config:
    """AppConfig Data: one short attempt; a failed read keeps the last good config and is
    retried at the next poll."""
    return client_config(
        connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1, "mode": "standard"}
    )


SIGTERM_FLUSH_TIMEOUT_SECONDS = 0.25
"""Read timeout of the deferred quota refunds flushed at shutdown (Lambda allows ~300 ms)."""


def timeout_bucket(seconds: float, cap: float) -> float:
    """The client timeout bucket for a call that may wait ``seconds``: ``cap`` when at least that
    is left, else the largest step (0.1 s below 1 s, 0.5 s below 10 s, 1 s above) not above
    ``seconds``, and never below 0.05 s."""
    if seconds >= cap:
        return cap
    step = 0.1 if seconds < 1 else 0.5 if seconds < 10 else 1.0
    return max(0.05, round(math.floor(seconds / step) * step, 2))


class ClientsByTimeout:
    """``clients(seconds)``: a client of one service whose read timeout is at most ``seconds``
    (one per bucket, see :func:`timeout_bucket`), created on first use. Its connect timeout is
    the configured one, but never more than a quarter of its read timeout, so that connect +
    read fit in what the gateway had left (see ``gw_gateway.read_timeout_for``)."""

    def __init__(
        self,
        create: Callable[[Config], Any],
        *,
        connect_seconds: float,
        read_seconds: float,
    ) -> None:
        self._create = create
        self._connect = connect_seconds
        self._read = read_seconds
        self._clients: dict[float, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> Any:
        bucket = timeout_bucket(seconds, self._read)
        client = self._clients.get(bucket)
        if client is None:
            with self._lock:
                client = self._clients.get(bucket)
                if client is None:
                    client = self._create(
                        client_config(
                            connect_timeout=min(self._connect, bucket / 4),
                            read_timeout=bucket,
                            retries={"total_max_attempts": 1, "mode": "standard"},
                        )
                    )
                    self._clients[bucket] = client
        return client

    @property
    def buckets(self) -> list[float]:
        """The buckets created so far."""
        return sorted(self._clients)


_SESSION: list[Any] = []


def _session() -> Any:
    """One botocore session per environment (service models are loaded once)."""
    if not _SESSION:
        from botocore.session import get_session

        _SESSION.append(get_session())
    return _SESSION[0]


def _client_factory(service: str) -> Callable[[Config], Any]:
    def create(config: Config) -> Any:
        return _session().create_client(service, config=config)

    return create


def config_reader(environ: Mapping[str, str]) -> LiveConfig[GatewayConfig]:
    """The execution environment's gateway config: AppConfig (polled) or ``GATEWAY_CONFIG``."""
    client: list[Any] = []

    def appconfig() -> Any:
        if not client:
            client.append(
                _session().create_client("appconfigdata", config=appconfig_client_config())
            )
        return client[0]

    return live_config(
        environ,
        client=appconfig,
        warn=lambda message, fields: logger.warning(message, extra=fields),
    )


def build_runtime(
    environ: Mapping[str, str],
    config: LiveConfig[GatewayConfig] | None = None,
    *,
    kms_client: Any = None,
) -> Runtime:
    """The production runtime: validated settings, clients by timeout, the response-id key
    derived through KMS (``kms_client`` for tests), real clock.

    Raises :class:`ConfigUnavailable` while no valid gateway config can be read."""
    reader = config if config is not None else config_reader(environ)
    settings: Settings = load_settings(environ, reader.current())
    timeouts = settings.config.timeouts
    bedrock = ClientsByTimeout(
        _client_factory("bedrock-runtime"),
        connect_seconds=timeouts.connect_seconds,
        read_seconds=timeouts.read_seconds,
    )
    sagemaker = ClientsByTimeout(
        _client_factory("sagemaker-runtime"),
        connect_seconds=timeouts.connect_seconds,
        read_seconds=timeouts.read_seconds,
    )
    ssm = ClientsByTimeout(
        _client_factory("ssm"),
        connect_seconds=PLATFORM_CONNECT_TIMEOUT_SECONDS,
        read_seconds=PLATFORM_READ_TIMEOUT_SECONDS,
    )
    dynamodb = ClientsByTimeout(
        _client_factory("dynamodb"),
        connect_seconds=PLATFORM_CONNECT_TIMEOUT_SECONDS,
        read_seconds=PLATFORM_READ_TIMEOUT_SECONDS,
    )
    response_ids = response_ids_from_environment(
        environ,
        lambda: kms_client or _session().create_client("kms", config=kms_client_config()),
    )
    namespace = environ.get("POWERTOOLS_METRICS_NAMESPACE") or "GenAiPlatform"

    agent_runtime = ClientsByTimeout(
        _client_factory("bedrock-agent-runtime"),
        connect_seconds=timeouts.connect_seconds,
        read_seconds=RETRIEVE_READ_TIMEOUT_SECONDS,
    )

    def read_parameter(name: str, timeout: float) -> str:
        return str(ssm(timeout).get_parameter(Name=name)["Parameter"]["Value"])

    def read_kill_switch(timeout: float) -> str:
        response = ssm(timeout).get_parameter(Name=settings.kill_switch_parameter)
        return str(response["Parameter"]["Value"])

    def emit(recorder: MetricsRecorder) -> None:
        from gw_metrics import emit_emf

        emit_emf(recorder, namespace)

    breaker = settings.config.breaker
    return Runtime(
        settings=settings,
        bedrock=bedrock,
        sagemaker=sagemaker,
        quota=QuotaStore(
            _LazyClient(lambda: dynamodb(PLATFORM_READ_TIMEOUT_SECONDS)),
            settings.quota_table_name,
            client_for_timeout=dynamodb,
            defer_refunds=settings.defer_refunds,
        ),
        kill_switch=read_kill_switch,
        budget=BudgetStore(
            _LazyClient(lambda: dynamodb(PLATFORM_READ_TIMEOUT_SECONDS)),
            settings.quota_table_name,
            client_for_timeout=dynamodb,
        ),
        tenant_switches=TenantSwitches(dynamodb_switch_reader(dynamodb, settings.quota_table_name)),
        breakers=BreakerRegistry(
            breaker.failure_threshold,
            breaker.open_seconds,
            time.monotonic,
            min_tenants=breaker.min_tenants,
        ),
        logger=logger,
        emit_metrics=emit,
        response_ids=response_ids,
        retrieval=RetrievalRuntime(agent_runtime=agent_runtime, read_parameter=read_parameter),
    )


class _LazyClient:
    """Creates a client on first attribute access."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = self._factory()
        return getattr(self._client, name)


_runtime: Runtime | None = None
_config: LiveConfig[GatewayConfig] | None = None
_init_seconds: list[float] = []


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


def _flush_on_sigterm(signum: int, frame: Any) -> None:
    """Lambda's shutdown: apply the deferred quota refunds, then exit."""
    import sys

    if _runtime is not None:
        try:
            _runtime.quota.flush(timeout=SIGTERM_FLUSH_TIMEOUT_SECONDS)
        except Exception as exc:
            logger.error(
                "quota refunds not flushed at shutdown", extra={"error": type(exc).__name__}
            )
    sys.exit(0)


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    import signal

    # Inside Lambda: a bad environment fails the init phase, loudly; a config store that
    # cannot be read yet is tried again by the first request (which answers 503 meanwhile).
    try:
        runtime()
    except ConfigUnavailable:
        logger.warning("gateway config not available at cold start; retrying per request")
    signal.signal(signal.SIGTERM, _flush_on_sigterm)
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand") == "on-demand":
        # This init ran inside the first request's integration timeout.
        _init_seconds.append(time.monotonic() - _IMPORT_STARTED)


@logger.inject_lambda_context(clear_state=True)
def _handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    spent = _init_seconds.pop() if _init_seconds else 0.0
    try:
        current = runtime()
    except ConfigUnavailable:
        return error_response(
            503,
            "ConfigurationUnavailable",
            "the gateway's configuration is not available yet; retry shortly",
            headers={"Retry-After": str(CONFIG_UNAVAILABLE_RETRY_AFTER_SECONDS)},
        )
    return handle(
        event,
        current,
        remaining_millis=context.get_remaining_time_in_millis(),
        spent_before_seconds=spent,
    )


def _traced(handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]]) -> Any:
    """X-Ray tracing through Powertools only when ``TRACING_ENABLED=true`` (the X-Ray SDK costs
    ~120 ms of cold start and is not imported otherwise)."""
    if os.environ.get("TRACING_ENABLED", "").strip().lower() != "true":
        return handler
    from aws_lambda_powertools import Tracer

    return Tracer().capture_lambda_handler(handler, capture_response=False)


lambda_handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] = _traced(_handler)
