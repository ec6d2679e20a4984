"""The Assistant facade: the one object surfaces use to ingest, ask, list and delete."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from index.annotate import Annotator, SpacyAnnotator
from index.chunk import chunk_article, chunk_sentences
from index.embed import Embedder, embedder_for
from index.ingest import IngestReport, ItemReport, Progress, ingest, source_file
from index.parse import SIDECAR_SUFFIX
from index.records import Article, Filters, Hit, Mode
from index.retrieve import Retriever
from index.store import ArticleInfo, ChromaStore
from qa.answer import Candidate, ExtractiveConfig, extractive_answer
from qa.confidence import fitted
from qa.errors import BadFilterError, BadQuestionError, LLMError
from qa.followup import referents, rewrite
from qa.generate import GenerateConfig, generate, rewrite_query
from qa.llm import LLM, open_llm
from qa.question import Question, analyse
from qa.records import Answer, Engine, Passage
from qa.request import AskRequest
from qa.settings import Settings

log = logging.getLogger(__name__)

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME_BYTES = 255  # what file systems allow for one name


def upload_name(name: str) -> tuple[str, str | None]:
    """(the file name to store an upload under, or why it cannot be stored): only a basename, never a path."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if _UNSAFE_NAME.search(base):
        return "", "the file name has control characters in it"
    if not base or base in (".", ".."):
        return "", "the file has no usable name"
    if base.startswith("."):
        return "", "hidden files (names starting with '.') are not accepted"
    if len(base.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        return "", f"the file name is over {MAX_NAME_BYTES} bytes"
    return base, None


def shown_name(name: str) -> str:
    """A file name as a report may show it: printable, and short."""
    text = "".join(ch if ch.isprintable() else "?" for ch in name) or "(unnamed)"
    return text if len(text) <= 80 else text[:77] + "..."


class Assistant:
    """Ask questions about the indexed articles and manage what is indexed."""

    def __init__(
        self,
        settings: Settings,
        store: ChromaStore,
        embedder: Embedder,
        annotator: Annotator,
        llm: LLM | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.annotator = annotator
        self.retriever = Retriever(
            store,
            embedder,
            keyword_cache=settings.keyword_cache,
            candidates=settings.retrieval.candidates,
            refresh_seconds=settings.retrieval.refresh_seconds,
        )
        self.config = ExtractiveConfig(
            candidate_chunks=settings.answer.candidate_chunks, max_sentences=settings.answer.max_sentences
        )
        self.calibration = fitted()
        self.generate_config = GenerateConfig(
            max_sources=settings.llm.max_sources,
            max_tokens=settings.llm.max_tokens,
            timeout=settings.llm.timeout,
            min_support=settings.llm.min_support,
        )
        self._llm = llm
        self._llm_lock = threading.Lock()
        self._analyser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="question-analysis")
        # Re-entrant: an upload holds it while it moves its files into place and ingests them.
        self._write_lock = threading.RLock()

    @classmethod
    def open(
        cls,
        index_dir: str | Path | None = None,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        create: bool = False,
        llm: LLM | None = None,
        rebuild: bool = False,
        annotator: Annotator | None = None,
    ) -> Assistant:
        """Open the index (QA_INDEX_DIR or QA_CHROMA_URL). With create=False a missing index is an error;
        rebuild=True deletes it first (to change the model, or after an upgrade that changed its layout).

        With QA_ANSWER_ENGINE=llm the language model is loaded on the first question (or pass `llm`)."""
        settings = settings or Settings()
        if index_dir is not None:
            settings = settings.with_overrides({"index_dir": Path(index_dir)})
        embedder = embedder or embedder_for(settings.embedding_model, batch_size=settings.ingest.embed_batch_size)
        annotator = annotator or SpacyAnnotator()
        store = ChromaStore.connect(
            name=settings.collection,
            path=None if settings.chroma_url else settings.index_dir,
            url=settings.chroma_url,
        )
        if rebuild:
            store.drop()
        store.open_collections(embedder.name, annotator.name, create=create or rebuild)
        return cls(settings, store, embedder, annotator, llm=llm)

    @property
    def llm(self) -> LLM:
        """The language model, opened on first use (loading a local model takes a few seconds)."""
        if self._llm is None:
            with self._llm_lock:
                if self._llm is None:
                    self._llm = open_llm(self.settings.llm, self.settings.model_cache)
        return self._llm

    # -- asking ----------------------------------------------------------------------------------------------

    def request(self, question: str | AskRequest, **fields: Any) -> AskRequest:
        """The request for `question` (a string, with history/filters/k as keywords, or an AskRequest), checked
        against this deployment's limits and index."""
        request = AskRequest.of(question, **fields)
        limits = self.settings.answer
        request.check_limits(limits.max_question_chars, limits.max_history_turns, limits.max_history_chars)
        if request.filters is not None and request.filters.article_ids:
            known = self.retriever.articles(request.filters.article_ids)
            missing = [a for a in request.filters.article_ids if a not in known]
            if missing:
                raise BadFilterError(f"No article {', '.join(map(repr, missing))} in the index; see: qa articles")
        return request

    def ask(
        self,
        question: str | AskRequest,
        history: Sequence[Mapping[str, str]] | None = None,
        filters: Mapping[str, Any] | None = None,
        k: int | None = None,
        *,
        mode: Mode | None = None,
        engine: Engine | None = None,
    ) -> Answer:
        """Answer a question (with the chat so far); the Answer's to_dict() is the JSON contract."""
        final: Answer | None = None
        for item in self.ask_stream(question, history, filters, k, mode=mode, engine=engine):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def ask_stream(
        self,
        question: str | AskRequest,
        history: Sequence[Mapping[str, str]] | None = None,
        filters: Mapping[str, Any] | None = None,
        k: int | None = None,
        *,
        mode: Mode | None = None,
        engine: Engine | None = None,
    ) -> Iterator[str | Answer]:
        """Pieces of the answer text as they are produced, then the final Answer (always the last item).

        Errors about the question or filters are raised before the first piece; a language-model failure is
        never raised: the answer falls back to the extractive one and says so."""
        if isinstance(question, AskRequest):
            request = self.request(question)
        else:
            fields: dict[str, Any] = {"history": history, "filters": filters, "k": k}
            request = self.request(question, **{key: value for key, value in fields.items() if value is not None})
        engine = engine or self.settings.answer.engine
        if engine not in ("extractive", "llm"):
            raise BadQuestionError(f"Unknown answer engine {engine!r}; use 'extractive' or 'llm'")
        text = request.question
        turns = [turn.model_dump() for turn in request.history]
        parsed = request.filters.to_filters() if request.filters is not None else None
        k = request.k or self.settings.retrieval.k

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
                standalone = rewrite_query(llm, text, turns, timeout=self.settings.llm.timeout)
                if standalone:
                    query = names_from = standalone

        # The question's parse runs beside the query's embedding and the search (both mostly native code).
        analysis = self._analyser.submit(self.analyse, text, names_from)
        extractive, pool = self._extractive(analysis, query, parsed, k, mode)
        if engine == "extractive" or extractive.abstained:
            # A refusal stays a refusal: the language model may only word an answer the sources were found to
            # give (a model writing from sources that do not answer is how confident wrong answers are made).
            # The extractive engine has its whole answer at once; it is streamed word by word all the same, so
            # surfaces handle every engine alike.
            yield from re.findall(r"\S+\s*", extractive.answer)
            yield extractive
            return
        if llm is None:
            yield from re.findall(r"\S+\s*", extractive.answer)
            yield dataclasses.replace(extractive, fallback=f"language model unavailable: {llm_error}")
            return
        articles = self.retriever.articles([h.article_id for h in pool])
        yield from generate(
            llm, analysis.result(), extractive, pool, articles, self.generate_config, self.annotator.parse
        )

    def analyse(self, text: str, names_from: str | None = None) -> Question:
        """The question's analysis; a follow-up takes the names (and, when it states none, the time qualifiers)
        of the turn it refers to."""
        question = analyse(self.annotator.parse(text))
        if names_from and names_from != text:
            earlier = analyse(self.annotator.parse(names_from))
            known = {n.stems for n in question.names}
            question = dataclasses.replace(
                question,
                names=question.names + tuple(n for n in earlier.names if n.stems not in known),
                periods=question.periods or earlier.periods,
            )
        return question

    def _extractive(
        self,
        analysis: Question | Future[Question],
        query: str,
        filters: Filters | None,
        k: int,
        mode: Mode | None,
        collect: list[Candidate] | None = None,
    ) -> tuple[Answer, list[Hit]]:
        """The extractive answer, and the hits it shows (the top k of what it read)."""
        vector = self.retriever.embed_query(query)
        pool = self.retriever.search(
            query,
            k=max(k, self.config.candidate_chunks),
            filters=filters,
            mode=mode or self.settings.retrieval.mode,
            vector=vector,
        )
        articles = self.retriever.articles([h.article_id for h in pool])
        read = pool + self._rest_of(pool, articles)

        def similarity(sentences: list[tuple[str, str]]) -> list[float]:
            wanted = {chunk_id for chunk_id, _ in sentences}
            stored = self.retriever.sentence_vectors([h.chunk for h in read if h.chunk.id in wanted])
            missing = [s for s in dict.fromkeys(sentences) if s not in stored]
            if missing:  # not expected: ingest stores every sentence it can quote
                log.debug("embedding %d sentences with no stored vector", len(missing))
                stored.update(zip(missing, self.embedder.embed([text for _, text in missing]), strict=True))
            return [float(stored[s] @ vector) for s in sentences]

        answer = extractive_answer(
            analysis if isinstance(analysis, Question) else analysis.result(),
            query,
            read,
            articles,
            self.retriever.keyword,
            self.calibration,
            self.config,
            similarity=similarity,
            threshold=self.settings.answer.min_confidence,
            collect=collect,
        )
        shown = pool[:k]
        return dataclasses.replace(answer, hits=tuple(Passage.of(h) for h in shown)), shown

    def _rest_of(self, pool: list[Hit], articles: dict[str, Article]) -> list[Hit]:
        """The other chunks of the best few articles retrieved: the sentence that answers is often a paragraph
        or two away from the one that matched the question's words."""
        taken = {h.chunk.id for h in pool}
        out: list[Hit] = []
        for article_id in list(dict.fromkeys(h.article_id for h in pool))[: self.config.expand_articles]:
            article = articles.get(article_id)
            if article is None:
                continue
            for chunk in chunk_article(article):
                if chunk.id not in taken:
                    chunk = dataclasses.replace(chunk, sentences=len(chunk_sentences(chunk)))
                    out.append(Hit(chunk, 0.0, rank=len(pool) + len(out) + 1))
        return out

    def candidates(
        self, question: str, k: int | None = None, mode: Mode | None = None
    ) -> tuple[Answer, list[Candidate]]:
        """The extractive answer to a standalone question and every candidate sentence it weighed, with its
        features (for calibration: eval/calibrate.py)."""
        request = self.request(question)
        collected: list[Candidate] = []
        analysis = self.analyse(request.question)
        answer, _ = self._extractive(
            analysis, request.question, None, k or self.settings.retrieval.k, mode, collected
        )
        return answer, collected

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
                self.store.open_collections(self.embedder.name, self.annotator.name, create=True)
            report = ingest(
                self.store,
                self.embedder,
                paths,
                annotator=self.annotator,
                prune=prune,
                max_file_bytes=self.settings.ingest.max_file_bytes,
                batch_sentences=self.settings.ingest.batch_sentences,
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
        from; a rejected upload leaves that folder (and the index) as it was. Each upload is staged under a
        name of its own, then moved into place and ingested while holding the write lock: two uploads of the
        same name at once each get the report of their own file."""
        folder = self.settings.index_dir / "uploads"
        staging = folder / ".incoming" / uuid.uuid4().hex
        staging.mkdir(parents=True)
        try:
            rejected: list[ItemReport] = []
            staged: list[str] = []
            for raw_name, content in uploads:
                name, problem = upload_name(raw_name)
                if problem is not None:
                    rejected.append(ItemReport(shown_name(raw_name), "rejected", problem))
                    continue
                if name in staged:
                    rejected.append(ItemReport(name, "rejected", "another uploaded file has the same name"))
                    continue
                with (staging / name).open("wb") as out:
                    shutil.copyfileobj(content, out)
                staged.append(name)
            with self._write_lock:
                items = self._place_and_ingest(folder, staging, staged, progress)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return IngestReport((*items, *rejected))

    def _place_and_ingest(
        self, folder: Path, staging: Path, names: list[str], progress: Progress | None
    ) -> list[ItemReport]:
        previous: dict[Path, bytes | None] = {}  # what each path held before, to undo a rejection
        for name in names:
            target = folder / name
            previous[target] = target.read_bytes() if target.exists() else None
            os.replace(staging / name, target)
        articles = [folder / name for name in names if not name.lower().endswith(SIDECAR_SUFFIX)]
        report = self.ingest(articles, progress=progress) if articles else IngestReport()
        kept = {Path(source_file(item.source)) for item in report.items if item.status != "rejected"}
        kept_stems = {path.stem for path in kept}
        orphans: list[ItemReport] = []
        for path, before in previous.items():
            sidecar_of = path.name.removesuffix(SIDECAR_SUFFIX) if path.name.endswith(SIDECAR_SUFFIX) else None
            if path in kept or (sidecar_of is not None and sidecar_of in kept_stems):
                continue
            if sidecar_of is not None and not any(p.stem == sidecar_of for p in articles):
                orphans.append(ItemReport(path.name, "rejected", "a metadata sidecar needs its article file in "
                                          "the same upload"))  # fmt: skip
            if before is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(before)
        prefix = f"{folder}{os.sep}"
        return [
            dataclasses.replace(item, source=item.source.replace(prefix, ""), detail=item.detail.replace(prefix, ""))
            for item in report.items
        ] + orphans

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
        """Index size and configuration; no server paths (this is shown to API clients)."""
        articles, chunks = self.store.counts()
        return {
            "articles": articles,
            "chunks": chunks,
            "embedding_model": self.embedder.name,
            "answer_engine": self.settings.answer.engine,
            "retrieval": self.settings.retrieval.mode,
        }
