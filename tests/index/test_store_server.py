"""The chroma server mode (QA_CHROMA_URL) against a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.embed import HashingEmbedder
from index.errors import NoIndexError, StoreUnavailableError
from qa.assistant import Assistant
from qa.settings import Settings
from tests.servers import chroma_server, free_port

pytestmark = pytest.mark.slow


def test_ingest_and_ask_through_a_chroma_server(tmp_path: Path, articles_dir: Path) -> None:
    with chroma_server(tmp_path / "chroma") as url:
        settings = Settings(index_dir=tmp_path / "cache", chroma_url=url)
        with pytest.raises(NoIndexError, match=url):
            Assistant.open(settings=settings, embedder=HashingEmbedder())
        writer = Assistant.open(settings=settings, embedder=HashingEmbedder(), create=True)
        assert writer.ingest([articles_dir]).counts["added"] == 5
        assert writer.ingest([articles_dir]).counts["skipped"] == 5
        # Another process-like reader with its own keyword cache sees the same articles.
        reader = Assistant.open(
            settings=Settings(index_dir=tmp_path / "other-cache", chroma_url=url), embedder=HashingEmbedder()
        )
        assert [a.id for a in reader.articles()] == [a.id for a in writer.articles()]
        answer = reader.ask("social worker broken hand deadline")
        assert answer.hits[0].article_id == "000_60f27155d5b16904"
        assert reader.store.where == url and url not in str(reader.health())


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailableError, match=url):
        Assistant.open(settings=Settings(index_dir=tmp_path, chroma_url=url), embedder=HashingEmbedder())
