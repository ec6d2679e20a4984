"""The keyword index: BM25 (bm25s) over chunk texts, saved to disk and keyed by the index generation."""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from index.records import Filters
from index.store import date_ordinal
from index.tokenize import terms

log = logging.getLogger(__name__)


class KeywordIndex:
    """BM25 over chunks, plus the per-chunk fields filters need (article id, outlet, date)."""

    def __init__(
        self,
        bm25: object,
        ids: list[str],
        articles: list[str],
        outlets: list[str],
        dates: np.ndarray,
        generation: str,
    ) -> None:
        self._bm25 = bm25
        self.ids = ids
        self._articles = np.asarray(articles, dtype=object)
        self._outlets = np.asarray(outlets, dtype=object)
        self._dates = dates
        self.generation = generation
        vocab: dict[str, int] = getattr(bm25, "vocab_dict", {}) or {}
        self._vocab = vocab
        scores = getattr(bm25, "scores", {}) or {}
        indptr = np.asarray(scores.get("indptr", np.zeros(1)))
        self._df = np.diff(indptr) if len(indptr) > 1 else np.zeros(0)
        # bm25s keeps its scores by term (a CSC matrix): a term's column lists the chunks that hold it.
        self._indptr = indptr
        self._postings = np.asarray(scores.get("indices", np.zeros(0, dtype=np.int64)))

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str, str, int]], generation: str) -> KeywordIndex:
        """rows: (chunk id, text, article id, outlet, date as yyyymmdd or 0)."""
        import bm25s

        ids, articles, outlets, dates, corpus = [], [], [], [], []
        for chunk_id, text, article_id, outlet, date in rows:
            ids.append(chunk_id)
            articles.append(article_id)
            outlets.append((outlet or "").strip().lower())
            dates.append(int(date or 0))
            corpus.append(terms(text) or ["∅"])
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        bm25 = bm25s.BM25()
        if corpus:
            bm25.index(corpus, show_progress=False)
        return cls(bm25, ids, articles, outlets, np.asarray(dates, dtype=np.int64), generation)

    @property
    def size(self) -> int:
        return len(self.ids)

    def save(self, directory: Path) -> None:
        """Write to `directory` atomically (a sibling temp folder renamed into place)."""
        directory = Path(directory)
        # Several API workers may save the same generation at once: each writes its own folder.
        temp = directory.with_name(f"{directory.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir(parents=True)
        if self.ids:
            self._bm25.save(str(temp), show_progress=False)  # type: ignore[attr-defined]
        (temp / "chunks.json").write_text(
            json.dumps(
                {
                    "generation": self.generation,
                    "ids": self.ids,
                    "articles": list(self._articles),
                    "outlets": list(self._outlets),
                    "dates": [int(d) for d in self._dates],
                }
            )
        )
        try:
            temp.rename(directory)
        except OSError:  # another process saved it first; theirs is the same index
            shutil.rmtree(temp, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex:
        import bm25s

        meta = json.loads((Path(directory) / "chunks.json").read_text())
        bm25 = bm25s.BM25.load(str(directory), mmap=False) if meta["ids"] else bm25s.BM25()
        return cls(
            bm25,
            meta["ids"],
            meta["articles"],
            meta["outlets"],
            np.asarray(meta["dates"], dtype=np.int64),
            meta["generation"],
        )

    def _mask(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or filters.empty:
            return None
        mask = np.ones(len(self.ids), dtype=bool)
        if filters.article_ids:
            mask &= np.isin(self._articles, list(filters.article_ids))
        if filters.outlets:
            mask &= np.isin(self._outlets, [o.strip().lower() for o in filters.outlets])
        if filters.date_from:
            mask &= self._dates >= date_ordinal(filters.date_from)
            mask &= self._dates > 0
        if filters.date_to:
            mask &= (self._dates <= date_ordinal(filters.date_to)) & (self._dates > 0)
        return mask

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """The k best chunks for the query's terms, with their BM25 scores (only scores above zero)."""
        if not self.ids:
            return []
        tokens = [t for t in terms(query) if t in self._vocab]
        if not tokens:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)  # type: ignore[attr-defined]
        mask = self._mask(filters)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]  # filtered in numpy: a name's search asks for every chunk
        return [(self.ids[i], score) for i, score in zip(top.tolist(), scores[top].tolist(), strict=True)]

    def articles_with(self, term: str) -> set[str]:
        """The articles of the chunks that hold a (stemmed) term: read from the postings, nothing scored."""
        column = self._vocab.get(term)
        if column is None or column + 1 >= len(self._indptr):
            return set()
        chunks = self._postings[int(self._indptr[column]) : int(self._indptr[column + 1])]
        return set(self._articles[chunks].tolist())

    # -- corpus statistics, for answer scoring ---------------------------------------------------------------

    def known(self, term: str) -> bool:
        return term in self._vocab

    def idf(self, term: str) -> float:
        """BM25-style inverse document frequency of a stemmed term; unseen terms get the highest value."""
        n = max(len(self.ids), 1)
        index = self._vocab.get(term)
        df = int(self._df[index]) if index is not None and index < len(self._df) else 0
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
