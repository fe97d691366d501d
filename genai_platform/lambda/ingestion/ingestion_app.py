"""Lambda entry of the ingestion starter (see ``ks_starter``): environment checked once at cold
start, the ``bedrock-agent`` client created once with connect/read timeouts and bounded retries.

Environment: ``KNOWLEDGE_BASE_ID``, ``DATA_SOURCES`` (JSON list of ``{"id", "prefix"}``) and
``KNOWLEDGE_BASE_ALIAS`` (the metrics' ``KnowledgeBase`` dimension), all required.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from ks_metrics import Metrics
from ks_starter import Runtime, handle_event, parse_data_sources

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
    logger = logging.getLogger("ingestion_starter")
    handler = logging.StreamHandler()
    handler.setFormatter(_JsonFormatter())
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def runtime_from(environ: Mapping[str, str], logger: Any, agent: Any = None) -> Runtime:
    """The runtime for ``environ``; ValueError listing every bad variable."""
    problems = []
    sources = []
    try:
        sources = parse_data_sources(environ.get("DATA_SOURCES", ""))
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        problems.append(f"DATA_SOURCES: {error}")
    for name in ("KNOWLEDGE_BASE_ID", "KNOWLEDGE_BASE_ALIAS"):
        if not environ.get(name):
            problems.append(f"{name}: missing; required")
    if problems:
        raise ValueError("ingestion starter environment: " + "; ".join(problems))
    if agent is None:
        config = Config(
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        )
        agent = boto3.client("bedrock-agent", config=config)
    return Runtime(
        agent=agent,
        logger=logger,
        knowledge_base_id=environ["KNOWLEDGE_BASE_ID"],
        data_sources=sources,
        metrics=Metrics(environ["KNOWLEDGE_BASE_ALIAS"]),
    )


LOGGER = _logger()
_RUNTIME: Runtime | None = None


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, list[dict[str, str]]]:
    """SQS-invoked entry point (``ReportBatchItemFailures``)."""
    global _RUNTIME
    if _RUNTIME is None:
        _RUNTIME = runtime_from(os.environ, LOGGER)
    return handle_event(_RUNTIME, event)
