"""``POST /v1/feedback``: a thumbs up or down, with an optional comment, on a gateway response.

1. The caller is the IAM principal API Gateway verified (``requestContext.identity``), mapped to
   a tenant through the gateway config's ``tenants``: no identity or an unknown principal is a 403.
   Nothing in the body or the headers can choose the caller or the tenant.
2. The body is validated (:mod:`fb_request`): a 400 names the offending field.
3. The response id must be one the invoke function issued to this same caller (principal key)
   no more than ``FEEDBACK_TTL_DAYS`` ago: its HMAC signature (see :class:`gw_common.ResponseIds`)
   is checked in memory, with no store call. Anything else -- a made-up, altered or expired id,
   or one issued to another principal -- is a 404 ``UnknownResponse``: nobody can store feedback
   for responses never served to them, or inflate the metric with invented ids.
4. The feedback is stored once per (response id, caller) (:mod:`fb_store`): 201
   ``{"stored": true}`` the first time, 200 ``{"stored": false, "duplicate": true}`` for a
   repeat, which does not overwrite the first rating. Items expire after ``FEEDBACK_TTL_DAYS``.
5. A newly stored feedback emits the EMF metric ``Feedback`` (Count) with the dimensions
   ``Tenant``, ``Model`` (the alias that served the response, carried in its signed id) and
   ``Rating`` (``platform_metrics``; Powertools' ``service`` dimension is switched off, so
   dashboards query exactly those three), and again under ``Rating`` alone (the down-rate
   alarm).

Comments may carry personal data: they are stored (so product teams can read them in the
table, which is KMS-encrypted and expires items) but never logged or traced; logs carry the
request id, tenant, principal key, response id, rating and the comment's length. DynamoDB
throttling, timeouts and failures are a 503 with ``Retry-After``; anything unexpected is a 500
JSON error quoting the request id, never a stack trace.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from fb_config import FeedbackSettings, live_tenants, load_settings
from fb_request import parse_feedback
from fb_store import FeedbackStore, StoreUnavailable
from gw_common import (
    ConfigUnavailable,
    HttpError,
    ResponseIds,
    caller_identity,
    error_response,
    json_response,
    response_ids_from_environment,
    scrub_text,
)
from platform_metrics import FEEDBACK, RATING_DIMENSIONS

__all__ = ["FEEDBACK_METRIC", "handle", "lambda_handler", "response_ids"]

FEEDBACK_METRIC = FEEDBACK
THROTTLED_RETRY_AFTER_SECONDS = 1
UNAVAILABLE_RETRY_AFTER_SECONDS = 5

DYNAMODB_CLIENT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 1,
    "read_timeout": 2,
    # Two attempts in all (botocore's ``max_attempts`` counts retries, not attempts). The
    # conditional put is idempotent, and a retry of a put whose response was lost is recognised
    # by its request id (see fb_store). Worst case: 2 x (1 s + 2 s) plus one backoff, under 10 s.
    "retries": {"total_max_attempts": 2, "mode": "standard"},
}
KMS_CLIENT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 1,
    "read_timeout": 2,
    "retries": {"total_max_attempts": 3, "mode": "standard"},
}
"""Deriving the response-id key at cold start (one ``GenerateMac``; the init phase has 10 s)."""
APPCONFIG_CLIENT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 1,
    "read_timeout": 2,
    "retries": {"total_max_attempts": 1, "mode": "standard"},
}
"""AppConfig Data: one short attempt; a failed read keeps the last good tenant registry."""


def _client(service: str, options: dict[str, Any]) -> Any:
    """A botocore client (botocore's client machinery is imported here, on first use: it is
    most of a cold import; inside Lambda this happens during the init phase)."""
    from botocore.config import Config
    from botocore.session import get_session

    return get_session().create_client(service, config=Config(**options))


class _LazyClient:
    """Creates its client on first attribute access."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = self._factory()
        return getattr(self._client, name)


logger = Logger()
# Cold start: a bad environment raises here and the function fails to initialise. The tenant
# registry is read (and kept current) per request: a config store that cannot be read yet
# answers 503, not a failed init.
_APPCONFIG = _LazyClient(lambda: _client("appconfigdata", APPCONFIG_CLIENT_OPTIONS))
TENANTS = live_tenants(
    os.environ,
    client=lambda: _APPCONFIG,
    warn=lambda message, fields: logger.warning(message, extra=fields),
)
SETTINGS = load_settings(os.environ, tenants={})
metrics = Metrics(namespace=SETTINGS.metrics_namespace, service="")
_DYNAMODB = _LazyClient(lambda: _client("dynamodb", DYNAMODB_CLIENT_OPTIONS))
STORE = FeedbackStore(
    _DYNAMODB,
    SETTINGS.table_name,
    ttl_days=SETTINGS.ttl_days,
)
_RESPONSE_IDS: list[ResponseIds] = []


def response_ids() -> ResponseIds:
    """The response-id verifier, its key derived through KMS on first use (at import inside
    Lambda, so a missing or unusable key fails the init phase)."""
    if not _RESPONSE_IDS:
        _RESPONSE_IDS.append(
            response_ids_from_environment(os.environ, lambda: _client("kms", KMS_CLIENT_OPTIONS))
        )
    return _RESPONSE_IDS[0]


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    response_ids()  # a missing or unusable key fails the init phase
    _DYNAMODB.meta  # noqa: B018 (creates the DynamoDB client during the init phase)


def _traced(handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]]) -> Any:
    """X-Ray tracing through Powertools only when ``TRACING_ENABLED=true``: the X-Ray SDK
    costs ~120 ms of cold start and is not imported otherwise."""
    if not SETTINGS.tracing:
        return handler
    from aws_lambda_powertools import Tracer

    return Tracer().capture_lambda_handler(handler, capture_response=False)


@logger.inject_lambda_context(log_event=False, clear_state=True)
def _handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request_id = _request_id(event, context)
    logger.append_keys(request_id=request_id)
    try:
        try:
            tenants = TENANTS.current()
        except ConfigUnavailable:
            raise HttpError(
                503,
                "ConfigurationUnavailable",
                "the gateway's configuration is not available yet; retry shortly",
                headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)},
            ) from None
        response = handle(
            event,
            request_id=request_id,
            settings=replace(SETTINGS, tenants_by_principal=tenants),
            store=STORE,
            response_ids=response_ids(),
        )
    except HttpError as exc:
        logger.info(
            "feedback rejected",
            extra={
                "status": exc.status,
                "error_code": exc.code,
                # A field name comes from the body: never let it drop the line (surrogates).
                "field": scrub_text(exc.field) if exc.field is not None else None,
            },
        )
        response = exc.response()
    except Exception:
        logger.exception("unhandled error")
        response = error_response(
            500,
            "InternalError",
            f"internal error; quote request id {request_id} to the platform team",
        )
    response["headers"]["X-Request-Id"] = request_id
    return response


lambda_handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] = _traced(_handler)
"""API Gateway (REST, proxy integration) entry point."""


def handle(
    event: dict[str, Any],
    *,
    request_id: str,
    settings: FeedbackSettings,
    store: FeedbackStore,
    response_ids: ResponseIds,
    now: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """Serve one ``POST /v1/feedback``; raises :class:`HttpError` for every refusal."""
    identity = caller_identity(event)
    if identity is None:
        raise HttpError(403, "AccessDenied", "the request carries no IAM caller identity")
    logger.append_keys(principal=identity.principal_key)
    tenant = settings.tenant_for(identity.principal_key)
    if tenant is None:
        raise HttpError(
            403,
            "AccessDenied",
            f"principal {identity.principal_key} is not registered with any tenant of the gateway",
        )
    logger.append_keys(tenant=tenant)
    if event.get("httpMethod") != "POST":
        raise HttpError(
            405,
            "MethodNotAllowed",
            f"method {str(event.get('httpMethod'))[:10]} is not allowed; use POST /v1/feedback",
            headers={"Allow": "POST"},
        )

    feedback = parse_feedback(event)
    max_age = settings.ttl_days * 86_400
    if not response_ids.verify(feedback.response_id, identity.principal_key, now(), max_age):
        raise HttpError(
            404,
            "UnknownResponse",
            "response_id: no response with this id was served to this caller in the last "
            f"{settings.ttl_days} days",
            field="response_id",
        )
    try:
        stored = store.put(
            feedback, caller=identity.principal_key, tenant=tenant, request_id=request_id
        )
    except StoreUnavailable as exc:
        logger.error(
            "feedback not stored", extra={"reason": exc.reason, "throttled": exc.throttled}
        )
        retry_after = (
            THROTTLED_RETRY_AFTER_SECONDS if exc.throttled else UNAVAILABLE_RETRY_AFTER_SECONDS
        )
        raise HttpError(
            503,
            "ServiceUnavailable",
            "feedback could not be stored right now; retry after the Retry-After seconds",
            headers={"Retry-After": str(retry_after)},
        ) from None

    logger.info(
        "feedback stored" if stored else "duplicate feedback ignored",
        extra={
            "response_id": feedback.response_id,
            "rating": feedback.rating,
            "comment_chars": len(feedback.comment or ""),
            "duplicate": not stored,
        },
    )
    if not stored:
        return json_response(200, {"stored": False, "duplicate": True})
    _record_feedback(tenant, response_ids.model_of(feedback.response_id), feedback.rating)
    return json_response(201, {"stored": True})


def _record_feedback(tenant: str, model: str, rating: str) -> None:
    """One ``Feedback`` data point (``Tenant``, ``Model``, ``Rating``; then ``Rating``), as EMF
    to stdout now."""
    metrics.add_dimension(name="Tenant", value=tenant)
    metrics.add_dimension(name="Model", value=model)
    metrics.add_dimension(name="Rating", value=rating)
    metrics.add_metric(name=FEEDBACK_METRIC, unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
    # the same point under Rating alone: the platform's down-rate alarm names that series
    (rating_dimension,) = RATING_DIMENSIONS
    metrics.add_dimension(name=rating_dimension, value=rating)
    metrics.add_metric(name=FEEDBACK_METRIC, unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()


def _request_id(event: Any, context: LambdaContext) -> str:
    """API Gateway's request id (what the caller sees in ``X-Request-Id``), else Lambda's."""
    request_context = event.get("requestContext") if isinstance(event, dict) else None
    value = request_context.get("requestId") if isinstance(request_context, dict) else None
    if isinstance(value, str) and 0 < len(value) <= 128 and value.isprintable():
        return value
    return str(context.aws_request_id)
