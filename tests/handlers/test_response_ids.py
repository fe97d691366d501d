"""Signed response ids: both functions derive the same signing key from one KMS HMAC key
(``kms:GenerateMac``, moto), an id verifies only for the principal it was issued to and only
while young enough, and a deployed function cannot run without the KMS key."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
import time
from typing import Any

import gw_common
import gw_config
import pytest

from tests.handlers.conftest import (
    EXAMPLE_CONFIG,
    RESPONSE_ID_TEST_KEY,
    TENANT_A_KEY,
    TENANT_B_KEY,
    ApiEventFactory,
    FakeLambdaContext,
    Gateway,
    aws_client,
    chat_body,
    converse_response,
)

KEY = bytes.fromhex(RESPONSE_ID_TEST_KEY)


def test_an_id_verifies_only_for_its_principal_and_age() -> None:
    # GIVEN an id issued to team-a at t0
    ids = gw_common.ResponseIds(KEY)
    t0 = 1_800_000_000.0
    rid = ids.issue(TENANT_A_KEY, t0, "chat")

    # WHEN / THEN it verifies for team-a within its age, and for nobody else or later
    assert ids.verify(rid, TENANT_A_KEY, t0 + 10, max_age_seconds=60)
    assert not ids.verify(rid, TENANT_B_KEY, t0 + 10, max_age_seconds=60)
    assert not ids.verify(rid, TENANT_A_KEY, t0 + 61, max_age_seconds=60)
    assert not ids.verify(rid, TENANT_A_KEY, t0 - 120, max_age_seconds=60)  # from the future
    assert len({ids.issue(TENANT_A_KEY, t0, "chat") for _ in range(100)}) == 100


def test_an_id_carries_the_serving_model_under_its_signature() -> None:
    # GIVEN an id issued for a response the "llama" alias served
    ids = gw_common.ResponseIds(KEY)
    rid = ids.issue(TENANT_A_KEY, 1_800_000_000.0, "llama")
    # WHEN / THEN the id has the r2 shape the API accepts, verifies, and names the model
    assert re.fullmatch(gw_common.RESPONSE_ID_PATTERN, rid)
    assert ids.verify(rid, TENANT_A_KEY, 1_800_000_010.0, max_age_seconds=60)
    assert gw_common.ResponseIds.model_of(rid) == "llama"


def test_both_functions_derive_the_same_key_through_kms(
    handler_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a KMS HMAC key (moto implements GenerateMac) and no test key
    kms = aws_client("kms")
    key_arn = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"][
        "Arn"
    ]
    monkeypatch.setenv("RESPONSE_ID_KEY_ARN", key_arn)
    monkeypatch.delenv("RESPONSE_ID_TEST_KEY")
    import invoke_app

    from tests.handlers.test_feedback import import_feedback_app

    # WHEN the invoke function issues an id and the feedback function verifies it
    issuer = invoke_app.build_runtime(dict(os.environ)).response_ids
    feedback = import_feedback_app()
    rid = issuer.issue(TENANT_A_KEY, time.time(), "chat")

    # THEN it verifies: the same key, from one GenerateMac each, nothing stored
    assert feedback.response_ids().verify(rid, TENANT_A_KEY, time.time(), 60)
    mac = kms.generate_mac(
        KeyId=key_arn, MacAlgorithm="HMAC_SHA_256", Message=gw_common.RESPONSE_ID_KEY_LABEL
    )["Mac"]
    assert gw_common.ResponseIds(mac).verify(rid, TENANT_A_KEY, time.time(), 60)


def test_the_test_only_key_is_refused_inside_lambda() -> None:
    # GIVEN the Lambda environment with the test-only key
    env = {
        "GATEWAY_CONFIG": json.dumps(EXAMPLE_CONFIG),
        "QUOTA_TABLE_NAME": "genai-gateway-quota",
        "KILL_SWITCH_PARAMETER": "/genai/gateway/kill-switch",
        "RESPONSE_ID_TEST_KEY": RESPONSE_ID_TEST_KEY,
        "AWS_LAMBDA_FUNCTION_NAME": "genai-gateway-invoke",
    }
    # WHEN / THEN the cold start fails, saying to set the KMS key's ARN
    with pytest.raises(gw_config.ConfigError, match="RESPONSE_ID_TEST_KEY: is set inside Lambda"):
        gw_config.load_settings(env)


def test_feedback_cold_start_fails_without_the_key(
    handler_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no response-id key at all
    monkeypatch.delenv("RESPONSE_ID_TEST_KEY")
    from tests.handlers.test_feedback import import_feedback_app

    # WHEN / THEN the feedback function fails to initialise, naming the variable
    with pytest.raises(ValueError, match="RESPONSE_ID_KEY_ARN: got unset"):
        import_feedback_app()


def test_chat_response_id_is_accepted_by_the_feedback_function(
    gateway: Gateway,
    api_event: ApiEventFactory,
    handler_env: dict[str, Any],
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN team-a got a chat response
    gateway.bedrock.script("converse", converse_response())
    rid = gateway.call(api_event("POST", "/v1/chat", chat_body())).body["response_id"]
    assert gw_common.ResponseIds.model_of(rid) == "chat"  # the alias that served it
    from tests.handlers.test_feedback import import_feedback_app

    feedback = import_feedback_app()

    # WHEN team-a, then team-b, rate it
    mine = feedback.lambda_handler(
        api_event("POST", "/v1/feedback", {"response_id": rid, "rating": "up"}), lambda_context
    )
    theirs = feedback.lambda_handler(
        api_event(
            "POST",
            "/v1/feedback",
            {"response_id": rid, "rating": "down"},
            user_arn=f"arn:aws:sts::{TENANT_B_KEY.split(':')[0]}:assumed-role/app-b-workload/s",
        ),
        lambda_context,
    )

    # THEN team-a's is stored; team-b's is a 404
    assert (mine["statusCode"], theirs["statusCode"]) == (201, 404)


def test_a_log_line_is_never_dropped_for_a_lone_surrogate(
    gateway: Gateway, api_event: ApiEventFactory
) -> None:
    from aws_lambda_powertools import Logger

    # GIVEN the Powertools logger writing to a strict UTF-8 stream, as Lambda's stdout is
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    gateway.runtime.logger = Logger(
        service="surrogate-test", logger_handler=logging.StreamHandler(stream)
    )
    # ... and a body whose unknown field name is a JSON-escaped lone surrogate
    body = '{"messages": [{"role": "user", "content": "hi"}], "\\ud800x": 1}'

    # WHEN the gateway answers it
    result = gateway.call(api_event("POST", "/v1/chat", body))

    # THEN a 400, and the "request served" line was written (surrogate replaced)
    assert result.status == 400
    lines = [json.loads(line) for line in raw.getvalue().decode("utf-8").splitlines()]
    served = [line for line in lines if line["message"] == "request served"]
    assert served and served[0]["error_field"] == "\ufffdx"


def test_tracing_is_off_by_default_and_the_xray_sdk_is_not_imported(
    handler_env: dict[str, Any],
) -> None:
    import subprocess

    # GIVEN a fresh interpreter with the handlers on its path and TRACING_ENABLED unset
    code = (
        "import sys, invoke_app, feedback_app; "
        "print(any(m.startswith('aws_xray_sdk') for m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "TRACING_ENABLED"}
    env["PYTHONPATH"] = ":".join(p for p in sys.path if "genai_platform/lambda" in p)

    # WHEN both handler modules are imported
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )

    # THEN the X-Ray SDK was not imported
    assert out.stdout.strip() == "False"
