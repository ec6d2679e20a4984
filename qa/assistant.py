"""The Assistant facade: the one object surfaces use to ingest, ask, list and delete."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import numpy as np

from index.annotate import Annotator, SpacyAnnotator
from index.catalogue import ENTITY_TYPES, Entity, QuoteRow
from index.chunk import chunk_article, chunk_sentences
from index.embed import Embedder, embedder_for
from index.ingest import IngestReport, ItemReport, Progress, ingest, source_file
from index.parse import SIDECAR_SUFFIX
from index.records import Article, Filters, Hit, Mode
from index.retrieve import Retriever
from index.store import ArticleInfo, ChromaStore, SentenceRow
from index.tokenize import highlights
from qa.answer import Candidate, ExtractiveConfig, extractive_answer, names_share
from qa.batch import BatchRow, Job, Jobs, answer_all, limited
from qa.batch import Question as BatchQuestion
from qa.confidence import fitted
from qa.errors import BadFilterError, BadQuestionError, LLMError, UnknownJobError
from qa.followup import referents, rewrite
from qa.generate import GenerateConfig, generate, rewrite_query
from qa.llm import LLM, open_llm
from qa.question import Question, analyse
from qa.records import Answer, Engine, FoundParagraph, Passage, SearchPage, SearchResult
from qa.request import AskRequest, FiltersRequest, SearchRequest
from qa.settings import Settings
from qa.sources import (
    MIN_SAME_FACT_COSINE,
    SIDE_LABELS,
    Sentence,
    Verdict,
    by_side,
    compare,
    may_report,
    with_reports,
)
from qa.watch import Watch, WatchList

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
        self._jobs = Jobs()
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
        self._check_filters(request.filters)
        return request

    def _check_filters(self, filters: FiltersRequest | None) -> Filters | None:
        """The filters, each name checked against the index: an unknown article or a name no article
        mentions is an error that says where to look, not an empty answer."""
        if filters is None:
            return None
        if filters.article_ids:
            known = self.retriever.articles(filters.article_ids)
            missing = [a for a in filters.article_ids if a not in known]
            if missing:
                raise BadFilterError(f"No article {', '.join(map(repr, missing))} in the index; see: qa articles")
        parsed = filters.to_filters()
        for kind, name in parsed.mentions if parsed is not None else ():
            if self.retriever.catalogue.articles_mentioning(kind, name) is None:
                raise BadFilterError(
                    f"No article mentions the {kind} {name!r}; see: qa entities --type {kind} --query WORD"
                )
        return parsed

    def batch(
        self,
        questions: Iterable[BatchQuestion],
        filters: Mapping[str, Any] | None = None,
        progress: Callable[[BatchRow], None] | None = None,
    ) -> Iterator[BatchRow]:
        """Answer a list of questions, one row each, in order, as each is answered (standalone questions, the
        same filters for all). Bad filters fail at once; a bad row is reported in its row and the rest go on."""
        checked = FiltersRequest.of(filters)
        self._check_filters(checked)
        given = checked.model_dump() if checked is not None else None
        return answer_all(lambda text: self.ask(text, filters=given), questions, progress)

    # -- watches ---------------------------------------------------------------------------------------------

    @property
    def watchlist(self) -> WatchList:
        return WatchList(self.settings.index_dir / "watches.json")

    def watch(self, question: str, filters: Mapping[str, Any] | None = None) -> Watch:
        """Save a question to be answered again after every change to the index (its answer now is the first
        of its history). The same question with the same filters is one watch."""
        request = self.request(question, filters=dict(filters) if filters else None)
        given = request.filters.model_dump(exclude_defaults=True) if request.filters else None
        return self.watchlist.add(request.question, given or None, self.ask(request))

    def watches(self) -> list[Watch]:
        return self.watchlist.all()

    def get_watch(self, watch_id: str) -> Watch:
        return self.watchlist.get(watch_id)

    def read_watch(self, watch_id: str) -> Watch:
        """The watch, its news marked read."""
        return self.watchlist.read(watch_id)

    def unwatch(self, watch_id: str) -> None:
        self.watchlist.remove(watch_id)

    def recheck_watches(self) -> list[Watch]:
        """Answer every watched question again; the watches whose answer changed (each change recorded). A
        question that no longer works (a filter naming a removed article) is skipped, and said so in the log."""
        answers: dict[str, Answer] = {}
        for watch in self.watchlist.all():
            try:
                answers[watch.id] = self.ask(watch.question, filters=watch.filters)
            except (BadQuestionError, BadFilterError) as exc:
                log.warning("watch %s cannot be answered now: %s", watch.id, exc)
        return self.watchlist.record(answers) if answers else []

    def submit_batch(self, questions: Sequence[str], filters: Mapping[str, Any] | None = None) -> Job:
        """Answer the questions in the background (one batch at a time); poll `batch_job(id)` for the rows."""
        checked = FiltersRequest.of(filters)
        self._check_filters(checked)
        rows = limited([BatchQuestion(n, text) for n, text in enumerate(questions, start=1)])
        return self._jobs.submit(len(rows), lambda: self.batch(rows, checked.model_dump() if checked else None))

    def batch_job(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise UnknownJobError(f"No batch job {job_id!r} on this server (jobs are kept until it restarts)")
        return job

    def search(
        self, query: str | SearchRequest, k: int | None = None, page: int | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> SearchPage:
        """Distinct articles for the query, ranked by their best passage, each with its matching paragraphs
        (the query's words located in them); `page` counts from 1."""
        request = SearchRequest.of(query, k=k, page=page, filters=filters)
        if len(request.query) > self.settings.answer.max_question_chars:
            raise BadQuestionError(
                f"The query is {len(request.query):,} characters long; the limit is "
                f"{self.settings.answer.max_question_chars:,} (QA_ANSWER_MAX_QUESTION_CHARS)"
            )
        parsed = self._check_filters(request.filters)
        found, more = self.retriever.search_articles(
            request.query, request.k, (request.page - 1) * request.k, parsed, self.settings.retrieval.mode
        )
        results = tuple(
            SearchResult(
                hit.article.id, hit.article.title, hit.article.outlet, hit.article.date, round(hit.score, 6),
                tuple(
                    FoundParagraph(n, text, highlights(text, request.query))
                    for n in hit.paragraphs
                    if (text := hit.article.paragraphs[n - 1])
                ),
            )
            for hit in found
        )  # fmt: skip
        return SearchPage(request.query, request.page, request.k, results, more)

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
        extractive, pool, read = self._extractive(analysis, query, parsed, k, mode)
        if engine == "extractive" or extractive.abstained or llm is None:
            # A refusal stays a refusal: the language model may only word an answer the sources were found to
            # give (a model writing from sources that do not answer is how confident wrong answers are made).
            # The extractive engine has its whole answer at once; it is streamed word by word all the same, so
            # surfaces handle every engine alike.
            final = self._sources(extractive, read)
            if engine == "llm" and llm is None and not extractive.abstained:
                final = dataclasses.replace(final, fallback=f"language model unavailable: {llm_error}")
            yield from re.findall(r"\S+\s*", final.answer)
            yield final
            return
        articles = self.retriever.articles([h.article_id for h in pool])
        for item in generate(
            llm, analysis.result(), extractive, pool, articles, self.generate_config, self.annotator.parse
        ):
            if isinstance(item, Answer):
                final = self._sources(item, read)
                if final.answer.startswith(item.answer) and len(final.answer) > len(item.answer):
                    yield final.answer[len(item.answer) :]
                item = final
            yield item

    def _sources(self, answer: Answer, read: list[Hit]) -> Answer:
        """The answer with its sources' sides kept apart and the other articles that report the same fact (or
        a different figure for it)."""
        answer = by_side(answer)
        if answer.abstained or not answer.citations:
            return answer
        articles = self.retriever.articles([c.article_id for c in answer.citations])
        chunk_at = {(h.article_id, p): h.chunk for h in read for p in h.chunk.paragraphs}
        wanted = [(c, chunk_at.get((c.article_id, c.paragraph))) for c in answer.citations]
        chunks = {chunk.id: chunk for _, chunk in wanted if chunk is not None}
        stored = self.retriever.sentence_vectors(list(chunks.values()))
        cited: dict[int, Sentence] = {}
        vectors = []
        for citation, chunk in wanted:
            vector = stored.get((chunk.id, citation.quote)) if chunk is not None else None
            if vector is not None and citation.article_id in articles:
                cited[citation.n] = Sentence(articles[citation.article_id], citation.paragraph, citation.quote)
                vectors.append(vector)
        if not vectors:
            return answer
        found: dict[int, list[tuple[Sentence, Verdict]]] = {}
        anchors = list(cited.values())

        def keep(i: int, row: SentenceRow) -> bool:
            return row.article_id != anchors[i].article.id and may_report(anchors[i].text, row.text, row.cosine)

        near_each = self.retriever.similar_sentences(np.stack(vectors), min_cosine=MIN_SAME_FACT_COSINE, keep=keep)
        for n, near in zip(cited, near_each, strict=True):
            anchor = cited[n]
            seen = {anchor.article.id}
            for article, row in near:
                if article.id in seen:
                    continue
                other = Sentence(article, row.paragraph, row.text)
                verdict = compare(anchor, other, row.cosine)
                if verdict is not None:
                    seen.add(article.id)
                    found.setdefault(n, []).append((other, verdict))
        return with_reports(answer, cited, found)

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
    ) -> tuple[Answer, list[Hit], list[Hit]]:
        """The extractive answer, the hits it shows (the top k of what it read) and all it read."""
        vector = self.retriever.embed_query(query)
        pool = self.retriever.search(
            query,
            k=max(k, self.config.candidate_chunks),
            filters=filters,
            mode=mode or self.settings.retrieval.mode,
            vector=vector,
        )
        articles = self.retriever.articles([h.article_id for h in pool])
        question = analysis if isinstance(analysis, Question) else analysis.result()
        read = pool + self._rest_of(pool, articles, question)

        def similarity(sentences: list[tuple[str, str]]) -> list[float]:
            wanted = {chunk_id for chunk_id, _ in sentences}
            chunks = {h.chunk.id: h.chunk for h in read if h.chunk.id in wanted}  # a chunk may be read twice
            stored = self.retriever.sentence_vectors(list(chunks.values()))
            missing = [s for s in dict.fromkeys(sentences) if s not in stored]
            if missing:  # not expected: ingest stores every sentence it can quote
                log.debug("embedding %d sentences with no stored vector", len(missing))
                stored.update(zip(missing, self.embedder.embed([text for _, text in missing]), strict=True))
            return [float(stored[s] @ vector) for s in sentences]

        answer = extractive_answer(
            question,
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
        return dataclasses.replace(answer, hits=tuple(Passage.of(h) for h in shown)), shown, read

    def _rest_of(self, pool: list[Hit], articles: dict[str, Article], question: Question) -> list[Hit]:
        """The other chunks of the best few articles retrieved: the sentence that answers is often a paragraph
        or two away from the one that matched the question's words. Articles that name what the question names
        come first: any other can only hold a near miss."""
        # The chunks read for their rank; one of these articles' chunks ranked below them is read with the rest.
        taken = {h.chunk.id for h in pool[: self.config.read_chunks]}
        retrieved = {h.chunk.id: h for h in pool}
        out: list[Hit] = []
        ranked = [i for i in dict.fromkeys(h.article_id for h in pool) if i in articles]
        ranked.sort(key=lambda i: -names_share(question, articles[i]))  # stable: retrieval order within a share
        for article_id in ranked[: self.config.expand_articles]:
            for chunk in chunk_article(articles[article_id]):
                if chunk.id in taken:
                    continue
                rank = len(pool) + len(out) + 1
                if chunk.id in retrieved:
                    out.append(dataclasses.replace(retrieved[chunk.id], score=0.0, rank=rank))
                else:
                    chunk = dataclasses.replace(chunk, sentences=len(chunk_sentences(chunk)))
                    out.append(Hit(chunk, 0.0, rank=rank))
        return out

    def candidates(
        self, question: str, k: int | None = None, mode: Mode | None = None
    ) -> tuple[Answer, list[Candidate]]:
        """The extractive answer to a standalone question and every candidate sentence it weighed, with its
        features (for calibration: eval/calibrate.py)."""
        request = self.request(question)
        collected: list[Candidate] = []
        analysis = self.analyse(request.question)
        answer, _, _ = self._extractive(
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
            if report.changed:
                report = dataclasses.replace(report, watches_changed=len(self.recheck_watches()))
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
                items, watches_changed = self._place_and_ingest(folder, staging, staged, progress)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return IngestReport((*items, *rejected), watches_changed)

    def _place_and_ingest(
        self, folder: Path, staging: Path, names: list[str], progress: Progress | None
    ) -> tuple[list[ItemReport], int]:
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
        ] + orphans, report.watches_changed

    def articles(self) -> list[ArticleInfo]:
        return self.store.list_articles()

    def quotes(
        self, speaker: str | None = None, article_id: str | None = None, side: str | None = None
    ) -> list[QuoteRow]:
        """The quotes in the index: by speaker (words of their name, role or organisation), article and side."""
        if side is not None and side not in SIDE_LABELS:
            raise BadFilterError(f"Unknown side {side!r}; use one of {', '.join(SIDE_LABELS)}")
        if article_id is not None:
            self.store.get_article(article_id)  # an unknown id is an error, not an empty list
        return self.retriever.catalogue.find_quotes(speaker, article_id, side)

    def entities(
        self, type: str | None = None, query: str | None = None, limit: int | None = None
    ) -> list[Entity]:
        """The people, organisations and places the articles mention, merged by name, most articles first."""
        if type is not None and type not in ENTITY_TYPES:
            raise BadFilterError(f"Unknown entity type {type!r}; use one of {', '.join(ENTITY_TYPES)}")
        return self.retriever.catalogue.find_entities(type, query, limit)

    def article(self, article_id: str) -> Article:
        return self.store.get_article(article_id)

    def delete_article(self, article_id: str) -> int:
        with self._write_lock:
            removed = self.store.delete_article(article_id)
            self.store.bump_generation()
            self.retriever.refresh(force=True)
            self.recheck_watches()
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
