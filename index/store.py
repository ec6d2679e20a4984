"""The vector store: chunks, article records and index state in chromadb (embedded on disk, or a chroma server)."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from index.errors import (
    ConfigError,
    CorruptIndexError,
    ModelMismatchError,
    NoIndexError,
    QAError,
    StoreUnavailableError,
    UnknownArticleError,
)
from index.records import Article, Chunk, Filters, chunk_of_sentence, sentence_id

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

log = logging.getLogger(__name__)

SCHEMA = 4  # 2: sentence ids numbered within their chunk; 3: notes (language analysis); 4: quotes
_PAGE = 2000  # rows per chroma get(); chroma caps a single write at a few thousand rows


@dataclass(frozen=True)
class ArticleRows:
    """One article's rows for the store: its chunks and sentences ((chunk id, paragraph, text)) with vectors."""

    article: Article
    chunks: list[Chunk]
    chunk_vectors: np.ndarray
    sentences: list[tuple[str, int, str]]
    sentence_vectors: np.ndarray


@dataclass(frozen=True)
class SentenceRow:
    """A stored sentence found by similarity."""

    article_id: str
    article_hash: str
    paragraph: int
    text: str
    cosine: float


@dataclass(frozen=True)
class ArticleInfo:
    """What the article list shows: an article record without its paragraphs."""

    id: str
    title: str
    outlet: str | None
    date: str | None
    paragraphs: int
    content_hash: str
    source: str

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "outlet": self.outlet,
            "date": self.date,
            "paragraphs": self.paragraphs,
        }


def date_ordinal(day: str | None) -> int:
    """yyyy-mm-dd as the integer yyyymmdd (chroma compares numbers only); 0 when unknown or not a real day."""
    try:
        parsed = date.fromisoformat(day) if day and len(day) == 10 else None
    except ValueError:
        parsed = None
    return parsed.year * 10_000 + parsed.month * 100 + parsed.day if parsed else 0


def _where(filters: Filters | None) -> dict[str, Any] | None:
    if filters is None or filters.empty:
        return None
    clauses: list[dict[str, Any]] = []
    if filters.article_ids:
        clauses.append({"article_id": {"$in": list(filters.article_ids)}})
    if filters.outlets:
        clauses.append({"outlet_key": {"$in": [o.strip().lower() for o in filters.outlets]}})
    if filters.date_from:
        clauses.append({"date_ord": {"$gte": date_ordinal(filters.date_from)}})
    if filters.date_to:
        clauses.append({"date_ord": {"$lte": date_ordinal(filters.date_to)}})
    if filters.date_to and not filters.date_from:
        clauses.append({"date_ord": {"$gt": 0}})  # undated articles (0) are not "before" anything
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class ChromaStore:
    """Two chroma collections: `<name>_chunks` (one row per chunk, with its vector) and `<name>_articles`
    (one row per article: the cleaned article as JSON, its content hash, and the index state in the
    collection metadata: embedding model, generation)."""

    def __init__(self, client: ClientAPI, name: str, where: str, embedded: bool) -> None:
        self._client = client
        self._name = name
        self.where = where  # the directory or the server URL: for the log and for start-up messages only
        self.embedded = embedded
        self._chunks: Collection | None = None
        self._articles: Collection | None = None
        self._sentences: Collection | None = None

    # -- opening ---------------------------------------------------------------------------------------------

    @classmethod
    def connect(cls, *, name: str, path: Path | None = None, url: str | None = None) -> ChromaStore:
        """A client for the index directory `path`, or for the chroma server at `url` when it is given."""
        if len(name) < 3:
            raise ConfigError(f"Collection name {name!r} is too short: chroma needs 3 characters (QA_COLLECTION)")
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if url:
            from urllib.parse import urlparse

            parsed = urlparse(url if "://" in url else f"http://{url}")
            try:
                client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
            except Exception as exc:
                raise StoreUnavailableError(
                    f"Cannot reach the chroma server at {url}: {exc}. Start it (chroma run --path DIR "
                    "--host 127.0.0.1 --port PORT) or unset QA_CHROMA_URL to use the index directory."
                ) from exc
            return cls(client, name, url, embedded=False)
        if path is None:
            raise ConfigError("No index directory given (QA_INDEX_DIR or --index-dir)")
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise CorruptIndexError(f"Index directory {path} is a file, not a directory; move it or pick another")
        try:
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as exc:
            raise CorruptIndexError(
                f"Cannot open the index directory {path}: {exc}. If it is damaged, remove it and run: qa ingest PATH"
            ) from exc
        return cls(client, name, str(path), embedded=True)

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Translate chroma's and the transport's exceptions, by type, into the project's errors.

        Messages name no server paths or addresses (API clients see them); the log has where and why."""
        try:
            yield
        except QAError:
            raise
        except Exception as exc:
            error = self._translate(exc, action)
            if error is None:
                raise
            log.warning("vector store at %s failed to %s: %s: %s", self.where, action, type(exc).__name__, exc)
            raise error from exc

    def _translate(self, exc: Exception, action: str) -> QAError | None:
        import httpx
        from chromadb import errors as chroma_errors

        if isinstance(exc, httpx.TransportError | httpx.HTTPStatusError | ConnectionError | TimeoutError):
            return StoreUnavailableError(
                f"The vector store is unreachable while trying to {action}. Check that the chroma server is running."
            )
        if isinstance(exc, chroma_errors.NotFoundError):
            return NoIndexError(f"The index was removed while trying to {action}; run: qa ingest PATH")
        if isinstance(exc, chroma_errors.InternalError) and self.embedded:
            return CorruptIndexError(
                f"The index is damaged (it failed to {action}). Rebuild it: qa ingest --rebuild PATH"
            )
        if isinstance(exc, chroma_errors.ChromaError):
            return StoreUnavailableError(f"The vector store failed to {action}; the server log has the details.")
        return None

    def open_collections(self, model: str, annotator: str, create: bool) -> None:
        """Attach to the collections; with create=False a missing index is an error. Checks that the embedding
        model and the annotator are those that built the index."""
        chunks_name, articles_name = f"{self._name}_chunks", f"{self._name}_articles"
        sentences_name = f"{self._name}_sentences"
        with self._guard("open the index"):
            existing = {c if isinstance(c, str) else c.name for c in self._client.list_collections()}
            if not {articles_name, chunks_name, sentences_name} <= existing:
                if not create:
                    raise NoIndexError(f"No index at {self.where}; run: qa ingest PATH")
                self._articles = self._client.get_or_create_collection(
                    articles_name,
                    metadata={
                        "embedding_model": model,
                        "annotator": annotator,
                        "generation": uuid.uuid4().hex,
                        "schema": SCHEMA,
                    },
                    configuration={"hnsw": {"space": "cosine"}},
                    embedding_function=None,
                )
                self._chunks, self._sentences = (
                    self._client.get_or_create_collection(
                        name,
                        metadata={"embedding_model": model, "schema": SCHEMA},
                        configuration={"hnsw": {"space": "cosine"}},
                        embedding_function=None,
                    )
                    for name in (chunks_name, sentences_name)
                )
            else:
                self._articles = self._client.get_collection(articles_name, embedding_function=None)
                self._chunks = self._client.get_collection(chunks_name, embedding_function=None)
                self._sentences = self._client.get_collection(sentences_name, embedding_function=None)
        schema = self._state().get("schema")
        if schema != SCHEMA:
            raise CorruptIndexError(
                f"The index at {self.where} was built by another version of this tool (schema {schema}, this one "
                f"reads {SCHEMA}). Rebuild it: qa ingest --rebuild PATH"
            )
        built = self.model
        if built != model:
            raise ModelMismatchError(
                f"The index at {self.where} was built with embedding model {built!r}, but the settings ask for "
                f"{model!r}. Use the model it was built with (QA_EMBEDDING_MODEL), or rebuild it with the new "
                "model: qa ingest --rebuild PATH"
            )
        noted = str(self._state().get("annotator", ""))
        if noted != annotator:
            raise ModelMismatchError(
                f"The index at {self.where} was analysed with {noted!r}, not {annotator!r}. Rebuild it: "
                "qa ingest --rebuild PATH"
            )

    def drop(self) -> None:
        """Delete the index's collections (qa ingest --rebuild)."""
        with self._guard("delete the index"):
            existing = {c if isinstance(c, str) else c.name for c in self._client.list_collections()}
            for suffix in ("_chunks", "_sentences", "_articles"):
                if self._name + suffix in existing:
                    self._client.delete_collection(self._name + suffix)
        self._chunks = self._articles = self._sentences = None

    @property
    def chunks(self) -> Collection:
        if self._chunks is None:
            raise NoIndexError("No index is open; run: qa ingest PATH")
        return self._chunks

    @property
    def sentences(self) -> Collection:
        if self._sentences is None:
            raise NoIndexError("No index is open; run: qa ingest PATH")
        return self._sentences

    @property
    def articles(self) -> Collection:
        if self._articles is None:
            raise NoIndexError("No index is open; run: qa ingest PATH")
        return self._articles

    # -- state -----------------------------------------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        with self._guard("read the index state"):
            # Re-read: another process (an ingest, another API worker) may have changed it.
            collection = self._client.get_collection(self.articles.name, embedding_function=None)
            return dict(collection.metadata or {})

    @property
    def model(self) -> str:
        return str(self._state().get("embedding_model", ""))

    def generation(self) -> str:
        """Changes whenever the index content changes; caches key on it."""
        return str(self._state().get("generation", ""))

    def bump_generation(self) -> str:
        state = self._state()
        state["generation"] = uuid.uuid4().hex
        with self._guard("update the index state"):
            self.articles.modify(metadata=state)
        return str(state["generation"])

    def counts(self) -> tuple[int, int]:
        """(articles, chunks)."""
        with self._guard("count the index"):
            return self.articles.count(), self.chunks.count()

    # -- articles --------------------------------------------------------------------------------------------

    def article_hashes(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for meta in self._all_metadata(self.articles):
            out[str(meta["article_id"])] = str(meta["content_hash"])
        return out

    def get_articles(self, ids: list[str]) -> dict[str, Article]:
        if not ids:
            return {}
        with self._guard("read articles"):
            rows = self.articles.get(ids=list(dict.fromkeys(ids)), include=["documents"])
        return {
            row_id: Article.from_json(doc)
            for row_id, doc in zip(rows["ids"], rows["documents"] or [], strict=False)
            if doc
        }

    def iter_articles(self) -> Iterator[Article]:
        """Every article record, page by page (for the catalogue of entities and quotes)."""
        offset = 0
        while True:
            with self._guard("read articles"):
                rows = self.articles.get(include=["documents"], limit=_PAGE, offset=offset)
            if not rows["ids"]:
                return
            for doc in rows["documents"] or []:
                if doc:
                    yield Article.from_json(doc)
            offset += len(rows["ids"])

    def get_article(self, article_id: str) -> Article:
        found = self.get_articles([article_id])
        if article_id not in found:
            raise UnknownArticleError(f"No article {article_id!r} in the index; see: qa articles")
        return found[article_id]

    def list_articles(self) -> list[ArticleInfo]:
        infos = [
            ArticleInfo(
                id=str(meta["article_id"]),
                title=str(meta.get("title", "")),
                outlet=str(meta["outlet"]) if meta.get("outlet") else None,
                date=str(meta["date"]) if meta.get("date") else None,
                paragraphs=int(meta.get("paragraphs", 0)),
                content_hash=str(meta.get("content_hash", "")),
                source=str(meta.get("source", "")),
            )
            for meta in self._all_metadata(self.articles)
        ]
        return sorted(infos, key=lambda info: info.id)

    def put_articles(self, records: list[tuple[Article, np.ndarray]]) -> None:
        """Write article records: the commit point of an ingest (their chunks are already written)."""
        with self._guard("write articles"):
            for start in range(0, len(records), _PAGE):
                part = records[start : start + _PAGE]
                self.articles.upsert(
                    ids=[a.id for a, _ in part],
                    embeddings=_vectors(np.stack([v for _, v in part])),
                    documents=[a.to_json() for a, _ in part],
                    metadatas=[
                        {
                            "article_id": a.id,
                            "content_hash": a.content_hash,
                            "title": a.title,
                            "outlet": a.outlet or "",
                            "date": a.date or "",
                            "date_ord": date_ordinal(a.date),
                            "paragraphs": len(a.paragraphs),
                            "source": a.source,
                        }
                        for a, _ in part
                    ],
                )

    def delete_article(self, article_id: str) -> int:
        """Remove an article and all its chunks; returns the number of chunks removed."""
        with self._guard("delete an article"):
            found = self.articles.get(ids=[article_id], include=[])
            if not found["ids"]:
                raise UnknownArticleError(f"No article {article_id!r} in the index; see: qa articles")
            # The record goes first: without it the chunks are invisible to queries even if we stop halfway.
            self.articles.delete(ids=[article_id])
            return self.delete_stale({article_id: None})

    # -- chunks ----------------------------------------------------------------------------------------------

    def put_chunks(self, batch: list[ArticleRows]) -> None:
        """Write the chunks and sentences of several articles, each with its vector, in a few large writes
        (chroma's cost is per call as much as per row)."""
        chunk_rows: list[tuple[str, np.ndarray, str, dict[str, Any]]] = []
        sentence_rows: list[tuple[str, np.ndarray, str, dict[str, Any]]] = []
        for rows in batch:
            article = rows.article
            common: dict[str, Any] = {
                "article_id": article.id,
                "article_hash": article.content_hash,
                "outlet_key": (article.outlet or "").strip().lower(),
                "date_ord": date_ordinal(article.date),
            }
            per_chunk: dict[str, int] = {}
            for (chunk_id, paragraph, text), vector in zip(rows.sentences, rows.sentence_vectors, strict=True):
                # Ids numbered within their chunk: a query fetches a chunk's sentences by id, not by a filter.
                j = per_chunk.get(chunk_id, 0)
                per_chunk[chunk_id] = j + 1
                meta = {**common, "chunk_id": chunk_id, "paragraph": paragraph}
                sentence_rows.append((sentence_id(chunk_id, j), vector, text, meta))
            for chunk, vector in zip(rows.chunks, rows.chunk_vectors, strict=True):
                meta = {
                    **common,
                    "paragraphs": ",".join(str(n) for n in chunk.paragraphs),
                    "sentences": per_chunk.get(chunk.id, 0),
                }
                chunk_rows.append((chunk.id, vector, chunk.text, meta))
        with self._guard("write chunks"):
            for collection, table in ((self.chunks, chunk_rows), (self.sentences, sentence_rows)):
                for start in range(0, len(table), _PAGE):
                    part = table[start : start + _PAGE]
                    collection.upsert(
                        ids=[r[0] for r in part],
                        embeddings=_vectors(np.stack([r[1] for r in part])),
                        documents=[r[2] for r in part],
                        metadatas=[r[3] for r in part],
                    )

    def delete_stale(self, versions: dict[str, str | None]) -> int:
        """Delete the chunks and sentences of the given articles that are not of the given version (None: all
        of them). Returns how many chunks went."""
        removed = 0
        if not versions:
            return removed
        with self._guard("delete chunks"):
            for collection in (self.chunks, self.sentences):
                ids = list(versions)
                stale: list[str] = []
                for start in range(0, len(ids), 500):
                    rows = collection.get(
                        where=cast(Any, {"article_id": {"$in": ids[start : start + 500]}}), include=["metadatas"]
                    )
                    for row_id, meta in zip(rows["ids"], rows["metadatas"] or [], strict=False):
                        meta = meta or {}
                        if meta.get("article_hash") != versions.get(str(meta.get("article_id"))):
                            stale.append(row_id)
                for start in range(0, len(stale), _PAGE):
                    collection.delete(ids=stale[start : start + _PAGE])
                if collection is self.chunks:
                    removed = len(stale)
        return removed

    def sentence_vectors(self, chunks: list[Chunk]) -> dict[tuple[str, str], np.ndarray]:
        """{(chunk id, sentence text): vector} for every sentence of the given chunks (looked up by id)."""
        ids = [i for chunk in chunks for i in chunk.sentence_ids]
        if not ids:
            return {}
        with self._guard("read sentences"):
            rows = self.sentences.get(ids=ids, include=["documents", "embeddings"])
        if rows.get("embeddings") is None:
            return {}
        vectors = np.asarray(rows["embeddings"], dtype=np.float32)
        return {
            (chunk_of_sentence(row_id), doc or ""): vectors[i]
            for i, (row_id, doc) in enumerate(zip(rows["ids"], rows["documents"] or [], strict=False))
        }

    def query(self, vector: np.ndarray, n: int, filters: Filters | None) -> list[tuple[Chunk, float]]:
        """The n nearest chunks with their cosine similarity."""
        # chroma returns fewer than n_results when the collection holds fewer (counting first costs ~2 ms).
        with self._guard("search"):
            result = self.chunks.query(
                query_embeddings=_vectors(vector[None, :]),
                n_results=n,
                where=_where(filters),
                include=["documents", "metadatas", "distances"],
            )
        out = []
        for row_id, doc, meta, distance in zip(
            result["ids"][0],
            (result["documents"] or [[]])[0],
            (result["metadatas"] or [[]])[0],
            (result["distances"] or [[]])[0],
            strict=False,
        ):
            out.append((_chunk(row_id, doc, meta), 1.0 - float(distance)))
        return out

    def query_sentences(self, vector: np.ndarray, n: int, filters: Filters | None) -> list[tuple[str, float]]:
        """Chunks ranked by their best sentence: (chunk id, that sentence's cosine similarity), best first."""
        with self._guard("search"):
            result = self.sentences.query(
                query_embeddings=_vectors(vector[None, :]),
                n_results=n,
                where=_where(filters),
                include=["metadatas", "distances"],
            )
        best: dict[str, float] = {}
        for meta, distance in zip((result["metadatas"] or [[]])[0], (result["distances"] or [[]])[0], strict=False):
            chunk_id = str((meta or {}).get("chunk_id", ""))
            best.setdefault(chunk_id, 1.0 - float(distance))
        return list(best.items())

    def nearest_sentences(self, vectors: np.ndarray, n: int) -> list[list[SentenceRow]]:
        """For each vector, the n nearest stored sentences (of any article version: callers check)."""
        if len(vectors) == 0:
            return []
        with self._guard("search"):
            result = self.sentences.query(
                query_embeddings=_vectors(vectors),
                n_results=n,
                include=["documents", "metadatas", "distances"],
            )
        out = []
        for docs, metas, distances in zip(
            result["documents"] or [], result["metadatas"] or [], result["distances"] or [], strict=False
        ):
            out.append([
                SentenceRow(
                    str((meta or {}).get("article_id", "")),
                    str((meta or {}).get("article_hash", "")),
                    int((meta or {}).get("paragraph", 0)),  # type: ignore[arg-type]
                    doc or "",
                    1.0 - float(distance),
                )
                for doc, meta, distance in zip(docs, metas, distances, strict=False)
            ])
        return out

    def get_chunks(self, ids: list[str], with_vectors: bool = False) -> tuple[list[Chunk], np.ndarray | None]:
        if not ids:
            return [], None
        include: list[Any] = ["documents", "metadatas"] + (["embeddings"] if with_vectors else [])
        with self._guard("read chunks"):
            rows = self.chunks.get(ids=ids, include=include)
        by_id = {
            row_id: (_chunk(row_id, doc, meta), i)
            for i, (row_id, doc, meta) in enumerate(
                zip(rows["ids"], rows["documents"] or [], rows["metadatas"] or [], strict=False)
            )
        }
        ordered = [by_id[i] for i in ids if i in by_id]
        vectors = None
        if with_vectors and rows.get("embeddings") is not None:
            all_vectors = np.asarray(rows["embeddings"], dtype=np.float32)
            vectors = all_vectors[[i for _, i in ordered]] if ordered else all_vectors[:0]
        return [c for c, _ in ordered], vectors

    def iter_chunks(self) -> Iterator[tuple[Chunk, dict[str, Any]]]:
        """Every chunk with its metadata, page by page (for building the keyword index)."""
        offset = 0
        while True:
            with self._guard("read chunks"):
                rows = self.chunks.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            if not rows["ids"]:
                return
            for row_id, doc, meta in zip(rows["ids"], rows["documents"] or [], rows["metadatas"] or [], strict=False):
                yield _chunk(row_id, doc, meta), dict(meta or {})
            offset += len(rows["ids"])

    def _all_metadata(self, collection: Collection) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            with self._guard("list the index"):
                rows = collection.get(include=["metadatas"], limit=_PAGE, offset=offset)
            if not rows["ids"]:
                return
            for meta in rows["metadatas"] or []:
                yield dict(meta or {})
            offset += len(rows["ids"])


def _vectors(array: np.ndarray) -> Any:
    """float32 rows as chroma takes them (its type hints are narrower than what it accepts)."""
    return np.ascontiguousarray(array, dtype=np.float32)


def _chunk(row_id: str, doc: str | None, meta: Any) -> Chunk:
    meta = dict(meta or {})
    numbers = tuple(int(n) for n in str(meta.get("paragraphs", "")).split(",") if n)
    return Chunk(
        row_id,
        str(meta.get("article_id", "")),
        numbers,
        doc or "",
        str(meta.get("article_hash", "")),
        int(meta.get("sentences", 0)),
    )
