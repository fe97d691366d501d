"""Metric names of the knowledge base's ingestion, for dashboards and alarms.

The ingestion starter (``genai_platform/lambda/ingestion/ks_metrics.py``) writes them as
embedded metric format under namespace :data:`NAMESPACE` with the one dimension
:data:`DIMENSION` (the knowledge base's alias); a test keeps both lists equal. Import them
from here (plain constants)::

    from genai_platform.constructs.knowledge_base.metrics import INGESTION_JOBS_FAILED
"""

from __future__ import annotations

__all__ = [
    "DIMENSION",
    "INGESTION_DEFERRED",
    "INGESTION_DOCUMENTS_FAILED",
    "INGESTION_EVENTS_IGNORED",
    "INGESTION_JOBS_FAILED",
    "INGESTION_JOBS_STARTED",
    "INGESTION_METRICS",
    "NAMESPACE",
]

#: The platform's own metrics namespace (the gateway's too).
NAMESPACE = "GenAiPlatform"
#: The single dimension: the knowledge base's alias.
DIMENSION = "KnowledgeBase"
#: ``StartIngestionJob`` calls that started a job.
INGESTION_JOBS_STARTED = "IngestionJobsStarted"
#: Finished jobs with status FAILED (each counted once).
INGESTION_JOBS_FAILED = "IngestionJobsFailed"
#: Documents a finished job could not ingest (``numberOfDocumentsFailed``).
INGESTION_DOCUMENTS_FAILED = "IngestionDocumentsFailed"
#: Change notifications put back for a later attempt (a job was running).
INGESTION_DEFERRED = "IngestionDeferred"
#: Notifications naming an object outside every data source.
INGESTION_EVENTS_IGNORED = "IngestionEventsIgnored"
#: Every metric the starter writes, in the order it writes them.
INGESTION_METRICS: tuple[str, ...] = (
    INGESTION_JOBS_STARTED,
    INGESTION_JOBS_FAILED,
    INGESTION_DOCUMENTS_FAILED,
    INGESTION_DEFERRED,
    INGESTION_EVENTS_IGNORED,
)
