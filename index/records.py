"""The records that flow through indexing and retrieval: Article, Paragraph, Chunk, Hit."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

from index.tokenize import terms

# How chunks are found: BM25 and dense search fused, or either alone.
Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")


@dataclass(frozen=True)
class Mention:
    """An entity or value in a sentence: its type (spaCy's labels: PERSON, ORG, GPE, DATE, MONEY, PERCENT, ...),
    where it is (character offsets in the sentence), its words, and its normalised value (index.values)."""

    label: str
    start: int
    end: int
    text: str
    value: str | None = None


@dataclass(frozen=True)
class Note:
    """What language analysis found in one sentence of an article, stored with the article at ingest.
    `paragraph` 0 is the title; offsets locate the sentence in its paragraph."""

    paragraph: int
    start: int
    end: int
    mentions: tuple[Mention, ...] = ()

    def to_json(self) -> list[object]:
        return [self.paragraph, self.start, self.end, [[m.label, m.start, m.end, m.value] for m in self.mentions]]

    @classmethod
    def from_json(cls, data: list[Any], sentence: str) -> Note:
        paragraph, start, end, mentions = data
        return cls(
            int(paragraph),
            int(start),
            int(end),
            tuple(Mention(str(m[0]), int(m[1]), int(m[2]), sentence[int(m[1]) : int(m[2])], m[3]) for m in mentions),
        )


@dataclass(frozen=True)
class Quote:
    """A sentence of direct or reported speech and who said it. Offsets locate the sentence in its paragraph."""

    paragraph: int
    start: int
    end: int
    kind: str  # "direct" (in quote marks) or "reported"
    speaker: str  # a full name, an organisation, or a description ("a former employee")
    role: str | None = None
    organisation: str | None = None
    side: str = "other"  # staff, organisation, regulator, politician, union, expert or other

    def to_json(self) -> list[object]:
        return [self.paragraph, self.start, self.end, self.kind, self.speaker, self.role, self.organisation, self.side]

    @cached_property
    def terms(self) -> frozenset[str]:
        """The stems of who said it: name, role, organisation and side ("union"); anyone with a role is an
        "official" ("what did the union official say?")."""
        said_by = " ".join(filter(None, (self.speaker, self.role, self.organisation, self.side)))
        return frozenset(terms(f"{said_by} official" if self.role else said_by))

    @classmethod
    def from_json(cls, data: list[Any]) -> Quote:
        return cls(int(data[0]), int(data[1]), int(data[2]), *data[3:8])


@dataclass(frozen=True)
class Paragraph:
    article_id: str
    number: int  # 1-based over the cleaned article
    text: str


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    paragraphs: tuple[str, ...]
    outlet: str | None = None
    author: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd, only when the source states it
    url: str | None = None
    source: str = ""  # where it came from (path, path:line); not part of the content hash
    # Language analysis of the title and every sentence (derived from the content: not part of its hash).
    notes: tuple[Note, ...] = field(default=(), compare=False, repr=False)
    quotes: tuple[Quote, ...] = field(default=(), compare=False, repr=False)  # who said what, from the notes

    @cached_property
    def content_hash(self) -> str:
        payload = json.dumps(
            [self.title, list(self.paragraphs), self.outlet, self.author, self.date, self.url],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def paragraph(self, number: int) -> Paragraph:
        return Paragraph(self.id, number, self.paragraphs[number - 1])

    def iter_paragraphs(self) -> list[Paragraph]:
        return [Paragraph(self.id, i, text) for i, text in enumerate(self.paragraphs, start=1)]

    def text_of(self, paragraph: int) -> str:
        """Paragraph `paragraph` (1-based), or the title for 0."""
        return self.title if paragraph == 0 else self.paragraphs[paragraph - 1]

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "title": self.title,
                "paragraphs": list(self.paragraphs),
                "outlet": self.outlet,
                "author": self.author,
                "date": self.date,
                "url": self.url,
                "source": self.source,
                "notes": [note.to_json() for note in self.notes],
                "quotes": [quote.to_json() for quote in self.quotes],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Article:
        data = json.loads(text)
        article = cls(
            id=data["id"],
            title=data["title"],
            paragraphs=tuple(data["paragraphs"]),
            outlet=data.get("outlet"),
            author=data.get("author"),
            date=data.get("date"),
            url=data.get("url"),
            source=data.get("source", ""),
        )
        notes = tuple(
            Note.from_json(n, article.text_of(int(n[0]))[int(n[1]) : int(n[2])]) for n in data.get("notes", [])
        )
        return replace(article, notes=notes, quotes=tuple(Quote.from_json(q) for q in data.get("quotes", [])))

    def mentions_in(self, paragraph: int, sentence: str) -> tuple[Mention, ...]:
        """The entities and values found in `sentence` of paragraph `paragraph`, offsets within the sentence."""
        start = self.text_of(paragraph).find(sentence)
        if start < 0:
            return ()
        end = start + len(sentence)
        return tuple(
            replace(m, start=m.start + n.start - start, end=m.end + n.start - start)
            for n in self.notes
            if n.paragraph == paragraph and n.start < end and start < n.end
            for m in n.mentions
            if start <= m.start + n.start and m.end + n.start <= end
        )

    def quote_at(self, paragraph: int, sentence: str) -> Quote | None:
        """The quote that is (or holds) `sentence` of paragraph `paragraph`, if it is speech."""
        start = self.text_of(paragraph).find(sentence)
        return next(
            (q for q in self.quotes if q.paragraph == paragraph and q.start <= start < q.end), None
        ) if start >= 0 else None


# Ids: a chunk is "<article id>:<content hash prefix>:<number>", a sentence "<chunk id>:<number>". Built and
# read here only.


def chunk_id(article_id: str, content_hash: str, number: int) -> str:
    return f"{article_id}:{content_hash[:12]}:{number:04d}"


def article_of_chunk(chunk: str) -> str:
    return chunk.rsplit(":", 2)[0]


def sentence_id(chunk: str, number: int) -> str:
    return f"{chunk}:{number:04d}"


def chunk_of_sentence(sentence: str) -> str:
    return sentence.rsplit(":", 1)[0]


@dataclass(frozen=True)
class Chunk:
    id: str
    article_id: str
    paragraphs: tuple[int, ...]  # paragraph numbers this chunk covers, ascending
    text: str
    article_hash: str = ""  # content hash of the article version this chunk belongs to
    sentences: int = 0  # how many sentence rows the store holds for it (ids "<chunk id>:0000" onwards)

    @property
    def sentence_ids(self) -> list[str]:
        return [sentence_id(self.id, j) for j in range(self.sentences)]


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused rank score; higher is better
    dense: float | None = None  # cosine similarity to the query, when known
    keyword: float | None = None  # BM25 score, when the keyword index found it
    rank: int = 0

    @property
    def article_id(self) -> str:
        return self.chunk.article_id

    def to_dict(self) -> dict[str, object]:
        return {
            "article_id": self.chunk.article_id,
            "paragraphs": list(self.chunk.paragraphs),
            "text": self.chunk.text,
            "score": round(float(self.score), 6),
        }


@dataclass(frozen=True)
class Filters:
    """Restricts retrieval to some articles; every field that is set must match."""

    article_ids: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None
    # Articles that mention each of these (names as the catalogue merges them); resolved to article ids by the
    # retriever, so the store and the keyword index only ever see article_ids.
    people: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.article_ids or self.outlets or self.date_from or self.date_to or self.mentions)

    @property
    def mentions(self) -> tuple[tuple[str, str], ...]:
        """(entity type, name) pairs every article must mention."""
        return (
            *(("person", n) for n in self.people),
            *(("organisation", n) for n in self.organisations),
            *(("place", n) for n in self.places),
        )
