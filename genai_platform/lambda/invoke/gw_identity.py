"""The end user behind a retrieval: a verified token, or no access.

A tenant that configures an identity provider (``retrieval.tenants.<id>.identity``) sends the
end user's token (a JWT from its issuer) in a header of its choice. :func:`verify_user` accepts
it only when all of these hold, and raises :class:`Unauthorized` (401) otherwise:

- the header is present and holds one compact JWS of at most :data:`MAX_TOKEN_CHARS`;
- its ``alg`` is one the tenant pinned (asymmetric only; never ``none`` or ``HS*``), and the
  key named by its ``kid`` (or the only key of the right type when it names none) is in the
  issuer's key set;
- the signature verifies with that key, and ``iss``, ``aud`` and ``exp`` are present and right
  (``nbf``/``iat`` too when present), with the tenant's leeway for clock skew.

Verification uses **python-jose** with its pure-Python backends, chosen explicitly (``rsa`` for
RS*, ``ecdsa`` for ES*): they are what the function's layer carries (copied from the installed
environment at synth, no compiled code), so tests exercise the same code Lambda runs, even
where the ``cryptography`` package is installed.

The issuer's key set never comes from the internet here (the functions run in isolated
subnets): a scheduled copier outside the VPC keeps it in an SSM parameter, and
:class:`KeySetCache` keeps what it read for :data:`KEY_SET_MAX_AGE_SECONDS`, reading again early
(at most every :data:`KEY_SET_MIN_REFRESH_SECONDS`) when a token names a key it does not know,
so a rotated key is picked up within a copier run. A key set that cannot be read at all
answers 503 (never an unfiltered retrieval).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gw_common import HttpError
from gw_retrieval_config import IdentityProvider

__all__ = [
    "KEY_SET_MAX_AGE_SECONDS",
    "KEY_SET_MIN_REFRESH_SECONDS",
    "MAX_GROUPS",
    "MAX_TOKEN_CHARS",
    "KeySetCache",
    "KeySetUnavailable",
    "Unauthorized",
    "VerifiedUser",
    "header_value",
    "verify_user",
]

MAX_TOKEN_CHARS = 16_384
"""Longest token accepted (identity tokens with many groups run to a few KB)."""
MAX_GROUPS = 20
"""Most groups one user's token may carry for a retrieval filter (more: 403)."""
MAX_GROUP_CHARS = 256
KEY_SET_MAX_AGE_SECONDS = 300.0
"""How long a key set read from SSM is used before it is read again."""
KEY_SET_MIN_REFRESH_SECONDS = 30.0
"""An unknown ``kid`` reads the key set again, but at most this often per parameter."""


class Unauthorized(HttpError):
    """401: the end user's identity is missing or not verifiable."""

    def __init__(self, message: str) -> None:
        super().__init__(401, "Unauthorized", message)


class KeySetUnavailable(Exception):
    """The issuer's key set could not be read from its parameter."""


@dataclass(frozen=True)
class VerifiedUser:
    """What a verified token says about its user (only what the filter needs)."""

    groups: tuple[str, ...]


@dataclass
class _Entry:
    keys: list[dict[str, Any]]
    read_at: float


@dataclass
class KeySetCache:
    """Key sets by parameter name, read through ``read(parameter)``."""

    entries: dict[str, _Entry] = field(default_factory=dict)

    def keys(
        self, parameter: str, now: float, read: Callable[[str], str], *, refresh: bool = False
    ) -> list[dict[str, Any]]:
        """The parameter's keys: cached, or read again when stale (or when ``refresh`` asks and
        the last read is older than :data:`KEY_SET_MIN_REFRESH_SECONDS`)."""
        entry = self.entries.get(parameter)
        fresh = entry is not None and now - entry.read_at < KEY_SET_MAX_AGE_SECONDS
        if entry is not None and fresh and not refresh:
            return entry.keys
        if entry is not None and refresh and now - entry.read_at < KEY_SET_MIN_REFRESH_SECONDS:
            return entry.keys
        try:
            keys = _parse_key_set(read(parameter))
        except Exception as exc:
            if entry is not None and fresh:
                return entry.keys
            raise KeySetUnavailable(type(exc).__name__) from None
        self.entries[parameter] = _Entry(keys, now)
        return keys


def _parse_key_set(text: str) -> list[dict[str, Any]]:
    data = json.loads(text)
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list):
        raise ValueError("not a JSON Web Key Set")
    return [k for k in keys if isinstance(k, dict)]


def header_value(event: Mapping[str, Any], name: str) -> str | None:
    """The value of header ``name`` (case-insensitive); None when absent or sent twice."""
    found: list[str] = []
    multi = event.get("multiValueHeaders")
    if isinstance(multi, dict):
        for key, values in multi.items():
            if isinstance(key, str) and key.lower() == name and isinstance(values, list):
                found.extend(v for v in values if isinstance(v, str))
    if not found:
        headers = event.get("headers")
        if isinstance(headers, dict):
            for key, value in headers.items():
                if isinstance(key, str) and key.lower() == name and isinstance(value, str):
                    found.append(value)
    if len(found) != 1:
        return None
    return found[0]


def verify_user(
    token: str | None,
    provider: IdentityProvider,
    keys: Callable[[bool], list[dict[str, Any]]],
) -> VerifiedUser:
    """Verify the end user's token; :class:`Unauthorized` unless every check passes.

    ``keys(refresh)`` returns the issuer's key set (``refresh`` asks for a fresh read when the
    token names an unknown key); it may raise :class:`KeySetUnavailable`.
    """
    header = provider.header
    if token is None or not token.strip():
        raise Unauthorized(f"this tenant requires the end user's token in the {header} header")
    token = token.strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2 or not token.isascii():
        raise Unauthorized(f"the {header} header does not hold a signed JWT")
    from jose import jws, jwt  # type: ignore[import-untyped]
    from jose.exceptions import (  # type: ignore[import-untyped]
        ExpiredSignatureError,
        JOSEError,
        JWTClaimsError,
    )

    try:
        unverified = jws.get_unverified_header(token)
    except JOSEError:
        raise Unauthorized(f"the {header} header does not hold a signed JWT") from None
    alg = unverified.get("alg") if isinstance(unverified, dict) else None
    if not isinstance(alg, str) or alg not in provider.algorithms:
        raise Unauthorized(
            f"the user token is signed with {str(alg)[:16]!r}; this tenant accepts "
            f"{', '.join(provider.algorithms)}"
        )
    kid = unverified.get("kid")
    jwk = _key_for(keys(False), kid, alg)
    if jwk is None:
        jwk = _key_for(keys(True), kid, alg)
    if jwk is None:
        raise Unauthorized("the user token is signed with a key the issuer does not publish")
    try:
        key = _pure_python_key(jwk, alg)
    except Exception:
        raise Unauthorized("the issuer's key for this token is unusable") from None
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=provider.audience,
            issuer=provider.issuer,
            options={
                "require_exp": True,
                "require_aud": True,
                "require_iss": True,
                "verify_at_hash": False,
                "leeway": provider.leeway_seconds,
            },
        )
    except ExpiredSignatureError:
        raise Unauthorized("the user token has expired") from None
    except JWTClaimsError:
        raise Unauthorized(
            "the user token was not issued for this API (issuer, audience or validity "
            "period not accepted)"
        ) from None
    except JOSEError:
        raise Unauthorized("the user token's signature does not verify") from None
    except (TypeError, ValueError, OverflowError):
        # python-jose assumes numeric exp/nbf/iat: any other type is an invalid token.
        raise Unauthorized(
            "the user token was not issued for this API (its validity period is malformed)"
        ) from None
    if not isinstance(claims, dict):
        raise Unauthorized("the user token's claims are not an object")
    return VerifiedUser(groups=_groups(claims.get(provider.groups_claim)))


def _key_for(keys: list[dict[str, Any]], kid: Any, alg: str) -> dict[str, Any] | None:
    kty = "RSA" if alg.startswith("RS") else "EC"
    usable = [
        k
        for k in keys
        if k.get("kty") == kty and k.get("use", "sig") == "sig" and k.get("alg", alg) == alg
    ]
    if kid is None:
        return usable[0] if len(usable) == 1 else None
    for key in usable:
        if key.get("kid") == kid:
            return key
    return None


def _pure_python_key(jwk: dict[str, Any], alg: str) -> Any:
    """The verification key from python-jose's pure-Python backends (what Lambda runs)."""
    if alg.startswith("RS"):
        from jose.backends.rsa_backend import RSAKey  # type: ignore[import-untyped]

        return RSAKey(jwk, alg)
    from jose.backends.ecdsa_backend import ECDSAECKey  # type: ignore[import-untyped]

    return ECDSAECKey(jwk, alg)


def _groups(value: Any) -> tuple[str, ...]:
    """The user's groups: a list of strings (or one string); anything else is no group."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    groups = [g for g in value if isinstance(g, str) and 0 < len(g) <= MAX_GROUP_CHARS]
    return tuple(sorted(dict.fromkeys(groups)))
