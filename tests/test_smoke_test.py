"""The post-deploy smoke test: assume the caller role, GET /v1/models signed, 200 or fail.

STS and Secrets Manager are botocore Stubbers; the gateway is a local server on 127.0.0.1.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from genai_platform.delivery.smoke_test import SmokeTestError, main, run

ROLE = "arn:aws:iam::511111111111:role/genai-stag-smoke-gateway-caller"
SECRET = "arn:aws:secretsmanager:us-east-1:522222222222:secret:genai-stag/gateway/smoke/api-key"
CREDENTIALS = {
    "AccessKeyId": "ASIAASSUMEDKEY000001",
    "SecretAccessKey": "assumed-secret",
    "SessionToken": "assumed-session-token",
    "Expiration": "2030-01-01T00:00:00Z",
}


class _Gateway:
    def __init__(self, status: int) -> None:
        self.status = status
        self.requests: list[tuple[str, str, dict[str, str]]] = []


@pytest.fixture
def gateway() -> Iterator[tuple[_Gateway, str]]:
    state = _Gateway(200)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(
                (self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
            )
            body = b'{"data": []}'
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_port}/prod/"
    finally:
        server.shutdown()
        server.server_close()


def _client(service: str) -> Any:
    return botocore.session.get_session().create_client(
        service,
        region_name="us-east-1",
        aws_access_key_id="pipeline",
        aws_secret_access_key="pipeline",
    )


def _stubbed_sts(error: str | None = None) -> tuple[Any, Stubber]:
    sts = _client("sts")
    stub = Stubber(sts)
    expected = {"RoleArn": ROLE, "RoleSessionName": "genai-platform-smoke-test"}
    if error:
        stub.add_client_error("assume_role", error, http_status_code=403, expected_params=expected)
    else:
        stub.add_response("assume_role", {"Credentials": CREDENTIALS}, expected)
    stub.activate()
    return sts, stub


def _secrets(seen: list[dict[str, str]]) -> Any:
    def factory(keys: dict[str, str]) -> Any:
        seen.append(keys)
        client = _client("secretsmanager")
        stub = Stubber(client)
        stub.add_response(
            "get_secret_value",
            {"ARN": SECRET, "Name": "genai-stag/gateway/smoke/api-key", "SecretString": "k-123"},
            {"SecretId": SECRET},
        )
        stub.activate()
        return client

    return factory


def test_passes_on_200_with_a_request_signed_by_the_assumed_role(
    gateway: tuple[_Gateway, str],
) -> None:
    # GIVEN a gateway answering 200 and STS handing out the caller role's credentials
    state, url = gateway
    sts, stub = _stubbed_sts()
    seen: list[dict[str, str]] = []
    # WHEN the smoke test runs with the tenant's API key secret
    status = run(
        url=url,
        role_arn=ROLE,
        sts=sts,
        secrets_factory=_secrets(seen),
        api_key_secret=SECRET,
        region="us-east-1",
    )
    # THEN it asked for GET /v1/models, signed with SigV4 for execute-api by the assumed role
    assert status == 200
    stub.assert_no_pending_responses()
    [(method, path, headers)] = state.requests
    assert (method, path) == ("GET", "/prod/v1/models")
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=ASIAASSUMEDKEY000001/")
    assert "/us-east-1/execute-api/aws4_request" in headers["authorization"]
    assert headers["x-amz-security-token"] == "assumed-session-token"
    # AND the API key was read with the assumed credentials and sent as x-api-key
    assert seen == [
        {
            "aws_access_key_id": "ASIAASSUMEDKEY000001",
            "aws_secret_access_key": "assumed-secret",
            "aws_session_token": "assumed-session-token",
        }
    ]
    assert headers["x-api-key"] == "k-123"


@pytest.mark.parametrize("status", [403, 429, 500, 503])
def test_fails_on_anything_but_200(gateway: tuple[_Gateway, str], status: int) -> None:
    # GIVEN a gateway answering something other than 200
    state, url = gateway
    state.status = status
    sts, _ = _stubbed_sts()
    # WHEN the smoke test runs THEN it fails naming the status
    with pytest.raises(SmokeTestError, match=f"answered {status}"):
        run(url=url, role_arn=ROLE, sts=sts, region="us-east-1")


def test_fails_when_the_caller_role_cannot_be_assumed(gateway: tuple[_Gateway, str]) -> None:
    # GIVEN STS refusing the role WHEN the smoke test runs
    state, url = gateway
    sts, _ = _stubbed_sts(error="AccessDenied")
    with pytest.raises(SmokeTestError, match=f"cannot assume {ROLE}"):
        run(url=url, role_arn=ROLE, sts=sts, region="us-east-1")
    # THEN the gateway was never called
    assert state.requests == []


def test_fails_when_nothing_answers() -> None:
    # GIVEN no server on the port (bound, then closed) WHEN the smoke test runs
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sts, _ = _stubbed_sts()
    # THEN it fails saying the request failed
    with pytest.raises(SmokeTestError, match="failed"):
        run(url=f"http://127.0.0.1:{port}/prod/", role_arn=ROLE, sts=sts, region="us-east-1")


def test_refuses_bad_arguments_before_calling_anything() -> None:
    # GIVEN a plain-http remote URL, a bad role ARN and no region
    sts, stub = _stubbed_sts()
    # WHEN the smoke test runs THEN each argument is named
    with pytest.raises(ValueError) as error:
        run(url="http://example.com/prod/", role_arn="caller", sts=sts, api_key_secret="key")
    message = str(error.value)
    assert "--url: 'http://example.com/prod/'" in message
    assert "--role-arn: 'caller'" in message
    assert "--api-key-secret: 'key'" in message
    assert "--region" in message
    # AND STS was not called
    assert len(stub._queue) == 1  # the assume_role response is still queued


def test_command_exits_2_on_bad_arguments_and_1_on_failure(
    gateway: tuple[_Gateway, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the command line with a bad role ARN WHEN it runs THEN it exits 2
    _, url = gateway
    assert main(["--url", url, "--role-arn", "nope", "--region", "us-east-1"]) == 2
    assert "--role-arn: 'nope'" in capsys.readouterr().err
    # GIVEN STS refusing the role (the command's STS client is stubbed)
    import genai_platform.delivery.smoke_test as smoke

    sts, _ = _stubbed_sts(error="AccessDenied")
    real_run = smoke.run
    monkeypatch.setattr(smoke, "run", lambda **kw: real_run(**{**kw, "sts": sts}))
    # WHEN it runs THEN it exits 1 saying why
    assert main(["--url", url, "--role-arn", ROLE, "--region", "us-east-1"]) == 1
    assert "smoke test FAILED: cannot assume" in capsys.readouterr().err


def test_runs_from_the_source_tree_without_the_cdk() -> None:
    # GIVEN a fresh interpreter (the pipeline's build image has botocore, not the CDK)
    import subprocess
    import sys

    code = (
        "import sys, genai_platform.delivery.smoke_test; "
        "print('aws_cdk' in sys.modules, 'pydantic' in sys.modules)"
    )
    # WHEN the smoke test module is imported
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # THEN neither the CDK nor the config machinery was loaded
    assert out.stdout.split() == ["False", "False"]
