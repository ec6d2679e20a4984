"""Finding chunks for a query: dense search in the store and BM25, fused by reciprocal rank, with filters."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index.catalogue import Catalogue
from index.embed import Embedder
from index.fuse import reciprocal_rank_fusion
from index.keyword import KeywordIndex
from index.records import Article, Chunk, Filters, Hit, Mode, article_of_chunk
from index.store import ChromaStore, SentenceRow
from index.tokenize import TOKENIZER_VERSION, name_words, terms

log = logging.getLogger(__name__)

_MAX_SEARCH_CHUNKS = 2000  # how deep a search pages: past this, "more" results are not offered



def build_keyword_index(store: ChromaStore, generation: str) -> KeywordIndex:
    """BM25 over the chunks of the current version of every article in the store."""
    current = store.article_hashes()
    rows = (
        (chunk.id, chunk.text, chunk.article_id, str(meta.get("outlet_key", "")), int(meta.get("date_ord", 0)))
        for chunk, meta in store.iter_chunks()
        if current.get(chunk.article_id) == chunk.article_hash
    )
    return KeywordIndex.build(rows, generation)


def load_keyword_index(store: ChromaStore, cache_dir: Path | None) -> KeywordIndex:
    """The keyword index for the store's current generation: from the cache when saved, else built and saved."""
    generation = store.generation()
    # Keyed by the tokenizer too: an index saved by older tokenizing rules is not read with newer ones.
    folder = f"{generation}-t{TOKENIZER_VERSION}"
    target = cache_dir / folder if cache_dir is not None else None
    if target is not None and (target / "chunks.json").exists():
        try:
            index = KeywordIndex.load(target)
            if index.generation == generation:
                return index
        except Exception as exc:  # a damaged cache is rebuilt, never fatal
            log.warning("keyword index cache at %s is unreadable (%s); rebuilding", target, exc)
            shutil.rmtree(target, ignore_errors=True)
    started = time.perf_counter()
    index = build_keyword_index(store, generation)
    log.info("built keyword index over %d chunks in %.1fs", index.size, time.perf_counter() - started)
    if target is not None and cache_dir is not None:
        try:
            index.save(target)
            for old in cache_dir.iterdir():
                if old.name != folder and not old.name.endswith(".tmp"):
                    shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            log.warning("cannot save the keyword index to %s (%s); it will be rebuilt next time", target, exc)
    return index




def _name_groups(query: str, keyword: KeywordIndex) -> list[set[str]]:
    """For each distinctive name in the query (a capitalised word, not the first, that the index knows and that
    few chunks use), the articles that mention it."""
    found: dict[str, float] = {}
    for _, word in name_words(query):
        for term in terms(word):
            if keyword.known(term):
                found[term] = keyword.idf(term)
    if len(found) < 2:
        return []
    top = max(found.values())
    groups = []
    for term, idf in found.items():
        if idf >= 0.6 * top:  # a name most chunks use ("Reuters" in a wire archive) picks no article
            groups.append(keyword.articles_with(term))
    return [g for g in groups if g]


def _interleave(fused: list[tuple[str, float]], groups: list[set[str]]) -> list[tuple[str, float]]:
    """Take turns between the names' articles, each in fused order, so that a query comparing two places
    finds chunks about both; chunks of no name's article follow."""
    queues = [[item for item in fused if article_of_chunk(item[0]) in group] for group in groups]
    queues.sort(key=lambda queue: fused.index(queue[0]) if queue else len(fused))
    out: list[tuple[str, float]] = []
    seen: set[str] = set()
    for turn in range(max(len(q) for q in queues)):
        for queue in queues:
            if turn < len(queue) and queue[turn][0] not in seen:
                seen.add(queue[turn][0])
                out.append(queue[turn])
    return out + [item for item in fused if item[0] not in seen]


@dataclass(frozen=True)
class ArticleHit:
    """An article found by a search: its best chunk's score and every paragraph of it that matched, in order."""

    article: Article
    score: float
    paragraphs: tuple[int, ...]


def by_article(hits: list[Hit], articles: dict[str, Article], per_article: int = 3) -> list[ArticleHit]:
    """Hits grouped into distinct articles, ranked by their best hit; each with the paragraphs of its best
    `per_article` hits (in article order)."""
    grouped: dict[str, list[Hit]] = {}
    for hit in hits:
        if hit.article_id in articles:
            grouped.setdefault(hit.article_id, []).append(hit)
    ranked = sorted(grouped, key=lambda a: -max(h.score for h in grouped[a]))
    out = []
    for article_id in ranked:
        best = sorted(grouped[article_id], key=lambda h: -h.score)[:per_article]
        paragraphs = tuple(sorted({n for h in best for n in h.chunk.paragraphs}))
        out.append(ArticleHit(articles[article_id], best[0].score, paragraphs))
    return out


class Retriever:
    """Hybrid retrieval over one store. Keeps the keyword index and recently used articles in memory, and
    reloads them when the store's generation changes (another process ingested)."""

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        keyword_cache: Path | None = None,
        candidates: int = 30,
        refresh_seconds: float = 2.0,
        article_cache: int = 512,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self._keyword_cache = keyword_cache
        self._candidates = candidates
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._keyword: KeywordIndex | None = None
        self._checked_at = 0.0
        self._articles: OrderedDict[str, Article] = OrderedDict()
        self._article_cache = article_cache
        self._catalogue: Catalogue | None = None
        self._catalogue_lock = threading.Lock()

    @property
    def keyword(self) -> KeywordIndex:
        self.refresh()
        assert self._keyword is not None
        return self._keyword

    def refresh(self, force: bool = False) -> None:
        """Reload the keyword index if the store changed since it was built (checked every few seconds)."""
        now = time.monotonic()
        if not force and self._keyword is not None and now - self._checked_at < self._refresh_seconds:
            return
        with self._lock:
            self._checked_at = now
            generation = self.store.generation()
            if self._keyword is None or self._keyword.generation != generation:
                self._keyword = load_keyword_index(self.store, self._keyword_cache)
                self._articles.clear()

    @property
    def catalogue(self) -> Catalogue:
        """Entities and quotes of every article, built on first use after the index changes (it reads every
        article record: a few seconds on 20,000 stories)."""
        self.refresh()
        assert self._keyword is not None
        generation = self._keyword.generation
        with self._catalogue_lock:
            if self._catalogue is None or self._catalogue.generation != generation:
                started = time.perf_counter()
                self._catalogue = Catalogue.build(self.store.iter_articles(), generation)
                log.info("catalogued %d entities and %d quotes in %.1fs", len(self._catalogue.entities),
                         len(self._catalogue.quotes), time.perf_counter() - started)  # fmt: skip
            return self._catalogue

    def resolve(self, filters: Filters | None) -> Filters | None:
        """The filters with their people, organisations and places turned into the article ids that mention
        them all (intersected with any article ids given); ("",) when no article does."""
        if filters is None or not filters.mentions:
            return filters
        allowed: set[str] | None = set(filters.article_ids) if filters.article_ids else None
        for kind, name in filters.mentions:
            found = self.catalogue.articles_mentioning(kind, name) or set()
            allowed = found if allowed is None else allowed & found
        ids = tuple(sorted(allowed or ())) or ("",)
        return replace(filters, article_ids=ids, people=(), organisations=(), places=())

    def articles(self, ids: list[str]) -> dict[str, Article]:
        """Article records by id, through a small cache (cleared when the index changes)."""
        missing = [i for i in dict.fromkeys(ids) if i not in self._articles]
        if missing:
            for article_id, article in self.store.get_articles(missing).items():
                self._articles[article_id] = article
        out = {}
        for article_id in ids:
            if article_id in self._articles:
                self._articles.move_to_end(article_id)
                out[article_id] = self._articles[article_id]
        while len(self._articles) > self._article_cache:
            self._articles.popitem(last=False)
        return out

    def sentence_vectors(self, chunks: list[Chunk]) -> dict[tuple[str, str], np.ndarray]:
        return self.store.sentence_vectors(chunks)

    def search_articles(
        self, query: str, k: int, offset: int = 0, filters: Filters | None = None, mode: Mode = "hybrid"
    ) -> tuple[list[ArticleHit], bool]:
        """Distinct articles for the query, ranked by their best passage: results offset..offset+k, and whether
        there are more. Chunks are fetched until enough articles are found (or the index has no more)."""
        wanted = offset + k + 1
        chunks = max(self._candidates, 3 * wanted)
        while True:
            hits = self.search(query, k=chunks, filters=filters, mode=mode)
            found = by_article(hits, self.articles([h.article_id for h in hits]))
            if len(found) >= wanted or len(hits) < chunks or chunks >= _MAX_SEARCH_CHUNKS:
                return found[offset : offset + k], len(found) > offset + k
            chunks = min(2 * chunks, _MAX_SEARCH_CHUNKS)

    def similar_sentences(
        self,
        vectors: np.ndarray,
        n: int = 12,
        min_cosine: float = 0.0,
        keep: Callable[[int, SentenceRow], bool] | None = None,
    ) -> list[list[tuple[Article, SentenceRow]]]:
        """For each vector, the nearest sentences (at least `min_cosine` alike, and that `keep(vector's index,
        row)` accepts) of the current version of any article, with their article. `keep` runs before the
        articles are read: reading a record is the costly part."""
        rows = [
            [r for r in found if r.cosine >= min_cosine and (keep is None or keep(i, r))]
            for i, found in enumerate(self.store.nearest_sentences(vectors, n))
        ]
        articles = self.articles([r.article_id for found in rows for r in found])
        return [
            [(articles[r.article_id], r) for r in found
             if r.article_id in articles and articles[r.article_id].content_hash == r.article_hash]
            for found in rows
        ]  # fmt: skip

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def search(
        self,
        query: str,
        k: int = 5,
        filters: Filters | None = None,
        mode: Mode = "hybrid",
        vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """The k best chunks for the query. Every hit carries its cosine similarity to the query."""
        keyword = self.keyword
        filters = self.resolve(filters)
        if filters is not None and filters.article_ids == ("",):
            return []  # no article mentions what the filters name
        pool = max(self._candidates, 2 * k)
        if vector is None:
            vector = self.embed_query(query)
        # Dense ranking by each chunk's best sentence: a paragraph is as relevant as its most relevant
        # sentence (this beat whole-chunk vectors on eval/questions.jsonl).
        dense: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense"):
            dense = self.store.query_sentences(vector, 2 * pool, filters)[:pool]
        sparse: list[tuple[str, float]] = []
        if mode in ("hybrid", "bm25"):
            sparse = keyword.search(query, pool, filters)

        rankings = [[i for i, _ in dense], [i for i, _ in sparse]]
        fused = reciprocal_rank_fusion([r for r in rankings if r])
        groups = _name_groups(query, keyword)
        if len(groups) >= 2 and not set.intersection(*groups):
            fused = _interleave(fused, groups)
        cosines = dict(dense)
        bm25 = dict(sparse)

        # Take a few more than k, since chunks of an article version being replaced are dropped below.
        wanted = [chunk_id for chunk_id, _ in fused[: k + 5]]
        found, vectors = self.store.get_chunks(wanted, with_vectors=True)
        chunks: dict[str, Chunk] = {}
        for i, row in enumerate(found):
            chunks[row.id] = row
            if row.id not in cosines and vectors is not None:
                cosines[row.id] = float(np.dot(vectors[i], vector))

        articles = self.articles([chunks[i].article_id for i in wanted if i in chunks])
        hits: list[Hit] = []
        for chunk_id, score in fused[: k + 5]:
            chunk = chunks.get(chunk_id)
            if chunk is None:
                continue
            article = articles.get(chunk.article_id)
            if article is None or article.content_hash != chunk.article_hash:
                continue  # an uncommitted or superseded version of the article
            hits.append(Hit(chunk, score, cosines.get(chunk_id), bm25.get(chunk_id), rank=len(hits) + 1))
            if len(hits) == k:
                break
        return hits
