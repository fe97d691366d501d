"""genai_platform.client: SigV4 signatures API Gateway accepts, without httpx or openai."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.credentials import Credentials

from genai_platform.client import SigV4Signer, region_of
from tests.sigv4_verifier import verify

URL = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/v1/chat/completions"
BODY = b'{"model":"chat","messages":[{"role":"user","content":"Hello"}]}'


class FakeSession:
    def __init__(self, token: str | None = None) -> None:
        self.credentials = Credentials("AKIDEXAMPLE", "secret/key+example", token)

    def get_credentials(self) -> Any:
        return self.credentials


def test_signature_verifies_against_an_independent_sigv4_implementation() -> None:
    # GIVEN a signer with temporary credentials
    signer = SigV4Signer(region="eu-west-1", session=FakeSession(token="session-token"))
    headers = {"content-type": "application/json", "x-api-key": "tenant-key", "x-other": "v"}
    # WHEN a request is signed
    signed = signer.headers_for("POST", URL, headers, BODY)
    # THEN the signature verifies for execute-api in the URL's region, and covers the API key
    sent = {**headers, **signed}
    assert (
        verify("POST", URL, sent, BODY, secret_key="secret/key+example", region="eu-west-1") == []
    )
    assert "x-api-key" in signed["Authorization"] and "x-other" not in signed["Authorization"]
    assert signed["X-Amz-Security-Token"] == "session-token"
    # AND a changed body or API key no longer verifies
    assert verify(
        "POST", URL, sent, BODY + b" ", secret_key="secret/key+example", region="eu-west-1"
    )
    tampered = {**sent, "x-api-key": "other-tenant"}
    assert verify("POST", URL, tampered, BODY, secret_key="secret/key+example", region="eu-west-1")


def test_region_comes_from_the_execute_api_host() -> None:
    assert region_of(URL) == "eu-west-1"
    private = "https://a1b2c3d4e5-vpce-0123.execute-api.us-east-1.vpce.amazonaws.com/prod"
    assert region_of(private) == "us-east-1"
    with pytest.raises(ValueError, match=r"url: cannot tell the region from host 'example.com'"):
        region_of("https://example.com/prod")


def test_refuses_a_region_that_is_no_region() -> None:
    with pytest.raises(ValueError, match=r"region: 'EU' is not an AWS region name"):
        SigV4Signer(region="EU")


def test_fails_clearly_without_credentials() -> None:
    class NoCredentials:
        def get_credentials(self) -> None:
            return None

    signer = SigV4Signer(region="eu-west-1", session=NoCredentials())
    with pytest.raises(RuntimeError, match="no AWS credentials found"):
        signer.headers_for("POST", URL, {}, BODY)
