"""Ingest: files to cleaned articles to embedded chunks in the store, idempotent, one article at a time atomic."""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from index.annotate import Annotator
from index.chunk import chunk_article, chunk_sentences, sentence_offsets
from index.clean import clean
from index.embed import Embedder
from index.errors import QAError, RejectedInput, StoreUnavailableError
from index.parse import JSONL_SUFFIXES, RawArticle, Rejection, article_files, read_file
from index.quotes import quotes
from index.records import Article, Chunk, Note
from index.store import ArticleRows, ChromaStore

log = logging.getLogger(__name__)

Status = Literal["added", "updated", "skipped", "rejected", "removed"]
STATUSES: tuple[Status, ...] = ("added", "updated", "skipped", "rejected", "removed")

Progress = Callable[[int, int, str], None]  # (done, total, current source)


@dataclass(frozen=True)
class ItemReport:
    """What happened to one article (or one file that could not be read)."""

    source: str
    status: Status
    detail: str
    article_id: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "article_id": self.article_id, "status": self.status, "detail": self.detail}


@dataclass(frozen=True)
class IngestReport:
    items: tuple[ItemReport, ...] = field(default_factory=tuple)
    watches_changed: int = 0  # saved questions whose answer this ingest changed (the answering layer sets it)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(item.status for item in self.items)
        return {status: counted.get(status, 0) for status in STATUSES}

    @property
    def changed(self) -> bool:
        counts = self.counts
        return bool(counts["added"] or counts["updated"] or counts["removed"])

    def summary(self) -> str:
        return ", ".join(f"{n} {status}" for status, n in self.counts.items())

    def to_dict(self) -> dict[str, object]:
        return {
            "counts": self.counts,
            "items": [item.to_dict() for item in self.items],
            "watches_changed": self.watches_changed,
        }


@dataclass
class _Pending:
    article: Article
    chunks: list[Chunk]
    status: Status
    sentences: list[tuple[str, int, str]] = field(default_factory=list)  # (chunk id, paragraph, text)

    def __post_init__(self) -> None:
        if not self.sentences:
            self.sentences = [(c.id, n, text) for c in self.chunks for n, text in chunk_sentences(c)]


def _units(files: list[Path]) -> int:
    """Progress total: one per file, one per line of a .jsonl file."""
    total = 0
    for path in files:
        if path.suffix.lower() in JSONL_SUFFIXES and path.is_file():
            with path.open("rb") as handle:
                total += sum(1 for line in handle if line.strip())
        else:
            total += 1
    return total


def source_file(source: str) -> str:
    """'dir/file.jsonl:12' -> 'dir/file.jsonl'."""
    head, sep, tail = source.rpartition(":")
    return head if sep and tail.isdigit() else source


def annotate(annotator: Annotator, articles: list[Article]) -> list[Article]:
    """The articles with their notes: the entities and values of the title and of every sentence, found in one
    batch (the annotator is fastest given many texts at once)."""
    spans = [
        [(0, 0, len(a.title))]
        + [(n, start, end) for n, text in enumerate(a.paragraphs, start=1) for start, end in sentence_offsets(text)]
        for a in articles
    ]
    texts = [a.text_of(n)[start:end] for a, places in zip(articles, spans, strict=True) for n, start, end in places]
    found = iter(annotator.mentions(texts))
    noted = [
        dataclasses.replace(a, notes=tuple(Note(n, start, end, next(found)) for n, start, end in places))
        for a, places in zip(articles, spans, strict=True)
    ]
    return [dataclasses.replace(a, quotes=quotes(a)) for a in noted]


def ingest(
    store: ChromaStore,
    embedder: Embedder,
    paths: Iterable[str | Path],
    *,
    annotator: Annotator,
    prune: bool = False,
    max_file_bytes: int = 5_000_000,
    batch_sentences: int = 512,
    progress: Progress | None = None,
) -> IngestReport:
    """Add new articles, replace changed ones, skip unchanged ones; with prune, remove articles whose files
    are gone. A failure in one file is reported and never stops the others or touches what is indexed."""
    roots = [Path(p) for p in paths]
    files = article_files(roots)
    total = _units(files)
    existing = store.article_hashes()
    existing_sources = {info.id: info.source for info in store.list_articles()}
    by_hash = {digest: article_id for article_id, digest in existing.items()}
    reports: list[ItemReport] = []
    seen: dict[str, str] = {}  # article id -> source in this run
    pending: list[_Pending] = []
    done = 0

    # A batch goes through three threads beside the main one, which reads and chunks the next batch meanwhile:
    # spaCy analyses it while the model embeds it (embedding needs no analysis), then it is written while the
    # next batch is embedded. Each stage has one thread, so batches keep their order.
    analyser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-analysis")
    encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-embedding")
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
    writing: Future[list[ItemReport]] | None = None  # the last write submitted (by the encoder thread)
    embedding: Future[list[ItemReport] | Future[list[ItemReport]]] | None = None  # the last batch handed over
    unsettled: Future[list[ItemReport]] | None = None  # a write whose report the main thread has not taken

    def write(items: list[_Pending], batch: list[ArticleRows]) -> list[ItemReport]:
        try:
            _write(store, batch, replaced={item.article.id for item in items if item.status == "updated"})
        except StoreUnavailableError:
            raise
        except Exception as exc:
            log.exception("writing %d articles failed", len(batch))
            return [
                ItemReport(item.article.source, "rejected", f"could not be stored: {exc}", item.article.id)
                for item in items
            ]
        return [
            ItemReport(
                item.article.source,
                item.status,
                f"{len(item.article.paragraphs)} paragraphs, {len(item.chunks)} chunks",
                item.article.id,
            )
            for item in items
        ]

    def embed_and_write(
        items: list[_Pending], annotated: Future[list[Article]]
    ) -> list[ItemReport] | Future[list[ItemReport]]:
        """In the encoder thread: the batch's rejections, or the future of its write."""
        nonlocal writing
        # Sentences are what gets embedded; a chunk's vector is the mean of its sentences' vectors, so one
        # pass of the model serves both chunk search and sentence scoring.
        texts = [text for item in items for _, _, text in item.sentences]
        last_write = writing

        def busy() -> bool:  # spaCy on this batch, or chroma on the one before, still at work
            return not annotated.done() or (last_write is not None and not last_write.done())

        try:
            vectors = embedder.embed(texts, busy=busy)
        except QAError:
            raise
        except Exception as exc:
            return [
                ItemReport(item.article.source, "rejected", f"embedding failed: {exc}", item.article.id)
                for item in items
            ]
        try:
            for item, article in zip(items, annotated.result(), strict=True):
                item.article = article
        except QAError:
            raise
        except Exception as exc:
            log.exception("annotating %d articles failed", len(items))
            return [
                ItemReport(item.article.source, "rejected", f"language analysis failed: {exc}", item.article.id)
                for item in items
            ]
        offset = 0
        batch: list[ArticleRows] = []
        for item in items:
            batch.append(_rows(item, vectors[offset : offset + len(item.sentences)]))
            offset += len(item.sentences)
        writing = writer.submit(write, items, batch)
        return writing

    def collect(handed: Future[list[ItemReport] | Future[list[ItemReport]]]) -> None:
        """In the main thread: a batch's outcome, in batch order; the write before it is settled first, so a
        store that went away stops the run (StoreUnavailableError is re-raised here)."""
        nonlocal unsettled
        outcome = handed.result()
        settle()
        if isinstance(outcome, list):
            reports.extend(outcome)
        else:
            unsettled = outcome

    def settle() -> None:
        nonlocal unsettled
        if unsettled is not None:
            done, unsettled = unsettled, None
            reports.extend(done.result())

    def flush() -> None:
        nonlocal embedding
        items = list(pending)
        pending.clear()
        if not items:
            return
        annotated = analyser.submit(annotate, annotator, [item.article for item in items])
        previous, embedding = embedding, encoder.submit(embed_and_write, items, annotated)
        if previous is not None:
            collect(previous)  # at most two batches in hand: this one and the one being embedded

    try:
        for entry in _read_all(files, max_file_bytes):
            done += 1
            if progress is not None:
                progress(done, total, entry.source)
            if isinstance(entry, Rejection):
                if entry.article_id:
                    seen.setdefault(entry.article_id, entry.source)  # a broken file never prunes its article
                reports.append(ItemReport(entry.source, "rejected", entry.reason, entry.article_id))
                continue
            try:
                article = clean(entry)
            except RejectedInput as exc:
                seen.setdefault(entry.id, entry.source)
                reports.append(ItemReport(entry.source, "rejected", str(exc), entry.id))
                continue
            except Exception as exc:  # a cleaning bug must not stop the other files
                log.exception("cleaning %s failed", entry.source)
                reason = f"{entry.source}: cannot clean the article ({exc})"
                reports.append(ItemReport(entry.source, "rejected", reason, entry.id))
                continue
            if article.id in seen:
                reports.append(
                    ItemReport(
                        article.source,
                        "rejected",
                        f"{article.source}: article id {article.id!r} already comes from {seen[article.id]}; "
                        "rename one of the files",
                        article.id,
                    )
                )
                continue
            twin = by_hash.get(article.content_hash)
            if twin is not None and twin != article.id and _still_there(twin, seen, existing_sources):
                # The same article under another name: indexing it twice would cite the same paragraph twice.
                where = seen.get(twin) or existing_sources.get(twin, "")
                reports.append(
                    ItemReport(
                        article.source,
                        "rejected",
                        f"{article.source}: same text as article {twin!r} ({where}); not indexed twice",
                        article.id,
                    )
                )
                seen[article.id] = article.source
                continue
            seen[article.id] = article.source
            by_hash.setdefault(article.content_hash, article.id)
            if existing.get(article.id) == article.content_hash:
                reports.append(ItemReport(article.source, "skipped", "unchanged", article.id))
                continue
            status: Status = "updated" if article.id in existing else "added"
            pending.append(_Pending(article, chunk_article(article), status))
            if sum(len(p.sentences) for p in pending) >= batch_sentences:
                flush()
        flush()
        if embedding is not None:
            collect(embedding)
        settle()
    finally:
        # After a failure, batches not yet started are dropped; those under way finish (a write is never cut).
        for pool in (analyser, encoder, writer):
            pool.shutdown(wait=True, cancel_futures=True)

    if prune:
        resolved = [p.resolve() for p in roots]
        for article_id, source in sorted(existing_sources.items()):
            if article_id not in existing:
                continue
            if article_id in seen:
                continue
            origin = Path(source_file(source))
            # Only articles from the folders and files given: an article ingested from elsewhere (an upload,
            # another archive) is not this run's to remove.
            inside = any(origin.resolve().is_relative_to(root) for root in resolved)
            if inside:
                removed = store.delete_article(article_id)
                existing.pop(article_id, None)
                reports.append(ItemReport(source, "removed", f"file is gone; {removed} chunks removed", article_id))

    report = IngestReport(tuple(reports))
    if report.changed:
        store.bump_generation()
    return report


def _still_there(article_id: str, seen: dict[str, str], sources: dict[str, str]) -> bool:
    """An indexed article still has its file (or was read in this run): a copy of it is a duplicate, whereas
    a renamed file is the same article moving to its new id."""
    if article_id in seen:
        return True
    source = sources.get(article_id)
    return source is not None and Path(source_file(source)).exists()


def _read_all(files: list[Path], max_file_bytes: int) -> Iterator[RawArticle | Rejection]:
    for path in files:
        try:
            yield from read_file(path, max_file_bytes)
        except Exception as exc:  # a parser bug on one file must not stop the others
            log.exception("reading %s failed", path)
            yield Rejection(str(path), f"{path}: cannot read the file ({exc})")


def _rows(item: _Pending, sentence_vectors: np.ndarray) -> ArticleRows:
    """An article's rows; a chunk's vector is the mean of its sentences' vectors."""
    dim = sentence_vectors.shape[1]
    rows_of: dict[str, list[int]] = {}
    for i, (chunk_id, _, _) in enumerate(item.sentences):
        rows_of.setdefault(chunk_id, []).append(i)
    chunk_vectors = np.zeros((len(item.chunks), dim), dtype=np.float32)
    for row, chunk in enumerate(item.chunks):
        rows = rows_of.get(chunk.id, [])
        chunk_vectors[row] = _unit(sentence_vectors[rows].mean(axis=0)) if rows else _unit(np.ones(dim))
    return ArticleRows(item.article, item.chunks, chunk_vectors, item.sentences, sentence_vectors)


def _write(store: ChromaStore, batch: list[ArticleRows], replaced: set[str]) -> None:
    """Chunks first, then the article records (the commit point), then the old versions' chunks go.

    Until its record is written, queries ignore an article's new chunks (their version is not the article's),
    so a crash at any point leaves each article's old version or its new one, never half of one.
    """
    store.put_chunks(batch)
    store.put_articles([(rows.article, _unit(rows.chunk_vectors.mean(axis=0))) for rows in batch])
    # Only a replaced article has old chunks; looking them up for a new one would cost a filtered read of
    # the whole collection per batch. (Chunks a crashed run left of a new article are of no article's version,
    # so queries ignore them; the article's next update removes them.)
    store.delete_stale({rows.article.id: rows.article.content_hash for rows in batch if rows.article.id in replaced})


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32) if norm > 0 else np.full_like(vector, 1 / np.sqrt(len(vector)))
