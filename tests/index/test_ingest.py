"""Ingest: idempotent, updates replace, prune removes, failures are contained and never lose indexed data."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from index.embed import HashingEmbedder
from index.errors import CorruptIndexError, ModelMismatchError, NoIndexError, StoreUnavailableError
from index.ingest import ingest
from index.store import ChromaStore
from qa.assistant import Assistant
from qa.settings import Settings
from tests.conftest import ANNOTATOR


@pytest.fixture
def corpus(tmp_path: Path, articles_dir: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(articles_dir, folder)
    return folder


def chunk_ids(assistant: Assistant) -> list[str]:
    return [chunk.id for chunk, _ in assistant.store.iter_chunks()]


def test_reingest_is_a_no_op(fake: Assistant, corpus: Path) -> None:
    first = fake.ingest([corpus])
    assert first.counts["added"] == 5
    before = fake.store.counts()
    ids = sorted(chunk_ids(fake))
    second = fake.ingest([corpus])
    assert second.counts == {"added": 0, "updated": 0, "skipped": 5, "rejected": 0, "removed": 0}
    assert fake.store.counts() == before
    assert sorted(chunk_ids(fake)) == ids
    assert len(ids) == len(set(ids))


def test_changed_article_replaces_all_its_chunks(fake: Assistant, corpus: Path) -> None:
    fake.ingest([corpus])
    path = corpus / "004_f40178fcdc7ff358.txt"
    text = path.read_text(encoding="utf-8")
    marker = "A Southampton council spokesperson said"
    path.write_text(text.replace(marker, "A new paragraph was added by the desk.\n\n" + marker), "utf-8")
    report = fake.ingest([corpus])
    assert report.counts["updated"] == 1 and report.counts["skipped"] == 4
    article = fake.article("004_f40178fcdc7ff358")
    assert article.paragraphs[-3] == "A new paragraph was added by the desk."
    mine = [c for c, _ in fake.store.iter_chunks() if c.article_id == article.id]
    assert mine and all(c.article_hash == article.content_hash for c in mine)
    answer = fake.ask("What new paragraph was added by the desk?")
    assert any("added by the desk" in h.text for h in answer.hits)


def test_prune_removes_articles_whose_files_are_gone(fake: Assistant, corpus: Path) -> None:
    fake.ingest([corpus])
    (corpus / "002_7f0bceb9a7d7c60c.txt").unlink()
    kept = fake.ingest([corpus])
    assert kept.counts["removed"] == 0 and len(fake.articles()) == 5  # without --prune nothing goes
    report = fake.ingest([corpus], prune=True)
    assert report.counts["removed"] == 1
    assert [a.id for a in fake.articles()] == [
        "000_60f27155d5b16904",
        "001_85613e040497daa0",
        "003_7f47064f192e4465",
        "004_f40178fcdc7ff358",
    ]
    assert not [c for c in chunk_ids(fake) if c.startswith("002_")]


def test_bad_files_are_reported_and_do_not_stop_the_others(fake: Assistant, corpus: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (corpus / "legacy.txt").write_bytes("The council’s £5m plan – “a start”, said the leader today.".encode("cp1252"))
    (corpus / "script.html").write_text(
        "<html><body><article><p>Inspectors found the service was failing children in the county, "
        "the report said on Monday.</p><script>alert('x')</script></article></body></html>",
        encoding="utf-8",
    )
    (corpus / "dup").mkdir()
    (corpus / "dup" / "000_60f27155d5b16904.md").write_text("Another article with the same id, long enough.", "utf-8")
    (corpus.parent / "notes.pdf").write_bytes(b"%PDF-1.4")
    report = fake.ingest([corpus, corpus / "missing.txt", corpus.parent / "notes.pdf"])
    by_source = {Path(i.source).name: i for i in report.items}
    assert by_source["empty.txt"].status == "rejected" and "empty" in by_source["empty.txt"].detail
    assert by_source["binary.txt"].status == "rejected" and "binary" in by_source["binary.txt"].detail
    assert by_source["missing.txt"].status == "rejected" and "no such file" in by_source["missing.txt"].detail
    assert by_source["notes.pdf"].status == "rejected" and "unsupported" in by_source["notes.pdf"].detail
    assert by_source["000_60f27155d5b16904.md"].status == "rejected"
    assert "already comes from" in by_source["000_60f27155d5b16904.md"].detail
    assert by_source["legacy.txt"].status == "added"
    assert fake.article("legacy").paragraphs == ("The council’s £5m plan – “a start”, said the leader today.",)
    assert by_source["script.html"].status == "added"
    assert "alert" not in " ".join(fake.article("script").paragraphs)
    assert report.counts["added"] == 7


def test_a_broken_new_version_keeps_the_indexed_one(fake: Assistant, corpus: Path) -> None:
    fake.ingest([corpus])
    before = fake.article("001_85613e040497daa0")
    (corpus / "001_85613e040497daa0.txt").write_bytes(b"\x00\x01\x02 binary garbage")
    report = fake.ingest([corpus], prune=True)
    assert report.counts["rejected"] == 1 and report.counts["removed"] == 0
    assert fake.article("001_85613e040497daa0") == before


def test_a_failure_mid_write_leaves_the_old_version_whole(
    fake: Assistant, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.ingest([corpus])
    old = fake.article("004_f40178fcdc7ff358")
    old_ids = sorted(c for c in chunk_ids(fake) if c.startswith("004_"))
    path = corpus / "004_f40178fcdc7ff358.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("35", "36"), "utf-8")

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    # The new chunks get written, then the commit (the article record) fails.
    monkeypatch.setattr(fake.store, "put_articles", crash)
    report = fake.ingest([corpus])
    assert report.counts["rejected"] == 1 and "disk full" in report.items[-1].detail
    monkeypatch.undo()
    assert fake.article("004_f40178fcdc7ff358") == old
    hits = fake.retriever.search("How many employees back the Southampton whistleblowing concerns?", k=10)
    assert all(h.chunk.article_hash == old.content_hash for h in hits if h.article_id == old.id)
    assert "36" not in fake.ask("How many employees back the Southampton whistleblowing concerns?").answer
    # Running again finishes the job: new version in, no leftovers of the old one.
    again = fake.ingest([corpus])
    assert again.counts["updated"] == 1
    new_ids = sorted(c for c in chunk_ids(fake) if c.startswith("004_"))
    assert len(new_ids) == len(old_ids) and not set(new_ids) & set(old_ids)


def test_missing_index_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(NoIndexError, match=r"No index at .*; run: qa ingest PATH"):
        Assistant.open(settings=Settings(index_dir=tmp_path / "nothing"), embedder=HashingEmbedder())


def test_model_mismatch_is_refused_for_queries_and_ingest(
    tmp_path: Path, articles_dir: Path, make_fake: Callable[..., Assistant]
) -> None:
    make_fake(tmp_path / "index").ingest([articles_dir / "000_60f27155d5b16904.txt"])
    for create in (False, True):
        with pytest.raises(ModelMismatchError, match=r"built with embedding model 'hashing-256'.*hashing-128"):
            Assistant.open(
                settings=Settings(index_dir=tmp_path / "index"), embedder=HashingEmbedder(128), create=create
            )


def test_rebuild_switches_the_model(tmp_path: Path, articles_dir: Path, make_fake: Callable[..., Assistant]) -> None:
    make_fake(tmp_path / "index").ingest([articles_dir])
    settings = Settings(index_dir=tmp_path / "index")
    assistant = Assistant.open(settings=settings, embedder=HashingEmbedder(128), rebuild=True)
    assert assistant.ingest([articles_dir]).counts["added"] == 5
    assert Assistant.open(settings=settings, embedder=HashingEmbedder(128)).articles()


def test_index_from_another_layout_is_refused_until_rebuilt(
    tmp_path: Path, articles_dir: Path, make_fake: Callable[..., Assistant]
) -> None:
    make_fake(tmp_path / "index").ingest([articles_dir / "000_60f27155d5b16904.txt"])
    store = ChromaStore.connect(name="news", path=tmp_path / "index")
    store.open_collections("hashing-256", ANNOTATOR.name, create=False)
    store.articles.modify(metadata={**(store.articles.metadata or {}), "schema": 1})
    with pytest.raises(CorruptIndexError, match=r"another version.*qa ingest --rebuild"):
        make_fake(tmp_path / "index")
    rebuilt = Assistant.open(settings=Settings(index_dir=tmp_path / "index"), embedder=HashingEmbedder(), rebuild=True)
    assert rebuilt.ingest([articles_dir]).counts["added"] == 5


def test_index_path_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "index"
    bad.write_text("not a directory")
    with pytest.raises(CorruptIndexError, match=str(bad)):
        Assistant.open(settings=Settings(index_dir=bad), embedder=HashingEmbedder())


def test_damaged_index_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "index"
    bad.mkdir()
    (bad / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(CorruptIndexError, match=str(bad)):
        Assistant.open(settings=Settings(index_dir=bad), embedder=HashingEmbedder())


class _FailsOn:
    """An embedder or annotator that fails on any call whose texts contain `marker`, else does the real work."""

    def __init__(self, inner: object, marker: str) -> None:
        self.inner, self.marker = inner, marker

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def _check(self, texts: Sequence[str]) -> None:
        if any(self.marker in text for text in texts):
            raise RuntimeError(f"cannot process {self.marker}")

    def embed(self, texts: list[str], busy: Callable[[], bool] | None = None) -> np.ndarray:
        self._check(texts)
        return HashingEmbedder().embed(texts, busy=busy)

    def mentions(self, texts: Sequence[str]) -> object:
        self._check(texts)
        return ANNOTATOR.mentions(texts)


def _stories(folder: Path) -> Path:
    folder.mkdir()
    for name, body in [
        ("a", "The port handled 4.1 million containers in 2025, its owner said."),
        ("b", "The mill closed its second line in March. WORDX."),
        ("c", "The league fined the club 2 million euros on Tuesday."),
        ("d", "Ticket sales rose 12 percent in the third quarter."),
    ]:
        (folder / f"{name}.txt").write_text(f"Story {name}\n\n{body}\n", "utf-8")
    return folder


@pytest.mark.parametrize("part", ["embedder", "annotator"])
def test_a_batch_that_fails_to_embed_or_analyse_is_reported_and_the_others_go_in(tmp_path: Path, part: str) -> None:
    store = ChromaStore.connect(name="test", path=tmp_path / "index")
    failing = _FailsOn(HashingEmbedder() if part == "embedder" else ANNOTATOR, "WORDX")
    embedder = failing if part == "embedder" else HashingEmbedder()
    annotator = failing if part == "annotator" else ANNOTATOR
    store.open_collections(embedder.name, annotator.name, create=True)
    # One sentence per batch: every article is embedded, analysed and written on its own, in a pipeline.
    report = ingest(store, embedder, [_stories(tmp_path / "in")], annotator=annotator, batch_sentences=1)  # type: ignore[arg-type]
    assert [(Path(i.source).stem, i.status) for i in report.items] == [
        ("a", "added"), ("b", "rejected"), ("c", "added"), ("d", "added")
    ]  # fmt: skip
    what = "embedding failed" if part == "embedder" else "language analysis failed"
    assert report.items[1].detail == f"{what}: cannot process WORDX"
    assert sorted(a.id for a in store.list_articles()) == ["a", "c", "d"]


def test_a_store_that_goes_away_stops_the_ingest_and_keeps_what_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ChromaStore.connect(name="test", path=tmp_path / "index")
    store.open_collections(HashingEmbedder().name, ANNOTATOR.name, create=True)
    put = store.put_chunks
    calls = []

    def goes_away(batch: list[object]) -> None:
        calls.append(batch)
        if len(calls) > 2:
            raise StoreUnavailableError("the chroma server at http://127.0.0.1:1 went away")
        put(batch)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "put_chunks", goes_away)
    with pytest.raises(StoreUnavailableError, match="went away"):
        ingest(store, HashingEmbedder(), [_stories(tmp_path / "in")], annotator=ANNOTATOR, batch_sentences=1)
    assert sorted(a.id for a in store.list_articles()) == ["a", "b"]
