"""The one settings object (environment variables prefixed QA_), built once by a surface and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", env_file=None, extra="ignore")

    index_dir: Path = Field(Path(".qa-index"), description="Where the embedded chroma index and caches live.")
    chroma_url: str | None = Field(None, description="http://host:port of a chroma server; overrides index_dir.")
    collection: str = Field("news", min_length=3, description="Prefix of the chroma collections.")
    embedding_model: str = Field(
        "all-MiniLM-L6-v2", description="'all-MiniLM-L6-v2' (bundled) or a local sentence-transformers folder."
    )
    k: int = Field(5, ge=1, le=50, description="Chunks retrieved per question.")
    retrieval: Literal["hybrid", "dense", "bm25"] = "hybrid"
    max_file_bytes: int = Field(5_000_000, ge=1, description="Largest article file (or .jsonl line) accepted.")
    max_question_chars: int = Field(2000, ge=10)
    answer_engine: Literal["extractive"] = "extractive"
    log_level: str = "WARNING"

    @property
    def keyword_cache(self) -> Path:
        """Where the keyword index is saved; local to this machine even when the store is a server."""
        return self.index_dir / "keyword" / self.collection
