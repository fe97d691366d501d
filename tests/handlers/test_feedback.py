"""The feedback function (``POST /v1/feedback``): identity, validation, idempotent storage,
TTL, the ``Feedback`` metric, logging without comments, failures and cold-start configuration.

AWS is moto (DynamoDB); DynamoDB failures come from an injected fake client.
"""

from __future__ import annotations

import base64
import importlib
import io
import json
import sys
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import boto3
import gw_common
import platform_metrics
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from tests.handlers.conftest import (
    APP_ACCOUNT,
    FEEDBACK_TABLE_NAME,
    REGION,
    RESPONSE_ID_TEST_KEY,
    TENANT_A_KEY,
    TENANT_A_ROLE_ARN,
    TENANT_B_ROLE_ARN,
    UNKNOWN_ROLE_ARN,
    ApiEventFactory,
    FakeLambdaContext,
    issue_response_id,
)

FEEDBACK_MODULES = ("feedback_app", "fb_config", "fb_request", "fb_store")
RESPONSE_ID = issue_response_id(TENANT_A_KEY)
"""A response id the invoke function issued to team-a's workload role (the test key)."""
DAY = 86_400

Invoke = Callable[..., dict[str, Any]]


def import_feedback_app() -> ModuleType:
    """A fresh cold start of the feedback function under the current environment."""
    for name in FEEDBACK_MODULES:
        sys.modules.pop(name, None)
    return importlib.import_module("feedback_app")


@pytest.fixture(autouse=True)
def _forget_feedback_modules() -> Iterator[None]:
    """Leave no cold-started feedback modules behind for other test files."""
    yield
    for name in FEEDBACK_MODULES:
        sys.modules.pop(name, None)


@pytest.fixture
def app(handler_env: dict[str, Any]) -> ModuleType:
    """The feedback function, cold-started against moto with the contract's environment."""
    return import_feedback_app()


@pytest.fixture
def logs(app: ModuleType) -> Iterator[io.StringIO]:
    """Everything the function logs (Powertools writes JSON lines to its handler's stream).

    The handler belongs to the ``genai-gateway`` logger that other functions' tests share, so
    its stream is put back afterwards.
    """
    stream = io.StringIO()
    previous = app.logger.registered_handler.setStream(stream)
    yield stream
    app.logger.registered_handler.setStream(previous)


@pytest.fixture
def invoke(
    app: ModuleType, api_event: ApiEventFactory, lambda_context: FakeLambdaContext
) -> Invoke:
    """POST a body to /v1/feedback as ``user_arn``; returns the response with a decoded body."""

    def call(
        body: dict[str, Any] | list[Any] | str | None,
        user_arn: str | None = TENANT_A_ROLE_ARN,
        **kw: Any,
    ) -> dict[str, Any]:
        event = api_event("POST", "/v1/feedback", body, user_arn=user_arn, **kw)
        response: dict[str, Any] = app.lambda_handler(event, lambda_context)
        return {**response, "json": json.loads(response["body"])}

    return call


@pytest.fixture
def table(handler_env: dict[str, Any]) -> Any:
    """The moto feedback table, for reading what the function stored."""
    return boto3.resource("dynamodb", region_name=REGION).Table(FEEDBACK_TABLE_NAME)


def stored_items(table: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = table.scan()["Items"]
    return items


def emf_documents(output: str) -> list[dict[str, Any]]:
    """The EMF documents (JSON lines with an ``_aws`` key) in captured stdout."""
    documents = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


class FakeDynamoDb:
    """A DynamoDB client whose ``put_item`` raises ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def put_item(self, **kwargs: Any) -> dict[str, Any]:
        raise self.error


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "simulated"}}, "PutItem")


# --- storing --------------------------------------------------------------------------------


def test_new_feedback_is_stored_with_201(invoke: Invoke) -> None:
    # GIVEN a registered tenant's workload role
    # WHEN it rates a response for the first time
    response = invoke({"response_id": RESPONSE_ID, "rating": "up"})
    # THEN the feedback is stored
    assert response["statusCode"] == 201
    assert response["json"] == {"stored": True}
    assert response["headers"]["Content-Type"] == "application/json"


def test_response_carries_api_gateway_request_id(invoke: Invoke) -> None:
    # GIVEN an event with API Gateway's request id
    request_context = {
        "requestId": "req-1234",
        "identity": {"userArn": TENANT_A_ROLE_ARN},
    }
    # WHEN the function answers
    response = invoke({"response_id": RESPONSE_ID, "rating": "up"}, requestContext=request_context)
    # THEN X-Request-Id echoes it
    assert response["headers"]["X-Request-Id"] == "req-1234"


def test_item_records_caller_tenant_rating_comment_and_request(invoke: Invoke, table: Any) -> None:
    # GIVEN a feedback with a comment
    body = {"response_id": RESPONSE_ID, "rating": "down", "comment": "  Wrong answer.  "}
    # WHEN it is stored
    response = invoke(body)
    # THEN the item is keyed by response id and the caller's principal key, not the session
    (item,) = stored_items(table)
    assert item["response_id"] == RESPONSE_ID
    assert item["caller"] == TENANT_A_KEY
    assert item["tenant"] == "team-a"
    assert item["rating"] == "down"
    assert item["comment"] == "Wrong answer."
    assert item["request_id"] == response["headers"]["X-Request-Id"]
    assert item["created_at"].endswith("Z")


def test_item_expires_after_default_ttl_of_90_days(invoke: Invoke, table: Any) -> None:
    # GIVEN FEEDBACK_TTL_DAYS=90 (the default)
    before = int(time.time())
    # WHEN a feedback is stored
    invoke({"response_id": RESPONSE_ID, "rating": "up"})
    # THEN its TTL attribute is 90 days from now
    (item,) = stored_items(table)
    assert before + 90 * DAY <= int(item["expires_at"]) <= int(time.time()) + 90 * DAY


def test_item_expiry_follows_feedback_ttl_days(
    handler_env: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    api_event: ApiEventFactory,
    lambda_context: FakeLambdaContext,
    table: Any,
) -> None:
    # GIVEN FEEDBACK_TTL_DAYS=7
    monkeypatch.setenv("FEEDBACK_TTL_DAYS", "7")
    app = import_feedback_app()
    # WHEN a feedback is stored
    app.lambda_handler(
        api_event("POST", "/v1/feedback", {"response_id": RESPONSE_ID, "rating": "up"}),
        lambda_context,
    )
    # THEN it expires in 7 days
    (item,) = stored_items(table)
    assert abs(int(item["expires_at"]) - (int(time.time()) + 7 * DAY)) <= 5


def test_blank_comment_is_not_stored(invoke: Invoke, table: Any) -> None:
    # GIVEN a comment of whitespace only
    # WHEN the feedback is stored
    invoke({"response_id": RESPONSE_ID, "rating": "up", "comment": " \n\t "})
    # THEN the item has no comment attribute
    (item,) = stored_items(table)
    assert "comment" not in item


def test_comment_of_exactly_1000_characters_is_accepted(invoke: Invoke, table: Any) -> None:
    # GIVEN a comment at the limit, with non-ASCII characters
    comment = "é" * 999 + "!"
    # WHEN it is sent
    response = invoke({"response_id": RESPONSE_ID, "rating": "up", "comment": comment})
    # THEN it is stored whole
    assert response["statusCode"] == 201
    assert stored_items(table)[0]["comment"] == comment


# --- idempotency ----------------------------------------------------------------------------


def test_repeat_by_same_caller_is_a_duplicate_with_200(invoke: Invoke) -> None:
    # GIVEN a stored feedback
    invoke({"response_id": RESPONSE_ID, "rating": "up"})
    # WHEN the same caller sends it again
    response = invoke({"response_id": RESPONSE_ID, "rating": "up"})
    # THEN it is answered as a duplicate
    assert response["statusCode"] == 200
    assert response["json"] == {"stored": False, "duplicate": True}


def test_duplicate_does_not_overwrite_first_rating(invoke: Invoke, table: Any) -> None:
    # GIVEN a stored thumbs-up
    invoke({"response_id": RESPONSE_ID, "rating": "up"})
    # WHEN the same caller sends a thumbs-down with a comment for the same response
    invoke({"response_id": RESPONSE_ID, "rating": "down", "comment": "changed my mind"})
    # THEN the first rating stays
    (item,) = stored_items(table)
    assert item["rating"] == "up"
    assert "comment" not in item


def test_another_session_of_same_role_is_the_same_caller(invoke: Invoke) -> None:
    # GIVEN a feedback stored from session-1 of the workload role
    invoke({"response_id": RESPONSE_ID, "rating": "up"})
    # WHEN session-2 of the same role rates the same response
    other_session = TENANT_A_ROLE_ARN.replace("session-1", "session-2")
    response = invoke({"response_id": RESPONSE_ID, "rating": "up"}, user_arn=other_session)
    # THEN it is a duplicate: the caller is the role, not the session
    assert response["json"] == {"stored": False, "duplicate": True}


def test_another_caller_cannot_rate_a_response_served_to_someone_else(
    invoke: Invoke, table: Any
) -> None:
    # GIVEN a response id issued to team-a's role
    # WHEN team-b's role rates it
    response = invoke({"response_id": RESPONSE_ID, "rating": "down"}, user_arn=TENANT_B_ROLE_ARN)
    # THEN 404 naming response_id, and nothing is stored
    assert response["statusCode"] == 404
    assert response["json"]["error"]["code"] == "UnknownResponse"
    assert response["json"]["error"]["field"] == "response_id"
    assert stored_items(table) == []


def test_each_caller_rates_the_responses_served_to_it(invoke: Invoke, table: Any) -> None:
    # GIVEN team-a and team-b each got a response
    team_b_id = issue_response_id(f"{APP_ACCOUNT}:role:app-b-workload")
    # WHEN each rates its own
    first = invoke({"response_id": RESPONSE_ID, "rating": "up"})
    second = invoke({"response_id": team_b_id, "rating": "down"}, user_arn=TENANT_B_ROLE_ARN)
    # THEN both are stored, one per caller
    assert (first["statusCode"], second["statusCode"]) == (201, 201)
    assert {(i["caller"], i["rating"]) for i in stored_items(table)} == {
        (TENANT_A_KEY, "up"),
        (f"{APP_ACCOUNT}:role:app-b-workload", "down"),
    }


def _flip_last(rid: str) -> str:
    return rid[:-1] + ("A" if rid[-1] != "A" else "B")


def _later(rid: str) -> str:
    parts = rid.split(".")
    parts[2] = str(int(parts[2]) + 1)
    return ".".join(parts)


def _other_nonce(rid: str) -> str:
    parts = rid.split(".")
    parts[1] = "A" * 22
    return ".".join(parts)


def _other_model(rid: str) -> str:
    # another alias than the one that served, to count the rating under a different model
    parts = rid.split(".")
    parts[3] = base64.urlsafe_b64encode(b"fast").rstrip(b"=").decode()
    return ".".join(parts)


def _without_model(rid: str) -> str:
    # the r1 shape, dropping the signed model segment
    parts = rid.split(".")
    return ".".join(["r1", parts[1], parts[2], parts[4]])


def _swapped_case(rid: str) -> str:
    return rid[:3] + rid[3:].swapcase()


def _spliced(rid: str) -> str:
    return issue_response_id(TENANT_A_KEY).rsplit(".", 1)[0] + "." + rid.rsplit(".", 1)[1]


@pytest.mark.parametrize(
    "forge",
    [_flip_last, _later, _other_nonce, _other_model, _without_model, _swapped_case, _spliced],
    ids=lambda f: f.__name__,
)
def test_forged_or_altered_response_id_is_404(
    invoke: Invoke, table: Any, forge: Callable[[str], str]
) -> None:
    # GIVEN a response id served to team-a, altered in one part
    # WHEN team-a rates the altered id
    response = invoke({"response_id": forge(RESPONSE_ID), "rating": "up"})
    # THEN it is unknown: 404, nothing stored
    assert response["statusCode"] == 404
    assert stored_items(table) == []


def test_response_id_older_than_the_ttl_is_404(invoke: Invoke, table: Any) -> None:
    # GIVEN a response id issued 91 days ago (the TTL is 90 days)
    old = issue_response_id(TENANT_A_KEY, issued_at=time.time() - 91 * DAY)
    # WHEN it is rated THEN 404 and nothing is stored
    assert invoke({"response_id": old, "rating": "up"})["statusCode"] == 404
    assert stored_items(table) == []


def test_response_id_signed_with_another_key_is_404(invoke: Invoke, table: Any) -> None:
    import gw_common

    # GIVEN a well-formed id signed with a key that is not the platform's
    other = gw_common.ResponseIds(b"\x01" * 32).issue(TENANT_A_KEY, time.time(), "chat")
    # WHEN it is rated THEN 404
    assert invoke({"response_id": other, "rating": "up"})["statusCode"] == 404


def test_expired_item_not_yet_deleted_by_ttl_is_replaced(invoke: Invoke, table: Any) -> None:
    # GIVEN an item whose TTL has passed but that DynamoDB has not deleted yet
    table.put_item(
        Item={
            "response_id": RESPONSE_ID,
            "caller": TENANT_A_KEY,
            "tenant": "team-a",
            "rating": "down",
            "expires_at": int(time.time()) - 60,
            "request_id": "old",
        }
    )
    # WHEN the caller rates the response again
    response = invoke({"response_id": RESPONSE_ID, "rating": "up"})
    # THEN it is stored as new feedback
    assert response["statusCode"] == 201
    assert stored_items(table)[0]["rating"] == "up"


def test_sdk_retry_of_a_put_that_succeeded_counts_as_stored(app: ModuleType, table: Any) -> None:
    # GIVEN a put by request "req-1" that reached DynamoDB (its response was lost)
    feedback = app.parse_feedback(
        {"body": json.dumps({"response_id": RESPONSE_ID, "rating": "up"})}
    )
    assert app.STORE.put(feedback, caller=TENANT_A_KEY, tenant="team-a", request_id="req-1")
    # WHEN the SDK retries the same put within the same request
    stored = app.STORE.put(feedback, caller=TENANT_A_KEY, tenant="team-a", request_id="req-1")
    # THEN it is reported as stored, not as a duplicate
    assert stored is True


# --- identity -------------------------------------------------------------------------------


def test_unknown_principal_is_403(invoke: Invoke, table: Any) -> None:
    # GIVEN a signed caller that no tenant registers
    # WHEN it sends feedback
    response = invoke({"response_id": RESPONSE_ID, "rating": "up"}, user_arn=UNKNOWN_ROLE_ARN)
    # THEN it is refused, naming the principal, and nothing is stored
    assert response["statusCode"] == 403
    assert response["json"]["error"]["code"] == "AccessDenied"
    assert f"{APP_ACCOUNT}:role:someone-else" in response["json"]["error"]["message"]
    assert stored_items(table) == []


def test_refused_principal_is_logged_by_its_principal_key(
    invoke: Invoke, logs: io.StringIO
) -> None:
    # GIVEN a signed caller that no tenant registers
    # WHEN it is refused
    invoke({"response_id": RESPONSE_ID, "rating": "up"}, user_arn=UNKNOWN_ROLE_ARN)
    # THEN the refusal is logged with who tried, for security reviews
    output = logs.getvalue()
    (record,) = [json.loads(line) for line in output.splitlines() if "feedback rejected" in line]
    assert record["principal"] == f"{APP_ACCOUNT}:role:someone-else"
    assert record["status"] == 403


def test_request_without_iam_identity_is_403(invoke: Invoke) -> None:
    # GIVEN an event with no caller identity in the request context
    # WHEN it reaches the function
    response = invoke({"response_id": RESPONSE_ID, "rating": "up"}, user_arn=None)
    # THEN it is refused
    assert response["statusCode"] == 403
    assert response["json"]["error"]["code"] == "AccessDenied"


def test_identity_claimed_in_headers_is_ignored(invoke: Invoke, api_event: ApiEventFactory) -> None:
    # GIVEN an unknown caller that claims tenant-a's role in headers
    headers = {
        **api_event("POST", "/v1/feedback")["headers"],
        "X-Amz-User-Arn": TENANT_A_ROLE_ARN,
        "X-Tenant": "team-a",
    }
    # WHEN it sends feedback
    response = invoke(
        {"response_id": RESPONSE_ID, "rating": "up"}, user_arn=UNKNOWN_ROLE_ARN, headers=headers
    )
    # THEN only the request context counts: 403
    assert response["statusCode"] == 403


def test_unknown_principal_is_refused_before_the_body_is_read(invoke: Invoke) -> None:
    # GIVEN an unknown caller sending garbage
    # WHEN it reaches the function
    response = invoke("{not json", user_arn=UNKNOWN_ROLE_ARN)
    # THEN it learns nothing about validation: 403
    assert response["statusCode"] == 403


def test_other_method_is_405(invoke: Invoke, api_event: ApiEventFactory) -> None:
    # GIVEN a GET routed to the function by mistake
    # WHEN it arrives
    response = invoke(None, httpMethod="GET")
    # THEN it is refused with the allowed method
    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "POST"


# --- validation -----------------------------------------------------------------------------

MISSING = object()


def body(**changes: Any) -> dict[str, Any]:
    """A valid feedback body with ``changes`` applied; ``MISSING`` removes a field."""
    fields: dict[str, Any] = {"response_id": RESPONSE_ID, "rating": "up", **changes}
    return {key: value for key, value in fields.items() if value is not MISSING}


LONE_SURROGATE = json.dumps(body()).replace("}", ', "comment": "\\ud800"}')

MALFORMED_BODIES: list[tuple[str, Any, str, str]] = [
    # (case, body sent, field named, text the message must contain)
    ("not JSON", "{not json", "body", "not valid JSON"),
    ("JSON array", "[1, 2]", "body", "must be a JSON object"),
    ("JSON string", '"up"', "body", "must be a JSON object"),
    ("no body", None, "body", "empty"),
    ("empty body", "", "body", "empty"),
    ("oversized body", json.dumps(body(comment="x" * 20_000)), "body", "larger than"),
    ("missing response_id", body(response_id=MISSING), "response_id", "is required"),
    ("response_id a number", body(response_id=42), "response_id", "not number"),
    ("response_id null", body(response_id=None), "response_id", "not null"),
    ("response_id empty", body(response_id=""), "response_id", "must not be empty"),
    ("response_id not a UUID", body(response_id="resp-123"), "response_id", "'resp-123'"),
    (
        "response_id in braces",
        body(response_id=f"{{{RESPONSE_ID}}}"),
        "response_id",
        "the response_id of a POST /v1/chat response",
    ),
    (
        "response_id a UUID",
        body(response_id="0f8fad5b-d9cb-469f-a165-70867728950e"),
        "response_id",
        "r1.<22 characters>",
    ),
    ("missing rating", body(rating=MISSING), "rating", "is required"),
    ("rating upper-case", body(rating="UP"), "rating", "'UP'"),
    ("rating a number", body(rating=5), "rating", "got 5"),
    ("rating a boolean", body(rating=True), "rating", "got true"),
    ("rating a list", body(rating=["up"]), "rating", 'got ["up"]'),
    ("rating null", body(rating=None), "rating", "got null"),
    ("comment a number", body(comment=7), "comment", "not number"),
    ("comment null", body(comment=None), "comment", "not null"),
    ("comment an object", body(comment={"t": 1}), "comment", "not object"),
    ("comment too long", body(comment="x" * 1001), "comment", "1001 characters"),
    ("comment with NUL", body(comment="a\x00b"), "comment", "U+0000"),
    ("comment with lone surrogate", LONE_SURROGATE, "comment", "surrogate"),
    ("tenant in body", body(tenant="team-b"), "tenant", "unknown field"),
    ("caller in body", body(caller=TENANT_B_ROLE_ARN), "caller", "unknown field"),
    (
        "misspelled field",
        body(response_id=MISSING, responseId=RESPONSE_ID),
        "responseId",
        "allowed",
    ),
]


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [pytest.param(body, field, text, id=case) for case, body, field, text in MALFORMED_BODIES],
)
def test_malformed_body_is_400_naming_the_field(
    invoke: Invoke, table: Any, body: Any, field: str, text: str
) -> None:
    # GIVEN a registered caller sending a malformed body
    # WHEN it reaches the function
    response = invoke(body)
    # THEN it is a 400 naming the field and what was wrong, and nothing is stored
    assert response["statusCode"] == 400
    error = response["json"]["error"]
    assert error["code"] == "BadRequest"
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ")
    assert text in error["message"]
    assert stored_items(table) == []


def test_invalid_base64_body_is_400_naming_body(invoke: Invoke) -> None:
    # GIVEN a body flagged as base64 that is not
    # WHEN it reaches the function
    response = invoke("%%%not-base64%%%", isBase64Encoded=True)
    # THEN it is a 400 naming the body
    assert response["statusCode"] == 400
    assert response["json"]["error"]["field"] == "body"


def test_base64_encoded_body_is_accepted(invoke: Invoke) -> None:
    # GIVEN a valid body, base64-encoded by API Gateway
    import base64

    encoded = base64.b64encode(
        json.dumps({"response_id": RESPONSE_ID, "rating": "up"}).encode()
    ).decode()
    # WHEN it reaches the function
    response = invoke(encoded, isBase64Encoded=True)
    # THEN it is stored
    assert response["statusCode"] == 201


# --- metrics and logs -----------------------------------------------------------------------


def test_new_feedback_emits_feedback_metric_by_tenant_model_and_rating(
    invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a new thumbs-down on a response the "fast" alias served
    # WHEN it is stored
    invoke({"response_id": issue_response_id(model="fast"), "rating": "down"})
    # THEN one EMF data point Feedback=1 with exactly the dimensions Tenant, Model and Rating,
    # and one under Rating alone
    document, by_rating = emf_documents(capsys.readouterr().out)
    assert by_rating["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Rating"]]
    assert (by_rating["Rating"], by_rating["Feedback"]) == ("down", [1.0])
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == platform_metrics.METRICS_NAMESPACE
    assert directive["Dimensions"] == [list(platform_metrics.FEEDBACK_DIMENSIONS)]
    assert directive["Metrics"] == [{"Name": platform_metrics.FEEDBACK, "Unit": "Count"}]
    assert document["Tenant"] == "team-a"
    assert document["Model"] == "fast"
    assert document["Rating"] == "down"
    assert document["Feedback"] == [1.0]


def test_feedback_on_an_id_without_model_counts_under_unknown(
    invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an id of the previous shape (r1: no model alias), still within its age
    import hashlib
    import hmac

    nonce, issued = "A" * 22, f"{int(time.time()):010d}"
    digest = hmac.new(
        bytes.fromhex(RESPONSE_ID_TEST_KEY),
        f"r1|{nonce}|{issued}|{TENANT_A_KEY}".encode(),
        hashlib.sha256,
    ).digest()
    signature = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    # WHEN it is rated
    response = invoke({"response_id": f"r1.{nonce}.{issued}.{signature}", "rating": "up"})
    # THEN it is stored and counted under Model=unknown
    assert response["statusCode"] == 201
    document, _ = emf_documents(capsys.readouterr().out)
    assert document["Model"] == gw_common.UNKNOWN_RESPONSE_MODEL


def test_duplicate_emits_no_feedback_metric(
    invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a stored feedback
    invoke({"response_id": RESPONSE_ID, "rating": "up"})
    capsys.readouterr()
    # WHEN it is sent again
    invoke({"response_id": RESPONSE_ID, "rating": "up"})
    # THEN no metric is emitted: the feedback metric counts distinct feedback
    assert emf_documents(capsys.readouterr().out) == []


def test_metric_namespace_follows_powertools_setting(
    handler_env: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    api_event: ApiEventFactory,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN another metrics namespace
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "TeamPlatform")
    app = import_feedback_app()
    # WHEN a feedback is stored
    app.lambda_handler(
        api_event("POST", "/v1/feedback", {"response_id": RESPONSE_ID, "rating": "up"}),
        lambda_context,
    )
    # THEN the metric is in that namespace
    documents = emf_documents(capsys.readouterr().out)
    assert {d["_aws"]["CloudWatchMetrics"][0]["Namespace"] for d in documents} == {"TeamPlatform"}


def test_comment_is_stored_but_never_logged(invoke: Invoke, logs: io.StringIO) -> None:
    # GIVEN a comment with personal data
    comment = "Call me at +1 555 0100, jane.doe@example.com"
    # WHEN the feedback is stored
    invoke({"response_id": RESPONSE_ID, "rating": "down", "comment": comment})
    # THEN the log says how long the comment was, never what it said
    output = logs.getvalue()
    assert "jane.doe" not in output
    assert "555 0100" not in output
    (record,) = [json.loads(line) for line in output.splitlines() if "feedback stored" in line]
    assert record["comment_chars"] == len(comment)
    assert record["tenant"] == "team-a"
    assert record["principal"] == TENANT_A_KEY
    assert record["response_id"] == RESPONSE_ID


def test_rejected_request_logs_the_field_not_the_value(invoke: Invoke, logs: io.StringIO) -> None:
    # GIVEN a comment that is too long and carries personal data
    comment = "jane.doe@example.com " * 60
    # WHEN it is rejected
    invoke({"response_id": RESPONSE_ID, "rating": "down", "comment": comment})
    # THEN the log names the field, without the comment
    output = logs.getvalue()
    assert "jane.doe" not in output
    (record,) = [json.loads(line) for line in output.splitlines() if "feedback rejected" in line]
    assert record["field"] == "comment"
    assert record["status"] == 400


def test_caller_session_name_is_not_logged(invoke: Invoke, logs: io.StringIO) -> None:
    # GIVEN a session named after a person
    arn = TENANT_A_ROLE_ARN.replace("session-1", "jane.doe@example.com")
    # WHEN the caller sends feedback
    invoke({"response_id": RESPONSE_ID, "rating": "up"}, user_arn=arn)
    # THEN logs carry the principal key only
    assert "jane.doe" not in logs.getvalue()


# --- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "retry_after"),
    [
        pytest.param(client_error("ProvisionedThroughputExceededException"), "1", id="throttled"),
        pytest.param(client_error("ThrottlingException"), "1", id="throttling"),
        pytest.param(ReadTimeoutError(endpoint_url="https://dynamodb"), "5", id="read-timeout"),
        pytest.param(client_error("InternalServerError"), "5", id="service-error"),
    ],
)
def test_dynamodb_failure_is_503_with_retry_after(
    app: ModuleType,
    invoke: Invoke,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    retry_after: str,
) -> None:
    # GIVEN DynamoDB throttles, times out or fails
    store = app.FeedbackStore(FakeDynamoDb(error), FEEDBACK_TABLE_NAME, ttl_days=90)
    monkeypatch.setattr(app, "STORE", store)
    # WHEN a feedback is sent
    response = invoke({"response_id": RESPONSE_ID, "rating": "up"})
    # THEN the caller is told to retry later
    assert response["statusCode"] == 503
    assert response["json"]["error"]["code"] == "ServiceUnavailable"
    assert response["headers"]["Retry-After"] == retry_after


def test_unexpected_error_is_500_json_without_stack_trace(
    app: ModuleType, invoke: Invoke, monkeypatch: pytest.MonkeyPatch, logs: io.StringIO
) -> None:
    # GIVEN a bug deep inside the store
    store = app.FeedbackStore(FakeDynamoDb(RuntimeError("boom")), FEEDBACK_TABLE_NAME, ttl_days=90)
    monkeypatch.setattr(app, "STORE", store)
    # WHEN a feedback is sent
    response = invoke({"response_id": RESPONSE_ID, "rating": "up"})
    # THEN the caller gets a JSON 500 quoting the request id, and the trace goes to the log
    assert response["statusCode"] == 500
    assert response["json"]["error"]["code"] == "InternalError"
    assert response["headers"]["X-Request-Id"] in response["json"]["error"]["message"]
    assert "Traceback" not in response["body"]
    assert "boom" not in response["body"]
    assert "Traceback" in logs.getvalue()


def test_dynamodb_client_has_timeouts_and_one_retry(app: ModuleType) -> None:
    # GIVEN the cold-started function
    # WHEN its DynamoDB client's configuration is read
    config = app.STORE._client.meta.config
    # THEN every call is bounded
    assert config.connect_timeout == 1
    assert config.read_timeout == 2
    assert config.retries == {"total_max_attempts": 2, "mode": "standard"}


# --- cold-start configuration ---------------------------------------------------------------


@pytest.fixture
def fb_config(handler_env: dict[str, Any]) -> ModuleType:
    import_feedback_app()
    return sys.modules["fb_config"]


def env(config: dict[str, Any] | str, **overrides: str) -> dict[str, str]:
    raw = config if isinstance(config, str) else json.dumps(config)
    return {
        "GATEWAY_CONFIG": raw,
        "FEEDBACK_TABLE_NAME": FEEDBACK_TABLE_NAME,
        "RESPONSE_ID_TEST_KEY": RESPONSE_ID_TEST_KEY,
        **overrides,
    }


def test_cold_start_fails_loudly_on_invalid_gateway_config(
    handler_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a GATEWAY_CONFIG that is not JSON
    monkeypatch.setenv("GATEWAY_CONFIG", "{oops")
    # WHEN the function cold-starts
    # THEN initialisation fails naming the variable
    with pytest.raises(ValueError, match=r"GATEWAY_CONFIG: is not valid JSON"):
        import_feedback_app()


def test_settings_default_ttl_and_namespace(
    fb_config: ModuleType, gateway_config: dict[str, Any]
) -> None:
    # GIVEN no FEEDBACK_TTL_DAYS nor namespace
    # WHEN the settings are loaded
    settings = fb_config.load_settings(env(gateway_config))
    # THEN items live 90 days and metrics go to GenAiPlatform
    assert settings.ttl_days == 90
    assert settings.metrics_namespace == "GenAiPlatform"
    assert settings.tenant_for(TENANT_A_KEY) == "team-a"
    assert settings.tenant_for(f"{APP_ACCOUNT}:role:someone-else") is None


@pytest.mark.parametrize("value", ["0", "3651", "abc", "-1", "1.5", ""])
def test_fails_when_feedback_ttl_days_is_invalid(
    fb_config: ModuleType, gateway_config: dict[str, Any], value: str
) -> None:
    # GIVEN an out-of-range or non-integer TTL
    # WHEN / THEN loading names the variable and the value
    with pytest.raises(ValueError, match=rf"FEEDBACK_TTL_DAYS: got '{value}'; .*1 to 3650"):
        fb_config.load_settings(env(gateway_config, FEEDBACK_TTL_DAYS=value))


def test_fails_when_table_name_is_missing(
    fb_config: ModuleType, gateway_config: dict[str, Any]
) -> None:
    # GIVEN no FEEDBACK_TABLE_NAME
    environ = env(gateway_config)
    del environ["FEEDBACK_TABLE_NAME"]
    # WHEN / THEN
    with pytest.raises(ValueError, match=r"FEEDBACK_TABLE_NAME: got ''; must be a DynamoDB table"):
        fb_config.load_settings(environ)


def test_fails_when_tenants_are_missing(
    fb_config: ModuleType, gateway_config: dict[str, Any]
) -> None:
    # GIVEN a config without tenants
    gateway_config["tenants"] = []
    # WHEN / THEN
    with pytest.raises(ValueError, match=r"GATEWAY_CONFIG.tenants: got \[\]; must be a non-empty"):
        fb_config.load_settings(env(gateway_config))


def test_fails_when_principal_is_malformed(
    fb_config: ModuleType, gateway_config: dict[str, Any]
) -> None:
    # GIVEN a tenant principal written as an ARN instead of a principal key
    gateway_config["tenants"][0]["principals"] = ["arn:aws:iam::111111111111:role/app"]
    # WHEN / THEN
    with pytest.raises(
        ValueError,
        match=r"tenants\[0\]\.principals\[0\]: got 'arn:aws:iam::111111111111:role/app'",
    ):
        fb_config.load_settings(env(gateway_config))


def test_fails_when_principal_belongs_to_two_tenants(
    fb_config: ModuleType, gateway_config: dict[str, Any]
) -> None:
    # GIVEN team-b claiming team-a's role
    gateway_config["tenants"][1]["principals"].append(TENANT_A_KEY)
    # WHEN / THEN
    with pytest.raises(ValueError, match=r"tenants\[1\]\.principals\[1\]: .*tenant 'team-a'"):
        fb_config.load_settings(env(gateway_config))


def test_fails_with_every_problem_listed_at_once(
    fb_config: ModuleType, gateway_config: dict[str, Any]
) -> None:
    # GIVEN three independent problems
    gateway_config["tenants"][0]["id"] = "Team A"
    environ = env(gateway_config, FEEDBACK_TTL_DAYS="0", FEEDBACK_TABLE_NAME="x")
    # WHEN loading
    with pytest.raises(ValueError) as raised:
        fb_config.load_settings(environ)
    # THEN one error names all three
    message = str(raised.value)
    assert "GATEWAY_CONFIG.tenants[0].id: got 'Team A'" in message
    assert "FEEDBACK_TTL_DAYS: got '0'" in message
    assert "FEEDBACK_TABLE_NAME: got 'x'" in message


def test_random_response_ids_are_independent(invoke: Invoke, table: Any) -> None:
    # GIVEN two different responses
    # WHEN the caller rates both
    first = invoke({"response_id": issue_response_id(), "rating": "up"})
    second = invoke({"response_id": issue_response_id(), "rating": "down"})
    # THEN both are stored
    assert (first["statusCode"], second["statusCode"]) == (201, 201)
    assert len(stored_items(table)) == 2


def test_rejection_with_a_surrogate_field_name_is_still_logged(
    app: ModuleType, invoke: Invoke
) -> None:
    # GIVEN the logger writing to a strict UTF-8 stream, as Lambda's stdout is
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    previous = app.logger.registered_handler.setStream(stream)
    try:
        # WHEN a body with a JSON-escaped lone surrogate as a field name is sent
        response = invoke('{"\\ud800": 1}')
        written = raw.getvalue().decode("utf-8")
    finally:
        app.logger.registered_handler.setStream(previous)

    # THEN a 400, and the "feedback rejected" line was written
    assert response["statusCode"] == 400
    lines = [json.loads(line) for line in written.splitlines()]
    assert [line["field"] for line in lines if line["message"] == "feedback rejected"] == ["\ufffd"]
