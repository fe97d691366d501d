"""The README's SigV4 client (``examples/sigv4_client.py``): what it signs, what it sends, and a
signed request that API Gateway would accept, run through the feedback function.

No network: signing is checked against an independent SigV4 computation, and sending goes to
a stand-in for ``urllib.request.urlopen``.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import importlib
import importlib.util
import io
import json
import re
import sys
import urllib.error
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.handlers.conftest import (
    APP_ACCOUNT,
    FEEDBACK_TABLE_NAME,
    REGION,
    TENANT_A_ROLE_ARN,
    ApiEventFactory,
    FakeLambdaContext,
    issue_response_id,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "sigv4_client.py"
README = ROOT / "README.md"

API_ID = "abcdef1234"
STAGE = "prod"
FEEDBACK_URL = f"https://{API_ID}.execute-api.{REGION}.amazonaws.com/{STAGE}/v1/feedback"
MODELS_URL = f"https://{API_ID}.execute-api.{REGION}.amazonaws.com/{STAGE}/v1/models"
API_KEY = "team-a-usage-plan-key-0123456789"
ACCESS_KEY = "ASIAEXAMPLEKEY000001"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"
FEEDBACK = {
    "response_id": issue_response_id(),
    "rating": "up",
    "comment": "Helpful.",
}
FEEDBACK_MODULES = ("feedback_app", "fb_config", "fb_request", "fb_store")

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[A-Z0-9]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/"
    r"(?P<service>[a-z-]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})"
)


@pytest.fixture(scope="module")
def client() -> ModuleType:
    """``examples/sigv4_client.py``, loaded from its file (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("sigv4_client", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def credentials() -> Credentials:
    """Temporary (session) credentials of the app's workload role: fake, static."""
    return Credentials(ACCESS_KEY, SECRET_KEY, token=SESSION_TOKEN)


@pytest.fixture
def signed(client: ModuleType, credentials: Credentials) -> AWSRequest:
    """``POST /v1/feedback`` signed by the example."""
    request: AWSRequest = client.sign_request(
        FEEDBACK_URL, FEEDBACK, api_key=API_KEY, credentials=credentials
    )
    return request


def authorization(request: AWSRequest) -> re.Match[str]:
    match = _AUTHORIZATION.fullmatch(request.headers["Authorization"])
    assert match is not None, request.headers["Authorization"]
    return match


def sigv4_signature(request: AWSRequest, secret_key: str) -> str:
    """The SigV4 signature of ``request`` computed from scratch, as API Gateway verifies it."""
    auth = authorization(request)
    url = urlsplit(request.url)
    headers = {name.lower(): str(value) for name, value in request.headers.items()}
    headers.setdefault("host", url.netloc)
    signed_headers = auth["signed"].split(";")
    canonical_headers = "".join(
        f"{name}:{' '.join(headers[name].split())}\n" for name in signed_headers
    )
    query = "&".join(
        sorted(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
            for k, v in parse_qsl(url.query, keep_blank_values=True)
        )
    )
    payload_hash = hashlib.sha256(request.body or b"").hexdigest()
    canonical_request = "\n".join(
        [
            request.method,
            quote(url.path, safe="/-_.~"),
            query,
            canonical_headers,
            auth["signed"],
            payload_hash,
        ]
    )
    amz_date = headers["x-amz-date"]
    scope = f"{auth['date']}/{auth['region']}/{auth['service']}/aws4_request"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = f"AWS4{secret_key}".encode()
    for part in (auth["date"], auth["region"], auth["service"], "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


# --- signing --------------------------------------------------------------------------------


def test_authorization_is_sigv4_for_execute_api_in_the_url_region(signed: AWSRequest) -> None:
    # GIVEN a request signed by the example
    # WHEN its Authorization header is read
    auth = authorization(signed)
    # THEN it is SigV4, scoped to execute-api in us-east-1 on the request's date
    assert auth["key"] == ACCESS_KEY
    assert auth["service"] == "execute-api"
    assert auth["region"] == REGION
    assert signed.headers["X-Amz-Date"].startswith(auth["date"])
    assert re.fullmatch(r"\d{8}T\d{6}Z", signed.headers["X-Amz-Date"])


def test_api_key_and_session_token_are_sent_and_signed(signed: AWSRequest) -> None:
    # GIVEN a request signed with session credentials
    # WHEN its headers are read
    signed_headers = authorization(signed)["signed"].split(";")
    # THEN the usage-plan key and the session token are present and covered by the signature
    assert signed.headers["x-api-key"] == API_KEY
    assert signed.headers["X-Amz-Security-Token"] == SESSION_TOKEN
    assert {"host", "x-amz-date", "x-api-key", "x-amz-security-token"} <= set(signed_headers)


def test_body_is_the_json_payload(signed: AWSRequest) -> None:
    # GIVEN a signed POST
    # WHEN its body is decoded
    # THEN it is the JSON body, declared as such
    assert json.loads(signed.body) == FEEDBACK
    assert signed.headers["Content-Type"] == "application/json"


def test_payload_hash_in_signature_is_sha256_of_body(signed: AWSRequest) -> None:
    # GIVEN a signed POST
    # WHEN the signature is recomputed from scratch over SHA-256 of the body
    expected = sigv4_signature(signed, SECRET_KEY)
    # THEN it matches: the signature covers exactly this payload
    assert authorization(signed)["signature"] == expected


def test_tampered_body_no_longer_matches_signature(signed: AWSRequest) -> None:
    # GIVEN a signed request whose body is changed after signing
    tampered = copy.copy(signed)
    tampered.data = json.dumps({**FEEDBACK, "rating": "down"}).encode()
    # WHEN the signature is recomputed
    # THEN it differs: API Gateway would refuse it
    assert authorization(signed)["signature"] != sigv4_signature(tampered, SECRET_KEY)


def test_get_is_signed_over_the_empty_payload(client: ModuleType, credentials: Credentials) -> None:
    # GIVEN GET /v1/models with a query string
    request = client.sign_request(
        f"{MODELS_URL}?b=2&a=1", api_key=API_KEY, credentials=credentials, method="GET"
    )
    # WHEN it is checked
    # THEN it has no body nor Content-Type, and the signature verifies
    assert not request.body
    assert "Content-Type" not in request.headers
    assert authorization(request)["signature"] == sigv4_signature(request, SECRET_KEY)


@pytest.mark.parametrize(
    ("url", "region"),
    [
        (f"https://{API_ID}.execute-api.eu-west-1.amazonaws.com/prod/v1/chat", "eu-west-1"),
        (
            f"https://{API_ID}-vpce-0123456789abcdef0.execute-api.us-east-1.vpce.amazonaws.com/p",
            "us-east-1",
        ),
    ],
)
def test_region_comes_from_the_execute_api_host(client: ModuleType, url: str, region: str) -> None:
    # GIVEN a regional or VPC-endpoint URL
    # WHEN / THEN the signing region is the URL's
    assert client.region_of(url) == region


def test_custom_domain_needs_an_explicit_region(
    client: ModuleType, credentials: Credentials
) -> None:
    # GIVEN a custom domain, which does not name a region
    url = "https://ai.example.com/v1/chat"
    # WHEN signing without region= / THEN it says so
    with pytest.raises(ValueError, match=r"cannot tell the region from 'ai.example.com'"):
        client.sign_request(url, FEEDBACK, api_key=API_KEY, credentials=credentials)
    # AND with region= it signs for that region
    request = client.sign_request(
        url, FEEDBACK, api_key=API_KEY, credentials=credentials, region="eu-central-1"
    )
    assert authorization(request)["region"] == "eu-central-1"


# --- sending --------------------------------------------------------------------------------


class FakeSession:
    """A boto3/botocore session stand-in that hands out static credentials."""

    def __init__(self, credentials: Credentials | None) -> None:
        self.credentials = credentials

    def get_credentials(self) -> Credentials | None:
        return self.credentials


class FakeResponse(io.BytesIO):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(body)
        self.status = status


def test_call_gateway_sends_the_signed_request_and_decodes_json(
    client: ModuleType, credentials: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a gateway that answers 201
    sent: list[Any] = []

    def urlopen(request: Any, timeout: float) -> FakeResponse:
        sent.append((request, timeout))
        return FakeResponse(201, b'{"stored": true}')

    monkeypatch.setattr(client.urllib.request, "urlopen", urlopen)
    # WHEN the example calls it
    status, answer = client.call_gateway(
        FEEDBACK_URL, FEEDBACK, api_key=API_KEY, session=FakeSession(credentials)
    )
    # THEN it sent one signed POST with the JSON body and returned the decoded answer
    assert (status, answer) == (201, {"stored": True})
    ((request, timeout),) = sent
    assert request.get_method() == "POST"
    assert request.full_url == FEEDBACK_URL
    assert json.loads(request.data) == FEEDBACK
    assert request.get_header("Authorization").startswith("AWS4-HMAC-SHA256 ")
    assert request.get_header("X-api-key") == API_KEY
    assert timeout == 30.0


def test_call_gateway_returns_error_status_and_body(
    client: ModuleType, credentials: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a gateway that refuses the caller
    def urlopen(request: Any, timeout: float) -> FakeResponse:
        body = io.BytesIO(b'{"error": {"code": "AccessDenied", "message": "no"}}')
        raise urllib.error.HTTPError(request.full_url, 403, "Forbidden", Message(), body)

    monkeypatch.setattr(client.urllib.request, "urlopen", urlopen)
    # WHEN the example calls it
    status, answer = client.call_gateway(
        FEEDBACK_URL, FEEDBACK, api_key=API_KEY, session=FakeSession(credentials)
    )
    # THEN the caller gets the status and the error document, not an exception
    assert status == 403
    assert answer["error"]["code"] == "AccessDenied"


def test_call_gateway_without_credentials_says_so(client: ModuleType) -> None:
    # GIVEN no credentials anywhere
    # WHEN / THEN the example explains what is missing
    with pytest.raises(RuntimeError, match="no AWS credentials found"):
        client.call_gateway(FEEDBACK_URL, FEEDBACK, api_key=API_KEY, session=FakeSession(None))


# --- end to end through the feedback function -----------------------------------------------


@pytest.fixture
def feedback_app(handler_env: dict[str, Any]) -> Iterator[ModuleType]:
    """The feedback function, cold-started against moto (and forgotten afterwards)."""
    for name in FEEDBACK_MODULES:
        sys.modules.pop(name, None)
    yield importlib.import_module("feedback_app")
    for name in FEEDBACK_MODULES:
        sys.modules.pop(name, None)


def api_gateway_event(
    request: AWSRequest, api_event: ApiEventFactory, caller_arn: str
) -> dict[str, Any]:
    """The proxy event API Gateway hands the function once the signature has verified."""
    url = urlsplit(request.url)
    resource = url.path.removeprefix(f"/{STAGE}")
    body = request.body.decode("utf-8") if request.body else None
    headers = {name: str(value) for name, value in request.headers.items()}
    headers["Host"] = url.netloc
    event = api_event(request.method, resource, body, user_arn=caller_arn, headers=headers)
    event["requestContext"]["path"] = url.path
    event["requestContext"]["identity"]["accessKey"] = authorization(request)["key"]
    return event


def test_signed_request_reaches_feedback_function_as_the_signing_role(
    signed: AWSRequest,
    feedback_app: ModuleType,
    api_event: ApiEventFactory,
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN a request signed by tenant-a's workload role, whose signature verifies
    assert authorization(signed)["signature"] == sigv4_signature(signed, SECRET_KEY)
    event = api_gateway_event(signed, api_event, caller_arn=TENANT_A_ROLE_ARN)
    # WHEN API Gateway passes it to the feedback function
    response = feedback_app.lambda_handler(event, lambda_context)
    # THEN the feedback is stored for that role
    assert response["statusCode"] == 201
    assert json.loads(response["body"]) == {"stored": True}
    item = (
        boto3.resource("dynamodb", region_name=REGION)
        .Table(FEEDBACK_TABLE_NAME)
        .get_item(
            Key={
                "response_id": FEEDBACK["response_id"],
                "caller": f"{APP_ACCOUNT}:role:app-a-workload",
            }
        )["Item"]
    )
    assert item["tenant"] == "team-a"
    assert item["comment"] == "Helpful."


# --- README ---------------------------------------------------------------------------------


def test_readme_shows_the_example_verbatim() -> None:
    # GIVEN the README's SigV4 section
    text = README.read_text("utf-8")
    block = re.search(
        r"<!-- sigv4-example:start -->\s*```python\n(?P<code>.*?)```\s*<!-- sigv4-example:end -->",
        text,
        re.DOTALL,
    )
    # WHEN / THEN it holds exactly examples/sigv4_client.py, so the tested code is the shown code
    assert block is not None, (
        "README.md needs examples/sigv4_client.py pasted in a ```python block between "
        "<!-- sigv4-example:start --> and <!-- sigv4-example:end -->"
    )
    assert block["code"].strip() == EXAMPLE.read_text("utf-8").strip()
