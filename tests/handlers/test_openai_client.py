"""The official ``openai`` client, signing with ``genai_platform.client``, against the invoke
handler behind a local HTTP server on 127.0.0.1 that checks the SigV4 signature and API key as
API Gateway would, then hands the request to ``gw_gateway.handle`` as a proxy event."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

openai = pytest.importorskip(
    "openai",
    reason="the openai client is a dev dependency (openai, which brings httpx2 or httpx); "
    "it is not installed in this environment",
)

from botocore.credentials import Credentials  # noqa: E402

from genai_platform.client import openai_http_client  # noqa: E402
from tests.handlers.conftest import ApiEventFactory, Gateway, converse_response  # noqa: E402
from tests.sigv4_verifier import verify  # noqa: E402

SECRET = "secret/key+example"
API_KEY = "tenant-a-api-key"
STAGE = "/prod"


class FakeSession:
    def get_credentials(self) -> Any:
        return Credentials("AKIDEXAMPLE", SECRET, "session-token")


@pytest.fixture
def local_api(gateway: Gateway, api_event: ApiEventFactory) -> Iterator[str]:
    """``http://127.0.0.1:<port>/prod/v1``: SigV4 + API key checked, then the handler."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            url = f"http://{self.headers['Host']}{self.path}"
            problems = verify(
                "POST", url, dict(self.headers.items()), body, secret_key=SECRET, region="us-east-1"
            )
            if problems or self.headers.get("x-api-key") != API_KEY:
                self._send(403, {}, json.dumps({"message": "; ".join(problems) or "bad key"}))
                return
            event = api_event("POST", self.path.removeprefix(STAGE), body.decode("utf-8"))
            response = gateway_handle(event)
            self._send(response["statusCode"], response["headers"], response["body"])

        def _send(self, status: int, headers: dict[str, str], body: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    def gateway_handle(event: dict[str, Any]) -> dict[str, Any]:
        import gw_gateway

        return gw_gateway.handle(event, gateway.runtime)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{STAGE}/v1"
    finally:
        server.shutdown()
        server.server_close()


def _client(base_url: str) -> Any:
    return openai.OpenAI(
        base_url=base_url,
        api_key="unused",  # the SigV4 signature replaces the bearer token
        max_retries=0,
        http_client=openai_http_client(
            base_url, api_key=API_KEY, region="us-east-1", session=FakeSession()
        ),
    )


def test_openai_client_chats_through_the_gateway(gateway: Gateway, local_api: str) -> None:
    # GIVEN a Bedrock model that answers
    gateway.bedrock.script("converse", converse_response("Hello back", input_tokens=12))
    # WHEN the official client asks for a chat completion
    answer = _client(local_api).chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "Hello"}], max_tokens=100
    )
    # THEN it parses the gateway's answer
    assert answer.choices[0].message.content == "Hello back"
    assert answer.choices[0].finish_reason == "stop"
    assert answer.model == "chat"
    assert answer.usage is not None and answer.usage.total_tokens == 17
    assert answer.id.startswith("chatcmpl-")


def test_openai_client_raises_the_gateway_error(gateway: Gateway, local_api: str) -> None:
    # GIVEN an alias team-a may not use WHEN asked THEN the client raises a 403 with the message
    with pytest.raises(openai.PermissionDeniedError, match="is not available to tenant team-a"):
        _client(local_api).chat.completions.create(
            model="secret", messages=[{"role": "user", "content": "Hello"}]
        )
    assert gateway.bedrock.calls == []
