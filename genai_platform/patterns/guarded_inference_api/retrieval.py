"""Identity-filtered retrieval in the guarded inference API: props, validation, routing config.

A :class:`GuardedInferenceApi` given ``knowledge_bases`` (alias -> :class:`IKnowledgeBase`)
serves ``POST /v1/retrieve`` and grounded ``POST /v1/chat`` (``"knowledge_base": "<alias>"``)
to the tenants whose :class:`Tenant` carries a :class:`TenantRetrieval`. What a caller may read
is decided by the invoke function from its identity alone (see the function's
``gw_retrieval``): the tenant of its IAM principal, the tenant's classification ceiling, and --
when the tenant configures an :class:`IdentityProvider` -- the groups of the end user's
verified token. This module checks those props, renders the routing config's ``retrieval``
section, and wires what the function needs (``bedrock:Retrieve`` on exactly the configured
knowledge bases through ``grant_retrieve``, the ``bedrock-agent-runtime`` interface endpoint in
the private network, read access to the issuers' key sets that :mod:`.identity_keys` copies).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam

from genai_platform.constructs.interfaces import IKnowledgeBase

__all__ = [
    "CLASSIFICATIONS",
    "DEFAULT_MAX_CLASSIFICATION",
    "DEFAULT_TOKEN_HEADER",
    "IDENTITY_ALGORITHMS",
    "RETRIEVE_DEFAULT_TOP_K",
    "RETRIEVE_MAX_QUERY_CHARS",
    "RETRIEVE_MAX_TOP_K",
    "IdentityProvider",
    "TenantRetrieval",
    "jwks_parameter_name",
]

#: Document classifications, lowest first (the metadata convention's ``classification``).
CLASSIFICATIONS: tuple[str, ...] = ("public", "internal", "confidential", "restricted")
#: A tenant's ceiling when it sets none: internal documents, never confidential or restricted.
DEFAULT_MAX_CLASSIFICATION = "internal"
#: The header that carries the end user's token when an identity provider names none.
DEFAULT_TOKEN_HEADER = "x-user-token"
#: Signature algorithms a tenant may pin (asymmetric only).
IDENTITY_ALGORITHMS: tuple[str, ...] = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
#: Results of ``POST /v1/retrieve`` when the body names no ``top_k`` (and per grounded chat).
RETRIEVE_DEFAULT_TOP_K = 5
#: Largest ``top_k`` a caller may ask for.
RETRIEVE_MAX_TOP_K = 20
#: Longest retrieval query, in characters.
RETRIEVE_MAX_QUERY_CHARS = 1000

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_HEADER = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_CLAIM = re.compile(r"[A-Za-z0-9_:./-]{1,128}")
_RESERVED_HEADERS = frozenset({"authorization", "x-api-key", "host", "x-amz-date"})


@dataclass(frozen=True)
class IdentityProvider:
    """The issuer of a tenant's end-user tokens (OpenID Connect / OAuth 2.0 JWTs).

    Args:
        issuer: The tokens' ``iss``, an ``https://`` URL.
        audience: The tokens' ``aud`` this API accepts (1-512 characters).
        jwks_url: The issuer's JSON Web Key Set, an ``https://`` URL. The functions run in
            isolated subnets, so a scheduled copier outside the VPC reads it every 15 minutes
            into an SSM parameter the invoke function reads (see :mod:`.identity_keys`).
        groups_claim: The claim holding the user's groups (a list of strings). Default:
            ``groups``.
        header: The request header carrying the token (lower case; not ``authorization``,
            which SigV4 uses). Default: ``x-user-token``.
        algorithms: The signature algorithms accepted (from :data:`IDENTITY_ALGORITHMS`).
            Default: RS256 only.
        leeway_seconds: Clock skew allowed on ``exp``/``nbf``/``iat`` (0-300). Default: 60.
    """

    issuer: str
    audience: str
    jwks_url: str
    groups_claim: str = "groups"
    header: str = DEFAULT_TOKEN_HEADER
    algorithms: Sequence[str] = ("RS256",)
    leeway_seconds: int = 60


@dataclass(frozen=True)
class TenantRetrieval:
    """What a tenant's callers may retrieve.

    Args:
        knowledge_bases: Aliases (keys of the API's ``knowledge_bases``) the tenant may use.
        max_classification: The highest classification its callers can ever receive
            (``public`` < ``internal`` < ``confidential`` < ``restricted``). Default:
            ``internal``.
        identity: The tenant's end-user identity provider. With it, every retrieval needs a
            valid user token and the user's groups narrow the filter (a document must name one
            of them in ``access_groups``); a missing or invalid token is a 401. Default: none;
            the filter is the tenant and the classification ceiling only.
    """

    knowledge_bases: Sequence[str]
    max_classification: str = DEFAULT_MAX_CLASSIFICATION
    identity: IdentityProvider | None = None


def jwks_parameter_name(name_prefix: str, tenant_id: str) -> str:
    """The SSM parameter holding a tenant issuer's key set: ``/<prefix>/gateway/jwks/<tenant>``."""
    return f"/{name_prefix}/gateway/jwks/{tenant_id}"


@dataclass
class RetrievalPlan:
    """What validation worked out for retrieval."""

    knowledge_bases: dict[str, IKnowledgeBase]
    tenants: dict[str, TenantRetrieval]
    identities: dict[str, IdentityProvider] = field(default_factory=dict)
    name_prefix: str = "genai"

    def jwks_parameter(self, tenant_id: str) -> str:
        """The key-set parameter of a tenant with an identity provider."""
        return jwks_parameter_name(self.name_prefix, tenant_id)


# --------------------------------------------------------------------------- validation


def _is_token(value: object) -> bool:
    return isinstance(value, str) and cdk.Token.is_unresolved(value)


def check_retrieval(
    stack: cdk.Stack,
    knowledge_bases: Mapping[str, IKnowledgeBase] | None,
    tenants: Sequence[Any],
    name_prefix: str,
) -> tuple[RetrievalPlan | None, list[str]]:
    """Check ``knowledge_bases`` and every tenant's ``retrieval``; the plan (None when no
    tenant retrieves) and the problems, each naming the prop, the value and what is allowed."""
    problems: list[str] = []
    kbs: dict[str, IKnowledgeBase] = {}
    if knowledge_bases is not None and not isinstance(knowledge_bases, Mapping):
        problems.append(
            f"knowledge_bases: {knowledge_bases!r} is not allowed; give a mapping of alias -> "
            "IKnowledgeBase (a KnowledgeBase, or KnowledgeBase.from_knowledge_base_attributes)"
        )
    given = knowledge_bases if isinstance(knowledge_bases, Mapping) else {}
    for alias, kb in given.items():
        if not isinstance(alias, str) or not _NAME.fullmatch(alias):
            problems.append(
                f"knowledge_bases: alias {alias!r} is not allowed; use 1-64 lowercase letters, "
                "digits, '_' and '-', starting with a letter or digit"
            )
            continue
        if not isinstance(kb, IKnowledgeBase):
            problems.append(
                f"knowledge_bases.{alias}: {kb!r} is not a knowledge base; give an "
                "IKnowledgeBase (KnowledgeBase or KnowledgeBase.from_knowledge_base_attributes)"
            )
            continue
        for part, theirs, ours in (
            ("account", kb.account, stack.account),
            ("Region", kb.region, stack.region),
        ):
            if not _is_token(theirs) and not _is_token(ours) and theirs != ours:
                problems.append(
                    f"knowledge_bases.{alias}: the knowledge base is in {part} {theirs!r}, but "
                    f"the API is in {part} {ours!r}; the invoke function calls Retrieve with its "
                    "own credentials in its own account and Region (build the knowledge base in "
                    "the generative-AI account, over the data account's bucket)"
                )
        kbs[alias] = kb
    scopes: dict[str, TenantRetrieval] = {}
    identities: dict[str, IdentityProvider] = {}
    for index, tenant in enumerate(tenants):
        retrieval = getattr(tenant, "retrieval", None)
        if retrieval is None:
            continue
        prop = f"tenants[{index}].retrieval"
        if not isinstance(retrieval, TenantRetrieval):
            problems.append(f"{prop}: {retrieval!r} is not a TenantRetrieval")
            continue
        problems += _check_scope(prop, retrieval, kbs, knowledge_bases)
        if retrieval.identity is not None:
            found = _check_identity(f"{prop}.identity", retrieval.identity)
            problems += found
            if not found:
                identities[str(tenant.id)] = retrieval.identity
        scopes[str(tenant.id)] = retrieval
    if problems:
        return None, problems
    if not scopes:
        return None, []
    return RetrievalPlan(kbs, scopes, identities, name_prefix), []


def _check_scope(
    prop: str,
    retrieval: TenantRetrieval,
    kbs: Mapping[str, IKnowledgeBase],
    given: object,
) -> list[str]:
    problems = []
    aliases = retrieval.knowledge_bases
    if (
        isinstance(aliases, str)
        or not isinstance(aliases, Sequence)
        or not aliases
        or not all(isinstance(a, str) and a in kbs for a in aliases)
    ):
        known = sorted(kbs) if kbs else "none: the API's knowledge_bases is empty"
        problems.append(
            f"{prop}.knowledge_bases: {aliases!r} is not allowed; give a non-empty list of "
            f"knowledge base aliases (known: {known})"
        )
    if retrieval.max_classification not in CLASSIFICATIONS:
        problems.append(
            f"{prop}.max_classification: {retrieval.max_classification!r} is not allowed; use "
            f"one of {', '.join(CLASSIFICATIONS)}"
        )
    if retrieval.identity is not None and not isinstance(retrieval.identity, IdentityProvider):
        problems.append(f"{prop}.identity: {retrieval.identity!r} is not an IdentityProvider")
    return problems


def _check_identity(prop: str, identity: IdentityProvider) -> list[str]:
    if not isinstance(identity, IdentityProvider):
        return []  # reported by _check_scope
    problems = []
    for name in ("issuer", "jwks_url"):
        value = getattr(identity, name)
        if not isinstance(value, str) or not value.startswith("https://") or len(value) > 512:
            problems.append(
                f"{prop}.{name}: {value!r} is not allowed; give an https:// URL of at most 512 "
                "characters"
            )
    if not isinstance(identity.audience, str) or not 1 <= len(identity.audience) <= 512:
        problems.append(
            f"{prop}.audience: {identity.audience!r} is not allowed; give the tokens' aud "
            "(1-512 characters)"
        )
    if not isinstance(identity.groups_claim, str) or not _CLAIM.fullmatch(identity.groups_claim):
        problems.append(
            f"{prop}.groups_claim: {identity.groups_claim!r} is not allowed; give a claim name "
            "such as 'groups' (letters, digits, _ : . / -)"
        )
    header = identity.header
    if not isinstance(header, str) or not _HEADER.fullmatch(header) or header in _RESERVED_HEADERS:
        problems.append(
            f"{prop}.header: {header!r} is not allowed; give a lower-case header name such as "
            f"{DEFAULT_TOKEN_HEADER!r} (not {', '.join(sorted(_RESERVED_HEADERS))})"
        )
    algorithms = identity.algorithms
    if (
        isinstance(algorithms, str)
        or not isinstance(algorithms, Sequence)
        or not algorithms
        or not all(a in IDENTITY_ALGORITHMS for a in algorithms)
    ):
        problems.append(
            f"{prop}.algorithms: {algorithms!r} is not allowed; give a non-empty list from "
            f"{', '.join(IDENTITY_ALGORITHMS)} (symmetric and 'none' are never accepted)"
        )
    leeway = identity.leeway_seconds
    if isinstance(leeway, bool) or not isinstance(leeway, int) or not 0 <= leeway <= 300:
        problems.append(
            f"{prop}.leeway_seconds: {leeway!r} is not allowed; give an integer from 0 to 300"
        )
    return problems


# --------------------------------------------------------------------------- routing config


def retrieval_document(plan: RetrievalPlan, *, placeholders: bool = False) -> dict[str, Any]:
    """The routing config's ``retrieval`` section (see the invoke function's
    ``gw_retrieval_config``); with ``placeholders``, deploy-time ids at their longest."""

    def kb_id(kb: IKnowledgeBase) -> str:
        value = kb.knowledge_base_id
        return "X" * 10 if placeholders and _is_token(value) else value

    tenants: dict[str, Any] = {}
    for tenant_id, scope in plan.tenants.items():
        entry: dict[str, Any] = {
            "knowledge_bases": list(dict.fromkeys(scope.knowledge_bases)),
            "max_classification": scope.max_classification,
        }
        identity = plan.identities.get(tenant_id)
        if identity is not None:
            entry["identity"] = {
                "issuer": identity.issuer,
                "audience": identity.audience,
                "groups_claim": identity.groups_claim,
                "header": identity.header,
                "algorithms": list(dict.fromkeys(identity.algorithms)),
                "jwks_parameter": plan.jwks_parameter(tenant_id),
                "leeway_seconds": identity.leeway_seconds,
            }
        tenants[tenant_id] = entry
    return {
        "knowledge_bases": {alias: {"id": kb_id(kb)} for alias, kb in plan.knowledge_bases.items()},
        "default_top_k": RETRIEVE_DEFAULT_TOP_K,
        "max_top_k": RETRIEVE_MAX_TOP_K,
        "max_query_chars": RETRIEVE_MAX_QUERY_CHARS,
        "tenants": tenants,
    }


# --------------------------------------------------------------------------- API and IAM


def retrieve_schema() -> apigateway.JsonSchema:
    """``POST /v1/retrieve``: a query, an optional ``top_k`` and the knowledge base alias;
    nothing else (a ``filter`` is refused here already, and by the function)."""
    string = apigateway.JsonSchemaType.STRING
    return apigateway.JsonSchema(
        schema=apigateway.JsonSchemaVersion.DRAFT4,
        title="RetrieveRequest",
        type=apigateway.JsonSchemaType.OBJECT,
        required=["query", "knowledge_base"],
        additional_properties=False,
        properties={
            "query": apigateway.JsonSchema(
                type=string, min_length=1, max_length=RETRIEVE_MAX_QUERY_CHARS
            ),
            "top_k": apigateway.JsonSchema(
                type=apigateway.JsonSchemaType.INTEGER, minimum=1, maximum=RETRIEVE_MAX_TOP_K
            ),
            "knowledge_base": apigateway.JsonSchema(type=string, pattern=f"^{_NAME.pattern}$"),
        },
    )


def grant_retrieval(
    grantee: iam.IGrantable, plan: RetrievalPlan, jwks_parameter_arns: Sequence[str]
) -> None:
    """``bedrock:Retrieve`` on exactly the configured knowledge bases (each one's
    ``grant_retrieve``) and ``ssm:GetParameter`` on the issuers' key-set parameters."""
    for kb in plan.knowledge_bases.values():
        kb.grant_retrieve(grantee)
    if jwks_parameter_arns:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ssm:GetParameter"],
            resource_arns=list(jwks_parameter_arns),
        )
