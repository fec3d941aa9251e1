"""What the index layer needs to know, as explicit typed contracts.

``index/`` never reads the assistant's settings: callers pass any object with these attributes (the
assistant's ``Settings`` is one) and the fusion weights as a plain value.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class StoreConfig(Protocol):
    chroma_host: str | None
    chroma_port: int
    collection: str

    @property
    def chroma_dir(self) -> Path: ...


class IndexConfig(StoreConfig, Protocol):
    embedding_model: str
    embedding_batch_size: int
    chunk_size: int
    chunk_min: int

    @property
    def embedding_cache_path(self) -> Path: ...

    @property
    def lexical_dir(self) -> Path: ...

    @property
    def sectors_path(self) -> Path: ...

    corpus_dir: Path
    var_dir: Path


@dataclass(frozen=True)
class FusionWeights:
    """Reciprocal rank fusion of the dense and lexical rankings (Haystack's joiner, weights passed in)."""

    rrf_k: int = 60
    dense: float = 1.0
    lexical: float = 1.0
    unit_dense: float = 0.0  # a third ranking: chunks by their best unit's (sentence's) similarity
    expansion: float = 0.4  # weight of thesaurus / typo-repair terms against the question's own words
    candidates: int = 40
    # up to this many chunks the dense step compares the query with every stored vector: exact, and the same
    # in every process (Chroma's HNSW search is approximate and can differ between loads); above it, HNSW
    exact_dense_limit: int = 20000
    use_dense: bool = True
    use_lexical: bool = True
    use_dedup: bool = True
