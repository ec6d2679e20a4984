"""Embedders: the fake one behaves like an embedding (shared words mean similar), the real one loads by path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.embed import DEFAULT_MODEL, HashingEmbedder, SentenceTransformerEmbedder, resolve_model_path
from index.errors import EmbeddingModelError


def test_fake_embedder_makes_texts_sharing_words_similar() -> None:
    embedder = HashingEmbedder()
    a, b, c = embedder.embed(
        ["social workers had too many cases", "the cases of social workers", "the football match ended"]
    )
    assert np.linalg.norm(a) == pytest.approx(1.0)
    assert float(a @ b) > 0.5
    assert float(a @ c) < 0.2


def test_unknown_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingModelError, match="not a local sentence-transformers folder"):
        SentenceTransformerEmbedder(str(tmp_path))


def test_bundled_model_resolves_to_a_local_folder() -> None:
    path = resolve_model_path(DEFAULT_MODEL)
    assert (path / "config.json").exists()


@pytest.mark.slow
def test_real_model_embeds_offline() -> None:
    embedder = SentenceTransformerEmbedder()
    vectors = embedder.embed(["How many cases did the social worker have?", "She had 40 cases.", "Football."])
    assert vectors.shape == (3, 384)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])
    assert embedder.name.startswith("all-MiniLM-L6-v2@")


@pytest.mark.slow
def test_numpy_query_encoder_matches_sentence_transformers() -> None:
    from index.embed import NumpyBert

    path = resolve_model_path(DEFAULT_MODEL)
    assert NumpyBert.supports(path)
    texts = [
        "How many cases did one Worcestershire social worker have?",
        "Who?",
        "The council’s £24m plan – “a start”, said the leader. " * 30,  # longer than the 256-token limit
    ]
    fast = NumpyBert(path).embed(texts)
    embedder = SentenceTransformerEmbedder()
    embedder.load()
    reference = embedder.embed(texts)
    assert np.abs(fast - reference).max() < 1e-4


def test_numpy_encoder_refuses_models_it_does_not_mirror(tmp_path: Path) -> None:
    from index.embed import NumpyBert

    (tmp_path / "config.json").write_text('{"model_type": "roberta", "hidden_act": "gelu"}')
    assert not NumpyBert.supports(tmp_path)


@pytest.mark.slow
def test_ingest_embedding_in_its_own_process_gives_the_same_vectors_in_the_same_order() -> None:
    embedder = SentenceTransformerEmbedder()
    # More texts than one part, of mixed lengths, so the parts are encoded out of the given order.
    texts = [f"Story {i}: " + "the board met again " * (i % 7) + f"and voted {i} to {i + 1}." for i in range(300)]
    asked: list[bool] = []

    def busy() -> bool:
        asked.append(len(asked) % 2 == 0)
        return asked[-1]

    shared = embedder.embed(texts, busy=busy)
    assert len(asked) == 2  # asked before each part
    assert np.abs(shared - embedder.embed(texts)).max() < 1e-5  # the same as in this process


@pytest.mark.slow
def test_an_embedding_process_that_dies_is_a_clear_error_and_the_next_call_starts_another() -> None:
    embedder = SentenceTransformerEmbedder()
    texts = [f"The club signed {i} players in the {i % 9}th week." for i in range(300)]  # two parts
    first = embedder.embed(texts, busy=lambda: False)
    calls: list[int] = []

    def dies_midway() -> bool:
        calls.append(1)
        if len(calls) == 2:  # killed between the two parts, as the system would kill it for memory
            embedder._process.kill()  # type: ignore[union-attr]
            embedder._process.join()  # type: ignore[union-attr]
        return False

    with pytest.raises(EmbeddingModelError, match=r"embedding process stopped \(exit code -9\); run the ingest again"):
        embedder.embed(texts, busy=dies_midway)
    assert np.abs(embedder.embed(texts, busy=lambda: False) - first).max() < 1e-6


@pytest.mark.slow
def test_texts_the_model_fails_on_fail_that_call_only() -> None:
    embedder = SentenceTransformerEmbedder()
    texts = [f"The club signed {i} players." for i in range(12)]
    bad: list[str] = [*texts, b"not text"]  # type: ignore[list-item]
    embedder.embed(texts, busy=lambda: False)
    process = embedder._process
    with pytest.raises(RuntimeError, match="embedding 13 texts failed"):  # ingest rejects that batch only
        embedder.embed(bad, busy=lambda: False)
    assert embedder.embed(texts, busy=lambda: False).shape == (12, 384)
    assert embedder._process is process and process.is_alive()  # type: ignore[union-attr]
