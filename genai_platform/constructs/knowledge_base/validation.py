"""Checks of the knowledge base's props: every problem one line naming the prop, the value and
what is allowed; :func:`validate` raises them together before anything is built."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk

from genai_platform.constructs.knowledge_base.props import (
    EMBEDDING_DIMENSIONS,
    MAX_DIMENSION,
    MAX_PREFIX_CHARS,
    Chunking,
    Parsing,
)
from genai_platform.constructs.model_catalog import ModelCatalog
from genai_platform.regions import KNOWLEDGE_BASES, S3_VECTORS, feature_problem

_ACCOUNT = re.compile(r"\d{12}")
#: Bedrock knowledge base names: 1-100 characters, ``([0-9a-zA-Z][_-]?){1,100}``.
_KB_NAME = re.compile(r"([0-9a-zA-Z][_-]?){1,100}")
#: IAM role names: 1-64 characters of ``\w+=,.@-``.
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_ALIAS = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,62}")


@dataclass(frozen=True)
class Resolved:
    """What validation worked out: the embedding model id and the vector dimensions."""

    embedding_model_id: str
    dimensions: int
    parsing_model_id: str | None


def _literal(value: object) -> bool:
    return isinstance(value, str) and not cdk.Token.is_unresolved(value)


def check_embedding(
    catalog: object, embedding_model: object, dimensions: object
) -> tuple[list[str], str | None, int | None]:
    """The embedding model must be an approved embedding model with known dimensions."""
    if not isinstance(catalog, ModelCatalog):
        return [f"model_catalog: {catalog!r} is not a ModelCatalog"], None, None
    if not isinstance(embedding_model, str):
        return [f"embedding_model: {embedding_model!r} is not an alias or model id"], None, None
    try:
        model = catalog.model(embedding_model)
    except ValueError:
        return (
            [
                f"embedding_model: {embedding_model!r} is neither an alias nor an approved model "
                f"of the catalogue; approved embedding models: {list(catalog.embedding_models)}"
            ],
            None,
            None,
        )
    if model.spec.supports_guardrails:
        return (
            [
                f"embedding_model: {embedding_model!r} ({model.model_id}) is a "
                f"{model.spec.modality} model, not an embedding model; approved embedding models: "
                f"{list(catalog.embedding_models)}"
            ],
            None,
            None,
        )
    allowed = EMBEDDING_DIMENSIONS.get(model.model_id)
    if allowed is None:
        return (
            [
                f"embedding_model: {model.model_id!r} has no verified output dimensions; "
                f"supported: {sorted(EMBEDDING_DIMENSIONS)}"
            ],
            None,
            None,
        )
    if dimensions is None:
        return [], model.model_id, allowed[0]
    if (
        not isinstance(dimensions, int)
        or isinstance(dimensions, bool)
        or dimensions not in allowed
        or not 1 <= dimensions <= MAX_DIMENSION
    ):
        return (
            [
                f"dimensions: {dimensions!r} is not an output size of {model.model_id}; "
                f"allowed: {sorted(allowed)}"
            ],
            model.model_id,
            None,
        )
    return [], model.model_id, dimensions


def check_parsing(catalog: object, parsing: object) -> tuple[list[str], str | None]:
    if not isinstance(parsing, Parsing):
        return [
            f"parsing: {parsing!r} is not a Parsing (use Parsing.default() or "
            "Parsing.foundation_model(...))"
        ], None
    if parsing.strategy == "DEFAULT":
        return [], None
    if parsing.strategy != "FOUNDATION_MODEL" or not isinstance(catalog, ModelCatalog):
        return [f"parsing: strategy {parsing.strategy!r} is not DEFAULT or FOUNDATION_MODEL"], None
    try:
        model = catalog.model(parsing.model)
    except ValueError:
        return [
            f"parsing: model {parsing.model!r} is neither an alias nor an approved model; "
            f"approved text models: {list(catalog.text_models)}"
        ], None
    if model.spec.modality != "multimodal":
        return [
            f"parsing: model {parsing.model!r} ({model.model_id}) is a {model.spec.modality} "
            "model; Bedrock parses documents with multimodal models only"
        ], None
    return [], model.model_id


def check_prefixes(prefixes: object) -> list[str]:
    if isinstance(prefixes, str) or not isinstance(prefixes, Sequence):
        return [f"inclusion_prefixes: {prefixes!r} is not a list of key prefixes"]
    problems = []
    for prefix in prefixes:
        if (
            not isinstance(prefix, str)
            or (_literal(prefix) and (not prefix or len(prefix) > MAX_PREFIX_CHARS))
            or (isinstance(prefix, str) and prefix.startswith("/"))
        ):
            problems.append(
                f"inclusion_prefixes: {prefix!r} is not a key prefix; give 1 to "
                f"{MAX_PREFIX_CHARS} characters without a leading '/' (e.g. 'handbook/')"
            )
    literal = [p for p in prefixes if _literal(p)]
    if len(set(literal)) != len(literal):
        problems.append(f"inclusion_prefixes: {list(prefixes)!r} lists a prefix twice")
    for outer in literal:
        for inner in literal:
            if outer != inner and inner.startswith(outer):
                problems.append(
                    f"inclusion_prefixes: {inner!r} lies inside {outer!r}; each data source "
                    "would ingest those documents"
                )
    return problems


def check_names(
    knowledge_base_name: object, role_name: object, alias: object, owner: object
) -> list[str]:
    problems = []
    if knowledge_base_name is not None and (
        not isinstance(knowledge_base_name, str)
        or (_literal(knowledge_base_name) and not _KB_NAME.fullmatch(knowledge_base_name))
    ):
        problems.append(
            f"knowledge_base_name: {knowledge_base_name!r} is not allowed; 1-100 letters and "
            "digits, each optionally followed by one '_' or '-'"
        )
    if role_name is not None and (
        not isinstance(role_name, str)
        or (_literal(role_name) and not _ROLE_NAME.fullmatch(role_name))
    ):
        problems.append(
            f"role_name: {role_name!r} is not an IAM role name; 1-64 letters, digits and +=,.@_-"
        )
    if alias is not None and (not isinstance(alias, str) or not _ALIAS.fullmatch(alias)):
        problems.append(
            f"alias: {alias!r} is not allowed; 1-63 letters, digits and hyphens, starting "
            "with a letter"
        )
    if owner is not None and (
        not isinstance(owner, str) or (_literal(owner) and not _ACCOUNT.fullmatch(owner))
    ):
        problems.append(f"bucket_owner_account: {owner!r} is not a 12-digit AWS account id")
    return problems


def validate(
    *,
    path: str,
    catalog: object,
    embedding_model: object,
    dimensions: object,
    distance_metric: object,
    chunking: object,
    parsing: object,
    prefixes: object,
    knowledge_base_name: object,
    role_name: object,
    alias: object,
    owner: object,
    region: str,
) -> Resolved:
    """Every problem of the props at once (ValueError), or what they resolve to."""
    problems, model_id, resolved_dimensions = check_embedding(catalog, embedding_model, dimensions)
    if not cdk.Token.is_unresolved(region):
        for feature in (KNOWLEDGE_BASES, S3_VECTORS):
            problem = feature_problem(feature, region, prop="scope")
            if problem:
                problems.append(problem)
    if distance_metric not in ("cosine", "euclidean"):
        problems.append(
            f"distance_metric: {distance_metric!r} is not allowed; S3 Vectors offers 'cosine' "
            "and 'euclidean'"
        )
    if not isinstance(chunking, Chunking):
        problems.append(
            f"chunking: {chunking!r} is not a Chunking (use Chunking.fixed_size(), "
            ".hierarchical(), .semantic() or .none())"
        )
    else:
        problems += chunking.problems()
    parsing_problems, parsing_model_id = check_parsing(catalog, parsing)
    problems += parsing_problems
    problems += check_prefixes(prefixes)
    problems += check_names(knowledge_base_name, role_name, alias, owner)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ValueError(
            f"KnowledgeBase {path!r}: invalid props ({len(problems)} problems):\n{lines}"
        )
    assert model_id is not None and resolved_dimensions is not None
    return Resolved(model_id, resolved_dimensions, parsing_model_id)
