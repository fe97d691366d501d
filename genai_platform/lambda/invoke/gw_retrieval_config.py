"""The ``retrieval`` section of the gateway config: knowledge bases and who may read what.

The section is optional (a gateway without knowledge bases has none). Its shape::

    "retrieval": {
      "knowledge_bases": {"hr": {"id": "KB12345678"}},
      "default_top_k": 5, "max_top_k": 20, "max_query_chars": 1000,
      "tenants": {
        "team-a": {
          "knowledge_bases": ["hr"],
          "max_classification": "internal",
          "identity": {
            "issuer": "https://login.example.com/",
            "audience": "api://assistant",
            "groups_claim": "groups",
            "header": "x-user-token",
            "algorithms": ["RS256"],
            "jwks_parameter": "/genai/gateway/jwks/team-a",
            "leeway_seconds": 60
          }
        }
      }
    }

A tenant missing from ``tenants`` may use no knowledge base. ``max_classification`` is the
highest document classification its callers can ever receive (``public`` < ``internal`` <
``confidential`` < ``restricted``). With ``identity``, every retrieval needs the end user's
token in ``header``, verified against the issuer's keys that the JWKS copier keeps in
``jwks_parameter`` (see ``gw_identity``); the user's groups then narrow the filter.

Every problem is reported with its key, the value and what is allowed (the caller collects
them with the rest of the config's problems: an invalid version is never served).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gw_common import show_value

__all__ = [
    "ALLOWED_ALGORITHMS",
    "CLASSIFICATIONS",
    "DEFAULT_MAX_QUERY_CHARS",
    "DEFAULT_MAX_TOP_K",
    "DEFAULT_TOP_K",
    "IdentityProvider",
    "KnowledgeBaseRef",
    "RetrievalConfig",
    "TenantScope",
    "allowed_classifications",
    "parse_retrieval",
]

#: Document classifications, lowest first (the metadata convention's ``classification``).
CLASSIFICATIONS: tuple[str, ...] = ("public", "internal", "confidential", "restricted")
#: Signature algorithms a tenant may pin (asymmetric only: a shared-secret HS* algorithm would
#: let anyone holding the published key set forge tokens, and ``none`` is never accepted).
ALLOWED_ALGORITHMS: tuple[str, ...] = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
DEFAULT_TOP_K = 5
DEFAULT_MAX_TOP_K = 20
#: Bedrock's ``Retrieve`` returns at most 100 results per call (``numberOfResults`` 1-100,
#: Amazon Bedrock API Reference, ``KnowledgeBaseVectorSearchConfiguration``).
RETRIEVE_MAX_RESULTS = 100
DEFAULT_MAX_QUERY_CHARS = 1000
MAX_QUERY_CHARS = 20_000

_ALIAS = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_KB_ID = re.compile(r"[0-9A-Z]{10}")
_HEADER = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_CLAIM = re.compile(r"[A-Za-z0-9_:./-]{1,128}")
_PARAMETER = re.compile(r"/[a-zA-Z0-9_.\-/]{1,1010}")
_RESERVED_HEADERS = frozenset({"authorization", "x-api-key", "host", "x-amz-date"})


@dataclass(frozen=True)
class KnowledgeBaseRef:
    """A knowledge base the gateway may retrieve from, by alias."""

    alias: str
    id: str


@dataclass(frozen=True)
class IdentityProvider:
    """The end users' token issuer of one tenant."""

    issuer: str
    audience: str
    groups_claim: str
    header: str
    algorithms: tuple[str, ...]
    jwks_parameter: str
    leeway_seconds: int = 60


@dataclass(frozen=True)
class TenantScope:
    """What one tenant's callers may retrieve."""

    knowledge_bases: tuple[str, ...]
    max_classification: str
    identity: IdentityProvider | None = None


@dataclass(frozen=True)
class RetrievalConfig:
    """The validated ``retrieval`` section."""

    knowledge_bases: Mapping[str, KnowledgeBaseRef]
    tenants: Mapping[str, TenantScope]
    default_top_k: int = DEFAULT_TOP_K
    max_top_k: int = DEFAULT_MAX_TOP_K
    max_query_chars: int = DEFAULT_MAX_QUERY_CHARS

    def scope_for(self, tenant_id: str) -> TenantScope | None:
        """The tenant's scope, or None when it may use no knowledge base."""
        return self.tenants.get(tenant_id)


def allowed_classifications(ceiling: str) -> tuple[str, ...]:
    """Every classification up to and including ``ceiling``."""
    return CLASSIFICATIONS[: CLASSIFICATIONS.index(ceiling) + 1]


def parse_retrieval(data: Any, tenant_ids: set[str], problems: list[str]) -> RetrievalConfig | None:
    """Validate the ``retrieval`` section; append a line per problem to ``problems``."""
    before = len(problems)

    def fail(key: str, value: Any, allowed: str) -> None:
        problems.append(f"{key}: got {show_value(value)}; {allowed}")

    if not isinstance(data, dict):
        fail("retrieval", data, "must be a JSON object")
        return None
    known = {"knowledge_bases", "tenants", "default_top_k", "max_top_k", "max_query_chars"}
    unknown = sorted(set(data) - known)
    if unknown:
        problems.append(
            f"retrieval: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
        )
    knowledge_bases = _knowledge_bases(data.get("knowledge_bases"), fail)
    max_top_k = _integer(data, "max_top_k", DEFAULT_MAX_TOP_K, 1, RETRIEVE_MAX_RESULTS, fail)
    default_top_k = _integer(data, "default_top_k", DEFAULT_TOP_K, 1, RETRIEVE_MAX_RESULTS, fail)
    if default_top_k > max_top_k:
        fail("retrieval.default_top_k", default_top_k, f"must be at most max_top_k ({max_top_k})")
    max_query = _integer(data, "max_query_chars", DEFAULT_MAX_QUERY_CHARS, 1, MAX_QUERY_CHARS, fail)
    tenants = _tenants(data.get("tenants", {}), knowledge_bases, tenant_ids, fail)
    if len(problems) > before:
        return None
    return RetrievalConfig(
        knowledge_bases=knowledge_bases,
        tenants=tenants,
        default_top_k=default_top_k,
        max_top_k=max_top_k,
        max_query_chars=max_query,
    )


def _integer(data: dict[str, Any], name: str, default: int, low: int, high: int, fail: Any) -> int:
    if name not in data:
        return default
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(f"retrieval.{name}", value, f"must be an integer from {low} to {high}")
        return default
    return value


def _knowledge_bases(data: Any, fail: Any) -> dict[str, KnowledgeBaseRef]:
    if not isinstance(data, dict) or not data:
        fail("retrieval.knowledge_bases", data, "must be a non-empty object of alias -> {id}")
        return {}
    refs: dict[str, KnowledgeBaseRef] = {}
    for alias, spec in data.items():
        key = f"retrieval.knowledge_bases.{alias}"
        if not _ALIAS.fullmatch(alias):
            fail("retrieval.knowledge_bases", alias, "aliases must match [a-z0-9][a-z0-9_-]{0,63}")
            continue
        if not isinstance(spec, dict) or set(spec) != {"id"}:
            fail(key, spec, 'must be {"id": "<knowledge base id>"}')
            continue
        kb_id = spec["id"]
        if not isinstance(kb_id, str) or not _KB_ID.fullmatch(kb_id):
            fail(f"{key}.id", kb_id, "must be a knowledge base id (10 upper-case letters/digits)")
            continue
        refs[alias] = KnowledgeBaseRef(alias, kb_id)
    return refs


def _tenants(
    data: Any, knowledge_bases: Mapping[str, KnowledgeBaseRef], tenant_ids: set[str], fail: Any
) -> dict[str, TenantScope]:
    if not isinstance(data, dict):
        fail("retrieval.tenants", data, "must be an object of tenant id -> scope")
        return {}
    scopes: dict[str, TenantScope] = {}
    for tenant_id, spec in data.items():
        key = f"retrieval.tenants.{tenant_id}"
        if tenant_id not in tenant_ids:
            fail("retrieval.tenants", tenant_id, f"must be a tenant id from {sorted(tenant_ids)}")
            continue
        if not isinstance(spec, dict):
            fail(key, spec, "must be a JSON object")
            continue
        allowed = {"knowledge_bases", "max_classification", "identity"}
        unknown = sorted(set(spec) - allowed)
        if unknown:
            fail(key, unknown, f"unknown key(s); allowed: {', '.join(sorted(allowed))}")
        aliases = spec.get("knowledge_bases")
        if (
            not isinstance(aliases, list)
            or not aliases
            or not all(isinstance(a, str) and a in knowledge_bases for a in aliases)
        ):
            fail(
                f"{key}.knowledge_bases",
                aliases,
                "must be a non-empty list of knowledge base aliases from "
                f"{sorted(knowledge_bases)}",
            )
            aliases = []
        ceiling = spec.get("max_classification")
        if ceiling not in CLASSIFICATIONS:
            levels = ", ".join(CLASSIFICATIONS)
            fail(f"{key}.max_classification", ceiling, f"must be one of {levels}")
            ceiling = CLASSIFICATIONS[0]
        identity = None
        if spec.get("identity") is not None:
            identity = _identity(spec["identity"], f"{key}.identity", fail)
        scopes[tenant_id] = TenantScope(tuple(dict.fromkeys(aliases)), str(ceiling), identity)
    return scopes


def _identity(data: Any, key: str, fail: Any) -> IdentityProvider | None:
    if not isinstance(data, dict):
        fail(key, data, "must be a JSON object")
        return None
    names = {
        "issuer",
        "audience",
        "groups_claim",
        "header",
        "algorithms",
        "jwks_parameter",
        "leeway_seconds",
    }
    unknown = sorted(set(data) - names)
    if unknown:
        fail(key, unknown, f"unknown key(s); allowed: {', '.join(sorted(names))}")
    ok = True
    issuer = data.get("issuer")
    if not isinstance(issuer, str) or not issuer.startswith("https://") or len(issuer) > 512:
        fail(f"{key}.issuer", issuer, "must be the issuer's https:// URL (the tokens' iss)")
        ok = False
    audience = data.get("audience")
    if not isinstance(audience, str) or not 1 <= len(audience) <= 512:
        fail(f"{key}.audience", audience, "must be the tokens' aud (1-512 characters)")
        ok = False
    claim = data.get("groups_claim")
    if not isinstance(claim, str) or not _CLAIM.fullmatch(claim):
        fail(f"{key}.groups_claim", claim, "must be a claim name such as 'groups'")
        ok = False
    header = data.get("header")
    if not isinstance(header, str) or not _HEADER.fullmatch(header) or header in _RESERVED_HEADERS:
        fail(
            f"{key}.header",
            header,
            "must be a lower-case header name such as 'x-user-token' (not authorization, "
            "x-api-key, host or x-amz-date, which SigV4 and API keys use)",
        )
        ok = False
    algorithms = data.get("algorithms")
    if (
        not isinstance(algorithms, list)
        or not algorithms
        or not all(a in ALLOWED_ALGORITHMS for a in algorithms)
    ):
        fail(f"{key}.algorithms", algorithms, f"must be a non-empty list from {ALLOWED_ALGORITHMS}")
        ok = False
    parameter = data.get("jwks_parameter")
    if not isinstance(parameter, str) or not _PARAMETER.fullmatch(parameter):
        fail(f"{key}.jwks_parameter", parameter, "must be an SSM parameter name starting with /")
        ok = False
    leeway = data.get("leeway_seconds", 60)
    if isinstance(leeway, bool) or not isinstance(leeway, int) or not 0 <= leeway <= 300:
        fail(f"{key}.leeway_seconds", leeway, "must be an integer from 0 to 300")
        ok = False
    if not ok:
        return None
    return IdentityProvider(
        issuer=str(issuer),
        audience=str(audience),
        groups_claim=str(claim),
        header=str(header),
        algorithms=tuple(dict.fromkeys(str(a) for a in algorithms)),  # type: ignore[union-attr]
        jwks_parameter=str(parameter),
        leeway_seconds=int(leeway),
    )
