"""The Assistant facade: the one object surfaces use to ingest, ask, list and delete."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from index.embed import Embedder, embedder_for
from index.ingest import IngestReport, ItemReport, Progress, ingest
from index.parse import SIDECAR_SUFFIX
from index.records import Article, Filters
from index.retrieve import Mode, Retriever
from index.store import ArticleInfo, ChromaStore
from qa.answer import ExtractiveConfig, extractive_answer
from qa.errors import BadFilterError, BadQuestionError
from qa.followup import Message, referents, rewrite
from qa.generate import GenerateConfig, generate, rewrite_query
from qa.llm import LLM, LLMError, open_llm
from qa.records import Answer
from qa.settings import Settings

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def clean_question(question: object, max_chars: int) -> str:
    if not isinstance(question, str):
        raise BadQuestionError("The question must be text")
    text = " ".join(_CONTROL.sub(" ", question).split())
    if not text:
        raise BadQuestionError("The question is empty; ask something about the articles")
    if len(text) > max_chars:
        raise BadQuestionError(
            f"The question is {len(text):,} characters long; the limit is {max_chars:,} (QA_MAX_QUESTION_CHARS)"
        )
    if not any(ch.isalnum() for ch in text):
        raise BadQuestionError("The question has no words in it; ask something about the articles")
    return text


def parse_filters(raw: Filters | Mapping[str, Any] | None) -> Filters | None:
    """Filters from a dict such as {"article_ids": [...], "outlets": [...], "date_from": "2022-01-01"}."""
    if raw is None or isinstance(raw, Filters):
        return raw
    if not isinstance(raw, Mapping):
        raise BadFilterError("Filters must be an object with article_ids, outlets, date_from, date_to")
    allowed = {"article_ids", "outlets", "date_from", "date_to"}
    unknown = set(raw) - allowed
    if unknown:
        raise BadFilterError(f"Unknown filter(s) {sorted(unknown)}; use {sorted(allowed)}")

    def strings(key: str) -> tuple[str, ...]:
        value = raw.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
            raise BadFilterError(f"Filter {key!r} must be a list of non-empty strings")
        return tuple(v.strip() for v in value)

    dates: dict[str, str | None] = {}
    for key in ("date_from", "date_to"):
        value = raw.get(key)
        if value in (None, ""):
            dates[key] = None
            continue
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise BadFilterError(f"Filter {key!r} must be a date as yyyy-mm-dd, got {value!r}")
        dates[key] = value
    if dates["date_from"] and dates["date_to"] and dates["date_from"] > dates["date_to"]:
        raise BadFilterError("Filter date_from is after date_to")
    return Filters(strings("article_ids"), strings("outlets"), dates["date_from"], dates["date_to"])


def _check_history(history: Sequence[Message] | None) -> list[Message]:
    if history is None:
        return []
    if not isinstance(history, list | tuple):
        raise BadQuestionError('History must be a list of {"role": "user"|"assistant", "content": str} messages')
    for i, message in enumerate(history):
        if (
            not isinstance(message, Mapping)
            or message.get("role") not in ("user", "assistant")
            or not isinstance(message.get("content"), str)
        ):
            raise BadQuestionError(
                f'History message {i} must be {{"role": "user"|"assistant", "content": str}}, got {message!r}'
            )
    return [dict(m) for m in history]


def upload_name(name: str) -> str:
    """The basename of an uploaded file's name ('' when nothing usable is left): never a path."""
    base = _CONTROL.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return "" if base in ("", ".", "..") else base


class Assistant:
    """Ask questions about the indexed articles and manage what is indexed."""

    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder, llm: LLM | None = None) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.retriever = Retriever(store, embedder, keyword_cache=settings.keyword_cache)
        self.config = ExtractiveConfig()
        self.generate_config = GenerateConfig(max_tokens=settings.llm_max_tokens, timeout=settings.llm_timeout)
        self._llm = llm
        self._llm_lock = threading.Lock()
        self._write_lock = threading.Lock()

    @classmethod
    def open(
        cls,
        index_dir: str | Path | None = None,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        create: bool = False,
        llm: LLM | None = None,
        rebuild: bool = False,
    ) -> Assistant:
        """Open the index (QA_INDEX_DIR or QA_CHROMA_URL). With create=False a missing index is an error;
        rebuild=True deletes it first (to change the model, or after an upgrade that changed its layout).

        With QA_ANSWER_ENGINE=llm the language model is loaded on the first question (or pass `llm`)."""
        settings = settings or Settings()
        if index_dir is not None:
            settings = settings.model_copy(update={"index_dir": Path(index_dir)})
        embedder = embedder or embedder_for(settings.embedding_model)
        store = ChromaStore.connect(
            name=settings.collection,
            path=None if settings.chroma_url else settings.index_dir,
            url=settings.chroma_url,
        )
        if rebuild:
            store.drop()
        store.open_collections(embedder.name, create=create or rebuild)
        return cls(settings, store, embedder, llm=llm)

    @property
    def llm(self) -> LLM:
        """The language model, opened on first use (loading a local model takes a few seconds)."""
        if self._llm is None:
            with self._llm_lock:
                if self._llm is None:
                    self._llm = open_llm(self.settings)
        return self._llm

    # -- asking ----------------------------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        filters: Filters | Mapping[str, Any] | None = None,
        k: int | None = None,
        mode: Mode | None = None,
        engine: str | None = None,
    ) -> Answer:
        """Answer a question (with the chat so far); the Answer's to_dict() is the JSON contract."""
        final: Answer | None = None
        for item in self.ask_stream(question, history=history, filters=filters, k=k, mode=mode, engine=engine):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def ask_stream(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        filters: Filters | Mapping[str, Any] | None = None,
        k: int | None = None,
        mode: Mode | None = None,
        engine: str | None = None,
    ) -> Iterator[str | Answer]:
        """Pieces of the answer text as they are produced, then the final Answer (always the last item).

        Errors about the question or filters are raised before the first piece; a language-model failure is
        never raised: the answer falls back to the extractive one and says so."""
        engine = engine or self.settings.answer_engine
        if engine not in ("extractive", "llm"):
            raise BadQuestionError(f"Unknown answer engine {engine!r}; use 'extractive' or 'llm'")
        text = clean_question(question, self.settings.max_question_chars)
        turns = _check_history(history)
        parsed = parse_filters(filters)
        if parsed is not None and parsed.article_ids:
            known = self.retriever.articles(list(parsed.article_ids))
            missing = [a for a in parsed.article_ids if a not in known]
            if missing:
                raise BadFilterError(f"No article {', '.join(map(repr, missing))} in the index; see: qa articles")
        k = k or self.settings.k
        if not 1 <= k <= 50:
            raise BadQuestionError(f"k must be between 1 and 50, got {k}")

        query = rewrite(text, turns)
        names_from = referents(text, turns)
        llm: LLM | None = None
        llm_error = ""
        if engine == "llm":
            try:
                llm = self.llm
            except LLMError as exc:
                log.warning("no language model: %s", exc)
                llm_error = str(exc)
            if llm is not None and turns:
                standalone = rewrite_query(llm, text, turns, timeout=self.settings.llm_timeout)
                if standalone:
                    query = names_from = standalone

        extractive = self._extractive(text, query, names_from, parsed, k, mode)
        if engine == "extractive":
            # The extractive engine has its whole answer at once; it is streamed word by word all the same, so
            # surfaces handle every engine alike.
            yield from re.findall(r"\S+\s*", extractive.answer)
            yield extractive
            return
        if llm is None:
            yield from re.findall(r"\S+\s*", extractive.answer)
            yield dataclasses.replace(extractive, fallback=f"language model unavailable: {llm_error}")
            return
        articles = self.retriever.articles([h.article_id for h in extractive.hits])
        yield from generate(llm, text, extractive, articles, self.generate_config)

    def _extractive(
        self, text: str, query: str, names_from: str, filters: Filters | None, k: int, mode: Mode | None
    ) -> Answer:
        vector = self.retriever.embed_query(query)
        pool = self.retriever.search(
            query,
            k=max(k, self.config.candidate_chunks),
            filters=filters,
            mode=mode or self.settings.retrieval,
            vector=vector,
        )
        articles = self.retriever.articles([h.article_id for h in pool])

        def similarity(sentences: list[tuple[str, str]]) -> list[float]:
            wanted = {chunk_id for chunk_id, _ in sentences}
            stored = self.retriever.sentence_vectors([h.chunk for h in pool if h.chunk.id in wanted])
            missing = [s for s in dict.fromkeys(sentences) if s not in stored]
            if missing:  # not expected: ingest stores every sentence it can quote
                log.debug("embedding %d sentences with no stored vector", len(missing))
                stored.update(zip(missing, self.embedder.embed([text for _, text in missing]), strict=True))
            return [float(stored[s] @ vector) for s in sentences]

        answer = extractive_answer(
            text,
            query,
            pool,
            articles,
            self.retriever.keyword,
            self.config,
            names_from=names_from,
            similarity=similarity,
        )
        return dataclasses.replace(answer, hits=tuple(pool[:k]))

    # -- the collection --------------------------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[str | Path],
        prune: bool = False,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        with self._write_lock:
            if rebuild:
                self.store.drop()
                self.store.open_collections(self.embedder.name, create=True)
            report = ingest(
                self.store,
                self.embedder,
                paths,
                prune=prune,
                max_file_bytes=self.settings.max_file_bytes,
                progress=progress,
            )
            self.retriever.refresh(force=True)
            return report

    def ingest_uploads(
        self, uploads: Iterable[tuple[str, IO[bytes]]], progress: Progress | None = None
    ) -> IngestReport:
        """Ingest uploaded files (name, content) as `qa ingest` would: the article id is the file stem, a
        NAME.meta.json uploaded alongside is its sidecar. Only the basename of a name is used.

        Accepted files are kept in `<index_dir>/uploads/`, so the index always has the file an article came
        from; a rejected upload leaves that folder (and the index) as it was."""
        folder = self.settings.index_dir / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        rejected: list[ItemReport] = []
        previous: dict[Path, bytes | None] = {}  # what each written path held before, to undo a rejection
        paths: list[Path] = []
        for raw_name, content in uploads:
            name = upload_name(raw_name)
            if not name:
                rejected.append(ItemReport(raw_name or "(unnamed)", "rejected", "the file has no usable name"))
                continue
            target = folder / name
            if target in previous:
                rejected.append(ItemReport(name, "rejected", "another uploaded file has the same name"))
                continue
            previous[target] = target.read_bytes() if target.exists() else None
            with target.open("wb") as out:
                shutil.copyfileobj(content, out)
            if not name.lower().endswith(SIDECAR_SUFFIX):
                paths.append(target)
        report = self.ingest(paths, progress=progress) if paths else IngestReport()
        for item in report.items:
            path = Path(item.source)
            if item.status == "rejected" and path in previous:
                before = previous[path]
                if before is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(before)
        prefix = f"{folder}{os.sep}"
        items = [
            dataclasses.replace(item, source=item.source.replace(prefix, ""), detail=item.detail.replace(prefix, ""))
            for item in report.items
        ]
        return IngestReport((*items, *rejected))

    def articles(self) -> list[ArticleInfo]:
        return self.store.list_articles()

    def article(self, article_id: str) -> Article:
        return self.store.get_article(article_id)

    def delete_article(self, article_id: str) -> int:
        with self._write_lock:
            removed = self.store.delete_article(article_id)
            self.store.bump_generation()
            self.retriever.refresh(force=True)
            return removed

    def health(self) -> dict[str, object]:
        articles, chunks = self.store.counts()
        return {
            "articles": articles,
            "chunks": chunks,
            "store": self.store.where,
            "embedding_model": self.embedder.name,
            "answer_engine": self.settings.answer_engine,
            "retrieval": self.settings.retrieval,
        }
