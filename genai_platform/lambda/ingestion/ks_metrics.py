"""The ingestion starter's CloudWatch metrics, written as embedded metric format (EMF) documents.

Namespace ``GenAiPlatform`` (the gateway's), one dimension, ``KnowledgeBase`` (the knowledge
base's alias, from configuration: bounded cardinality). The names are the contract dashboards
and alarms import, from ``genai_platform.constructs.knowledge_base.metrics`` (a test keeps the
two lists equal):

* ``IngestionJobsStarted``: ``StartIngestionJob`` calls that started a job;
* ``IngestionJobsFailed``: finished jobs whose status was ``FAILED``, each counted once, when
  the starter next looks at the data source (when it starts the following job);
* ``IngestionDocumentsFailed``: ``numberOfDocumentsFailed`` of those finished jobs;
* ``IngestionDeferred``: change notifications left on the queue for a later attempt because a
  job was running (or Bedrock refused to start one for now);
* ``IngestionEventsIgnored``: notifications that named an object outside every data source.

Plain stdlib: one JSON line per flush on stdout, which CloudWatch Logs turns into metrics
(Amazon CloudWatch user guide, "Specification: Embedded metric format").
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable

__all__ = [
    "DEFERRED",
    "DIMENSION",
    "DOCUMENTS_FAILED",
    "EVENTS_IGNORED",
    "JOBS_FAILED",
    "JOBS_STARTED",
    "METRIC_NAMES",
    "NAMESPACE",
    "Metrics",
]

NAMESPACE = "GenAiPlatform"
DIMENSION = "KnowledgeBase"
JOBS_STARTED = "IngestionJobsStarted"
JOBS_FAILED = "IngestionJobsFailed"
DOCUMENTS_FAILED = "IngestionDocumentsFailed"
DEFERRED = "IngestionDeferred"
EVENTS_IGNORED = "IngestionEventsIgnored"
METRIC_NAMES = (JOBS_STARTED, JOBS_FAILED, DOCUMENTS_FAILED, DEFERRED, EVENTS_IGNORED)


class Metrics:
    """Counts collected during one invocation, written as one EMF document by :meth:`flush`."""

    def __init__(self, knowledge_base: str, write: Callable[[str], None] = print) -> None:
        self._knowledge_base = knowledge_base
        self._write = write
        self.counts: Counter[str] = Counter()

    def add(self, name: str, value: int = 1) -> None:
        """Add ``value`` to the count of ``name`` (one of :data:`METRIC_NAMES`)."""
        if name not in METRIC_NAMES:
            raise ValueError(f"metric {name!r} is not one of {METRIC_NAMES}")
        self.counts[name] += max(0, int(value))

    def flush(self) -> None:
        """Write every count (zeros included, so alarms see data) and start again."""
        document = {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [[DIMENSION]],
                        "Metrics": [{"Name": n, "Unit": "Count"} for n in METRIC_NAMES],
                    }
                ],
            },
            DIMENSION: self._knowledge_base,
            **{n: self.counts.get(n, 0) for n in METRIC_NAMES},
        }
        self._write(json.dumps(document, separators=(",", ":")))
        self.counts.clear()
