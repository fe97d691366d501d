"""CloudFormation custom resource: the account's Bedrock model invocation logging configuration.

Why a function of its own (not a single-shot SDK call): ``PutModelInvocationLoggingConfiguration``
checks at once that Bedrock can assume the delivery role and write the log group. On a first
deployment that role was created seconds earlier and IAM has not propagated it everywhere yet
(IAM changes are eventually consistent, AWS IAM user guide, "Troubleshoot IAM": "Changes that I
make are not always immediately visible"), so Bedrock answers ``ValidationException`` and a
single call would roll the whole stack back. Here:

* **Create / Update**: put ``LoggingConfig`` (a JSON string property, so booleans stay
  booleans), retrying ``ValidationException``, ``ThrottlingException`` and
  ``InternalServerException`` with exponential backoff and full jitter until
  ``RetryTimeoutSeconds`` (default 300) has passed, never past the function's own remaining time
  (less a margin to report). Other errors (``AccessDeniedException``, bad parameters) fail at
  once with the service's message.
* **Delete**: ``DeleteModelInvocationLoggingConfiguration`` (switches logging off; the bucket,
  log group and key stay), retried on throttling; skipped when the resource was never created
  (a failed create reports a ``failed-create-`` physical id, so its rollback does not switch off
  a configuration someone else put).
* The result always goes back to CloudFormation's pre-signed ``ResponseURL`` (urllib, with a
  timeout, retried), so a failure never leaves the stack waiting for an hour. The URL is never
  logged.

Standard library and boto3 only. Every outbound call has a timeout. The plain function
:func:`handle` takes the client, the clock, the sleep and the responder, so every behaviour is
testable without AWS and without waiting.
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_RETRY_TIMEOUT_SECONDS",
    "RETRIED_ERRORS",
    "Outcome",
    "Runtime",
    "handle",
    "lambda_handler",
]

DEFAULT_RETRY_TIMEOUT_SECONDS = 300.0
"""How long a put is retried when the event names no ``RetryTimeoutSeconds``."""
MAX_RETRY_TIMEOUT_SECONDS = 840.0
"""Never more than the 15 minutes a Lambda function may run, less a minute to report."""
REPORT_MARGIN_SECONDS = 20.0
"""Time kept back from the function's remaining time to report to CloudFormation."""
FIRST_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 30.0
RETRIED_ERRORS: frozenset[str] = frozenset(
    {"ValidationException", "ThrottlingException", "InternalServerException"}
)
"""Error codes worth another attempt: ValidationException is what Bedrock answers while the
delivery role is not yet visible to it."""
DELETE_RETRIED_ERRORS: frozenset[str] = frozenset(
    {"ThrottlingException", "InternalServerException"}
)
FAILED_CREATE_PREFIX = "failed-create-"
DEFAULT_PHYSICAL_ID = "bedrock-model-invocation-logging"
RESPONSE_TIMEOUT_SECONDS = 10.0
RESPONSE_ATTEMPTS = 3
MAX_REASON_LENGTH = 1000
"""Keeps the response body well under CloudFormation's 4,096-byte limit."""

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)


@dataclass(frozen=True)
class Outcome:
    """What is reported to CloudFormation."""

    status: str
    """``SUCCESS`` or ``FAILED``."""
    physical_id: str
    reason: str = ""
    attempts: int = 0
    """Calls made to Bedrock."""


@dataclass(frozen=True)
class Runtime:
    """Everything :func:`handle` reaches outside itself."""

    bedrock: Any
    """A boto3 ``bedrock`` client (or a stubbed one)."""
    remaining_seconds: Callable[[], float]
    """Time the invocation has left (``context.get_remaining_time_in_millis() / 1000``)."""
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    jitter: Callable[[float], float] = lambda ceiling: random.uniform(0, ceiling)


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


def _describe(error: BaseException) -> str:
    code = _error_code(error)
    return f"{code}: {error}" if code else f"{type(error).__name__}: {error}"


def _retry_budget(properties: Mapping[str, Any], runtime: Runtime) -> float:
    raw = properties.get("RetryTimeoutSeconds", DEFAULT_RETRY_TIMEOUT_SECONDS)
    try:
        wanted = float(raw)
    except (TypeError, ValueError):
        wanted = DEFAULT_RETRY_TIMEOUT_SECONDS
    wanted = min(max(wanted, 0.0), MAX_RETRY_TIMEOUT_SECONDS)
    return max(0.0, min(wanted, runtime.remaining_seconds() - REPORT_MARGIN_SECONDS))


def _call_with_retries(
    call: Callable[[], object], retried: frozenset[str], budget_seconds: float, runtime: Runtime
) -> tuple[BaseException | None, int]:
    """Call until success, a non-retried error, or the budget is spent; (last error, calls)."""
    deadline = runtime.monotonic() + budget_seconds
    attempts = 0
    while True:
        attempts += 1
        try:
            call()
            return None, attempts
        except Exception as error:  # a boto3 ClientError, or a connection/timeout error
            code = _error_code(error)
            if code not in retried:
                return error, attempts
            ceiling = min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** (attempts - 1))
            pause = runtime.jitter(ceiling)
            left = deadline - runtime.monotonic()
            if pause >= left:
                logger.warning("giving up after %d attempts: %s", attempts, code)
                return error, attempts
            logger.info("attempt %d answered %s; retrying in %.1f s", attempts, code, pause)
            runtime.sleep(pause)


def _logging_config(properties: Mapping[str, Any]) -> dict[str, Any]:
    raw = properties.get("LoggingConfig")
    if not isinstance(raw, str):
        raise ValueError("ResourceProperties.LoggingConfig must be a JSON string")
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"ResourceProperties.LoggingConfig is not JSON ({error.msg})") from None
    if not isinstance(config, dict):
        raise ValueError("ResourceProperties.LoggingConfig must be a JSON object")
    return config


def handle(event: Mapping[str, Any], runtime: Runtime) -> Outcome:
    """Apply one CloudFormation custom-resource event; the outcome to report."""
    request = event.get("RequestType")
    properties = event.get("ResourceProperties") or {}
    # An Update must report the id it was given: a new id would make CloudFormation delete the
    # "old" resource afterwards, which would switch logging off.
    physical_id = str(
        (event.get("PhysicalResourceId") if request == "Update" else None)
        or properties.get("PhysicalResourceId")
        or DEFAULT_PHYSICAL_ID
    )
    if request in ("Create", "Update"):
        try:
            config = _logging_config(properties)
        except ValueError as invalid:
            return _failed(event, request, str(invalid), 0)
        error, attempts = _call_with_retries(
            lambda: runtime.bedrock.put_model_invocation_logging_configuration(
                loggingConfig=config
            ),
            RETRIED_ERRORS,
            _retry_budget(properties, runtime),
            runtime,
        )
        if error is not None:
            return _failed(
                event,
                request,
                f"PutModelInvocationLoggingConfiguration failed after {attempts} attempt(s): "
                f"{_describe(error)}",
                attempts,
            )
        logger.info("%s: logging configuration put after %d attempt(s)", request, attempts)
        return Outcome("SUCCESS", physical_id, attempts=attempts)
    if request == "Delete":
        current = str(event.get("PhysicalResourceId") or "")
        if current.startswith(FAILED_CREATE_PREFIX):
            logger.info("Delete of a resource that was never created: nothing to remove")
            return Outcome("SUCCESS", current)
        error, attempts = _call_with_retries(
            lambda: runtime.bedrock.delete_model_invocation_logging_configuration(),
            DELETE_RETRIED_ERRORS,
            _retry_budget(properties, runtime),
            runtime,
        )
        if error is not None:
            return Outcome(
                "FAILED",
                current,
                f"DeleteModelInvocationLoggingConfiguration failed: {_describe(error)}",
                attempts,
            )
        return Outcome("SUCCESS", current, attempts=attempts)
    return _failed(event, str(request), f"unknown RequestType {request!r}", 0)


def _failed(event: Mapping[str, Any], request: object, reason: str, attempts: int) -> Outcome:
    """A failure; the physical id keeps an existing resource's, or says nothing was created."""
    logger.error("%s failed: %s", request, reason)
    if request == "Create" or not event.get("PhysicalResourceId"):
        # Nothing was created: the rollback's Delete must not switch logging off.
        physical_id = f"{FAILED_CREATE_PREFIX}{event.get('RequestId', 'unknown')}"
    else:
        physical_id = str(event.get("PhysicalResourceId"))
    return Outcome("FAILED", physical_id, reason, attempts)


def response_body(event: Mapping[str, Any], outcome: Outcome) -> bytes:
    """The JSON CloudFormation expects at the response URL."""
    reason = outcome.reason[:MAX_REASON_LENGTH] or "see the function's log group"
    return json.dumps(
        {
            "Status": outcome.status,
            "Reason": reason,
            "PhysicalResourceId": outcome.physical_id or DEFAULT_PHYSICAL_ID,
            "StackId": event.get("StackId"),
            "RequestId": event.get("RequestId"),
            "LogicalResourceId": event.get("LogicalResourceId"),
            "NoEcho": False,
            "Data": {"Attempts": outcome.attempts},
        }
    ).encode("utf-8")


def send_response(url: str, body: bytes, sleep: Callable[[float], None] = time.sleep) -> None:
    """PUT ``body`` to CloudFormation's pre-signed URL (with a timeout, three attempts)."""
    for attempt in range(1, RESPONSE_ATTEMPTS + 1):
        request = urllib.request.Request(
            url,
            data=body,
            method="PUT",
            headers={"Content-Type": "", "Content-Length": str(len(body))},
        )
        try:
            with urllib.request.urlopen(request, timeout=RESPONSE_TIMEOUT_SECONDS):
                return
        except OSError as error:  # URLError, HTTPError and timeouts are OSErrors
            logger.warning("response attempt %d failed: %s", attempt, type(error).__name__)
            if attempt == RESPONSE_ATTEMPTS:
                raise
            sleep(attempt)


_bedrock: Any = None


def _client() -> Any:
    """The function's Bedrock control-plane client, created on first use (not at import)."""
    global _bedrock
    if _bedrock is None:
        import boto3
        from botocore.config import Config

        _bedrock = boto3.client(
            "bedrock",
            config=Config(
                connect_timeout=5,
                read_timeout=20,
                # this function retries itself; the SDK tries once more on connection errors
                retries={"total_max_attempts": 2, "mode": "standard"},
            ),
        )
    return _bedrock


def lambda_handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point: apply the event, then always report to CloudFormation."""
    try:
        runtime = Runtime(
            bedrock=_client(),
            remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000.0,
        )
        outcome = handle(event, runtime)
    except Exception as error:  # report every failure, or CloudFormation waits an hour
        outcome = _failed(event, event.get("RequestType"), _describe(error), 0)
    send_response(str(event["ResponseURL"]), response_body(event, outcome))
