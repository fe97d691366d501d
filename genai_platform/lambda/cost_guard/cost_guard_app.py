"""Lambda entry of the cost guard (see ``cg_guard``): environment checked once at cold start,
clients created once with connect/read timeouts and bounded retries.

Environment: ``TARGETS`` (JSON list of the scalable targets to zero), ``RECORD_TABLE``,
``NOTIFY_TOPIC_ARN``, ``TRIGGER_PERCENT`` (required); ``KILL_SWITCH_PARAMETER``,
``BUDGET_NAME`` and ``DENY_POLICY_ARN`` (optional: empty means no kill switch / any budget on
the topic / no Budgets action to record for release); ``TENANT_BUDGETS`` (JSON object of
budget name -> tenant id) with ``TENANT_SWITCH_TABLE`` (the gateway's quota table) for the
per-tenant switch (optional).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from cg_guard import Runtime, handle_event, parse_targets, parse_tenant_budgets

CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 3


class _JsonFormatter(logging.Formatter):
    _STANDARD = set(vars(logging.makeLogRecord({})))

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in vars(record).items() if k not in self._STANDARD}
        return json.dumps(
            {"level": record.levelname, "message": record.getMessage(), **extra}, default=str
        )


def _logger() -> logging.Logger:
    logger = logging.getLogger("cost_guard")
    handler = logging.StreamHandler()
    handler.setFormatter(_JsonFormatter())
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def runtime_from(environ: Mapping[str, str], logger: Any) -> Runtime:
    """The runtime for ``environ``; ValueError listing every bad variable."""
    problems = []
    targets = []
    try:
        targets = parse_targets(environ.get("TARGETS", "[]"))
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        problems.append(f"TARGETS: {error}")
    for name in ("RECORD_TABLE", "NOTIFY_TOPIC_ARN"):
        if not environ.get(name):
            problems.append(f"{name}: missing; required")
    trigger = 0.0
    try:
        trigger = float(environ.get("TRIGGER_PERCENT", ""))
        if not 0 < trigger <= 1000:
            raise ValueError
    except ValueError:
        problems.append(
            f"TRIGGER_PERCENT: {environ.get('TRIGGER_PERCENT')!r}; must be a number > 0 and <= 1000"
        )
    tenant_budgets: dict[str, str] = {}
    try:
        tenant_budgets = parse_tenant_budgets(environ.get("TENANT_BUDGETS") or "{}")
    except ValueError as error:
        problems.append(f"TENANT_BUDGETS: {error}")
    if tenant_budgets and not environ.get("TENANT_SWITCH_TABLE"):
        problems.append("TENANT_SWITCH_TABLE: missing; required with TENANT_BUDGETS")
    if problems:
        raise ValueError("cost guard environment: " + "; ".join(problems))
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
    )
    return Runtime(
        autoscaling=boto3.client("application-autoscaling", config=config),
        sagemaker=boto3.client("sagemaker", config=config),
        ssm=boto3.client("ssm", config=config),
        dynamodb=boto3.client("dynamodb", config=config),
        sns=boto3.client("sns", config=config),
        logger=logger,
        table_name=environ["RECORD_TABLE"],
        targets=targets,
        kill_switch_parameter=environ.get("KILL_SWITCH_PARAMETER") or None,
        notify_topic_arn=environ["NOTIFY_TOPIC_ARN"],
        trigger_percent=trigger,
        budget_name=environ.get("BUDGET_NAME") or None,
        deny_policy_arn=environ.get("DENY_POLICY_ARN") or None,
        tenant_budgets=tenant_budgets,
        tenant_switch_table=environ.get("TENANT_SWITCH_TABLE") or None,
    )


LOGGER = _logger()
_RUNTIME: Runtime | None = None


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, list[str]]:
    """SNS-invoked entry point."""
    global _RUNTIME
    if _RUNTIME is None:
        _RUNTIME = runtime_from(os.environ, LOGGER)
    return handle_event(_RUNTIME, event)
