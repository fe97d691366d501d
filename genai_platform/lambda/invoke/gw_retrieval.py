"""Identity-filtered retrieval: ``POST /v1/retrieve`` and ``POST /v1/chat`` with a knowledge base.

What a caller may retrieve follows from who it is, never from what it sends:

1. the tenant (from the SigV4-verified IAM principal, as for chat) must have a retrieval scope,
   and the knowledge base alias must be one of its ``knowledge_bases`` (else 403);
2. a tenant with an identity provider must send the end user's token; it is verified
   (``gw_identity``) and a missing, expired, forged or wrong-audience token answers 401 --
   never a tenant-wide retrieval;
3. the filter sent to Bedrock is built here, and only here (:func:`build_filter`)::

       andAll[ equals(tenant, <tenant id>),
               in(classification, <every level up to the tenant's max_classification>),
               <with identity:> equals(access_groups, g1) OR ... (the user's groups) ]

   A document without ``tenant`` metadata never matches, so forgotten metadata fails closed.
   A body with ``filter`` or any other retrieval-scope field is refused with a 400.
4. every result Bedrock returns is checked again against the same rules
   (:func:`permitted`) before anyone sees it; a result that fails is dropped and logged.

Operators: only ``andAll``, ``orAll``, ``equals`` and ``in``, which map onto the operators Amazon
S3 Vectors documents for filterable metadata (``$and``, ``$or``, ``$eq``, ``$in``; Amazon S3 User
Guide, "Metadata filtering"). S3 Vectors documents no list-contains or string operators, so
``listContains``, ``stringContains`` and ``startsWith`` are never emitted: group membership
is ``equals`` on the list-valued ``access_groups``, which S3 Vectors' ``$eq`` defines as "true
if the input value matches any element in the array". That Bedrock passes ``equals`` through to
``$eq`` unchanged for an S3 Vectors knowledge base is inferred from the two documents, not
stated by AWS; the handler tests evaluate the emitted grammar with exactly those semantics.
``orAll``/``andAll`` take 2 to 5 members (Amazon Bedrock API Reference, ``RetrievalFilter``), so
groups are split into nested ``orAll`` of at most five.

Chat with ``"knowledge_base"``: the passages found go into the last user turn as guardrail
``guardContent`` blocks qualified ``grounding_source`` and the question as ``query`` (Amazon
Bedrock API Reference, ``GuardrailConverseTextBlock``: qualifiers ``grounding_source | query |
guard_content``), so the guardrail's contextual grounding check judges the answer against
exactly those passages. Because Converse then evaluates only ``guardContent`` blocks, every
other user turn is sent as ``guardContent`` (``guard_content``) too: the whole input stays
guarded. With no passages, the model is told nothing was found, and the answer carries no
citations. Grounded chat is served by Bedrock aliases only (a SageMaker alias is refused, and
is never used as a fallback for it).

The contextual grounding check takes at most 100,000 characters of grounding source, 1,000 of
query and 5,000 of response (Amazon Bedrock User Guide, "Use contextual grounding check to
filter hallucinations in responses"): a grounded question longer than
:data:`GROUNDING_QUERY_MAX_CHARS` is refused with a 400 naming the message; what Bedrock does
with a longer answer than 5,000 characters is not documented there and was not verified.

Metrics (``Tenant``, ``KnowledgeBase``): ``Retrievals``, ``EmptyRetrievals``,
``RetrievalTopScore``, ``ChunksReturned``; ``GroundingInterventions`` (``Tenant``, ``Feature``,
``Model``) when the grounding check blocked an answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from gw_common import BadRequest, HttpError, has_lone_surrogate, json_response, json_type_name
from gw_config import GatewayConfig, Tenant
from gw_identity import (
    MAX_GROUPS,
    KeySetCache,
    KeySetUnavailable,
    VerifiedUser,
    header_value,
    verify_user,
)
from gw_metrics import (
    CHUNKS_RETURNED,
    EMPTY_RETRIEVALS,
    GROUNDING_INTERVENTIONS,
    RETRIEVAL_TOP_SCORE,
    RETRIEVALS,
    Dimensions,
    MetricsRecorder,
    RetrievalDimensions,
)
from gw_request import ChatMessage, ChatRequest
from gw_retrieval_config import (
    IdentityProvider,
    RetrievalConfig,
    TenantScope,
    allowed_classifications,
)
from gw_retry import DeadlineExceeded, call_with_retry
from gw_targets import (
    CONNECTION,
    REJECTED,
    THROTTLED,
    TIMEOUT,
    UNEXPECTED,
    _converse_messages,
    classify_error,
)

__all__ = [
    "FILTER_GROUP_CHUNK",
    "GROUNDING_QUERY_MAX_CHARS",
    "RETRIEVAL_SCOPE_FIELDS",
    "RETRIEVE_READ_TIMEOUT_SECONDS",
    "Access",
    "Chunk",
    "Grounding",
    "RetrievalCall",
    "RetrievalRuntime",
    "build_filter",
    "ground",
    "handle_retrieve",
    "permitted",
    "take_knowledge_base",
]

RETRIEVE_READ_TIMEOUT_SECONDS = 10.0
"""Read timeout of one ``Retrieve`` call when more than that is left of the deadline."""
FILTER_GROUP_CHUNK = 5
"""Most members of one ``orAll`` (Bedrock's ``RetrievalFilter`` takes 2 to 5)."""
MAX_CHUNK_CHARS = 8000
"""Longest passage text passed on (longer chunks are cut)."""

#: Fields that would choose what is retrieved: refused, whatever their value.
RETRIEVAL_SCOPE_FIELDS: tuple[str, ...] = (
    "filter",
    "filters",
    "retrieval_filter",
    "retrievalFilter",
    "retrievalConfiguration",
    "vectorSearchConfiguration",
    "knowledge_base_id",
    "knowledgeBaseId",
    "tenant",
    "classification",
    "max_classification",
    "access_groups",
    "groups",
    "user",
    "identity",
)
_RETRIEVE_FIELDS = ("query", "top_k", "knowledge_base")
#: Characters of the question a grounded chat may send as the guardrail's ``query``.
GROUNDING_QUERY_MAX_CHARS = 1000
_ALIAS = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_CITATION = re.compile(r"\[(\d{1,3})\]")

_GROUNDED_INSTRUCTIONS = (
    "Answer the user's question using only the numbered passages supplied with it. Cite the "
    "passages you use as [n]. If the passages do not contain the answer, say that you could not "
    "find it in the knowledge base; do not answer from general knowledge."
)
_NOTHING_FOUND = (
    "The knowledge base returned no passages this user may see for this question. Tell the "
    "user that nothing relevant was found in the knowledge base; do not answer from general "
    "knowledge and do not cite sources."
)


# --------------------------------------------------------------------------- runtime


@dataclass
class RetrievalRuntime:
    """What retrieval talks to, injected: ``agent_runtime(timeout)`` is a
    ``bedrock-agent-runtime`` client whose read timeout is at most ``timeout``;
    ``read_parameter(name, timeout)`` returns an SSM parameter's value (the issuers' key
    sets); ``key_sets`` caches those."""

    agent_runtime: Callable[[float], Any]
    read_parameter: Callable[[str, float], str]
    key_sets: KeySetCache = field(default_factory=KeySetCache)


@dataclass
class RetrievalCall:
    """One request's view of the gateway: config, clocks, deadline and where metrics and log
    fields go. ``timeout(cap)`` is the read timeout of the next call (at most ``cap``) and
    raises once the deadline is spent."""

    config: GatewayConfig
    runtime: RetrievalRuntime
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    uniform: Callable[[float, float], float]
    deadline: float
    timeout: Callable[[float], float]
    recorder: MetricsRecorder
    log: dict[str, Any]
    logger: Any
    request_id: str


@dataclass(frozen=True)
class Access:
    """What one caller may read of one knowledge base, from its identity alone."""

    tenant: str
    knowledge_base: str
    knowledge_base_id: str
    classifications: tuple[str, ...]
    groups: tuple[str, ...] | None
    """The user's groups (None: the tenant has no identity provider, no group narrowing)."""


@dataclass(frozen=True)
class Chunk:
    """A retrieved passage the caller may see."""

    text: str
    source_uri: str
    score: float


# --------------------------------------------------------------------------- the filter


def build_filter(access: Access) -> dict[str, Any]:
    """The ``RetrievalFilter`` for ``access`` (see the module documentation)."""
    clauses: list[dict[str, Any]] = [
        {"equals": {"key": "tenant", "value": access.tenant}},
        {"in": {"key": "classification", "value": list(access.classifications)}},
    ]
    if access.groups is not None:
        clauses.append(_any_group(list(access.groups)))
    return {"andAll": clauses}


def _any_group(groups: list[str]) -> dict[str, Any]:
    members: list[dict[str, Any]] = [
        {"equals": {"key": "access_groups", "value": g}} for g in groups
    ]
    while len(members) > 1:
        chunks = [
            members[i : i + FILTER_GROUP_CHUNK] for i in range(0, len(members), FILTER_GROUP_CHUNK)
        ]
        members = [c[0] if len(c) == 1 else {"orAll": c} for c in chunks]
    return members[0]


def permitted(metadata: Any, access: Access) -> bool:
    """Whether a result's metadata satisfies ``access`` (the filter's rules, checked again)."""
    if not isinstance(metadata, dict):
        return False
    if metadata.get("tenant") != access.tenant:
        return False
    if metadata.get("classification") not in access.classifications:
        return False
    if access.groups is None:
        return True
    groups = metadata.get("access_groups")
    if isinstance(groups, str):
        groups = [groups]
    return isinstance(groups, list) and any(g in access.groups for g in groups)


# --------------------------------------------------------------------------- request bodies


def _refuse_scope_fields(body: Mapping[str, Any]) -> None:
    for name in RETRIEVAL_SCOPE_FIELDS:
        if name in body:
            raise BadRequest(
                name,
                "is not accepted: what a caller may retrieve follows from its IAM identity and "
                "its user token only",
            )


def take_knowledge_base(body: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A chat body without its ``knowledge_base`` field, and that alias (None when absent);
    400 for a bad alias or any retrieval-scope field."""
    _refuse_scope_fields(body)
    if "knowledge_base" not in body or body["knowledge_base"] is None:
        return {k: v for k, v in body.items() if k != "knowledge_base"}, None
    alias = _alias(body["knowledge_base"])
    return {k: v for k, v in body.items() if k != "knowledge_base"}, alias


def _alias(value: Any) -> str:
    if not isinstance(value, str):
        raise BadRequest("knowledge_base", f"must be a string, not {json_type_name(value)}")
    if not _ALIAS.fullmatch(value):
        shown = value if len(value) <= 64 else value[:61] + "..."
        raise BadRequest(
            "knowledge_base",
            f"got {shown!r}; must be a knowledge base alias (1-64 lower-case letters, digits, "
            "'-' or '_')",
        )
    return value


@dataclass(frozen=True)
class _RetrieveRequest:
    query: str
    top_k: int
    knowledge_base: str


def _parse_retrieve(body: dict[str, Any], retrieval: RetrievalConfig) -> _RetrieveRequest:
    _refuse_scope_fields(body)
    unknown = sorted(k for k in body if k not in _RETRIEVE_FIELDS)
    if unknown:
        raise BadRequest(
            unknown[0][:64] or "body",
            f"unknown field(s) {', '.join(repr(k[:64]) for k in unknown[:5])}; allowed: "
            f"{', '.join(_RETRIEVE_FIELDS)}",
        )
    query = body.get("query")
    if not isinstance(query, str):
        raise BadRequest("query", f"is required: a string, not {json_type_name(query)}")
    if not query.strip():
        raise BadRequest("query", "must not be empty")
    if has_lone_surrogate(query):
        raise BadRequest("query", "contains an unpaired surrogate (U+D800-U+DFFF)")
    if len(query) > retrieval.max_query_chars:
        raise BadRequest(
            "query",
            f"has {len(query)} characters; at most {retrieval.max_query_chars} are allowed",
        )
    top_k = body.get("top_k", retrieval.default_top_k)
    if top_k is None:
        top_k = retrieval.default_top_k
    if isinstance(top_k, bool) or not isinstance(top_k, int):
        raise BadRequest("top_k", f"must be an integer, not {json_type_name(top_k)}")
    if not 1 <= top_k <= retrieval.max_top_k:
        shown = str(top_k) if len(str(top_k)) <= 32 else str(top_k)[:29] + "..."
        raise BadRequest("top_k", f"got {shown}; must be from 1 to {retrieval.max_top_k}")
    if "knowledge_base" not in body:
        raise BadRequest("knowledge_base", "is required: the alias of a knowledge base")
    return _RetrieveRequest(query, top_k, _alias(body["knowledge_base"]))


# --------------------------------------------------------------------------- access


def _no_retrieval() -> HttpError:
    return HttpError(
        403, "RetrievalNotAllowed", "this tenant may use no knowledge base", field="knowledge_base"
    )


def resolve_access(
    event: Mapping[str, Any], tenant: Tenant, alias: str, call: RetrievalCall
) -> Access:
    """Who is asking, as far as retrieval goes: 403 when the tenant may not use ``alias``,
    401 when its user token is missing or invalid, 503 when the issuer's keys are unreadable."""
    retrieval = call.config.retrieval
    scope: TenantScope | None = retrieval.scope_for(tenant.id) if retrieval else None
    if retrieval is None or scope is None:
        raise _no_retrieval()
    if alias not in scope.knowledge_bases:
        raise HttpError(
            403,
            "KnowledgeBaseNotAllowed",
            f"knowledge base {alias!r} is not available to tenant {tenant.id}; allowed: "
            f"{', '.join(scope.knowledge_bases)}",
            field="knowledge_base",
        )
    groups: tuple[str, ...] | None = None
    provider = scope.identity
    if provider is not None:
        user = _verified_user(event, provider, call)
        if len(user.groups) > MAX_GROUPS:
            raise HttpError(
                403,
                "TooManyGroups",
                f"the user token carries {len(user.groups)} groups; at most {MAX_GROUPS} can "
                "scope a retrieval (ask the identity provider to send only the relevant ones)",
            )
        groups = user.groups
        call.log["user_groups"] = len(groups)
    return Access(
        tenant=tenant.id,
        knowledge_base=alias,
        knowledge_base_id=retrieval.knowledge_bases[alias].id,
        classifications=allowed_classifications(scope.max_classification),
        groups=groups,
    )


def _verified_user(
    event: Mapping[str, Any], provider: IdentityProvider, call: RetrievalCall
) -> VerifiedUser:
    def keys(refresh: bool) -> list[dict[str, Any]]:
        return call.runtime.key_sets.keys(
            provider.jwks_parameter,
            call.clock(),
            lambda name: call.runtime.read_parameter(name, call.timeout(3.0)),
            refresh=refresh,
        )

    try:
        return verify_user(header_value(event, provider.header), provider, keys)
    except KeySetUnavailable as exc:
        call.logger.error(
            "identity key set unavailable",
            extra={"request_id": call.request_id, "error_type": str(exc)},
        )
        raise HttpError(
            503,
            "IdentityKeysUnavailable",
            "the identity provider's signing keys could not be read; retry shortly",
            headers={"Retry-After": "5"},
        ) from None


# --------------------------------------------------------------------------- retrieving


def _retrieve(access: Access, query: str, top_k: int, call: RetrievalCall) -> list[Chunk]:
    """The chunks the caller may see (Bedrock ``Retrieve`` with the identity's filter)."""
    dims = RetrievalDimensions(tenant=access.tenant, knowledge_base=access.knowledge_base)
    call.recorder.add(RETRIEVALS, 1, dims)
    if access.groups == ():
        # A user in no group can read no group's document: nothing to ask Bedrock.
        chunks: list[Chunk] = []
    else:
        chunks = _call_retrieve(access, query, top_k, call)
    call.recorder.add(CHUNKS_RETURNED, len(chunks), dims)
    if chunks:
        call.recorder.add(RETRIEVAL_TOP_SCORE, max(c.score for c in chunks), dims)
    else:
        call.recorder.add(EMPTY_RETRIEVALS, 1, dims)
    call.log.update(knowledge_base=access.knowledge_base, chunks=len(chunks))
    return chunks


def _call_retrieve(access: Access, query: str, top_k: int, call: RetrievalCall) -> list[Chunk]:
    params = {
        "knowledgeBaseId": access.knowledge_base_id,
        "retrievalQuery": {"text": query},
        "retrievalConfiguration": {
            "vectorSearchConfiguration": {
                "numberOfResults": top_k,
                "filter": build_filter(access),
            }
        },
    }

    def once() -> Any:
        client = call.runtime.agent_runtime(call.timeout(RETRIEVE_READ_TIMEOUT_SECONDS))
        return client.retrieve(**params)

    try:
        response = call_with_retry(
            once,
            policy=call.config.retry,
            deadline=call.deadline,
            is_retryable=lambda exc: classify_error(exc, "bedrock") in (THROTTLED, CONNECTION),
            clock=call.clock,
            sleep=call.sleep,
            uniform=call.uniform,
        )
    except DeadlineExceeded:
        raise
    except Exception as exc:
        kind = classify_error(exc, "bedrock")
        if kind == UNEXPECTED:
            raise
        if kind == REJECTED:
            raise HttpError(
                400,
                "RetrievalRejected",
                "the knowledge base rejected the query; shorten or rephrase it",
                field="query",
            ) from None
        call.logger.error(
            "knowledge base unavailable",
            extra={"request_id": call.request_id, "cause": kind, "error_type": type(exc).__name__},
        )
        raise HttpError(
            504 if kind == TIMEOUT else 503,
            "KnowledgeBaseUnavailable",
            f"knowledge base {access.knowledge_base!r} could not be searched; retry shortly",
            headers={"Retry-After": "5"},
        ) from None
    return _chunks(response, access, call)


def _chunks(response: Any, access: Access, call: RetrievalCall) -> list[Chunk]:
    results = response.get("retrievalResults") if isinstance(response, dict) else None
    if not isinstance(results, list):
        results = []
    chunks: list[Chunk] = []
    dropped = 0
    for result in results:
        chunk = _chunk(result, access)
        if chunk is None:
            dropped += 1
        else:
            chunks.append(chunk)
    if dropped:
        call.log["dropped_results"] = dropped
        call.logger.warning(
            "retrieval results outside the caller's access dropped",
            extra={"request_id": call.request_id, "dropped": dropped},
        )
    chunks.sort(key=lambda c: c.score, reverse=True)
    return chunks


def _chunk(result: Any, access: Access) -> Chunk | None:
    if not isinstance(result, dict) or not permitted(result.get("metadata"), access):
        return None
    content = result.get("content")
    text = content.get("text") if isinstance(content, dict) else None
    score = result.get("score", 0.0)
    if not isinstance(text, str) or not text.strip():
        return None
    if isinstance(score, bool) or not isinstance(score, int | float) or score != score:
        score = 0.0
    return Chunk(text=text[:MAX_CHUNK_CHARS], source_uri=_source(result), score=float(score))


def _source(result: dict[str, Any]) -> str:
    location = result.get("location")
    if isinstance(location, dict):
        s3 = location.get("s3Location")
        if isinstance(s3, dict) and isinstance(s3.get("uri"), str):
            return str(s3["uri"])
    metadata = result.get("metadata")
    uri = metadata.get("x-amz-bedrock-kb-source-uri") if isinstance(metadata, dict) else None
    return uri if isinstance(uri, str) else "unknown"


# --------------------------------------------------------------------------- the routes


def handle_retrieve(
    event: Mapping[str, Any], body: dict[str, Any], tenant: Tenant, call: RetrievalCall
) -> dict[str, Any]:
    """``POST /v1/retrieve``: the chunks the caller may see, with source URI and score."""
    retrieval = call.config.retrieval
    if retrieval is None:
        raise _no_retrieval()
    request = _parse_retrieve(body, retrieval)
    access = resolve_access(event, tenant, request.knowledge_base, call)
    chunks = _retrieve(access, request.query, request.top_k, call)
    return json_response(
        200,
        {
            "knowledge_base": access.knowledge_base,
            "results": [
                {"text": c.text, "source_uri": c.source_uri, "score": c.score} for c in chunks
            ],
        },
    )


@dataclass
class Grounding:
    """A chat request grounded on retrieved passages (built by :func:`ground`)."""

    knowledge_base: str
    question: str
    chunks: list[Chunk]
    request: ChatRequest
    """The request as sent: grounded system prompt, passages counted in the last user turn (so
    the quota reservation bounds them too)."""
    blocked: bool = False
    """Whether the contextual grounding check blocked the answer (set from the trace)."""

    def converse_messages(self, request: ChatRequest) -> list[dict[str, Any]]:
        """Converse messages: every user text as ``guardContent``; the last turn holds the
        passages (``grounding_source``) and the question (``query``)."""
        earlier = replace(request, messages=request.messages[:-1])
        messages = _converse_messages(earlier) if earlier.messages else []
        for message in messages:
            if message["role"] == "user":
                texts = [block["text"] for block in message["content"]]
                message["content"] = [_guard(text, "guard_content") for text in texts]
        blocks = [
            _guard(f"[{i}] {c.text}", "grounding_source") for i, c in enumerate(self.chunks, 1)
        ]
        if self.chunks:
            blocks.append(_guard(self.question, "query", "guard_content"))
        else:
            blocks.append(_guard(self.question, "guard_content"))
        if messages and messages[-1]["role"] == "user":
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": "user", "content": blocks})
        return messages

    def inspect(self, response: Any) -> None:
        """Note whether the guardrail's contextual grounding check blocked the answer."""
        trace = response.get("trace") if isinstance(response, dict) else None
        guardrail = trace.get("guardrail") if isinstance(trace, dict) else None
        self.blocked = _grounding_blocked(guardrail, depth=0)

    def citations(self, answer: str, intervened: bool) -> list[dict[str, Any]]:
        """The passages behind the answer: those it cites as ``[n]``, else all supplied; none
        when the guardrail intervened or nothing was found."""
        if intervened or not self.chunks:
            return []
        cited = {int(n) for n in _CITATION.findall(answer) if 1 <= int(n) <= len(self.chunks)}
        indexes = sorted(cited) or list(range(1, len(self.chunks) + 1))
        return [
            {
                "index": i,
                "source_uri": self.chunks[i - 1].source_uri,
                "score": self.chunks[i - 1].score,
            }
            for i in indexes
        ]

    def finish(
        self, body: dict[str, Any], intervened: bool, recorder: MetricsRecorder, dims: Dimensions
    ) -> None:
        """Add the knowledge base and citations to a chat answer; count a grounding block."""
        if self.blocked:
            recorder.add(GROUNDING_INTERVENTIONS, 1, dims)
        body["knowledge_base"] = self.knowledge_base
        body["citations"] = self.citations(str(body["output"]["content"]), intervened)


def _guard(text: str, *qualifiers: str) -> dict[str, Any]:
    return {"guardContent": {"text": {"text": text, "qualifiers": list(qualifiers)}}}


def _grounding_blocked(value: Any, depth: int) -> bool:
    if depth > 8:
        return False
    if isinstance(value, dict):
        policy = value.get("contextualGroundingPolicy")
        if isinstance(policy, dict):
            filters = policy.get("filters")
            if isinstance(filters, list) and any(
                isinstance(f, dict) and f.get("action") == "BLOCKED" for f in filters
            ):
                return True
        return any(_grounding_blocked(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_grounding_blocked(v, depth + 1) for v in value)
    return False


def ground(
    event: Mapping[str, Any],
    tenant: Tenant,
    alias: str,
    request: ChatRequest,
    call: RetrievalCall,
) -> Grounding:
    """Retrieve for the last user message and build the grounded request."""
    access = resolve_access(event, tenant, alias, call)
    question = request.messages[-1].content
    if len(question) > GROUNDING_QUERY_MAX_CHARS:
        raise BadRequest(
            f"messages[{len(request.messages) - 1}].content",
            f"has {len(question)} characters; a question to a knowledge base may have at most "
            f"{GROUNDING_QUERY_MAX_CHARS} (the guardrail's contextual grounding check limit)",
        )
    retrieval = call.config.retrieval
    assert retrieval is not None  # resolve_access refused otherwise
    chunks = _retrieve(access, question[: retrieval.max_query_chars], retrieval.default_top_k, call)
    instructions = _GROUNDED_INSTRUCTIONS if chunks else _NOTHING_FOUND
    system = f"{request.system}\n\n{instructions}" if request.system else instructions
    counted = "\n\n".join([*(f"[{i}] {c.text}" for i, c in enumerate(chunks, 1)), question])
    grounded = replace(
        request,
        system=system,
        messages=(*request.messages[:-1], ChatMessage("user", counted)),
    )
    return Grounding(alias, question, chunks, grounded)
