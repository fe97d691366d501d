"""Nothing a caller sends ends in a 500, and the tenant only ever comes from the IAM identity.

Hand-picked hostile inputs (each used to answer 500) and a bounded hypothesis property test that
generates API Gateway proxy events -- random and hostile bodies, base64 flags, headers, query
strings and identities (unknown roles, sessions of known roles, other accounts, role paths,
users, tenant ids spoofed in body, headers and query) -- against BOTH handlers in-process:
the invoke core (fake models, a fake quota table) and the feedback entry point (a fake store).
"""

from __future__ import annotations

import base64
import json
import re
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.handlers.conftest import (
    APP_ACCOUNT,
    TENANT_A_ROLE_ARN,
    TENANT_B_ROLE_ARN,
    ApiEventFactory,
    FakeLambdaContext,
    FakeQuotaTable,
    Gateway,
    GatewayFactory,
    chat_body,
    client_error,
    converse_response,
    issue_response_id,
)

DEEP_ARRAY = '{"messages": ' + "[" * 5000 + "]" * 5000 + "}"
DEEP_OBJECT = '{"messages": ' + '{"a":' * 3000 + "1" + "}" * 3000 + "}"
LONG_NUMBER = "9" * 5000

# Role name -> tenant, as the example config registers them (account 111111111111 only).
EXPECTED_TENANTS = {"app-a-workload": "team-a", "app-b-workload": "team-b"}
_ROLE_OR_SESSION = re.compile(
    r"arn:aws:(?:sts::(\d{12}):assumed-role/([\w+=,.@-]+)/.+"
    r"|iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+))"
)


def expected_role(user_arn: Any) -> str | None:
    """The registered role a signed identity is a session (or the role) of, else None."""
    if not isinstance(user_arn, str):
        return None
    match = _ROLE_OR_SESSION.fullmatch(user_arn)
    if not match or (match.group(1) or match.group(3)) != APP_ACCOUNT:
        return None
    role = match.group(2) or match.group(4)
    return role if role in EXPECTED_TENANTS else None


def expected_tenant(user_arn: Any) -> str | None:
    """The tenant a caller must get: decided from the signed identity ALONE."""
    role = expected_role(user_arn)
    return EXPECTED_TENANTS[role] if role else None


def assert_error_shape(status: int, body: dict[str, Any]) -> None:
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= {"code", "message", "field"} and {"code", "message"} <= set(error)
    assert all(isinstance(value, str) and value for value in error.values())
    # JSON type names only: never Python's
    assert not re.search(r"\b(NoneType|dict|list|str|int|float|bool)\b", error["message"])


# --- hand-picked: each of these answered 500 ------------------------------------------------

HOSTILE_CHAT_BODIES = [
    ("deep_array", DEEP_ARRAY, "body"),
    ("deep_object", DEEP_OBJECT, "body"),
    ("long_number_in_max_tokens", '{"messages": [], "max_tokens": ' + LONG_NUMBER + "}", "body"),
    ("long_number_anywhere", '{"x": [' + LONG_NUMBER + "]}", "body"),
    (
        "huge_integer_temperature",
        json.dumps({**chat_body(), "temperature": 10**40}),
        "temperature",
    ),
    (
        "escaped_lone_surrogate",
        '{"messages": [{"role": "user", "content": "a\\ud800"}]}',
        "messages[0].content",
    ),
    (
        "escaped_lone_surrogate_system",
        json.dumps(chat_body())[:-1] + ', "system": "\\udfff"}',
        "system",
    ),
    ("raw_lone_surrogate", '{"messages": "\ud800"}', "body"),
    ("null_body_object", "null", "body"),
    # quadratic for a regular expression that matches JSON strings: keep the scan linear
    ("unterminated_escaped_quotes", '{"a": "' + 'x\\"' * 50_000 + "[" * 70, "body"),
]


@pytest.mark.parametrize(
    ("body", "field"), [pytest.param(b, f, id=i) for i, b, f in HOSTILE_CHAT_BODIES]
)
def test_hostile_chat_body_is_a_400_naming_the_field(
    gateway: Gateway, api_event: ApiEventFactory, body: str, field: str
) -> None:
    # GIVEN a hostile body WHEN team-a sends it
    result = gateway.call(api_event("POST", "/v1/chat", body))
    # THEN a 400 naming the field, in the documented shape, with JSON type names
    assert (result.status, result.error["field"]) == (400, field), result.body
    assert_error_shape(result.status, result.body)
    assert gateway.bedrock.calls == []


@pytest.mark.parametrize(
    "body",
    ["%%%not-base64%%%", "é" * 8, "\ud800", "YWJj\n===", "eyJ9"],
    ids=["not_base64", "non_ascii", "surrogate", "bad_padding", "not_utf8_json"],
)
def test_base64_flag_with_a_body_that_is_not_base64_is_a_400(
    gateway: Gateway, api_event: ApiEventFactory, body: str
) -> None:
    # GIVEN isBase64Encoded with a body that is not base64 of UTF-8 JSON
    result = gateway.call(api_event("POST", "/v1/chat", body, isBase64Encoded=True))
    # THEN a 400 naming the body
    assert (result.status, result.error["field"]) == (400, "body")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(DEEP_ARRAY, "body", id="deep_array"),
        pytest.param('{"rating": ' + LONG_NUMBER + "}", "body", id="long_rating"),
        pytest.param('{"response_id": "\ud800"}', "body", id="raw_lone_surrogate"),
        pytest.param('{"rating": 1e999, "response_id": 1}', "response_id", id="infinite_number"),
        pytest.param("null", "body", id="null"),
    ],
)
def test_hostile_feedback_body_is_a_400_naming_the_field(
    feedback: ModuleType,
    api_event: ApiEventFactory,
    lambda_context: FakeLambdaContext,
    body: str,
    field: str,
) -> None:
    # GIVEN a hostile body WHEN team-a sends it to the feedback function
    response = feedback.lambda_handler(api_event("POST", "/v1/feedback", body), lambda_context)
    # THEN a 400 naming the field
    decoded = json.loads(response["body"])
    assert (response["statusCode"], decoded["error"]["field"]) == (400, field)
    assert_error_shape(400, decoded)


def test_type_names_in_messages_are_json_names(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    # GIVEN bodies whose fields have the wrong JSON types
    messages = [
        gateway.call(api_event("POST", "/v1/chat", body)).error["message"]
        for body in ("[]", '{"messages": null}', '{"messages": [[]]}', '{"messages": {}}')
    ]
    # THEN the messages name them as JSON does
    assert "not array" in messages[0]
    assert "not null" in messages[1]
    assert "not array" in messages[2]
    assert "not object" in messages[3]


# --- the property test ----------------------------------------------------------------------

_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
_json_value = st.recursive(
    _json_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_spoofs = st.sampled_from(["team-a", "team-b", "team-c", "TEAM-B", "*", ""])
_identities = st.one_of(
    st.just(TENANT_A_ROLE_ARN),
    st.just(TENANT_B_ROLE_ARN),
    st.sampled_from(
        [
            TENANT_A_ROLE_ARN,
            TENANT_B_ROLE_ARN,
            f"arn:aws:sts::{APP_ACCOUNT}:assumed-role/someone-else/session-1",
            f"arn:aws:iam::{APP_ACCOUNT}:role/platform/app-b-workload",
            "arn:aws:sts::999999999999:assumed-role/app-a-workload/session-1",
            f"arn:aws:iam::{APP_ACCOUNT}:user/app-a-workload",
            f"arn:aws:iam::{APP_ACCOUNT}:root",
            "team-b",
            "",
        ]
    ),
    st.builds(
        lambda role, session: f"arn:aws:sts::{APP_ACCOUNT}:assumed-role/{role}/{session}",
        st.sampled_from(["app-a-workload", "app-b-workload", "app-c-workload"]),
        st.from_regex(r"[\w+=,.@-]{1,20}", fullmatch=True),
    ),
    st.none(),
    st.integers(),
)


def _chat_bodies() -> st.SearchStrategy[Any]:
    message = st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "assistant", "system", 1]), "content": _json_value}
    )
    valid = st.builds(
        lambda text, extra: {"messages": [{"role": "user", "content": text}], **extra},
        st.text(min_size=1, max_size=40),
        st.dictionaries(
            st.sampled_from(["max_tokens", "temperature", "model", "feature", "tenant", "system"]),
            _json_value,
            max_size=3,
        ),
    )
    return st.one_of(
        valid,
        valid,
        st.fixed_dictionaries(
            {"messages": st.lists(message, max_size=3)}, optional={"tenant": _spoofs}
        ),
        _json_value,
    )


def _feedback_bodies() -> st.SearchStrategy[Any]:
    response_ids = st.one_of(
        st.builds(
            issue_response_id,
            st.sampled_from(
                [f"{APP_ACCOUNT}:role:app-a-workload", f"{APP_ACCOUNT}:role:app-b-workload"]
            ),
        ),
        _json_value,
    )
    return st.one_of(
        st.fixed_dictionaries(
            {"response_id": response_ids, "rating": st.sampled_from(["up", "down", "UP", 1, None])},
            optional={"comment": _json_value, "tenant": _spoofs, "caller": _spoofs},
        ),
        _json_value,
    )


def _raw_body(body_strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The body as sent: JSON text, hostile text, or not a string at all."""
    as_json = body_strategy.map(lambda value: json.dumps(value))
    return st.one_of(
        as_json,
        as_json,
        as_json,
        st.text(max_size=60),
        st.sampled_from([DEEP_ARRAY, DEEP_OBJECT, '{"a": ' + LONG_NUMBER + "}", "\ud800", "NaN"]),
        st.none(),
        st.integers(),
    )


def _events(path: str, body_strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "httpMethod": st.sampled_from(["POST"] * 6 + ["GET", "DELETE", None]),
            "path": st.sampled_from([path] * 6 + [f"{path}/", "/v1/models", "/other", None]),
            "body": _raw_body(body_strategy),
            "isBase64Encoded": st.sampled_from([False] * 4 + [True, None, "yes", 1]),
            "encode_base64": st.booleans(),
            "headers": st.one_of(
                st.none(),
                st.dictionaries(
                    st.sampled_from(["X-Tenant-Id", "X-Amz-User", "tenant", "Content-Type"]),
                    _spoofs,
                    max_size=3,
                ),
            ),
            "queryStringParameters": st.one_of(
                st.none(),
                st.dictionaries(st.sampled_from(["tenant", "caller"]), _spoofs, max_size=2),
            ),
            "userArn": _identities,
            "identity_in_body": _spoofs,
        }
    )


def _event(api_event: ApiEventFactory, drawn: dict[str, Any]) -> dict[str, Any]:
    body = drawn["body"]
    if drawn["isBase64Encoded"] is True and drawn["encode_base64"] and isinstance(body, str):
        body = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode("ascii")
    event = api_event("POST", "/", None, user_arn=None)
    event.update(
        httpMethod=drawn["httpMethod"],
        path=drawn["path"],
        resource=drawn["path"],
        body=body,
        isBase64Encoded=drawn["isBase64Encoded"],
        headers=drawn["headers"],
        queryStringParameters=drawn["queryStringParameters"],
    )
    event["requestContext"]["identity"]["userArn"] = drawn["userArn"]
    event["requestContext"]["identity"]["caller"] = drawn["identity_in_body"]
    return event


STATUSES: list[int] = []

_PROPERTY = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def wide_open_gateway(make_gateway: GatewayFactory, gateway_config: dict[str, Any]) -> Gateway:
    """The gateway with quotas nothing exhausts, on a fake quota table."""
    for tenant in gateway_config["tenants"]:
        tenant["monthly_token_quota"] = 10**12
    return make_gateway(gateway_config, quota_client=FakeQuotaTable())


@_PROPERTY
@given(
    drawn=_events("/v1/chat", _chat_bodies()), upstream=st.sampled_from(["ok", "error", "garbage"])
)
def test_invoke_never_answers_500_and_takes_the_tenant_from_the_identity_only(
    wide_open_gateway: Gateway, api_event: ApiEventFactory, drawn: dict[str, Any], upstream: str
) -> None:
    gateway = wide_open_gateway
    # GIVEN a generated event and a model that answers, fails, or answers garbage
    gateway.bedrock.defaults["converse"] = {
        "ok": converse_response(),
        "error": client_error("InternalServerException"),
        "garbage": {"output": [], "stopReason": 7},
    }[upstream]
    gateway.bedrock.defaults["apply_guardrail"] = {"action": "NONE"}
    gateway.runtime.breakers._breakers.clear()  # every example starts with closed breakers
    table: FakeQuotaTable = gateway.runtime.quota._client
    reservations_before = len(table.reservations())

    # WHEN the invoke function handles it
    result = gateway.call(_event(api_event, drawn))

    # THEN never a 500; a 5xx only when the upstream failed; errors in the documented shape
    assert result.status != 500, result.body
    if result.status >= 500:
        assert upstream != "ok" and result.error["code"] == "ModelUnavailable", result.body
    if result.status >= 400:
        assert_error_shape(result.status, result.body)
    # AND the tenant is the one of the signed identity, whatever else the event says
    tenant = expected_tenant(drawn["userArn"])
    if tenant is None:
        assert result.status == 403
        assert len(table.reservations()) == reservations_before
    summary = gateway.logs.summary()
    assert summary["tenant"] == (tenant or "unknown")
    STATUSES.append(result.status)
    for call in table.reservations()[reservations_before:]:
        assert call["Key"]["pk"]["S"].startswith(f"{tenant}#")


class _RecordingStore:
    def __init__(self) -> None:
        self.puts: list[dict[str, Any]] = []

    def put(self, feedback: Any, *, caller: str, tenant: str, request_id: str) -> bool:
        self.puts.append({"caller": caller, "tenant": tenant, "response_id": feedback.response_id})
        return True


@pytest.fixture
def feedback(handler_env: dict[str, Any]) -> ModuleType:
    from tests.handlers.test_feedback import import_feedback_app

    return import_feedback_app()


@_PROPERTY
@given(drawn=_events("/v1/feedback", _feedback_bodies()), store_fails=st.booleans())
def test_feedback_never_answers_500_and_takes_the_caller_from_the_identity_only(
    feedback: ModuleType,
    api_event: ApiEventFactory,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    drawn: dict[str, Any],
    store_fails: bool,
) -> None:
    # GIVEN a generated event and a store that works or is unavailable
    store = _RecordingStore()
    if store_fails:

        def unavailable(*args: Any, **kwargs: Any) -> bool:
            raise feedback.StoreUnavailable("ThrottlingException", throttled=True)

        store.put = unavailable  # type: ignore[method-assign]
    monkeypatch.setattr(feedback, "STORE", store)

    # WHEN the feedback function handles it
    response = feedback.lambda_handler(_event(api_event, drawn), lambda_context)
    body = json.loads(response["body"])

    # THEN never a 500; a 5xx only when the store failed; errors in the documented shape
    status = response["statusCode"]
    assert status != 500, body
    if status >= 500:
        assert store_fails and status == 503
    if status >= 400:
        assert_error_shape(status, body)
    # AND what is stored names the tenant and caller of the signed identity only
    tenant = expected_tenant(drawn["userArn"])
    if tenant is None:
        assert status == 403 and store.puts == []
    for put in store.puts:
        assert put["tenant"] == tenant
        assert put["caller"] == f"{APP_ACCOUNT}:role:{expected_role(drawn['userArn'])}"
    STATUSES.append(status)


# --- retrieval: /v1/retrieve and grounded chat -------------------------------------------------


def _retrieval_bodies() -> st.SearchStrategy[Any]:
    scope = st.sampled_from(["filter", "tenant", "access_groups", "classification", "groups"])
    valid = st.builds(
        lambda query, extra: {"query": query, "knowledge_base": "handbook", **extra},
        st.text(min_size=1, max_size=40),
        st.dictionaries(
            st.one_of(st.sampled_from(["top_k", "knowledge_base", "query"]), scope),
            _json_value,
            max_size=2,
        ),
    )
    grounded_chat = st.builds(
        lambda text, kb: {"messages": [{"role": "user", "content": text}], "knowledge_base": kb},
        st.text(min_size=1, max_size=40),
        st.one_of(st.just("handbook"), _json_value),
    )
    return st.one_of(valid, valid, grounded_chat, _json_value)


def _user_tokens() -> st.SearchStrategy[Any]:
    from tests.handlers.rag_support import token

    return st.one_of(
        st.none(),
        st.sampled_from(["", "Bearer ", "a.b.c", "x" * 20_000, "\ud800", "ey.ey.ey"]),
        st.builds(lambda: token(("staff",))),
        st.builds(lambda: token(("executive",), audience="api://other")),
        st.builds(lambda: token(("staff",), expires_in=-60)),
        st.text(max_size=40),
        st.integers(),
    )


@_PROPERTY
@given(
    drawn=_events("/v1/retrieve", _retrieval_bodies()),
    path=st.sampled_from(["/v1/retrieve", "/v1/chat"]),
    user_token=_user_tokens(),
    upstream=st.sampled_from(["ok", "error", "garbage"]),
)
def test_retrieval_never_answers_500_and_never_widens_the_callers_scope(
    make_gateway: GatewayFactory,
    gateway_config: dict[str, Any],
    api_event: ApiEventFactory,
    drawn: dict[str, Any],
    path: str,
    user_token: Any,
    upstream: str,
) -> None:
    from tests.handlers.rag_support import CFO_MEMO, GLOBEX, build_rag

    # GIVEN the gateway with a knowledge base that answers, fails or answers garbage
    rag = build_rag(make_gateway, gateway_config)
    if upstream == "error":
        rag.kb.error = client_error("InternalServerException", operation="Retrieve")
    elif upstream == "garbage":
        rag.kb.retrieve = lambda **kwargs: {"retrievalResults": [{"score": "x"}, 7, None]}  # type: ignore[method-assign]
    event = _event(api_event, drawn)
    if drawn["path"] == "/v1/retrieve":
        event.update(path=path, resource=path)
    if user_token is not None:
        event["headers"] = {**(event.get("headers") or {}), "x-user-token": user_token}

    # WHEN the invoke function handles it
    result = rag.gateway.call(event)

    # THEN never a 500; a 5xx only when the knowledge base failed; errors in the documented shape
    assert result.status != 500, result.body
    if result.status >= 500:
        assert upstream == "error", result.body
        assert result.error["code"] == "KnowledgeBaseUnavailable", result.body
    if result.status >= 400:
        assert_error_shape(result.status, result.body)
    # AND whatever was retrieved is the signed tenant's, within the intern token's groups
    tenant = expected_tenant(drawn["userArn"])
    if tenant is None:
        assert result.status in (403, 404, 405) and rag.kb.requests == []
    for request in rag.kb.requests:
        clauses = request["retrievalConfiguration"]["vectorSearchConfiguration"]["filter"]["andAll"]
        assert clauses[0] == {"equals": {"key": "tenant", "value": tenant}}
        if tenant == "team-a":
            assert clauses[2] == {"equals": {"key": "access_groups", "value": "staff"}}
    if result.status == 200:
        uris = [r["source_uri"] for r in result.body.get("results", [])] + [
            c["source_uri"] for c in result.body.get("citations", [])
        ]
        assert CFO_MEMO not in uris
        if tenant == "team-a":
            assert not [u for u in uris if u.startswith(GLOBEX)]
    STATUSES.append(result.status)
