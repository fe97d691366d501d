"""Fixtures for the gateway's Lambda handlers (invoke and feedback).

The handler folders are Lambda package data, not importable packages: their directories (and the
shared layer's ``python/``) go on ``sys.path`` here, exactly as Lambda lays them out. Every test
gets fake credentials and a region, so nothing can reach AWS; AWS services are moto's
(``mock_aws``) or injected fakes.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "genai_platform" / "lambda"
EVENTS_DIR = Path(__file__).resolve().parent / "events"
for _folder in (LAMBDA_DIR / "shared" / "python", LAMBDA_DIR / "invoke", LAMBDA_DIR / "feedback"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

REGION = "us-east-1"
APP_ACCOUNT = "111111111111"
PLATFORM_ACCOUNT = "222222222222"
TENANT_A_ROLE_ARN = f"arn:aws:sts::{APP_ACCOUNT}:assumed-role/app-a-workload/session-1"
TENANT_B_ROLE_ARN = f"arn:aws:sts::{APP_ACCOUNT}:assumed-role/app-b-workload/session-1"
UNKNOWN_ROLE_ARN = f"arn:aws:sts::{APP_ACCOUNT}:assumed-role/someone-else/session-1"
QUOTA_TABLE_NAME = "genai-gateway-quota"
FEEDBACK_TABLE_NAME = "genai-gateway-feedback"
KILL_SWITCH_PARAMETER = "/genai/gateway/kill-switch"

GUARDRAIL_ARN = f"arn:aws:bedrock:{REGION}:{PLATFORM_ACCOUNT}:guardrail/abc123"
TENANT_A_KEY = f"{APP_ACCOUNT}:role:app-a-workload"
TENANT_B_KEY = f"{APP_ACCOUNT}:role:app-b-workload"

RESPONSE_ID_TEST_KEY = "7e" * 32
"""The test-only response-id key (``RESPONSE_ID_TEST_KEY``) both functions use in tests."""


def issue_response_id(
    principal_key: str = TENANT_A_KEY, issued_at: float | None = None, model: str = "chat"
) -> str:
    """A response id as the invoke function issues it to ``principal_key`` for a response
    served by ``model`` (test key)."""
    import time

    import gw_common

    ids = gw_common.ResponseIds(bytes.fromhex(RESPONSE_ID_TEST_KEY))
    return ids.issue(principal_key, time.time() if issued_at is None else issued_at, model)


EXAMPLE_CONFIG: dict[str, Any] = {
    "guardrail": {"identifier": "abc123", "version": "3", "arn": GUARDRAIL_ARN},
    "models": {
        "chat": {
            "kind": "bedrock",
            "model_id": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "fallback": "fast",
        },
        "fast": {"kind": "bedrock", "model_id": "us.amazon.nova-lite-v1:0"},
        "llama": {
            "kind": "sagemaker",
            "endpoint_name": "genai-llama-inf2",
            "inference_component_name": "genai-llama-inf2-ic",
            "fallback": "chat",
        },
    },
    "default_alias": "chat",
    "tenants": [
        {
            "id": "team-a",
            "principals": [f"{APP_ACCOUNT}:role:app-a-workload"],
            "aliases": ["chat", "fast", "llama"],
            "monthly_token_quota": 2000000,
            "log_content": False,
        },
        {
            "id": "team-b",
            "principals": [f"{APP_ACCOUNT}:role:app-b-workload"],
            "aliases": ["fast"],
            "monthly_token_quota": 1000,
            "log_content": True,
        },
    ],
    "features": ["search", "summarize", "support"],
    "limits": {
        "max_body_bytes": 262144,
        "max_messages": 50,
        "max_message_chars": 20000,
        "max_system_chars": 8000,
        "max_output_tokens": 4096,
    },
    "timeouts": {"connect_seconds": 2, "read_seconds": 20, "deadline_seconds": 25},
    "retry": {"max_attempts": 4, "base_delay_seconds": 0.2, "max_delay_seconds": 2.0},
    "breaker": {"failure_threshold": 5, "open_seconds": 30},
    "blocked_message": "Sorry, the platform's guardrail blocked this request or response.",
}


_BOTO_SESSION: Any = None


def aws_client(service: str) -> Any:
    """A boto3 client for ``service`` in the test region (one shared boto3 session, so service
    models are loaded once per test run; clients made inside ``mock_aws`` talk to moto)."""
    global _BOTO_SESSION
    import boto3

    if _BOTO_SESSION is None:
        _BOTO_SESSION = boto3.session.Session(region_name=REGION)
    return _BOTO_SESSION.client(service, region_name=REGION)


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region for every test: no test can reach real AWS."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_SERVICE_NAME": "genai-gateway",
        "POWERTOOLS_METRICS_NAMESPACE": "GenAiPlatform",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
        "LOG_LEVEL": "INFO",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class FakeLambdaContext:
    """The attributes of ``aws_lambda_powertools.utilities.typing.LambdaContext`` handlers use."""

    function_name: str = "genai-gateway-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = (
        f"arn:aws:lambda:{REGION}:{PLATFORM_ACCOUNT}:function:genai-gateway-test"
    )
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/genai-gateway-test"
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef"
    remaining_millis: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    """A fake Lambda context with a fresh request id."""
    return FakeLambdaContext()


def load_event(name: str) -> dict[str, Any]:
    """An event from ``tests/handlers/events/<name>.json``."""
    data: dict[str, Any] = json.loads((EVENTS_DIR / f"{name}.json").read_text("utf-8"))
    return data


ApiEventFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def api_event() -> ApiEventFactory:
    """Build an API Gateway REST proxy event signed (per the request context) by ``user_arn``.

    ``body`` may be a dict (JSON-encoded), a str (sent verbatim) or None. ``user_arn=None``
    leaves the identity out. Extra keyword arguments replace top-level event keys.
    """

    def build(
        method: str,
        path: str,
        body: dict[str, Any] | list[Any] | str | None = None,
        user_arn: str | None = TENANT_A_ROLE_ARN,
        **overrides: Any,
    ) -> dict[str, Any]:
        event = copy.deepcopy(load_event("api_base"))
        event["httpMethod"] = method
        event["path"] = path
        event["resource"] = path
        event["requestContext"]["httpMethod"] = method
        event["requestContext"]["path"] = f"/v1{path}" if not path.startswith("/v1") else path
        event["requestContext"]["resourcePath"] = path
        event["requestContext"]["requestId"] = str(uuid.uuid4())
        identity = event["requestContext"]["identity"]
        identity["userArn"] = user_arn
        identity["caller"] = None if user_arn is None else user_arn.rsplit("/", 1)[-1]
        identity["accountId"] = None if user_arn is None else user_arn.split(":")[4]
        if body is None or isinstance(body, str):
            event["body"] = body
        else:
            event["body"] = json.dumps(body)
        event.update(overrides)
        return event

    return build


@pytest.fixture
def gateway_config() -> dict[str, Any]:
    """A fresh deep copy of the contract's example ``GATEWAY_CONFIG`` (plus a second tenant)."""
    return copy.deepcopy(EXAMPLE_CONFIG)


@pytest.fixture
def aws_mock() -> Iterator[None]:
    """moto for every AWS service, for the duration of one test."""
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def quota_table(aws_mock: None) -> str:
    """The per-tenant monthly token quota table (pk = ``<tenant>#<YYYY-MM>``); returns its name."""
    aws_client("dynamodb").create_table(
        TableName=QUOTA_TABLE_NAME,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return QUOTA_TABLE_NAME


@pytest.fixture
def feedback_table(aws_mock: None) -> str:
    """The feedback table (``response_id`` + ``caller``, TTL ``expires_at``); returns its name."""
    client = aws_client("dynamodb")
    client.create_table(
        TableName=FEEDBACK_TABLE_NAME,
        AttributeDefinitions=[
            {"AttributeName": "response_id", "AttributeType": "S"},
            {"AttributeName": "caller", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "response_id", "KeyType": "HASH"},
            {"AttributeName": "caller", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.update_time_to_live(
        TableName=FEEDBACK_TABLE_NAME,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
    return FEEDBACK_TABLE_NAME


@pytest.fixture
def kill_switch(aws_mock: None) -> Callable[[str], None]:
    """The kill-switch SSM parameter, created ``off``; call the fixture to set ``on``/``off``."""
    ssm = aws_client("ssm")

    def set_value(value: str) -> None:
        ssm.put_parameter(Name=KILL_SWITCH_PARAMETER, Value=value, Type="String", Overwrite=True)

    set_value("off")
    return set_value


@pytest.fixture
def handler_env(
    monkeypatch: pytest.MonkeyPatch,
    gateway_config: dict[str, Any],
    quota_table: str,
    feedback_table: str,
    kill_switch: Callable[[str], None],
) -> dict[str, Any]:
    """Every runtime env var of both functions set per the contract, against moto resources.

    Returns the config dict that ``GATEWAY_CONFIG`` was set from (mutating it afterwards has no
    effect; set ``GATEWAY_CONFIG`` again if a test needs another config).
    """
    monkeypatch.setenv("GATEWAY_CONFIG", json.dumps(gateway_config, separators=(",", ":")))
    monkeypatch.setenv("QUOTA_TABLE_NAME", quota_table)
    monkeypatch.setenv("FEEDBACK_TABLE_NAME", feedback_table)
    monkeypatch.setenv("FEEDBACK_TTL_DAYS", "90")
    monkeypatch.setenv("KILL_SWITCH_PARAMETER", KILL_SWITCH_PARAMETER)
    monkeypatch.setenv("RESPONSE_ID_TEST_KEY", RESPONSE_ID_TEST_KEY)
    monkeypatch.delenv("RESPONSE_ID_KEY_ARN", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    return gateway_config


# --- Fakes for the invoke function (botocore-shaped; moto has no Converse/ApplyGuardrail/
# --- InvokeEndpoint on inference components) -------------------------------------------------


def client_error(
    code: str, message: str = "error", operation: str = "Converse", **extra: Any
) -> Any:
    """A botocore ``ClientError`` as the SDK raises it for an AWS error response."""
    from botocore.exceptions import ClientError

    status = 400 if code.startswith(("Validation", "Throttling")) else 500
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
        **extra,
    }
    return ClientError(response, operation)


def converse_response(
    text: str = "Hello from Bedrock.",
    *,
    stop_reason: str = "end_turn",
    input_tokens: int = 12,
    output_tokens: int = 5,
) -> dict[str, Any]:
    """A Bedrock ``Converse`` response."""
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop_reason,
        "usage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        },
        "metrics": {"latencyMs": 120},
    }


def guardrail_response(intervened: bool = False) -> dict[str, Any]:
    """A Bedrock ``ApplyGuardrail`` response."""
    return {
        "usage": {
            "topicPolicyUnits": 1,
            "contentPolicyUnits": 1,
            "wordPolicyUnits": 1,
            "sensitiveInformationPolicyUnits": 1,
            "sensitiveInformationPolicyFreeUnits": 0,
            "contextualGroundingPolicyUnits": 0,
        },
        "action": "GUARDRAIL_INTERVENED" if intervened else "NONE",
        "outputs": [{"text": "blocked by guardrail"}] if intervened else [],
        "assessments": [],
    }


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self) -> bytes:
        return self._data


def chat_completion_response(
    text: str = "Hello from Llama.",
    *,
    finish_reason: str = "stop",
    prompt_tokens: int = 20,
    completion_tokens: int = 7,
) -> dict[str, Any]:
    """A SageMaker ``InvokeEndpoint`` response carrying an OpenAI-style chat completion."""
    payload = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return {"Body": _Body(json.dumps(payload).encode()), "ContentType": "application/json"}


class ScriptedClient:
    """A client whose operations answer from per-operation scripts.

    Each script entry is a response dict, an exception (raised), or a callable taking the
    call's kwargs. When a script runs out, its ``default`` (if set) answers every further call.
    Every call is recorded as ``(operation, kwargs)``.
    """

    def __init__(self, **defaults: Any) -> None:
        self.scripts: dict[str, list[Any]] = {}
        self.defaults: dict[str, Any] = dict(defaults)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.timeout: float | None = None
        """The read timeout of the client the gateway asked for last (seconds)."""
        self.timeouts: list[float] = []

    def with_timeout(self, seconds: float) -> ScriptedClient:
        """What the gateway's client provider returns: this client, noting the timeout."""
        self.timeout = seconds
        self.timeouts.append(seconds)
        return self

    def script(self, operation: str, *outcomes: Any) -> ScriptedClient:
        self.scripts.setdefault(operation, []).extend(outcomes)
        return self

    def calls_to(self, operation: str) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in kwargs.items() if k != "_timeout"}
            for op, kwargs in self.calls
            if op == operation
        ]

    def _answer(self, operation: str, kwargs: dict[str, Any]) -> Any:
        self.calls.append((operation, {**kwargs, "_timeout": self.timeout}))
        queue = self.scripts.get(operation)
        if queue:
            outcome = queue.pop(0)
        elif operation in self.defaults:
            outcome = self.defaults[operation]
        else:
            raise AssertionError(f"unexpected call to {operation}")
        if isinstance(outcome, BaseException):
            raise outcome
        if callable(outcome):
            return outcome(kwargs)
        if operation == "invoke_endpoint" and isinstance(outcome, dict) and "Body" in outcome:
            body = outcome["Body"]
            return {**outcome, "Body": _Body(body.read())}
        return outcome

    def converse(self, **kwargs: Any) -> Any:
        return self._answer("converse", kwargs)

    def apply_guardrail(self, **kwargs: Any) -> Any:
        return self._answer("apply_guardrail", kwargs)

    def invoke_endpoint(self, **kwargs: Any) -> Any:
        return self._answer("invoke_endpoint", kwargs)


class FakeQuotaTable:
    """The quota table with DynamoDB's semantics for the gateway's two updates, deterministic
    under threads: each ``UpdateItem`` checks its condition and applies its ``ADD`` atomically
    (under one lock), as DynamoDB does per item. moto's DynamoDB is not atomic across threads,
    which made concurrency tests against it flaky.

    Supports ``ADD tokens_used :n`` with the reservation's condition (and ``ALL_OLD`` on a
    failed condition), the unconditional ``ADD tokens_used :d``, and ``GetItem``. Every call
    is recorded in ``calls``; ``before_update`` (if set) runs before each update, outside the
    lock (to inject failures or latency).
    """

    RESERVE = "ADD tokens_used :n"
    CONDITION = "attribute_not_exists(tokens_used) OR tokens_used <= :limit_minus_n"

    def __init__(self) -> None:
        self.items: dict[str, int] = {}
        self.calls: list[dict[str, Any]] = []
        self.before_update: Callable[[dict[str, Any]], None] | None = None
        self._lock = threading.Lock()

    def update_item(self, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        if self.before_update is not None:
            self.before_update(kwargs)
        with self._lock:
            self.calls.append(kwargs)
            pk = kwargs["Key"]["pk"]["S"]
            values = kwargs["ExpressionAttributeValues"]
            current = self.items.get(pk)
            if kwargs["UpdateExpression"] == self.RESERVE:
                assert kwargs["ConditionExpression"] == self.CONDITION
                bound = int(values[":limit_minus_n"]["N"])
                if current is not None and current > bound:
                    response: dict[str, Any] = {
                        "Error": {"Code": "ConditionalCheckFailedException", "Message": "failed"}
                    }
                    if kwargs.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD":
                        response["Item"] = {"pk": {"S": pk}, "tokens_used": {"N": str(current)}}
                    raise ClientError(response, "UpdateItem")
                self.items[pk] = (current or 0) + int(values[":n"]["N"])
            else:
                assert kwargs["UpdateExpression"] == "ADD tokens_used :d"
                assert "ConditionExpression" not in kwargs
                self.items[pk] = (current or 0) + int(values[":d"]["N"])
        return {}

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        with self._lock:
            pk = kwargs["Key"]["pk"]["S"]
            if pk not in self.items:
                return {}
            return {"Item": {"pk": {"S": pk}, "tokens_used": {"N": str(self.items[pk])}}}

    def reservations(self) -> list[dict[str, Any]]:
        """The reservation updates sent so far."""
        return [call for call in self.calls if call["UpdateExpression"] == self.RESERVE]


class FakeClock:
    """Monotonic time that only moves when told to (or when something sleeps)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


class CapturedLogs(logging.Handler):
    """Every log record of the gateway, with its ``extra`` fields."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def dump(self) -> str:
        """All records, message and fields, as one string (to search for leaked text)."""
        return "\n".join(
            json.dumps({**record.__dict__, "msg": record.getMessage()}, default=str)
            for record in self.records
        )

    def summary(self) -> dict[str, Any]:
        """The fields of the last ``request served`` line."""
        for record in reversed(self.records):
            if record.getMessage() == "request served":
                return dict(record.__dict__)
        raise AssertionError("no 'request served' log line")


@dataclass
class ApiResult:
    """An API Gateway proxy response, decoded."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = self.body["error"]
        return error


@dataclass
class Gateway:
    """The invoke function's core (``gw_gateway.handle``) wired to fakes and moto's DynamoDB."""

    runtime: Any
    bedrock: ScriptedClient
    sagemaker: ScriptedClient
    clock: FakeClock
    logs: CapturedLogs
    recorders: list[Any]
    kill_switch_value: list[str]
    jitter: list[tuple[float, float]]

    def call(self, event: dict[str, Any], remaining_millis: int | None = None) -> ApiResult:
        import gw_gateway

        response = gw_gateway.handle(event, self.runtime, remaining_millis=remaining_millis)
        return ApiResult(
            status=response["statusCode"],
            body=json.loads(response["body"]),
            headers=response["headers"],
        )

    def metric(self, name: str, *, model: str | None = None) -> float:
        """Sum of a metric over every request so far (optionally for one ``Model``)."""
        return sum(recorder.total(name, model=model) for recorder in self.recorders)

    def dimensions(self, name: str) -> list[dict[str, str]]:
        """The dimension sets a metric was recorded with."""
        return [
            dims.as_dict()
            for recorder in self.recorders
            for dims, values in recorder.points.items()
            if name in values
        ]


GatewayFactory = Callable[..., Gateway]


@pytest.fixture
def make_gateway(gateway_config: dict[str, Any], quota_table: str) -> GatewayFactory:
    """Build a :class:`Gateway` from a config dict (default: the ``gateway_config`` fixture),
    with the quota store on ``quota_client`` (default: moto's DynamoDB) and ``quota_options``.

    Jitter is deterministic: ``uniform(low, high)`` returns ``high`` (the largest sleep full
    jitter allows), and every draw is recorded in ``gateway.jitter``.
    """

    def build(
        config: dict[str, Any] | None = None,
        quota_options: dict[str, Any] | None = None,
        quota_client: Any = None,
    ) -> Gateway:
        import gw_breaker
        import gw_common
        import gw_config
        import gw_gateway
        import gw_quota

        settings = gw_config.Settings(
            config=gw_config.parse_gateway_config(json.dumps(config or gateway_config)),
            quota_table_name=quota_table,
            kill_switch_parameter=KILL_SWITCH_PARAMETER,
        )
        bedrock = ScriptedClient()
        sagemaker = ScriptedClient()
        clock = FakeClock()
        logs = CapturedLogs()
        logger = logging.getLogger(f"gateway-test-{uuid.uuid4()}")
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        logger.addHandler(logs)
        recorders: list[Any] = []
        kill_switch_value = ["off"]
        jitter: list[tuple[float, float]] = []

        def uniform(low: float, high: float) -> float:
            jitter.append((low, high))
            return high

        breaker = settings.config.breaker
        runtime = gw_gateway.Runtime(
            settings=settings,
            bedrock=bedrock.with_timeout,
            sagemaker=sagemaker.with_timeout,
            quota=gw_quota.QuotaStore(
                quota_client or aws_client("dynamodb"),
                quota_table,
                clock=clock,
                **(quota_options or {}),
            ),
            kill_switch=lambda timeout: kill_switch_value[0],
            breakers=gw_breaker.BreakerRegistry(
                breaker.failure_threshold,
                breaker.open_seconds,
                clock,
                min_tenants=breaker.min_tenants,
            ),
            logger=logger,
            emit_metrics=recorders.append,
            response_ids=gw_common.ResponseIds(bytes.fromhex(RESPONSE_ID_TEST_KEY)),
            clock=clock,
            sleep=clock.sleep,
            uniform=uniform,
        )
        return Gateway(
            runtime, bedrock, sagemaker, clock, logs, recorders, kill_switch_value, jitter
        )

    return build


@pytest.fixture
def gateway(make_gateway: GatewayFactory) -> Gateway:
    """The gateway with the example config, fakes for the model clients and moto's DynamoDB."""
    return make_gateway()


def chat_body(text: str = "What is our refund policy?", **fields: Any) -> dict[str, Any]:
    """A valid ``POST /v1/chat`` body with one user message (plus ``fields``)."""
    return {"messages": [{"role": "user", "content": text}], **fields}
