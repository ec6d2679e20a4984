"""The one settings object (environment variables prefixed QA_), built once by a surface and passed down."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", env_file=None, extra="ignore")

    index_dir: Path = Field(Path(".qa-index"), description="Where the embedded chroma index and caches live.")
    chroma_url: str | None = Field(None, description="http://host:port of a chroma server; overrides index_dir.")
    collection: str = Field("news", min_length=3, description="Prefix of the chroma collections.")
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="'all-MiniLM-L6-v2' (bundled), a local sentence-transformers folder, or 'hashing' (test fake).",
    )
    k: int = Field(5, ge=1, le=50, description="Chunks retrieved per question.")
    retrieval: Literal["hybrid", "dense", "bm25"] = "hybrid"
    max_file_bytes: int = Field(5_000_000, ge=1, description="Largest article file (or .jsonl line) accepted.")
    max_question_chars: int = Field(2000, ge=10)
    answer_engine: Literal["extractive", "llm"] = Field(
        "extractive", description="'extractive' quotes sentences; 'llm' writes an answer, checked against them."
    )
    llm_url: str | None = Field(None, description="OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1.")
    llm_model: str = Field("local", description="Model name the server expects.")
    llm_api_key: str | None = Field(None, description="API key for the server, if it needs one.")
    llm_gguf: Path | None = Field(None, description="A GGUF file run in-process; default: the bundled model.")
    llm_threads: int = Field(2, ge=1)
    llm_context: int = Field(4096, ge=512)
    llm_max_tokens: int = Field(160, ge=16)
    llm_timeout: float = Field(40.0, gt=0, description="Seconds before an answer falls back to the extractive one.")
    model_cache: Path = Field(
        Path("~/.cache/newsroom-qa").expanduser(), description="Where the bundled model's GGUF file is assembled."
    )
    log_level: str = "WARNING"

    # The web chat and HTTP API (qa serve).
    host: str = Field("127.0.0.1", description="Address the web server binds to; loopback unless told otherwise.")
    port: int = Field(7860, ge=0, le=65535, description="Port of the web server.")
    api_token: str | None = Field(None, description="When set, every /api route needs 'Authorization: Bearer <it>'.")
    # NoDecode: the env value is parsed by the validator below, so "a,b" works as well as '["a", "b"]'.
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser (comma-separated or JSON)."
    )
    max_upload_bytes: int = Field(20_000_000, ge=1, description="Largest upload (all files of one request) accepted.")

    @field_validator("api_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        # QA_API_TOKEN= (empty) must not become a token that an empty Bearer header would match.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @property
    def keyword_cache(self) -> Path:
        """Where the keyword index is saved; local to this machine even when the store is a server."""
        return self.index_dir / "keyword" / self.collection
