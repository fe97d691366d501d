"""``[[knowledge_bases]]``: the knowledge bases of the generative-AI account over the data
account's documents bucket, and how they are kept in sync.

Example::

    [[knowledge_bases]]
    alias = "handbook"                       # the name the gateway and the metrics use
    embedding_model = "embed"                # a [models.aliases] name or an approved id
    prefixes = ["handbook/"]                 # default: the whole bucket
    full_sync_schedule = "rate(1 day)"       # safety net beside ingestion on change

    [knowledge_bases.chunking]
    strategy = "fixed_size"
    max_tokens = 300
    overlap_percentage = 20

Whether the embedding model has known dimensions, and the chunking numbers, are checked when
the stack builds the knowledge base (``genai-platform check`` exits 2 naming the key).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from genai_platform.config._base import _Model

__all__ = ["ChunkingConfig", "KnowledgeBaseConfig"]

#: An alias: the gateway's name for the knowledge base, in resource names and metrics.
ALIAS = re.compile(r"[a-z][a-z0-9-]{0,30}[a-z0-9]|[a-z]")
#: EventBridge schedule expressions (rate or cron); the construct checks the details.
SCHEDULE = re.compile(
    r"rate\(\s*[1-9][0-9]*\s+(minute|minutes|hour|hours|day|days)\s*\)|cron\([^()]{9,200}\)"
)
#: An S3 key prefix as Bedrock accepts it (1 to 300 characters), without a leading slash.
MAX_PREFIX_CHARS = 300


class ChunkingConfig(_Model):
    """``[knowledge_bases.chunking]``: how documents are split (default fixed size, 300 tokens,
    20 percent overlap, as Bedrock's own default)."""

    strategy: Literal["fixed_size", "hierarchical", "semantic", "none"] = "fixed_size"
    max_tokens: int | None = None
    """fixed_size and semantic: tokens per chunk (default 300)."""
    overlap_percentage: int | None = None
    """fixed_size: overlap between chunks in percent (default 20)."""
    parent_max_tokens: int | None = None
    """hierarchical: tokens per parent chunk (default 1500)."""
    child_max_tokens: int | None = None
    """hierarchical: tokens per child chunk (default 300)."""
    overlap_tokens: int | None = None
    """hierarchical: overlap in tokens (default 60)."""
    buffer_size: int | None = None
    """semantic: surrounding sentences compared (0 or 1, default 0)."""
    breakpoint_percentile_threshold: int | None = None
    """semantic: dissimilarity percentile that cuts a chunk (50 to 99, default 95)."""


class KnowledgeBaseConfig(_Model):
    """One ``[[knowledge_bases]]`` entry."""

    alias: str
    """The name callers and the gateway use (``"knowledge_base": "<alias>"``), also in the
    knowledge base's, its role's and its metrics' names: 1-32 lowercase letters, digits and
    hyphens, starting with a letter."""
    embedding_model: str = "amazon.titan-embed-text-v2:0"
    """An approved embedding model: a ``[models.aliases]`` name or an id in
    ``models.approved`` (default ``amazon.titan-embed-text-v2:0``)."""
    dimensions: int | None = None
    """Vector dimensions (default: the model's largest, 1024 for Titan Text Embeddings V2)."""
    distance_metric: Literal["cosine", "euclidean"] = "cosine"
    """How the vector index compares vectors (default cosine)."""
    prefixes: list[str] = Field(default_factory=list)
    """Key prefixes of the documents bucket to ingest, one data source each (default: the
    whole bucket)."""
    chunking: ChunkingConfig = Field(default_factory=ChunkingConfig)
    parsing_model: str | None = None
    """Parse documents with this approved multimodal model (alias or id) instead of Bedrock's
    built-in text parser (default: the built-in parser)."""
    ingest_on_change: bool = True
    """Start ingestion when documents under the prefixes are created or deleted (default
    true)."""
    full_sync_schedule: str | None = "rate(1 day)"
    """EventBridge schedule of the full sync that catches anything missed (default
    ``rate(1 day)``; an empty string switches it off)."""
    description: str | None = None
    """Description of the knowledge base (default names the platform and alias)."""

    @field_validator("alias")
    @classmethod
    def _alias(cls, value: str) -> str:
        if not ALIAS.fullmatch(value) or "--" in value:
            raise ValueError(
                f"{value!r} is not a knowledge base alias: 1-32 lowercase letters, digits and "
                "single hyphens, starting with a letter and not ending with a hyphen"
            )
        return value

    @field_validator("dimensions")
    @classmethod
    def _dimensions(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= 4096:
            raise ValueError(f"{value!r} is not allowed; S3 Vectors takes 1 to 4096 dimensions")
        return value

    @field_validator("prefixes")
    @classmethod
    def _prefixes(cls, value: list[str]) -> list[str]:
        problems = []
        for prefix in value:
            if not prefix or len(prefix) > MAX_PREFIX_CHARS or prefix.startswith("/"):
                problems.append(
                    f"{prefix!r} is not a key prefix: 1 to {MAX_PREFIX_CHARS} characters, no "
                    "leading '/' (e.g. 'handbook/')"
                )
        if len(set(value)) != len(value):
            problems.append(f"{value!r} lists a prefix twice")
        nested = sorted(
            {(a, b) for a in value for b in value if a != b and b.startswith(a)},
        )
        for outer, inner in nested:
            problems.append(
                f"{inner!r} lies inside {outer!r}; its documents would be ingested twice"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("full_sync_schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        if value == "":
            return None
        if value is not None and not SCHEDULE.fullmatch(value):
            raise ValueError(
                f"{value!r} is not an EventBridge schedule expression; write 'rate(<n> "
                "minutes|hours|days)' or 'cron(<6 fields>)', or '' for no full sync"
            )
        return value
