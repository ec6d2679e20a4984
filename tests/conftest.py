"""Shared fixtures: the bundled articles, stores built with the fake embedder, and the real MiniLM assistant."""

from __future__ import annotations

import os

# Before anything imports huggingface or chromadb: nothing may reach the network.
for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ[_key] = _value
for _key in [k for k in os.environ if k.startswith("QA_")]:
    del os.environ[_key]  # a developer's QA_* settings must not leak into the tests

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from index.embed import HashingEmbedder  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "data" / "articles"
EVAL = ROOT / "eval" / "questions.jsonl"


@pytest.fixture(scope="session")
def articles_dir() -> Path:
    return ARTICLES


def fake_assistant(index_dir: Path, **settings: object) -> Assistant:
    return Assistant.open(
        settings=Settings(index_dir=index_dir, **settings),  # type: ignore[arg-type]
        embedder=HashingEmbedder(),
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
    assistant = Assistant.open(settings=Settings(index_dir=index_dir), create=True)
    report = assistant.ingest([ARTICLES])
    assert report.counts["added"] == 5, report.to_dict()
    yield assistant
