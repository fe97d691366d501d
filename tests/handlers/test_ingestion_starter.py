"""The ingestion starter (``genai_platform/lambda/ingestion``): debouncing, retries while a job
runs, metrics and hostile events. ``bedrock-agent`` is not in moto: an injected fake simulates
its jobs, and botocore's ``Stubber`` checks the real client's calls and errors."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_DIR = Path(__file__).resolve().parents[2] / "genai_platform" / "lambda" / "ingestion"
if str(_DIR) not in sys.path:
    sys.path.insert(0, str(_DIR))

import ingestion_app  # noqa: E402
import ks_metrics  # noqa: E402
import ks_starter  # noqa: E402

KB_ID = "KB12345678"
HANDBOOK = ks_starter.DataSource("DS00000001", "handbook/")
POLICIES = ks_starter.DataSource("DS00000002", "policies/")
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
LOGGER = logging.getLogger("test-ingestion")


# --------------------------------------------------------------------------- fakes


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeAgent:
    """``bedrock-agent`` as far as the starter uses it: one job at a time per data source."""

    clock: Clock
    jobs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)

    def list_ingestion_jobs(self, **request: Any) -> dict[str, Any]:
        assert request["knowledgeBaseId"] == KB_ID
        assert request["sortBy"] == {"attribute": "STARTED_AT", "order": "DESCENDING"}
        jobs = sorted(
            self.jobs.get(request["dataSourceId"], []), key=lambda j: j["startedAt"], reverse=True
        )
        return {"ingestionJobSummaries": jobs[: request["maxResults"]]}

    def start_ingestion_job(self, **request: Any) -> dict[str, Any]:
        jobs = self.jobs.setdefault(request["dataSourceId"], [])
        if any(j["status"] in ks_starter.RUNNING for j in jobs):
            raise ClientError(
                {"Error": {"Code": "ConflictException", "Message": "a job is running"}},
                "StartIngestionJob",
            )
        job = {
            "ingestionJobId": f"JOB{len(self.started) + 1:07d}",
            "status": "STARTING",
            "startedAt": self.clock(),
            "statistics": {},
        }
        jobs.append(job)
        self.started.append(request["dataSourceId"])
        return {"ingestionJob": dict(job)}

    def finish(self, data_source: str, status: str = "COMPLETE", failed: int = 0) -> None:
        for job in self.jobs[data_source]:
            if job["status"] in ks_starter.RUNNING:
                job["status"] = status
                job["statistics"] = {"numberOfDocumentsFailed": failed}


class Lines:
    """Collects the EMF documents the metrics write."""

    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []

    def __call__(self, line: str) -> None:
        self.documents.append(json.loads(line))

    def total(self, name: str) -> int:
        return sum(int(d[name]) for d in self.documents)


@dataclass
class Harness:
    clock: Clock
    agent: FakeAgent
    lines: Lines
    runtime: ks_starter.Runtime


@pytest.fixture
def harness() -> Harness:
    clock = Clock()
    agent = FakeAgent(clock)
    lines = Lines()
    runtime = ks_starter.Runtime(
        agent=agent,
        logger=LOGGER,
        knowledge_base_id=KB_ID,
        data_sources=[HANDBOOK, POLICIES],
        metrics=ks_metrics.Metrics("handbook", write=lines),
        now=clock,
    )
    return Harness(clock, agent, lines, runtime)


def s3_event(key: str, when: datetime, detail_type: str = "Object Created") -> str:
    return json.dumps(
        {
            "version": "0",
            "id": "5f1e0c1a-0000-0000-0000-000000000000",
            "detail-type": detail_type,
            "source": "aws.s3",
            "account": "333333333333",
            "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "us-east-1",
            "resources": ["arn:aws:s3:::genai-documents-333333333333-us-east-1"],
            "detail": {
                "bucket": {"name": "genai-documents-333333333333-us-east-1"},
                "object": {"key": key, "size": 1024},
            },
        }
    )


def record(message_id: str, body: str, sent: datetime) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": body,
        "attributes": {"SentTimestamp": str(int(sent.timestamp() * 1000))},
        "eventSource": "aws:sqs",
    }


def failed_ids(result: dict[str, list[dict[str, str]]]) -> set[str]:
    return {f["itemIdentifier"] for f in result["batchItemFailures"]}


# --------------------------------------------------------------------------- debouncing


def test_an_upload_of_1000_files_starts_one_job_and_loses_no_change(harness: Harness) -> None:
    # GIVEN 1,000 documents uploaded under handbook/ within 100 seconds, queued as they came
    queue = [
        record(f"m{i:04d}", s3_event(f"handbook/doc-{i}.pdf", T0), T0 + timedelta(seconds=i / 10))
        for i in range(1000)
    ]
    harness.clock.advance(300)  # the batching window
    # WHEN Lambda hands them over in ten batches (two pollers racing), and SQS redelivers the
    # deferred ones after the visibility timeout, while the job runs and then completes
    rounds = 0
    while queue:
        rounds += 1
        assert rounds < 10, "messages are never settled"
        returned = []
        for start in range(0, len(queue), 100):
            batch = queue[start : start + 100]
            failed = failed_ids(ks_starter.handle_event(harness.runtime, {"Records": batch}))
            returned += [r for r in batch if r["messageId"] in failed]
        queue = returned
        harness.clock.advance(600)
        harness.agent.finish(HANDBOOK.id)
        harness.clock.advance(300)
    # THEN one job was started for the burst, and every message was settled by it
    assert harness.agent.started == [HANDBOOK.id]
    assert harness.lines.total(ks_metrics.JOBS_STARTED) == 1
    assert harness.lines.total(ks_metrics.DEFERRED) == 900


def test_a_change_during_a_running_job_is_retried_then_starts_the_next_job(
    harness: Harness,
) -> None:
    # GIVEN a job started and running
    first = record("m1", s3_event("handbook/a.pdf", T0), T0)
    ks_starter.handle_event(harness.runtime, {"Records": [first]})
    harness.clock.advance(60)
    # WHEN a document changes while it runs
    late = record("m2", s3_event("handbook/b.pdf", harness.clock()), harness.clock())
    result = ks_starter.handle_event(harness.runtime, {"Records": [late]})
    # THEN the message goes back to the queue (not lost, no second job yet)
    assert failed_ids(result) == {"m2"}
    assert harness.agent.started == [HANDBOOK.id]
    # WHEN the job completes and SQS redelivers the message
    harness.agent.finish(HANDBOOK.id)
    harness.clock.advance(900)
    result = ks_starter.handle_event(harness.runtime, {"Records": [late]})
    # THEN a second job starts (the first began before the change) and the message is done
    assert failed_ids(result) == set()
    assert harness.agent.started == [HANDBOOK.id, HANDBOOK.id]


def test_changes_older_than_a_completed_job_start_no_job(harness: Harness) -> None:
    # GIVEN a job that started after the change and completed
    harness.agent.jobs[HANDBOOK.id] = [
        {"ingestionJobId": "J1", "status": "COMPLETE", "startedAt": T0 + timedelta(minutes=5)}
    ]
    harness.clock.advance(900)
    # WHEN the change's message arrives (redelivered)
    result = ks_starter.handle_event(
        harness.runtime, {"Records": [record("m1", s3_event("handbook/a.pdf", T0), T0)]}
    )
    # THEN it is settled without a new job
    assert failed_ids(result) == set()
    assert harness.agent.started == []


def test_a_failed_job_is_retried_and_reported_once(harness: Harness) -> None:
    # GIVEN the last job, started after the change, FAILED with 3 documents failed
    harness.agent.jobs[HANDBOOK.id] = [
        {
            "ingestionJobId": "J1",
            "status": "FAILED",
            "startedAt": T0 + timedelta(minutes=5),
            "statistics": {"numberOfDocumentsFailed": 3},
        }
    ]
    harness.clock.advance(900)
    # WHEN the change's message is handled
    result = ks_starter.handle_event(
        harness.runtime, {"Records": [record("m1", s3_event("handbook/a.pdf", T0), T0)]}
    )
    # THEN a new job starts, and the failed one is counted once with its failed documents
    assert failed_ids(result) == set()
    assert harness.agent.started == [HANDBOOK.id]
    assert harness.lines.total(ks_metrics.JOBS_FAILED) == 1
    assert harness.lines.total(ks_metrics.DOCUMENTS_FAILED) == 3


def test_changes_are_routed_to_the_data_source_of_their_prefix(harness: Harness) -> None:
    # GIVEN changes under both prefixes and one outside every data source
    records = [
        record("m1", s3_event("policies/leave.pdf", T0), T0),
        record("m2", s3_event("other/x.pdf", T0), T0),
    ]
    # WHEN the batch is handled
    result = ks_starter.handle_event(harness.runtime, {"Records": records})
    # THEN only the policies data source syncs; the stray key is ignored and counted
    assert failed_ids(result) == set()
    assert harness.agent.started == [POLICIES.id]
    assert harness.lines.total(ks_metrics.EVENTS_IGNORED) == 1


def test_a_deleted_document_starts_a_job_too(harness: Harness) -> None:
    body = s3_event("handbook/old.pdf", T0, detail_type="Object Deleted")
    ks_starter.handle_event(harness.runtime, {"Records": [record("m1", body, T0)]})
    assert harness.agent.started == [HANDBOOK.id]


def test_the_scheduled_full_sync_syncs_every_data_source(harness: Harness) -> None:
    # GIVEN the schedule's event
    body = json.dumps(
        {
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "time": "2026-12-03T09:00:00Z",
            "detail": {},
        }
    )
    # WHEN handled
    ks_starter.handle_event(harness.runtime, {"Records": [record("s1", body, T0)]})
    # THEN each data source got a job
    assert sorted(harness.agent.started) == [HANDBOOK.id, POLICIES.id]


def test_an_unreadable_message_syncs_everything_rather_than_dropping_a_change(
    harness: Harness,
) -> None:
    result = ks_starter.handle_event(harness.runtime, {"Records": [record("x1", "{not json", T0)]})
    assert failed_ids(result) == set()
    assert sorted(harness.agent.started) == [HANDBOOK.id, POLICIES.id]


def test_the_metrics_document_is_embedded_metric_format(harness: Harness) -> None:
    ks_starter.handle_event(
        harness.runtime, {"Records": [record("m1", s3_event("handbook/a.pdf", T0), T0)]}
    )
    document = harness.lines.documents[-1]
    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "GenAiPlatform"
    assert directive["Dimensions"] == [["KnowledgeBase"]]
    assert [m["Name"] for m in directive["Metrics"]] == list(ks_metrics.METRIC_NAMES)
    assert document["KnowledgeBase"] == "handbook"
    assert document[ks_metrics.JOBS_STARTED] == 1


def test_metric_names_match_the_constants_dashboards_import() -> None:
    from genai_platform.constructs.knowledge_base import metrics

    assert ks_metrics.METRIC_NAMES == metrics.INGESTION_METRICS
    assert (ks_metrics.NAMESPACE, ks_metrics.DIMENSION) == (metrics.NAMESPACE, metrics.DIMENSION)


# --------------------------------------------------------------------------- real client, stubbed


@pytest.fixture
def stubbed() -> Iterator[tuple[ks_starter.Runtime, Stubber, Lines]]:
    client = boto3.client(
        "bedrock-agent",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    lines = Lines()
    runtime = ks_starter.Runtime(
        agent=client,
        logger=LOGGER,
        knowledge_base_id=KB_ID,
        data_sources=[HANDBOOK],
        metrics=ks_metrics.Metrics("handbook", write=lines),
        now=lambda: T0,
    )
    with Stubber(client) as stubber:
        yield runtime, stubber, lines
        stubber.assert_no_pending_responses()


def _list_request() -> dict[str, Any]:
    return {
        "knowledgeBaseId": KB_ID,
        "dataSourceId": HANDBOOK.id,
        "sortBy": {"attribute": "STARTED_AT", "order": "DESCENDING"},
        "maxResults": ks_starter.JOBS_LOOKED_AT,
    }


def test_start_sends_the_knowledge_base_data_source_and_an_idempotency_token(
    stubbed: tuple[ks_starter.Runtime, Stubber, Lines],
) -> None:
    runtime, stubber, _ = stubbed
    stubber.add_response("list_ingestion_jobs", {"ingestionJobSummaries": []}, _list_request())
    stubber.add_response(
        "start_ingestion_job",
        {
            "ingestionJob": {
                "knowledgeBaseId": KB_ID,
                "dataSourceId": HANDBOOK.id,
                "ingestionJobId": "JOB0000001",
                "status": "STARTING",
                "startedAt": T0,
                "updatedAt": T0,
            }
        },
        {
            "knowledgeBaseId": KB_ID,
            "dataSourceId": HANDBOOK.id,
            "clientToken": ks_starter._client_token(HANDBOOK, ["m1"]),
            "description": "genai-platform: 1 change notification(s)",
        },
    )
    result = ks_starter.handle_event(
        runtime, {"Records": [record("m1", s3_event("handbook/a.pdf", T0), T0)]}
    )
    assert failed_ids(result) == set()


@pytest.mark.parametrize(
    "code", ["ConflictException", "ThrottlingException", "ServiceQuotaExceededException"]
)
def test_a_refused_start_defers_the_messages(
    stubbed: tuple[ks_starter.Runtime, Stubber, Lines], code: str
) -> None:
    # GIVEN Bedrock refuses to start a job (one started meanwhile, or throttling)
    runtime, stubber, lines = stubbed
    stubber.add_response("list_ingestion_jobs", {"ingestionJobSummaries": []}, _list_request())
    stubber.add_client_error("start_ingestion_job", service_error_code=code, http_status_code=409)
    # WHEN the batch is handled
    result = ks_starter.handle_event(
        runtime, {"Records": [record("m1", s3_event("handbook/a.pdf", T0), T0)]}
    )
    # THEN the message is reported failed (SQS retries it later) and counted as deferred
    assert failed_ids(result) == {"m1"}
    assert lines.total(ks_metrics.DEFERRED) == 1


def test_a_failing_list_defers_the_messages(
    stubbed: tuple[ks_starter.Runtime, Stubber, Lines],
) -> None:
    runtime, stubber, _ = stubbed
    stubber.add_client_error("list_ingestion_jobs", service_error_code="AccessDeniedException")
    result = ks_starter.handle_event(
        runtime, {"Records": [record("m1", s3_event("handbook/a.pdf", T0), T0)]}
    )
    assert failed_ids(result) == {"m1"}


# --------------------------------------------------------------------------- hostile input

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_record = st.fixed_dictionaries(
    {},
    optional={
        "messageId": st.one_of(st.text(max_size=40), st.integers(), st.none()),
        "body": st.one_of(
            st.text(max_size=200),
            _json.map(json.dumps),
            st.builds(
                lambda k, t: s3_event(k, T0, t),
                st.text(max_size=30),
                st.sampled_from(["Object Created", "Object Deleted", "Other"]),
            ),
        ),
        "attributes": st.one_of(
            _json, st.fixed_dictionaries({"SentTimestamp": st.text(max_size=20)})
        ),
    },
)
_event = st.one_of(
    _json,
    st.fixed_dictionaries({"Records": st.one_of(_json, st.lists(_record | _json, max_size=6))}),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=_event)
def test_hostile_or_malformed_events_never_crash_the_starter(event: object) -> None:
    # GIVEN any JSON-shaped event, WHEN handled, THEN no exception, and every reported failure
    # names a message of the batch
    clock = Clock()
    runtime = ks_starter.Runtime(
        agent=FakeAgent(clock),
        logger=LOGGER,
        knowledge_base_id=KB_ID,
        data_sources=[HANDBOOK, POLICIES],
        metrics=ks_metrics.Metrics("handbook", write=lambda line: None),
        now=clock,
    )
    result = ks_starter.handle_event(runtime, event)
    records = event.get("Records") if isinstance(event, dict) else None
    ids = {
        r.get("messageId")
        for r in (records if isinstance(records, list) else [])
        if isinstance(r, dict)
    }
    assert failed_ids(result) <= ids


# --------------------------------------------------------------------------- environment


def test_environment_problems_are_listed_together() -> None:
    with pytest.raises(ValueError) as error:
        ingestion_app.runtime_from({"DATA_SOURCES": "[{}]"}, LOGGER, agent=object())
    message = str(error.value)
    assert "DATA_SOURCES[0]: needs a string id" in message
    assert "KNOWLEDGE_BASE_ID: missing" in message
    assert "KNOWLEDGE_BASE_ALIAS: missing" in message


def test_environment_gives_the_data_sources_and_alias() -> None:
    runtime = ingestion_app.runtime_from(
        {
            "KNOWLEDGE_BASE_ID": KB_ID,
            "KNOWLEDGE_BASE_ALIAS": "handbook",
            "DATA_SOURCES": json.dumps([{"id": HANDBOOK.id, "prefix": "handbook/"}]),
        },
        LOGGER,
        agent=object(),
    )
    assert runtime.data_sources == [HANDBOOK]
    assert runtime.knowledge_base_id == KB_ID
