"""The debounced ingestion starter: document changes in, as few ``StartIngestionJob`` calls out.

Plain functions over an explicit :class:`Runtime` (the ``bedrock-agent`` client, the clock and
the metrics injected), so every behaviour is testable without AWS and without waiting.
``ingestion_app`` is the thin Lambda entry.

**Input.** The function reads an SQS queue (event source mapping with a batching window and
``ReportBatchItemFailures``). Each message body is an EventBridge event: an S3 ``Object
Created`` / ``Object Deleted`` notification forwarded from the data account (``detail.bucket.
name``, ``detail.object.key``; Amazon S3 user guide, "EventBridge event message structure"), or
the scheduled full sync (``detail-type`` ``Scheduled Event``). SQS record shape: AWS Lambda
developer guide, "Using Lambda with Amazon SQS" (``messageId``, ``body``,
``attributes.SentTimestamp``).

**Debouncing.** A batch is reduced to the set of data sources it touches (a key is routed to the
data source whose inclusion prefix it starts with; a scheduled sync, or a message that cannot be
read, touches every data source: when in doubt, sync) and, per data source, the latest time a
change reached the queue (``SentTimestamp``; the event's own ``time`` when that is missing).
Then, per data source, the most recent jobs (``ListIngestionJobs``, newest first) decide:

* a job ``STARTING``, ``IN_PROGRESS`` or ``STOPPING``: **deferred**. The data source's messages
  are reported as failed, so SQS makes them visible again after the queue's visibility timeout
  and the starter looks again then; after the queue's ``maxReceiveCount`` they move to its
  dead-letter queue (and the scheduled full sync still picks the change up). Never dropped;
* the newest job ``COMPLETE`` and started after the latest change: **covered** (a job scans the
  whole data source, so it saw the change); the messages are done;
* otherwise: **start one job**. A ``ConflictException``, ``ThrottlingException``,
  ``ServiceQuotaExceededException`` or any other AWS error defers, as above.

An upload of 1,000 files thus starts one job per batching window, and messages that arrive while
it runs start at most one more once it has finished; the job starting a new run also reports
the previous finished job's outcome once (``IngestionJobsFailed``, ``IngestionDocumentsFailed``).

**Hostile input.** Anything in the event that is not the expected shape is logged (never its
content) and treated as "sync everything"; no input makes the function raise, so one bad
message never blocks a batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ks_metrics import DEFERRED, DOCUMENTS_FAILED, EVENTS_IGNORED, JOBS_FAILED, JOBS_STARTED

__all__ = [
    "RUNNING",
    "DataSource",
    "Runtime",
    "handle_event",
    "parse_data_sources",
    "touched_data_sources",
]

#: Job states in which Bedrock refuses another job for the data source.
RUNNING = frozenset({"STARTING", "IN_PROGRESS", "STOPPING"})
#: S3 event detail types that change what the knowledge base should hold.
CHANGE_DETAIL_TYPES = frozenset({"Object Created", "Object Deleted"})
SCHEDULED_DETAIL_TYPE = "Scheduled Event"
#: Jobs looked at per data source (newest first): enough to find the latest finished one.
JOBS_LOOKED_AT = 10
_MAX_BODY_CHARS = 256 * 1024  # SQS's message size limit


@dataclass(frozen=True)
class DataSource:
    """One data source of the knowledge base and the key prefix it ingests ("" = all)."""

    id: str
    prefix: str = ""


@dataclass
class Runtime:
    """Everything the starter talks to, injected."""

    agent: Any
    """A ``bedrock-agent`` client (or a fake with the same two methods)."""
    logger: Any
    knowledge_base_id: str
    data_sources: Sequence[DataSource]
    metrics: Any
    """A :class:`ks_metrics.Metrics` (``add`` and ``flush``)."""
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def parse_data_sources(text: str) -> list[DataSource]:
    """``DATA_SOURCES`` (a JSON list of ``{"id": ..., "prefix": ...}``); ValueError naming the
    bad entry."""
    data = json.loads(text)
    if not isinstance(data, list) or not data:
        raise ValueError("DATA_SOURCES: must be a non-empty JSON list")
    sources = []
    for n, entry in enumerate(data):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("id"), str)
            or not entry["id"]
            or not isinstance(entry.get("prefix", ""), str)
        ):
            raise ValueError(f"DATA_SOURCES[{n}]: needs a string id and a string prefix")
        sources.append(DataSource(entry["id"], entry.get("prefix", "")))
    return sources


# ---------------------------------------------------------------------------- reading


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _sent_time(record: Mapping[str, Any]) -> datetime | None:
    attributes = record.get("attributes")
    if not isinstance(attributes, Mapping):
        return None
    raw = attributes.get("SentTimestamp")
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 16:
        return None
    try:
        return datetime.fromtimestamp(int(raw) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def touched_data_sources(
    body: object, sources: Sequence[DataSource]
) -> tuple[list[DataSource], datetime | None, str]:
    """Which data sources one message body touches, the event's own time, and why.

    Never raises: an unreadable body touches every data source ("sync when in doubt").
    """
    everything = list(sources)
    if not isinstance(body, str) or len(body) > _MAX_BODY_CHARS:
        return everything, None, "body missing or too large"
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):
        return everything, None, "body is not JSON"
    if not isinstance(event, dict):
        return everything, None, "body is not an object"
    when = _parse_time(event.get("time"))
    detail_type = event.get("detail-type")
    if detail_type == SCHEDULED_DETAIL_TYPE:
        return everything, when, "scheduled full sync"
    if detail_type not in CHANGE_DETAIL_TYPES:
        return everything, when, "unknown detail-type"
    detail = event.get("detail")
    obj = detail.get("object") if isinstance(detail, dict) else None
    key = obj.get("key") if isinstance(obj, dict) else None
    if not isinstance(key, str):
        return everything, when, "change without an object key"
    matching = [s for s in sources if key.startswith(s.prefix)]
    return matching, when, "object change" if matching else "object outside every data source"


# ---------------------------------------------------------------------------- deciding


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        code = response.get("Error", {}).get("Code")
        if isinstance(code, str):
            return code
    return type(error).__name__


def _jobs(runtime: Runtime, source: DataSource) -> list[Mapping[str, Any]]:
    response = runtime.agent.list_ingestion_jobs(
        knowledgeBaseId=runtime.knowledge_base_id,
        dataSourceId=source.id,
        sortBy={"attribute": "STARTED_AT", "order": "DESCENDING"},
        maxResults=JOBS_LOOKED_AT,
    )
    jobs = response.get("ingestionJobSummaries", []) if isinstance(response, Mapping) else []
    return [j for j in jobs if isinstance(j, Mapping)]


def _started_at(job: Mapping[str, Any]) -> datetime | None:
    value = job.get("startedAt")
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return _parse_time(value)


def _client_token(source: DataSource, message_ids: Sequence[str]) -> str:
    """Same messages, same token: a retried invocation does not start a second job."""
    digest = hashlib.sha256("\n".join([source.id, *sorted(message_ids)]).encode()).hexdigest()
    return f"ingest-{digest[:48]}"


def _report_finished(runtime: Runtime, jobs: Sequence[Mapping[str, Any]]) -> None:
    finished = next((j for j in jobs if j.get("status") in ("COMPLETE", "FAILED")), None)
    if finished is None:
        return
    if finished.get("status") == "FAILED":
        runtime.metrics.add(JOBS_FAILED)
    statistics = finished.get("statistics")
    failed = statistics.get("numberOfDocumentsFailed") if isinstance(statistics, Mapping) else 0
    if isinstance(failed, int) and not isinstance(failed, bool) and failed > 0:
        runtime.metrics.add(DOCUMENTS_FAILED, failed)


def _sync(
    runtime: Runtime, source: DataSource, changed_at: datetime, message_ids: Sequence[str]
) -> str:
    """``"covered"``, ``"started"`` or ``"deferred"`` for one data source."""
    log = runtime.logger
    try:
        jobs = _jobs(runtime, source)
    except Exception as error:  # any AWS or network error: look again later
        log.warning(
            "listing ingestion jobs failed; deferring",
            extra={"data_source": source.id, "error": _error_code(error)},
        )
        return "deferred"
    running = [j for j in jobs if j.get("status") in RUNNING]
    if running:
        log.info(
            "an ingestion job is running; deferring",
            extra={"data_source": source.id, "job": str(running[0].get("ingestionJobId"))},
        )
        return "deferred"
    newest = jobs[0] if jobs else None
    started = _started_at(newest) if newest is not None else None
    covered = started is not None and started >= changed_at
    if newest is not None and newest.get("status") == "COMPLETE" and covered:
        log.info(
            "changes covered by a job that started after them",
            extra={"data_source": source.id, "job": str(newest.get("ingestionJobId"))},
        )
        return "covered"
    try:
        response = runtime.agent.start_ingestion_job(
            knowledgeBaseId=runtime.knowledge_base_id,
            dataSourceId=source.id,
            clientToken=_client_token(source, message_ids),
            description=f"genai-platform: {len(message_ids)} change notification(s)",
        )
    except Exception as error:  # ConflictException (a job started meanwhile), throttling...
        log.warning(
            "could not start an ingestion job; deferring",
            extra={"data_source": source.id, "error": _error_code(error)},
        )
        return "deferred"
    job = response.get("ingestionJob", {}) if isinstance(response, Mapping) else {}
    log.info(
        "ingestion job started",
        extra={"data_source": source.id, "job": str(job.get("ingestionJobId"))},
    )
    runtime.metrics.add(JOBS_STARTED)
    _report_finished(runtime, jobs)
    return "started"


# ---------------------------------------------------------------------------- entry


def handle_event(runtime: Runtime, event: object) -> dict[str, list[dict[str, str]]]:
    """One SQS batch: start what is needed; the batch item failures are the deferred messages.

    Never raises on input; AWS errors defer the messages they concern.
    """
    try:
        return _handle(runtime, event)
    finally:
        runtime.metrics.flush()


def _handle(runtime: Runtime, event: object) -> dict[str, list[dict[str, str]]]:
    log = runtime.logger
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        log.warning("event without a Records list; nothing to do")
        return {"batchItemFailures": []}
    now = runtime.now()
    latest: dict[DataSource, datetime] = {}
    messages: dict[DataSource, list[str]] = {}
    for record in records:
        if not isinstance(record, Mapping):
            log.warning("record is not an object; skipped")
            continue
        message_id = record.get("messageId")
        if not isinstance(message_id, str) or not message_id or len(message_id) > 128:
            log.warning("record without a usable messageId; skipped")
            continue
        sources, event_time, why = touched_data_sources(record.get("body"), runtime.data_sources)
        if not sources:
            runtime.metrics.add(EVENTS_IGNORED)
            log.info("notification ignored", extra={"reason": why})
            continue
        if why not in ("object change", "scheduled full sync"):
            log.warning("unreadable notification: syncing every data source", extra={"reason": why})
        changed_at = _sent_time(record) or event_time or now
        for source in sources:
            latest[source] = max(latest.get(source, changed_at), changed_at)
            messages.setdefault(source, []).append(message_id)
    deferred: set[str] = set()
    for source in runtime.data_sources:
        if source not in latest:
            continue
        outcome = _sync(runtime, source, latest[source], messages[source])
        if outcome == "deferred":
            runtime.metrics.add(DEFERRED, len(messages[source]))
            deferred.update(messages[source])
    return {"batchItemFailures": [{"itemIdentifier": m} for m in sorted(deferred)]}
