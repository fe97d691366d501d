"""Retrieval test support: the gateway with knowledge bases, signing keys and user tokens.

Keys are made once per test session with ``cryptography`` (fast) and published as a JSON Web
Key Set; tokens are signed with python-jose. The gateway verifies them with python-jose's
pure-Python backends (``rsa``, ``ecdsa``), as in Lambda.
"""

from __future__ import annotations

import base64
import copy
import json
import time
from functools import cache
from typing import Any

from tests.handlers.conftest import (
    TENANT_A_ROLE_ARN,
    ApiEventFactory,
    ApiResult,
    FakeQuotaTable,
    Gateway,
    GatewayFactory,
    converse_response,
)
from tests.retrieval_filter import FakeKnowledgeBase

ISSUER = "https://login.acme.example/"
AUDIENCE = "api://acme-assistant"
TOKEN_HEADER = "x-user-token"
JWKS_PARAMETER = "/genai/gateway/jwks/team-a"


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@cache
def rsa_key(name: str) -> tuple[str, dict[str, Any]]:
    """A private key (PEM) and its public JWK, ``kid`` = ``name``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    numbers = private.public_key().public_numbers()
    jwk = {
        "kty": "RSA",
        "kid": name,
        "use": "sig",
        "alg": "RS256",
        "n": _b64(numbers.n),
        "e": _b64(numbers.e),
    }
    return pem, jwk


@cache
def ec_key(name: str) -> tuple[str, dict[str, Any]]:
    """A P-256 private key (PEM) and its public JWK."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    numbers = private.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "kid": name,
        "use": "sig",
        "alg": "ES256",
        "crv": "P-256",
        "x": base64.urlsafe_b64encode(numbers.x.to_bytes(32, "big")).rstrip(b"=").decode(),
        "y": base64.urlsafe_b64encode(numbers.y.to_bytes(32, "big")).rstrip(b"=").decode(),
    }
    return pem, jwk


def key_set(*jwks: dict[str, Any]) -> str:
    """A JSON Web Key Set as the copier stores it."""
    return json.dumps({"keys": list(jwks)})


def token(
    groups: Any = ("staff",),
    *,
    key: str = "signing-1",
    algorithm: str = "RS256",
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
    expires_in: int = 600,
    claims: dict[str, Any] | None = None,
    kid: str | None = "default",
) -> str:
    """A signed end-user token (``kid`` "default": the key's own name)."""
    from jose import jwt

    pem, jwk = ec_key(key) if algorithm.startswith("ES") else rsa_key(key)
    now = int(time.time())
    body = {
        "iss": issuer,
        "aud": audience,
        "sub": "user-1",
        "iat": now,
        "exp": now + expires_in,
        "groups": list(groups) if isinstance(groups, tuple | list) else groups,
        **(claims or {}),
    }
    headers = {} if kid is None else {"kid": jwk["kid"] if kid == "default" else kid}
    return str(jwt.encode(body, pem, algorithm=algorithm, headers=headers))


KB_ID = "KBACME0001"
CFO_MEMO = "s3://acme-documents/acme/cfo-compensation-memo.txt"
GLOBEX = "s3://acme-documents/globex/"

RETRIEVAL: dict[str, Any] = {
    "knowledge_bases": {"handbook": {"id": KB_ID}},
    "default_top_k": 5,
    "max_top_k": 20,
    "max_query_chars": 1000,
    "tenants": {
        "team-a": {
            "knowledge_bases": ["handbook"],
            "max_classification": "restricted",
            "identity": {
                "issuer": ISSUER,
                "audience": AUDIENCE,
                "groups_claim": "groups",
                "header": TOKEN_HEADER,
                "algorithms": ["RS256", "ES256"],
                "jwks_parameter": JWKS_PARAMETER,
                "leeway_seconds": 0,
            },
        },
        "team-b": {"knowledge_bases": ["handbook"], "max_classification": "confidential"},
    },
}


class KeySetParameter:
    """The SSM parameter the JWKS copier writes, read by the gateway."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.reads = 0
        self.error: BaseException | None = None

    def __call__(self, name: str, timeout: float) -> str:
        assert name == JWKS_PARAMETER and 0 < timeout <= 3.0
        self.reads += 1
        if self.error is not None:
            raise self.error
        return self.value


class RagGateway:
    def __init__(self, gateway: Gateway, kb: FakeKnowledgeBase, keys: KeySetParameter) -> None:
        self.gateway = gateway
        self.kb = kb
        self.keys = keys

    def call(
        self,
        api_event: ApiEventFactory,
        path: str,
        body: Any,
        *,
        user_token: str | None = None,
        user_arn: str = TENANT_A_ROLE_ARN,
    ) -> ApiResult:
        event = api_event("POST", path, body, user_arn=user_arn)
        if user_token is not None:
            event["headers"] = {**(event.get("headers") or {}), "X-User-Token": user_token}
            event["multiValueHeaders"] = None
        return self.gateway.call(event)

    def metrics(self, name: str) -> list[tuple[dict[str, str], list[float]]]:
        return [
            (dims.as_dict(), values[name])
            for recorder in self.gateway.recorders
            for dims, values in recorder.points.items()
            if name in values
        ]


def build_rag(make_gateway: GatewayFactory, gateway_config: dict[str, Any]) -> RagGateway:
    """The gateway with ``RETRIEVAL`` configured, a fake knowledge base over the test corpus,
    the issuer's key set in a fake parameter and Converse answering with a citation."""
    import gw_retrieval

    config = copy.deepcopy(gateway_config)
    config["retrieval"] = copy.deepcopy(RETRIEVAL)
    for tenant in config["tenants"]:
        tenant["monthly_token_quota"] = 10**12
    gateway = make_gateway(config, quota_client=FakeQuotaTable())
    kb = FakeKnowledgeBase(KB_ID)
    keys = KeySetParameter(key_set(rsa_key("signing-1")[1], ec_key("signing-ec")[1]))
    gateway.runtime.retrieval = gw_retrieval.RetrievalRuntime(
        agent_runtime=kb.with_timeout, read_parameter=keys
    )
    gateway.bedrock.defaults["converse"] = converse_response("From the handbook [1].")
    return RagGateway(gateway, kb, keys)
