"""Per-tenant retrieval settings: the knowledge bases a tenant may use, its classification
ceiling and its end users' identity provider (``[tenants.identity]``).

Example::

    [[tenants]]
    id = "team-a"
    aliases = ["chat"]
    knowledge_bases = ["handbook"]          # [[knowledge_bases]] aliases
    max_classification = "confidential"    # public < internal < confidential < restricted

    [tenants.identity]
    issuer = "https://login.example.com/"
    audience = "api://assistant"
    jwks_url = "https://login.example.com/.well-known/jwks.json"
    groups_claim = "groups"
    header = "x-user-token"

The gateway builds every retrieval filter from these and the caller's identity only (see
``GuardedInferenceApi`` and the invoke function's ``gw_retrieval``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from genai_platform.config._base import _Model

__all__ = ["CLASSIFICATION_LEVELS", "IdentityConfig", "KnowledgeBaseAlias"]

#: Document classifications, lowest first.
CLASSIFICATION_LEVELS: tuple[str, ...] = ("public", "internal", "confidential", "restricted")
Classification = Literal["public", "internal", "confidential", "restricted"]
Algorithm = Literal["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]
KnowledgeBaseAlias = str

_HEADER = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_RESERVED_HEADERS = ("authorization", "x-api-key", "host", "x-amz-date")
_ALIAS = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def _https(value: str) -> str:
    if not value.startswith("https://") or len(value) > 512 or " " in value:
        raise ValueError(f"{value!r} is not an https:// URL of at most 512 characters")
    return value


class IdentityConfig(_Model):
    """``[tenants.identity]``: the issuer of a tenant's end-user tokens. With it, every
    retrieval needs a valid token in ``header`` and the user's groups narrow the filter."""

    issuer: str
    """The tokens' ``iss`` (an https:// URL)."""
    audience: str = Field(min_length=1, max_length=512)
    """The tokens' ``aud`` the API accepts."""
    jwks_url: str
    """The issuer's JSON Web Key Set (https://); copied into SSM every 15 minutes."""
    groups_claim: str = Field(default="groups", pattern=r"^[A-Za-z0-9_:./-]{1,128}$")
    """The claim holding the user's groups (default ``groups``)."""
    header: str = "x-user-token"
    """The request header carrying the token (default ``x-user-token``)."""
    algorithms: list[Algorithm] = Field(default_factory=lambda: ["RS256"], min_length=1)  # type: ignore[arg-type]
    """Accepted signature algorithms (asymmetric only; default RS256)."""
    leeway_seconds: int = Field(default=60, ge=0, le=300)
    """Clock skew allowed on exp/nbf/iat (default 60)."""

    @field_validator("issuer", "jwks_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        return _https(value)

    @field_validator("header")
    @classmethod
    def _header(cls, value: str) -> str:
        if not _HEADER.fullmatch(value) or value in _RESERVED_HEADERS:
            raise ValueError(
                f"{value!r} is not allowed; use a lower-case header name such as "
                f"'x-user-token' (not {', '.join(_RESERVED_HEADERS)})"
            )
        return value


def check_knowledge_base_aliases(value: list[str]) -> list[str]:
    """``knowledge_bases`` of a tenant: unique aliases of ``[[knowledge_bases]]``."""
    bad = [a for a in value if not _ALIAS.fullmatch(a)]
    if bad:
        raise ValueError(
            f"{bad!r} are not knowledge base aliases (1-64 lower-case letters, digits, '_', '-')"
        )
    twice = sorted({a for a in value if value.count(a) > 1})
    if twice:
        raise ValueError(f"{twice!r} listed more than once")
    return value
