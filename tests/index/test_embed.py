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
