"""Invoke function end to end through ``invoke_app.lambda_handler``: environment validation at
cold start, real boto3 clients (with botocore's Stubber validating every request against the
service models), moto's DynamoDB and SSM (the kill switch through Powertools parameters), and
the EMF metrics written to stdout."""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from tests.handlers.conftest import (
    GUARDRAIL_ARN,
    ApiEventFactory,
    FakeLambdaContext,
    chat_body,
    converse_response,
    guardrail_response,
)


@pytest.fixture
def app(handler_env: dict[str, Any]) -> Iterator[Any]:
    """``invoke_app`` with a fresh runtime built from the (moto-backed) environment."""
    import invoke_app

    invoke_app.reset_runtime()
    yield invoke_app
    invoke_app.reset_runtime()


def _invoke(app: Any, event: dict[str, Any], context: FakeLambdaContext) -> tuple[int, Any]:
    response = app.lambda_handler(event, context)
    return response["statusCode"], json.loads(response["body"])


def _emf_documents(stdout: str) -> list[dict[str, Any]]:
    documents = []
    for line in stdout.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


def test_chat_through_the_handler_sends_a_valid_converse_request(
    app: Any,
    api_event: ApiEventFactory,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the real bedrock-runtime client, stubbed (the Stubber validates the parameters
    # against the service model and fails on any difference from what is expected)
    event = api_event("POST", "/v1/chat", chat_body(max_tokens=100, feature="search"))
    bedrock = app.runtime().bedrock(20)
    with Stubber(bedrock) as stub:
        stub.add_response(
            "converse",
            converse_response("Refunds take 5 days.", input_tokens=11, output_tokens=6),
            expected_params={
                "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "messages": [{"role": "user", "content": [{"text": "What is our refund policy?"}]}],
                "inferenceConfig": {"maxTokens": 100},
                "guardrailConfig": {
                    "guardrailIdentifier": GUARDRAIL_ARN,
                    "guardrailVersion": "3",
                    "trace": "enabled",
                },
                "requestMetadata": {
                    "tenant": "team-a",
                    "feature": "search",
                    "request_id": event["requestContext"]["requestId"],
                },
            },
        )

        # WHEN API Gateway invokes the function
        status, body = _invoke(app, event, lambda_context)

        # THEN the call matched exactly and the answer came back
        stub.assert_no_pending_responses()
    assert status == 200
    assert body["output"]["content"] == "Refunds take 5 days."


def test_metrics_are_emf_in_the_platform_namespace_with_exactly_three_dimensions(
    app: Any,
    api_event: ApiEventFactory,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a served request
    bedrock = app.runtime().bedrock(20)
    with Stubber(bedrock) as stub:
        stub.add_response("converse", converse_response(input_tokens=11, output_tokens=6))

        # WHEN the function handles it
        _invoke(app, api_event("POST", "/v1/chat", chat_body(feature="search")), lambda_context)

    # THEN one EMF document carries the tokens, latency and request count under
    # GenAiPlatform with the dimensions Tenant, Feature, Model (and nothing else), and a
    # second one the same points under Model alone (per-model percentiles and alarms)
    document, per_model = _emf_documents(capsys.readouterr().out)
    (model_directive,) = per_model["_aws"]["CloudWatchMetrics"]
    assert model_directive["Dimensions"] == [["Model"]]
    assert model_directive["Metrics"] == document["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    assert per_model["Model"] == "chat"
    assert per_model["Latency"] == document["Latency"]
    assert per_model["InputTokens"] == document["InputTokens"]
    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "GenAiPlatform"
    assert directive["Dimensions"] == [["Tenant", "Feature", "Model"]]
    assert {m["Name"] for m in directive["Metrics"]} == {
        "InputTokens",
        "OutputTokens",
        "Latency",
        "Requests",
    }
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]}["Latency"] == "Milliseconds"
    assert (document["Tenant"], document["Feature"], document["Model"]) == (
        "team-a",
        "search",
        "chat",
    )
    assert document["InputTokens"] in (11.0, [11.0])


def test_self_hosted_chat_through_the_handler_sends_valid_sagemaker_and_guardrail_requests(
    app: Any, api_event: ApiEventFactory, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN the real clients, stubbed: guardrail on input, endpoint, guardrail on output
    bedrock = app.runtime().bedrock(20)
    sagemaker = app.runtime().sagemaker(20)
    completion = json.dumps(
        {
            "choices": [
                {"message": {"role": "assistant", "content": "Hi!"}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 9, "completion_tokens": 2},
        }
    ).encode()
    guardrail = {"guardrailIdentifier": GUARDRAIL_ARN, "guardrailVersion": "3"}
    with Stubber(bedrock) as bedrock_stub, Stubber(sagemaker) as sagemaker_stub:
        bedrock_stub.add_response(
            "apply_guardrail",
            guardrail_response(),
            {**guardrail, "source": "INPUT", "content": [{"text": {"text": "Hello?"}}]},
        )
        sagemaker_stub.add_response(
            "invoke_endpoint",
            {"Body": StreamingBody(io.BytesIO(completion), len(completion))},
            {
                "EndpointName": "genai-llama-inf2",
                "InferenceComponentName": "genai-llama-inf2-ic",
                "ContentType": "application/json",
                "Accept": "application/json",
                "Body": json.dumps(
                    {"messages": [{"role": "user", "content": "Hello?"}], "max_tokens": 1024}
                ).encode(),
            },
        )
        bedrock_stub.add_response(
            "apply_guardrail",
            guardrail_response(),
            {**guardrail, "source": "OUTPUT", "content": [{"text": {"text": "Hi!"}}]},
        )

        # WHEN team-a chats with llama
        status, body = _invoke(
            app, api_event("POST", "/v1/chat", chat_body("Hello?", model="llama")), lambda_context
        )

        # THEN all three calls matched, in order
        bedrock_stub.assert_no_pending_responses()
        sagemaker_stub.assert_no_pending_responses()
    assert (status, body["model"], body["output"]["content"]) == (200, "llama", "Hi!")


def test_kill_switch_parameter_is_read_through_ssm(
    app: Any,
    api_event: ApiEventFactory,
    lambda_context: FakeLambdaContext,
    kill_switch: Any,
) -> None:
    # GIVEN the SSM kill-switch parameter is "on"
    kill_switch("on")

    # WHEN team-a chats
    status, body = _invoke(app, api_event("POST", "/v1/chat", chat_body()), lambda_context)

    # THEN 503 ServiceDisabled
    assert (status, body["error"]["code"]) == (503, "ServiceDisabled")


def test_model_clients_have_the_configured_timeouts_and_no_sdk_retries(app: Any) -> None:
    # GIVEN the runtime built from GATEWAY_CONFIG (connect 2 s, read 20 s)
    runtime = app.runtime()

    # WHEN its model clients are created
    clients = [runtime.bedrock(20), runtime.sagemaker(20)]

    # THEN each has those timeouts and a single attempt (the gateway retries itself)
    for client in clients:
        config = client.meta.config
        assert (config.connect_timeout, config.read_timeout) == (2, 20)
        assert config.retries["total_max_attempts"] == 1


def test_clients_are_created_once_per_execution_environment(app: Any) -> None:
    # GIVEN the runtime WHEN its clients are asked for twice THEN the same objects come back
    runtime = app.runtime()
    assert runtime.bedrock(20) is runtime.bedrock(20)
    assert runtime.sagemaker(20) is runtime.sagemaker(20)
    assert app.runtime() is runtime


def test_models_route_through_the_handler(
    app: Any, api_event: ApiEventFactory, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN/WHEN team-a lists its models through the handler
    status, body = _invoke(app, api_event("GET", "/v1/models"), lambda_context)

    # THEN its three aliases come back
    assert status == 200
    assert [m["alias"] for m in body["models"]] == ["chat", "fast", "llama"]


def test_bad_config_fails_the_cold_start_loudly(
    app: Any,
    api_event: ApiEventFactory,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gw_config

    # GIVEN a deployment whose GATEWAY_CONFIG names a default alias it does not define
    monkeypatch.setenv("GATEWAY_CONFIG", json.dumps({"default_alias": "x"}))
    app.reset_runtime()

    # WHEN the function is invoked THEN it raises (Lambda reports an init/function error)
    # with every problem listed, instead of answering callers with half a configuration
    with pytest.raises(gw_config.ConfigError, match=r"GATEWAY_CONFIG\.guardrail: is required"):
        app.lambda_handler(api_event("GET", "/v1/models"), lambda_context)


def test_inside_lambda_the_config_is_validated_at_import(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gw_config

    # GIVEN the Lambda runtime environment and a broken QUOTA_TABLE_NAME
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "genai-gateway-invoke")
    monkeypatch.setenv("QUOTA_TABLE_NAME", "")

    # WHEN the module is (re)imported, as in the init phase THEN the import itself fails
    try:
        with pytest.raises(gw_config.ConfigError, match="QUOTA_TABLE_NAME"):
            importlib.reload(app)
    finally:
        monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
        monkeypatch.setenv("QUOTA_TABLE_NAME", "genai-gateway-quota")
        importlib.reload(app)


def test_shutdown_flushes_deferred_refunds(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    # GIVEN a runtime whose quota store holds a deferred refund
    runtime = app.runtime()
    flushed: list[float | None] = []
    monkeypatch.setattr(runtime.quota, "flush", lambda *, timeout=None: flushed.append(timeout))

    # WHEN Lambda shuts the environment down (SIGTERM to the runtime)
    with pytest.raises(SystemExit):
        app._flush_on_sigterm(signal.SIGTERM, None)

    # THEN the refunds were flushed within Lambda's shutdown allowance, then the process exits
    assert flushed == [app.SIGTERM_FLUSH_TIMEOUT_SECONDS]
