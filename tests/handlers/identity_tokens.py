"""Locally generated signing keys and end-user tokens for the retrieval tests.

Keys are made once per test session with ``cryptography`` (fast) and published as a JSON Web
Key Set; tokens are signed with python-jose. The gateway verifies them with python-jose's
pure-Python backends (``rsa``, ``ecdsa``), as in Lambda.
"""

from __future__ import annotations

import base64
import json
import time
from functools import cache
from typing import Any

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
