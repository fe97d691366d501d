"""A local evaluator of the retrieval-filter grammar the gateway emits, and a fake knowledge base.

:func:`evaluate` applies a Bedrock ``RetrievalFilter`` to one document's metadata with the
semantics Amazon S3 Vectors documents for its filterable metadata (Amazon S3 User Guide,
"Metadata filtering"): ``equals`` on a list-valued attribute is true when any element equals
the value; ``in`` is true when the (or any) value is in the list; ``andAll``/``orAll`` are the
logical AND/OR of 2 to 5 members. A missing attribute never matches. Operators that S3 Vectors
does not document (``listContains``, ``stringContains``, ``startsWith``) and anything else
unknown raise :class:`UnsupportedFilter`, so a test fails the moment the gateway emits one.

:class:`FakeKnowledgeBase` answers ``Retrieve`` from a folder of documents with
``<name>.metadata.json`` sidecars (Bedrock's metadata file format: ``{"metadataAttributes":
{...}}``), scoring by word overlap, applying the filter with :func:`evaluate`, and recording
every request. A document without a sidecar has no attributes at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent / "data" / "rag_corpus"
SUPPORTED = ("andAll", "orAll", "equals", "notEquals", "in", "notIn")
_WORD = re.compile(r"[a-z0-9]+")


class UnsupportedFilter(AssertionError):
    """The filter uses an operator or shape a knowledge base on S3 Vectors does not support."""


def evaluate(node: Any, metadata: dict[str, Any]) -> bool:
    """Whether ``metadata`` satisfies the filter ``node``."""
    if not isinstance(node, dict) or len(node) != 1:
        raise UnsupportedFilter(f"a filter node is an object with one operator, got {node!r}")
    ((operator, operand),) = node.items()
    if operator not in SUPPORTED:
        raise UnsupportedFilter(f"operator {operator!r} is not supported on S3 Vectors")
    if operator in ("andAll", "orAll"):
        if not isinstance(operand, list) or not 2 <= len(operand) <= 5:
            raise UnsupportedFilter(f"{operator} takes 2 to 5 filters, got {operand!r}")
        results = [evaluate(member, metadata) for member in operand]
        return all(results) if operator == "andAll" else any(results)
    if not isinstance(operand, dict) or set(operand) != {"key", "value"}:
        raise UnsupportedFilter(f"{operator} takes {{key, value}}, got {operand!r}")
    key, value = operand["key"], operand["value"]
    if key not in metadata:
        return False
    actual = metadata[key]
    values = actual if isinstance(actual, list) else [actual]
    if operator == "equals":
        return value in values
    if operator == "notEquals":
        return value not in values
    if not isinstance(value, list) or not value:
        raise UnsupportedFilter(f"{operator} takes a non-empty list, got {value!r}")
    if operator == "in":
        return any(v in value for v in values)
    return not any(v in value for v in values)


@dataclass(frozen=True)
class Document:
    """One document of the corpus."""

    path: str
    text: str
    metadata: dict[str, Any]

    @property
    def uri(self) -> str:
        return f"s3://acme-documents/{self.path}"


def load_corpus(root: Path = CORPUS) -> list[Document]:
    """Every document under ``root`` with its sidecar's attributes (none without one)."""
    documents = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.endswith(".metadata.json"):
            continue
        sidecar = path.with_name(path.name + ".metadata.json")
        attributes: dict[str, Any] = {}
        if sidecar.exists():
            attributes = json.loads(sidecar.read_text("utf-8"))["metadataAttributes"]
        documents.append(
            Document(str(path.relative_to(root)), path.read_text("utf-8").strip(), attributes)
        )
    return documents


def _score(query: str, text: str) -> float:
    words = set(_WORD.findall(query.lower()))
    if not words:
        return 0.01
    overlap = words & set(_WORD.findall(text.lower()))
    return round(0.01 + 0.98 * len(overlap) / len(words), 4)


class FakeKnowledgeBase:
    """``bedrock-agent-runtime`` with one operation, ``retrieve``, over a corpus."""

    def __init__(self, knowledge_base_id: str, documents: list[Document] | None = None) -> None:
        self.knowledge_base_id = knowledge_base_id
        self.documents = load_corpus() if documents is None else documents
        self.requests: list[dict[str, Any]] = []
        self.timeouts: list[float] = []
        self.error: BaseException | None = None

    def with_timeout(self, seconds: float) -> FakeKnowledgeBase:
        self.timeouts.append(seconds)
        return self

    def retrieve(self, **kwargs: Any) -> dict[str, Any]:
        self.requests.append(kwargs)
        if self.error is not None:
            raise self.error
        assert kwargs["knowledgeBaseId"] == self.knowledge_base_id
        search = kwargs["retrievalConfiguration"]["vectorSearchConfiguration"]
        query = kwargs["retrievalQuery"]["text"]
        matching = [
            d
            for d in self.documents
            if "filter" not in search or evaluate(search["filter"], d.metadata)
        ]
        ranked = sorted(matching, key=lambda d: _score(query, d.text), reverse=True)
        return {
            "retrievalResults": [
                {
                    "content": {"text": d.text, "type": "TEXT"},
                    "location": {"type": "S3", "s3Location": {"uri": d.uri}},
                    "score": _score(query, d.text),
                    "metadata": {**d.metadata, "x-amz-bedrock-kb-source-uri": d.uri},
                }
                for d in ranked[: search["numberOfResults"]]
            ]
        }
