"""The invocation-logging configuration function: retries while IAM propagates, always reports.

Bedrock is botocore's ``Stubber`` (moto does not implement the logging-configuration calls), the
clock and sleep are fakes (no test waits), and CloudFormation's response URL is a server on
127.0.0.1.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

_FOLDER = Path(__file__).resolve().parents[2] / "genai_platform" / "lambda" / "invocation_logging"
if str(_FOLDER) not in sys.path:
    sys.path.insert(0, str(_FOLDER))

import logging_config_app as app  # noqa: E402

PHYSICAL_ID = "bedrock-model-invocation-logging-222222222222-us-east-1"
LOGGING_CONFIG: dict[str, Any] = {
    "cloudWatchConfig": {
        "logGroupName": "genai-invocations",
        "roleArn": "arn:aws:iam::222222222222:role/genai-delivery",
    },
    "s3Config": {"bucketName": "genai-invocation-logs", "keyPrefix": "bedrock-invocations"},
    "textDataDeliveryEnabled": True,
    "embeddingDataDeliveryEnabled": True,
    "imageDataDeliveryEnabled": False,
    "videoDataDeliveryEnabled": False,
    "audioDataDeliveryEnabled": False,
}
PROPAGATION_MESSAGE = (
    "Failed to validate permissions for log group: genai-invocations, with role: "
    "arn:aws:iam::222222222222:role/genai-delivery. Verify the IAM role permissions are correct."
)


@dataclass
class FakeClock:
    """Monotonic time that only moves when the function sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _event(request: str = "Create", **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "RequestType": request,
        "RequestId": "req-1",
        "StackId": "arn:aws:cloudformation:us-east-1:222222222222:stack/genai-genai/abc",
        "LogicalResourceId": "LoggingConfiguration",
        "ResponseURL": "http://127.0.0.1:9/unused",
        "ResourceType": "Custom::BedrockModelInvocationLogging",
        "ResourceProperties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:222222222222:function:config",
            "LoggingConfig": json.dumps(LOGGING_CONFIG),
            "PhysicalResourceId": PHYSICAL_ID,
            "RetryTimeoutSeconds": "300",  # CloudFormation sends every scalar as a string
        },
    }
    event.update(extra)
    return event


@pytest.fixture
def bedrock() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("bedrock", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _runtime(client: Any, clock: FakeClock, remaining_seconds: float = 900.0) -> app.Runtime:
    return app.Runtime(
        bedrock=client,
        remaining_seconds=lambda: remaining_seconds,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        jitter=lambda ceiling: ceiling,  # the longest pause: the worst case for the budget
    )


def _propagating(stubber: Stubber, times: int) -> None:
    for _ in range(times):
        stubber.add_client_error(
            "put_model_invocation_logging_configuration",
            service_error_code="ValidationException",
            service_message=PROPAGATION_MESSAGE,
            http_status_code=400,
            expected_params={"loggingConfig": LOGGING_CONFIG},
        )


def _put_succeeds(stubber: Stubber) -> None:
    stubber.add_response(
        "put_model_invocation_logging_configuration",
        {},
        expected_params={"loggingConfig": LOGGING_CONFIG},
    )


# --------------------------------------------------------------------------- create and update


def test_create_retries_while_the_new_delivery_role_propagates(
    bedrock: tuple[Any, Stubber],
) -> None:
    # GIVEN Bedrock refuses the first three puts (the role is not visible to it yet)
    client, stubber = bedrock
    _propagating(stubber, 3)
    _put_succeeds(stubber)
    clock = FakeClock()
    # WHEN the Create event is handled
    outcome = app.handle(_event(), _runtime(client, clock))
    # THEN the fourth put succeeds, after exponential pauses, with the fixed physical id
    assert outcome == app.Outcome("SUCCESS", PHYSICAL_ID, attempts=4)
    assert clock.sleeps == [2.0, 4.0, 8.0]


def test_booleans_of_the_config_reach_bedrock_as_booleans(bedrock: tuple[Any, Stubber]) -> None:
    # GIVEN LoggingConfig as the JSON string the construct sends WHEN put THEN the stub's
    # expected_params (with True/False) match exactly
    client, stubber = bedrock
    _put_succeeds(stubber)
    assert app.handle(_event(), _runtime(client, FakeClock())).status == "SUCCESS"


def test_create_gives_up_when_the_retry_timeout_is_spent(bedrock: tuple[Any, Stubber]) -> None:
    # GIVEN Bedrock keeps answering ValidationException and a 60-second retry timeout
    client, stubber = bedrock
    _propagating(stubber, 5)
    clock = FakeClock()
    event = _event()
    event["ResourceProperties"]["RetryTimeoutSeconds"] = "60"
    # WHEN handled
    outcome = app.handle(event, _runtime(client, clock))
    # THEN it stops within the budget and fails with Bedrock's message; the rollback's Delete
    # will see a physical id that says nothing was created
    assert outcome.status == "FAILED"
    assert outcome.attempts == 5
    assert sum(clock.sleeps) <= 60
    assert "failed after 5 attempt(s): ValidationException" in outcome.reason
    assert PROPAGATION_MESSAGE in outcome.reason
    assert outcome.physical_id == "failed-create-req-1"


def test_retry_budget_never_outlasts_the_function(bedrock: tuple[Any, Stubber]) -> None:
    # GIVEN 30 seconds left in the invocation (RetryTimeoutSeconds asks for 300)
    client, stubber = bedrock
    _propagating(stubber, 3)
    clock = FakeClock()
    outcome = app.handle(_event(), _runtime(client, clock, remaining_seconds=30.0))
    # THEN retries stop with 20 seconds kept to report: 2 + 4 seconds of pauses, no more
    assert outcome.status == "FAILED"
    assert clock.sleeps == [2.0, 4.0]


def test_access_denied_fails_at_once(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_client_error(
        "put_model_invocation_logging_configuration",
        service_error_code="AccessDeniedException",
        service_message="not authorized",
        http_status_code=403,
    )
    clock = FakeClock()
    outcome = app.handle(_event(), _runtime(client, clock))
    assert outcome.status == "FAILED"
    assert outcome.attempts == 1
    assert clock.sleeps == []
    assert "AccessDeniedException: " in outcome.reason


def test_throttling_is_retried_too(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_client_error(
        "put_model_invocation_logging_configuration",
        service_error_code="ThrottlingException",
        http_status_code=429,
    )
    _put_succeeds(stubber)
    assert app.handle(_event(), _runtime(client, FakeClock())).attempts == 2


def test_update_keeps_the_physical_id_it_was_given(bedrock: tuple[Any, Stubber]) -> None:
    # GIVEN an Update (a new id would make CloudFormation delete the "old" configuration)
    client, stubber = bedrock
    _put_succeeds(stubber)
    event = _event("Update", PhysicalResourceId="existing-id", OldResourceProperties={})
    outcome = app.handle(event, _runtime(client, FakeClock()))
    assert outcome == app.Outcome("SUCCESS", "existing-id", attempts=1)


def test_failed_update_keeps_the_physical_id(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_client_error(
        "put_model_invocation_logging_configuration",
        service_error_code="AccessDeniedException",
        http_status_code=403,
    )
    event = _event("Update", PhysicalResourceId="existing-id")
    assert app.handle(event, _runtime(client, FakeClock())).physical_id == "existing-id"


@pytest.mark.parametrize("config", [None, "{not json", "[1, 2]", 42])
def test_malformed_logging_config_fails_without_calling_bedrock(
    bedrock: tuple[Any, Stubber], config: Any
) -> None:
    client, _ = bedrock
    event = _event()
    event["ResourceProperties"]["LoggingConfig"] = config
    outcome = app.handle(event, _runtime(client, FakeClock()))
    assert outcome.status == "FAILED"
    assert outcome.attempts == 0
    assert "ResourceProperties.LoggingConfig " in outcome.reason
    assert outcome.physical_id == "failed-create-req-1"


# --------------------------------------------------------------------------- delete


def test_delete_switches_logging_off(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_response("delete_model_invocation_logging_configuration", {}, {})
    outcome = app.handle(
        _event("Delete", PhysicalResourceId=PHYSICAL_ID), _runtime(client, FakeClock())
    )
    assert outcome == app.Outcome("SUCCESS", PHYSICAL_ID, attempts=1)


def test_rollback_of_a_failed_create_leaves_the_configuration_alone(
    bedrock: tuple[Any, Stubber],
) -> None:
    # GIVEN the Delete that rolls back a create that failed WHEN handled THEN no call at all
    client, _ = bedrock
    event = _event("Delete", PhysicalResourceId="failed-create-req-1")
    assert app.handle(event, _runtime(client, FakeClock())).status == "SUCCESS"


def test_unknown_request_type_fails(bedrock: tuple[Any, Stubber]) -> None:
    client, _ = bedrock
    outcome = app.handle(_event("Replace"), _runtime(client, FakeClock()))
    assert outcome.status == "FAILED"
    assert "unknown RequestType 'Replace'" in outcome.reason


# --------------------------------------------------------------------------- reporting


class _Recorder(BaseHTTPRequestHandler):
    received: list[tuple[str, str, bytes]] = []

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        type(self).received.append((self.command, self.path, self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def response_server() -> Iterator[tuple[str, list[tuple[str, str, bytes]]]]:
    _Recorder.received = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/response?signature=x", _Recorder.received
    finally:
        server.shutdown()
        server.server_close()


class _Context:
    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def test_handler_reports_success_to_cloudformation(
    bedrock: tuple[Any, Stubber],
    response_server: tuple[str, list[tuple[str, str, bytes]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, stubber = bedrock
    _put_succeeds(stubber)
    monkeypatch.setattr(app, "_client", lambda: client)
    url, received = response_server
    app.lambda_handler(_event(ResponseURL=url), _Context())
    ((method, path, body),) = received
    assert (method, path) == ("PUT", "/response?signature=x")
    response = json.loads(body)
    assert response["Status"] == "SUCCESS"
    assert response["PhysicalResourceId"] == PHYSICAL_ID
    assert response["RequestId"] == "req-1"
    assert response["LogicalResourceId"] == "LoggingConfiguration"
    assert response["Data"] == {"Attempts": 1}


def test_handler_reports_an_unexpected_error_as_failed(
    response_server: tuple[str, list[tuple[str, str, bytes]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the client cannot even be created WHEN invoked THEN CloudFormation still hears of it
    # at once, instead of waiting an hour
    def broken() -> Any:
        raise RuntimeError("no region configured")

    monkeypatch.setattr(app, "_client", broken)
    url, received = response_server
    app.lambda_handler(_event(ResponseURL=url), _Context())
    response = json.loads(received[0][2])
    assert response["Status"] == "FAILED"
    assert response["Reason"] == "RuntimeError: no region configured"
    assert response["PhysicalResourceId"] == "failed-create-req-1"


def test_long_reasons_are_cut_to_fit_the_response() -> None:
    outcome = app.Outcome("FAILED", PHYSICAL_ID, "x" * 5000)
    body = app.response_body(_event(), outcome)
    assert len(body) < 4096
    assert json.loads(body)["Reason"] == "x" * app.MAX_REASON_LENGTH
