"""What a knowledge base is built from: the embedding models' dimensions, chunking and parsing
strategies, and the limits of Bedrock and S3 Vectors the construct checks at synth.

Sources (all AWS documentation):

* Embedding dimensions: Amazon Titan Text Embeddings V2 outputs 256, 512 or 1,024 dimensions
  (default 1,024; AWS News Blog "Amazon Titan Text Embeddings V2 now available in Amazon
  Bedrock" and the Bedrock user guide, "Amazon Titan Text Embeddings models"); Titan Text
  Embeddings G1 (``amazon.titan-embed-text-v1``) 1,536 (same user guide page); Cohere Embed
  English v3 and Multilingual v3 1,024 (Bedrock user guide, "Cohere Embed models"; not
  re-checked beyond the platform brief). Other embedding models are refused until their
  dimensions are added to :data:`EMBEDDING_DIMENSIONS`.
* S3 Vectors (Amazon S3 user guide, "Limitations and restrictions" and "Metadata filtering";
  API reference, ``MetadataConfiguration``): dimension 1 to 4,096; float32 vectors; distance
  ``cosine`` or ``euclidean``; 1 to 10 non-filterable metadata keys of 1 to 63 characters,
  fixed when the index is created; filterable metadata at most 2 KB per vector, total
  metadata 40 KB. Index names 3 to 63 lowercase letters, digits, hyphens and dots.
* Bedrock writes each chunk's text under ``AMAZON_BEDROCK_TEXT`` and its own metadata under
  ``AMAZON_BEDROCK_METADATA``; both are large and must be non-filterable, or chunks overflow
  the 2 KB filterable limit (the key names as AWS's S3 Vectors + Bedrock Knowledge Bases setup
  uses them; the Bedrock user guide page itself could not be opened here, the names were
  checked against several AWS-published and community setups).
* Chunking (``AWS::Bedrock::DataSource`` ``ChunkingConfiguration``; Bedrock user guide, "How
  content chunking works for knowledge bases"): fixed size (Bedrock's default: about 300 tokens
  with 20 percent overlap), hierarchical, semantic or none.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "BEDROCK_NON_FILTERABLE_KEYS",
    "EMBEDDING_DIMENSIONS",
    "FILTER_OPERATORS",
    "MAX_DIMENSION",
    "MAX_NON_FILTERABLE_KEYS",
    "UNSUPPORTED_FILTER_OPERATORS",
    "Chunking",
    "DistanceMetric",
    "Parsing",
]

DistanceMetric = Literal["cosine", "euclidean"]
"""Distance metrics S3 Vectors offers."""

#: Output dimensions each supported embedding model can produce; the first is the default.
EMBEDDING_DIMENSIONS: MappingProxyType[str, tuple[int, ...]] = MappingProxyType(
    {
        "amazon.titan-embed-text-v2:0": (1024, 512, 256),
        "amazon.titan-embed-text-v1": (1536,),
        "cohere.embed-english-v3": (1024,),
        "cohere.embed-multilingual-v3": (1024,),
    }
)

#: The metadata keys Bedrock writes chunk text and its own metadata under.
BEDROCK_NON_FILTERABLE_KEYS: tuple[str, ...] = ("AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA")
#: S3 Vectors: non-filterable metadata keys per index.
MAX_NON_FILTERABLE_KEYS = 10
#: S3 Vectors: dimensions per vector.
MAX_DIMENSION = 4096
#: Bedrock: characters of an S3 inclusion prefix (``S3DataSourceConfiguration``).
MAX_PREFIX_CHARS = 300

#: ``RetrievalFilter`` operators a knowledge base on S3 Vectors can evaluate: those with an S3
#: Vectors counterpart (``$eq``, ``$ne``, ``$gt``, ``$gte``, ``$lt``, ``$lte``, ``$in``,
#: ``$nin``, ``$and``, ``$or``; S3 user guide, "Metadata filtering"). ``equals`` against a list
#: attribute matches when any member equals the value (S3 Vectors' documented ``$eq`` semantics
#: for arrays), which is how "``access_groups`` contains one of the user's groups" is written:
#: ``orAll`` of ``equals`` per group.
FILTER_OPERATORS: tuple[str, ...] = (
    "equals",
    "notEquals",
    "greaterThan",
    "greaterThanOrEquals",
    "lessThan",
    "lessThanOrEquals",
    "in",
    "notIn",
    "andAll",
    "orAll",
)
#: Operators the Retrieve API has but a knowledge base on S3 Vectors cannot be relied on for:
#: ``startsWith`` (documented for OpenSearch Serverless only), ``stringContains`` (no S3
#: Vectors counterpart) and ``listContains`` (no documented S3 Vectors translation; use
#: ``equals``, see above).
UNSUPPORTED_FILTER_OPERATORS: tuple[str, ...] = ("startsWith", "stringContains", "listContains")


ChunkingStrategy = Literal["FIXED_SIZE", "HIERARCHICAL", "SEMANTIC", "NONE"]


@dataclass(frozen=True)
class Chunking:
    """How Bedrock splits documents into chunks. Build one with a factory method.

    Default (``Chunking.fixed_size()``): about 300 tokens per chunk, 20 percent overlap, as
    Bedrock's own default.
    """

    strategy: ChunkingStrategy
    max_tokens: int | None = None
    overlap_percentage: int | None = None
    parent_max_tokens: int | None = None
    child_max_tokens: int | None = None
    overlap_tokens: int | None = None
    buffer_size: int | None = None
    breakpoint_percentile_threshold: int | None = None

    @classmethod
    def fixed_size(cls, *, max_tokens: int = 300, overlap_percentage: int = 20) -> Chunking:
        """Chunks of at most ``max_tokens`` (1 or more), overlapping by ``overlap_percentage``
        (1 to 99) percent."""
        return cls("FIXED_SIZE", max_tokens=max_tokens, overlap_percentage=overlap_percentage)

    @classmethod
    def hierarchical(
        cls, *, parent_max_tokens: int = 1500, child_max_tokens: int = 300, overlap_tokens: int = 60
    ) -> Chunking:
        """Child chunks (retrieved) inside parent chunks (returned as context); the parent
        must be larger than the child."""
        return cls(
            "HIERARCHICAL",
            parent_max_tokens=parent_max_tokens,
            child_max_tokens=child_max_tokens,
            overlap_tokens=overlap_tokens,
        )

    @classmethod
    def semantic(
        cls,
        *,
        max_tokens: int = 300,
        buffer_size: int = 0,
        breakpoint_percentile_threshold: int = 95,
    ) -> Chunking:
        """Chunks cut where the meaning changes: ``buffer_size`` 0 to 1 surrounding sentences,
        ``breakpoint_percentile_threshold`` 50 to 99."""
        return cls(
            "SEMANTIC",
            max_tokens=max_tokens,
            buffer_size=buffer_size,
            breakpoint_percentile_threshold=breakpoint_percentile_threshold,
        )

    @classmethod
    def none(cls) -> Chunking:
        """Each file is one chunk (pre-chunked documents)."""
        return cls("NONE")

    def problems(self, prop: str = "chunking") -> list[str]:
        """Why the values are not allowed, one line each naming ``prop``."""
        found: list[str] = []

        def check(name: str, value: int | None, low: int, high: int) -> None:
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                found.append(f"{prop}.{name}: {value!r} is not allowed; give {low} to {high}")

        if self.strategy == "FIXED_SIZE":
            check("max_tokens", self.max_tokens, 1, 8192)
            check("overlap_percentage", self.overlap_percentage, 1, 99)
        elif self.strategy == "HIERARCHICAL":
            check("parent_max_tokens", self.parent_max_tokens, 1, 8192)
            check("child_max_tokens", self.child_max_tokens, 1, 8192)
            check("overlap_tokens", self.overlap_tokens, 1, 8192)
            if (
                isinstance(self.parent_max_tokens, int)
                and isinstance(self.child_max_tokens, int)
                and self.child_max_tokens >= self.parent_max_tokens
            ):
                found.append(
                    f"{prop}.child_max_tokens: {self.child_max_tokens!r} is not smaller than "
                    f"parent_max_tokens {self.parent_max_tokens!r}; a child chunk must fit in "
                    "its parent"
                )
        elif self.strategy == "SEMANTIC":
            check("max_tokens", self.max_tokens, 1, 8192)
            check("buffer_size", self.buffer_size, 0, 1)
            check("breakpoint_percentile_threshold", self.breakpoint_percentile_threshold, 50, 99)
        elif self.strategy != "NONE":
            found.append(
                f"{prop}.strategy: {self.strategy!r} is not allowed; use FIXED_SIZE, "
                "HIERARCHICAL, SEMANTIC or NONE (the Chunking factory methods)"
            )
        return found


ParsingStrategy = Literal["DEFAULT", "FOUNDATION_MODEL"]


@dataclass(frozen=True)
class Parsing:
    """How Bedrock turns files into text. Build one with a factory method.

    Default (``Parsing.default()``): Bedrock's built-in parser (text of supported document
    formats; no model invoked, no extra cost).
    """

    strategy: ParsingStrategy
    model: str | None = None

    @classmethod
    def default(cls) -> Parsing:
        """Bedrock's built-in text parser."""
        return cls("DEFAULT")

    @classmethod
    def foundation_model(cls, model: str) -> Parsing:
        """Parse with an approved multimodal model (an alias or id of the model catalogue):
        tables and figures become text too, billed as that model's tokens."""
        return cls("FOUNDATION_MODEL", model=model)
