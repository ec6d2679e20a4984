"""The answer records: Citation and Answer, and the JSON contract they serialise to."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.records import Hit


@dataclass(frozen=True)
class Citation:
    n: int
    article_id: str
    title: str
    paragraph: int
    text: str  # the whole paragraph
    quote: str  # the cited sentence, verbatim from `text`
    outlet: str | None = None
    date: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "article_id": self.article_id,
            "title": self.title,
            "paragraph": self.paragraph,
            "text": self.text,
            "quote": self.quote,
            "outlet": self.outlet,
            "date": self.date,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = field(default_factory=tuple)
    engine: str = "extractive"  # which engine wrote `answer`: "extractive" or "llm"
    fallback: str | None = None  # why the LLM engine's answer was replaced by the extractive one
    dropped: tuple[dict[str, str], ...] = ()  # LLM sentences removed by the check: {"sentence", "reason"}

    def to_dict(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "hits": [h.to_dict() for h in self.hits],
            "engine": self.engine,
            "fallback": self.fallback,
            "dropped": [dict(d) for d in self.dropped],
        }
