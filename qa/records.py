"""The answer records (Citation, Passage, Dropped, Answer): their fields are the JSON contract, written once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, cast

from pydantic import Field, TypeAdapter

from index.catalogue import Entity, EntityType, QuoteRow
from index.records import Article, Hit

__all__ = [
    "Answer", "Citation", "Dropped", "Engine", "Entity", "EntityType", "FoundParagraph", "Passage", "QuoteRow",
    "Report", "SearchPage", "SearchResult", "Side",
]  # fmt: skip

Engine = Literal["extractive", "llm"]
Side = Literal["staff", "organisation", "regulator", "politician", "union", "expert", "other"]


@dataclass(frozen=True)
class Report:
    """Another article's sentence reporting the same fact as a citation (or, among `related`, a different
    figure for it)."""

    article_id: str
    title: str
    paragraph: int
    quote: str
    outlet: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Citation:
    n: Annotated[int, Field(description="The number the answer text uses for it: [n].")]
    article_id: str
    title: str
    paragraph: Annotated[int, Field(description="1-based, as GET /api/articles/{id} numbers paragraphs.")]
    text: Annotated[str, Field(description="The whole cited paragraph.")]
    quote: Annotated[str, Field(description="The cited sentence, verbatim in text.")]
    outlet: str | None = None
    date: Annotated[str | None, Field(description="yyyy-mm-dd, when the article states it.")] = None
    span: Annotated[
        tuple[int, int] | None,
        Field(description="Where the short answer sits in quote: [start, end) character offsets, or null."),
    ] = None
    speaker: Annotated[
        str | None, Field(description="Who said the quoted sentence, when it is speech: a name or a description.")
    ] = None
    role: Annotated[str | None, Field(description="The speaker's role, as the article gives it.")] = None
    organisation: Annotated[str | None, Field(description="The speaker's organisation.")] = None
    side: Annotated[
        Side | None,
        Field(description="The speaker's side: staff, organisation (the one reported on, or its officials), "
              "regulator, politician, union, expert or other."),
    ] = None  # fmt: skip
    corroborated_by: Annotated[
        tuple[Report, ...],
        Field(description="Sentences of other articles that report the same fact (same names and figures)."),
    ] = ()

    @classmethod
    def of(cls, n: int, article: Article, paragraph: int, quote: str) -> Citation:
        """Citation [n] of `quote`, a sentence of the article's paragraph number `paragraph`, with its speaker
        when the sentence is a quote."""
        said = article.quote_at(paragraph, quote)
        return cls(
            n=n,
            article_id=article.id,
            title=article.title,
            paragraph=paragraph,
            text=article.paragraphs[paragraph - 1],
            quote=quote,
            outlet=article.outlet,
            date=article.date,
            speaker=said.speaker if said else None,
            role=said.role if said else None,
            organisation=said.organisation if said else None,
            side=cast(Side, said.side) if said else None,
        )


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk as the contract shows it."""

    article_id: str
    paragraphs: Annotated[list[int], Field(description="The paragraph numbers the passage covers.")]
    text: str
    score: Annotated[float, Field(description="Fused retrieval score; higher is better.")]

    @classmethod
    def of(cls, hit: Hit) -> Passage:
        return cls(hit.article_id, list(hit.chunk.paragraphs), hit.chunk.text, round(float(hit.score), 6))


@dataclass(frozen=True)
class Dropped:
    sentence: str
    reason: str


@dataclass(frozen=True)
class Answer:
    question: str
    answer: Annotated[str, Field(description="The answer, with [n] markers; an abstention starts with NO_ANSWER.")]
    abstained: bool
    citations: tuple[Citation, ...] = ()
    hits: Annotated[tuple[Passage, ...], Field(description="The passages retrieved for the question.")] = ()
    engine: Annotated[Engine, Field(description="Who wrote the answer text.")] = "extractive"
    fallback: Annotated[
        str | None, Field(description="Why the language model's answer was replaced by the extractive one.")
    ] = None
    dropped: Annotated[
        tuple[Dropped, ...], Field(description="Sentences of a written answer that the check removed, and why.")
    ] = ()
    short_answer: Annotated[
        str | None,
        Field(description="The name, date, number or amount asked for, as the cited sentence words it; null for "
              "a description or a refusal."),
    ] = None  # fmt: skip
    confidence: Annotated[
        float,
        Field(ge=0, le=1, description="How likely the answer (or the refusal) is right, calibrated on a dev set."),
    ] = 0.0
    related: Annotated[
        tuple[Citation, ...],
        Field(description="For a refusal: sentences that report something close but not what was asked "
              "(another year, edition or company), cited; not the answer."),
    ] = ()  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (what /api/ask returns and `qa ask --json` prints)."""
        result: dict[str, Any] = answer_adapter().dump_python(self, mode="json")
        return result


@dataclass(frozen=True)
class FoundParagraph:
    n: Annotated[int, Field(description="1-based, as citations number paragraphs.")]
    text: str
    highlights: Annotated[
        list[tuple[int, int]], Field(description="[start, end) offsets in text of the query's words.")
    ]


@dataclass(frozen=True)
class SearchResult:
    """One article a search found, with the paragraphs that matched."""

    article_id: str
    title: str
    outlet: str | None
    date: str | None
    score: Annotated[float, Field(description="Its best passage's fused retrieval score; higher is better.")]
    paragraphs: tuple[FoundParagraph, ...]


@dataclass(frozen=True)
class SearchPage:
    query: str
    page: int
    k: int
    results: Annotated[tuple[SearchResult, ...], Field(description="Distinct articles, best first.")]
    more: Annotated[bool, Field(description="Whether a next page has results.")]

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = TypeAdapter(SearchPage).dump_python(self, mode="json")
        return result


@cache
def answer_adapter() -> TypeAdapter[Answer]:
    """Validation, serialisation and JSON schema of the answer contract."""
    return TypeAdapter(Answer)
