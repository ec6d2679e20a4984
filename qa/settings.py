"""The one settings object (environment variables QA_*, QA_<GROUP>_<FIELD> for the groups), built once by a surface."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.errors import ConfigError
from index.records import Mode
from qa.records import Engine


def _split_list(value: object) -> object:
    """"a,b" as well as '["a", "b"]' from the environment."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetrievalSettings(_Group):
    mode: Mode = Field("hybrid", description="hybrid (BM25 and dense, fused), dense or bm25.")
    k: int = Field(5, ge=1, le=50, description="Chunks returned per question (the answer's hits).")
    candidates: int = Field(30, ge=1, le=500, description="Chunks each ranking (BM25, dense) contributes to fusion.")
    refresh_seconds: float = Field(
        2.0, gt=0, description="How often a process checks whether another one changed the index."
    )


class AnswerSettings(_Group):
    engine: Engine = Field("extractive", description="extractive quotes sentences; llm writes an answer, checked.")
    min_confidence: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Answers below this confidence are refused; unset: the threshold fitted on the dev set "
        "(qa/calibration.json).",
    )
    candidate_chunks: int = Field(20, ge=1, le=200, description="Chunks read for answering (the answer shows k).")
    max_sentences: int = Field(3, ge=1, le=10, description="Most sentences an extractive answer quotes.")
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted.")
    max_history_turns: int = Field(20, ge=0, description="Most earlier turns a follow-up question may send.")
    max_history_chars: int = Field(20_000, ge=0, description="Most characters of earlier turns, all together.")


class LLMSettings(_Group):
    url: str | None = Field(None, description="OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1.")
    model: str = Field("local", description="Model name the server expects.")
    api_key: str | None = Field(None, description="API key for the server, if it needs one.")
    gguf: Path | None = Field(None, description="A GGUF file run in-process; default: the bundled model.")
    threads: int = Field(2, ge=1, description="CPU threads of the in-process model.")
    context: int = Field(4096, ge=512, description="Context window of the in-process model, in tokens.")
    max_tokens: int = Field(160, ge=16, description="Longest answer the model may write, in tokens.")
    timeout: float = Field(40.0, gt=0, description="Seconds before an answer falls back to the extractive one.")
    max_sources: int = Field(3, ge=1, le=10, description="Paragraphs given to the model.")
    min_support: float = Field(
        0.6, ge=0, le=1, description="Share of a written sentence's words that must be in its cited paragraph."
    )


class IngestSettings(_Group):
    max_file_bytes: int = Field(5_000_000, ge=1, description="Largest article file (or .jsonl line) accepted.")
    batch_sentences: int = Field(512, ge=1, description="Sentences embedded and written per batch.")
    embed_batch_size: int = Field(64, ge=1, description="Texts per forward pass of the embedding model.")


class ServerSettings(_Group):
    host: str = Field("127.0.0.1", description="Address the web server binds to; loopback unless told otherwise.")
    port: int = Field(7860, ge=0, le=65535, description="Port of the web server.")
    workers: int = Field(1, ge=1, le=64, description="Worker processes (more than one needs a chroma server).")
    api_token: str | None = Field(
        None,
        description="Every /api route then needs 'Authorization: Bearer <token>' and the web chat a sign-in; "
        "without it, nothing over HTTP may change the index.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins whose pages may call /api from a browser (comma-separated)."
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost"],
        description="Host names requests may be addressed to (the Host header; its port is ignored).",
    )
    max_upload_bytes: int = Field(20_000_000, ge=1, description="Largest upload (all files of one request).")
    max_request_bytes: int = Field(1_000_000, ge=1, description="Largest body of any other request.")

    @field_validator("api_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        # QA_SERVER_API_TOKEN= (empty) must not become a token that an empty Bearer header would match.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cors_origins", "allowed_hosts", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _split_list(value)


class Settings(BaseSettings):
    # QA_LLM_URL is llm.url: the first "_" after the prefix separates a group from its field.
    model_config = SettingsConfigDict(
        env_prefix="QA_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=None,
        extra="forbid",
        frozen=True,
    )

    index_dir: Path = Field(Path(".qa-index"), description="Where the embedded chroma index and caches live.")
    chroma_url: str | None = Field(None, description="http://host:port of a chroma server; overrides index_dir.")
    collection: str = Field(
        "news", min_length=3, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]+$",
        description="Prefix of the chroma collections.",
    )  # fmt: skip
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="'all-MiniLM-L6-v2' (bundled), a local sentence-transformers folder, or 'hashing' (test fake).",
    )
    model_cache: Path = Field(
        Path("~/.cache/newsroom-qa").expanduser(), description="Where the bundled LLM's GGUF file is assembled."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "WARNING", description="Logging of the CLI and the server (-v and -vv raise it)."
    )
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def model_post_init(self, context: Any) -> None:
        unknown = sorted(name for name in os.environ if name.startswith("QA_") and name not in _known_names())
        if unknown:
            hints = [f"{n} (now {RENAMED[n]})" if n in RENAMED else n for n in unknown]
            raise ConfigError(
                f"Unknown setting(s) in the environment: {', '.join(hints)}. See the README's Configuration table "
                "(or unset them)."
            )

    @property
    def keyword_cache(self) -> Path:
        """Where the keyword index is saved; local to this machine even when the store is a server."""
        return self.index_dir / "keyword" / self.collection

    def with_overrides(self, overrides: dict[str, Any]) -> Settings:
        """These settings with some fields replaced ({"index_dir": ..., "server": {"port": ...}}), validated.
        The one way a surface applies its flags: given values win, None means "not given"."""
        data = self.model_dump()
        for key, value in overrides.items():
            if isinstance(value, dict):
                given = {k: v for k, v in value.items() if v is not None}
                if given:
                    data[key] = {**data[key], **given}
            elif value is not None:
                data[key] = value
        return Settings.model_validate(data)


def field_docs() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting, in order: the README's table."""
    rows: list[tuple[str, str, str]] = []
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub, subfield in annotation.model_fields.items():
                default = subfield.get_default(call_default_factory=True)
                rows.append((f"QA_{name.upper()}_{sub.upper()}", _shown(default), subfield.description or ""))
        else:
            rows.append((f"QA_{name.upper()}", _shown(field.get_default(call_default_factory=True)),
                         field.description or ""))  # fmt: skip
    return rows


@cache
def _known_names() -> frozenset[str]:
    return frozenset(name for name, _, _ in field_docs())


def _shown(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, Path) and value.is_relative_to(Path.home()):
        return f"~/{value.relative_to(Path.home())}"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "none"
    return str(value)


# Settings that were renamed when they were grouped: an old name still set would otherwise be ignored silently
# (a token that no longer protects anything).
RENAMED = {
    "QA_K": "QA_RETRIEVAL_K",
    "QA_RETRIEVAL": "QA_RETRIEVAL_MODE",
    "QA_MAX_FILE_BYTES": "QA_INGEST_MAX_FILE_BYTES",
    "QA_MAX_QUESTION_CHARS": "QA_ANSWER_MAX_QUESTION_CHARS",
    "QA_HOST": "QA_SERVER_HOST",
    "QA_PORT": "QA_SERVER_PORT",
    "QA_API_TOKEN": "QA_SERVER_API_TOKEN",
    "QA_CORS_ORIGINS": "QA_SERVER_CORS_ORIGINS",
    "QA_MAX_UPLOAD_BYTES": "QA_SERVER_MAX_UPLOAD_BYTES",
}
