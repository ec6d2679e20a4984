"""The extractive answer engine: find the sentence that states what was asked, with every qualifier the question
sets, lead with its short answer and quote it; or refuse, and say so when the articles hold a near miss."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Protocol

from index import values
from index.chunk import chunk_sentences
from index.records import Article, Hit, Mention, Note, Quote
from index.tokenize import STOPWORDS, stem, terms, words
from prompts import NO_ANSWER
from qa.confidence import Calibration
from qa.question import NAME_LABELS, Name, Question, name_key, name_text
from qa.records import Answer, Citation


class CorpusStats(Protocol):
    """What answer scoring needs to know about the whole index (the keyword index provides it)."""

    def known(self, term: str) -> bool: ...

    def idf(self, term: str) -> float: ...


@dataclass(frozen=True)
class ExtractiveConfig:
    candidate_chunks: int = 20  # chunks retrieved for answering (the answer shows the top k)
    read_chunks: int = 15  # of those, the best ones (in an article naming what the question names) are read
    max_sentences: int = 3  # a description may take several sentences; a name, date or number one
    expand_articles: int = 3  # the best articles retrieved are read whole
    relative_keep: float = 0.6  # a description's further sentences need this share of the best one's confidence
    min_words: int = 4
    related_floor: float = 0.25  # a near miss is shown when it would have had this confidence


# Cosine between the query and each (chunk id, sentence) candidate.
SentenceSimilarity = Callable[[list[tuple[str, str]]], list[float]]


@dataclass(frozen=True)
class Miss:
    """Why a sentence that otherwise fits does not answer: the qualifier it states instead of the one asked."""

    kind: str  # "time", "ordinal", "name" or "hedge"
    asked: str
    found: str


@dataclass
class Candidate:
    article: Article
    paragraph: int
    quote: str
    chunk_id: str
    features: dict[str, float] = field(default_factory=dict)
    answer: Mention | None = None  # the short answer, within the quote
    miss: Miss | None = None  # set: a near miss, not an answer
    probability: float = 0.0
    said: Quote | None = None  # who said the sentence, when it is a quote (looked up for speech questions)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.article.id, self.paragraph, self.quote)


# -- what an article says, read once per article ---------------------------------------------------------------


@dataclass(frozen=True)
class _View:
    article: Article
    dated: date | None
    notes: dict[tuple[int, int], Note]  # (paragraph, sentence start) -> note
    paragraph_terms: tuple[frozenset[str], ...]  # index 0: the title
    article_terms: frozenset[str]
    paragraph_names: tuple[str, ...]  # the title and paragraphs as names are compared (name_text)
    paragraph_mentions: tuple[tuple[Mention, ...], ...]  # index 0: the title

    @property
    def lede_mentions(self) -> tuple[Mention, ...]:
        """The first paragraph's mentions: a news story's lede sets what it is about (the period, the deal)."""
        return self.paragraph_mentions[1] if len(self.paragraph_mentions) > 1 else ()

    def note_for(self, paragraph: int, quote: str) -> Note | None:
        text = self.article.text_of(paragraph)
        start = text.find(quote)
        note = self.notes.get((paragraph, start))
        if note is None and start >= 0:
            note = next(
                (n for (p, s), n in self.notes.items() if p == paragraph and s <= start < n.end), None
            )
        return note


@lru_cache(maxsize=1024)
def _view(article: Article) -> _View:
    notes = {(n.paragraph, n.start): n for n in article.notes}
    count = len(article.paragraphs) + 1
    mentions: list[list[Mention]] = [[] for _ in range(count)]
    for n in article.notes:
        if 0 <= n.paragraph < count:
            mentions[n.paragraph].extend(n.mentions)
    texts = [article.title, *article.paragraphs]
    paragraph_terms = tuple(frozenset(terms(t, keep_stopwords=True)) for t in texts)
    every = frozenset().union(*paragraph_terms, terms(article.outlet or "", keep_stopwords=True))
    return _View(
        article,
        values.parse_date(article.date),
        notes,
        paragraph_terms,
        every,
        _names_of(article)[:-1],
        tuple(tuple(m) for m in mentions),
    )


@lru_cache(maxsize=4096)
def _names_of(article: Article) -> tuple[str, ...]:
    """The title, each paragraph and the outlet as names are compared (name_text): a fifth of the cost of the
    whole view, which articles weighed only for what they name (names_share) need not build."""
    return tuple(name_text(t) for t in (article.title, *article.paragraphs, article.outlet or ""))


@lru_cache(maxsize=4096)
def _names_text(article: Article) -> str:
    return " | ".join(_names_of(article))


@lru_cache(maxsize=16384)
def _terms(text: str) -> frozenset[str]:
    return frozenset(terms(text, keep_stopwords=True))


@lru_cache(maxsize=16384)
def _content_terms(text: str) -> tuple[str, ...]:
    return tuple(terms(text))


# -- qualifiers --------------------------------------------------------------------------------------------------


def _periods_of(mentions: Sequence[Mention], dated: date | None) -> list[values.Period]:
    found: list[values.Period] = []
    for m in mentions:
        if m.label in ("DATE", "TIME"):
            if m.value is None and dated is not None and (relative := values.relative_period(m.text, dated)):
                found.append(relative)
            found.extend(p.dated(dated) for p in values.decode_periods(m.value))
    return found


def _satisfies(found: values.Period, asked: values.Period, exact: bool) -> bool:
    """A period the article states answers for the one asked: the same, or (for an event, not an amount over
    a period) one inside it ("in March 1987" for "in 1987"). A question's period without a year compares
    months and quarters only."""
    if asked.year is None:
        found = replace(found, year=None)
    if exact:
        return (found.grain, found.part, found.day) == (asked.grain, asked.part, asked.day) and (
            asked.year is None or found.year == asked.year
        )
    if asked.year is None:
        if values.GRAINS.index(found.grain) < values.GRAINS.index(asked.grain):
            return False
        return replace(found, year=2000).within(replace(asked, year=2000))
    return found == asked or found.within(asked)


def _conflicts(found: values.Period, asked: values.Period) -> bool:
    """The article states another period than the one asked, one that does not overlap it ("1986" for "1987",
    "the first quarter" for the third)."""
    if found.year is not None and asked.year is not None:
        if found.year != asked.year:
            return True
        low, high = found.months()
        asked_low, asked_high = asked.months()
        if high < asked_low or asked_high < low:
            return True
        return found.grain == asked.grain == "day" and (found.part, found.day) != (asked.part, asked.day)
    if found.grain != asked.grain:
        return False
    return (found.part, found.day) != (asked.part, asked.day)


def _relation(found: values.Period, asked: values.Period, exact: bool) -> str:
    """"match", "conflict" (another period: "1986" for "1987"; for an amount, also a part of the period
    asked, "February" for "the first quarter") or "other" (coarser, or of no bearing)."""
    if _satisfies(found, asked, exact):
        return "match"
    if _conflicts(found, asked):
        return "conflict"
    finer = values.GRAINS.index(found.grain) > values.GRAINS.index(asked.grain)
    if exact and finer and (asked.year is None or found.year == asked.year):
        return "conflict"
    return "other"


def time_check(
    question: Question, view: _View, paragraph: int, sentence: Sequence[Mention]
) -> tuple[float, float, Miss | None]:
    """(stated, dated, miss): whether the question's time qualifiers are stated (1.0), only through the
    article's date (dated 1.0), or contradicted or missing (a Miss). The sentence's own periods decide when it
    states any that bear on the one asked; else its paragraph's; else the title's and the lede's (the lede sets
    the period a news story is about, "first-quarter net income ...", and later paragraphs often do not repeat
    it)."""
    if not question.periods and not question.relative:
        return 1.0, 0.0, None
    levels = [
        _periods_of(sentence, view.dated),
        _periods_of(view.paragraph_mentions[paragraph], view.dated),
        _periods_of([*view.paragraph_mentions[0], *view.lede_mentions], view.dated),
    ]
    all_stated, via_date = True, False
    for asked in question.periods:
        decided = False
        for level in levels:
            relations = [(_relation(found, asked, question.measure), found) for found in level]
            if any(r == "match" for r, _ in relations):
                decided = True
                break
            conflicting = [found for r, found in relations if r == "conflict"]
            if conflicting:
                return 0.0, 0.0, Miss("time", asked.describe(), conflicting[0].describe())
        if decided:
            continue
        if view.dated is not None:
            day = values.Period("day", view.dated.year, view.dated.month, view.dated.day)
            if (asked.grain == "year" and asked.year == view.dated.year) or (
                not question.measure and _satisfies(day, asked, exact=False)
            ):
                via_date = True  # an event reported in an article of that date; an amount's period must be stated
                continue
            if not question.measure and asked.year is not None and asked.year != view.dated.year:
                # An event the article does not date otherwise happened about when it was reported.
                return 0.0, 0.0, Miss("time", asked.describe(), str(view.dated.year))
        all_stated = False
    text = " ".join([view.article.title, view.article.text_of(paragraph)]).lower()
    for phrase in question.relative:
        if phrase not in text:
            all_stated = False
    if not all_stated:
        return 0.0, 0.0, Miss("time", _asked_time(question), "")
    return (0.0, 1.0, None) if via_date else (1.0, 0.0, None)


def _asked_time(question: Question) -> str:
    parts = [p.describe() for p in question.periods] + list(question.relative)
    return " and ".join(parts)


def figures_stated(question: Question, view: _View, paragraph: int) -> bool:
    """Every figure the question sets ("its 250 mln dlr offering", "its three plants") is stated by the
    sentence's paragraph, the title or the lede: another offering or another sale is not the one asked about."""
    if not question.figures:
        return True
    near = (*view.paragraph_mentions[paragraph], *view.paragraph_mentions[0], *view.lede_mentions)
    stated = {m.value for m in near}
    return all(m.value in stated for m in question.figures)


def ordinal_check(question: Question, view: _View, paragraph: int, sentence: Sequence[Mention]) -> Miss | None:
    for asked in question.ordinals:
        near = [*sentence, *view.paragraph_mentions[paragraph], *view.paragraph_mentions[0]]
        have = {int(m.value) for m in near if m.label == "ORDINAL" and m.value and m.value.lstrip("-").isdigit()}
        if asked in have:
            continue
        others = sorted(have - {asked})
        return Miss("ordinal", _ordinal_text(asked), _ordinal_text(others[0]) if others else "")
    return None


# A possibility, not a fact: "could be jailed", "may be sold", "might not have paid".
_HEDGE = re.compile(r"\b(?:could|might|may)\s+(?:not\s+|also\s+|still\s+|eventually\s+)?(?:be\s+|have\s+)?([a-z]+)")
_HEDGED_QUESTION = re.compile(r"\b(?:could|might|may|can|would|possibl[ey]|maximum|potential(?:ly)?)\b", re.I)


def hedge_check(question: Question, quote: str) -> Miss | None:
    """A sentence that says what could happen does not state the fact asked for: "X could be jailed for up to 20
    years" is no answer to "for how long was X jailed" (unless the question asks what could happen). Only
    for a name, date, number or amount: what someone proposed or feared is often what could happen."""
    if not question.typed or _HEDGED_QUESTION.search(question.text):
        return None
    for m in _HEDGE.finditer(quote):
        if stem(m.group(1)) in question.content:
            return Miss("hedge", "what happened", "what could happen")
    return None


def _ordinal_text(n: int) -> str:
    if n < 0:
        return "the last"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"the {n}{suffix}"


def name_check(
    question: Question, view: _View, paragraph: int, sentence: str, mentions: Sequence[Mention]
) -> tuple[float, float, Miss | None]:
    """(near, in sentence, miss): shares of the question's names found in the sentence, its paragraph or the
    title, and in the sentence. A Miss when a name is nowhere in the article, or when the sentence names another
    of its kind and the paragraph and title do not name the one asked ("Alaska Airlines" for "United Airlines"
    in a round-up story)."""
    asked, named = names_asked(question.names, question.compared, view.article)
    if not asked:
        return 1.0, 1.0, None
    in_sentence_text = name_text(sentence)
    near = in_sentence = 0
    for name in asked:
        kin = [
            m
            for m in mentions
            if (m.label == name.label or "NAME" in (m.label, name.label)) and m.label in NAME_LABELS
            and m.text.removeprefix("the ")[:1].isupper() and not name.found_in(name_text(m.text))
            and not _part_of(m.text, name)
        ]  # fmt: skip
        # Another name of its kind opening the sentence: what the sentence is about ("Alaska Air Group Inc said").
        others = [m.text for m in kin if len(sentence[: m.start].split()) <= 1]
        if name.key not in named:
            return 0.0, 0.0, Miss("name", name.text, others[0] if others else "")
        here = name.found_in(in_sentence_text)
        if not here and (instead := _in_its_slot(question.text, name, sentence, kin)):
            return 0.0, 0.0, Miss("name", name.text, instead)
        if here and (kin_of := _kin_of(question.text, name, in_sentence_text)):
            return 0.0, 0.0, Miss("name", name.text, kin_of)
        close = here or name.found_in(view.paragraph_names[paragraph]) or name.found_in(view.paragraph_names[0])
        lede = len(view.paragraph_names) > 1 and name.found_in(view.paragraph_names[1])
        if not close and not lede and others:
            # A story about several companies: this sentence names another one, and nothing near it names the
            # one asked about.
            return 0.0, 0.0, Miss("name", name.text, others[0])
        near += close
        in_sentence += here
    return near / len(asked), in_sentence / len(asked), None


# A name's slot in a question: the object of a preposition after a word ("its agreement with Occidental").
_SLOT = re.compile(r"\b([a-z]{3,})\s+(with|for|from|against|by|to)\s+(?:the\s+)?$", re.I)


def _in_its_slot(question: str, name: Name, sentence: str, kin: Sequence[Mention]) -> str:
    """Another name of its kind where the question has the one asked ("its deal with the Dutch firm Polder Oil"
    for "its deal with Fjord Energy"): the sentence is about that one, whatever else its story names."""
    slot = _SLOT.search(question, 0, name.start) if name.start > 0 else None
    if slot is None or slot.group(1).lower() in STOPWORDS:
        return ""
    words_before = re.compile(rf"\b{re.escape(slot.group(1))}\w*\s+{slot.group(2)}\s+", re.I)
    for there in words_before.finditer(sentence):
        for m in kin:
            if m.start >= there.end() and len(sentence[there.end() : m.start].split()) <= 3:
                return m.text.removeprefix("the ")
    return ""


# Another thing of the same kind, named by its relation to the one named: "the sequel to Ocean Song" (matched on
# text as names are compared: lower case, no hyphens).
_KIN = re.compile(r"\b(sequel|prequel|remake|spin off|successor|predecessor|follow up|rival)s? (?:to|of) (?:the )?$")


def _kin_of(question: str, name: Name, text: str) -> str:
    """The sentence (`text`, through name_text) names the thing asked only as what another is related to ("the
    sequel to Ocean Song" for a question about Ocean Song), and the question does not ask about that relation: it
    is about the other one."""
    places = list(re.finditer(rf"\b{re.escape(name.key)}\b", text)) or list(name.pattern.finditer(text))
    kin = [_KIN.search(text, 0, m.start()) for m in places]
    if not kin or not all(kin) or re.search(rf"\b{kin[0].group(1)}", name_text(question)):  # type: ignore[union-attr]
        return ""
    return f"the {kin[0].group(1)} to {name.text}"  # type: ignore[union-attr]


@lru_cache(maxsize=4096)
def names_asked(
    names: tuple[Name, ...], compared: frozenset[str], article: Article
) -> tuple[tuple[Name, ...], frozenset[str]]:
    """The question's names a sentence of `article` must answer to, and the keys of those the article names at
    all: worked out once per article, not for each of its sentences. An employer before a person's title ("Fed
    chairman Paul Volcker") is checked through the person, whom the article names however it writes the employer
    ("European Community" for "EC"), or if it does not; of names set side by side ("Acme compared with Beta"), a
    story about one answers for that one."""
    text = _names_text(article)
    named = frozenset(n.key for n in names if n.found_in(text))
    asked = [n for n in names if not (n.of_person and n.of_person in named)]
    if compared & named:
        asked = [n for n in asked if n.key not in compared or n.key in named]
    return tuple(asked), named


def _part_of(text: str, name: Name) -> bool:
    """A mention that is a piece of the name asked ("Manufacturers" for "Manufacturers Hanover")."""
    key = name_key(text)
    return bool(key) and re.search(rf"\b{re.escape(key)}\b", name.key) is not None


# -- the short answer ---------------------------------------------------------------------------------------------


_REASON = re.compile(
    r"\b(?:because|due to|owing to|as a result|result(?:ed|ing)? (?:of|from)|caused by|thanks to|since|after|"
    r"following|amid|citing|cited|reflect(?:s|ed|ing)?|attribut\w+ to|blam\w+|so that|in order to|reason|"
    r"led to|lead(?:s|ing)? to|stemm\w+ from|hurt by|helped by|offset by|on (?:the )?(?:back|grounds) of|over|"
    r"(?:prompted|triggered|driven|spurred|fu?elled|sparked|motivated) by|"
    # a purpose: "in a bid to", "to reduce output", "aimed at"
    r"in (?:a|an) (?:bid|effort|attempt|move|drive) to|aim(?:s|ed|ing)? (?:at|to)|designed to|intended to|"
    r"so as to|with the (?:aim|intention|goal) of|with a view to|"
    r"to (?:reduce|cut|boost|raise|increase|improve|ensure|allow|enable|help|avoid|prevent|protect|offset|"
    r"finance|fund|comply|save|strengthen|stabili[sz]e|support|limit|curb|ease|lower|streamline|restore|"
    r"recover|repay|counter|compensate|meet|make up))\b",
    re.I,
)


_SPEECH = re.compile(
    r"[\"“”]|\b(?:said|says|say|told|tells|added|adds|warned|warns|claimed|claims|stated|states|according to|"
    r"believes?|thinks?|insisted|argued|argues|admitted|denied|described|called|predicted|expects?|expected|"
    r"responded|responding|replied|acknowledged|noted|announced|confirmed|"
    # reactions are what someone said of something: "How did X respond to Y?" "X welcomed Y."
    r"welcomed|welcomes|critici[sz]ed|condemned|praised|hailed|defended|dismissed|rejected|urged|reacted|reacting|"
    r"objected|protested|complained|accused)\b",
    re.I,
)


def speaker_mention(sentence: str, speaker: str) -> Mention:
    """The speaker of a quote as its short answer: where the sentence names them (by surname at least), else
    an empty span at the sentence's end (the attribution is in another sentence)."""
    surname = speaker.split()[-1] if speaker.split() else speaker
    at = sentence.find(speaker)
    if at >= 0:
        return Mention("PERSON", at, at + len(speaker), speaker)
    at = sentence.find(surname) if surname[:1].isupper() else -1
    if at >= 0:
        return Mention("PERSON", at, at + len(surname), speaker)
    return Mention("PERSON", len(sentence), len(sentence), speaker)


def fresh_answers(question: Question, sentence: str, mentions: Sequence[Mention]) -> list[Mention]:
    """The sentence's values or names of the kind asked for that the question does not state itself."""
    if not question.typed:
        return []
    out = []
    for m in mentions:
        if question.expected == "place" and m.label in ("PERSON", "ORG") and _names_the_focus(sentence, m, question):
            m = replace(m, label="LOC")  # "the Kestrel basin", asked "in which basin": a place, whatever the tag
        if m.label not in question.labels:
            continue
        if question.expected == "place":
            m = _with_locality(sentence, m)
            if _place_of_another(question, sentence, m, mentions):
                continue
        if m.label in NAME_LABELS:
            if any(_same_entity(m.text, name) for name in question.names) or _ticker(sentence, m):
                continue  # the question's own entity, or a ticker symbol
            own = set(terms(m.text))
            if own and own <= question.word_stems:
                continue  # the question's own words, capitalised ("its sports division" -> "Sports Division")
        elif m.value and m.value in question.own_values:
            continue
        if m.label in ("MONEY", "PERCENT", "CARDINAL", "QUANTITY") and values.number(m.text) is None:
            continue  # "an estimated", "several": not a figure
        if m.text.lower() == "one" and _SOMEONE.match(sentence, m.end):
            continue  # "one trader said": someone, not a count
        if question.expected == "duration" and not (m.value and "P" in m.value):
            continue
        if question.expected == "date":
            periods = values.decode_periods(m.value)
            if periods and all(p in question.periods for p in periods):
                continue
            if m.value and m.value.startswith("P"):
                continue  # a duration does not say when
        if question.measure and question.expected != "change" and _role(sentence, m) == "change":
            continue  # "net income will be reduced by 18 mln": the change, not the level asked for
        out.append(_with_unit(sentence, m))
    if question.expected == "change":
        kinds = ("PERCENT", "MONEY", "QUANTITY", "CARDINAL")
        out.sort(key=lambda m: (_role(sentence, m) != "change", kinds.index(m.label)))
    elif question.expected == "who":
        out.sort(key=lambda m: m.label != "PERSON")
    return out


def _names_the_focus(sentence: str, mention: Mention, question: Question) -> bool:
    """The name stands right before the noun the wh-word asks about ("the Acme basin" for "in which basin")."""
    after = re.match(r"\s+([A-Za-z]+)", sentence[mention.end :])
    return question.focus_named and after is not None and stem(after.group(1).lower()) == question.focus[-1]


# After "one": who spoke ("one trader said", "one member of staff, who would not give a name, told us").
_SOMEONE = re.compile(
    r"\s+(?:(?!and\b|or\b|but\b)[a-z-]+\s+){0,3}?(?:(?!and\b|or\b|but\b)[a-z-]+)?(?:,[^,]{0,60},)?\s*"
    r"(?:said|says|told|tells|informed|added|warned|claimed)\b"
)
_PLACE_LINK = re.compile(r"[>\"'’]?,?\s+(?:of|based in|headquartered in)\s+$", re.I)


def _place_of_another(question: Question, sentence: str, place: Mention, mentions: Sequence[Mention]) -> bool:
    """"sold the unit to Acme AG of West Germany": the place is where that organisation is, which says nothing of
    where the thing asked about is (unless the organisation is the one asked about)."""
    link = _PLACE_LINK.search(sentence, 0, place.start)
    if link is None:
        return False
    owner = next((x for x in mentions if x.label == "ORG" and link.start() - 1 <= x.end <= link.start()), None)
    return owner is not None and not any(_same_entity(owner.text, name) for name in question.names)


_UNIT_AFTER = re.compile(r"\s+([a-z][a-z-]*s)\b")


def _with_unit(sentence: str, mention: Mention) -> Mention:
    """A count with what it counts: "13,000 tonnes", "21,600 workers", not "13,000" alone."""
    if mention.label != "CARDINAL":
        return mention
    unit = _UNIT_AFTER.match(sentence, mention.end)
    if unit is None or unit.group(1) in STOPWORDS:
        return mention
    return replace(mention, end=unit.end(), text=sentence[mention.start : unit.end()])


def _ticker(sentence: str, mention: Mention) -> bool:
    """A stock symbol in brackets ("Acme Corp <ACM>"), not a name."""
    before = sentence[max(mention.start - 1, 0) : mention.start]
    return bool(re.fullmatch(r"[A-Z.]{1,6}", mention.text)) and before == "<"


_LOCALITY = re.compile(r"((?:[A-Z][\w.'’-]*\s)*[A-Z][\w.'’-]*),\s$")


def _with_locality(sentence: str, mention: Mention) -> Mention:
    """A state or country with the town before it: "Poughkeepsie, N.Y.", not "N.Y." alone."""
    before = _LOCALITY.search(sentence[: mention.start])
    if before is None:
        return mention
    start = before.start(1)
    return replace(mention, start=start, text=sentence[start : mention.end])


def _same_entity(text: str, name: Name) -> bool:
    """A name in the sentence that is the question's own entity, or part of its family ("Piedmont Airlines"
    for "Piedmont Aviation"; for people, the same surname)."""
    key = name_key(text)
    if not key:
        return True
    if name.found_in(key) or re.search(rf"\b{re.escape(key)}\b", name.key):
        return True
    if name.label == "PERSON":
        return key.split()[-1] == name.key.split()[-1]
    return key.split()[0] == name.key.split()[0] and len(key.split()[0]) > 3


_CHANGE_WORDS = re.compile(
    r"\b(?:rose|rise|rising|risen|fell|fall|falling|fallen|increased|increase|decreased|decrease|grew|grow|jumped|"
    r"dropped|declined|gained|climbed|slipped|slid|plunged|soared|surged|eased|improved|up|down|off|reduced|cut|"
    r"lowered|raised|widened|narrowed|shrank|expanded)\b"
)


# Verbs that "off", "up" or "down" make phrasal ("laying off", "set up"), by stem: the stemmer meets their
# inflections and, through its irregular forms, "sold", "paid", "took"; "laid" and "spun" it leaves alone.
_PHRASAL = frozenset(
    stem(v) for v in "lay laid set sign sell spin spun pay write take call pick make end break shut close kick".split()
) | {"round", "top"}


def _role(sentence: str, mention: Mention) -> str:
    """Whether an amount is a change ("rose by 5 pct", "fell a preliminary 5 pct", "a 5 pct increase") or a
    level ("rose to 5 pct", "net income of 5 mln")."""
    before = sentence[max(0, mention.start - 30) : mention.start].lower().split()
    after = sentence[mention.end : mention.end + 14].lower().split()
    comparing = before[-1:] in (["from"], ["against"], ["versus"], ["vs"]) or before[-2:] == ["compared", "with"]
    if comparing and before[-2:-1] != ["up"]:
        return "previous"  # "rose to 12.4 pct from 9.8 pct": the earlier figure it is compared with
    if before and before[-1] in ("to", "at", "of", "was", "were", "totaled", "totalled", "reached", "is"):
        return "level"
    window = [w.strip(",.") for w in before[-4:]]
    # "off", "up", "down" after a verb they make a phrasal verb of ("laying off 21,600 workers") say no change
    changed = any(
        _CHANGE_WORDS.fullmatch(w) and not (w in ("off", "up", "down") and i > 0 and stem(window[i - 1]) in _PHRASAL)
        for i, w in enumerate(window)
    )
    if before and before[-1] == "by" and changed:
        return "change"  # "reduced by 18 mln", not "backed by 35 employees"
    if changed and before[-1] != "by":
        return "change"
    if after and after[0].strip(",.") in ("increase", "rise", "gain", "jump", "drop", "decline", "fall", "cut",
                                          "reduction", "higher", "lower", "more", "less", "up", "down"):  # fmt: skip
        return "change"
    return "level"


_CLAUSE = re.compile(r",\s|;\s|\s(?:and|while|but|whereas|compared with|against|versus)\s")


@lru_cache(maxsize=16384)
def _layout(sentence: str) -> tuple[list[tuple[int, int]], list[tuple[int, int, frozenset[str]]]]:
    """A sentence's clauses (offsets) and its words with their stems, worked out once."""
    cuts = [0, *(m.end() for m in _CLAUSE.finditer(sentence)), len(sentence) + 1]
    words_at = [
        (m.start(), m.end(), frozenset(stem(w) for w in words(m.group(0)))) for m in re.finditer(r"[\w'’-]+", sentence)
    ]
    return list(itertools.pairwise(cuts)), words_at


def possessor(sentence: str, mention: Mention) -> bool:
    """A name written as an owner ("Roe's job", "the company's")."""
    return mention.label in NAME_LABELS and sentence[mention.end : mention.end + 2] in ("'s", "’s")


def _best_answer(question: Question, sentence: str, answers: list[Mention]) -> tuple[Mention | None, float, float]:
    """The answer in the clause that says most about what the question asks (the words naming it count
    double), nearest to those words; whether such a word stands right next to it; and the share of the words
    naming what is asked about that its clause has."""
    if not answers:
        return None, 0.0, 0.0
    focus, other = set(question.focus), set(question.content) | question.qualifier_stems
    clauses, words_at = _layout(sentence)
    asks_whose = re.search(r"\bwhose\b", question.text, re.I) is not None

    def clause_of(position: int) -> tuple[int, int]:
        return next(((a, b) for a, b in clauses if a <= position < b), clauses[-1])

    def score(m: Mention) -> tuple[int, int, int, int]:
        low, high = clause_of(m.start)
        inside = [stems for s, _, stems in words_at if low <= s < high]
        weight = sum(2 * len(stems & focus) + len(stems & (other - focus)) for stems in inside)
        gaps = [max(0, s - m.end, m.start - e) for s, e, stems in words_at if stems & (focus | other)]
        role = _role(sentence, m) if m.label in ("MONEY", "PERCENT", "CARDINAL", "QUANTITY") else "level"
        # A change question wants the change; any other the figure itself, not the one it is compared with.
        misfit = role != "change" if question.expected == "change" else role == "previous"
        # "will take over Roe's job": the owner of a thing named is not who or what did it.
        misfit = misfit or (possessor(sentence, m) and not asks_whose)
        return (misfit, -weight, min(gaps, default=10_000), answers.index(m))

    best = min(answers, key=score)
    low, high = clause_of(best.start)
    in_clause = set().union(*(stems for s, _, stems in words_at if low <= s < high))
    share = len(focus & in_clause) / len(focus) if focus else 0.0
    return best, 1.0 if score(best)[2] <= 30 else 0.0, share


# -- one sentence against the question -------------------------------------------------------------------------


@dataclass(frozen=True)
class SentenceCheck:
    mentions: tuple[Mention, ...]  # the sentence's entities and values, offsets within it
    answers: tuple[Mention, ...]  # those of the kind asked for that the question does not state
    names_near: float
    names_sentence: float
    time_stated: float
    time_dated: float
    miss: Miss | None  # a qualifier the sentence (with its paragraph, title and date) contradicts or lacks
    typed: bool

    @property
    def accepted(self) -> bool:
        return self.miss is None and bool(self.answers or not self.typed)


def check_sentence(question: Question, view: _View, paragraph: int, quote: str) -> SentenceCheck:
    """Whether the sentence `quote` of paragraph `paragraph` states what the question asks, with every
    qualifier it sets (read with its paragraph, the title and the article's date)."""
    note = view.note_for(paragraph, quote)
    mentions: tuple[Mention, ...] = ()
    if note is not None:
        shift = view.article.text_of(paragraph).find(quote) - note.start
        mentions = tuple(
            m2
            for m in note.mentions
            if 0 <= (m2 := replace(m, start=m.start - shift, end=m.end - shift)).start < m2.end <= len(quote)
        )
    names_near, names_sentence, miss = name_check(question, view, paragraph, quote, mentions)
    time_stated, time_dated, time_miss = time_check(question, view, paragraph, mentions)
    miss = miss or time_miss or ordinal_check(question, view, paragraph, mentions) or hedge_check(question, quote)
    answers = tuple(fresh_answers(question, quote, mentions))
    return SentenceCheck(mentions, answers, names_near, names_sentence, time_stated, time_dated, miss, question.typed)


def check_quote(question: Question, article: Article, paragraph: int, quote: str) -> SentenceCheck:
    return check_sentence(question, _view(article), paragraph, quote)


# -- scoring ------------------------------------------------------------------------------------------------------


def _coverage(wanted: dict[str, float], have: frozenset[str]) -> float:
    total = sum(wanted.values())
    return sum(w for t, w in wanted.items() if t in have) / total if total > 0 else 0.0


def candidates(
    question: Question,
    query: str,
    hits: Sequence[Hit],
    articles: dict[str, Article],
    stats: CorpusStats,
    config: ExtractiveConfig,
    similarity: SentenceSimilarity | None,
    calibration: Calibration,
) -> list[Candidate]:
    """Every sentence of the hits' paragraphs, checked against the question and scored, best first. A sentence
    whose article lacks a name the question gives, or that states another period or edition than the one
    asked, is kept as a near miss (its `miss` says why)."""
    own = {t: stats.idf(t) for t in question.content}
    query_extra = {t: stats.idf(t) * 0.5 for t in _content_terms(query) if t not in own}
    wanted = {**query_extra, **own}
    rare = {t: w * w for t, w in own.items()}
    pairs = set(itertools.pairwise(question.content))
    focus = set(question.focus)
    top_keyword = max([h.keyword or 0.0 for h in hits] + [1e-9])
    found: list[Candidate] = []
    seen: set[tuple[str, int, str]] = set()
    read = 0
    for hit in hits:
        article = articles.get(hit.article_id)
        if article is None or (read >= config.read_chunks and hit.score > 0):
            continue  # the best chunks retrieved, and the rest of the best articles (score 0: not ranked)
        read += 1
        view = _view(article)
        for number, quote in chunk_sentences(hit.chunk):
            key = (article.id, number, quote)
            if key in seen or len(quote.split()) < config.min_words:
                continue
            if quote.rstrip().endswith(":"):
                continue  # "The claims include:" introduces what follows and states nothing itself
            seen.add(key)
            check = check_sentence(question, view, number, quote)
            said = article.quote_at(number, quote) if question.speech or question.said_by else None
            answers, miss = check.answers, check.miss
            if question.said_by and said is not None:
                answers = (speaker_mention(quote, said.speaker),)  # the speaker, though often not in the sentence
            if question.typed and not answers:
                continue  # nothing of the kind asked for: not an answer, nor a near miss worth showing
            if question.reason and not _REASON.search(quote):
                continue  # a "why" needs a cause or a purpose
            if question.speech and said is None and not _SPEECH.search(quote):
                continue  # "what did X say" needs something said
            if question.topic and not _about(question, _topical(view, number, quote, said)):
                continue  # "what did X say about Y": what X said about something else is no answer
            if question.topic_time and not any(m.label in ("DATE", "TIME") for m in check.mentions):
                continue  # "what did X say about the timing of Y": a sentence that states no time does not say
            if miss is not None and miss.kind == "time" and not miss.found:
                continue  # the qualifier is not stated at all: no answer, and nothing to show as a near miss
            if not figures_stated(question, view, number):
                continue  # "its three plants": a sentence about another sale is no answer
            answer, near, clause = _best_answer(question, quote, list(answers))
            if question.typed and not question.said_by and not near and miss is None:
                continue  # no word of the question beside the figure or name: it answers something else
            have = _terms(quote)
            context = view.paragraph_terms[number] | view.paragraph_terms[0]
            if question.typed and not question.focus_named and focus and not focus & (have | context):
                continue  # "when is Acme's dividend payable": a date in a passage about its sales is no answer
            if said is not None:
                # A quote states who said it, though the attribution may be sentences away: "what did the union
                # official say" is matched by the speaker's role and side as much as by the words said.
                have |= said.terms
                context |= said.terms
            features = {
                "cosine": 0.0,
                "lexical": _coverage(wanted, have),
                "context": _coverage(wanted, context),
                "rare": _coverage(rare, have),
                "pairs": len(pairs & set(itertools.pairwise(_content_terms(quote)))) / len(pairs) if pairs else 0.0,
                "focus": len(focus & have) / len(focus) if focus else 0.0,
                "focus_context": len(focus & context) / len(focus) if focus else 0.0,
                "names_near": check.names_near,
                "names_sentence": check.names_sentence,
                "time_stated": check.time_stated,
                "time_dated": check.time_dated,
                "answer_near": near,
                "answer_clause": clause,
                "answers": min(len(answers), 3) / 3,
                "keyword": (hit.keyword or 0.0) / top_keyword,
                "typed": 1.0 if question.typed else 0.0,
            }
            if question.said_by and said is not None:
                features["answer_near"] = features["answer_clause"] = 1.0  # the attribution binds the speaker
            found.append(Candidate(article, number, quote, hit.chunk.id, features, answer, miss, said=said))
    if not found:
        return []
    if question.speech:
        # "What did the union official say?": when some quotes are by a speaker the question describes, the
        # others are not what was asked.
        asked = set(question.content) | set(question.qualifier_stems)

        def by_speaker_asked(c: Candidate) -> bool:
            if c.said is not None:
                return bool(asked & c.said.terms)
            # A sentence the quote finder did not attribute ("Acme, Inc and Co vice president Jane Roe said …")
            # still counts when it says something and names one of the question's names in full.
            have = _terms(c.quote)
            return bool(_SPEECH.search(c.quote)) and any(n.stems and set(n.stems) <= have for n in question.names)

        by_them = [c for c in found if by_speaker_asked(c)]
        if question.speaker and not any(c.said and question.speaker in c.said.terms for c in by_them if not c.miss):
            # No quote is by the one who the question says spoke ("what did the council say": the council):
            # what others are quoted saying is not the answer, though the question's words describe them (its
            # staff); a sentence the quote finder did not attribute may be.
            found = [c for c in found if c.said is None or c.miss is not None]
            if not found:
                return []
        elif by_them:
            found = by_them
    if similarity is not None:
        cosines = similarity([(c.chunk_id, c.quote) for c in found])
        for candidate, cosine in zip(found, cosines, strict=True):
            candidate.features["cosine"] = max(cosine, 0.0)
    # How each sentence compares with the best one read: an answer usually stands out from the rest.
    for name in ("cosine", "lexical"):
        best = max(c.features[name] for c in found)
        for candidate in found:
            candidate.features[f"{name}_best"] = 1.0 if candidate.features[name] >= best else 0.0
            candidate.features[f"{name}_gap"] = best - candidate.features[name]
    for candidate in found:
        candidate.probability = calibration.probability(candidate.features)
    found.sort(key=lambda c: -c.probability)
    return found


def _topical(view: _View, paragraph: int, quote: str, said: Quote | None) -> frozenset[str]:
    """The words that say what a sentence is about: its own and its paragraph's; for words in quote marks also
    the paragraph before and the title, which they often follow ("X opposed the bill. 'It will cost jobs,' X
    said.")."""
    have = _terms(quote) | view.paragraph_terms[paragraph]
    if said is not None and said.kind == "direct":
        have |= view.paragraph_terms[max(paragraph - 1, 0)] | view.paragraph_terms[0]
    return have


def _about(question: Question, have: frozenset[str]) -> bool:
    """A passage is about a topic when it has at least a third of the topic's words (and, for "whether A was
    linked to B", the verb asked about)."""
    topic = set(question.topic)
    return 3 * sum(t in have for t in topic) >= len(topic) and (not question.topic_verb or question.topic_verb in have)


def _redundant(a: Candidate, b: Candidate) -> bool:
    if a.key == b.key:
        return True
    union = _terms(a.quote) | _terms(b.quote)
    return bool(union) and len(_terms(a.quote) & _terms(b.quote)) / len(union) >= 0.6


def abstain(question: str, reason: str = "", confidence: float = 1.0) -> Answer:
    text = NO_ANSWER if not reason else f"{NO_ANSWER} {reason}"
    return Answer(question=question, answer=text, abstained=True, confidence=round(confidence, 4))


def names_share(question: Question, article: Article) -> float:
    """The share of the question's names the article names (in its title, text or outlet)."""
    if not question.names:
        return 1.0
    _, named = names_asked(question.names, question.compared, article)
    return sum(n.key in named for n in question.names) / len(question.names)


def unknown_names(question: Question, stats: CorpusStats, articles: Sequence[Article]) -> list[str]:
    """The question's names no article mentions at all: a word the index has never seen, and not in the
    titles of the articles retrieved either (titles are not in the keyword index)."""
    titles = " | ".join(name_text(a.title) for a in articles)
    return [
        n.text for n in question.names if any(not stats.known(t) for t in terms(n.text)) and not n.found_in(titles)
    ]


def extractive_answer(
    question: Question,
    query: str,
    hits: Sequence[Hit],
    articles: dict[str, Article],
    stats: CorpusStats,
    calibration: Calibration,
    config: ExtractiveConfig | None = None,
    similarity: SentenceSimilarity | None = None,
    threshold: float | None = None,
    collect: list[Candidate] | None = None,
) -> Answer:
    """Answer from the hits' sentences, or refuse. `threshold`: the confidence needed to answer (default the
    fitted one). `collect` receives every candidate considered (for calibration)."""
    config = config or ExtractiveConfig()
    threshold = calibration.threshold if threshold is None else threshold
    missing = unknown_names(question, stats, list(articles.values()))
    if missing:
        return abstain(question.text, f"None of the articles mentions {', '.join(dict.fromkeys(missing))}.")
    found = candidates(question, query, hits, articles, stats, config, similarity, calibration)
    if collect is not None:
        collect.extend(found)
    return compose(question, found, config, threshold)


def compose(
    question: Question, found: list[Candidate], config: ExtractiveConfig, threshold: float, force: bool = False
) -> Answer:
    """The answer from scored candidates (best first): the best sentence if its confidence reaches the
    threshold (or with `force`, for calibration), with its short answer, and for a description the sentences
    close to it; else the refusal, with the near misses."""
    answers = [c for c in found if c.miss is None]
    best = answers[0] if answers else None
    if best is None or (best.probability < threshold and not force):
        related = [c for c in found if c.miss is not None and c.probability >= config.related_floor][:2]
        return _refusal(question.text, related, best.probability if best else 0.0)

    chosen = [best]
    floor = max(threshold, config.relative_keep * best.probability)
    if not question.typed:
        for candidate in answers[1:]:
            if len(chosen) >= config.max_sentences or candidate.probability < floor:
                break
            if not any(_redundant(candidate, other) for other in chosen):
                chosen.append(candidate)
    if question.compared:
        # Names set side by side ("at Acme compared with Beta"): each gets its own sentence when one qualifies.
        covered = set().union(*(_sides(question, c) for c in chosen))
        for candidate in answers[1:]:
            if candidate.probability < floor or covered >= question.compared:
                break
            new = _sides(question, candidate) - covered
            if new and (candidate.answer is not None or not question.typed):
                chosen.append(candidate)
                covered |= new
        if missing := [n.text for n in question.names if n.key in question.compared - covered]:
            # Half a comparison is no answer to it: say which side the articles report, cited as related.
            reported = [n.text for n in question.names if n.key in covered]
            side = Miss("name", " and ".join(dict.fromkeys(missing)), " and ".join(dict.fromkeys(reported)))
            return _refusal(question.text, [replace(c, miss=side) for c in chosen[:2]], best.probability)
    citations = tuple(
        _citation(i, c, question.typed) for i, c in enumerate(chosen, start=1)
    )
    if question.typed and best.answer is not None:
        short = best.answer.text
        text = "; ".join(
            f"{c.answer.text if c.answer else ''} [{cited.n}] — “{cited.quote}”"
            for c, cited in zip(chosen, citations, strict=True)
        )
    else:
        short = None
        text = " ".join(f"{c.quote} [{c.n}]" for c in citations)
    return Answer(
        question=question.text,
        answer=text,
        abstained=False,
        citations=citations,
        short_answer=short,
        confidence=round(best.probability, 4),
    )


def _sides(question: Question, candidate: Candidate) -> set[str]:
    """Which of the names the question sets side by side the candidate's article names."""
    return set(question.compared & names_asked(question.names, question.compared, candidate.article)[1])


def _citation(n: int, candidate: Candidate, typed: bool) -> Citation:
    citation = Citation.of(n, candidate.article, candidate.paragraph, candidate.quote)
    if typed and candidate.answer is not None and candidate.answer.start < candidate.answer.end:
        citation = replace(citation, span=(candidate.answer.start, candidate.answer.end))
    return citation


def _refusal(question: str, related: list[Candidate], best: float) -> Answer:
    """The refusal; with near misses, saying what the articles report instead, cited as related."""
    if not related:
        return abstain(question, confidence=1.0 - best)
    citations = tuple(Citation.of(i, c.article, c.paragraph, c.quote) for i, c in enumerate(related, start=1))
    miss = related[0].miss
    assert miss is not None
    if miss.found:
        reason = f"They report {miss.found}, not {miss.asked} [1]."
    else:
        reason = f"They do not report {miss.asked} [1]."
    answer = abstain(question, reason, confidence=1.0 - best)
    return replace(answer, related=citations)
