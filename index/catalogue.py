"""The collection's people, organisations, places and quotes across articles: what entity filters, entity lists
and quote lookups read. Derived from the notes and quotes stored with each article, rebuilt when the index
changes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal, cast

from index.records import Article, Quote
from index.tokenize import LEADING_TITLE

EntityType = Literal["person", "organisation", "place"]
ENTITY_TYPES: tuple[EntityType, ...] = ("person", "organisation", "place")
_LABELS: dict[str, EntityType] = {
    "PERSON": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
}
_LEADING_THE = re.compile(r"^the\s+", re.I)


def entity_key(name: str) -> str:
    """A name as filters and merging compare it: no accents, case, titles, possessive, leading "the" or
    punctuation ("Ms Doe's" is "doe")."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"['’]s\b", "", text)
    text = _LEADING_THE.sub("", LEADING_TITLE.sub("", text.strip()))
    return " ".join(re.sub(r"[^\w\s&-]", " ", text.lower()).split())


def _display(name: str) -> str:
    return " ".join(re.sub(r"['’]s$", "", _LEADING_THE.sub("", LEADING_TITLE.sub("", name.strip()))).split())


@dataclass(frozen=True)
class Entity:
    """A person, organisation or place, merged across articles by its normalised name."""

    type: EntityType
    name: str  # the fullest form any article gives
    mentions: int
    articles: tuple[str, ...]  # ids of the articles that mention it, most mentions first

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "articles": list(self.articles)}


def article_entities(article: Article) -> dict[tuple[EntityType, str], tuple[str, int]]:
    """The article's entities: (type, key) → (name, mentions). Within an article a person named by surname
    alone or with a title ("Ms Doe") is the person whose full name it ends ("Jane Doe")."""
    found: dict[tuple[EntityType, str], tuple[str, int]] = {}
    for note in article.notes:
        for mention in note.mentions:
            kind = _LABELS.get(mention.label)
            name = _display(mention.text)
            key = entity_key(name)
            if kind is None or len(key) < 2 or not key[0].isalpha():
                continue  # "110 staff" is a count the recogniser took for a name
            old_name, count = found.get((kind, key), (name, 0))
            found[(kind, key)] = (old_name if len(old_name) >= len(name) else name, count + 1)
    return _merge_people(found)


def _merge_people(
    found: dict[tuple[EntityType, str], tuple[str, int]],
) -> dict[tuple[EntityType, str], tuple[str, int]]:
    full = {key for kind, key in found if kind == "person" and " " in key}
    by_surname: dict[str, list[str]] = {}
    for key in full:
        by_surname.setdefault(key.rsplit(" ", 1)[-1], []).append(key)
    out: dict[tuple[EntityType, str], tuple[str, int]] = {}
    for (kind, key), (name, count) in found.items():
        # A surname alone is that person's, even when the recogniser took it for an organisation or a place.
        owners = by_surname.get(key, []) if " " not in key else []
        if owners:
            kind = "person"
        if len(owners) == 1:  # two people share the surname: leave it alone
            key = owners[0]
            name = found[("person", key)][0]
        old_name, old_count = out.get((kind, key), (name, 0))
        out[(kind, key)] = (old_name if len(old_name) >= len(name) else name, old_count + count)
    return out


@dataclass(frozen=True)
class QuoteRow:
    """A quote as lists show it: the sentence, who said it, and the article it is in."""

    article_id: str
    title: str
    outlet: str | None
    date: str | None
    paragraph: int
    text: str  # the quoted sentence
    kind: str  # "direct" (in quote marks) or "reported"
    speaker: str
    role: str | None
    organisation: str | None
    side: str

    @classmethod
    def of(cls, article: Article, q: Quote) -> QuoteRow:
        text = article.text_of(q.paragraph)[q.start : q.end]
        return cls(
            article.id, article.title, article.outlet, article.date, q.paragraph, text, q.kind, q.speaker, q.role,
            q.organisation, q.side,
        )  # fmt: skip

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Catalogue:
    """Entities and quotes of every article in one index generation."""

    generation: str = ""
    entities: dict[tuple[EntityType, str], Entity] = field(default_factory=dict)
    quotes: list[QuoteRow] = field(default_factory=list)

    @classmethod
    def build(cls, articles: Iterable[Article], generation: str = "") -> Catalogue:
        names: dict[tuple[EntityType, str], str] = {}
        counts: dict[tuple[EntityType, str], dict[str, int]] = {}
        quotes: list[QuoteRow] = []
        for article in articles:
            for ident, (name, count) in article_entities(article).items():
                if len(name) > len(names.get(ident, "")):
                    names[ident] = name
                counts.setdefault(ident, {})[article.id] = count
            quotes.extend(QuoteRow.of(article, q) for q in article.quotes)
        # One type per name: the recogniser calls the same name a person in one sentence and an organisation
        # in another; the type most mentions have wins.
        totals = {ident: sum(per.values()) for ident, per in counts.items()}
        best: dict[str, tuple[EntityType, str]] = {}
        for ident in sorted(totals, key=lambda i: -totals[i]):
            best.setdefault(ident[1], ident)
        for ident in list(counts):
            winner = best[ident[1]]
            if winner != ident:
                for article_id, n in counts.pop(ident).items():
                    counts[winner][article_id] = counts[winner].get(article_id, 0) + n
        entities = {
            ident: Entity(
                ident[0],
                names[ident],
                sum(per.values()),
                tuple(sorted(per, key=lambda a: (-per[a], a))),
            )
            for ident, per in counts.items()
        }
        quotes.sort(key=lambda r: (r.article_id, r.paragraph))
        return cls(generation, entities, quotes)

    def find_entities(
        self, type: EntityType | None = None, query: str | None = None, limit: int | None = None
    ) -> list[Entity]:
        """Entities of a type whose name contains `query` (as keys compare), most articles then mentions first."""
        wanted = entity_key(query) if query else ""
        found = [
            e
            for (kind, key), e in self.entities.items()
            if (type is None or kind == type) and (not wanted or wanted in key)
        ]
        found.sort(key=lambda e: (-len(e.articles), -e.mentions, e.name.lower()))
        return found[:limit] if limit else found

    def articles_mentioning(self, type: str, name: str) -> set[str] | None:
        """The articles that mention the entity `name` of `type` (None when none does): the entity of that
        name, else every entity whose name holds it as whole words ("Unite" is in "Acme Unite", a
        surname names every person of that surname)."""
        key = entity_key(name)
        exact = self.entities.get((cast(EntityType, type), key))
        if exact is not None:
            return set(exact.articles)
        found = {
            a for (kind, k), e in self.entities.items() if kind == type and f" {key} " in f" {k} " for a in e.articles
        }
        return found or None

    def find_quotes(
        self, speaker: str | None = None, article_id: str | None = None, side: str | None = None
    ) -> list[QuoteRow]:
        """Quotes by speaker (words of the speaker's name, role or organisation), article and side."""
        wanted = entity_key(speaker).split() if speaker else []
        out = []
        for row in self.quotes:
            if article_id and row.article_id != article_id:
                continue
            if side and row.side != side:
                continue
            if wanted:
                said_by = entity_key(" ".join(filter(None, (row.speaker, row.role, row.organisation)))).split()
                if not all(w in said_by for w in wanted):
                    continue
            out.append(row)
        return out
