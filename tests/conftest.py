"""Shared fixtures: the bundled articles, stores built with the fake embedder, and the real MiniLM assistant."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from index.annotate import SpacyAnnotator
from index.embed import HashingEmbedder
from qa.assistant import Assistant
from qa.offline import set_offline_env
from qa.settings import Settings

# Before anything imports huggingface, chromadb or gradio (they are imported on first use): nothing may reach the
# network. A developer's own QA_* settings must not leak into the tests.
set_offline_env()
for _key in [k for k in os.environ if k.startswith("QA_")]:
    del os.environ[_key]

# One spaCy pipeline for the whole run: loading it takes a second, analysing the bundled articles a fraction.
ANNOTATOR = SpacyAnnotator()

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "data" / "articles"
EVAL = ROOT / "eval" / "questions.jsonl"


@pytest.fixture(scope="session")
def articles_dir() -> Path:
    return ARTICLES


def fake_assistant(index_dir: Path, **settings: object) -> Assistant:
    """An Assistant with the word-hashing embedder; `settings` as Settings takes them (groups as dicts)."""
    return Assistant.open(
        settings=Settings(index_dir=index_dir, **settings),  # type: ignore[arg-type]
        embedder=HashingEmbedder(),
        annotator=ANNOTATOR,
        create=True,
    )


@pytest.fixture
def make_fake() -> Callable[..., Assistant]:
    return fake_assistant


@pytest.fixture
def fake(tmp_path: Path) -> Assistant:
    """An empty index using the word-hashing embedder (fast, no model)."""
    return fake_assistant(tmp_path / "index")


@pytest.fixture(scope="session")
def fake_bundled(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The bundled articles indexed with the word-hashing embedder (read-only use)."""
    assistant = fake_assistant(tmp_path_factory.mktemp("fake-bundled") / "index")
    assistant.ingest([ARTICLES])
    return assistant


@pytest.fixture(scope="session")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The bundled articles indexed with the real all-MiniLM-L6-v2 (read-only use)."""
    index_dir = tmp_path_factory.mktemp("real") / "index"
    assistant = Assistant.open(settings=Settings(index_dir=index_dir), annotator=ANNOTATOR, create=True)
    report = assistant.ingest([ARTICLES])
    assert report.counts["added"] == 5, report.to_dict()
    yield assistant
