"""Knowledge bases on S3 Vectors over a documents bucket (possibly in another account), the data
account's side of the access, and ingestion on change.

One module per concern: :mod:`.props` (embedding dimensions, chunking, parsing, limits and
the retrieval-filter operators a knowledge base on S3 Vectors supports), :mod:`.validation`,
:mod:`.vector_store`, :mod:`.knowledge_base` (the construct and its import), :mod:`.access`
(bucket and key policies in the data account), :mod:`.ingestion` and :mod:`.metrics`.
"""

from __future__ import annotations

from genai_platform.constructs.knowledge_base.access import (
    admit_knowledge_base,
    knowledge_base_role_arn,
)
from genai_platform.constructs.knowledge_base.ingestion import (
    CHANGE_DETAIL_TYPES,
    DocumentEventForwarding,
    KnowledgeBaseIngestion,
    ingestion_event_bus_arn,
)
from genai_platform.constructs.knowledge_base.knowledge_base import (
    RETRIEVE_ACTIONS,
    S3_VECTORS_ACTIONS,
    DataSource,
    KnowledgeBase,
)
from genai_platform.constructs.knowledge_base.props import (
    BEDROCK_NON_FILTERABLE_KEYS,
    EMBEDDING_DIMENSIONS,
    FILTER_OPERATORS,
    UNSUPPORTED_FILTER_OPERATORS,
    Chunking,
    DistanceMetric,
    Parsing,
)

__all__ = [
    "BEDROCK_NON_FILTERABLE_KEYS",
    "CHANGE_DETAIL_TYPES",
    "EMBEDDING_DIMENSIONS",
    "FILTER_OPERATORS",
    "RETRIEVE_ACTIONS",
    "S3_VECTORS_ACTIONS",
    "UNSUPPORTED_FILTER_OPERATORS",
    "Chunking",
    "DataSource",
    "DistanceMetric",
    "DocumentEventForwarding",
    "KnowledgeBase",
    "KnowledgeBaseIngestion",
    "Parsing",
    "admit_knowledge_base",
    "ingestion_event_bus_arn",
    "knowledge_base_role_arn",
]
